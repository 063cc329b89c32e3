"""Reading license headers: SPDX lines, full-text templates with placeholders, and years.

Pure text helpers shared by `license-header` (does a new file carry the project's header?) and
the `provenance` check (which license does it carry instead?):

- `read_head()` finds what the top of a file says: the lines before any header (shebang,
  encoding line, XML declaration, front matter), its `SPDX-License-Identifier` and
  `SPDX-FileCopyrightText` lines, and its text with comment markers taken off;
- `expression_key()` / `check_expression()` compare and validate SPDX license expressions;
- `Template` is a header with `{year}` and `{holder}` placeholders, matched leniently: any year,
  year range or list for `{year}`, any comment markers, any whitespace and line wrapping;
- `leading_block()` and `normalise_years()` help learn a project's header from existing files.

Patterns built from configured text run on RE2 (`bot.patterns.compile_regex`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from bot.comment_syntax import Syntax, is_comment, strip
from bot.patterns import compile_regex

PLACEHOLDERS = ("year", "holder")
# 2024 / 2019-2024 / 2019–2024 / 2019, 2021 / 2019-present; valid in Python re and in RE2.
YEAR = r"\b(?:19|20)\d\d\b(?:\s*(?:[-–—,/]|to|and)\s*(?:\b(?:19|20)\d\d\b|present|now))*"
_YEAR = re.compile(YEAR, re.IGNORECASE)
_SPDX = re.compile(r"SPDX-License-Identifier\s*:\s*(.*)", re.IGNORECASE)
_SPDX_ANY = re.compile(r"SPDX-(?:License-Identifier|FileCopyrightText)", re.IGNORECASE)
_COPYRIGHT_TEXT = re.compile(r"SPDX-FileCopyrightText\s*:\s*(.*)", re.IGNORECASE)
_ENCODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")  # PEP 263
_OPERATORS = ("AND", "OR", "WITH")
_TOKEN = re.compile(r"[()]|[^\s()]+")
_ID = re.compile(
    r"(?:DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+|[A-Za-z0-9][A-Za-z0-9.\-]*\+?"
)
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]|\s+")
_LICENSEISH = re.compile(r"copyright|licen[cs]e|spdx|all rights reserved|\(c\)|©", re.IGNORECASE)
HOLDER_TEXT = r"[^\n]*?\S"  # a holder that other text follows on its line
HOLDER_TO_EOL = r"[^\n]*\S"  # a holder that ends its line
MAX_LINE = 400  # characters of a line that are read; headers are short, minified code is not


class SpdxLine(NamedTuple):
    """A `SPDX-...: value` line: its 1-based line number in the file and its value."""

    line: int
    value: str


@dataclass(frozen=True, slots=True)
class Head:
    """What the top of a file says about its license.

    `prelude` names the lines before where a header goes ("shebang", "encoding line", ...);
    `start` is the 0-based index of the first line after them; `lines` are the raw lines read
    from there, which `text` gives with comment markers taken off.
    """

    prelude: tuple[str, ...]
    start: int
    lines: tuple[str, ...]
    licenses: tuple[SpdxLine, ...]
    copyrights: tuple[SpdxLine, ...]
    syntax: Syntax | None = None

    @property
    def spdx(self) -> SpdxLine | None:
        """The first `SPDX-License-Identifier` line, if any."""
        return self.licenses[0] if self.licenses else None

    @property
    def text(self) -> str:
        """The lines read, comment markers stripped, joined by newlines (what templates match)."""
        return "\n".join(_unmark(line, self.syntax) for line in self.lines)

    @property
    def raw(self) -> str:
        """The lines read, as they are, joined by newlines."""
        return "\n".join(self.lines)


def _unmark(line: str, syntax: Syntax | None) -> str:
    line = line[:MAX_LINE]
    return strip(strip(line, syntax) if syntax is not None else line)


def prelude(lines: Sequence[str], front_matter: bool = False) -> tuple[tuple[str, ...], int]:
    """The kinds of lines a header goes after, and how many lines they take.

    A shebang (`#!`), an XML declaration or doctype, Markdown front matter (`---` ... `---`,
    when `front_matter`), and an encoding or editor mode line (`# -*- coding: utf-8 -*-`,
    `# coding=utf-8`, `// -*- C++ -*-`) in the first two lines.
    """
    kinds: list[str] = []
    i, n = 0, len(lines)
    if n and lines[0].startswith("#!"):
        kinds.append("shebang")
        i = 1
    if front_matter and i == 0 and n and lines[0].strip() == "---":
        for j in range(1, min(n, 100)):
            if lines[j].strip() in ("---", "..."):
                kinds.append("front matter")
                i = j + 1
                break
    if i < n and lines[i].lstrip().startswith("<?xml"):
        kinds.append("XML declaration")
        i += 1
    if i < n and lines[i].lstrip().lower().startswith("<!doctype"):
        kinds.append("doctype")
        i += 1
    if i < 2 and i < n:
        if _ENCODING.match(lines[i]):
            kinds.append("encoding line")
            i += 1
        elif lines[i].count("-*-") >= 2:
            kinds.append("mode line")
            i += 1
    return tuple(kinds), i


def _value(match: re.Match[str]) -> str:
    return match.group(1).strip().rstrip("\"'`").strip()


def read_head(
    lines: Sequence[str], syntax: Syntax | None = None, window: int = 15, extra: int = 0
) -> Head:
    """Read the top of a file: its prelude, then `window + extra` lines.

    SPDX lines count only within the first `window` lines after the prelude; `extra` lines
    more are read so that a long header starting inside the window can be matched whole.
    """
    kinds, start = prelude(lines, front_matter=syntax is not None and syntax.name == "Markdown")
    body = tuple(lines[start : start + window + extra])
    licenses: list[SpdxLine] = []
    copyrights: list[SpdxLine] = []
    if _SPDX_ANY.search("\n".join(body[:window])):
        for index, line in enumerate(body[:window]):
            if not _SPDX_ANY.search(line):
                continue
            stripped = _unmark(line, syntax)
            if m := _SPDX.search(stripped):
                licenses.append(SpdxLine(start + index + 1, _value(m)))
            elif m := _COPYRIGHT_TEXT.search(stripped):
                copyrights.append(SpdxLine(start + index + 1, _value(m)))
    return Head(kinds, start, body, tuple(licenses), tuple(copyrights), syntax)


@lru_cache(maxsize=1024)
def expression_key(expression: str) -> str:
    """A comparable form of an SPDX expression: ids case-folded, operators upper-cased."""
    out = []
    for token in _TOKEN.findall(expression):
        upper = token.upper()
        out.append(upper if upper in _OPERATORS else token.casefold())
    while len(out) > 2 and out[0] == "(" and _closing(out) == len(out) - 1:
        out = out[1:-1]  # "(MIT OR Apache-2.0)" is "MIT OR Apache-2.0"
    return " ".join(out)


def _closing(tokens: list[str]) -> int:
    """The index of the parenthesis that closes `tokens[0]`, or -1."""
    depth = 0
    for i, token in enumerate(tokens):
        depth += (token == "(") - (token == ")")
        if depth == 0:
            return i
    return -1


def check_expression(expression: str) -> str:
    """`expression` stripped, or ValueError when it is not an SPDX license expression."""
    text = expression.strip()
    tokens = _TOKEN.findall(text)
    pos = 0

    def operand() -> bool:
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            if not compound() or pos >= len(tokens) or tokens[pos] != ")":
                return False
            pos += 1
            return True
        if pos < len(tokens) and tokens[pos].upper() not in _OPERATORS:
            ok = _ID.fullmatch(tokens[pos]) is not None
            pos += 1
            if ok and pos < len(tokens) and tokens[pos].upper() == "WITH":
                pos += 2
                return pos <= len(tokens) and _ID.fullmatch(tokens[pos - 1]) is not None
            return ok
        return False

    def compound() -> bool:
        nonlocal pos
        if not operand():
            return False
        while pos < len(tokens) and tokens[pos].upper() in ("AND", "OR"):
            pos += 1
            if not operand():
                return False
        return True

    if not tokens or not compound() or pos != len(tokens):
        raise ValueError(
            f"{expression!r} is not an SPDX license expression; write an identifier from "
            "https://spdx.org/licenses/ such as 'Apache-2.0', or an expression such as "
            "'MIT OR Apache-2.0'"
        )
    return text


def normalise_years(text: str) -> str:
    """`text` with every year, year range or list of years written `{year}`."""
    return _YEAR.sub("{year}", text)


def escape_braces(text: str) -> str:
    """`text` with literal braces doubled, so it can be read as a `Template`."""
    return text.replace("{", "{{").replace("}", "}}")


def looks_like_license(text: str) -> bool:
    """True when `text` talks about copyright or licensing (a header, not any comment)."""
    return _LICENSEISH.search(text) is not None


def leading_block(lines: Sequence[str], syntax: Syntax) -> tuple[tuple[str, ...], bool]:
    """The first comment block of a file (after its prelude), markers stripped.

    Returns the block's lines (blank ones kept inside, dropped at the ends) and whether it was
    written as a block comment. The block ends at the first line that is not a comment.
    """
    _, start = prelude(lines, front_matter=syntax.name == "Markdown")
    out: list[str] = []
    inside = as_block = False
    for raw in lines[start : start + 200]:
        line = raw[:MAX_LINE]
        if inside:
            out.append(strip(line, syntax))
            if syntax.block is not None and syntax.block.close.strip() in line:
                inside = False
            continue
        if not is_comment(line, syntax):
            break
        opens = syntax.block is not None and line.lstrip().startswith(syntax.block.open)
        if opens and syntax.block is not None:
            as_block = as_block or not out
            rest = line.lstrip()[len(syntax.block.open) :]
            inside = syntax.block.close.strip() not in rest
        out.append(strip(line, syntax))
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return tuple(out), as_block


class TemplateMatch(NamedTuple):
    """Where a template matched (0-based line within the text searched) and its holder."""

    line: int
    holder: str | None


@dataclass(frozen=True, slots=True)
class Template:
    """A header with `{year}` and `{holder}` placeholders (`{{` and `}}` are literal braces).

    `lines` are the header's lines with comment markers taken off. Matching is lenient: any
    year, range or list of years fills `{year}`; whitespace, line breaks and case are free.
    """

    lines: tuple[str, ...]

    @staticmethod
    def parse(text: str, need_text: bool = True) -> Template:
        """Read a configured template; ValueError on unknown placeholders, or on no words
        besides placeholders when `need_text` (a copyright line may be just `{year} {holder}`).
        """
        return _parse(text, need_text)

    def has(self, placeholder: str) -> bool:
        """True when the template uses `{placeholder}`."""
        return placeholder in _fields(self.lines)

    def literal_text(self) -> str:
        """The template's words without placeholders (what must be there word for word)."""
        return "".join(v for k, v in _tokens("\n".join(self.lines)) if k != "field")

    def pattern(self, holder: str | None = None) -> str:
        """An RE2 pattern of the template; `{holder}` is `holder` when given, else any text."""
        return _pattern(self.lines, holder)

    def may_match(self, raw: str) -> bool:
        """False when `raw` (a file's top, as is) lacks a word the template needs: a quick test."""
        low = raw.lower()
        return all(word in low for word in _needles(self.lines))

    def search(self, text: str, holder: str | None = None) -> TemplateMatch | None:
        """Where the template occurs in `text` (markers already stripped), or None."""
        m = compile_regex(_pattern(self.lines, holder)).search(text)
        if m is None:
            return None
        found = m.group("holder") if holder is None and self.has("holder") else holder
        return TemplateMatch(text.count("\n", 0, m.start()), found)

    def render(self, year: int, holder: str) -> tuple[str, ...]:
        """The header's lines with `{year}` and `{holder}` filled in."""
        values = {"year": str(year), "holder": holder}
        return tuple(
            _FIELD.sub(
                lambda m: values[m.group(1)] if m.group(1) is not None else _literal(m.group(0)),
                line,
            )
            for line in self.lines
        )


@lru_cache(maxsize=256)
def _fields(lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(m.group(1) for line in lines for m in _FIELD.finditer(line) if m.group(1))


@lru_cache(maxsize=256)
def _needles(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The template's three longest plain words, lower-cased."""
    words = {
        w.lower()
        for k, v in _tokens("\n".join(lines))
        if k == "text"
        for w in v.split()
        if w.isalnum() and len(w) >= 4
    }
    return tuple(sorted(words, key=lambda w: (-len(w), w))[:3])


@lru_cache(maxsize=256)
def _pattern(lines: tuple[str, ...], holder: str | None) -> str:
    out = ["(?i)"]
    tokens = list(_tokens("\n".join(lines)))
    named = False
    for i, (kind, value) in enumerate(tokens):
        if kind == "space":
            out.append(r"\s+")
        elif kind == "text":
            out.append(re.escape(value))
        elif value == "year":
            out.append(f"(?:{YEAR})")
        elif holder is not None:
            out.append(r"\s+".join(re.escape(w) for w in holder.split()))
        else:
            at_eol = i + 1 == len(tokens) or "\n" in tokens[i + 1][1]
            sub = HOLDER_TO_EOL if at_eol else HOLDER_TEXT
            out.append(f"(?P<holder>{sub})" if not named else f"(?:{sub})")
            named = True
    return "".join(out)


def _literal(token: str) -> str:
    return {"{{": "{", "}}": "}"}.get(token, token)


def _tokens(text: str):
    """(kind, value) pieces of template text: "space", "text" or "field" (a placeholder)."""
    pos = 0
    for m in _FIELD.finditer(text):
        if m.start() > pos:
            yield "text", text[pos : m.start()]
        token = m.group(0)
        if m.group(1) is not None:
            yield "field", m.group(1)
        elif token.isspace():
            yield "space", token
        else:
            yield "text", _literal(token)
        pos = m.end()
    if pos < len(text):
        yield "text", text[pos:]


@lru_cache(maxsize=256)
def _parse(text: str, need_text: bool) -> Template:
    lines = [strip(line) for line in text.strip("\n").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):  # one blank line between paragraphs at most
            out.append(line)
    while out and not out[-1]:
        out.pop()
    for line in out:
        for m in _FIELD.finditer(line):
            token = m.group(0)
            if token in ("{", "}"):
                raise ValueError(
                    f"unmatched {token!r} in {line!r}; write {{{{ and }}}} for a literal brace"
                )
            name = m.group(1)
            if name is not None and name not in PLACEHOLDERS:
                raise ValueError(
                    f"unknown placeholder {{{name}}} in {line!r}; "
                    "the placeholders are {year} and {holder}"
                )
    template = Template(tuple(out))
    if not out or (need_text and not any(c.isalnum() for c in template.literal_text())):
        raise ValueError("the header needs some text besides placeholders and comment markers")
    return template
