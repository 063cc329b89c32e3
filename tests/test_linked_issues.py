"""Verified design links: the App looks up what a large change links, within a few API calls.

Real PyGithub against the fake GitHub, real Redis; what the contributor sees is the comment.
"""

from __future__ import annotations

import pytest

from bot.cache import Memory, RedisTokenCache
from bot.github import App
from bot.jobs import ReviewJob
from bot.render.output import MARKER
from bot.service import Service
from bot.store import Store

REPO = "acme/mlkit"
SPDX = "# SPDX-License-Identifier: Apache-2.0\n"
BIG = [
    {
        "filename": "src/mlkit/engine.py",
        "status": "added",
        "patch": "@@ -0,0 +1,620 @@\n" + SPDX.replace("#", "+#") + "".join(
            f"+x{i} = {i}\n" for i in range(619)
        ),
    },
    {"filename": "tests/test_engine.py", "status": "added",
     "patch": "@@ -0,0 +1,2 @@\n+# SPDX-License-Identifier: Apache-2.0\n+def test(): ...\n"},
]  # fmt: skip


def config(extra: str = "") -> str:
    return "rules:\n  design-discussion:\n" + extra


@pytest.fixture
def world(fake_github, redis_client):
    fake_github.add_repo(
        REPO,
        {"src/mlkit/layers.py": SPDX, "CONTRIBUTING.md": "# Hi\n"},
        labels={"rfc-accepted": "0e8a16"},
    )
    fake_github.add_issue(REPO, 11, title="RFC: a new engine", labels=["rfc-accepted"])
    fake_github.add_issue(REPO, 12, title="RFC: still open for debate")
    fake_github.add_issue(REPO, 13, title="RFC: discussed")
    fake_github.add_comment(REPO, 13, "Sounds good, go ahead.", user="lead", association="MEMBER")
    fake_github.add_comment(REPO, 12, "+1 from me", user="fan", association="NONE")
    inst = next(iter(fake_github.installations))
    app = App(fake_github.url, fake_github.app_id, fake_github.private_key_pem,
              RedisTokenCache(redis_client))  # fmt: skip
    return fake_github, Service(app, Memory(redis_client), Store(redis_client), time_limit=60), inst


def review(world, body: str, cfg: str = "", number: int = 40) -> tuple[str, int]:
    """The comment's design-discussion part after a first review, and the issue lookups made."""
    fake, service, inst = world
    if cfg:
        fake.set_files(REPO, "main", {".github/steward.yml": cfg, "src/mlkit/layers.py": SPDX})
        service.config_changed(REPO)
    fake.add_pull(REPO, number, BIG, body=body)
    before = len(fake.calls)
    service.review(ReviewJob(inst, f"d{number}", REPO, number, None, "pull_request.opened"))
    calls = fake.calls[before:]
    lookups = sum(1 for c in calls if c.path.startswith(f"/repos/{REPO}/issues/1"))
    (body_,) = [c["body"] for c in fake.comments(REPO, number) if c["body"].startswith(MARKER)]
    return body_, lookups


@pytest.mark.parametrize(
    ("body", "cfg", "flagged", "says"),
    [
        ("Implements the engine.\n\nRefs #11", "", False, ""),
        ("Implements the engine.\n\nRefs #99", "", True, "`#99` does not exist"),
        ("Implements the engine.\n\nRefs #12", config("    accepted_labels: [rfc-accepted]\n"),
         True, "`#12` has not been accepted yet: this project wants the linked discussion to carry the label `rfc-accepted`"),
        ("Implements the engine.\n\nRefs #11", config("    accepted_labels: [rfc-accepted]\n"), False, ""),
        ("Implements the engine.\n\nRefs #13", config("    accept_maintainer_comment: true\n"), False, ""),
        ("Implements the engine.\n\nRefs #12", config("    accept_maintainer_comment: true\n"),
         True, "a comment from a maintainer"),
        ("Implements the engine.\n\nRefs #99", config("    verify_links: false\n"), False, ""),
        ("Implements the engine.\n\nSee other/private#5", "", False, ""),  # cannot see: fail open
        ("Implements the engine.\n\nRefs #99 and #11", "", False, ""),  # one good link is enough
    ],
)  # fmt: skip
def test_linked_issues_are_checked_online(world, body, cfg, flagged, says):
    comment, _ = review(world, body, cfg)
    assert ("without a linked discussion" in comment) is flagged, comment
    assert says in comment


def test_a_small_change_costs_no_lookup(world):
    fake, service, inst = world
    fake.add_pull(REPO, 41, [{"filename": "README.md", "status": "modified",
                              "patch": "@@ -1 +1 @@\n-a\n+b"}], body="Typo.\n\nRefs #99")  # fmt: skip
    service.review(ReviewJob(inst, "d41", REPO, 41, None, "pull_request.opened"))
    assert not any(c.path.startswith(f"/repos/{REPO}/issues/9") for c in fake.calls)


def test_lookups_are_capped_and_cached(world):
    body = "Engine.\n\nRefs #11 #12 #13 #14 #15 #16"
    _, first = review(world, body, number=42)
    _, again = review(world, body, number=43)
    assert first == 3  # LINK_LOOKUPS, whatever the description lists
    assert again == 0  # cached for ten minutes


def test_maintainer_comments_are_read_only_when_needed(world):
    _, lookups = review(
        world,
        "Engine.\n\nRefs #11",
        config("    accept_maintainer_comment: true\n    accepted_labels: [rfc-accepted]\n"),
    )
    assert lookups == 1  # the label already accepts it: no comments page
    fake = world[0]
    assert not any(c.path.endswith("/issues/11/comments") for c in fake.calls)
