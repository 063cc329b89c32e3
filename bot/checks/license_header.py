"""license-header: every new source file carries the project's license header.

The header a new file needs is, in order:

1. what the maintainers configured: an `SPDX-License-Identifier: <spdx>` line (plus an
   `SPDX-FileCopyrightText: <copyright>` line when `copyright` is set) and/or a full-text
   `template` with `{year}` and `{holder}` placeholders;
2. with nothing configured and `learn` on, the convention of the base branch: when at least
   `learn_min_files` sampled files of the same type (`pr.repo.header_samples`, grouped by
   comment syntax) exist and at least `learn_ratio` of them share one SPDX line (and
   `SPDX-FileCopyrightText` line), or one leading header block (years and copyright holders
   aside), new files need that too. A project without a convention hears nothing.

New files are those `added` or `copied`, of a type with known comment syntax
(`bot.comment_syntax`), matching `include` and not `exclude`, not generated or vendored
(`bot.classify`), not binary, with at least `min_lines` added lines. The header must start
within the first `max_lines` lines after a shebang, encoding line, XML declaration or front
matter. It is read from the patch (no request per file); when GitHub left the patch out, the
finding says the file could not be verified. A copy whose patch does not show its first line
kept the header of the file it copies and is not judged.

The suggested header is written in the file's comment syntax, with the year the pull request
was opened (`created_at`), or the current year when the snapshot has no date.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import Field, field_validator, model_validator

from bot.checks._base import RuleSettings
from bot.classify import Classifier
from bot.comment_syntax import Syntax, for_path, render
from bot.findings import Finding, Severity
from bot.license_text import (
    Head,
    Template,
    check_expression,
    escape_braces,
    expression_key,
    leading_block,
    looks_like_license,
    normalise_years,
    read_head,
)
from bot.patterns import Glob, GlobSet
from bot.snapshot import FileChange, FileStatus, PullRequest, TextFile

RULE = "license-header"
NEW = (FileStatus.ADDED, FileStatus.COPIED)
HOLDER_BLANK = "<copyright holder>"
TOP_SLACK = 150  # lines read past the window: front matter before it, a long header in it
_CODE = (
    *("py", "pyi", "pyx", "pxd", "mojo"),
    *("c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "cu", "cuh", "m", "mm", "metal", "cl"),
    *("proto", "rs", "go", "java", "kt", "scala", "swift", "zig"),
    *("js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts"),
    *("sh", "bash", "zsh", "jl"),
)
DEFAULT_INCLUDE: tuple[str, ...] = tuple(f"*.{e}" for e in _CODE)
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "**/fixtures/**",
    "**/testdata/**",
    "**/test_data/**",
    "**/__snapshots__/**",
)
_GLOB_CHARS = frozenset("*?[]\\!/")
_SPDX_KEY = "SPDX-License-Identifier:"
_COPYRIGHT_KEY = "SPDX-FileCopyrightText:"


class Settings(RuleSettings):
    """Keys under `rules.license-header` (defaults in rules/default.yml)."""

    spdx: str | None = None
    copyright: str | None = None
    template: str | None = None
    holder: str | None = None
    max_lines: int = Field(15, ge=1, le=200)
    min_lines: int = Field(5, ge=0)
    learn: bool = True
    learn_min_files: int = Field(3, ge=1)
    learn_ratio: float = Field(0.6, gt=0.5, le=1.0)
    include: tuple[Glob, ...] = DEFAULT_INCLUDE
    exclude: tuple[Glob, ...] = DEFAULT_EXCLUDE

    @field_validator("spdx")
    @classmethod
    def _spdx(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_expression(_unprefix(value, _SPDX_KEY))

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None:
            Template.parse(value)  # raises ValueError with the reason
        return value

    @field_validator("copyright")
    @classmethod
    def _copyright(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _unprefix(value, _COPYRIGHT_KEY)
        Template.parse(value, need_text=False)
        return value

    @field_validator("holder")
    @classmethod
    def _holder(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("holder must not be empty; leave it out to accept any holder")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.copyright is not None and self.spdx is None:
            raise ValueError(
                "copyright is written as an SPDX-FileCopyrightText line next to the "
                "SPDX-License-Identifier line, so it needs spdx too; or put the copyright "
                "line in template instead"
            )
        if self.holder is not None and not any(
            text is not None and Template.parse(text, need_text=False).has("holder")
            for text in (self.template, self.copyright)
        ):
            raise ValueError(
                "holder is filled into {holder} in template or copyright, but neither uses "
                "{holder}; add it there or remove holder"
            )
        return self


def _unprefix(value: str, key: str) -> str:
    text = value.strip()
    return text[len(key) :].strip() if text.lower().startswith(key.lower()) else text


class Learned(NamedTuple):
    """How a convention was learned: files of `language` sampled, and how many share it."""

    language: str
    matching: int
    sampled: int


@dataclass(frozen=True, slots=True)
class Requirement:
    """The header new files of one type must carry.

    `suggest` are the template's lines as the suggestion writes them (a learned header keeps
    the most common copyright line), `block` the comment style (None: the language's).
    """

    spdx: str | None = None
    copyright: Template | None = None
    template: Template | None = None
    holder: str | None = None
    suggest: tuple[str, ...] | None = None
    block: bool | None = None
    learned: Learned | None = None


class _Paths:
    """Globs matched fast: `*.ext` by suffix, bare names and `**/dir/**` by path segment.

    Other patterns (and every pattern when one is a `!` negation, whose order matters) go
    through `GlobSet`; the answers are the same as `GlobSet`'s (gitignore semantics).
    """

    __slots__ = ("dirs", "names", "rest", "suffixes")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        suffixes: list[str] = []
        names: list[str] = []
        dirs: list[str] = []
        rest: list[str] = []
        negated = any(p.startswith("!") for p in patterns)
        for p in patterns:
            if negated or p != p.strip() or p.startswith("#"):
                rest.append(p)
            elif p.startswith("*") and p[1:] and not _GLOB_CHARS & set(p[1:]):
                suffixes.append(p[1:])
            elif not _GLOB_CHARS & set(p):
                names.append(p)
            elif p.startswith("**/") and p.endswith("/**") and not _GLOB_CHARS & set(p[3:-3]):
                dirs.append(f"/{p[3:-3]}/")
            else:
                rest.append(p)
        self.suffixes = tuple(suffixes)
        self.names = frozenset(names)
        self.dirs = tuple(dirs) + tuple(f"/{n}/" for n in names)
        self.rest = GlobSet(rest) if rest else None

    def match(self, path: str) -> bool:
        """True when `path` matches any of the globs."""
        folder, _, name = path.rpartition("/")
        if self.suffixes and (
            name.endswith(self.suffixes)
            or (folder and any(c.endswith(self.suffixes) for c in folder.split("/")))
        ):
            return True
        if name in self.names:
            return True
        if self.dirs:
            slashed = f"/{path}"
            if any(d in slashed for d in self.dirs):
                return True
        return self.rest is not None and self.rest.match(path)


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """One finding per new source file whose top lacks the project's license header."""
    configured = _configured(settings)
    if configured is None and not (settings.learn and pr.repo.header_samples):
        return []
    include, exclude = _paths(settings.include), _paths(settings.exclude)
    classifier: Classifier | None = None
    conventions: dict[str, Requirement | None] = {}
    samples: dict[str, list[TextFile]] | None = None
    year = _year(pr)
    suggestions: dict[str, tuple[str, str]] = {}
    findings: list[Finding] = []
    for f in pr.files:
        if f.status not in NEW or f.binary or f.additions < settings.min_lines:
            continue
        if f.status == FileStatus.COPIED and not f.changes:
            continue  # an exact copy keeps whatever header the original has
        syntax = for_path(f.path)
        if syntax is None or not include.match(f.path) or exclude.match(f.path):
            continue
        lines = _top(f, settings.max_lines + TOP_SLACK)
        if lines == ():
            continue  # a copy whose patch starts below line 1: its top is the original's
        if lines and f.path.endswith(".m"):
            syntax = for_path(f.path, lines[0]) or syntax
        requirement = configured
        if requirement is None:
            if samples is None:
                classifier = classifier or Classifier(pr.repo)
                samples = _samples(pr, settings, exclude, classifier)
            if syntax.name not in conventions:
                conventions[syntax.name] = _learn(samples.get(syntax.name, []), syntax, settings)
            requirement = conventions[syntax.name]
            if requirement is None:
                continue
        classifier = classifier or Classifier(pr.repo)
        if classifier.reason(f) is not None:
            continue
        finding = _judge(f, lines, syntax, requirement, settings, year, suggestions)
        if finding is not None:
            findings.append(finding)
    return findings


@lru_cache(maxsize=128)
def _paths(patterns: tuple[str, ...]) -> _Paths:
    return _Paths(patterns)


def _year(pr: PullRequest) -> int:
    """The year the pull request was opened, or this year when the snapshot has no date."""
    stamp = pr.created_at or ""
    if stamp[:4].isdigit():
        return int(stamp[:4])
    return datetime.date.today().year


def _top(f: FileChange, limit: int) -> list[str] | tuple[()] | None:
    """The first `limit` lines of the new file as its patch shows them.

    None when GitHub left the patch out; `()` when the patch does not show the file's first
    line (a copy changed further down).
    """
    patch = f.patch
    if patch is None:
        return None
    if not patch.startswith("@@"):
        return []
    end = patch.find("\n")
    end = len(patch) if end == -1 else end
    plus = patch.find("+", 0, end)
    start = patch[plus + 1 : end].split(",", 1)[0].split(" ", 1)[0] if plus != -1 else ""
    if start not in ("0", "1"):
        return ()
    out: list[str] = []
    for line in patch.split("\n", limit + 1)[1 : limit + 1]:
        sign = line[:1]
        if sign == "+" or sign == " ":
            out.append(line[1:])
        elif sign == "@":
            break  # the next hunk: what follows is further down the file
    if "\r" in patch:
        out = [line.rstrip("\r") for line in out]
    return out


def _configured(settings: Settings) -> Requirement | None:
    if settings.spdx is None and settings.template is None:
        return None
    return Requirement(
        spdx=settings.spdx,
        copyright=Template.parse(settings.copyright, need_text=False)
        if settings.copyright
        else None,
        template=Template.parse(settings.template) if settings.template else None,
        holder=settings.holder,
    )


def _samples(
    pr: PullRequest, settings: Settings, exclude: _Paths, classifier: Classifier
) -> dict[str, list[TextFile]]:
    """Base-branch samples by language, leaving out vendored, excluded and empty files."""
    out: dict[str, list[TextFile]] = defaultdict(list)
    for sample in pr.repo.header_samples:
        first = sample.text.split("\n", 1)[0]
        syntax = for_path(sample.path, first)
        if syntax is None or exclude.match(sample.path):
            continue
        if not sample.text.strip():
            continue
        if sample.text.count("\n") + 1 < settings.min_lines and not looks_like_license(sample.text):
            continue  # tiny files need no header, so one without a header says nothing
        if classifier.reason(FileChange(sample.path)) is not None:
            continue
        out[syntax.name].append(sample)
    return out


def _majority(keys: list[str | None], settings: Settings) -> tuple[str, int] | None:
    """The most common key when enough samples share it, and how many do."""
    counts = Counter(k for k in keys if k)
    if not counts:
        return None
    key, count = counts.most_common(1)[0]
    if count >= settings.learn_min_files and count / len(keys) >= settings.learn_ratio:
        return key, count
    return None


def _key(text: str) -> str:
    return " ".join(normalise_years(text).casefold().split())


def _learn(samples: list[TextFile], syntax: Syntax, settings: Settings) -> Requirement | None:
    """The convention most sampled files of one language share, or None when there is none."""
    if len(samples) < settings.learn_min_files:
        return None
    texts = [s.text.splitlines() for s in samples]
    heads = [read_head(t, syntax, settings.max_lines) for t in texts]
    spdx = _majority([expression_key(h.spdx.value) if h.spdx else None for h in heads], settings)
    if spdx is not None:
        key, count = spdx
        value = next(h.spdx.value for h in heads if h.spdx and expression_key(h.spdx.value) == key)
        copyrights = [_key(h.copyrights[0].value) if h.copyrights else None for h in heads]
        shared = _majority(copyrights, settings)
        copyright = None
        if shared is not None:
            text = next(
                h.copyrights[0].value
                for h, k in zip(heads, copyrights, strict=True)
                if k == shared[0]
            )
            copyright = Template.parse(normalise_years(escape_braces(text)), need_text=False)
        learned = Learned(syntax.name, count, len(samples))
        return Requirement(spdx=value, copyright=copyright, learned=learned)
    return _learn_block(texts, syntax, settings)


def _learn_block(texts: list[list[str]], syntax: Syntax, settings: Settings) -> Requirement | None:
    """A leading comment block most samples share, years and copyright holders aside.

    New files must carry the block with any copyright line (a contributor may name their
    employer); the suggestion is the block as most of the sampled files write it.
    """
    blocks = [leading_block(t, syntax) for t in texts]
    exact: list[str | None] = []
    loose: list[str | None] = []
    for lines, _ in blocks:
        joined = " ".join(lines)
        ok = bool(lines) and looks_like_license(joined)
        exact.append(_key(joined) if ok else None)
        loose.append(_key(" ".join(_loosen(lines))) if ok else None)
    shared = _majority(loose, settings)
    if shared is None:
        return None
    group = [exact[i] for i, k in enumerate(loose) if k == shared[0]]
    lines, as_block = blocks[exact.index(Counter(group).most_common(1)[0][0])]
    suggest = Template.parse("\n".join(normalise_years(escape_braces(x)) for x in lines))
    return Requirement(
        template=Template.parse("\n".join(_loosen(lines))),
        suggest=suggest.lines,
        block=as_block,
        learned=Learned(syntax.name, shared[1], len(texts)),
    )


def _loosen(lines: tuple[str, ...]) -> list[str]:
    """Block lines as a template where any copyright line matches any holder and year."""
    out = []
    for line in lines:
        lead = line.split(" ", 1)[0]
        if lead.casefold() in ("copyright", "(c)", "©") and line.strip() != lead:
            out.append(f"{escape_braces(lead)} {{holder}}")
        else:
            out.append(normalise_years(escape_braces(line)))
    return out


def _judge(
    f: FileChange,
    lines: list[str] | None,
    syntax: Syntax,
    req: Requirement,
    settings: Settings,
    year: int,
    suggestions: dict[str, tuple[str, str]],
) -> Finding | None:
    """The finding for one new file, or None when it carries the header.

    `suggestions` caches the suggested header by language (it depends on nothing else).
    """
    suggestion, expected = suggestions.get(syntax.name) or suggestions.setdefault(
        syntax.name, _suggestion(req, syntax, year)
    )
    facts: dict[str, Any] = {
        "language": syntax.name,
        "window": settings.max_lines,
        "expected": expected,
        "form": "spdx" if req.spdx else "template",
        "learned": req.learned._asdict() if req.learned else None,
        "needs_holder": HOLDER_BLANK in suggestion,
        "after": [],
    }

    def finding(kind: str, line: int = 1, **more: Any) -> Finding:
        severity = Severity.NOTICE if kind == "unverifiable" else settings.severity
        return Finding(
            rule=RULE,
            severity=severity,
            kind=kind,
            facts={**facts, **more},
            path=f.path,
            line=line,
            suggestion=suggestion,
        )

    if lines is None:
        return finding("unverifiable", key=_key_for(req, "spdx" if req.spdx else "template"))
    # Read on past the window so a long header starting in it matches whole, and one starting
    # a little below it can be pointed at.
    extra = len(req.template.lines) + settings.max_lines if req.template else 0
    head = read_head(lines, syntax, settings.max_lines, extra)
    facts["after"] = list(head.prelude)
    if req.spdx:
        found = head.spdx
        if found is None:
            return finding("missing", key=_key_for(req, "spdx"), found_spdx=None)
        if expression_key(found.value) != expression_key(req.spdx):
            return finding(
                "wrong-license",
                found.line,
                found=found.value[:100],
                required=req.spdx,
                key=_key_for(req, "spdx"),
            )
        if req.copyright is not None:
            problem = _copyright_problem(head, req)
            if problem is not None:
                kind, line, text = problem
                return finding(
                    kind,
                    line,
                    place="copyright-line",
                    found=text,
                    required=_COPYRIGHT_KEY + " " + " ".join(_copyright_lines(req, year)),
                    key=_key_for(req, "copyright"),
                )
    if req.template is not None:
        return _judge_template(head, req, settings, finding)
    return None


def _judge_template(head: Head, req: Requirement, settings: Settings, finding) -> Finding | None:
    template = req.template
    assert template is not None
    text = head.text if template.may_match(head.raw) else None
    match = template.search(text, req.holder) if text is not None else None
    if match is not None and match.line < settings.max_lines:
        return None
    if text is not None and match is None and req.holder is not None and template.has("holder"):
        other = template.search(text)
        if other is not None and other.line < settings.max_lines:
            return finding(
                "wrong-copyright",
                head.start + other.line + 1,
                place="header",
                found=(other.holder or "")[:100],
                required=req.holder,
                key=_key_for(req, "holder"),
            )
    return finding(
        "missing",
        key=_key_for(req, "template"),
        found_spdx=head.spdx.value[:100] if head.spdx else None,
        found_at=head.start + match.line + 1 if match is not None else None,
    )


def _copyright_problem(head: Head, req: Requirement) -> tuple[str, int, str] | None:
    """("missing-copyright", 1, "") or ("wrong-copyright", line, found), or None when fine."""
    copyright = req.copyright
    assert copyright is not None
    if not head.copyrights:
        return "missing-copyright", 1, ""
    if any(copyright.search(c.value, req.holder) for c in head.copyrights):
        return None
    first = head.copyrights[0]
    return "wrong-copyright", first.line, first.value[:100]


def _key_for(req: Requirement, key: str) -> str:
    """The setting to mention: the configured key, or `learn` for a learned convention."""
    return "learn" if req.learned else key


def _copyright_lines(req: Requirement, year: int) -> tuple[str, ...]:
    assert req.copyright is not None
    return req.copyright.render(year, req.holder or HOLDER_BLANK)


def _suggestion(req: Requirement, syntax: Syntax, year: int) -> tuple[str, str]:
    """The header to paste in the file's comment syntax, and its first line without markers."""
    parts: list[str] = []
    first = ""
    if req.spdx:
        lines = [f"{_SPDX_KEY} {req.spdx}"]
        if req.copyright is not None:
            lines.append(f"{_COPYRIGHT_KEY} {' '.join(_copyright_lines(req, year))}")
        parts.append(render(lines, syntax, block=False if syntax.line else None))
        first = lines[0]
    if req.template is not None:
        lines = list(req.suggest or req.template.lines)
        filled = Template(tuple(lines)).render(year, req.holder or HOLDER_BLANK)
        parts.append(render(filled, syntax, block=req.block))
        first = first or next((x for x in filled if x), "")
    return "\n".join(parts), first
