"""design-discussion: large or structural changes link the discussion that agreed on them.

A change is large when it has more than `max_lines` changed lines (additions plus deletions) of
code: files matching `exclude` (tests, docs, data and config files) and generated, vendored or
lock files (`bot.classify`) do not count. It is structural when it touches one of `core_paths`
(a rename away from one counts too). Either way the description must reference a prior issue,
RFC or discussion (see `bot.links`): `#123`, `GH-123`, `owner/repo#123`, `Fixes #123`, a GitHub
issue, discussion or pull-request URL, or a URL matching `link_patterns`; with `allowed_repos`
only references to those repositories (and external links) count. A reference to the pull
request itself, or one hidden in an HTML comment or code, does not count. With `verify_links`
the App looks the linked issues up (`links_to_verify`, at most a few, cached): one that does not
exist does not count, and with `accepted_labels` / `accept_maintainer_comment` it must also
carry one of those labels or a comment from a maintainer. Offline (`steward check`) links are
taken as written.

With `require_description`, a change of at least `description_min_lines` changed lines (all
files) needs a description: one with fewer than `min_description_chars` characters of its own
(HTML comments and whitespace aside) is `empty-description`; one that is the repository's
pull-request template with (nearly) nothing added, ticked boxes aside, is `untouched-template`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from bot.checks._base import RuleSettings
from bot.classify import for_repo
from bot.findings import Finding
from bot.links import GITHUB_HOSTS, Reference, references, strip_comments
from bot.patterns import Glob, GlobGroups, Regex, compile_regex
from bot.snapshot import PullRequest

RULE = "design-discussion"
MAX_LISTED = 5  # core paths named in a finding
MAX_HINTS = 3  # hidden or refused references named in a finding
_CHECKBOX = compile_regex(r"^([-*+]|\d+[.)])\s+\[[ xX]\]\s*")
_SPACE = compile_regex(r"\s+")
_REPO = compile_regex(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+$")


def _repo_name(value: str) -> str:
    if not _REPO.match(value):
        raise ValueError(f"{value!r} is not a repository; write it as owner/name, like 'acme/rfcs'")
    return value


RepoName = Annotated[str, AfterValidator(_repo_name)]


class Settings(RuleSettings):
    """Keys under `rules.design-discussion` (defaults in rules/default.yml)."""

    max_lines: int = Field(500, ge=1)
    core_paths: list[Glob] = Field(default_factory=list)
    exclude: list[Glob] = Field(
        default_factory=lambda: [
            "tests/**", "test/**", "**/tests/**", "**/test/**", "**/__tests__/**",
            "test_*.py", "*_test.py", "conftest.py", "*_test.go", "*_test.cc", "*_test.cpp",
            "*.test.ts", "*.spec.ts", "*.test.js", "*.spec.js", "docs/**", "doc/**", "*.md",
            "*.rst", "*.txt", "*.ipynb", "*.json", "*.jsonl", "*.csv", "**/examples/**",
            "**/benchmarks/**",
        ]
    )  # fmt: skip
    link_patterns: list[Regex] = Field(
        default_factory=lambda: [
            r"https://(?:dev-)?discuss\.pytorch\.org/t/\S+",
            r"https://discuss\.huggingface\.co/t/\S+",
            r"https://discuss\.vllm\.ai/t/\S+",
            r"https://docs\.google\.com/document/d/\S+",
        ]
    )
    allowed_repos: list[RepoName] = Field(default_factory=list)
    verify_links: bool = True
    accepted_labels: list[str] = Field(default_factory=list)
    accept_maintainer_comment: bool = False
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
        if "exclude" in kinds or not f.changes or classifier.reason(f) is not None:
            continue
        total += f.changes
    return total, touched


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """Findings for an empty or untouched description, and a large/core change without a link."""
    findings: list[Finding] = []
    if settings.require_description and pr.changed_lines >= settings.description_min_lines:
        kind = description_problem(pr.body or "", pr.repo.pr_template, settings)
        if kind:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.severity,
                    kind=kind,
                    facts={
                        "lines": pr.changed_lines,
                        "threshold": settings.description_min_lines,
                        "min_chars": settings.min_description_chars,
                    },
                )
            )
    lines, core = counted_lines(pr, settings)
    if lines <= settings.max_lines and not core:
        return findings
    body = pr.body or ""
    hosts = _hosts(pr.repo.html_url)
    found = references(
        body,
        repo=pr.repo.full_name,
        number=pr.number,
        extra_patterns=settings.link_patterns,
        hosts=hosts,
    )
    accepted, refused = _allowed(found, pr.repo.full_name, settings.allowed_repos)
    missing: list[str] = []
    unaccepted: list[str] = []
    if pr.linked is not None and settings.verify_links:
        accepted, missing, unaccepted = _verified(accepted, pr, settings)
    if accepted:
        return findings
    everywhere = references(
        body, repo=pr.repo.full_name, extra_patterns=settings.link_patterns, hosts=hosts
    )
    hidden = references(
        body,
        repo=pr.repo.full_name,
        number=pr.number,
        extra_patterns=settings.link_patterns,
        hosts=hosts,
        prose_only=False,
    )
    shown = {r.target for r in found}
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
                "self_link": len(everywhere) > len(found),
                "hidden": [r.target for r in hidden if r.target not in shown][:MAX_HINTS],
                "refused": [r.target for r in refused][:MAX_HINTS],
                "allowed_repos": list(settings.allowed_repos),
                "missing": missing[:MAX_HINTS],
                "unaccepted": unaccepted[:MAX_HINTS],
                "accepted_labels": list(settings.accepted_labels),
                "accept_maintainer_comment": settings.accept_maintainer_comment,
                "repo_url": pr.repo.html_url,
            },
        )
    )
    return findings


def _hosts(html_url: str) -> tuple[str, ...]:
    try:
        host = urlsplit(html_url).hostname if html_url else None
    except ValueError:  # e.g. "http://[" (an unbalanced IPv6 bracket): only GitHub's hosts
        host = None
    return (*GITHUB_HOSTS, host) if host and host not in GITHUB_HOSTS else GITHUB_HOSTS


def _allowed(
    refs: list[Reference], own: str, allowed_repos: list[str]
) -> tuple[list[Reference], list[Reference]]:
    """The references that count and those `allowed_repos` refuses."""
    if not allowed_repos:
        return refs, []
    allowed = {r.lower() for r in allowed_repos}
    ok: list[Reference] = []
    refused: list[Reference] = []
    for r in refs:
        where = f"{r.owner}/{r.repo}" if r.owner else own
        (ok if r.kind == "external" or where.lower() in allowed else refused).append(r)
    return ok, refused


def needs_acceptance(settings: Settings) -> bool:
    """Whether a linked issue must also be accepted (a label or a maintainer's comment)."""
    return bool(settings.accepted_labels) or settings.accept_maintainer_comment


def links_to_verify(pr: PullRequest, settings: Settings) -> list[tuple[str, int]]:
    """The (owner/name, number) GitHub references the App should look up for this check.

    Empty when the change needs no link (small, no core path) or verification is off: the
    App then spends no API call on it.
    """
    if not settings.enabled or not settings.verify_links:
        return []
    lines, core = counted_lines(pr, settings)
    if lines <= settings.max_lines and not core:
        return []
    found = references(
        pr.body or "",
        repo=pr.repo.full_name,
        number=pr.number,
        extra_patterns=settings.link_patterns,
        hosts=_hosts(pr.repo.html_url),
    )
    accepted, _ = _allowed(found, pr.repo.full_name, settings.allowed_repos)
    out = []
    for r in accepted:
        if r.number is not None and r.kind != "discussion":  # REST cannot read discussions
            out.append((_where(r, pr.repo.full_name), r.number))
    return list(dict.fromkeys(out))


def _where(ref: Reference, own: str) -> str:
    return (f"{ref.owner}/{ref.repo}" if ref.owner else own).lower()


def _verified(
    refs: list[Reference], pr: PullRequest, settings: Settings
) -> tuple[list[Reference], list[str], list[str]]:
    """Split references by what GitHub said: (good, missing targets, not-accepted targets).

    A reference nobody looked up (a discussion, an external link, beyond the lookup cap, or
    in a repository the App cannot read) counts: the bot fails open, it never blames the
    contributor for what it could not see.
    """
    known = {(x.repo.lower(), x.number): x for x in pr.linked or ()}
    wanted = {label.lower() for label in settings.accepted_labels}
    good: list[Reference] = []
    missing: list[str] = []
    unaccepted: list[str] = []
    for r in refs:
        info = known.get((_where(r, pr.repo.full_name), r.number)) if r.number else None
        if info is None:
            good.append(r)
        elif not info.exists:
            missing.append(r.target)
        elif needs_acceptance(settings) and not (
            wanted & {label.lower() for label in info.labels}
            or (settings.accept_maintainer_comment and info.maintainer_commented)
        ):
            unaccepted.append(r.target)
        else:
            good.append(r)
    return good, missing, unaccepted


def description_problem(body: str, template: str | None, settings: Settings) -> str | None:
    """`empty-description`, `untouched-template` or None for a description that says something."""
    lines = _normal_lines(body)
    template_lines = set(_normal_lines(template)) if template else set()
    if template_lines and any(line in template_lines for line in lines):
        own = " ".join(line for line in lines if line not in template_lines)
        return "untouched-template" if len(own) < settings.min_description_chars else None
    if len(" ".join(lines)) < settings.min_description_chars:
        return "empty-description"
    return None


def _normal_lines(text: str) -> list[str]:
    """Non-empty lines without HTML comments, whitespace collapsed, checkboxes all unticked."""
    out = []
    for line in strip_comments(text).split("\n"):
        line = _SPACE.sub(" ", line).strip()
        if line:
            out.append(_CHECKBOX.sub("- [ ] ", line))
    return out
