"""Fault injection: make chosen requests fail, fail after doing their work, or answer slowly.

A test queues a `Fault` for (method, path regex); the first unused matching fault is taken by
each request until its `times` run out (`times=None`: for ever). With `applied=True` the
request is carried out first and the failure returned afterwards — the case of a comment that
was created although the client saw a 502.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {request_id}."
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
MESSAGES = {
    500: "Server Error",
    502: "Server Error",  # GitHub's 502 body is HTML; PyGithub only needs a status
    503: "Service Unavailable",
    403: SECONDARY_RATE_LIMIT,
    429: SECONDARY_RATE_LIMIT,
}


@dataclass
class Fault:
    """One queued fault. `status=None` only adds `latency` (seconds) to the real answer."""

    method: str
    path: str  # regex, searched in the path without query and without /api/v3
    status: int | None = 502
    times: int | None = 1
    applied: bool = False
    latency: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """True when this fault is still armed and applies to the request."""
        armed = self.times is None or self.hits < self.times
        return armed and self.method in (method, "*") and re.search(self.path, path) is not None

    def body(self, request_id: str) -> dict[str, str]:
        """The error body GitHub sends with this status."""
        message = self.message or MESSAGES.get(self.status or 500, "Server Error")
        docs = (
            SECONDARY_DOCS if "secondary rate limit" in message else "https://docs.github.com/rest"
        )
        return {"message": message.format(request_id=request_id), "documentation_url": docs}


def secondary_rate_limit(
    method: str = "*", path: str = ".*", retry_after: int | None = 1, times: int | None = 1
) -> Fault:
    """A 403 secondary rate limit as GitHub sends it (with `Retry-After` when given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Fault(method, path, 403, times=times, headers=headers)


class FaultQueue:
    """The queued faults; not thread-safe by itself (the server holds the state lock)."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first armed fault for this request, counted as used."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.hits += 1
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
