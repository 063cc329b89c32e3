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


@pytest.mark.parametrize(
    ("association", "expected"),
    [
        ("FIRST_TIME_CONTRIBUTOR", ["notice"]),
        ("FIRST_TIMER", ["notice"]),
        ("CONTRIBUTOR", ["warning"]),
        ("NONE", ["warning"]),
        ("MEMBER", []),
        ("OWNER", []),
    ],
)
def test_rules_soften_per_contributor_tier(association, expected):
    cfg = config.load_text(
        "rules:\n"
        "  tests:\n"
        "    tiers:\n"
        "      first-time: {severity: notice}\n"
        "      maintainer: {enabled: false}\n"
    )
    result = review(pr(file("src/mlkit/model.py", 40), association=association), cfg)
    assert [f.severity for f in result.findings if f.rule == "tests"] == expected
    assert ("tests" in result.rules_run) is bool(expected)


def test_a_tier_can_turn_on_a_rule_that_is_off():
    cfg = config.load_text(
        "rules:\n  stray-files:\n    enabled: false\n    tiers:\n      first-time: {enabled: true}\n"
    )
    files = (file(".DS_Store", 1),)
    assert "stray-files" in review(pr(*files, association="FIRST_TIMER"), cfg).rules_run
    assert "stray-files" not in review(pr(*files), cfg).rules_run


def test_unknown_tier_is_a_config_error():
    with pytest.raises(config.ConfigError) as err:
        config.load_text("rules:\n  tests:\n    tiers:\n      newbie: {severity: notice}\n")
    assert ".github/steward.yml:4:7: rules.tests.tiers.newbie" in str(err.value)


@pytest.mark.parametrize(
    ("until", "today", "severity", "advisory"),
    [
        ("2027-02-01", "2027-01-31", "notice", True),  # the day before: advisory
        ("2027-02-01", "2027-02-01", "failure", False),  # from that day: in full
        ("2027-02-01", "2027-03-15", "failure", False),
        ("null", "2027-01-01", "failure", False),  # no roll-out date: in full
    ],
)
def test_a_rule_rolls_out_as_advisory_until_its_date(until, today, severity, advisory):
    from datetime import date

    cfg = _cfg(f"rules:\n  pr-size:\n    severity: failure\n    advisory_until: {until}\n")
    result = review(pr(*BIG), cfg, today=date.fromisoformat(today))
    assert {f.severity.value for f in result.findings if f.rule == "pr-size"} == {severity}
    assert bool(result.advisory) is advisory
    assert result.conclusion == ("success" if advisory else "failure")


def test_an_attributed_waiver_counts_only_while_its_label_is_on():
    from bot.review import Waiver

    who = (Waiver("pr-size", "maint", "generated code"),)
    on = review(pr(*BIG, labels=("steward/waive-pr-size",)), _cfg(), who)
    off = review(pr(*BIG), _cfg(), who)
    assert [(w.by, w.reason) for w in on.waivers] == [("maint", "generated code")]
    assert on.findings == () and off.waivers == ()
    assert any(f.rule == "pr-size" for f in off.findings)
