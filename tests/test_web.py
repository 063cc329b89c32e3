"""The webhook receiver with real Redis and a real Celery broker (a Redis list).

Every assertion about the queue reads the broker itself: what a worker would receive.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

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


def all_examples() -> list[tuple[str, dict]]:
    with gzip.open(FIXTURES / "index.json.gz", "rt") as f:
        index = json.load(f)
    return [(event["name"], example) for event in index for example in event["examples"]]


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
        body = json.loads(base64.b64decode(message["body"]))
        out.append(body[0][0])
    return out


def test_signed_pull_request_is_queued_with_ids_only(client, broker):
    payload = load("pull_request.opened")
    r = post(client, "pull_request", payload)
    assert r.status_code == 202 and r.json() == {"queued": 1}
    [job] = queued(broker[1])
    assert job == {
        "kind": "review",
        "installation_id": payload["installation"]["id"],
        "delivery_id": job["delivery_id"],
        "repo": payload["repository"]["full_name"],
        "number": payload["pull_request"]["number"],
        "head_sha": payload["pull_request"]["head"]["sha"],
        "reason": "pull_request.opened",
    }
    facts = Store(broker[1]).pull_request_facts(job["repo"], job["number"])
    assert facts["head_sha"] == job["head_sha"]


@pytest.mark.parametrize(
    ("signature", "status"),
    [("", 401), ("sha256=" + "0" * 64, 401), ("sha1=abc", 401), (sign(b"other"), 401)],
    ids=["missing", "wrong", "sha1", "other-body"],
)
def test_bad_signature_is_refused_and_nothing_is_queued(client, broker, signature, status):
    r = post(client, "pull_request", load("pull_request.opened"), signature=signature)
    assert r.status_code == status
    assert queued(broker[1]) == []


def test_bad_requests(client, broker):
    body = json.dumps(load("pull_request.opened")).encode()
    assert (
        post(client, "pull_request", body, ctype="application/x-www-form-urlencoded").status_code
        == 415
    )
    assert post(client, "pull_request", b"{not json").status_code == 400
    assert post(client, "pull_request", b"[1, 2]").status_code == 400
    r = client.post(
        "/webhooks/github",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
    )
    assert r.status_code == 400
    assert queued(broker[1]) == []


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


def test_duplicate_delivery_is_acknowledged_once(client, broker):
    payload = load("pull_request.synchronize")
    assert post(client, "pull_request", payload, delivery="same").status_code == 202
    again = post(client, "pull_request", payload, delivery="same")
    assert again.status_code == 200 and again.json() == {"duplicate": True}
    assert len(queued(broker[1])) == 1


def test_ping_and_ignored_events(client, broker):
    assert post(client, "ping", load("ping")).json()["ok"] is True
    r = post(client, "star", {"action": "created", "installation": {"id": 1}})
    assert r.status_code == 202 and r.json()["ignored"] == "ignored"
    assert queued(broker[1]) == []


def test_broker_down_answers_503_and_forgets_the_delivery(broker, redis_server):
    down = make_client("redis://127.0.0.1:1/0", broker[1])
    payload = load("pull_request.opened")
    assert post(down, "pull_request", payload, delivery="d-503").status_code == 503
    up = make_client(broker[0], broker[1])
    assert post(up, "pull_request", payload, delivery="d-503").status_code == 202


def test_out_of_order_deliveries_keep_the_newer_head(client, broker):
    new = load("pull_request.synchronize")
    old = json.loads(json.dumps(new))
    new["pull_request"]["head"]["sha"] = "new" + "0" * 37
    new["pull_request"]["updated_at"] = "2030-01-02T00:00:00Z"
    old["pull_request"]["head"]["sha"] = "old" + "0" * 37
    old["pull_request"]["updated_at"] = "2030-01-01T00:00:00Z"
    post(client, "pull_request", new)
    post(client, "pull_request", old)
    repo, n = new["repository"]["full_name"], new["pull_request"]["number"]
    assert Store(broker[1]).latest_head(repo, n) == new["pull_request"]["head"]["sha"]


def test_health_and_readiness(client, broker):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json() == {"ok": True}
    down = make_client("redis://127.0.0.1:1/0", broker[1])
    r = down.get("/readyz")
    assert r.status_code == 503 and r.json()["down"] == ["broker"]


@pytest.mark.parametrize(
    ("event", "payload"), all_examples(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_every_octokit_example_gets_a_2xx_or_a_deliberate_4xx(client, event, payload):
    r = post(client, event, payload)
    assert r.status_code in (200, 202), (event, payload.get("action"), r.status_code, r.text)
