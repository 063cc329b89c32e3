"""Globs and regexes from config: validated, linear-time, and the same answers as gitignore."""

from __future__ import annotations

import random
import time

import pathspec
import pytest
from pydantic import BaseModel, ValidationError

from bot.patterns import Glob, GlobSet, Regex, compile_regex

SEGMENTS = ["src", "tests", "test", "docs", "a", "b", "core", "x", "foo1.c", "test_a.py",
            "a_test.py", "conftest.py", "README.md", "b.txt", "c.cu", "__tests__", "app.spec.ts"]  # fmt: skip
GLOB_SETS = [
    ["tests/**", "test/**", "**/tests/**", "test_*.py", "*_test.py", "conftest.py"],
    ["docs/**", "*.md", "*.rst", ".github/**", "examples/**"],
    ["docs/", "a/**/b", "*.py", "!x.py"],
    ["src/*/core/**", "**/foo?.c", "[ab]*.txt"],
    [],
]


@pytest.mark.parametrize(
    "globs", GLOB_SETS, ids=["tests", "docs", "negation", "wildcards", "empty"]
)
def test_globset_agrees_with_gitignore_semantics(globs):
    rng = random.Random(7)
    ours = GlobSet(globs)
    reference = pathspec.PathSpec.from_lines("gitignore", globs)
    for _ in range(3000):
        path = "/".join(rng.choice(SEGMENTS) for _ in range(rng.randint(1, 5)))
        assert ours.match(path) == reference.match_file(path), path


class _M(BaseModel):
    glob: Glob = "*.py"
    regex: Regex = "x"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("regex", r"(a)\1", "no backreferences or lookaround"),
        ("regex", r"(?=a)b", "no backreferences or lookaround"),
        ("regex", "(unclosed", "invalid or unsupported regular expression"),
        ("glob", "  ", "empty glob pattern"),
    ],
)
def test_bad_patterns_are_rejected_with_a_reason(field, value, message):
    with pytest.raises(ValidationError) as err:
        _M(**{field: value})
    assert message in str(err.value)


def test_catastrophic_regex_runs_in_linear_time():
    started = time.perf_counter()
    assert compile_regex(r"(a+)+$").search("a" * 100_000 + "b") is None
    assert time.perf_counter() - started < 0.5
