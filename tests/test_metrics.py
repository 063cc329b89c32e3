"""Prometheus metrics: bounded labels, and the counts a maintainer's dashboard would show."""

from __future__ import annotations

import uuid

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from tests.test_web import load, make_client, post

BROKER_DB = 8


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/repos/acme/mlkit/pulls/5/files", "/repos/{owner}/{repo}/pulls/{n}/files"),
        ("/repos/acme/mlkit/pulls/5/files?per_page=100&page=2", "/repos/{owner}/{repo}/pulls/{n}/files"),
        ("/api/v3/repos/a/b/issues/comments/991", "/repos/{owner}/{repo}/issues/comments/{n}"),
        ("/repos/a/b/contents/.github/steward.yml", "/repos/{owner}/{repo}/contents/{path}"),
        ("/repos/a/b/git/blobs/" + "ab" * 20, "/repos/{owner}/{repo}/git/blobs/{sha}"),
        ("/repos/a/b/git/trees/main", "/repos/{owner}/{repo}/git/trees/{x}"),
        ("/repos/a/b/issues/5/labels/size%2FXL", "/repos/{owner}/{repo}/issues/{n}/labels/{x}"),
        ("/repos/a/b/collaborators/octocat/permission", "/repos/{owner}/{repo}/collaborators/{x}/permission"),
        ("/app/installations/42/access_tokens", "/app/installations/{n}/access_tokens"),
        ("https://ghe.example.com/api/v3/repos/a/b/pulls/1/files?page=3", "/repos/{owner}/{repo}/pulls/{n}/files"),
    ],
)  # fmt: skip
def test_endpoints_become_templates_so_labels_stay_bounded(path, template):
    assert metrics.endpoint(path) == template


@pytest.mark.parametrize(
    ("status", "label"), [(200, "2xx"), (201, "2xx"), (304, "304"), (404, "404"), (422, "4xx"),
                          (502, "5xx"), (0, "error")]
)  # fmt: skip
def test_status_classes(status, label):
    assert metrics.status_class(status) == label


def scrape(client) -> dict[tuple[str, tuple], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def webhooks(sample: dict, event: str, outcome: str) -> float:
    key = ("steward_webhooks_total", (("event", event), ("outcome", outcome)))
    return sample.get(key, 0.0)


@pytest.fixture
def client(redis_server, redis_client):
    """The receiver on a broker database of its own, emptied afterwards."""
    url = f"{redis_server}/{BROKER_DB}"
    yield make_client(url, redis_client)
    redis.Redis.from_url(url).flushdb()


def test_webhooks_are_counted_by_event_and_outcome(client):
    before = scrape(client)
    payload = load("pull_request.opened")
    post(client, "pull_request", payload, delivery="m-1")
    post(client, "pull_request", payload, delivery="m-1")  # redelivery
    post(client, "star", {"action": "created"})  # not routed
    forged = f"made-up-{uuid.uuid4().hex}"
    assert post(client, forged, payload, signature="sha256=00").status_code == 401
    after = scrape(client)

    def delta(event, outcome):
        return webhooks(after, event, outcome) - webhooks(before, event, outcome)

    assert delta("pull_request", "queued") == 1
    assert delta("pull_request", "duplicate") == 1
    assert delta("star", "ignored") == 1
    assert delta("unverified", "bad_signature") == 1
    assert not any(forged in str(key) for key in after)  # an unsigned request names no label
    count = ("steward_webhook_seconds_count", ())
    assert after[count] - before.get(count, 0) == 4
