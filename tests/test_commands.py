"""Slash commands: parsing (table-driven) and what maintainers and contributors see on GitHub.

The service runs each command against the fake GitHub with real PyGithub and real Redis.
"""

from __future__ import annotations

import pytest

from bot import commands
from bot import config as configuration
from bot.cache import Memory, RedisTokenCache
from bot.github import App
from bot.jobs import CommandJob, ReviewJob
from bot.render.output import MARKER
from bot.service import Service
from bot.store import Store

REPO = "acme/mlkit"
SPDX = "# SPDX-License-Identifier: Apache-2.0\n"
# a behaviour change without a test: the `tests` rule finds something to waive
CHANGE = [
    {
        "filename": "src/mlkit/ops/scan.py",
        "status": "modified",
        "patch": "@@ -1,2 +1,30 @@\n" + "".join(f"+x{i} = {i}\n" for i in range(28)),
    }
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/steward recheck", ("recheck", "", "")),
        ("/steward waive tests covered by the e2e suite", ("waive", "tests", "covered by the e2e suite")),
        ("/Steward WAIVE `pr-size`  big but mechanical", ("waive", "pr-size", "big but mechanical")),
        ("Thanks!\n\n/steward explain license-header\n", ("explain", "license-header", "")),
        ("/steward", ("help", "", "")),
        ("/steward frobnicate", ("frobnicate", "", "")),
        ("> /steward waive tests\nquoting someone", None),
        ("```\n/steward waive tests\n```", None),
        ("/stewardship matters", None),
        ("please run /steward recheck", None),
        ("", None),
    ],
)  # fmt: skip
def test_parse(body, expected):
    got = commands.parse(body)
    assert (got and (got.verb, got.rule, got.reason)) == expected


@pytest.mark.parametrize(
    ("role", "needed", "ok"),
    [("admin", "write", True), ("maintain", "write", True), ("write", "write", True),
     ("triage", "write", False), ("read", "triage", False), ("none", "write", False),
     ("triage", "triage", True), ("write", "admin", False), ("weird", "write", False)],
)  # fmt: skip
def test_permission_ranks(role, needed, ok):
    assert commands.allowed(role, needed) is ok


@pytest.fixture
def world(fake_github, redis_client):
    fake_github.add_repo(
        REPO,
        {"src/mlkit/layers.py": SPDX, "CONTRIBUTING.md": "# Contributing\n"},
        permissions={"maint": "maintain", "helper": "triage"},
    )
    fake_github.add_pull(REPO, 5, CHANGE, author="newbie")
    inst = next(iter(fake_github.installations))
    app = App(
        fake_github.url,
        fake_github.app_id,
        fake_github.private_key_pem,
        RedisTokenCache(redis_client),
    )
    service = Service(app, Memory(redis_client), Store(redis_client), time_limit=60)
    service.review(ReviewJob(inst, "d0", REPO, 5, None, "pull_request.opened"))
    return fake_github, service, inst


def say(world, body: str, user: str) -> None:
    fake, service, inst = world
    note = fake.add_comment(REPO, 5, body, user=user)
    service.handle(CommandJob(inst, f"d-{note['id']}", REPO, 5, note["id"]))


def bot_comments(fake) -> list[str]:
    return [c["body"] for c in fake.comments(REPO, 5) if c["by_app"]]


def main_comment(fake) -> str:
    (body,) = [b for b in bot_comments(fake) if b.startswith(MARKER)]
    return body


def replies(fake) -> list[str]:
    return [b for b in bot_comments(fake) if b.startswith(commands.REPLY_MARKER)]


def test_a_maintainer_waives_a_rule_and_the_comment_says_who_and_why(world):
    fake = world[0]
    assert "Tests" in main_comment(fake) or "test" in main_comment(fake).lower()
    say(world, "/steward waive tests covered by the integration suite", "maint")
    assert "steward/waive-tests" in fake.labels_on(REPO, 5)
    body = main_comment(fake)
    assert "**Waived by maintainers:** `tests` (@maint: covered by the integration suite)" in body
    assert replies(fake) == []  # acknowledged in the main comment, no extra reply
    run = fake.check_runs(REPO, fake.pull(REPO, 5)["head_sha"])[-1]
    assert "| `tests` | waived |" in run["output"]["summary"]


def test_a_waiver_survives_a_new_push(world):
    fake, service, inst = world
    say(world, "/steward waive tests flaky hardware", "maint")
    readme = {"filename": "README.md", "status": "modified", "patch": "@@ -1 +1 @@\n-a\n+b"}
    head = fake.push(REPO, 5, [*CHANGE, readme])
    service.store.note_pull_request(REPO, {"number": 5, "head": {"sha": head},
                                           "labels": [{"name": "steward/waive-tests"}],
                                           "user": {"login": "newbie"}, "state": "open"})  # fmt: skip
    service.review(ReviewJob(inst, "d-push", REPO, 5, head, "pull_request.synchronize"))
    assert "(@maint: flaky hardware)" in main_comment(fake)
    assert len([b for b in bot_comments(fake) if b.startswith(MARKER)]) == 1


def test_unwaive_removes_the_label_and_the_finding_returns(world):
    fake = world[0]
    say(world, "/steward waive tests", "maint")
    say(world, "/steward unwaive tests", "maint")
    assert "steward/waive-tests" not in fake.labels_on(REPO, 5)
    assert "Waived by maintainers" not in main_comment(fake)


@pytest.mark.parametrize(
    ("user", "command", "needed"),
    [("newbie", "/steward waive tests I disagree", "write"),
     ("helper", "/steward waive tests", "write"),
     ("stranger", "/steward recheck", "triage")],
)  # fmt: skip
def test_people_without_permission_get_a_polite_reply_and_nothing_changes(
    world, user, command, needed
):
    fake = world[0]
    before = main_comment(fake)
    say(world, command, user)
    (reply,) = replies(fake)
    assert reply.startswith(commands.REPLY_MARKER) and f"@{user} thanks" in reply
    assert f"needs {needed} access" in reply
    assert "steward/waive-tests" not in fake.labels_on(REPO, 5)
    assert main_comment(fake) == before


def test_the_author_may_ask_for_a_recheck(world):
    fake = world[0]
    writes = len(fake.writes())
    say(world, "/steward recheck", "newbie")
    assert replies(fake) == []
    assert len(fake.writes()) == writes  # nothing changed: nothing written
    assert not any(c.path.endswith("/permission") for c in fake.calls)


def test_only_one_reply_is_ever_shown(world):
    fake = world[0]
    say(world, "/steward help", "someone")
    say(world, "/steward explain pr-size", "someone")
    say(world, "/steward explain tets", "someone")
    (reply,) = replies(fake)
    assert "no rule called `tets`; did you mean `tests`?" in reply


@pytest.mark.parametrize(
    ("command", "expect"),
    [
        ("/steward help", ["`/steward waive <rule> [reason]`", "`pr-size`", "`tests`"]),
        ("/steward frobnicate", ["I don't know `/steward frobnicate`", "`/steward recheck`"]),
        ("/steward explain pr-size", ["**`pr-size`**", "```yaml", "warn_at:", "/steward waive pr-size"]),
        ("/steward waive nope", ["no rule called `nope`"]),
    ],
)  # fmt: skip
def test_replies(world, command, expect):
    say(world, command, "someone")
    (reply,) = replies(world[0])
    for text in expect:
        assert text in reply, reply


def test_commands_can_be_turned_off(world):
    fake = world[0]
    fake.set_files(REPO, "main", {".github/steward.yml": "commands:\n  enabled: false\n"})
    world[1].config_changed(REPO)
    say(world, "/steward waive tests", "maint")
    (reply,) = replies(fake)
    assert "slash commands are turned off" in reply
    assert "steward/waive-tests" not in fake.labels_on(REPO, 5)


def test_a_custom_waive_prefix_must_say_waive():
    with pytest.raises(configuration.ConfigError, match="must contain 'waive'"):
        configuration.load_text("commands:\n  waive_label_prefix: skip/\n")


def test_a_deleted_command_comment_is_ignored(world):
    fake, service, inst = world
    writes = len(fake.writes())
    service.handle(CommandJob(inst, "d-gone", REPO, 5, 999_999))
    assert len(fake.writes()) == writes
