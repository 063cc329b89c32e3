"""Benchmark: one full review (all checks + comment + check-run rendering) of a synthetic PR.

    python bench/review_cost.py [--files 3000] [--lines 20000] [--repeat 30]

Prints median and p90 wall time, CPU time and peak Python memory of one review.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import pull_request

from bot import config
from bot.render.output import check_run, comment
from bot.review import review


def one(pr, cfg) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = review(pr, cfg)
    comment(result)
    check_run(result)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    cfg = config.default()
    one(pull_request(args.files, args.lines, seed=0), cfg)  # warm templates and compiled globs
    # every run gets a pull request with new paths, so nothing is remembered between reviews
    prs = [pull_request(args.files, args.lines, seed=i + 1) for i in range(args.repeat + 1)]
    pr = prs[-1]
    walls, cpus = [], []
    for i in range(args.repeat):
        w, c = one(prs[i], cfg)
        walls.append(w)
        cpus.append(c)
    tracemalloc.start()
    one(pr, cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    walls.sort()
    print(
        f"files={args.files} lines={pr.changed_lines} repeat={args.repeat} "
        f"median={statistics.median(walls) * 1000:.1f}ms "
        f"p90={walls[int(len(walls) * 0.9) - 1] * 1000:.1f}ms "
        f"cpu_median={statistics.median(cpus) * 1000:.1f}ms "
        f"peak_alloc={peak / 1e6:.1f}MB"
    )


if __name__ == "__main__":
    main()
