"""The fake GitHub's in-memory world: what tests seed and what the routes read and change.

Plain dicts and small dataclasses behind one re-entrant lock (`State.lock`); routes hold it
for the whole of a request so every request sees and leaves a consistent world. Objects are
stored in a compact form and turned into GitHub's JSON shapes by `shapes.py`.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DEFAULT_NOW = "2026-01-15T10:00:00Z"


def git_sha(*parts: str | bytes) -> str:
    """A stable 40-hex id made from `parts` (not git's real object hash, but the same form)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def blob_sha(content: bytes) -> str:
    """Git's blob id for `content` (the real one: sha1 of 'blob <len>\\0' + content)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def iso(timestamp: float) -> str:
    """A Unix time in GitHub's ISO 8601 form."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def now_iso() -> str:
    """The current UTC time in GitHub's ISO 8601 form."""
    return iso(time.time())


@dataclass
class Installation:
    id: int
    account: str
    account_type: str = "Organization"
    repos: set[str] | None = None  # None: all repositories of the account
    permissions: dict[str, str] = field(
        default_factory=lambda: {
            "checks": "write",
            "contents": "read",
            "issues": "write",
            "metadata": "read",
            "pull_requests": "write",
        }
    )
    events: list[str] = field(
        default_factory=lambda: ["check_run", "check_suite", "issue_comment", "pull_request"]
    )
    suspended: bool = False


@dataclass
class Token:
    token: str
    installation_id: int
    expires_at: float
    limit: int = 5000
    used: int = 0


@dataclass
class Repo:
    """A repository: branches point at commit shas; each commit sha has a full file snapshot."""

    id: int
    full_name: str
    default_branch: str = "main"
    private: bool = False
    description: str | None = "A machine learning toolkit"
    branches: dict[str, str] = field(default_factory=dict)
    snapshots: dict[str, dict[str, bytes]] = field(default_factory=dict)  # commit sha -> files
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower-case name -> label
    permissions: dict[str, str] = field(default_factory=dict)  # login -> admin/write/read/...
    topics: list[str] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass
class Delivery:
    """One webhook delivery of the app, as listed by GET /app/hook/deliveries."""

    id: int
    guid: str
    event: str
    action: str | None
    status_code: int = 200
    delivered_at: str = DEFAULT_NOW
    redelivery: bool = False
    duration: float = 0.27
    installation_id: int | None = None
    repository_id: int | None = None


class State:
    """Everything the fake knows. Use the seeding helpers on `FakeGitHub`; read freely."""

    def __init__(self, app_id: int, app_slug: str) -> None:
        self.lock = threading.RLock()
        self.app_id = app_id
        self.app_slug = app_slug
        self.reset()

    def reset(self) -> None:
        """Forget every object (not the app's identity or keys)."""
        with self.lock:
            self._ids = itertools.count(1001)
            self.installations: dict[int, Installation] = {}
            self.tokens: dict[str, Token] = {}
            self.jwt_limit = 5000
            self.jwt_used = 0
            self.default_rate_limit = 5000
            self.default_used = 0
            self.repos: dict[str, Repo] = {}  # lower-case full name -> repo
            self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
            self.issues: dict[tuple[str, int], dict[str, Any]] = {}  # issues and discussions
            self.comments_by_id: dict[int, dict[str, Any]] = {}
            self.runs_by_id: dict[int, dict[str, Any]] = {}
            self.deliveries: list[Delivery] = []
            self.redelivered: list[int] = []  # delivery ids asked for again
            self.manifests: dict[str, dict[str, Any]] = {}  # code -> app config
            self.reset_at = int(time.time()) + 3600

    def next_id(self) -> int:
        """A fresh numeric id (shared by all object kinds, like GitHub's are unique enough)."""
        with self.lock:
            return next(self._ids)

    def repo(self, full_name: str) -> Repo | None:
        """The repository, found case-insensitively like GitHub does."""
        return self.repos.get(full_name.lower())

    def resolve(self, repo: Repo, ref: str | None) -> str | None:
        """The commit sha a ref (branch, `refs/heads/x`, sha or tree sha) names, or None."""
        ref = ref or repo.default_branch
        ref = ref.removeprefix("refs/heads/").removeprefix("heads/")
        if ref in repo.branches:
            return repo.branches[ref]
        if ref in repo.snapshots:
            return ref
        for sha, files in repo.snapshots.items():
            if tree_sha(files) == ref:
                return sha
        matches = [sha for sha in repo.snapshots if len(ref) >= 7 and sha.startswith(ref)]
        return matches[0] if len(matches) == 1 else None

    def installation_for(self, repo: Repo) -> Installation | None:
        """The app's installation that covers this repository."""
        for inst in self.installations.values():
            if inst.account.lower() == repo.owner.lower() and (
                inst.repos is None or repo.full_name.lower() in {r.lower() for r in inst.repos}
            ):
                return inst
        return None

    def known_sha(self, repo: Repo, sha: str) -> bool:
        """True when `sha` is a commit of the repository (a snapshot or a pull's commit)."""
        if sha in repo.snapshots:
            return True
        pulls = (p for (name, _), p in self.pulls.items() if name == repo.full_name.lower())
        return any(sha == c["sha"] for p in pulls for c in p["commits"])

    def rate_counter(self, token: Token | None, app: bool) -> tuple[int, int]:
        """(limit, used) of the caller's core rate limit: per token, one for the app's JWTs."""
        if token is not None:
            return token.limit, token.used
        return (self.jwt_limit, self.jwt_used) if app else (60, 0)

    def pull_or_issue(self, repo: Repo, number: int) -> dict[str, Any] | None:
        """The pull request or issue with this number (they share one number space)."""
        key = (repo.full_name.lower(), number)
        return self.pulls.get(key) or self.issues.get(key)


def tree_sha(files: dict[str, bytes]) -> str:
    """A stable id for a snapshot's root tree."""
    return git_sha("tree", *(f"{p}:{blob_sha(c)}" for p, c in sorted(files.items())))
