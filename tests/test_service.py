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
from bot.service import LOOK_AGAIN, Service
from bot.tasks import LookAgain

REPO = "acme/mlkit"
SPDX = "# SPDX-License-Identifier: Apache-2.0\nimport torch\n"


def _patch(n: int, prefix: str = "x") -> str:
    return "\n".join([f"@@ -0,0 +1,{n} @@"] + [f"+{prefix} = {i}" for i in range(n)])


FILES = [
    {"filename": "src/mlkit/ops/scan.py", "status": "modified", "patch": _patch(40)},
    {"filename": "docs/scan.md", "status": "added", "patch": _patch(5, "doc")},
]


INSTALLATION = 7


@pytest.fixture
def service(fake_github, redis_client):
    from bot.store import Store

    fake_github.add_repo(
        REPO,
        {
            "src/mlkit/layers.py": SPDX,
            "src/mlkit/optim.py": SPDX,
            "src/mlkit/ops/attention.py": SPDX,
            "CONTRIBUTING.md": "# Contributing\n",
        },
        installation_id=INSTALLATION,
    )
    app = App(
        fake_github.url,
        fake_github.app_id,
        fake_github.private_key_pem,
        RedisTokenCache(redis_client),
    )
    return Service(app, Memory(redis_client), Store(redis_client), time_limit=60)


def job(head="b" * 40, reason="pull_request.opened", delivery="d1", number=5) -> ReviewJob:
    return ReviewJob(
        installation_id=INSTALLATION, delivery_id=delivery, repo=REPO, number=number,
        head_sha=head, reason=reason,
    )  # fmt: skip


def noted(fake, service, number: int = 5) -> None:
    """The webhook's facts of the pull request as it is now, as the web process stores them."""
    service.store.note_pull_request(REPO, fake.pull_json(REPO, number))


def opened(fake, service, files=FILES, number=5, head_sha="b" * 40, **fields):
    """Pull request `number` opened (and its webhook noted) with the old fixture's defaults."""
    fields = {"title": "Add a feature", "body": "Adds a feature. Refs #1"} | fields
    pull = fake.add_pull(REPO, number, files, head_sha=head_sha, **fields)
    noted(fake, service, number)
    return pull


def label_names(fake, number: int = 5) -> set[str]:
    return set(fake.labels_on(REPO, number))


def test_first_review_posts_one_comment_one_check_run_and_a_label(fake_github, service):
    opened(fake_github, service)
    service.handle(job())
    comments = fake_github.comments(REPO, 5)
    assert len(comments) == 1
    assert comments[0]["body"].startswith(MARKER)
    assert "tests/ops/test_scan.py" in comments[0]["body"]
    runs = fake_github.check_runs(REPO, "b" * 40)
    assert [(r["name"], r["conclusion"]) for r in runs] == [("steward", "neutral")]
    assert label_names(fake_github) == {"size/M"}


def test_api_budget_first_review_redelivery_and_next_pr(fake_github, service):
    opened(fake_github, service)
    service.handle(job())
    first = list(fake_github.calls)
    # token, files, config (404), org config (404), tree, blobs for header samples,
    # comment, check run, label create, label add: the repo-level reads are cached afterwards
    assert len(first) <= 12, [(c.method, c.path) for c in first]

    fake_github.calls.clear()
    service.handle(job(delivery="d1-again"))
    assert fake_github.writes() == []  # a redelivery with nothing changed writes nothing

    # a second pull request in the same repository: repo context and token are cached
    fake_github.calls.clear()
    opened(fake_github, service, number=6, head_sha="c" * 40)
    service.handle(job(head="c" * 40, delivery="d2", number=6))
    calls = [(c.method, c.path) for c in fake_github.calls]
    assert len(calls) <= 6, calls  # files, config (revalidated), comment, check run, label


def test_new_push_edits_the_same_comment(fake_github, service):
    opened(fake_github, service)
    service.handle(job())
    fake_github.push(
        REPO, 5, [*FILES, {"filename": "tests/ops/test_scan.py", "patch": _patch(8)}], "c" * 40
    )
    noted(fake_github, service)  # the push moved updated_at on
    service.handle(job(head="c" * 40, reason="pull_request.synchronize", delivery="d2"))
    comments = fake_github.comments(REPO, 5)
    assert len(comments) == 1
    assert "tests/ops/test_scan.py" not in comments[0]["body"]
    assert [r["conclusion"] for r in fake_github.check_runs(REPO, "c" * 40)] == ["success"]


def test_stale_job_for_an_old_head_writes_nothing(fake_github, service):
    opened(fake_github, service, head_sha="c" * 40)
    service.handle(job(head="b" * 40, reason="pull_request.synchronize"))
    assert fake_github.writes() == []


def test_comment_create_that_fails_after_being_applied_is_not_repeated(fake_github, service):
    opened(fake_github, service)
    fake_github.fail("POST", r"/issues/5/comments$", 502, applied=True, message="Bad Gateway")
    with pytest.raises(TransientGitHubError):
        service.handle(job())
    service.handle(job())  # the task's retry
    assert len(fake_github.comments(REPO, 5)) == 1


def test_invalid_config_becomes_a_neutral_check_run_for_maintainers(fake_github, service):
    fake_github.write_files(REPO, {".github/steward.yml": "rules:\n  tests:\n    severity: loud\n"})
    opened(fake_github, service)
    service.handle(job())
    runs = fake_github.check_runs(REPO, "b" * 40)
    assert runs[0]["conclusion"] == "neutral"
    assert ".github/steward.yml:3:5" in runs[0]["output"]["summary"]
    assert fake_github.comments(REPO, 5) == []


def test_config_change_is_picked_up_after_the_push_event(fake_github, service):
    opened(fake_github, service)
    service.handle(job())
    assert "tests/ops/test_scan.py" in fake_github.comments(REPO, 5)[0]["body"]
    fake_github.write_files(REPO, {".github/steward.yml": "rules:\n  tests: false\n"})
    service.handle(ConfigChangedJob(installation_id=INSTALLATION, delivery_id="p1", repo=REPO))
    service.handle(job(reason="check_run.rerequested", delivery="d3"))
    body = fake_github.comments(REPO, 5)[0]["body"]
    assert "tests/ops/test_scan.py" not in body


def test_many_annotations_go_in_batches_of_50(fake_github, service):
    files = [
        {"filename": f"src/mlkit/ops/op_{i}.py", "status": "added", "patch": _patch(12)}
        for i in range(120)
    ]
    fake_github.write_files(
        REPO, {".github/steward.yml": "rules:\n  license-header:\n    spdx: MIT\n"}
    )
    opened(fake_github, service, files=files, body="Adds ops. Refs #3")
    service.handle(job())
    run = fake_github.check_runs(REPO, "b" * 40)[0]
    assert len(run["annotations"]) == 100  # capped; 50 with the create, 50 in one PATCH
    creates = [
        c for c in fake_github.calls if c.method == "POST" and c.path.endswith("/check-runs")
    ]
    patches = [c for c in fake_github.calls if c.method == "PATCH" and "/check-runs/" in c.path]
    assert len(patches) == 1
    assert [len(c.body["output"]["annotations"]) for c in creates + patches] == [50, 50]


def test_sustained_5xx_gives_up_with_a_neutral_check_run(fake_github, service):
    opened(fake_github, service)
    fake_github.fail("GET", r"/pulls/5/files", 503, times=100)
    with pytest.raises(TransientGitHubError):
        service.handle(job())
    service.give_up(job(), "GitHub answered 503 five times")
    run = fake_github.check_runs(REPO, "b" * 40)[0]
    assert run["conclusion"] == "neutral"
    assert "could not finish" in run["output"]["title"]


def test_one_review_per_pull_request_at_a_time_and_bursts_collapse(fake_github, service):
    opened(fake_github, service)
    key = f"{REPO}#5"
    with service.memory.pr_lock(key, 30) as got:
        assert got
        # another worker is reviewing this PR: leave a mark, come back once the lock expires
        with pytest.raises(LookAgain) as again:
            service.handle(job(delivery="while-locked"))
        assert fake_github.writes() == []
        assert service.memory.r.exists(f"steward:pending:{key}")
        assert 1 < again.value.retry_after <= service.time_limit + 31
        assert again.value.job.reason == LOOK_AGAIN and again.value.job.head_sha is None
    # the next review sees the pending mark and goes again with the newest head, once
    fake_github.push(REPO, 5, FILES, "c" * 40)
    noted(fake_github, service)
    service.memory.mark_pending(key, 60)
    service.handle(job(head="c" * 40, reason="pull_request.synchronize", delivery="after"))
    assert len(fake_github.comments(REPO, 5)) == 1
    assert len(fake_github.check_runs(REPO, "c" * 40)) == 1
    assert not service.memory.r.exists(f"steward:pending:{key}")


@pytest.mark.parametrize(("config", "fetched"), [("", False), ("rules:\n  dco: true\n", True)])
def test_commits_are_fetched_only_when_a_rule_needs_them(fake_github, service, config, fetched):
    if config:
        fake_github.write_files(REPO, {".github/steward.yml": config})
    commits = [{"message": "Add scan", "author": "ada"}]  # no Signed-off-by line
    opened(fake_github, service, commits=commits)
    service.handle(job())
    assert any(c.path.endswith("/commits") for c in fake_github.calls) is fetched
    body = fake_github.comments(REPO, 5)[0]["body"]
    assert ("not signed off" in body) is fetched


def test_draft_gets_the_check_run_only_then_the_comment_when_ready(fake_github, service):
    opened(fake_github, service, draft=True)
    service.handle(job())
    assert fake_github.check_runs(REPO, "b" * 40) and fake_github.comments(REPO, 5) == []
    fake_github.edit_pull(REPO, 5, draft=False)
    noted(fake_github, service)
    service.handle(job(reason="pull_request.ready_for_review", delivery="ready"))
    assert len(fake_github.comments(REPO, 5)) == 1


def test_a_job_that_found_the_lock_held_reviews_if_the_holder_died(fake_github, service):
    """The holder of the lock was SIGKILLed: its mark is never taken, so the job that comes
    back (LookAgain) reviews the newest head itself; if the holder was alive and took the mark,
    coming back costs nothing."""
    opened(fake_github, service)
    key = f"{REPO}#5"
    with service.memory.pr_lock(key, 30), pytest.raises(LookAgain) as again:
        service.handle(job(delivery="while-locked"))
    # the lock is gone (its holder died: the lock expired), the mark is still there
    fake_github.calls.clear()
    service.handle(again.value.job)
    assert len(fake_github.comments(REPO, 5)) == 1
    assert len(fake_github.check_runs(REPO, "b" * 40)) == 1
    assert not service.memory.has_pending(key)
    # holder alive: it took the mark, so a job coming back does nothing, not even a read
    service.memory.mark_pending(key, 60)
    service.memory.take_pending(key)
    fake_github.calls.clear()
    service.handle(again.value.job)
    assert fake_github.calls == []
