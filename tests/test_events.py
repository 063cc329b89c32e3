"""The routing table: which real deliveries become which jobs."""

from __future__ import annotations

import copy

import pytest

from bot.events import Delivery, route
from tests.test_web import load

APP_ID = 29310


def deliver(event: str, payload: dict) -> list[dict]:
    routed = route(Delivery(event, payload.get("action"), "d-1", payload, APP_ID))
    return [job.as_message() for job in routed.jobs]


def with_(name: str, **changes) -> dict:
    payload = copy.deepcopy(load(name))
    for dotted, value in changes.items():
        target = payload
        *path, last = dotted.split("__")
        for key in path:
            target = target[key]
        target[last] = value
    return payload


CASES = [
    ("opened", "pull_request", with_("pull_request.opened"), ["review"]),
    ("synchronize", "pull_request", with_("pull_request.synchronize"), ["review"]),
    (
        "closed-pr-ignored",
        "pull_request",
        with_("pull_request.synchronize", pull_request__state="closed"),
        [],
    ),
    ("no-installation", "pull_request", {**load("pull_request.opened"), "installation": None}, []),
    ("label-bug-ignored", "pull_request", with_("pull_request.labeled"), []),
    (
        "own-size-label-ignored",
        "pull_request",
        with_("pull_request.labeled", label={"name": "size/M"}),
        [],
    ),
    (
        "waiver-label",
        "pull_request",
        with_("pull_request.labeled", label={"name": "steward/waive-tests"}),
        ["review"],
    ),
    (
        "edited-title",
        "pull_request",
        {
            **with_("pull_request.synchronize"),
            "action": "edited",
            "changes": {"title": {"from": "x"}},
        },
        ["review"],
    ),
    (
        "edited-base-only",
        "pull_request",
        {**with_("pull_request.synchronize"), "action": "edited", "changes": {"base": {}}},
        [],
    ),
    ("suite-rerun-ours", "check_suite", with_("check_suite.rerequested"), ["review"]),
    (
        "suite-rerun-other-app",
        "check_suite",
        with_("check_suite.rerequested", check_suite__app={"id": 1}),
        [],
    ),
    ("run-rerun-other-name", "check_run", with_("check_run.rerequested"), []),
    ("push-tag", "push", with_("push"), []),
    (
        "push-config",
        "push",
        with_(
            "push",
            ref="refs/heads/master",
            commits=[{"added": [], "removed": [], "modified": [".github/steward.yml"]}],
        ),
        ["config-changed"],
    ),
    (
        "push-other-file",
        "push",
        with_(
            "push",
            ref="refs/heads/master",
            commits=[{"added": ["src/a.py"], "removed": [], "modified": []}],
        ),
        [],
    ),
    ("installation", "installation", with_("installation.created"), ["installation"]),
    ("unknown-event", "star", {"action": "created", "installation": {"id": 1}}, []),
    (
        "garbage-shapes",
        "pull_request",
        {"action": "opened", "installation": {"id": 1}, "pull_request": "x"},
        [],
    ),
]


@pytest.mark.parametrize(
    ("event", "payload", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_route(event, payload, kinds):
    assert [j["kind"] for j in deliver(event, payload)] == kinds


def test_review_job_carries_ids_only():
    payload = load("pull_request.synchronize")
    [job] = deliver("pull_request", payload)
    assert job == {
        "kind": "review",
        "installation_id": payload["installation"]["id"],
        "delivery_id": "d-1",
        "repo": payload["repository"]["full_name"],
        "number": payload["pull_request"]["number"],
        "head_sha": payload["pull_request"]["head"]["sha"],
        "reason": "pull_request.synchronize",
    }


def test_slash_command_on_a_pull_request_becomes_a_command_job():
    payload = {
        "action": "created",
        "installation": {"id": 3},
        "repository": {"full_name": "acme/ml"},
        "issue": {"number": 9, "pull_request": {"url": "x"}},
        "comment": {"id": 77, "body": "/steward recheck", "user": {"type": "User"}},
    }
    assert [j["kind"] for j in deliver("issue_comment", payload)] == ["command"]
    bot = copy.deepcopy(payload)
    bot["comment"]["user"]["type"] = "Bot"
    assert deliver("issue_comment", bot) == []
    chat = copy.deepcopy(payload)
    chat["comment"]["body"] = "LGTM"
    assert deliver("issue_comment", chat) == []
