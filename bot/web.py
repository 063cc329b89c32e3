"""The webhook receiver: verify, dedupe, route, enqueue — and answer GitHub within milliseconds.

The handler does no GitHub I/O. It answers as soon as the jobs are on the broker; when the
broker or Redis is down it answers 503 and forgets the delivery id, so GitHub's redelivery is
accepted later.

Answers: 200 ping or duplicate; 202 queued or ignored; 400 missing headers or bad JSON; 401 bad
signature; 413 body over `max_body_bytes`; 415 not JSON; 503 could not queue.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from bot import logs, metrics
from bot.events import Delivery, Routed, route
from bot.settings import Settings

log = logging.getLogger("steward.web")

ZEN = "Merge small things often."
UNQUEUED = (
    "could not queue the delivery (broker or Redis unreachable); "
    "redeliver it from the App's Recent Deliveries once they are back"
)


class TooLarge(Exception):
    """The body is over the limit (declared or counted while reading)."""


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """Constant-time check of `X-Hub-Signature-256` (`sha256=<hex HMAC of the raw body>`)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


async def read_bounded(request: Request, limit: int) -> bytes:
    """The raw body, refusing (TooLarge) as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: Settings, queue, store) -> FastAPI:
    """The FastAPI app, with its queue (`enqueue`, `ping`) and store (`bot.store.Store`)."""
    app = FastAPI(title="Steward", docs_url=None, redoc_url=None, openapi_url=None)
    secret = settings.webhook_secret.get_secret_value().encode()
    limit = settings.max_body_bytes

    @app.post("/webhooks/github")
    async def webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        headers = request.headers
        event, delivery_id = headers.get("x-github-event"), headers.get("x-github-delivery")
        payload: dict[str, Any] = {}
        verified = False

        def answer(status: int, outcome: str, body: dict[str, Any], kind: str) -> JSONResponse:
            elapsed = time.perf_counter() - started
            _log(status, outcome, elapsed, event, delivery_id, payload)
            # unsigned requests could name any event: only verified ones get their own label
            metrics.webhooks.labels(event if verified and event else "unverified", kind).inc()
            metrics.webhook_seconds.observe(elapsed)
            return JSONResponse(body, status_code=status)

        def refuse(status: int, error: str, kind: str) -> JSONResponse:
            return answer(status, error, {"error": error}, kind)

        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return refuse(415, "set the webhook's content type to application/json", "bad_type")
        try:
            raw = await read_bounded(request, limit)
        except TooLarge:
            return refuse(413, f"payload over {limit:,} bytes", "too_large")
        if not signature_ok(secret, raw, headers.get("x-hub-signature-256")):
            return refuse(401, "missing or invalid X-Hub-Signature-256", "bad_signature")
        verified = True
        if not event or not delivery_id:
            return refuse(400, "missing X-GitHub-Event or X-GitHub-Delivery", "bad_request")
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return refuse(400, "the body is not valid JSON", "bad_request")
        if not isinstance(parsed, dict):
            return refuse(400, "the body must be a JSON object", "bad_request")
        payload = parsed
        if event == "ping":
            return answer(200, "ping", {"ok": True, "zen": ZEN}, "ping")

        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        delivery = Delivery(event, action, delivery_id, payload, settings.app_id)
        routed = route(delivery)
        if not routed.jobs and _pull_request(delivery) is None:
            return answer(202, routed.reason, {"ignored": routed.reason}, "ignored")
        try:
            fresh = await run_in_threadpool(accept, queue, store, settings, delivery, routed)
        except Exception as exc:  # the broker or Redis is down: let GitHub deliver again
            why = f"not queued: {type(exc).__name__}: {exc}"
            return answer(503, why, {"error": UNQUEUED}, "unavailable")
        if not fresh:
            return answer(200, "duplicate", {"duplicate": True}, "duplicate")
        if not routed.jobs:
            return answer(202, routed.reason, {"ignored": routed.reason}, "ignored")
        n = len(routed.jobs)
        return answer(202, f"queued {n}", {"queued": n}, "queued")

    @app.get("/metrics")
    def metrics_page() -> Response:
        body, ctype = metrics.exposition()
        return Response(body, media_type=ctype)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        down = []
        try:
            store.ping()
        except Exception:
            down.append("redis")
        if not queue.ping():
            down.append("broker")
        if down:
            return JSONResponse({"ok": False, "down": down}, status_code=503)
        return JSONResponse({"ok": True})

    return app


def accept(queue, store, settings: Settings, delivery: Delivery, routed: Routed) -> bool:
    """Claim the delivery, note the pull request, enqueue the jobs. False for a duplicate.

    Any failure after the claim releases it and re-raises, so GitHub's redelivery is accepted.
    """
    if not store.claim_delivery(delivery.delivery_id, settings.delivery_ttl_seconds):
        return False
    try:
        pull = _pull_request(delivery)
        if pull is not None:
            store.note_pull_request(delivery.payload["repository"]["full_name"], pull)
        for job in routed.jobs:
            queue.enqueue(job)
    except Exception:
        store.release_delivery(delivery.delivery_id)
        raise
    return True


def _pull_request(delivery: Delivery) -> dict[str, Any] | None:
    """The pull request of a `pull_request` delivery whose facts the store should keep."""
    pull = delivery.payload.get("pull_request")
    repo = delivery.payload.get("repository")
    if delivery.event != "pull_request" or not isinstance(pull, dict):
        return None
    if not isinstance(repo, dict) or not isinstance(repo.get("full_name"), str):
        return None
    return pull if isinstance(pull.get("number"), int) else None


def _log(
    status: int,
    outcome: str,
    elapsed: float,
    event: str | None,
    delivery_id: str | None,
    payload: dict[str, Any] | None = None,
) -> None:
    """One line per delivery: ids, event, outcome, duration. Never the body or the secret."""
    payload = payload or {}
    installation, repository = payload.get("installation"), payload.get("repository")
    action = payload.get("action")
    fields = {
        "delivery": delivery_id,
        "event": event,
        "action": action if isinstance(action, str) else None,
        "installation": installation.get("id") if isinstance(installation, dict) else None,
        "repo": repository.get("full_name") if isinstance(repository, dict) else None,
        "status": status,
        "outcome": outcome,
        "ms": round(elapsed * 1000, 1),
    }
    level = logging.WARNING if status >= 500 or status == 401 else logging.INFO
    line = " ".join(f"{k}={json.dumps(v) if ' ' in str(v) else v}" for k, v in fields.items())
    log.log(level, "webhook %s", line, extra=fields)


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the receiver on uvicorn (SIGTERM drains in-flight requests before exiting)."""
    import redis
    import uvicorn

    from bot.store import Store
    from bot.tasks import CeleryQueue, make_celery

    logs.configure(settings.log_level, json_lines=settings.log_format == "json")
    queue = CeleryQueue(make_celery(settings))
    client = redis.Redis.from_url(
        settings.store_url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
    )
    uvicorn.run(
        create_app(settings, queue, Store(client)),
        host=host,
        port=port,
        log_config=None,  # keep the structured handler configured above
        access_log=False,  # one line per delivery is logged by the handler itself
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
