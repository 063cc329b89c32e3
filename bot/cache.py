"""The worker's memory in Redis: tokens, per-PR locks, what it last wrote, cached config.

Everything is keyed under `steward:` and expires, so a flushed Redis only costs API calls,
never correctness: the comment is then found again by its marker.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis

from bot.github import TOKEN_MARGIN, TokenCache

DAY = 24 * 3600
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisTokenCache(TokenCache):
    """Installation tokens shared by all workers (one token request per hour per install)."""

    def __init__(self, client: redis.Redis) -> None:
        super().__init__()
        self.r = client

    def get(self, installation_id: int) -> str | None:
        raw = self.r.get(f"steward:token:{installation_id}")
        return raw.decode() if raw else None

    def put(self, installation_id: int, token: str, expires_at: float) -> None:
        ttl = int(expires_at - time.time() - TOKEN_MARGIN)
        if ttl > 0:
            self.r.set(f"steward:token:{installation_id}", token, ex=ttl)

    def drop(self, installation_id: int) -> None:
        self.r.delete(f"steward:token:{installation_id}")


class Memory:
    """Locks and small records the review service keeps between jobs."""

    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._release = client.register_script(_RELEASE)

    # -- one review per pull request at a time ---------------------------------------------
    @contextmanager
    def pr_lock(self, key: str, ttl: int) -> Iterator[bool]:
        """Hold `steward:lock:<key>` for up to `ttl` seconds; yields False if someone has it."""
        token = uuid.uuid4().hex
        name = f"steward:lock:{key}"
        got = bool(self.r.set(name, token, nx=True, ex=ttl))
        try:
            yield got
        finally:
            if got:
                self._release(keys=[name], args=[token])

    def mark_pending(self, key: str, ttl: int) -> None:
        """Note that another review of this PR was asked for while one was running."""
        self.r.set(f"steward:pending:{key}", "1", ex=ttl)

    def has_pending(self, key: str) -> bool:
        """True if a pending mark is waiting for whoever reviews this PR next."""
        return bool(self.r.exists(f"steward:pending:{key}"))

    def lock_ttl(self, key: str) -> int:
        """Seconds the PR lock has left (0 when nobody holds it)."""
        return max(0, int(self.r.ttl(f"steward:lock:{key}")))

    def take_pending(self, key: str) -> bool:
        """True (once) if a review was asked for while the lock was held."""
        return bool(self.r.delete(f"steward:pending:{key}"))

    # -- records of what was written --------------------------------------------------------
    def get_json(self, key: str) -> Any:
        """A JSON record, or None."""
        raw = self.r.get(f"steward:{key}")
        return json.loads(raw) if raw else None

    def put_json(self, key: str, value: Any, ttl: int = 30 * DAY) -> None:
        """Store a JSON record."""
        self.r.set(f"steward:{key}", json.dumps(value), ex=ttl)

    def delete(self, *keys: str) -> None:
        """Forget records."""
        if keys:
            self.r.delete(*(f"steward:{k}" for k in keys))

    def forget_prefix(self, prefix: str) -> int:
        """Forget every record whose key starts with `prefix` (used on config changes)."""
        names = list(self.r.scan_iter(match=f"steward:{prefix}*", count=500))
        if names:
            self.r.delete(*names)
        return len(names)
