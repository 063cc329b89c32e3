"""The webhook receiver: verify, dedupe, route, enqueue — and answer GitHub within milliseconds.

The handler does no GitHub I/O. It answers as soon as the jobs are on the broker; when the
broker or Redis is down it answers 503 and forgets the delivery id, so GitHub's redelivery
(or `steward redeliver`) is accepted later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.events import Delivery, route
from bot.settings import Settings

log = logging.getLogger("steward.web")

ZEN = "Merge small things often."


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """Constant-time check of `X-Hub-Signature-256` (`sha256=<hex HMAC of the raw body>`)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def _answer(status: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def create_app(settings: Settings, queue, store) -> FastAPI:
    """The FastAPI app, with its queue (`enqueue`, `ping`) and store (`bot.store.Store`)."""
    app = FastAPI(title="Steward", docs_url=None, redoc_url=None, openapi_url=None)
    secret = settings.webhook_secret.get_secret_value().encode()
    limit = settings.max_body_bytes

    @app.post("/webhooks/github")
    async def webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return _answer(413, error=f"payload over {limit:,} bytes")
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return _answer(415, error="set the webhook's content type to application/json")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return _answer(413, error=f"payload over {limit:,} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not signature_ok(secret, body, request.headers.get("x-hub-signature-256")):
            return _answer(401, error="missing or invalid X-Hub-Signature-256")
        event = request.headers.get("x-github-event")
        delivery_id = request.headers.get("x-github-delivery")
        if not event or not delivery_id:
            return _answer(400, error="missing X-GitHub-Event or X-GitHub-Delivery")
        try:
            payload = json.loads(body)
        except ValueError:
            return _answer(400, error="the body is not valid JSON")
        if not isinstance(payload, dict):
            return _answer(400, error="the body must be a JSON object")
        if event == "ping":
            return _answer(200, ok=True, zen=ZEN)
        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        delivery = Delivery(event, action, delivery_id, payload, settings.app_id)
        routed = route(delivery)
        if not routed.jobs:
            _log(delivery, routed.reason, started)
            return _answer(202, ignored=routed.reason)
        try:
            outcome = await run_in_threadpool(_enqueue, queue, store, settings, delivery, routed)
        except Exception as exc:  # the broker or Redis is down: let GitHub deliver again
            log.error("enqueue failed", extra={"delivery": delivery_id, "error": str(exc)})
            _log(delivery, "enqueue failed", started)
            return _answer(503, error="could not queue the delivery; it can be redelivered")
        _log(delivery, outcome, started)
        if outcome == "duplicate":
            return _answer(200, duplicate=True)
        return _answer(202, queued=len(routed.jobs))

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return _answer(200, ok=True)

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        down = []
        try:
            store.r.ping()
        except Exception:
            down.append("redis")
        if not queue.ping():
            down.append("broker")
        if down:
            return _answer(503, ok=False, down=down)
        return _answer(200, ok=True)

    return app


def _enqueue(queue, store, settings: Settings, delivery: Delivery, routed) -> str:
    if not store.claim_delivery(delivery.delivery_id, settings.delivery_ttl_seconds):
        return "duplicate"
    try:
        pull = delivery.payload.get("pull_request")
        repo = (delivery.payload.get("repository") or {}).get("full_name")
        if delivery.event == "pull_request" and isinstance(pull, dict) and repo:
            store.note_pull_request(repo, pull)
        for job in routed.jobs:
            queue.enqueue(job)
    except Exception:
        store.release_delivery(delivery.delivery_id)
        raise
    return "queued"


def _log(delivery: Delivery, outcome: str, started: float) -> None:
    log.info(
        "webhook",
        extra={
            "delivery": delivery.delivery_id,
            "event": delivery.event,
            "action": delivery.action,
            "installation": (delivery.payload.get("installation") or {}).get("id"),
            "repo": (delivery.payload.get("repository") or {}).get("full_name"),
            "outcome": outcome,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the receiver on uvicorn (SIGTERM drains in-flight requests before exiting)."""
    import redis
    import uvicorn

    from bot.store import Store
    from bot.tasks import CeleryQueue, make_celery

    logging.basicConfig(level=logging.INFO)
    queue = CeleryQueue(make_celery(settings))
    store = Store(redis.Redis.from_url(settings.store_url))
    uvicorn.run(create_app(settings, queue, store), host=host, port=port, log_level="info")
