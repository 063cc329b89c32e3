"""The webhook receiver with real Redis and a real Celery broker (a Redis list).

Every assertion about the queue reads the broker itself: what a worker would receive.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import hmac
import json
import logging
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from bot.events import Delivery, route
from bot.settings import Settings
from bot.store import Store
from bot.tasks import CeleryQueue, make_celery
from bot.web import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
SECRET = "It's a Secret to Everybody"
DB = 11


def load(name: str) -> dict:
    """A real example payload, as a GitHub App receives it (with an installation)."""
    payload = json.loads((FIXTURES / f"{name}.json").read_text())
    payload.setdefault("installation", {"id": 42})
    return payload


@functools.cache
def _index() -> str:
    with gzip.open(FIXTURES / "index.json.gz", "rt") as f:
        return f.read()


def all_examples() -> list[tuple[str, dict]]:
    """Every example payload of @octokit/webhooks-examples, as (event, payload)."""
    index = json.loads(_index())
    return [(event["name"], example) for event in index for example in event["examples"]]


def example(event: str, action: str | None, installed: bool = True) -> dict:
    """The first example of `event`/`action` in the index (one with an installation)."""
    for name, payload in all_examples():
        wanted = name == event and payload.get("action") == action
        if wanted and (payload.get("installation") or not installed):
            return payload
    raise LookupError(f"no example {event}.{action}")


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def broker(redis_server):
    url = f"{redis_server}/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


def make_client(broker_url: str, store_client, **overrides):
    settings = Settings(
        app_id=1, private_key="unused", webhook_secret=SECRET, broker_url=broker_url, **overrides
    )
    queue = CeleryQueue(make_celery(settings))
    return TestClient(create_app(settings, queue, Store(store_client)))


@pytest.fixture
def client(broker):
    url, store_client = broker
    return make_client(url, store_client)


def post(client, event: str, payload, *, delivery=None, signature=None, ctype="application/json"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Content-Type": ctype,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body) if signature is None else signature,
    }
    return client.post(
        "/webhooks/github", content=body, headers={k: v for k, v in headers.items() if v}
    )


def queued(store_client) -> list[dict]:
    """The job messages waiting on the broker's `steward` queue, oldest first."""
    out = []
    for raw in reversed(store_client.lrange("steward", 0, -1)):
        message = json.loads(raw)
        assert message["headers"]["task"] == "steward.handle"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        out.append(args[0])
    return out


def test_signed_pull_request_is_queued_with_ids_only(client, broker):
    payload = load("pull_request.opened")
    r = post(client, "pull_request", payload, delivery="d-1")
    assert r.status_code == 202 and r.json() == {"queued": 1}
    assert queued(broker[1]) == [
        {
            "kind": "review",
            "installation_id": payload["installation"]["id"],
            "delivery_id": "d-1",
            "repo": payload["repository"]["full_name"],
            "number": payload["pull_request"]["number"],
            "head_sha": payload["pull_request"]["head"]["sha"],
            "reason": "pull_request.opened",
        }
    ]
    facts = Store(broker[1]).pull_request_facts(
        payload["repository"]["full_name"], payload["pull_request"]["number"]
    )
    assert facts["head_sha"] == payload["pull_request"]["head"]["sha"]
    assert facts["title"] == payload["pull_request"]["title"]


def test_content_type_may_carry_a_charset(client, broker):
    r = post(
        client, "pull_request", load("pull_request.opened"), ctype="application/json; charset=utf-8"
    )
    assert r.status_code == 202 and len(queued(broker[1])) == 1


BODY = json.dumps(load("pull_request.opened")).encode()
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (BODY, {"X-Hub-Signature-256": ""}, 401),
        (BODY, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, 401),
        (BODY, {"X-Hub-Signature-256": "sha1=" + "0" * 40}, 401),
        (BODY, {"X-Hub-Signature-256": sign(b"another body")}, 401),
        (BODY, {"X-Hub-Signature-256": sign(BODY, "another secret")}, 401),
        (BODY, {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (BODY, {"Content-Type": ""}, 415),
        (BODY, {"X-GitHub-Event": ""}, 400),
        (BODY, {"X-GitHub-Delivery": ""}, 400),
        (b"{not json", {}, 400),
        (b"\xff\xfe", {}, 400),
        (b"[1, 2]", {}, 400),
        (b"", {}, 400),
        (DEEP, {}, 400),
    ],
    ids=[
        "no-signature", "wrong-signature", "sha1", "other-body", "other-secret",
        "form-encoded", "no-content-type", "no-event", "no-delivery",
        "bad-json", "not-utf8", "not-an-object", "empty", "too-deep",
    ],
)  # fmt: skip
def test_refused_requests_queue_nothing(client, broker, body, headers, status):
    base = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "d-refused",
        "X-Hub-Signature-256": sign(body),
    }
    merged = {k: v for k, v in {**base, **headers}.items() if v}
    r = client.post("/webhooks/github", content=body, headers=merged)
    assert r.status_code == status, r.text
    assert r.json()["error"]
    assert queued(broker[1]) == []
    assert not broker[1].exists("steward:delivery:d-refused")


def test_payload_over_the_limit_is_413(broker):
    small = make_client(broker[0], broker[1], max_body_bytes=1000)
    body = json.dumps({"pad": "x" * 2000}).encode()
    assert post(small, "pull_request", body).status_code == 413

    def chunks():  # no Content-Length: the bound applies while reading
        yield body[:800]
        yield body[800:]

    r = small.post(
        "/webhooks/github",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-GitHub-Event": "push",
                 "X-GitHub-Delivery": "x", "X-Hub-Signature-256": sign(body)},
    )  # fmt: skip
    assert r.status_code == 413
    assert post(small, "pull_request", body[:990]).status_code != 413
    assert queued(broker[1]) == []


def test_duplicate_delivery_is_acknowledged_once(client, broker):
    payload = load("pull_request.synchronize")
    assert post(client, "pull_request", payload, delivery="same").status_code == 202
    again = post(client, "pull_request", payload, delivery="same")
    assert again.status_code == 200 and again.json() == {"duplicate": True}
    assert len(queued(broker[1])) == 1
    ttl = broker[1].ttl("steward:delivery:same")
    assert 3 * 24 * 3600 - 60 < ttl <= 3 * 24 * 3600


def test_ping_and_ignored_events(client, broker):
    r = post(client, "ping", load("ping"))
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["zen"]
    r = post(client, "star", {"action": "created", "installation": {"id": 1}})
    assert r.status_code == 202 and r.json() == {"ignored": "ignored"}
    r = post(client, "pull_request", load("pull_request.labeled"))  # a label the bot ignores
    assert r.status_code == 202 and r.json() == {"ignored": "ignored: nothing to do"}
    assert queued(broker[1]) == []


def test_ignored_pull_request_events_still_update_the_facts(client, broker):
    opened = load("pull_request.opened")
    closed = json.loads(json.dumps(opened))
    closed["action"] = "closed"
    closed["pull_request"]["state"] = "closed"
    closed["pull_request"]["updated_at"] = "2031-01-01T00:00:00Z"
    assert post(client, "pull_request", opened).status_code == 202
    r = post(client, "pull_request", closed)
    assert r.status_code == 202 and "ignored" in r.json()
    facts = Store(broker[1]).pull_request_facts(
        opened["repository"]["full_name"], opened["pull_request"]["number"]
    )
    assert facts["state"] == "closed"
    assert len(queued(broker[1])) == 1


@pytest.mark.parametrize("down", ["broker", "redis"])
def test_outage_answers_503_and_a_redelivery_is_accepted_later(broker, down):
    dead = "redis://127.0.0.1:1/0"
    if down == "broker":
        broken = make_client(dead, broker[1])
    else:
        broken = make_client(broker[0], redis.Redis.from_url(dead))
    payload = load("pull_request.opened")
    r = post(broken, "pull_request", payload, delivery="d-503")
    assert r.status_code == 503 and "redeliver" in r.json()["error"]
    assert queued(broker[1]) == []
    assert not broker[1].exists("steward:delivery:d-503")
    up = make_client(broker[0], broker[1])
    assert post(up, "pull_request", payload, delivery="d-503").status_code == 202
    assert len(queued(broker[1])) == 1


def test_out_of_order_deliveries_keep_the_newer_head(client, broker):
    new = load("pull_request.synchronize")
    old = json.loads(json.dumps(new))
    new["pull_request"]["head"]["sha"] = "new" + "0" * 37
    new["pull_request"]["updated_at"] = "2030-01-02T00:00:00Z"
    old["pull_request"]["head"]["sha"] = "old" + "0" * 37
    old["pull_request"]["updated_at"] = "2030-01-01T00:00:00Z"
    assert post(client, "pull_request", new).status_code == 202
    assert post(client, "pull_request", old).status_code == 202  # queued; the worker drops it
    repo, n = new["repository"]["full_name"], new["pull_request"]["number"]
    assert Store(broker[1]).latest_head(repo, n) == new["pull_request"]["head"]["sha"]


def test_health_and_readiness(client, broker):
    assert client.get("/healthz").json() == {"ok": True}
    assert client.get("/readyz").json() == {"ok": True}
    dead = "redis://127.0.0.1:1/0"
    r = make_client(dead, broker[1]).get("/readyz")
    assert r.status_code == 503 and r.json()["down"] == ["broker"]
    r = make_client(broker[0], redis.Redis.from_url(dead)).get("/readyz")
    assert r.status_code == 503 and r.json()["down"] == ["redis"]
    r = make_client(dead, redis.Redis.from_url(dead)).get("/readyz")
    assert r.status_code == 503 and r.json()["down"] == ["redis", "broker"]
    assert make_client(dead, redis.Redis.from_url(dead)).get("/healthz").status_code == 200


def test_one_log_line_per_delivery_without_secret_or_body(client, caplog):
    payload = load("pull_request.opened")
    with caplog.at_level(logging.INFO, logger="steward.web"):
        post(client, "pull_request", payload, delivery="d-log")
        post(client, "pull_request", payload, delivery="d-bad", signature="sha256=00")
    first, second = (r.getMessage() for r in caplog.records)
    repo = payload["repository"]["full_name"]
    assert "delivery=d-log event=pull_request action=opened" in first
    assert f'repo={repo} status=202 outcome="queued 1"' in first
    assert "delivery=d-bad" in second and "status=401" in second
    for line in (first, second):
        assert SECRET not in line and payload["pull_request"]["title"] not in line


@pytest.mark.parametrize(
    ("event", "payload"), all_examples(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_every_octokit_example_gets_a_2xx_or_a_deliberate_4xx(client, event, payload):
    r = post(client, event, payload)
    assert r.status_code in (200, 202), (event, payload.get("action"), r.status_code, r.text)


def test_every_octokit_example_queues_exactly_what_the_table_routes(client, broker):
    expected = []
    for event, payload in all_examples():
        delivery = str(uuid.uuid4())
        assert post(client, event, payload, delivery=delivery).status_code in (200, 202)
        routed = route(Delivery(event, payload.get("action"), delivery, payload, 1))
        expected += [json.loads(json.dumps(job.as_message())) for job in routed.jobs]
    got = queued(broker[1])
    assert got == expected
    assert {job["kind"] for job in got} >= {"review", "installation"}
