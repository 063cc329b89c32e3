"""Signed webhook in -> real broker -> real Celery worker -> fake GitHub: one comment, one run.

Marked slow; CI runs it too.
"""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from fastapi.testclient import TestClient

from bot.cache import Memory, RedisTokenCache
from bot.github import App
from bot.service import Service
from bot.settings import Settings
from bot.store import Store
from bot.tasks import CeleryQueue, make_celery
from bot.web import create_app
from tests.test_web import SECRET, load, post

pytestmark = pytest.mark.slow
DB = 10


@pytest.fixture
def stack(fake_github, redis_server):
    url = f"{redis_server}/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    settings = Settings(
        app_id=fake_github.app_id,
        private_key=fake_github.private_key_pem,
        webhook_secret=SECRET,
        github_api_url=fake_github.url,
        broker_url=url,
        task_time_limit=60,
        max_attempts=2,
        queue=f"steward-test-{uuid.uuid4().hex[:8]}",  # no message can leak between tests
    )

    def service_factory(s: Settings) -> Service:
        app = App(s.api_url, s.app_id, s.private_key_pem(), RedisTokenCache(client))
        return Service(app, Memory(client), Store(client), time_limit=s.task_time_limit)

    celery_app = make_celery(settings, service_factory)
    web = TestClient(create_app(settings, CeleryQueue(celery_app), Store(client)))
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[settings.queue]):
        yield web, client
    client.flushdb()
    client.close()


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def _seed(fake, payload, files=None, repo_files=None):
    """The payload's repository (its default branch, installed as the payload's installation)
    and pull request, at the payload's head sha."""
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    head = payload["pull_request"]["head"]["sha"]
    fake.add_repo(
        repo,
        repo_files if repo_files is not None else {},
        payload["repository"]["default_branch"],
        installation_id=payload["installation"]["id"],
    )
    files = files or [{"filename": "src/a.py", "patch": "@@ -0,0 +1 @@\n+x = 1"}]
    fake.add_pull(
        repo, number, files, head_sha=head, base_ref=payload["pull_request"]["base"]["ref"]
    )
    return repo, number, head


def test_webhook_to_comment_check_run_and_label_then_redelivery_and_push(stack, fake_github):
    web, _ = stack
    payload = load("pull_request.opened")
    patch = "@@ -0,0 +1,30 @@\n" + "\n".join(f"+x{i} = {i}" for i in range(30))
    repo, number, head = _seed(
        fake_github,
        payload,
        [{"filename": "src/app/core.py", "patch": patch}],
        {"README.md": "hello\n"},
    )

    assert post(web, "pull_request", payload, delivery="e2e-1").status_code == 202
    wait_for(lambda: fake_github.check_runs(repo, head) and fake_github.comments(repo, number))
    wait_for(lambda: any(x.startswith("size/") for x in fake_github.labels_on(repo, number)))
    [comment] = fake_github.comments(repo, number)
    assert "tests/test_core.py" in comment["body"]

    # a redelivery of the same delivery id: acknowledged, nothing written
    writes = len(fake_github.writes())
    assert post(web, "pull_request", payload, delivery="e2e-1").json() == {"duplicate": True}
    time.sleep(0.5)
    assert len(fake_github.writes()) == writes

    # a new push with a test: the same comment is edited
    fake_github.push(
        repo,
        number,
        [{"filename": "src/app/core.py", "patch": patch},
         {"filename": "tests/test_core.py", "patch": patch}],
        "f" * 40,
    )  # fmt: skip
    sync = load("pull_request.synchronize")
    sync["repository"] = payload["repository"]
    sync["installation"] = payload["installation"]
    sync["pull_request"] = fake_github.pull_json(repo, number)
    assert post(web, "pull_request", sync).status_code == 202
    wait_for(lambda: fake_github.check_runs(repo, "f" * 40))
    wait_for(lambda: "test_core.py" not in fake_github.comments(repo, number)[0]["body"])
    assert len(fake_github.comments(repo, number)) == 1


def test_the_same_delivery_posted_20_times_concurrently_reviews_once(stack, fake_github):
    from concurrent.futures import ThreadPoolExecutor

    web, _ = stack
    payload = load("pull_request.opened")
    repo, number, head = _seed(fake_github, payload)
    with ThreadPoolExecutor(20) as pool:
        codes = list(
            pool.map(
                lambda _: post(web, "pull_request", payload, delivery="same").status_code, range(20)
            )
        )
    assert sorted(codes).count(202) == 1 and codes.count(200) == 19
    wait_for(lambda: fake_github.comments(repo, number))
    time.sleep(0.5)
    assert len(fake_github.comments(repo, number)) == 1
    assert len(fake_github.check_runs(repo, head)) == 1


def test_secondary_rate_limit_is_waited_out_then_the_review_lands(stack, fake_github):
    web, _ = stack
    payload = load("pull_request.opened")
    repo, number, head = _seed(fake_github, payload)
    fake_github.rate_limit_secondary("POST", r"/check-runs$", retry_after=1)
    assert post(web, "pull_request", payload).status_code == 202
    wait_for(lambda: fake_github.check_runs(repo, head) and fake_github.comments(repo, number))
    attempts = [c for c in fake_github.calls if c.path.endswith("/check-runs")]
    assert [c.status for c in attempts] == [403, 201]
    assert attempts[1].at - attempts[0].at >= 1.0  # it waited as GitHub asked


def test_sustained_5xx_gives_up_with_a_neutral_check_run(stack, fake_github):
    web, _ = stack
    payload = load("pull_request.opened")
    repo, number, head = _seed(fake_github, payload)
    fake_github.fail("GET", r"/pulls/\d+/files", 502, times=100, message="Bad Gateway")
    assert post(web, "pull_request", payload).status_code == 202
    wait_for(lambda: fake_github.check_runs(repo, head), timeout=30)
    [run] = fake_github.check_runs(repo, head)
    assert run["conclusion"] == "neutral"
    assert "502" in run["output"]["summary"] and "Re-run" in run["output"]["summary"]
    files_calls = [c for c in fake_github.calls if c.path.endswith("/files")]
    assert len(files_calls) == 2  # bounded: max_attempts
    assert fake_github.comments(repo, number) == []
