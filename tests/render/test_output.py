"""Golden-file tests of the comment and the check run, plus GitHub's size limits.

Regenerate the golden files after an intended wording change with
`STEWARD_UPDATE_GOLDEN=1 pytest tests/render` and review the diff like copy.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import pytest

from bot import config
from bot.render.output import COMMENT_LIMIT, MARKER, check_run, comment
from bot.review import review
from bot.snapshot import from_dict
from tests.factories import file, pr

GOLDEN = Path(__file__).parent / "golden"


def example():
    data = json.loads((resources.files("bot.examples") / "pull_request.json").read_text())
    cfg = config.load_text((resources.files("bot.examples") / "steward.yml").read_text())
    return from_dict(data), cfg


def _scenarios():
    ex, ex_cfg = example()
    yield "example-first-timer", ex, ex_cfg
    yield "all-good", pr(file("docs/index.md", ["Fix a typo"], ["Fix a tpyo"])), config.default()
    yield (
        "waived-by-label",
        pr(file("src/mlkit/model.py", 40), labels=("steward/waive-tests",)),
        config.default(),
    )
    yield (
        "failure-from-strict",
        pr(file("src/mlkit/model.py", 700), body="Rewrite the model."),
        config.load_text("extends: strict\n"),
    )
    yield (
        "many-license-headers",
        pr(
            *[file(f"src/mlkit/ops/op_{i}.py", 12) for i in range(30)],
            file("tests/test_ops.py", 10),
            body="Adds 30 ops. Refs #9",
        ),
        config.load_text("rules:\n  license-header:\n    spdx: Apache-2.0\n"),
    )


SCENARIOS = list(_scenarios())


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("STEWARD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with STEWARD_UPDATE_GOLDEN=1"
    assert text == path.read_text()


@pytest.mark.parametrize(("name", "snapshot", "cfg"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_comment_matches_golden(name, snapshot, cfg):
    _golden(f"{name}.md", comment(review(snapshot, cfg)))


@pytest.mark.parametrize(("name", "snapshot", "cfg"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_check_run_matches_golden(name, snapshot, cfg):
    out = check_run(review(snapshot, cfg))
    text = (
        f"conclusion: {out.conclusion}\ntitle: {out.title}\n\n## summary\n{out.summary}\n\n"
        f"## text\n{out.text}\n\n## annotations\n"
        + "\n".join(json.dumps(a.as_dict(), sort_keys=True) for a in out.annotations)
        + "\n"
    )
    _golden(f"{name}.check-run.txt", text)


def test_comment_always_starts_with_the_marker_and_greets_first_timers():
    ex, cfg = example()
    body = comment(review(ex, cfg))
    assert body.startswith(MARKER + "\n")
    assert "first pull request" in body and "@ada-lovelace" in body
    assert "https://github.com/acme/tinyllm/blob/main/CONTRIBUTING.md" in body


def test_a_huge_review_is_cut_to_githubs_comment_limit():
    files = [
        file(f"src/mlkit/generated_ops/op_{i:04d}_with_a_long_name.py", 12) for i in range(3000)
    ]
    big = pr(*files, body="x")
    cfg = config.load_text("rules:\n  license-header:\n    spdx: Apache-2.0\n")
    result = review(big, cfg)
    body = comment(result)
    assert len(body) <= COMMENT_LIMIT
    assert body.startswith(MARKER)
    short = comment(result, limit=2000)
    assert len(short) <= 2000 and "the check run has the details" in short
    tiny = comment(result, limit=300)
    assert len(tiny) <= 300 and "cut to fit" in tiny


def test_check_run_fits_githubs_limits():
    files = [file(f"src/mlkit/op_{i}.py", 12) for i in range(300)]
    out = check_run(
        review(pr(*files), config.load_text("rules:\n  license-header:\n    spdx: MIT\n"))
    )
    assert len(out.title) <= 255 and len(out.summary) <= 65535 and len(out.text) <= 65535
    assert len(out.annotations) == 100  # capped: two requests of 50 at most
    assert {a.annotation_level for a in out.annotations} == {"warning"}
    assert all(a.message for a in out.annotations)
    assert "first 100 of 300" in out.summary
