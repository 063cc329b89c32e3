"""What the webhook receiver remembers in Redis: deliveries seen, and pull-request facts.

- `claim_delivery`: `SET NX` on `X-GitHub-Delivery` (GitHub reuses the id on redelivery), so a
  duplicate delivery enqueues nothing.
- `note_pull_request`: the facts of a pull request from its webhook payload, kept only when
  they are at least as new (`updated_at`) as what is stored — atomically, so an old delivery
  arriving late never replaces a newer head. The worker reads them instead of calling
  `GET /pulls/{n}`, and compares heads to drop stale jobs.
"""

from __future__ import annotations

import json
from typing import Any

import redis

PR_TTL = 30 * 24 * 3600

# KEYS[1] = pr key; ARGV[1] = updated_at; ARGV[2] = facts JSON; ARGV[3] = ttl
_NOTE = """
local current = redis.call('hget', KEYS[1], 'updated_at')
if current and current > ARGV[1] then return 0 end
redis.call('hset', KEYS[1], 'updated_at', ARGV[1], 'facts', ARGV[2])
redis.call('expire', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class Store:
    """Deliveries and pull-request facts in Redis (client injected)."""

    def __init__(self, client: redis.Redis) -> None:
        self.r = client
        self._note = client.register_script(_NOTE)

    def claim_delivery(self, delivery_id: str, ttl: int) -> bool:
        """True the first time a delivery id is seen (within `ttl` seconds)."""
        return bool(self.r.set(f"steward:delivery:{delivery_id}", "1", nx=True, ex=ttl))

    def release_delivery(self, delivery_id: str) -> None:
        """Forget a delivery (enqueueing failed: GitHub's redelivery must be accepted)."""
        self.r.delete(f"steward:delivery:{delivery_id}")

    def note_pull_request(self, repo: str, pull: dict[str, Any]) -> bool:
        """Keep the facts of GitHub's pull-request JSON unless newer ones are stored."""
        facts = facts_of(pull)
        key = f"steward:pr:{repo}#{facts['number']}"
        stored = self._note(keys=[key], args=[facts["updated_at"] or "", json.dumps(facts), PR_TTL])
        return bool(stored)

    def set_labels(self, repo: str, number: int, labels: list[str]) -> None:
        """Record labels the bot itself changed, until the webhook with them arrives."""
        key = f"steward:pr:{repo}#{number}"
        raw = self.r.hget(key, "facts")
        if raw:
            facts = json.loads(raw)
            facts["labels"] = labels
            self.r.hset(key, "facts", json.dumps(facts))

    def pull_request_facts(self, repo: str, number: int) -> dict[str, Any] | None:
        """The newest stored facts of a pull request, or None."""
        raw = self.r.hget(f"steward:pr:{repo}#{number}", "facts")
        return json.loads(raw) if raw else None

    def latest_head(self, repo: str, number: int) -> str | None:
        """The newest head SHA seen for a pull request."""
        facts = self.pull_request_facts(repo, number)
        return facts["head_sha"] if facts else None


def facts_of(pull: dict[str, Any]) -> dict[str, Any]:
    """The fields a review needs from GitHub's pull-request JSON (webhook or REST)."""
    base, head = pull.get("base") or {}, pull.get("head") or {}
    return {
        "number": pull.get("number"),
        "head_sha": head.get("sha", ""),
        "title": pull.get("title"),
        "body": pull.get("body"),
        "draft": bool(pull.get("draft")),
        "state": pull.get("state", "open"),
        "author": (pull.get("user") or {}).get("login"),
        "author_association": pull.get("author_association"),
        "labels": [label.get("name") for label in pull.get("labels") or []],
        "base_ref": base.get("ref"),
        "base_sha": base.get("sha"),
        "head_ref": head.get("ref"),
        "default_branch": (base.get("repo") or {}).get("default_branch"),
        "created_at": pull.get("created_at"),
        "updated_at": pull.get("updated_at"),
        "html_url": pull.get("html_url"),
    }
