"""Benchmark: REST calls per scenario, read from the fake GitHub's call log.

    python bench/api_economy.py

Needs Redis at 127.0.0.1:6379 (uses db 12, flushed). Scenarios run in order on one repository,
as they would in production: the first review in a repository pays for the repository-level
reads (org config, tree, label creation) that later reviews find cached.
"""

from __future__ import annotations

import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.cache import Memory, RedisTokenCache
from bot.github import App
from bot.jobs import ConfigChangedJob, ReviewJob
from bot.service import Service
from bot.store import Store
from tests.fakegithub import FakeGitHub

REPO = "acme/mlkit"
INSTALLATION = 1
SPDX = "# SPDX-License-Identifier: Apache-2.0\nimport torch\n"


def files(n: int, start: int = 0) -> list[dict]:
    patch = "@@ -1,2 +1,4 @@\n x\n+y = 1\n+z = 2\n-w = 0"
    return [{"filename": f"src/mlkit/m{start + i}.py", "patch": patch} for i in range(n)]


def main() -> None:
    r = redis.Redis(db=12)
    r.flushdb()
    fake = FakeGitHub().start()
    fake.add_repo(
        REPO,
        {"src/mlkit/a.py": SPDX, "src/mlkit/b.py": SPDX, "CONTRIBUTING.md": "x"},
        installation_id=INSTALLATION,
    )
    svc = Service(
        App(fake.url, fake.app_id, fake.private_key_pem, RedisTokenCache(r)), Memory(r), Store(r)
    )

    def review(number: int, head: str, reason: str, n_files: int = 40) -> tuple[int, int]:
        if (REPO, number) not in fake.pulls:
            fake.add_pull(
                REPO, number, files(n_files), head_sha=head, title="Add a feature",
                body="Adds a feature. Refs #1",
            )  # fmt: skip
        svc.store.note_pull_request(REPO, fake.pull_json(REPO, number))
        fake.calls.clear()
        svc.handle(ReviewJob(INSTALLATION, "d", REPO, number, head, reason))
        return len(fake.calls), len(fake.writes())

    rows = [("first review, first PR in the repository (40 files)",
             *review(1, "a" * 40, "pull_request.opened"))]  # fmt: skip
    rows.append(("first review, next PR (40 files)", *review(2, "b" * 40, "pull_request.opened")))
    rows.append(
        ("redelivery / re-run, nothing changed", *review(2, "b" * 40, "check_run.rerequested"))
    )
    fake.push(REPO, 2, files(40) + files(1, 900), "c" * 40)
    rows.append(("new push (41 files)", *review(2, "c" * 40, "pull_request.synchronize")))
    fake.write_files(REPO, {".github/steward.yml": "rules:\n  tests: false\n"})
    svc.handle(ConfigChangedJob(1, "p", REPO))
    rows.append(("config change, then re-run", *review(2, "c" * 40, "check_run.rerequested")))
    rows.append(("first review, 250 files", *review(3, "d" * 40, "pull_request.opened", 250)))
    rows.append(("first review, 3,000 files", *review(4, "e" * 40, "pull_request.opened", 3000)))
    print("| scenario | REST calls | of which writes |\n|---|---|---|")
    for name, calls, writes in rows:
        print(f"| {name} | {calls} | {writes} |")
    fake.stop()
    r.flushdb()


if __name__ == "__main__":
    main()
