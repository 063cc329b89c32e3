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
import pathspec.util
import re2
from pydantic import AfterValidator


@lru_cache(maxsize=4096)  # the same glob listed (or aliased) many times is checked once
def _check_glob(pattern: str) -> str:
    if not pattern.strip():
        raise ValueError("empty glob pattern")
    try:  # translating is enough to find a bad pattern; compiling each one would be 10x slower
        pathspec.util.lookup_pattern("gitignore").pattern_to_regex(pattern)
    except Exception as exc:  # pathspec raises several types for bad patterns
        raise ValueError(f"invalid glob {_short(pattern)}: {exc}") from None
    return pattern


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # RE2 would otherwise print parse errors to stderr
    options.max_mem = 8 << 20  # bound the compiled program's memory
    return options


@lru_cache(maxsize=4096)
def _check_regex(pattern: str) -> str:
    try:
        re2.compile(pattern, options=_options())
    except Exception as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"invalid or unsupported regular expression {_short(pattern)}: {detail} "
            "(Steward uses RE2 syntax: no backreferences or lookaround)"
        ) from None
    return pattern


def _short(text: str, limit: int = 80) -> str:
    """`text` quoted for an error message, cut to `limit` characters."""
    return (
        repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} characters)"
    )


Glob = Annotated[str, AfterValidator(_check_glob)]
"""A gitignore-style glob, validated when the config loads."""

Regex = Annotated[str, AfterValidator(_check_regex)]
"""An RE2 regular expression, validated when the config loads."""


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.PathSpec.from_lines("gitignore", patterns)


class GlobSet:
    """A compiled set of globs. `GlobSet(["docs/**", "*.md"]).match("docs/a.py")` -> True.

    Compiled once per distinct list of globs (pathspec matches with an RE2 set, so linear
    time), and answers are remembered per path: several checks ask about the same files.
    """

    __slots__ = ("_memo", "_spec")

    def __init__(self, patterns: Any) -> None:
        self._spec, self._memo = _compiled(tuple(patterns))

    def match(self, path: str) -> bool:
        """True when `path` (repository-relative, `/`-separated) matches any glob."""
        hit = self._memo.get(path)
        if hit is None:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            hit = self._memo[path] = self._spec.match_file(path)
        return hit


MEMO_LIMIT = 200_000


@lru_cache(maxsize=512)
def _compiled(patterns: tuple[str, ...]) -> tuple[pathspec.PathSpec, dict[str, bool]]:
    return _spec(patterns), {}


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> Any:
    """Compile an RE2 pattern once and cache it. Use inline flags: `(?i)`, `(?m)`, `(?s)`."""
    return re2.compile(pattern, options=_options())


class GlobGroups:
    """Several named glob lists answered in one pass over a path (one RE2 set match).

    `GlobGroups(tests=[...], docs=[...]).groups("tests/a.md")` -> {"tests", "docs"}.
    Lists with negated (`!`) patterns are matched with their own GlobSet instead.
    """

    __slots__ = ("_fallback", "_memo", "_names", "_set")

    def __init__(self, **named: Any) -> None:
        key = tuple((name, tuple(globs)) for name, globs in sorted(named.items()))
        self._set, self._names, self._fallback, self._memo = _grouped(key)

    def groups(self, path: str) -> frozenset[str]:
        """The names of the lists with a glob that matches `path`."""
        hit = self._memo.get(path)
        if hit is None:
            ids = self._set.Match(path.encode()) if self._set is not None else None
            hit = _names_of(self._names, tuple(ids)) if ids else frozenset()
            if self._fallback:
                hit = hit | {name for name, globs in self._fallback if globs.match(path)}
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            self._memo[path] = hit
        return hit


@lru_cache(maxsize=4096)
def _names_of(names: tuple[str, ...], ids: tuple[int, ...]) -> frozenset[str]:
    return frozenset(names[i] for i in ids)


@lru_cache(maxsize=128)
def _grouped(key: tuple) -> tuple[Any, tuple[str, ...], list[tuple[str, GlobSet]], dict]:
    rset = re2.Set.SearchSet(_options())
    names: list[str] = []
    fallback: list[tuple[str, GlobSet]] = []
    for name, globs in key:
        regexes = []
        for pattern in _spec(globs).patterns:
            if pattern.include is None:
                continue
            if not pattern.include or pattern.regex is None:
                fallback.append((name, GlobSet(globs)))
                regexes = []
                break
            regexes.append(pattern.regex.pattern)
        for regex in regexes:
            rset.Add(regex)
            names.append(name)
    if names:
        rset.Compile()
    # the compiled set's C++ object takes UTF-8 bytes directly (the wrapper re-encodes per call)
    return (rset._set if names else None), tuple(names), fallback, {}
