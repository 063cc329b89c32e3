"""Which webhook deliveries become which jobs: a table from (event, action) to a function.

Each function takes the payload (and the delivery id) and returns the jobs to enqueue; an
event that is not in the table, or a payload a function does not care about, yields none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.jobs import CommandJob, ConfigChangedJob, InstallationJob, Job, ReviewJob
from bot.review import WAIVE_LABEL_PREFIX

CONFIG_PATH = ".github/steward.yml"
CHECK_NAME = "steward"


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
    changes = d.payload.get("changes") or {}
    return _review(d) if ("title" in changes or "body" in changes) else []


def _labelled(d: Delivery) -> list[Job]:
    name = (d.payload.get("label") or {}).get("name") or ""
    return _review(d) if name.startswith(WAIVE_LABEL_PREFIX) else []


def _comment(d: Delivery) -> list[Job]:
    issue = d.payload.get("issue") or {}
    comment = d.payload.get("comment") or {}
    inst, repo = _installation(d), _repo(d)
    if inst is None or not repo or not issue.get("pull_request"):
        return []
    if (comment.get("user") or {}).get("type") == "Bot":
        return []
    if not (comment.get("body") or "").lstrip().startswith("/steward"):
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
    app = (thing.get("app") or (thing.get("check_suite") or {}).get("app") or {}).get("id")
    if inst is None or not repo or (app is not None and app != d.app_id):
        return []
    if "check_run" in d.payload and thing.get("name") not in (None, CHECK_NAME):
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


def _push(d: Delivery) -> list[Job]:
    repo_info = d.payload.get("repository") or {}
    inst, repo = _installation(d), repo_info.get("full_name")
    branch = repo_info.get("default_branch") or repo_info.get("master_branch")
    if inst is None or not repo or d.payload.get("ref") != f"refs/heads/{branch}":
        return []
    touched = {
        path
        for commit in d.payload.get("commits") or []
        for key in ("added", "modified", "removed")
        for path in commit.get(key) or []
    }
    if CONFIG_PATH in touched or repo.endswith("/.github") or _context_changed(touched):
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
