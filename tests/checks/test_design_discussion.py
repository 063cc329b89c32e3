"""The `design-discussion` rule: large or core changes link a discussion; descriptions say something."""

from __future__ import annotations

import pytest

from bot.checks.design_discussion import Settings, check
from bot.render import word
from tests.factories import file, pr

TEMPLATE = "## What does this PR do?\n\n<!-- Describe it. Fixes # (issue) -->\n\n## Checklist\n- [ ] Tests added\n"
BODY = "Speeds up attention by fusing the softmax."
CASES = [
    ("small-no-link", [file("src/m/a.py", 30)], BODY, {}, []),
    ("at-threshold", [file("src/m/a.py", 500)], BODY, {}, []),
    ("large-no-link", [file("src/m/a.py", 501)], BODY, {}, ["needs-link"]),
    ("large-with-issue", [file("src/m/a.py", 501)], BODY + " Refs #12", {}, []),
    ("large-with-closing", [file("src/m/a.py", 501)], BODY + "\n\nCloses acme/ml#12", {}, []),
    (
        "large-with-url",
        [file("src/m/a.py", 501)],
        BODY + " https://github.com/acme/rfcs/discussions/3",
        {},
        [],
    ),
    ("large-self-link-only", [file("src/m/a.py", 501)], BODY + " (#42)", {}, ["needs-link"]),
    (
        "large-link-in-comment",
        [file("src/m/a.py", 501)],
        BODY + " <!-- Fixes #12 -->",
        {},
        ["needs-link"],
    ),
    (
        "tests-docs-excluded",
        [file("src/m/a.py", 300), file("tests/test_a.py", 400), file("docs/a.md", 400)],
        BODY,
        {},
        [],
    ),
    ("generated-excluded", [file("src/m/a.py", 300), file("src/m/api_pb2.py", 400)], BODY, {}, []),
    (
        "core-path-small",
        [file("src/m/api.py", 3)],
        BODY,
        {"core_paths": ["src/m/api.py"]},
        ["needs-link"],
    ),
    (
        "core-path-linked",
        [file("src/m/api.py", 3)],
        BODY + " #7",
        {"core_paths": ["src/m/api.py"]},
        [],
    ),
    (
        "core-path-renamed-away",
        [file("src/m/other.py", status="renamed", previous_path="src/m/api.py")],
        BODY,
        {"core_paths": ["src/m/api.py"]},
        ["needs-link"],
    ),
    (
        "extra-pattern",
        [file("src/m/a.py", 600)],
        BODY + " https://discuss.pytorch.org/t/x/1",
        {"link_patterns": [r"https://discuss\.pytorch\.org/t/\S+"]},
        [],
    ),
    (
        "allowed-repos-only",
        [file("src/m/a.py", 600)],
        BODY + " other/repo#3",
        {"allowed_repos": ["acme/rfcs"]},
        ["needs-link"],
    ),
    (
        "allowed-repos-match",
        [file("src/m/a.py", 600)],
        BODY + " acme/rfcs#3",
        {"allowed_repos": ["acme/rfcs"]},
        [],
    ),
    ("empty-description", [file("src/m/a.py", 50)], "", {}, ["empty-description"]),
    ("tiny-change-empty-ok", [file("src/m/a.py", 3)], "", {}, []),
    ("description-off", [file("src/m/a.py", 50)], "", {"require_description": False}, []),
]


@pytest.mark.parametrize(
    ("files", "body", "settings", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_design_discussion(files, body, settings, kinds):
    findings = check(pr(*files, body=body), Settings(**settings))
    assert [f.kind for f in findings] == kinds


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        (TEMPLATE, ["untouched-template"]),
        (TEMPLATE.replace("- [ ]", "- [x]"), ["untouched-template"]),
        (TEMPLATE + "\nThis fuses the softmax into the attention kernel.\n", []),
        ("", ["empty-description"]),
    ],
    ids=["as-is", "boxes-ticked", "filled-in", "empty"],
)
def test_untouched_template(body, kinds):
    findings = check(pr(file("src/m/a.py", 40), body=body, pr_template=TEMPLATE), Settings())
    assert [f.kind for f in findings] == kinds


def test_message_gives_count_threshold_fix_and_config_keys():
    finding = check(pr(file("src/m/a.py", 620), body=BODY), Settings())[0]
    worded = word(finding)
    assert "620 lines" in worded.message and "500 lines" in worded.message
    assert "`Refs #123`" in worded.message
    assert "rules.design-discussion" in worded.message
    assert "https://github.com/acme/ml/issues/new" in worded.message
