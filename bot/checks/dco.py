"""dco: every commit is signed off (Developer Certificate of Origin), off by default.

A commit passes when its message has a `Signed-off-by: Name <email>` trailer whose email (or
name) matches the commit's author. The finding lists the commits that fail and gives the exact
commands: `git commit --amend -s` for the last one, `git rebase --signoff` for several.
"""

from __future__ import annotations

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding
from bot.patterns import compile_regex
from bot.snapshot import PullRequest

RULE = "dco"
NEEDS_COMMITS = True  # the worker fetches the pull request's commits only for rules that say so
MAX_LISTED = 10
_TRAILER = compile_regex(r"(?im)^\s*Signed-off-by:\s*(.*?)\s*<([^>]+)>\s*$")


class Settings(RuleSettings):
    """Keys under `rules.dco` (defaults in rules/default.yml)."""

    enabled: bool = False
    match_author: bool = True
    skip_bots: bool = True
    bots: list[str] = Field(default_factory=lambda: ["dependabot[bot]", "pre-commit-ci[bot]"])


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """One finding listing the commits without a matching sign-off."""
    missing = []
    for commit in pr.commits:
        if settings.skip_bots and (commit.author_login or "") in settings.bots:
            continue
        trailers = _TRAILER.findall(commit.message)
        if not trailers or (settings.match_author and not _matches(trailers, commit)):
            missing.append(
                {
                    "sha": commit.sha[:7],
                    "subject": commit.message.splitlines()[0][:72] if commit.message else "",
                    "signed": bool(trailers),
                }
            )
    if not missing:
        return []
    n = len(pr.commits)
    fix = (
        "git commit --amend --no-edit -s\ngit push --force-with-lease"
        if len(missing) == 1 and missing[0]["sha"] == pr.commits[-1].sha[:7]
        else f"git rebase --signoff HEAD~{n}\ngit push --force-with-lease"
    )
    return [
        Finding(
            rule=RULE,
            severity=settings.severity,
            kind="unsigned",
            facts={
                "commits": missing[:MAX_LISTED],
                "more": max(0, len(missing) - MAX_LISTED),
                "total": n,
            },
            suggestion=fix,
        )
    ]


def _matches(trailers: list[tuple[str, str]], commit) -> bool:
    email = (commit.author_email or "").lower()
    name = (commit.author_name or "").strip().lower()
    return any(e.lower() == email or (name and n.strip().lower() == name) for n, e in trailers)
