"""The routing table: which real deliveries become which jobs."""

from __future__ import annotations

import copy

import pytest

from bot.events import Delivery, route
from tests.test_web import all_examples, example, load

APP_ID = 29310  # the app id in octokit's check_suite examples: "us"


def deliver(event: str, payload: dict) -> list[dict]:
    routed = route(Delivery(event, payload.get("action"), "d-1", payload, APP_ID))
    return [job.as_message() for job in routed.jobs]


def with_(payload: dict | str, **changes) -> dict:
    """A copy of a payload (or a fixture by name) with `a__b=value` set at payload[a][b]."""
    payload = copy.deepcopy(load(payload) if isinstance(payload, str) else payload)
    for dotted, value in changes.items():
        target = payload
        *path, last = dotted.split("__")
        for key in path:
            target = target[key]
        target[last] = value
    return payload


SYNC = "pull_request.synchronize"
RUN = example("check_run", "rerequested")
OUR_RUN = with_(
    RUN,
    check_run__app={"id": APP_ID},
    check_run__pull_requests=[{"number": 5, "head": {"sha": "h" * 40}}],
)
COMMENT = with_(
    example("issue_comment", "created", installed=False),
    installation={"id": 3},
    issue__pull_request={"url": "https://api.github.com/repos/o/r/pulls/1"},
    comment__body="/steward recheck",
)
CONFIG_PUSH = with_(
    "push",
    ref="refs/heads/master",
    commits=[{"added": [], "removed": [], "modified": [".github/steward.yml"]}],
)

CASES = [
    # pull_request
    ("opened", "pull_request", load("pull_request.opened"), ["review"]),
    ("synchronize", "pull_request", load(SYNC), ["review"]),
    ("reopened", "pull_request", example("pull_request", "reopened"), ["review"]),
    ("ready", "pull_request", example("pull_request", "ready_for_review"), ["review"]),
    ("closed-action", "pull_request", example("pull_request", "closed"), []),
    ("assigned", "pull_request", example("pull_request", "assigned"), []),
    ("closed-pr-ignored", "pull_request", with_(SYNC, pull_request__state="closed"), []),
    ("no-installation", "pull_request", with_(SYNC, installation=None), []),
    ("label-bug-ignored", "pull_request", load("pull_request.labeled"), []),
    ("own-size-label", "pull_request", with_("pull_request.labeled", label={"name": "size/M"}), []),
    (
        "waiver-label",
        "pull_request",
        with_("pull_request.labeled", label={"name": "steward/waive-tests"}),
        ["review"],
    ),
    (
        "custom-waive-prefix",
        "pull_request",
        with_("pull_request.labeled", label={"name": "Waive/pr-size"}),
        ["review"],
    ),
    (
        "waiver-label-by-steward-itself",
        "pull_request",
        with_(
            "pull_request.labeled",
            label={"name": "steward/waive-tests"},
            sender={"login": "steward[bot]", "type": "Bot"},
        ),
        [],
    ),
    ("label-not-a-dict", "pull_request", with_("pull_request.labeled", label="waive"), []),
    (
        "waiver-removed",
        "pull_request",
        with_(example("pull_request", "unlabeled"), label={"name": "steward/waive-tests"}),
        ["review"],
    ),
    (
        "edited-title",
        "pull_request",
        with_(SYNC, action="edited", changes={"title": {}}),
        ["review"],
    ),
    ("edited-body", "pull_request", with_(SYNC, action="edited", changes={"body": {}}), ["review"]),
    ("edited-base", "pull_request", with_(SYNC, action="edited", changes={"base": {}}), ["review"]),
    ("edited-nothing", "pull_request", with_(SYNC, action="edited", changes={}), []),
    # check runs and suites
    ("suite-rerun-ours", "check_suite", load("check_suite.rerequested"), ["review"]),
    (
        "suite-rerun-other-app",
        "check_suite",
        with_("check_suite.rerequested", check_suite__app={"id": 1}),
        [],
    ),
    ("run-rerun-other-app", "check_run", RUN, []),
    ("run-rerun-ours", "check_run", OUR_RUN, ["review"]),
    (
        "run-rerun-no-app-but-our-name",
        "check_run",
        with_(OUR_RUN, check_run__app=None, check_run__check_suite={}, check_run__name="steward"),
        ["review"],
    ),
    (
        "run-rerun-no-app-other-name",
        "check_run",
        with_(OUR_RUN, check_run__app=None, check_run__check_suite={}, check_run__name="lint"),
        [],
    ),
    # comments
    ("command", "issue_comment", COMMENT, ["command"]),
    ("command-by-bot", "issue_comment", with_(COMMENT, comment__user={"type": "Bot"}), []),
    ("command-sent-by-bot", "issue_comment", with_(COMMENT, sender={"type": "Bot"}), []),
    ("chat", "issue_comment", with_(COMMENT, comment__body="LGTM /steward"), []),
    ("not-a-command", "issue_comment", with_(COMMENT, comment__body="/stewardship"), []),
    ("on-an-issue", "issue_comment", with_(COMMENT, issue__pull_request=None), []),
    ("comment-edited", "issue_comment", with_(COMMENT, action="edited"), []),
    # pushes
    ("push-tag", "push", load("push"), []),
    ("push-config", "push", CONFIG_PUSH, ["config-changed"]),
    ("push-config-other-branch", "push", with_(CONFIG_PUSH, ref="refs/heads/dev"), []),
    ("push-config-uninstalled", "push", with_(CONFIG_PUSH, installation=None), []),
    (
        "push-other-file",
        "push",
        with_(CONFIG_PUSH, commits=[{"added": ["src/a.py"], "removed": [], "modified": []}]),
        [],
    ),
    ("push-forced", "push", with_(CONFIG_PUSH, commits=[], forced=True), ["config-changed"]),
    (
        "push-org-config-repo",
        "push",
        with_(CONFIG_PUSH, commits=[], repository__full_name="Codertocat/.github"),
        ["config-changed"],
    ),
    # installations
    ("installation", "installation", load("installation.created"), ["installation"]),
    ("installation-deleted", "installation", example("installation", "deleted"), ["installation"]),
    (
        "repos-added",
        "installation_repositories",
        example("installation_repositories", "added"),
        ["installation"],
    ),
    # everything else
    ("unknown-event", "star", {"action": "created", "installation": {"id": 1}}, []),
    (
        "garbage-shapes",
        "pull_request",
        {"action": "opened", "installation": {"id": 1}, "pull_request": "x"},
        [],
    ),
    ("garbage-comment", "issue_comment", with_(COMMENT, comment={"body": "/steward"}), []),
]


@pytest.mark.parametrize(
    ("event", "payload", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_route(event, payload, kinds):
    assert [j["kind"] for j in deliver(event, payload)] == kinds


def test_review_job_carries_ids_only():
    payload = load(SYNC)
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


def test_rerun_reviews_every_listed_pull_request_at_the_run_head():
    payload = with_(
        OUR_RUN, check_run__pull_requests=[{"number": 5}, {"number": 6}, {"number": "x"}]
    )
    jobs = deliver("check_run", payload)
    assert [(j["number"], j["head_sha"], j["reason"]) for j in jobs] == [
        (5, RUN["check_run"]["head_sha"], "check_run.rerequested"),
        (6, RUN["check_run"]["head_sha"], "check_run.rerequested"),
    ]


def test_command_and_installation_jobs():
    [command] = deliver("issue_comment", COMMENT)
    assert command == {
        "kind": "command",
        "installation_id": 3,
        "delivery_id": "d-1",
        "repo": COMMENT["repository"]["full_name"],
        "number": COMMENT["issue"]["number"],
        "comment_id": COMMENT["comment"]["id"],
    }
    added = example("installation_repositories", "added")
    [job] = deliver("installation_repositories", added)
    assert job["action"] == "added" and job["repos"] == ("Codertocat/Space",)


@pytest.mark.parametrize("event", sorted({name for name, _ in all_examples()}))
def test_every_example_routes_without_raising(event):
    for name, payload in all_examples():
        if name == event:
            routed = route(Delivery(name, payload.get("action"), "d", payload, APP_ID))
            assert routed.reason
