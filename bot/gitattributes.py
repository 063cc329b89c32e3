"""gitattributes(5): which attributes the repository's `.gitattributes` files give a path.

Reads the files of the base branch (`RepoContext.attributes`) the way git and GitHub's linguist
do:

- a pattern is relative to the directory holding its file; one without a `/` matches the file
  name at any depth below that directory, one with a `/` is anchored there; `**` works as in
  gitignore; a pattern ending in `/` matches directories only, so never a file;
- `attr` sets, `-attr` unsets, `attr=value` gives a value, `!attr` makes it unspecified again;
- within a file later lines win, and deeper files win over shallower ones;
- `!pattern` lines are ignored (git warns that negative patterns are not supported);
- macros: `[attr]name ...` in the top-level file, and git's built-in `binary`;
- comments, blank lines, C-style quoted patterns; lines over 2,048 bytes are skipped, as git does.

Plain patterns (`*.ext`, names, literal paths, `dir/**`) match with string operations; the rest
compile once per file into RE2 sets (linear time, whatever the pattern). Parsed files are cached
per set of `.gitattributes` texts, so thousands of lookups stay cheap.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import re2

from bot.snapshot import RepoContext, TextFile

State = bool | str
"""An attribute's state: True (set), False (unset) or a value. Unspecified is absent."""

MAX_LINE = 2048  # git ignores longer lines (ATTR_MAX_LINE_LENGTH)
_SET_CHUNK = 200  # patterns per RE2 set, to keep each set's memory bounded
_NAME = re.compile(r"[A-Za-z0-9_.][-A-Za-z0-9_.]*")
_POSIX = frozenset(
    [
        "alnum",
        "alpha",
        "blank",
        "cntrl",
        "digit",
        "graph",
        "lower",
        "print",
        "punct",
        "space",
        "upper",
        "xdigit",
    ]
)
# Classes that include `/`, spelled out without it (a bracket never matches a slash in a path).
_POSIX_NO_SLASH = {
    "punct": r"!-\.:-@\[-`{-~",
    "graph": r"!-\.0-~",
    "print": r"\ -\.0-~",
}
_BUILTIN_MACROS = {"binary": (("diff", False), ("merge", False), ("text", False))}
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern line: its attributes in written order (None means `!attr`)."""

    pattern: str
    attrs: tuple[tuple[str, State | None], ...]
    line: int


class _File:
    """One `.gitattributes` file: its directory and its rules with their RE2 sources."""

    __slots__ = ("base", "prefix", "regexes", "rules")

    def __init__(self, base: str, rules: list[Rule], regexes: list[str]) -> None:
        self.base = base
        self.prefix = f"{base}/" if base else ""
        self.rules = rules
        self.regexes = regexes


class _Matcher:
    """Some rules of one file, ready to match: plain names, suffixes, paths and prefixes by
    string operations (most real patterns), the rest through RE2 sets."""

    __slots__ = (
        "any_prefix",
        "any_suffix",
        "exact",
        "names",
        "paths",
        "prefixes",
        "rules",
        "sets",
        "suffixes",
        "tails",
    )

    def __init__(self, rules: list[Rule], regexes: list[str]) -> None:
        self.rules = rules
        self.names: dict[str, list[int]] = {}
        self.suffixes: dict[str, list[int]] = {}
        self.paths: dict[str, list[int]] = {}
        self.prefixes: dict[str, list[int]] = {}
        complex_: list[tuple[int, str]] = []
        for i, (rule, regex) in enumerate(zip(rules, regexes, strict=True)):
            simple = _simple(rule.pattern)
            if simple is None:
                complex_.append((i, regex))
            else:
                getattr(self, simple[0]).setdefault(simple[1], []).append(i)
        self.any_suffix = tuple(self.suffixes)
        self.any_prefix = tuple(self.prefixes)
        # A quick test that rules out most paths when no rule needs a regex.
        self.tails = (*self.suffixes, *("/" + n for n in self.names)) if not complex_ else None
        self.exact = frozenset((*self.names, *self.paths))
        self.sets: list[tuple[list[int], re2.Set]] = []
        options = re2.Options()
        options.log_errors = False
        options.max_mem = 32 << 20
        for start in range(0, len(complex_), _SET_CHUNK):
            chunk = complex_[start : start + _SET_CHUNK]
            compiled = re2.Set.FullMatchSet(options=options)
            for _, regex in chunk:
                compiled.Add(regex)
            compiled.Compile()
            self.sets.append(([i for i, _ in chunk], compiled))

    def matching(self, rel: str) -> list[int]:
        """Indices of the rules whose pattern matches `rel`, last line first."""
        hits: list[int] = []
        if self.names or self.suffixes:
            name = rel.rpartition("/")[2]
            if name in self.names:
                hits.extend(self.names[name])
            if name.endswith(self.any_suffix):
                for suffix, found in self.suffixes.items():
                    if name.endswith(suffix):
                        hits.extend(found)
        if rel in self.paths:
            hits.extend(self.paths[rel])
        if rel.startswith(self.any_prefix):
            for prefix, found in self.prefixes.items():
                if rel.startswith(prefix):
                    hits.extend(found)
        for indices, compiled in self.sets:
            for j in compiled.Match(rel) or ():
                hits.append(indices[j])
        if len(hits) > 1:
            hits.sort(reverse=True)
        return hits


_WILD = frozenset("*?[\\")


def _simple(pattern: str) -> tuple[str, str] | None:
    """How to match a pattern without a regex: ("names"|"suffixes"|"paths"|"prefixes", text)."""
    if pattern.startswith("**/") and "/" not in pattern[3:]:
        pattern = pattern[3:]  # `**/x` matches the name x at any depth, like `x`
    if "/" not in pattern:
        if not _WILD.intersection(pattern):
            return "names", pattern
        if pattern.startswith("*") and not _WILD.intersection(pattern[1:]):
            return "suffixes", pattern[1:]
        return None
    anchored = pattern.removeprefix("/")
    if not _WILD.intersection(anchored):
        return "paths", anchored
    if anchored.endswith("/**") and not _WILD.intersection(anchored[:-3]):
        return "prefixes", anchored[:-2]
    return None


class Attributes:
    """The attributes of a repository. `Attributes.for_repo(repo).get(path, "filter")`."""

    __slots__ = ("files", "macros", "plans")

    def __init__(self, files: Iterable[TextFile]) -> None:
        self.macros: dict[str, tuple[tuple[str, State | None], ...]] = dict(_BUILTIN_MACROS)
        parsed = []
        for tf in files:
            base = posixpath.dirname(tf.path.strip("/").removeprefix("./"))
            parsed.append(self._parse(base, tf.text))
        # Deepest first: a deeper file wins over the files above it.
        self.files = sorted(parsed, key=lambda f: -f.base.count("/") - bool(f.base))
        self.plans: dict[tuple[str, ...] | None, list[tuple[str, _Matcher]]] = {}

    @classmethod
    def from_files(cls, files: Iterable[TextFile]) -> Attributes:
        """Parsed attributes for these `.gitattributes` files (cached by their contents)."""
        return _cached(tuple(files))

    @classmethod
    def for_repo(cls, repo: RepoContext) -> Attributes:
        """Parsed attributes of a repository snapshot (cached; cheap to call per file)."""
        last = _last_repo
        if last and last[0] is repo.attributes:
            return last[1]
        found = _cached(repo.attributes)
        _last_repo[:] = [repo.attributes, found]
        return found

    def lookup(self, path: str, names: Iterable[str] | None = None) -> dict[str, State]:
        """The specified attributes of `path` (only those in `names`, when given).

        Set attributes map to True, unset ones to False, valued ones to their string value
        (`linguist-generated=false` gives "false"). Unspecified attributes are absent.
        """
        key = names if names is None or isinstance(names, tuple) else tuple(names)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._plan(key)
        found: dict[str, State | None] = {}
        for prefix, matcher in plan:
            if prefix and not path.startswith(prefix):
                continue
            rel = path[len(prefix) :] if prefix else path
            if matcher.tails is not None and not (
                rel.endswith(matcher.tails)
                or rel in matcher.exact
                or rel.startswith(matcher.any_prefix)
            ):
                continue  # the quick test rules out every rule of this file
            for i in matcher.matching(rel):
                for name, state in reversed(matcher.rules[i].attrs):
                    self._fill(found, name, state, 0)
        if not found:
            return {}
        return {k: v for k, v in found.items() if v is not None and (key is None or k in key)}

    def mentions(self, names: tuple[str, ...]) -> bool:
        """True when some rule can give one of `names` (else every lookup of them is empty)."""
        plan = self.plans.get(names)
        if plan is None:
            plan = self.plans[names] = self._plan(names)
        return bool(plan)

    def get(self, path: str, name: str) -> State | None:
        """One attribute of `path`: True, False, a value, or None when unspecified."""
        return self.lookup(path, (name,)).get(name)

    def _fill(self, found: dict, name: str, state: State | None, depth: int) -> None:
        if name in found or depth > 16:
            return
        found[name] = state
        if state is True and name in self.macros:
            for sub, sub_state in reversed(self.macros[name]):
                self._fill(found, sub, sub_state, depth + 1)

    def _touches(self, name: str, wanted: frozenset[str], depth: int = 0) -> bool:
        if name in wanted:
            return True
        if depth > 16 or name not in self.macros:
            return False
        return any(self._touches(sub, wanted, depth + 1) for sub, _ in self.macros[name])

    def _plan(self, key: tuple[str, ...] | None) -> list[tuple[str, _Matcher]]:
        """Per file, deepest first, a matcher of the rules that touch the wanted attributes."""
        wanted = frozenset(key) if key is not None else None
        plan = []
        for f in self.files:
            keep = [
                i
                for i, rule in enumerate(f.rules)
                if wanted is None or any(self._touches(n, wanted) for n, _ in rule.attrs)
            ]
            if keep:
                rules = [f.rules[i] for i in keep]
                plan.append((f.prefix, _Matcher(rules, [f.regexes[i] for i in keep])))
        return plan

    def _parse(self, base: str, text: str) -> _File:
        rules: list[Rule] = []
        regexes: list[str] = []
        for number, raw in enumerate(text.split("\n"), start=1):
            parsed = _parse_line(raw)
            if parsed is None:
                continue
            pattern, attrs = parsed
            if pattern.startswith("[attr]"):
                name = pattern[len("[attr]") :]
                if not base and _NAME.fullmatch(name):  # macros only at the top level
                    self.macros[name] = attrs
                continue
            regex = translate(pattern)
            if regex is not None and attrs:
                rules.append(Rule(pattern, attrs, number))
                regexes.append(regex)
        return _File(base, rules, regexes)


_last_repo: list = []


@lru_cache(maxsize=64)
def _cached(files: tuple[TextFile, ...]) -> Attributes:
    return Attributes(files)


def _parse_line(raw: str) -> tuple[str, tuple[tuple[str, State | None], ...]] | None:
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_LINE:
        return None
    line = raw.strip(" \t\r\n")
    if not line or line.startswith("#"):
        return None
    quoted = _unquote(line) if line.startswith('"') else None
    if quoted is not None:
        pattern, rest = quoted
    else:
        pattern, _, rest = line.replace("\t", " ").partition(" ")
    if pattern.startswith("!") or not pattern:
        return None  # git: "Negative patterns are ignored in git attributes"
    attrs = []
    for token in rest.split():
        parsed = _parse_attr(token)
        if parsed is None:
            return None  # git drops the whole line when a name is invalid
        attrs.append(parsed)
    return pattern, tuple(attrs)


def _parse_attr(token: str) -> tuple[str, State | None] | None:
    if token[0] in "-!":
        name, state = token[1:].partition("=")[0], (False if token[0] == "-" else None)
    else:
        name, eq, value = token.partition("=")
        state = value if eq else True
    return (name, state) if _NAME.fullmatch(name) else None


def _unquote(line: str) -> tuple[str, str] | None:
    """A C-style quoted pattern at the start of `line` and the rest, or None if malformed."""
    out = bytearray()
    i = 1
    while i < len(line):
        c = line[i]
        if c == '"':
            return out.decode("utf-8", "replace"), line[i + 1 :]
        if c != "\\":
            out += c.encode("utf-8", "surrogatepass")
            i += 1
            continue
        nxt = line[i + 1 : i + 2]
        if nxt in ('"', "\\"):
            out += nxt.encode()
            i += 2
        elif nxt in _ESCAPES:
            out += _ESCAPES[nxt].encode()
            i += 2
        elif len(line) >= i + 4 and all(ch in "01234567" for ch in line[i + 1 : i + 4]):
            out.append(int(line[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            return None
    return None


def translate(pattern: str) -> str | None:
    """RE2 source matching paths relative to the attributes file, or None if it never can."""
    if pattern.endswith("/"):
        return None  # matches directories only, and attributes are asked of files
    if "/" not in pattern:
        body = _wild(pattern, pathname=False)
        return None if body is None else "(?:.*/)?" + body
    return _wild(pattern.removeprefix("/"), pathname=True)


def _esc(ch: str) -> str:
    return ch if ch.isalnum() or ch == "_" or ord(ch) > 127 else "\\" + ch


def _wild(pat: str, pathname: bool) -> str | None:
    """Translate a wildmatch pattern; `*` never crosses `/`, `**` does where git allows."""
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "\\":
            if i + 1 == n:
                return None
            out.append(_esc(pat[i + 1]))
            i += 2
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "*":
            j = i
            while j < n and pat[j] == "*":
                j += 1
            double = pathname and j - i >= 2 and (i == 0 or pat[i - 1] == "/")
            if double and j == n:
                out.append(".*")
            elif double and pat[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "[":
            parsed = _bracket(pat, i)
            if parsed is None:
                return None
            cls, i = parsed
            if cls is None:
                return None
            out.append(cls)
        else:
            out.append(_esc(c))
            i += 1
    return "".join(out)


def _bracket(pat: str, i: int) -> tuple[str | None, int] | None:
    """Translate the bracket expression at `pat[i]`: (RE2 class or None if empty, end index)."""
    n = len(pat)
    j = i + 1
    negate = j < n and pat[j] in "!^"
    j += negate
    ranges: list[tuple[str, str]] = []
    classes: list[str] = []
    first = True
    while True:
        if j >= n:
            return None  # unterminated: git's wildmatch gives up on the pattern
        c = pat[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if c == "[" and pat.startswith("[:", j):
            end = pat.find(":]", j + 2)
            if end == -1 or pat[j + 2 : end] not in _POSIX:
                return None
            classes.append(pat[j + 2 : end])
            j = end + 2
            continue
        if c == "\\":
            j += 1
            if j >= n:
                return None
            c = pat[j]
        if j + 2 < n and pat[j + 1] == "-" and pat[j + 2] != "]":
            hi = pat[j + 2]
            j += 3
            if hi == "\\":
                if j >= n:
                    return None
                hi = pat[j]
                j += 1
            if c <= hi:
                ranges.extend(_without_slash(c, hi))
        else:
            if c != "/":
                ranges.append((c, c))
            j += 1
    parts = [_esc(lo) if lo == hi else f"{_esc(lo)}-{_esc(hi)}" for lo, hi in ranges]
    parts += [_POSIX_NO_SLASH.get(name, f"[:{name}:]") for name in classes]
    if negate:
        return "[^/" + "".join(parts) + "]", j
    return ("[" + "".join(parts) + "]" if parts else None), j


def _without_slash(lo: str, hi: str) -> list[tuple[str, str]]:
    """The range lo-hi minus `/` (in a path, a bracket expression never matches a slash)."""
    if not lo <= "/" <= hi:
        return [(lo, hi)]
    return [r for r in ((lo, "."), ("0", hi)) if r[0] <= r[1]]
