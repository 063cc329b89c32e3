"""The bounded YAML loader: plain data, positions, and clear errors on hostile input."""

from __future__ import annotations

import time

import pytest

from bot import yamlsafe


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for i in range(1, levels):
        prev, cur = names[i - 1], names[i]
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: [1\n", "f.yml:2:1", "YAML syntax error"),
        ("a: 1\na: 2\n", "f.yml:2:1", "duplicate key 'a'"),
        ("a: !!python/object/apply:os.system [ls]\n", "f.yml:1:4", "bad value"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "f.yml:3:3", "merge keys"),
        (_bomb(), "f.yml:", "expands to more than"),
        ("a:\n" + "  " * 1 + "[" * 40 + "]" * 40 + "\n", "f.yml:", "nesting deeper"),
        ("x" * (yamlsafe.MAX_BYTES + 1), "f.yml:1:1", "limited to"),
        (b"a: \xff\xfe\n", "f.yml:1:1", "not UTF-8"),
        ("? [1, 2]\n: x\n", "f.yml:1:3", "plain values"),
    ],
    ids=[
        "syntax",
        "duplicate",
        "python-tag",
        "merge-key",
        "alias-bomb",
        "deep",
        "big",
        "utf8",
        "key",
    ],
)
def test_hostile_or_broken_yaml_is_refused_with_a_position(text, where, message):
    started = time.perf_counter()
    with pytest.raises(yamlsafe.YamlError) as err:
        yamlsafe.parse(text, "f.yml")
    assert time.perf_counter() - started < 1.0
    assert str(err.value).startswith(where)
    assert message in str(err.value)


def test_positions_are_recorded_for_every_key():
    parsed = yamlsafe.parse("rules:\n  pr-size:\n    warn_at: 10\n", "s.yml")
    assert parsed.data == {"rules": {"pr-size": {"warn_at": 10}}}
    assert str(parsed.where(("rules", "pr-size", "warn_at"))) == "s.yml:3:5"
    assert str(parsed.where(("rules", "pr-size", "missing"))) == "s.yml:2:3"


def test_empty_document_is_an_empty_mapping():
    assert yamlsafe.parse("# only a comment\n", "f.yml").data == {}
