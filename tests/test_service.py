"""The worker's review against the fake GitHub with real PyGithub and real Redis.

Asserts what a maintainer would see (one comment, one check run, the size label) and what the
installation pays (REST calls per scenario, from the fake's call log).
"""

from __future__ import annotations

import pytest

from bot.cache import Memory, RedisTokenCache
from bot.github import App, TransientGitHubError
from bot.jobs import ConfigChangedJob, ReviewJob
from bot.render.output import MARKER
from bot.service import Service

REPO = "acme/mlkit"
SPDX = "# SPDX-License-Identifier: Apache-2.0\nimport torch\n"


def _patch(n: int, prefix: str = "x") -> str:
    return "\n".join([f"@@ -0,0 +1,{n} @@"] + [f"+{prefix} = {i}" for i in range(n)])


FILES = [
    {"filename": "src/mlkit/ops/scan.py", "status": "modified", "patch": _patch(40)},
    {"filename": "docs/scan.md", "status": "added", "patch": _patch(5, "doc")},
]


@pytest.fixture
def service(fakehub, redis_client):
    from bot.store import Store

    fakehub.add_repo(
        REPO,
        {
            "src/mlkit/layers.py": SPDX,
            "src/mlkit/optim.py": SPDX,
            "src/mlkit/ops/attention.py": SPDX,
            "CONTRIBUTING.md": "# Contributing\n",
        },
    )
    app = App(fakehub.url, fakehub.app_id, fakehub.private_key_pem, RedisTokenCache(redis_client))
    return Service(app, Memory(redis_client), Store(redis_client), time_limit=60)


def job(head="b" * 40, reason="pull_request.opened", delivery="d1") -> ReviewJob:
    return ReviewJob(
        installation_id=7, delivery_id=delivery, repo=REPO, number=5, head_sha=head, reason=reason
    )


def opened(fakehub, service, files=FILES, **fields):
    pull = fakehub.add_pull(REPO, 5, files, **fields)
    service.store.note_pull_request(REPO, {k: v for k, v in pull.items() if not k.startswith("_")})
    return pull


def test_first_review_posts_one_comment_one_check_run_and_a_label(fakehub, service):
    opened(fakehub, service)
    service.handle(job())
    comments = fakehub.comments_on(REPO, 5)
    assert len(comments) == 1
    assert comments[0]["body"].startswith(MARKER)
    assert "tests/ops/test_scan.py" in comments[0]["body"]
    runs = fakehub.runs_for(REPO, "b" * 40)
    assert [(r["name"], r["conclusion"]) for r in runs] == [("steward", "neutral")]
    assert {x["name"] for x in fakehub.pulls[(REPO, 5)]["labels"]} == {"size/M"}


def test_api_budget_first_review_redelivery_and_next_pr(fakehub, service):
    opened(fakehub, service)
    service.handle(job())
    first = list(fakehub.calls)
    # token, files, config (404), org config (404), tree, blobs for header samples,
    # comment, check run, label create, label add: the repo-level reads are cached afterwards
    assert len(first) <= 12, [(c.method, c.path) for c in first]

    fakehub.calls.clear()
    service.handle(job(delivery="d1-again"))
    assert fakehub.writes() == []  # a redelivery with nothing changed writes nothing

    # a second pull request in the same repository: repo context and token are cached
    fakehub.calls.clear()
    pull = fakehub.add_pull(REPO, 6, FILES, head_sha="c" * 40)
    service.store.note_pull_request(REPO, {k: v for k, v in pull.items() if not k.startswith("_")})
    service.handle(
        ReviewJob(
            installation_id=7, delivery_id="d2", repo=REPO, number=6, head_sha="c" * 40,
            reason="pull_request.opened",
        )
    )  # fmt: skip
    calls = [(c.method, c.path) for c in fakehub.calls]
    assert len(calls) <= 6, calls  # files, config (revalidated), comment, check run, label


def test_new_push_edits_the_same_comment(fakehub, service):
    opened(fakehub, service)
    service.handle(job())
    fakehub.push(
        REPO, 5, "c" * 40, [*FILES, {"filename": "tests/ops/test_scan.py", "patch": _patch(8)}]
    )
    pull = fakehub.pulls[(REPO, 5)]
    pull["updated_at"] = "2026-11-21T10:00:00Z"
    service.store.note_pull_request(REPO, {k: v for k, v in pull.items() if not k.startswith("_")})
    service.handle(job(head="c" * 40, reason="pull_request.synchronize", delivery="d2"))
    comments = fakehub.comments_on(REPO, 5)
    assert len(comments) == 1
    assert "tests/ops/test_scan.py" not in comments[0]["body"]
    assert [r["conclusion"] for r in fakehub.runs_for(REPO, "c" * 40)] == ["success"]


def test_stale_job_for_an_old_head_writes_nothing(fakehub, service):
    opened(fakehub, service, head_sha="c" * 40)
    service.handle(job(head="b" * 40, reason="pull_request.synchronize"))
    assert fakehub.writes() == []


def test_comment_create_that_fails_after_being_applied_is_not_repeated(fakehub, service):
    opened(fakehub, service)
    fakehub.fail("POST", r"/issues/5/comments$", 502, applied=True, message="Bad Gateway")
    with pytest.raises(TransientGitHubError):
        service.handle(job())
    service.handle(job())  # the task's retry
    assert len(fakehub.comments_on(REPO, 5)) == 1


def test_invalid_config_becomes_a_neutral_check_run_for_maintainers(fakehub, service):
    fakehub.repos[REPO]["files"][".github/steward.yml"] = "rules:\n  tests:\n    severity: loud\n"
    opened(fakehub, service)
    service.handle(job())
    runs = fakehub.runs_for(REPO, "b" * 40)
    assert runs[0]["conclusion"] == "neutral"
    assert ".github/steward.yml:3:5" in runs[0]["output"]["summary"]
    assert fakehub.comments_on(REPO, 5) == []


def test_config_change_is_picked_up_after_the_push_event(fakehub, service):
    opened(fakehub, service)
    service.handle(job())
    fakehub.repos[REPO]["files"][".github/steward.yml"] = "rules:\n  tests: false\n"
    service.handle(ConfigChangedJob(installation_id=7, delivery_id="p1", repo=REPO))
    service.handle(job(reason="check_run.rerequested", delivery="d3"))
    body = fakehub.comments_on(REPO, 5)[0]["body"]
    assert "tests/ops/test_scan.py" not in body


def test_many_annotations_go_in_batches_of_50(fakehub, service):
    files = [
        {"filename": f"src/mlkit/ops/op_{i}.py", "status": "added", "patch": _patch(12)}
        for i in range(120)
    ]
    fakehub.repos[REPO]["files"][".github/steward.yml"] = (
        "rules:\n  license-header:\n    spdx: MIT\n"
    )
    opened(fakehub, service, files=files, body="Adds ops. Refs #3")
    service.handle(job())
    run = fakehub.runs_for(REPO, "b" * 40)[0]
    assert len(run["_annotations"]) == 100  # capped; 50 with the create, 50 in one PATCH
    patches = [c for c in fakehub.calls if c.method == "PATCH" and "/check-runs/" in c.path]
    assert len(patches) == 1


def test_sustained_5xx_gives_up_with_a_neutral_check_run(fakehub, service):
    opened(fakehub, service)
    fakehub.fail("GET", r"/pulls/5/files", 503, times=100)
    with pytest.raises(TransientGitHubError):
        service.handle(job())
    service.give_up(job(), "GitHub answered 503 five times")
    run = fakehub.runs_for(REPO, "b" * 40)[0]
    assert run["conclusion"] == "neutral"
    assert "could not finish" in run["output"]["title"]


def test_one_review_per_pull_request_at_a_time_and_bursts_collapse(fakehub, service):
    opened(fakehub, service)
    key = f"{REPO}#5"
    with service.memory.pr_lock(key, 30) as got:
        assert got
        service.handle(job(delivery="while-locked"))  # another worker is reviewing this PR
        assert fakehub.writes() == []
        assert service.memory.r.exists(f"steward:pending:{key}")
    # the next review sees the pending mark and goes again with the newest head, once
    fakehub.push(REPO, 5, "c" * 40, FILES)
    pull = fakehub.pulls[(REPO, 5)]
    pull["updated_at"] = "2026-11-22T00:00:00Z"
    service.store.note_pull_request(REPO, {k: v for k, v in pull.items() if not k.startswith("_")})
    service.memory.mark_pending(key, 60)
    service.handle(job(head="c" * 40, reason="pull_request.synchronize", delivery="after"))
    assert len(fakehub.comments_on(REPO, 5)) == 1
    assert len(fakehub.runs_for(REPO, "c" * 40)) == 1
    assert not service.memory.r.exists(f"steward:pending:{key}")


@pytest.mark.parametrize(("config", "fetched"), [("", False), ("rules:\n  dco: true\n", True)])
def test_commits_are_fetched_only_when_a_rule_needs_them(fakehub, service, config, fetched):
    if config:
        fakehub.repos[REPO]["files"][".github/steward.yml"] = config
    pull = opened(fakehub, service)
    fakehub.pulls[(REPO, 5)]["_commits"] = [
        {
            "sha": "c" * 40,
            "commit": {"message": "Add scan", "author": {"name": "Ada", "email": "ada@x.org"}},
            "author": {"login": "ada"},
        }
    ]
    assert pull["number"] == 5
    service.handle(job())
    assert any(c.path.endswith("/commits") for c in fakehub.calls) is fetched
    body = fakehub.comments_on(REPO, 5)[0]["body"]
    assert ("not signed off" in body) is fetched


def test_draft_gets_the_check_run_only_then_the_comment_when_ready(fakehub, service):
    opened(fakehub, service, draft=True)
    service.handle(job())
    assert fakehub.runs_for(REPO, "b" * 40) and fakehub.comments_on(REPO, 5) == []
    pull = fakehub.pulls[(REPO, 5)]
    pull.update(draft=False, updated_at="2026-11-21T00:00:00Z")
    service.store.note_pull_request(REPO, {k: v for k, v in pull.items() if not k.startswith("_")})
    service.handle(job(reason="pull_request.ready_for_review", delivery="ready"))
    assert len(fakehub.comments_on(REPO, 5)) == 1
