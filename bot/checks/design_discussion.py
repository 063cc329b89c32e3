"""design-discussion: large or structural changes link the discussion that agreed on them.

A change is large when it has more than `max_lines` changed lines of code (tests, docs and
generated or vendored files excluded), and structural when it touches one of `core_paths`.
Either way the description must reference a prior issue, RFC or discussion: `#123`,
`owner/repo#123`, `Fixes #123`, `GH-123`, a GitHub issue/discussion/pull URL, or a URL matching
`link_patterns`. A reference to the pull request itself does not count. Whether the link
exists and was accepted is checked online by the App.

On any non-trivial change (at least `description_min_lines` changed lines) the description
must also say something: an empty one, or the pull-request template left as it was, is
flagged.
"""

from __future__ import annotations

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.classify import for_repo
from bot.findings import Finding
from bot.links import prose, references
from bot.patterns import Glob, GlobGroups, Regex, compile_regex
from bot.snapshot import PullRequest

RULE = "design-discussion"
MAX_LISTED = 5
_CHECKBOX = compile_regex(r"^\s*[-*]\s*\[[ xX]\]\s*")
_SPACE = compile_regex(r"\s+")


class Settings(RuleSettings):
    """Keys under `rules.design-discussion` (defaults in rules/default.yml)."""

    max_lines: int = Field(500, ge=1)
    core_paths: list[Glob] = Field(default_factory=list)
    exclude: list[Glob] = Field(
        default_factory=lambda: [
            "tests/**", "test/**", "**/tests/**", "**/test/**", "test_*.py", "*_test.py",
            "conftest.py", "docs/**", "doc/**", "*.md", "*.rst", "*.txt", "examples/**",
            "benchmarks/**",
        ]
    )  # fmt: skip
    link_patterns: list[Regex] = Field(default_factory=list)
    allowed_repos: list[str] = Field(default_factory=list)
    require_description: bool = True
    description_min_lines: int = Field(10, ge=0)
    min_description_chars: int = Field(20, ge=0)


def counted_lines(pr: PullRequest, settings: Settings) -> tuple[int, list[str]]:
    """Changed lines of code that count towards 'large', and the core paths touched."""
    globs = GlobGroups(exclude=settings.exclude, core=settings.core_paths)
    classifier = for_repo(pr.repo)
    total = 0
    touched: list[str] = []
    for f in pr.files:
        kinds = globs.groups(f.path)
        if "core" in kinds or (f.previous_path and "core" in globs.groups(f.previous_path)):
            touched.append(f.path)
        if "exclude" in kinds or classifier.reason(f) is not None:
            continue
        total += f.changes
    return total, touched


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """Findings for a large/core change without a link, and for an empty description."""
    lines, core = counted_lines(pr, settings)
    findings: list[Finding] = []
    if settings.require_description and pr.changed_lines >= settings.description_min_lines:
        kind = _description_problem(pr, settings)
        if kind:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.severity,
                    kind=kind,
                    facts={"lines": pr.changed_lines, "threshold": settings.description_min_lines},
                )
            )
    if lines <= settings.max_lines and not core:
        return findings
    refs = references(
        pr.body, repo=pr.repo.full_name, number=pr.number, extra_patterns=settings.link_patterns
    )
    allowed = {r.lower() for r in settings.allowed_repos}
    if allowed:
        own = pr.repo.full_name.lower()
        refs = [
            r
            for r in refs
            if r.kind == "external"
            or f"{r.owner}/{r.repo}".lower() in allowed
            or (r.owner is None and own in allowed)
        ]
    if refs:
        return findings
    findings.append(
        Finding(
            rule=RULE,
            severity=settings.severity,
            kind="needs-link",
            facts={
                "lines": lines,
                "threshold": settings.max_lines,
                "large": lines > settings.max_lines,
                "core": core[:MAX_LISTED],
                "more_core": max(0, len(core) - MAX_LISTED),
                "repo_url": pr.repo.html_url,
            },
        )
    )
    return findings


def _description_problem(pr: PullRequest, settings: Settings) -> str | None:
    body = _normal_lines(pr.body or "")
    if len(" ".join(body)) < settings.min_description_chars and not pr.repo.pr_template:
        return "empty-description"
    if pr.repo.pr_template:
        template = set(_normal_lines(pr.repo.pr_template))
        added = " ".join(line for line in body if line not in template)
        if not body or len(added) < settings.min_description_chars:
            return "untouched-template" if body else "empty-description"
    return None


def _normal_lines(text: str) -> list[str]:
    """Prose lines, whitespace collapsed, checkbox marks ignored, empty lines dropped."""
    out = []
    for line in prose(text).split("\n"):
        line = _SPACE.sub(" ", _CHECKBOX.sub("- [ ] ", line)).strip()
        if line:
            out.append(line)
    return out
