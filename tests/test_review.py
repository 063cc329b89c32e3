"""The review engine: conclusions, waivers, isolation of a crashing check, labels."""

from __future__ import annotations

import pytest

from bot import config
from bot.checks import Check, registry
from bot.findings import Severity
from bot.review import review
from tests.factories import file, pr

ONLY_SIZE = "  tests: false\n  design-discussion: false\n  license-header: false\n"


def _cfg(text: str = ""):
    """Config with only pr-size on (plus whatever `text` adds under `rules:`)."""
    body = text.removeprefix("rules:\n")
    return config.load_text("rules:\n" + ONLY_SIZE + body)


BIG = [file("src/mlkit/model.py", 1200)]


@pytest.mark.parametrize(
    ("severity", "conclusion"),
    [("notice", "success"), ("warning", "neutral"), ("failure", "failure")],
)
def test_conclusion_follows_the_worst_severity(severity, conclusion):
    result = review(pr(*BIG), _cfg(f"rules:\n  pr-size:\n    severity: {severity}\n"))
    assert any(f.rule == "pr-size" for f in result.findings)
    assert result.conclusion == conclusion


def test_nothing_found_is_success_with_a_size_label():
    result = review(pr(file("docs/index.md", ["Fix a typo"], ["Fix a tpyo"])), _cfg())
    assert result.findings == ()
    assert result.conclusion == "success"
    assert result.size_label == "size/XS"


def test_waiver_label_moves_findings_aside_and_clears_the_conclusion():
    result = review(pr(*BIG, labels=("steward/waive-pr-size",)), _cfg())
    assert not any(f.rule == "pr-size" for f in result.findings)
    assert any(f.rule == "pr-size" for f in result.waived)
    assert [w.rule for w in result.waivers] == ["pr-size"]


def test_disabled_rule_does_not_run():
    result = review(pr(*BIG), _cfg("rules:\n  pr-size: false\n"))
    assert "pr-size" not in result.rules_run
    assert result.size_label is None


def test_a_crashing_check_never_hides_the_others(monkeypatch):
    class Broken:
        Settings = registry()["pr-size"].module.Settings

        @staticmethod
        def check(pr, settings):
            raise RuntimeError("boom")

    checks = dict(registry())
    checks = {"aaa-broken": Check("aaa-broken", Broken), **checks}
    monkeypatch.setattr("bot.review.registry", lambda: checks)
    monkeypatch.setattr("bot.config.registry", lambda: checks)
    result = review(pr(*BIG), config.default())
    assert [e.rule for e in result.errors] == ["aaa-broken"]
    assert "boom" in result.errors[0].error
    assert any(f.rule == "pr-size" for f in result.findings)


def test_findings_are_worded_and_ordered_by_severity():
    cfg = _cfg("rules:\n  pr-size:\n    severity: notice\n")
    result = review(pr(*BIG), cfg)
    assert all(f.title and f.message for f in result.findings)
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert Severity.NOTICE in {f.severity for f in result.findings}
