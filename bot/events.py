"""Which webhook deliveries become which jobs: a table from (event, action) to a function.

Each function takes the `Delivery` (event, action, delivery id, payload, our app id) and returns
the jobs to enqueue; an event that is not in the table, or a payload a function does not care
about, yields none. Functions are pure: no I/O, nothing but the payload.

- pull_request opened/reopened/synchronize/ready_for_review: review; edited only when the title,
  body or base changed; labeled/unlabeled only for `steward/waive-*` labels (size labels are the
  bot's own: reviewing on them would loop).
- issue_comment created on a pull request, starting with `/steward`, not by a bot: a command.
- check_run/check_suite rerequested, when the run or suite is ours: review each listed PR.
- push to the default branch touching `.github/steward.yml` (or the review context, or any push
  to the org-wide `.github` repository): drop cached config.
- installation/installation_repositories: clear the installation's caches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config import WAIVE_WORD
from bot.jobs import CommandJob, ConfigChangedJob, InstallationJob, Job, ReviewJob

CONFIG_PATH = ".github/steward.yml"
CHECK_NAME = "steward"
EDITS_THAT_MATTER = {"title", "body", "base"}
COMMAND = re.compile(r"/steward(\s|$)")
# GitHub lists at most this many commits in a push payload; beyond it, assume the config changed
PUSH_COMMITS_LISTED = 2048


@dataclass(frozen=True)
class Routed:
    """The jobs a delivery asks for, and a word on why (for logs and the HTTP answer)."""

    jobs: tuple[Job, ...]
    reason: str


@dataclass(frozen=True)
class Delivery:
    """What a route function may look at."""

    event: str
    action: str | None
    delivery_id: str
    payload: dict[str, Any]
    app_id: int


Route = Callable[[Delivery], list[Job]]


def _installation(d: Delivery) -> int | None:
    inst = d.payload.get("installation") or {}
    return inst.get("id") if isinstance(inst.get("id"), int) else None


def _repo(d: Delivery) -> str | None:
    return (d.payload.get("repository") or {}).get("full_name")


def _review(d: Delivery) -> list[Job]:
    pull = d.payload.get("pull_request") or {}
    inst, repo = _installation(d), _repo(d)
    if inst is None or not repo or not isinstance(pull.get("number"), int):
        return []
    if pull.get("state", "open") != "open":
        return []
    return [
        ReviewJob(
            installation_id=inst,
            delivery_id=d.delivery_id,
            repo=repo,
            number=pull["number"],
            head_sha=(pull.get("head") or {}).get("sha"),
            reason=f"{d.event}.{d.action}",
        )
    ]


def _edited(d: Delivery) -> list[Job]:
    # the title and body feed checks; a new base changes the diff itself
    changes = d.payload.get("changes") or {}
    return _review(d) if EDITS_THAT_MATTER & set(changes) else []


def _labelled(d: Delivery) -> list[Job]:
    # waiver labels only (their configurable prefix must contain "waive": the receiver has
    # no config); other labels, such as the bot's own size labels, change no finding
    label, sender = d.payload.get("label"), d.payload.get("sender")
    name = label.get("name") if isinstance(label, dict) else None
    if isinstance(sender, dict) and sender.get("type") == "Bot":
        return []  # Steward's own `/steward waive` label: that command reviews by itself
    return _review(d) if isinstance(name, str) and WAIVE_WORD in name.lower() else []


def _comment(d: Delivery) -> list[Job]:
    issue = d.payload.get("issue") or {}
    comment = d.payload.get("comment") or {}
    inst, repo = _installation(d), _repo(d)
    if inst is None or not repo or not issue.get("pull_request"):
        return []
    authors = (comment.get("user") or {}, d.payload.get("sender") or {})
    if any(who.get("type") == "Bot" for who in authors):
        return []
    if not COMMAND.match((comment.get("body") or "").lstrip()):
        return []
    return [
        CommandJob(
            installation_id=inst,
            delivery_id=d.delivery_id,
            repo=repo,
            number=issue["number"],
            comment_id=comment["id"],
        )
    ]


def _rerun(d: Delivery) -> list[Job]:
    thing = d.payload.get("check_run") or d.payload.get("check_suite") or {}
    inst, repo = _installation(d), _repo(d)
    if inst is None or not repo or not _ours(thing, d.app_id):
        return []
    head = thing.get("head_sha")
    return [
        ReviewJob(
            installation_id=inst,
            delivery_id=d.delivery_id,
            repo=repo,
            number=pr["number"],
            head_sha=head or (pr.get("head") or {}).get("sha"),
            reason=f"{d.event}.{d.action}",
        )
        for pr in thing.get("pull_requests") or []
        if isinstance(pr.get("number"), int)
    ]


def _ours(thing: dict[str, Any], app_id: int) -> bool:
    """A check run or suite of this App: the app id decides; without one, the check's name."""
    app = (thing.get("app") or (thing.get("check_suite") or {}).get("app") or {}).get("id")
    if app is not None:
        return app == app_id
    return thing.get("name") == CHECK_NAME


def _push(d: Delivery) -> list[Job]:
    repo_info = d.payload.get("repository") or {}
    inst, repo = _installation(d), repo_info.get("full_name")
    branch = repo_info.get("default_branch") or repo_info.get("master_branch")
    if inst is None or not repo or d.payload.get("ref") != f"refs/heads/{branch}":
        return []
    commits = d.payload.get("commits") or []
    touched = {
        path
        for commit in commits
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
    }
    # a forced push can undo a config change without listing it; a long push lists only part
    unsure = bool(d.payload.get("forced")) or len(commits) >= PUSH_COMMITS_LISTED
    if CONFIG_PATH in touched or repo.endswith("/.github") or unsure or _context_changed(touched):
        return [ConfigChangedJob(installation_id=inst, delivery_id=d.delivery_id, repo=repo)]
    return []


def _context_changed(paths: set[str]) -> bool:
    lowered = {p.lower() for p in paths}
    return any(
        p.endswith(".gitattributes") or "contributing" in p or "pull_request_template" in p
        for p in lowered
    )


def _installation_event(d: Delivery) -> list[Job]:
    inst = _installation(d)
    if inst is None:
        return []
    repos = [
        r.get("full_name")
        for key in ("repositories", "repositories_added", "repositories_removed")
        for r in d.payload.get(key) or []
        if r.get("full_name")
    ]
    return [
        InstallationJob(
            installation_id=inst,
            delivery_id=d.delivery_id,
            action=d.action or "",
            repos=tuple(repos),
        )
    ]


TABLE: dict[tuple[str, str | None], Route] = {
    ("pull_request", "opened"): _review,
    ("pull_request", "reopened"): _review,
    ("pull_request", "synchronize"): _review,
    ("pull_request", "ready_for_review"): _review,
    ("pull_request", "edited"): _edited,
    ("pull_request", "labeled"): _labelled,
    ("pull_request", "unlabeled"): _labelled,
    ("issue_comment", "created"): _comment,
    ("check_run", "rerequested"): _rerun,
    ("check_suite", "rerequested"): _rerun,
    ("push", None): _push,
    ("installation", "created"): _installation_event,
    ("installation", "deleted"): _installation_event,
    ("installation", "suspend"): _installation_event,
    ("installation", "unsuspend"): _installation_event,
    ("installation", "new_permissions_accepted"): _installation_event,
    ("installation_repositories", "added"): _installation_event,
    ("installation_repositories", "removed"): _installation_event,
}


def route(delivery: Delivery) -> Routed:
    """The jobs for a delivery. Unknown events and irrelevant payloads give no jobs."""
    fn = TABLE.get((delivery.event, delivery.action))
    if fn is None:
        return Routed((), "ignored")
    try:
        jobs = tuple(fn(delivery))
    except (AttributeError, KeyError, TypeError, ValueError):
        return Routed((), "ignored: unexpected payload shape")
    return Routed(jobs, "queued" if jobs else "ignored: nothing to do")
