"""The receiver's Redis records: delivery claims and pull-request facts (real Redis)."""

from __future__ import annotations

import copy
import threading

import pytest
import redis

from bot.store import PR_TTL, Store
from tests.test_web import load

DB = 12
DAYS = 24 * 3600


@pytest.fixture
def client(redis_server):
    client = redis.Redis.from_url(f"{redis_server}/{DB}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def store(client):
    return Store(client)


def pull(head: str, updated_at: str | None, **changes) -> dict:
    """The real synchronize payload's pull request, at another head and time."""
    pr = copy.deepcopy(load("pull_request.synchronize")["pull_request"])
    pr["head"]["sha"] = head
    pr["updated_at"] = updated_at
    pr.update(changes)
    return pr


REPO = "Codertocat/Hello-World"


def test_a_delivery_is_claimed_once_until_released(store, client):
    assert store.claim_delivery("d-1", 3 * DAYS) is True
    assert store.claim_delivery("d-1", 3 * DAYS) is False
    assert 3 * DAYS - 60 < client.ttl("steward:delivery:d-1") <= 3 * DAYS
    store.release_delivery("d-1")
    assert store.claim_delivery("d-1", 3 * DAYS) is True


# (stored first, then arriving, which head wins, and whether the second was stored)
ORDER_CASES = [
    ("newer-replaces", "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", "b", True),
    ("older-is-refused", "2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z", "a", False),
    ("same-second-replaces", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "b", True),
    ("offset-form-compares-as-time", "2030-01-01T12:00:00Z", "2030-01-01T11:00:00-02:00", "b", True),
    ("missing-time-is-oldest", "2030-01-01T00:00:00Z", None, "a", False),
    ("unreadable-time-is-oldest", "2030-01-01T00:00:00Z", "yesterday", "a", False),
    ("any-time-beats-missing", None, "2001-01-01T00:00:00Z", "b", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second", "winner", "stored"),
    [c[1:] for c in ORDER_CASES],
    ids=[c[0] for c in ORDER_CASES],
)
def test_out_of_order_deliveries_never_replace_a_newer_head(store, first, second, winner, stored):
    assert store.note_pull_request(REPO, pull("a" * 40, first)) is True
    assert store.note_pull_request(REPO, pull("b" * 40, second)) is stored
    assert store.latest_head(REPO, 2) == winner * 40


def test_facts_are_the_fields_a_review_needs(store, client):
    payload = load("pull_request.synchronize")["pull_request"]
    assert store.note_pull_request(REPO, payload)
    facts = store.pull_request_facts(REPO, payload["number"])
    assert facts == {
        "number": payload["number"],
        "title": payload["title"],
        "body": payload["body"],
        "draft": bool(payload.get("draft")),
        "state": payload["state"],
        "author": payload["user"]["login"],
        "author_association": payload["author_association"],
        "labels": [label["name"] for label in payload["labels"]],
        "base_ref": payload["base"]["ref"],
        "base_sha": payload["base"]["sha"],
        "head_ref": payload["head"]["ref"],
        "head_sha": payload["head"]["sha"],
        "default_branch": payload["base"]["repo"]["default_branch"],
        "created_at": payload["created_at"],
        "updated_at": payload["updated_at"],
        "html_url": payload["html_url"],
    }
    key = f"steward:pr:{REPO}#{payload['number']}"
    assert client.keys("*") == [key.encode()]
    assert PR_TTL - 60 < client.ttl(key) <= PR_TTL
    assert PR_TTL >= 30 * DAYS


def test_unknown_pull_requests_and_odd_shapes(store, client):
    assert store.pull_request_facts(REPO, 99) is None
    assert store.latest_head(REPO, 99) is None
    assert store.note_pull_request(REPO, {"number": "7"}) is False
    odd = {"number": 7, "labels": ["x", {"name": "y"}], "base": None, "user": "someone"}
    assert store.note_pull_request(REPO, odd) is True
    facts = store.pull_request_facts(REPO, 7)
    assert facts["labels"] == [None, "y"] and facts["author"] is None
    assert store.ping() is True


def test_labels_set_by_the_bot_are_kept_until_the_webhook_arrives(store):
    store.set_labels(REPO, 2, ["size/S"])  # nothing stored yet: nothing to update
    assert store.pull_request_facts(REPO, 2) is None
    store.note_pull_request(REPO, pull("a" * 40, "2030-01-01T00:00:00Z"))
    store.set_labels(REPO, 2, ["size/S"])
    assert store.pull_request_facts(REPO, 2)["labels"] == ["size/S"]


def test_concurrent_notes_leave_the_newest(store):
    stamps = [f"2030-01-01T00:00:{s:02d}Z" for s in range(40)]
    threads = [
        threading.Thread(target=store.note_pull_request, args=(REPO, pull(f"{i:040d}", stamp)))
        for i, stamp in reversed(list(enumerate(stamps)))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.latest_head(REPO, 2) == f"{39:040d}"
