"""Find references to prior discussions (issues, RFCs, forum threads) in a PR description.

Only prose counts: HTML comments (pull-request templates are full of `Fixes #123` examples),
fenced code blocks and inline code are removed first. Everything runs in linear time: the
stripping is a single scan and every pattern is RE2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.patterns import compile_regex

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_URL = compile_regex(
    r"https?://([A-Za-z0-9.-]+)/(" + _NAME + r")/(" + _NAME + r")/(issues|discussions|pull)/(\d+)"
)
_CLOSING = compile_regex(
    r"(?i)(?:^|[^\w])(close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:("
    + _NAME
    + r")/("
    + _NAME
    + r"))?#(\d+)\b"
)
_CROSS = compile_regex(r"(?:^|[\s(\[,;])(" + _NAME + r")/(" + _NAME + r")#(\d+)\b")
_SHORT = compile_regex(r"(?:^|[\s(\[,;:])#(\d+)\b")
_GH = compile_regex(r"(?:^|[\s(\[,;:])GH-(\d+)\b")
_INLINE_CODE = compile_regex(r"`[^`\n]*`")
KINDS = {"issues": "issue", "discussions": "discussion", "pull": "pull"}


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference: `kind` is issue, discussion, pull, number (a bare `#n`) or external."""

    kind: str
    number: int | None = None
    owner: str | None = None
    repo: str | None = None
    url: str | None = None
    closing: bool = False

    @property
    def target(self) -> str:
        """`owner/repo#n`, `#n` or the URL — how the message names it."""
        if self.number is None:
            return self.url or ""
        prefix = f"{self.owner}/{self.repo}" if self.owner else ""
        return f"{prefix}#{self.number}"


def prose(body: str) -> str:
    """The description without HTML comments, fenced code blocks and inline code."""
    out: list[str] = []
    i = 0
    while True:
        start = body.find("<!--", i)
        if start == -1:
            out.append(body[i:])
            break
        out.append(body[i:start])
        end = body.find("-->", start + 4)
        if end == -1:
            break
        i = end + 3
    text = "".join(out)
    lines: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        lines.append(line)
    return _INLINE_CODE.sub(" ", "\n".join(lines))


def references(
    body: str,
    *,
    repo: str = "",
    number: int | None = None,
    extra_patterns: Sequence[str] = (),
) -> list[Reference]:
    """Every reference in the description's prose, except those to the pull request itself.

    `repo` is the pull request's `owner/name` and `number` its number, so `#number`, its URL
    and `owner/name#number` are recognised as self-references and dropped.
    """
    text = prose(body or "")
    found: list[Reference] = []
    owner, _, name = repo.partition("/")
    seen_urls: list[tuple[int, int]] = []

    for m in _URL.finditer(text):
        seen_urls.append(m.span())
        kind = KINDS[m.group(4)]
        found.append(Reference(kind, int(m.group(5)), m.group(2), m.group(3), url=m.group(0)))
    closing_numbers: set[tuple[str | None, str | None, int]] = set()
    for m in _CLOSING.finditer(text):
        if _inside(m.start(), seen_urls):
            continue
        ref = Reference("number", int(m.group(4)), m.group(2), m.group(3), closing=True)
        closing_numbers.add((ref.owner, ref.repo, ref.number))
        found.append(ref)
    for m in _CROSS.finditer(text):
        if _inside(m.start(1), seen_urls):
            continue
        key = (m.group(1), m.group(2), int(m.group(3)))
        if key not in closing_numbers:
            found.append(Reference("number", key[2], key[0], key[1]))
    for pattern in (_SHORT, _GH):
        for m in pattern.finditer(text):
            if _inside(m.start(1), seen_urls):
                continue
            n = int(m.group(1))
            if (None, None, n) not in closing_numbers:
                found.append(Reference("number", n))
    for raw in extra_patterns:
        for m in compile_regex(raw).finditer(text):
            found.append(Reference("external", url=m.group(0)))

    def is_self(ref: Reference) -> bool:
        if number is None or ref.number != number or ref.kind in ("discussion", "external"):
            return False
        if ref.owner is None:
            return True
        return ref.owner.lower() == owner.lower() and (ref.repo or "").lower() == name.lower()

    unique: dict[tuple, Reference] = {}
    for ref in found:
        if is_self(ref):
            continue
        key = (ref.kind, ref.owner, ref.repo, ref.number, ref.url if ref.number is None else None)
        if key not in unique or ref.closing:
            unique[key] = ref
    return list(unique.values())


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)
