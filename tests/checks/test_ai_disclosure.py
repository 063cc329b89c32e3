"""The `ai-disclosure` rule: answer the template's AI-tools question; never an accusation."""

from __future__ import annotations

import pytest

from bot.checks.ai_disclosure import Settings, check
from bot.render import word
from tests.factories import file, pr

TEMPLATE = "## Description\n\n## AI tools\n- [ ] I used AI tools (Copilot, ChatGPT, ...) to write this\n- [ ] No AI tools were used\n"
CASES = [
    ("no-question-in-template", "## Description\n", "Adds a scan.", {}, []),
    ("asked-unanswered", TEMPLATE, TEMPLATE + "\nAdds a scan.", {}, ["unanswered"]),
    ("ticked-yes", TEMPLATE, TEMPLATE.replace("- [ ] I used", "- [x] I used"), {}, []),
    ("ticked-no", TEMPLATE, TEMPLATE.replace("- [ ] No AI", "- [X] No AI"), {}, []),
    ("sentence-no", TEMPLATE, "Adds a scan. No AI tools were used.", {}, []),
    (
        "sentence-yes",
        TEMPLATE,
        "Adds a scan, drafted with the help of Claude and tested by me.",
        {},
        [],
    ),
    ("trailer", TEMPLATE, "Adds a scan.\n\nAssisted-by: Copilot", {}, []),
    (
        "answer-only-in-comment",
        TEMPLATE,
        "Adds a scan. <!-- No AI tools were used -->",
        {},
        ["unanswered"],
    ),
    ("always-without-template", "", "Adds a scan.", {"always": True}, ["unanswered"]),
]


@pytest.mark.parametrize(
    ("template", "body", "settings", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_ai_disclosure(template, body, settings, kinds):
    findings = check(
        pr(file("src/a.py", 5), body=body, pr_template=template), Settings(enabled=True, **settings)
    )
    assert [f.kind for f in findings] == kinds


def test_it_is_a_friendly_notice():
    [finding] = check(pr(body="x", pr_template=TEMPLATE), Settings(enabled=True))
    worded = word(finding)
    assert finding.severity == "notice"
    assert "Either answer is fine" in worded.message


def test_off_by_default():
    assert Settings().enabled is False
