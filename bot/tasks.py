"""The Celery app and its one thin task: job message in, service call, retries.

The Celery app is built by `make_celery(settings)` (nothing at import time). Delivery guarantees:
`acks_late` + `reject_on_worker_lost` so a job whose worker dies is redelivered, prefetch 1 so a
slow review does not hold other jobs hostage, and a hard time limit far below the broker's
visibility timeout so a redelivered job never runs twice at once.
"""

from __future__ import annotations

import random
import time
from typing import Any

from celery import Celery, Task

from bot.jobs import Job, from_message
from bot.settings import Settings

TASK_NAME = "steward.handle"


class Transient(Exception):
    """A failure worth retrying (GitHub 5xx/429/secondary rate limit, Redis hiccup).

    `retry_after` is GitHub's `Retry-After` (or time to `X-RateLimit-Reset`) in seconds, if any.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LookAgain(Transient):
    """Not a failure: try `job` (a replacement for the job at hand) again in `retry_after` s."""

    def __init__(self, message: str, retry_after: float, job: Any) -> None:
        super().__init__(message, retry_after)
        self.job = job


def backoff(
    attempt: int, retry_after: float | None, base: float = 2.0, cap: float = 300.0
) -> float:
    """Seconds to wait before attempt `attempt + 1`: GitHub's hint, else exponential + jitter."""
    if retry_after is not None:
        return min(max(retry_after, 0.0) + random.uniform(0, 1), 3600.0)
    return min(cap, base * (2**attempt)) * random.uniform(0.5, 1.0)


def make_celery(settings: Settings, service_factory=None) -> Celery:
    """The Celery app for these settings. `service_factory(settings)` builds the review service."""
    app = Celery("steward", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit,
        task_soft_time_limit=max(1, settings.task_time_limit - 30),
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            # kombu hands a dead worker's job out again only when a worker sweeps for jobs older
            # than the visibility timeout: at start-up, then every interval x throttle seconds
            # (10 x 10 by default, up to 100 s late); sweep every tenth of the timeout, <= 10 s
            "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 10)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue=settings.queue,
    )
    state: dict[str, Any] = {}

    def service():
        if "service" not in state:
            if service_factory is None:
                from bot.service import Service

                state["service"] = Service.from_settings(settings)
            else:
                state["service"] = service_factory(settings)
        return state["service"]

    app.steward_service = service  # type: ignore[attr-defined]

    # shared=False: a shared task is added to every Celery app finalized later in the process,
    # so a second make_celery() app would run the first app's closure (its settings, service)
    @app.task(name=TASK_NAME, bind=True, shared=False, max_retries=settings.max_attempts - 1)
    def handle(self: Task, message: dict[str, Any], enqueued_at: float | None = None) -> None:
        from bot import logs, metrics

        job = from_message(message)
        logs.bind_job(message)
        if enqueued_at is not None and not self.request.retries:
            metrics.enqueue_to_start.observe(max(0.0, time.time() - enqueued_at))
        try:
            service().handle(job, attempt=self.request.retries)
            metrics.jobs.labels(job.kind, "done").inc()
        except Transient as exc:
            if self.request.retries >= self.max_retries:
                metrics.give_ups.inc()
                metrics.jobs.labels(job.kind, "gave_up").inc()
                service().give_up(job, str(exc))
                return
            metrics.retries.inc()
            again = exc.job.as_message() if isinstance(exc, LookAgain) else message
            raise self.retry(
                args=[again],
                exc=exc,
                countdown=backoff(self.request.retries, exc.retry_after),
            ) from None
        except Exception:
            metrics.jobs.labels(job.kind, "failed").inc()
            raise
        finally:
            logs.unbind_job()

    return app


class CeleryQueue:
    """Puts jobs on the broker. `enqueue` returns once the broker has accepted the message."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue(self, job: Job) -> None:
        """Publish the job (raises if the broker is unreachable)."""
        self.app.send_task(
            TASK_NAME,
            args=[job.as_message()],
            kwargs={"enqueued_at": time.time()},
            queue=self.app.conf.task_default_queue,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2},
        )

    def ping(self) -> bool:
        """True when the broker answers."""
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            return True
        except Exception:
            return False
