"""Find references to prior discussions (issues, RFCs, forum threads) in a PR description.

Only prose counts: HTML comments (pull-request templates are full of `Fixes #123` examples),
fenced code blocks and inline code are removed first. Recognised, as GitHub links them:

- `#123`, `GH-123` and `owner/repo#123` after a space, a bracket or punctuation (not inside a
  word, a URL fragment like `page#123`, a heading `## Motivation` or a colour `#fff`);
- `Fixes #123`, `Closes owner/repo#123`, `Resolves <issue URL>` with every GitHub closing keyword
  (close, closes, closed, fix, fixes, fixed, resolve, resolves, resolved; any case);
- `https://github.com/owner/repo/issues/123`, `/discussions/123` and `/pull/123` (another pull
  request counts: an RFC pull request in an rfcs repository is a real design discussion);
- any URL matching one of the caller's extra RE2 patterns (forums, design documents).

A reference to the pull request itself is dropped. Everything runs in linear time: stripping is
a single scan and every pattern is RE2; numbers have at most nine digits, and at most
`MAX_MATCHES` matches of each pattern are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from bot.patterns import compile_regex

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_NUMBER = r"([1-9][0-9]{0,8})\b"
_KEYWORD = r"(close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_BEFORE = r"(?:^|[\s(\[{,;:!?>*`\"'])"  # what may precede a short reference
_URL = compile_regex(
    r"(?i)(?:\b" + _KEYWORD + r":?\s+)?https?://([A-Za-z0-9.-]+)/(" + _NAME + r")/("
    r"" + _NAME + r")/(issues|discussions|pull)/" + _NUMBER
)
_ANY_URL = compile_regex(r"(?i)\b(?:https?|ftp)://\S+")
# One pass, one match per reference; groups: closing keyword, owner, repo, number (1-4), then
# owner, repo, number (5-7), then #number (8), then GH-number (9).
_SHORT_REFS = compile_regex(
    r"(?i)(?:^|[^\w/])" + _KEYWORD + r":?\s+(?:(" + _NAME + r")/(" + _NAME + r"))?#" + _NUMBER
    + r"|" + _BEFORE + r"(" + _NAME + r")/(" + _NAME + r")#" + _NUMBER
    + r"|" + _BEFORE + r"#" + _NUMBER
    + r"|" + _BEFORE + r"GH-" + _NUMBER
)  # fmt: skip
MAX_MATCHES = 10_000  # per pattern; a real description has a handful
_INLINE_CODE = compile_regex(r"`[^`\n]*`")
KINDS = {"issues": "issue", "discussions": "discussion", "pull": "pull"}
GITHUB_HOSTS = ("github.com", "www.github.com")


@dataclass(frozen=True, slots=True)
class Reference:
    """One reference to a prior discussion.

    `kind` is `issue`, `discussion` or `pull` (a GitHub URL says which), `number` (a `#123`,
    `GH-123` or `owner/repo#123`: an issue or a pull request, GitHub numbers them together) or
    `external` (a URL matching an extra pattern; only `url` is set). `owner`/`repo` are None
    when the reference means the pull request's own repository. `closing` is True after a
    closing keyword (`Fixes #123`).
    """

    kind: str
    number: int | None = None
    owner: str | None = None
    repo: str | None = None
    url: str | None = None
    closing: bool = False

    @property
    def target(self) -> str:
        """`owner/repo#n`, `#n` or the URL: how a message names it."""
        if self.number is None:
            return self.url or ""
        prefix = f"{self.owner}/{self.repo}" if self.owner else ""
        return f"{prefix}#{self.number}"


def strip_comments(body: str) -> str:
    """The text without HTML comments; an unclosed `<!--` hides the rest, as GitHub renders it."""
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
    return "".join(out)


def prose(body: str) -> str:
    """The description without HTML comments, fenced code blocks and inline code."""
    lines: list[str] = []
    fence: str | None = None
    for line in strip_comments(body).split("\n"):
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
    hosts: Iterable[str] = GITHUB_HOSTS,
    prose_only: bool = True,
) -> list[Reference]:
    """Every reference in the description, in the order kinds are listed above, minus self-links.

    `repo` is the pull request's `owner/name` and `number` its number: `#number`, `GH-number`,
    `owner/name#number` and its URLs are the pull request itself and are dropped, and
    `owner/name#n` is reported as `#n`. `hosts` are the GitHub hosts whose URLs count (add a
    GitHub Enterprise host). `prose_only=False` also reads comments and code (to tell an
    author that a reference they wrote is hidden).
    """
    text = prose(body or "") if prose_only else (body or "")
    own = tuple(part.lower() for part in repo.split("/", 1)) if "/" in repo else None
    host_set = {h.lower() for h in hosts}
    found: dict[object, tuple[int, Reference]] = {}

    def add(at: int, kind: str, n: int | None, owner=None, name=None, url=None, closing=False):
        where = (owner.lower(), (name or "").lower()) if owner else None
        if where == own:
            where = None  # acme/ml#7 written in acme/ml is #7
        if n is not None and n == number and where is None:
            return  # the pull request itself
        # issues, pull requests and discussions share one sequence of numbers per repository
        key = (where, n) if n is not None else url
        seen = found.get(key)
        if seen is None:
            found[key] = (at, Reference(kind, n, owner, name, url, closing))
        elif closing and not seen[1].closing:
            old = seen[1]
            found[key] = (seen[0], Reference(old.kind, n, old.owner, old.repo, old.url, True))

    for m in islice(_URL.finditer(text), MAX_MATCHES):
        if m.group(2).lower() in host_set:
            whole = m.group(0)
            url = whole[whole.lower().find("http") :]
            kind = KINDS[m.group(5).lower()]
            add(m.start(), kind, int(m.group(6)), m.group(3), m.group(4), url, bool(m.group(1)))
    bare = _blank_urls(text)  # URL fragments and paths are never short references
    for m in islice(_SHORT_REFS.finditer(bare), MAX_MATCHES):
        if m.group(1):
            add(m.start(), "number", int(m.group(4)), m.group(2), m.group(3), closing=True)
        elif m.group(7):
            add(m.start(), "number", int(m.group(7)), m.group(5), m.group(6))
        else:
            add(m.start(), "number", int(m.group(8) or m.group(9)))
    for raw in extra_patterns:
        for m in islice(compile_regex(raw).finditer(text), MAX_MATCHES):
            if m.group(0):
                add(m.start(), "external", None, url=m.group(0))
    return [ref for _, ref in sorted(found.values(), key=lambda item: item[0])]


def _blank_urls(text: str) -> str:
    """`text` with every URL replaced by as many spaces (positions stay the same)."""
    parts: list[str] = []
    last = 0
    for m in _ANY_URL.finditer(text):
        start, end = m.span()
        parts += [text[last:start], " " * (end - start)]
        last = end
    parts.append(text[last:])
    return "".join(parts)
