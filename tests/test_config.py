"""Config loading: layering over packs, shorthands, and errors that point at file:line:column."""

from __future__ import annotations

import pytest

from bot import config
from bot.checks import registry


def _errors(text: str, file: str = ".github/steward.yml") -> list[str]:
    with pytest.raises(config.ConfigError) as err:
        config.load_text(text, file)
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rulez: {}\n",
            ".github/steward.yml:1:1: rulez: unknown key 'rulez'; did you mean 'rules'?",
        ),
        (
            "rules:\n  pr-sise: {}\n",
            ".github/steward.yml:2:3: rules.pr-sise: unknown rule 'pr-sise'; did you mean 'pr-size'?",
        ),
        (
            "rules:\n  tests:\n    enabeld: true\n",
            ".github/steward.yml:3:5: rules.tests.enabeld: unknown key 'enabeld'; "
            "did you mean 'enabled'?",
        ),
        (
            "rules:\n  tests:\n    severity: fatal\n",
            ".github/steward.yml:3:5: rules.tests.severity: Input should be 'notice', 'warning' "
            "or 'failure' (got \"fatal\")",
        ),
        (
            "comment:\n  on_success: sometimes\n",
            ".github/steward.yml:2:3: comment.on_success: Input should be 'always' or 'edit-only' "
            '(got "sometimes")',
        ),
        ("extends: laxest\n", ".github/steward.yml:1:1: extends: unknown rule pack 'laxest'"),
        ("rules: [1, 2]\n", ".github/steward.yml:1:1: rules: must be a mapping of rule ids"),
        ("- just\n- a list\n", ".github/steward.yml:1:1: the file must be a mapping of keys"),
        ("rules:\n  tests: {\n", ".github/steward.yml:3:1: YAML syntax error"),
    ],
    ids=[
        "unknown-top",
        "unknown-rule",
        "unknown-rule-key",
        "bad-severity",
        "bad-comment-enum",
        "unknown-pack",
        "rules-not-mapping",
        "not-mapping",
        "syntax",
    ],
)
def test_errors_name_file_line_column_and_key(text, expected):
    errors = _errors(text)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_problem_is_reported_not_just_the_first():
    errors = _errors("rules:\n  tests:\n    severity: x\n  pr-size:\n    enabled: maybe\nfoo: 1\n")
    assert [e.split(":")[1] for e in errors] == ["3", "5", "6"]


def test_defaults_cover_every_registered_rule():
    cfg = config.default()
    assert set(cfg.rules) == set(registry())


@pytest.mark.parametrize(
    ("text", "rule", "enabled", "severity"),
    [
        ("rules:\n  tests: false\n", "tests", False, None),
        ("rules:\n  tests: off\n", "tests", False, None),
        ("rules:\n  tests:\n    severity: failure\n", "tests", True, "failure"),
        ("", "tests", True, None),
    ],
    ids=["false-shorthand", "off-shorthand", "override-severity", "empty-file"],
)
def test_repo_file_overrides_the_pack_key_by_key(text, rule, enabled, severity):
    cfg = config.load_text(text)
    base = config.default().rules[rule]
    got = cfg.rules[rule]
    assert got.enabled is enabled
    assert got.severity == (severity or base.severity)
    # keys the repo file does not mention keep the pack's values
    untouched = {k: v for k, v in base.model_dump().items() if k not in ("enabled", "severity")}
    assert {k: v for k, v in got.model_dump().items() if k in untouched} == untouched


def test_org_file_then_repo_file_layer_in_order():
    cfg = config.load(
        [
            config.Source(
                "acme/.github:.github/steward.yml", "rules:\n  tests:\n    severity: notice\n"
            ),
            config.Source(".github/steward.yml", "rules:\n  tests:\n    enabled: false\n"),
        ]
    )
    assert cfg.rules["tests"].severity == "notice"
    assert cfg.rules["tests"].enabled is False


def test_errors_in_the_org_file_name_the_org_file():
    with pytest.raises(config.ConfigError) as err:
        config.load([config.Source("acme/.github:.github/steward.yml", "rules:\n  nope: {}\n")])
    assert str(err.value.problems[0]).startswith("acme/.github:.github/steward.yml:2:3:")


def test_every_pack_is_valid_and_strict_is_stricter():
    assert "default" in config.packs() and "strict" in config.packs()
    for pack in config.packs():
        config.load_text(f"extends: {pack}\n")
    strict = config.load_text("extends: strict\n")
    default = config.default()
    ranks = [(strict.rules[r].severity.rank, default.rules[r].severity.rank) for r in registry()]
    assert all(s >= d for s, d in ranks)
    assert any(s > d for s, d in ranks)


def test_json_schema_lists_every_rule_and_forbids_unknown_keys():
    schema = config.json_schema()
    rules = schema["$defs"]["Rules"]
    assert set(rules["properties"]) == set(registry())
    assert rules["additionalProperties"] is False
    assert schema["additionalProperties"] is False


def test_default_pack_states_every_default_explicitly():
    """rules/default.yml documents each rule's defaults; it must agree with the code."""
    from bot.yamlsafe import parse

    cfg = config.default()
    from pathlib import Path

    text = (Path(__file__).parents[1] / "rules" / "default.yml").read_bytes()
    pack = parse(text, "rules/default.yml").data["rules"]
    for rule, check in registry().items():
        assert cfg.rules[rule] == check.settings_model(), rule
        assert set(pack[rule]) == set(check.settings_model.model_fields), rule
