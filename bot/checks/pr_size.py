"""pr-size: how big the pull request is, as a reviewer feels it, and a size label.

Counts lines changed (additions plus deletions) in hand-written files: generated, vendored and
lock files are left out (see `bot.classify`), a notebook counts only its cell sources (see
`bot.notebooks`), binary files and pure renames count 0, deleted files count their deletions.
The count picks a `size/XS` ... `size/XXL` label, and from `warn_at` lines on (or the lower
`first_time_warn_at` for someone's first pull request) a finding suggests how to split the change.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bot.checks._base import LabelPlan, RuleSettings
from bot.classify import Reason, for_repo
from bot.findings import Finding
from bot.notebooks import is_notebook, source_lines
from bot.patterns import Glob, GlobSet
from bot.snapshot import PullRequest

RULE = "pr-size"
BUCKETS = ("XS", "S", "M", "L", "XL", "XXL")
Bucket = Literal["XS", "S", "M", "L", "XL", "XXL"]
# Kubernetes' size label colours: green for small through red for huge.
DEFAULT_COLORS: dict[str, str] = {
    "XS": "009900",
    "S": "77bb00",
    "M": "eebb00",
    "L": "ee9900",
    "XL": "ee5500",
    "XXL": "ee0000",
}
TOP_AREAS = 3  # how many directories the message names


def _hex(value: str) -> str:
    colour = value.strip().removeprefix("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", colour):
        raise ValueError(f"{value!r} is not a colour; use six hex digits in quotes, like 'ee0000'")
    return colour.lower()


def _prefix(value: str) -> str:
    if not value.strip() or value != value.lstrip():
        raise ValueError(
            "label_prefix must not be empty or start with a space: Steward removes stale "
            "labels that start with it, so an empty prefix would remove every label"
        )
    return value


class Thresholds(BaseModel):
    """Where each size bucket starts, in counted lines; below `s` is XS."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    s: int = Field(10, ge=1)
    m: int = Field(30, ge=1)
    l: int = Field(100, ge=1)  # noqa: E741 - the bucket is called L
    xl: int = Field(500, ge=1)
    xxl: int = Field(1000, ge=1)

    @model_validator(mode="after")
    def _increasing(self) -> Thresholds:
        pairs = zip(("s", "m", "l", "xl", "xxl"), self.starts(), strict=True)
        for (low_key, low), (high_key, high) in pairwise(pairs):
            if low >= high:
                raise ValueError(
                    "thresholds must increase strictly (s < m < l < xl < xxl), "
                    f"but {low_key} is {low} and {high_key} is {high}"
                )
        return self

    def starts(self) -> tuple[int, ...]:
        """Lower bounds of S, M, L, XL and XXL."""
        return (self.s, self.m, self.l, self.xl, self.xxl)


class Settings(RuleSettings):
    """Keys under `rules.pr-size` (defaults in rules/default.yml)."""

    thresholds: Thresholds = Field(default_factory=Thresholds)
    warn_at: int = Field(1000, ge=1)
    first_time_warn_at: int | None = Field(500, ge=1)
    exclude: tuple[Glob, ...] = ()
    apply_labels: bool = True
    label_prefix: Annotated[str, AfterValidator(_prefix)] = "size/"
    colors: dict[Bucket, Annotated[str, AfterValidator(_hex)]] = Field(
        default_factory=lambda: dict(DEFAULT_COLORS)
    )


class FileCount(NamedTuple):
    """A counted file: its lines, and whether that count is an estimate (a notebook)."""

    path: str
    lines: int
    estimate: bool = False


class Excluded(NamedTuple):
    """A file left out of the count, why, and the lines it changed."""

    path: str
    reason: Reason
    lines: int


@dataclass(frozen=True, slots=True)
class Measurement:
    """The size of a pull request as `pr-size` counts it."""

    lines: int
    bucket: str
    counted: tuple[FileCount, ...]
    excluded: tuple[Excluded, ...]
    binary: tuple[str, ...]

    @property
    def estimated(self) -> tuple[str, ...]:
        """Notebooks whose count fell back to their whole diff."""
        return tuple(c.path for c in self.counted if c.estimate)


def bucket(lines: int, thresholds: Thresholds) -> str:
    """The size bucket (XS ... XXL) of a line count."""
    name = BUCKETS[0]
    for candidate, start in zip(BUCKETS[1:], thresholds.starts(), strict=True):
        if lines >= start:
            name = candidate
    return name


_last: list = []  # (pr, settings, measurement): check() and labels() measure the same PR


def measure(pr: PullRequest, settings: Settings) -> Measurement:
    """Count the pull request's hand-written changed lines and pick its bucket."""
    if _last and _last[0] is pr and _last[1] is settings:
        return _last[2]
    exclude = GlobSet(settings.exclude) if settings.exclude else None
    classifier = for_repo(pr.repo)  # shared with the other checks: each file classified once
    counted: list[FileCount] = []
    excluded: list[Excluded] = []
    binary: list[str] = []
    total = 0
    for f in pr.files:
        if f.binary:
            binary.append(f.path)
            continue
        reason = Reason.CONFIG if exclude and exclude.match(f.path) else classifier.reason(f)
        if reason is not None:
            excluded.append(Excluded(f.path, reason, f.additions + f.deletions))
            continue
        if is_notebook(f.path):
            lines, exact = source_lines(f)
        else:
            lines, exact = f.additions + f.deletions, True
        counted.append(FileCount(f.path, lines, not exact))
        total += lines
    result = Measurement(
        total, bucket(total, settings.thresholds), tuple(counted), tuple(excluded), tuple(binary)
    )
    _last[:] = [pr, settings, result]
    return result


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """A finding when the counted lines reach the warning threshold."""
    m = measure(pr, settings)
    threshold, key = settings.warn_at, "warn_at"
    first = settings.first_time_warn_at
    if pr.association.is_first_time and first is not None and first < threshold:
        threshold, key = first, "first_time_warn_at"
    if m.lines < threshold:
        return []
    reasons = Counter(e.reason for e in m.excluded)
    largest, directories = _largest(m.counted)
    facts = {
        "lines": m.lines,
        "threshold": threshold,
        "threshold_key": key,
        "first_time": key == "first_time_warn_at",
        "files": len(pr.files),
        "label": settings.label_prefix + m.bucket,
        "largest": largest,
        "directories": directories,
        "excluded": [
            {"reason": r.value, "count": n} for r, n in sorted(reasons.items(), key=_by_count)
        ],
        "excluded_files": len(m.excluded),
        "excluded_lines": sum(e.lines for e in m.excluded),
        "binary": len(m.binary),
        "estimated": list(m.estimated),
    }
    return [Finding(rule=RULE, severity=settings.severity, kind="too-large", facts=facts)]


def labels(pr: PullRequest, settings: Settings) -> LabelPlan:
    """The size label (`size/M`), replacing any other label with the same prefix."""
    if not settings.apply_labels:
        return LabelPlan()
    prefix = settings.label_prefix
    colors = {**DEFAULT_COLORS, **settings.colors}
    return LabelPlan(
        apply=(prefix + measure(pr, settings).bucket,),
        managed_prefixes=(prefix,),
        colors=tuple((prefix + b, colors[b]) for b in BUCKETS),
    )


def _by_count(item: tuple[Reason, int]) -> tuple[int, str]:
    return (-item[1], item[0].value)


def _area(path: str) -> str:
    """The directory a file is in (`src/models/`); "" for the top level."""
    head, _, _ = path.rpartition("/")
    return f"{head}/" if head else ""


def _largest(counted: tuple[FileCount, ...]) -> tuple[list[dict], int]:
    """The directories contributing the most lines, biggest first, and how many there are."""
    lines: dict[str, int] = defaultdict(int)
    files: dict[str, int] = defaultdict(int)
    for c in counted:
        if c.lines:
            area = _area(c.path)
            lines[area] += c.lines
            files[area] += 1
    top = sorted(lines, key=lambda a: (-lines[a], a))[:TOP_AREAS]
    return [{"path": a, "lines": lines[a], "files": files[a]} for a in top], len(lines)
