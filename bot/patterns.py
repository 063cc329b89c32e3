"""Glob and regex types for rule settings: validated at config load, compiled once, linear-time.

Globs use gitignore semantics (pathspec's `gitignore` style): `test_*.py` matches at any depth,
`tests/**` only at the root, `**/tests/**` at any depth. Regexes are compiled with RE2, whose
matching time is linear in the input, so a maintainer's (or attacker's) pattern cannot hang a
worker; features RE2 lacks (backreferences, lookaround) are rejected with a clear message.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

import pathspec
import re2
from pydantic import AfterValidator


def _check_glob(pattern: str) -> str:
    if not pattern.strip():
        raise ValueError("empty glob pattern")
    try:
        pathspec.PathSpec.from_lines("gitignore", [pattern])
    except Exception as exc:  # pathspec raises several types for bad patterns
        raise ValueError(f"invalid glob {pattern!r}: {exc}") from None
    return pattern


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise print parse errors to stderr
    options.max_mem = 8 << 20  # bound the compiled program's memory
    return options


def _check_regex(pattern: str) -> str:
    try:
        re2.compile(pattern, options=_options())
    except Exception as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"invalid or unsupported regular expression {pattern!r}: {detail} "
            "(Steward uses RE2 syntax: no backreferences or lookaround)"
        ) from None
    return pattern


Glob = Annotated[str, AfterValidator(_check_glob)]
"""A gitignore-style glob, validated when the config loads."""

Regex = Annotated[str, AfterValidator(_check_regex)]
"""An RE2 regular expression, validated when the config loads."""


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", patterns)


class GlobSet:
    """A compiled set of globs. `GlobSet(["docs/**", "*.md"]).match("docs/a.py")` -> True."""

    __slots__ = ("_spec",)

    def __init__(self, patterns: Any) -> None:
        self._spec = _spec(tuple(patterns))

    def match(self, path: str) -> bool:
        """True when `path` (repository-relative, `/`-separated) matches any glob."""
        return self._spec.match_file(path)


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> Any:
    """Compile an RE2 pattern once and cache it. Use inline flags: `(?i)`, `(?m)`, `(?s)`."""
    return re2.compile(pattern, options=_options())
