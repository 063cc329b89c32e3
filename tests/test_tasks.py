"""Retry policy: which GitHub failures are retried, and how long the worker waits."""

from __future__ import annotations

import time

import pytest
from github import GithubException

from bot.github import GitHubError, TransientGitHubError, translate
from bot.tasks import backoff


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
