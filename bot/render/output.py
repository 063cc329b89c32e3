"""Turn a Review into the pull-request comment and the Check Run output.

Python decides structure (grouping, ordering, caps so GitHub's size limits hold); the words are
in `templates/comment.md.j2` and `templates/check_run/*.md.j2`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from urllib.parse import quote

from bot import guide
from bot.findings import Finding, Severity
from bot.render import environment
from bot.review import ANNOTATION_CAP, Review

MARKER = "<!-- steward:comment -->"
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
COMMENT_LIMIT = 65_536  # GitHub's maximum issue-comment body, in characters
OUTPUT_LIMIT = 65_535  # GitHub's maximum check-run summary/text, in characters
TITLE_LIMIT = 255
ANNOTATION_MESSAGE_LIMIT = 64 * 1024 - 1
ANNOTATION_TITLE_LIMIT = 255
RAW_DETAILS_LIMIT = 64 * 1024 - 1


@dataclass(frozen=True)
class Group:
    """Findings of one rule and kind, shown together: the first in full, the rest by path."""

    rule: str
    kind: str
    severity: Severity
    first: Finding
    paths: list[str]
    more: int
    count: int


@dataclass(frozen=True)
class Annotation:
    """One Check Run annotation, already cut to GitHub's limits."""

    path: str
    start_line: int
    end_line: int
    annotation_level: str
    message: str
    title: str = ""
    raw_details: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON GitHub expects; empty optional fields left out."""
        out = {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "annotation_level": self.annotation_level,
            "message": self.message,
        }
        if self.title:
            out["title"] = self.title
        if self.raw_details:
            out["raw_details"] = self.raw_details
        return out


@dataclass(frozen=True)
class CheckRunOutput:
    """A Check Run's conclusion and output (title, summary, text, annotations)."""

    conclusion: str
    title: str
    summary: str
    text: str
    annotations: list[Annotation] = field(default_factory=list)


def groups(findings: tuple[Finding, ...] | list[Finding], cap: int) -> list[Group]:
    """Group findings by (rule, kind), keeping order; list at most `cap` paths per group."""
    out = []
    keyed = groupby(findings, key=lambda f: (f.severity, f.rule, f.kind))
    merged: dict[tuple, list[Finding]] = {}
    for key, items in keyed:
        merged.setdefault(key, []).extend(items)
    for (severity, rule, kind), items in merged.items():
        paths = [f.path for f in items[1:] if f.path]
        out.append(
            Group(
                rule=rule,
                kind=kind,
                severity=severity,
                first=items[0],
                paths=paths[:cap],
                more=max(0, len(paths) - cap),
                count=len(items),
            )
        )
    return out


def _contributing_url(review: Review) -> str | None:
    configured = review.config.comment.contributing
    repo = review.pr.repo
    target = configured or repo.contributing_path
    if not target:
        return None
    if target.startswith(("http://", "https://")) or not repo.html_url:
        return target
    return f"{repo.html_url}/blob/{repo.default_branch}/{target.lstrip('/')}"


def _guide_links(review: Review, base: str | None) -> dict[str, str]:
    """Sections of the guide for a first-timer: `_welcome` and one per rule that has one."""
    sections = review.pr.repo.contributing_sections
    if not base or not sections or not review.pr.association.is_first_time:
        return {}
    configured = review.config.comment.contributing
    if configured and configured.lstrip("/") != review.pr.repo.contributing_path:
        return {}  # the headings are those of the repository's own guide, not that one
    return guide.links(base, sections, ["_welcome", *{f.rule for f in review.findings}])


def _label_url(review: Review) -> str | None:
    url = review.pr.repo.html_url
    label = quote(review.config.comment.good_first_issue_label)
    return f"{url}/issues?q=is%3Aopen+label%3A%22{label}%22" if url else None


def _context(review: Review, cap: int, details: bool) -> dict[str, Any]:
    contributing_url = _contributing_url(review)
    by_severity = {
        s: [g for g in groups(review.findings, cap) if g.severity == s] for s in reversed(Severity)
    }
    return {
        "marker": MARKER,
        "review": review,
        "pr": review.pr,
        "config": review.config,
        "first_timer": review.pr.association.is_first_time
        and review.config.comment.welcome_first_timers,
        "contributing_url": contributing_url,
        "guides": _guide_links(review, contributing_url),
        "large_first": review.pr.association.is_first_time
        and any(f.rule == "pr-size" for f in review.findings),
        "good_first_url": _label_url(review),
        "sections": [(s, g) for s, g in by_severity.items() if g],
        "counts": review.counts(),
        "conclusion": review.conclusion,
        "details": details,
        "annotated": min(ANNOTATION_CAP, sum(1 for f in review.findings if f.path)),
        "with_path": sum(1 for f in review.findings if f.path),
        "waived_rules": sorted({w.rule: w for w in review.waivers}.values(), key=lambda w: w.rule),
    }


def _tidy(markdown: str) -> str:
    """Collapse the blank-line runs template conditionals leave behind."""
    return _BLANKS.sub("\n\n", markdown).strip() + "\n"


def comment(review: Review, limit: int = COMMENT_LIMIT) -> str:
    """The Markdown comment, starting with the hidden marker, never longer than `limit`."""
    template = environment().get_template("comment.md.j2")
    body = ""
    for cap, details in ((20, True), (5, True), (0, True), (0, False)):
        body = _tidy(template.render(**_context(review, cap, details)))
        if len(body) <= limit:
            return body
    return _cut(body, limit, "\n\n… (cut to fit GitHub's comment size; the check run has all)\n")


def check_run(review: Review) -> CheckRunOutput:
    """The Check Run conclusion and output for this review."""
    env = environment()
    ctx = _context(review, 50, True)
    title = _cut(env.get_template("check_run/title.md.j2").render(**ctx).strip(), TITLE_LIMIT)
    summary = env.get_template("check_run/summary.md.j2").render(**ctx).strip()
    text = _tidy(env.get_template("check_run/text.md.j2").render(**ctx)).strip()
    return CheckRunOutput(
        conclusion=review.conclusion,
        title=title,
        summary=_cut(summary, OUTPUT_LIMIT, "\n…"),
        text=_cut(text, OUTPUT_LIMIT, "\n…"),
        annotations=[_annotation(f) for f in review.findings if f.path][:ANNOTATION_CAP],
    )


def _annotation(f: Finding) -> Annotation:
    line = f.line or 1
    return Annotation(
        path=f.path or "",
        start_line=line,
        end_line=line,
        annotation_level=f.severity.value,
        message=_cut(f.message or f.title, ANNOTATION_MESSAGE_LIMIT),
        title=_cut(f"{f.title} ({f.rule})", ANNOTATION_TITLE_LIMIT),
        raw_details=_cut(f.suggestion or "", RAW_DETAILS_LIMIT),
    )


def _cut(text: str, limit: int, tail: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(tail)] + tail
