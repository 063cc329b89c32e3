"""What the webhook receiver remembers in Redis: deliveries seen, and pull-request facts.

- `claim_delivery`: `SET NX EX` on `X-GitHub-Delivery` (GitHub reuses the id on redelivery),
  so a duplicate delivery enqueues nothing; `release_delivery` forgets it again when
  enqueueing failed, so the redelivery is accepted.
- `note_pull_request`: the facts of a pull request from its webhook payload, kept only when
  they are at least as new (`updated_at`) as what is stored — atomically, so an old delivery
  arriving late never replaces a newer head. The worker reads them instead of calling
  `GET /pulls/{n}`, and compares heads to drop stale jobs.

Every key starts with `steward:` and a namespace (`delivery:`, `pr:`); `_key` builds them, so a
new kind of record is one namespace and a method or two.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import redis

PREFIX = "steward"
PR_TTL = 30 * 24 * 3600
WAIVER_TTL = 365 * 24 * 3600  # as long as a pull request plausibly stays open

# KEYS[1] = pr key; ARGV[1] = updated_at as epoch seconds; ARGV[2] = facts JSON; ARGV[3] = ttl.
# Kept when nothing is stored, or the stored facts are not newer.
_NOTE = """
local current = tonumber(redis.call('hget', KEYS[1], 'ts'))
if current and current > tonumber(ARGV[1]) then return 0 end
redis.call('hset', KEYS[1], 'ts', ARGV[1], 'facts', ARGV[2])
redis.call('expire', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class Store:
    """Deliveries and pull-request facts in Redis (client injected)."""

    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._note = client.register_script(_NOTE)

    @staticmethod
    def _key(namespace: str, *parts: object) -> str:
        return ":".join((PREFIX, namespace, *(str(p) for p in parts)))

    def _pr_key(self, repo: str, number: int) -> str:
        return self._key("pr", f"{repo}#{number}")

    def ping(self) -> bool:
        """True when Redis answers (raises when it cannot be reached)."""
        return bool(self.r.ping())

    # -- deliveries -----------------------------------------------------------------------
    def claim_delivery(self, delivery_id: str, ttl: int) -> bool:
        """True the first time a delivery id is seen (within `ttl` seconds)."""
        return bool(self.r.set(self._key("delivery", delivery_id), "1", nx=True, ex=ttl))

    def release_delivery(self, delivery_id: str) -> None:
        """Forget a delivery (enqueueing failed: GitHub's redelivery must be accepted)."""
        self.r.delete(self._key("delivery", delivery_id))

    # -- pull-request facts ---------------------------------------------------------------
    def note_pull_request(self, repo: str, pull: dict[str, Any]) -> bool:
        """Keep the facts of GitHub's pull-request JSON unless newer ones are stored.

        Returns whether they were stored. An equal `updated_at` replaces (a label applied in
        the same second as a push still lands); a missing one counts as the oldest possible.
        """
        facts = facts_of(pull)
        if not isinstance(facts["number"], int):
            return False
        stamp = _epoch(facts["updated_at"])
        args = [repr(stamp), json.dumps(facts), PR_TTL]
        return bool(self._note(keys=[self._pr_key(repo, facts["number"])], args=args))

    def set_labels(self, repo: str, number: int, labels: list[str]) -> None:
        """Record labels the bot itself changed, until the webhook with them arrives."""
        key = self._pr_key(repo, number)
        raw = self.r.hget(key, "facts")
        if raw:
            facts = json.loads(raw)
            facts["labels"] = labels
            self.r.hset(key, "facts", json.dumps(facts))

    def pull_request_facts(self, repo: str, number: int) -> dict[str, Any] | None:
        """The newest stored facts of a pull request, or None."""
        raw = self.r.hget(self._pr_key(repo, number), "facts")
        return json.loads(raw) if raw else None

    def latest_head(self, repo: str, number: int) -> str | None:
        """The newest head SHA seen for a pull request."""
        facts = self.pull_request_facts(repo, number)
        return facts["head_sha"] if facts else None

    # -- waivers: who waived a rule on a pull request, and why -----------------------------
    def set_waiver(self, repo: str, number: int, rule: str, by: str, reason: str) -> None:
        """Remember who waived `rule` and why (the waiver itself is the label on GitHub)."""
        key = self._key("waivers", f"{repo}#{number}")
        record = json.dumps({"by": by, "reason": reason, "at": time.time()})
        self.r.pipeline().hset(key, rule, record).expire(key, WAIVER_TTL).execute()

    def drop_waiver(self, repo: str, number: int, rule: str) -> None:
        """Forget a waiver's attribution."""
        self.r.hdel(self._key("waivers", f"{repo}#{number}"), rule)

    def waivers(self, repo: str, number: int) -> dict[str, dict[str, Any]]:
        """rule -> {by, reason, at} for the waivers given with `/steward waive`."""
        raw = self.r.hgetall(self._key("waivers", f"{repo}#{number}"))
        return {k.decode(): json.loads(v) for k, v in raw.items()}


def _epoch(stamp: Any) -> float:
    """GitHub's `updated_at` (ISO 8601) as epoch seconds; 0 when missing or unreadable."""
    if not isinstance(stamp, str):
        return 0.0
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def facts_of(pull: dict[str, Any]) -> dict[str, Any]:
    """The fields a review needs from GitHub's pull-request JSON (webhook or REST)."""
    base, head = _dict(pull.get("base")), _dict(pull.get("head"))
    return {
        "number": pull.get("number"),
        "head_sha": head.get("sha", ""),
        "title": pull.get("title"),
        "body": pull.get("body"),
        "draft": bool(pull.get("draft")),
        "state": pull.get("state", "open"),
        "author": _dict(pull.get("user")).get("login"),
        "author_association": pull.get("author_association"),
        "labels": [_dict(label).get("name") for label in pull.get("labels") or []],
        "base_ref": base.get("ref"),
        "base_sha": base.get("sha"),
        "head_ref": head.get("ref"),
        "default_branch": _dict(base.get("repo")).get("default_branch"),
        "created_at": pull.get("created_at"),
        "updated_at": pull.get("updated_at"),
        "html_url": pull.get("html_url"),
    }


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
