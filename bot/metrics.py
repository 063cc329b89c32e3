"""Prometheus metrics of the receiver and the worker.

The web process serves them at `GET /metrics`; a worker serves them on `--metrics-port`.
A prefork worker's children write to files in `PROMETHEUS_MULTIPROC_DIR` (prometheus_client's
multiprocess mode), which must be set before this module is first imported — `steward worker`
does that. Label values are bounded: events only after the signature checked out, outcomes
from a fixed set, GitHub endpoints as templates (`/repos/{owner}/{repo}/pulls/{n}/files`),
statuses as classes.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

disable_created_metrics()  # `_created` series double the page and no dashboard reads them

FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

webhooks = Counter(
    "steward_webhooks_total",
    "Webhook deliveries received, by event and outcome",
    ["event", "outcome"],
)
webhook_seconds = Histogram(
    "steward_webhook_seconds", "Time to answer a webhook delivery", buckets=FAST
)
enqueue_to_start = Histogram(
    "steward_job_wait_seconds", "Time from enqueue to a worker starting the job", buckets=SLOW
)
review_seconds = Histogram(
    "steward_review_seconds", "Duration of one review (reads, checks, writes)", buckets=SLOW
)
jobs = Counter(
    "steward_jobs_total", "Jobs handled by workers, by kind and outcome", ["kind", "outcome"]
)
github_calls = Counter(
    "steward_github_calls_total",
    "GitHub REST calls, by method, endpoint template and status class",
    ["method", "endpoint", "status"],
)
rate_limit_remaining = Gauge(
    "steward_github_rate_limit_remaining",
    "Core rate limit left for an installation, as GitHub last reported it",
    ["installation"],
    multiprocess_mode="mostrecent",
)
comments = Counter(
    "steward_comments_total", "Steward's comment: created, edited or left unchanged", ["action"]
)
check_runs = Counter(
    "steward_check_runs_total", "Check runs written or skipped as unchanged", ["action"]
)
retries = Counter("steward_retries_total", "Jobs retried after a transient GitHub failure")
give_ups = Counter("steward_give_ups_total", "Jobs given up after the last retry")

# Path segments kept verbatim in endpoint templates; anything else becomes a placeholder.
_WORDS = {
    "repos", "pulls", "files", "commits", "issues", "comments", "check-runs", "labels",
    "contents", "git", "trees", "blobs", "collaborators", "permission", "app", "installations",
    "access_tokens", "hook", "deliveries", "attempts", "config", "app-manifests", "conversions",
    "rate_limit", "events", "reactions",
}  # fmt: skip
_SHA = re.compile(r"^[0-9a-f]{40}$")


def endpoint(path: str) -> str:
    """A path as a bounded template: `/repos/a/b/pulls/5/files` → `/repos/{owner}/{repo}/pulls/{n}/files`."""
    path = path.split("?", 1)[0]
    if "://" in path:  # a `Link` header's absolute URL
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and parts[1:2] == ["v3"]:  # GitHub Enterprise prefix
        parts = parts[2:]
    out: list[str] = []
    for i, part in enumerate(parts):
        if out[:1] == ["repos"] and i in (1, 2):
            out.append("{owner}" if i == 1 else "{repo}")
        elif out[-1:] == ["contents"]:
            out.append("{path}")
            break
        elif part in _WORDS:
            out.append(part)
        elif part.isdigit():
            out.append("{n}")
        elif _SHA.match(part):
            out.append("{sha}")
        else:
            out.append("{x}")
    return "/" + "/".join(out)


def status_class(status: int) -> str:
    """`304` and `404` as themselves (they mean "cached" and "absent"); else `2xx`, `4xx`, …"""
    if status in (304, 404):
        return str(status)
    if status <= 0:
        return "error"
    return f"{status // 100}xx"


def github_call(method: str, path: str, status: int) -> None:
    """Count one GitHub call."""
    github_calls.labels(method, endpoint(path), status_class(status)).inc()


def registry() -> CollectorRegistry:
    """The registry to expose: multiprocess files when configured, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    return DEFAULT_REGISTRY


def exposition() -> tuple[bytes, str]:
    """The metrics page body and its content type."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Serve `/metrics` on a side port (the worker's; the web app has its own route)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=registry())


def mark_process_dead(pid: int) -> None:
    """A prefork child exited: drop its live gauges (multiprocess mode only)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
