"""Signed webhook in -> real broker -> real Celery worker -> fake GitHub: one comment, one run.

Marked slow; CI runs it too.
"""

from __future__ import annotations

import json
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
from tests.test_web import SECRET, load, sign

pytestmark = pytest.mark.slow
DB = 10


@pytest.fixture
def stack(fakehub, redis_server):
    url = f"{redis_server}/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    settings = Settings(
        app_id=fakehub.app_id,
        private_key=fakehub.private_key_pem,
        webhook_secret=SECRET,
        github_api_url=fakehub.url,
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


def deliver(web, event: str, payload: dict, delivery: str | None = None):
    body = json.dumps(payload).encode()
    return web.post(
        "/webhooks/github",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(body),
        },
    )


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the worker")


def test_webhook_to_comment_check_run_and_label_then_redelivery_and_push(stack, fakehub):
    web, _ = stack
    payload = load("pull_request.opened")
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    head = payload["pull_request"]["head"]["sha"]
    fakehub.add_repo(repo, {"README.md": "hello\n"})
    patch = "@@ -0,0 +1,30 @@\n" + "\n".join(f"+x{i} = {i}" for i in range(30))
    fakehub.add_pull(repo, number, [{"filename": "src/app/core.py", "patch": patch}], head_sha=head)

    assert deliver(web, "pull_request", payload, "e2e-1").status_code == 202
    wait_for(lambda: fakehub.runs_for(repo, head) and fakehub.comments_on(repo, number))
    wait_for(
        lambda: any(x["name"].startswith("size/") for x in fakehub.pulls[(repo, number)]["labels"])
    )
    [comment] = fakehub.comments_on(repo, number)
    assert "tests/test_core.py" in comment["body"]

    # a redelivery of the same delivery id: acknowledged, nothing written
    writes = len(fakehub.writes())
    assert deliver(web, "pull_request", payload, "e2e-1").json() == {"duplicate": True}
    time.sleep(0.5)
    assert len(fakehub.writes()) == writes

    # a new push with a test: the same comment is edited
    sync = load("pull_request.synchronize")
    sync["repository"] = payload["repository"]
    sync["pull_request"]["number"] = number
    sync["pull_request"]["head"]["sha"] = "f" * 40
    sync["pull_request"]["updated_at"] = "2031-01-01T00:00:00Z"
    fakehub.push(
        repo,
        number,
        "f" * 40,
        [{"filename": "src/app/core.py", "patch": patch},
         {"filename": "tests/test_core.py", "patch": patch}],
    )  # fmt: skip
    assert deliver(web, "pull_request", sync).status_code == 202
    wait_for(lambda: fakehub.runs_for(repo, "f" * 40))
    wait_for(lambda: "test_core.py" not in fakehub.comments_on(repo, number)[0]["body"])
    assert len(fakehub.comments_on(repo, number)) == 1


def test_the_same_delivery_posted_20_times_concurrently_reviews_once(stack, fakehub):
    from concurrent.futures import ThreadPoolExecutor

    web, _ = stack
    payload = load("pull_request.opened")
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    head = payload["pull_request"]["head"]["sha"]
    fakehub.add_repo(repo, {})
    fakehub.add_pull(
        repo, number, [{"filename": "src/a.py", "patch": "@@ -0,0 +1 @@\n+x = 1"}], head_sha=head
    )
    with ThreadPoolExecutor(20) as pool:
        codes = list(
            pool.map(lambda _: deliver(web, "pull_request", payload, "same").status_code, range(20))
        )
    assert sorted(codes).count(202) == 1 and codes.count(200) == 19
    wait_for(lambda: fakehub.comments_on(repo, number))
    time.sleep(0.5)
    assert len(fakehub.comments_on(repo, number)) == 1
    assert len(fakehub.runs_for(repo, head)) == 1


def _seed(fakehub, payload):
    repo = payload["repository"]["full_name"]
    number = payload["pull_request"]["number"]
    head = payload["pull_request"]["head"]["sha"]
    fakehub.add_repo(repo, {})
    fakehub.add_pull(
        repo, number, [{"filename": "src/a.py", "patch": "@@ -0,0 +1 @@\n+x = 1"}], head_sha=head
    )
    return repo, number, head


def test_secondary_rate_limit_is_waited_out_then_the_review_lands(stack, fakehub):
    web, _ = stack
    payload = load("pull_request.opened")
    repo, number, head = _seed(fakehub, payload)
    fakehub.fail(
        "POST",
        r"/check-runs$",
        403,
        headers={"Retry-After": "1"},
        message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    )
    assert deliver(web, "pull_request", payload).status_code == 202
    wait_for(lambda: fakehub.runs_for(repo, head) and fakehub.comments_on(repo, number))
    attempts = [c for c in fakehub.calls if c.path.endswith("/check-runs")]
    assert [c.status for c in attempts] == [403, 201]
    assert attempts[1].at - attempts[0].at >= 1.0  # it waited as GitHub asked


def test_sustained_5xx_gives_up_with_a_neutral_check_run(stack, fakehub):
    web, _ = stack
    payload = load("pull_request.opened")
    repo, number, head = _seed(fakehub, payload)
    fakehub.fail("GET", r"/pulls/\d+/files", 502, times=100, message="Bad Gateway")
    assert deliver(web, "pull_request", payload).status_code == 202
    wait_for(lambda: fakehub.runs_for(repo, head), timeout=30)
    [run] = fakehub.runs_for(repo, head)
    assert run["conclusion"] == "neutral"
    assert "502" in run["output"]["summary"] and "Re-run" in run["output"]["summary"]
    files_calls = [c for c in fakehub.calls if c.path.endswith("/files")]
    assert len(files_calls) == 2  # bounded: max_attempts
    assert fakehub.comments_on(repo, number) == []
