"""Retry policy: which GitHub failures are retried, and how long the worker waits."""

from __future__ import annotations

import time

import pytest
from github import GithubException

from bot.github import GitHubError, TransientGitHubError, translate
from bot.jobs import ReviewJob
from bot.settings import Settings
from bot.tasks import TASK_NAME, LookAgain, Transient, backoff, make_celery


@pytest.mark.parametrize(
    ("status", "data", "headers", "transient", "retry_after"),
    [
        (502, {"message": "Bad Gateway"}, {}, True, None),
        (503, {"message": "Unavailable"}, {"Retry-After": "7"}, True, 7.0),
        (429, {"message": "Too many"}, {}, True, None),
        (
            403,
            {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
            {"Retry-After": "60"},
            True,
            60.0,
        ),
        (403, {"message": "API rate limit exceeded"}, {"X-RateLimit-Remaining": "0"}, True, None),
        (403, {"message": "Resource not accessible by integration"}, {}, False, None),
        (404, {"message": "Not Found"}, {}, False, None),
        (422, {"message": "Validation Failed"}, {}, False, None),
    ],
    ids=["502", "503-retry-after", "429", "secondary", "primary", "403-permission", "404", "422"],
)
def test_translate_decides_what_is_worth_a_retry(status, data, headers, transient, retry_after):
    err = translate(GithubException(status, data, {**headers, "X-GitHub-Request-Id": "AB:CD"}))
    assert isinstance(err, GitHubError)
    assert isinstance(err, TransientGitHubError) is transient
    if transient:
        assert err.retry_after == retry_after
    assert str(err).startswith(f"GitHub answered {status}, request id AB:CD: ")


def test_primary_rate_limit_waits_until_the_reset():
    reset = int(time.time()) + 120
    err = translate(
        GithubException(
            403,
            {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
        )
    )
    assert 100 < err.retry_after <= 120


@pytest.mark.parametrize("attempt", range(6))
def test_backoff_is_exponential_with_jitter_and_capped(attempt):
    waits = [backoff(attempt, None) for _ in range(200)]
    assert all(0 < w <= 300 for w in waits)
    assert max(waits) <= min(300, 2.0 * 2**attempt)
    assert len({round(w, 3) for w in waits}) > 1  # jitter


def test_backoff_honours_retry_after():
    assert 30 <= backoff(0, 30) <= 31


class Recorder:
    """A stand-in review service (the task's collaborator, not PyGithub): records its jobs."""

    def __init__(self, raise_first: Exception | None = None) -> None:
        self.jobs: list = []
        self.raise_first = raise_first

    def handle(self, job, attempt: int = 0) -> None:
        self.jobs.append((job, attempt))
        if self.raise_first is not None:
            exc, self.raise_first = self.raise_first, None
            raise exc

    def give_up(self, job, reason: str) -> None:
        self.jobs.append(("gave up", reason))


def eager_app(service: Recorder, **overrides):
    settings = Settings(
        app_id=1, private_key="unused", webhook_secret="s", broker_url="memory://", **overrides
    )
    app = make_celery(settings, lambda _settings: service)
    app.conf.task_always_eager = True
    return app


JOB = ReviewJob(installation_id=1, delivery_id="d", repo="o/r", number=5, head_sha="a" * 40)


def test_each_celery_app_runs_its_own_service():
    """Tasks are not shared: a second app in the process must not run the first app's task."""
    first, second = Recorder(), Recorder()
    apps = [eager_app(first), eager_app(second)]
    for app in reversed(apps):
        app.tasks[TASK_NAME].apply(args=[JOB.as_message()])
    assert [j for j, _ in first.jobs] == [JOB] and [j for j, _ in second.jobs] == [JOB]


def test_look_again_retries_with_the_replacement_job():
    later = ReviewJob(
        installation_id=1, delivery_id="d", repo="o/r", number=5, head_sha=None, reason="look-again"
    )
    service = Recorder(raise_first=LookAgain("lock held", retry_after=3, job=later))
    eager_app(service).tasks[TASK_NAME].apply(args=[JOB.as_message()])
    assert service.jobs == [(JOB, 0), (later, 1)]


def test_give_up_after_the_last_attempt():
    service = Recorder(raise_first=Transient("503"))
    eager_app(service, max_attempts=1).tasks[TASK_NAME].apply(args=[JOB.as_message()])
    assert service.jobs == [(JOB, 0), ("gave up", "503")]
