"""The GitHub gateway: the ONLY module that imports PyGithub.

It authenticates as the App (JWT -> installation token, cached until shortly before expiry),
turns GitHub's answers into snapshot types, and turns GitHub's failures into two exceptions:
`GitHubError` (permanent: says status and request id) and `TransientGitHubError` (retry later,
with GitHub's `Retry-After` / `X-RateLimit-Reset` hint). PyGithub's own retrying and write
throttling are off: retries belong to the Celery task, which can wait without holding a worker.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from github import Auth, Github, GithubException, GithubIntegration

from bot import metrics
from bot.snapshot import Commit, FileChange, FileStatus
from bot.tasks import Transient

FILES_CAP = 3000
COMMITS_CAP = 250
PER_PAGE = 100
TOKEN_MARGIN = 300  # refresh installation tokens five minutes before they expire


class GitHubError(Exception):
    """GitHub refused a request. `str()` gives status, request id and GitHub's message."""

    def __init__(self, status: int, message: str, request_id: str = "", headers=None) -> None:
        self.status = status
        self.message = message
        self.request_id = request_id
        self.headers = headers or {}
        rid = f", request id {request_id}" if request_id else ""
        super().__init__(f"GitHub answered {status}{rid}: {message}")


class TransientGitHubError(GitHubError, Transient):
    """A GitHub failure worth retrying: 5xx, 429, secondary or primary rate limit."""

    def __init__(self, status, message, request_id="", headers=None, retry_after=None) -> None:
        GitHubError.__init__(self, status, message, request_id, headers)
        self.retry_after = retry_after


def translate(exc: GithubException) -> GitHubError:
    """Turn PyGithub's exception into ours, deciding whether it is worth a retry."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or exc.message or "no message")
    request_id = headers.get("x-github-request-id", "")
    status = exc.status or 0
    retry_after = _retry_after(headers)
    rate_limited = status in (403, 429) and (
        "rate limit" in message.lower()
        or "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
    )
    if status >= 500 or status == 429 or rate_limited or status == 0:
        return TransientGitHubError(status, message, request_id, headers, retry_after)
    return GitHubError(status, message, request_id, headers)


def _retry_after(headers: dict[str, str]) -> float | None:
    if "retry-after" in headers:
        try:
            return float(headers["retry-after"])
        except ValueError:
            return None
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
        except ValueError:
            return None
    return None


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except GithubException as exc:
        raise translate(exc) from None
    except OSError as exc:  # connection refused/reset, DNS, timeouts
        raise TransientGitHubError(0, f"cannot reach GitHub: {exc}") from None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A conditional GET's outcome: 200 (data, etag), 304 (not modified) or 404 (absent)."""

    status: int
    data: Any = None
    etag: str = ""


class TokenCache:
    """Where installation tokens live between jobs. `get`/`put` are overridden by a Redis one."""

    def __init__(self) -> None:
        self._tokens: dict[int, tuple[str, float]] = {}

    def get(self, installation_id: int) -> str | None:
        """A token still valid for at least TOKEN_MARGIN seconds, or None."""
        token, expires = self._tokens.get(installation_id, ("", 0.0))
        return token if expires - time.time() > TOKEN_MARGIN else None

    def put(self, installation_id: int, token: str, expires_at: float) -> None:
        """Remember a token until its expiry."""
        self._tokens[installation_id] = (token, expires_at)

    def drop(self, installation_id: int) -> None:
        """Forget a token (GitHub said 401)."""
        self._tokens.pop(installation_id, None)


class App:
    """The GitHub App: mints installation clients."""

    def __init__(self, api_url: str, app_id: int, private_key: str, tokens: TokenCache) -> None:
        self.api_url = api_url.rstrip("/")
        self.app_id = app_id
        self._auth = Auth.AppAuth(app_id, private_key)
        self.tokens = tokens

    def _integration(self) -> GithubIntegration:
        return GithubIntegration(auth=self._auth, base_url=self.api_url, retry=None)

    def installation(self, installation_id: int) -> Installation:
        """A client acting as the installation (token cached across jobs)."""
        token = self.tokens.get(installation_id)
        if token is None:
            path = f"/app/installations/{installation_id}/access_tokens"
            try:
                grant = _call(lambda: self._integration().get_access_token(installation_id))
            except GitHubError as exc:
                metrics.github_call("POST", path, exc.status)
                raise
            metrics.github_call("POST", path, 201)
            token = grant.token
            self.tokens.put(installation_id, token, grant.expires_at.timestamp())
        return Installation(self.api_url, token, installation_id, self.tokens)

    def deliveries(self, per_page: int = 100) -> Iterator[dict[str, Any]]:
        """The App's recent webhook deliveries (newest first), as GitHub describes them."""
        requester = self._integration().requester
        url, params = "/app/hook/deliveries", {"per_page": per_page}
        while url:
            headers, data = _call(
                lambda u=url, p=params: requester.requestJsonAndCheck("GET", u, p)
            )
            yield from data
            url, params = _next_link(headers.get("link", "")), None

    def redeliver(self, delivery_id: int) -> None:
        """Ask GitHub to deliver a webhook again."""
        requester = self._integration().requester
        path = f"/app/hook/deliveries/{delivery_id}/attempts"
        _call(lambda: requester.requestJsonAndCheck("POST", path))

    # -- operations (steward doctor) ------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        """The App this key signs for (`GET /app`): id, slug, name, html_url, owner..."""
        requester = self._integration().requester
        return _call(lambda: requester.requestJsonAndCheck("GET", "/app"))[1]

    def installations(self) -> list[dict[str, Any]]:
        """Every installation of the App (`GET /app/installations`, all pages)."""
        requester = self._integration().requester
        out: list[dict[str, Any]] = []
        url: str | None = "/app/installations"
        params: dict | None = {"per_page": PER_PAGE}
        while url:
            headers, data = _call(
                lambda u=url, p=params: requester.requestJsonAndCheck("GET", u, p)
            )
            out += data
            url, params = _next_link(headers.get("link", "")), None
        return out

    def hook_config(self) -> dict[str, Any]:
        """The App's webhook (`GET /app/hook/config`): url, content_type, insecure_ssl."""
        requester = self._integration().requester
        return _call(lambda: requester.requestJsonAndCheck("GET", "/app/hook/config"))[1]


def _next_link(link: str) -> str | None:
    for part in link.split(","):
        if 'rel="next"' in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None


def _status(value: str) -> FileStatus:
    try:
        return FileStatus(value)
    except ValueError:
        return FileStatus.MODIFIED


class Installation:
    """Everything the review service does on GitHub, for one installation."""

    def __init__(self, api_url: str, token: str, installation_id: int, tokens: TokenCache) -> None:
        self.installation_id = installation_id
        self._tokens = tokens
        self._gh = Github(
            auth=Auth.Token(token),
            base_url=api_url,
            per_page=PER_PAGE,
            retry=None,
            lazy=True,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._req = self._gh.requester

    def _json(self, verb: str, path: str, params=None, body=None, headers=None) -> tuple:
        try:
            out = _call(lambda: self._req.requestJsonAndCheck(verb, path, params, headers, body))
            self._observe(verb, path, 200)
            return out
        except GitHubError as exc:
            self._observe(verb, path, exc.status)
            if exc.status == 401:
                self._tokens.drop(self.installation_id)
                raise TransientGitHubError(
                    401, exc.message, exc.request_id, exc.headers, 1.0
                ) from None
            raise

    def _observe(self, verb: str, path: str, status: int) -> None:
        """Count the call, and remember the rate limit GitHub reported with it."""
        metrics.github_call(verb, path, status)
        remaining = self._req.rate_limiting[0]  # from the last response; no extra request
        if remaining >= 0:
            metrics.rate_limit_remaining.labels(str(self.installation_id)).set(remaining)

    # -- reading --------------------------------------------------------------------------
    def pull_request(self, repo: str, number: int) -> dict[str, Any]:
        """The pull request as GitHub's JSON (one call)."""
        return self._json("GET", f"/repos/{repo}/pulls/{number}")[1]

    def files(self, repo: str, number: int) -> list[FileChange]:
        """Changed files, paginated 100 at a time, up to GitHub's 3,000-file cap."""
        out: list[FileChange] = []
        for item in self._pages(f"/repos/{repo}/pulls/{number}/files", FILES_CAP):
            status = item.get("status", "modified")
            patch = item.get("patch")
            out.append(
                FileChange(
                    path=item["filename"],
                    status=_status(status),
                    additions=int(item.get("additions", 0)),
                    deletions=int(item.get("deletions", 0)),
                    patch=patch,
                    previous_path=item.get("previous_filename"),
                    binary=patch is None and item.get("changes", 0) == 0 and status != "removed",
                )
            )
        return out

    def commits(self, repo: str, number: int) -> list[Commit]:
        """The pull request's commits (GitHub lists at most 250)."""
        out = []
        for item in self._pages(f"/repos/{repo}/pulls/{number}/commits", COMMITS_CAP):
            c = item.get("commit", {})
            author = c.get("author") or {}
            out.append(
                Commit(
                    sha=item["sha"],
                    message=c.get("message", ""),
                    author_name=author.get("name", ""),
                    author_email=author.get("email", ""),
                    author_login=(item.get("author") or {}).get("login"),
                )
            )
        return out

    def _pages(self, path: str, cap: int) -> Iterator[dict[str, Any]]:
        url: str | None = path
        params: dict | None = {"per_page": PER_PAGE}
        seen = 0
        while url and seen < cap:
            headers, data = self._json("GET", url, params)
            yield from data[: cap - seen]
            seen += len(data)
            url, params = _next_link(headers.get("link", "")), None

    def fetch(self, path: str, etag: str = "", params: dict | None = None) -> Fetched:
        """Conditional GET: a 304 (cached copy still good) costs no rate limit."""
        headers = {"If-None-Match": etag} if etag else None
        try:
            status, resp_headers, body = _call(
                lambda: self._req.requestJson("GET", path, params, headers)
            )
        except GitHubError as exc:
            self._observe("GET", path, exc.status)
            raise
        self._observe("GET", path, status)
        lowered = {k.lower(): v for k, v in resp_headers.items()}
        if status == 304:
            return Fetched(304, None, etag)
        if status == 404:
            return Fetched(404, None, lowered.get("etag", ""))
        if status >= 400:
            try:
                data = json.loads(body)
            except ValueError:
                data = {"message": body[:200]}
            raise translate(GithubException(status, data, resp_headers))
        return Fetched(status, json.loads(body) if body else None, lowered.get("etag", ""))

    def file_text(self, repo: str, path: str, ref: str | None = None, etag: str = "") -> Fetched:
        """A file's text via the contents API (conditional). data = (text, blob sha)."""
        params = {"ref": ref} if ref else None
        got = self.fetch(f"/repos/{repo}/contents/{quote(path)}", etag, params)
        if got.status != 200 or not isinstance(got.data, dict):
            return got if got.status != 200 else Fetched(404, None, got.etag)
        raw = base64.b64decode(got.data.get("content", "") or "")
        return Fetched(200, (raw.decode("utf-8", errors="replace"), got.data.get("sha")), got.etag)

    def tree(self, repo: str, ref: str, etag: str = "") -> Fetched:
        """The recursive tree of `ref`: data = list of (path, blob sha, size)."""
        got = self.fetch(f"/repos/{repo}/git/trees/{quote(ref)}", etag, {"recursive": "1"})
        if got.status != 200:
            return got
        entries = [
            (e["path"], e["sha"], e.get("size", 0))
            for e in got.data.get("tree", [])
            if e.get("type") == "blob"
        ]
        return Fetched(200, entries, got.etag)

    def blob_text(self, repo: str, sha: str) -> str:
        """A blob's text by SHA (immutable, so callers cache it forever)."""
        data = self._json("GET", f"/repos/{repo}/git/blobs/{sha}")[1]
        raw = base64.b64decode(data.get("content", "") or "")
        return raw.decode("utf-8", errors="replace")

    def comments(self, repo: str, number: int) -> Iterator[dict[str, Any]]:
        """The pull request's issue comments, oldest first (id, body, user)."""
        yield from self._pages(f"/repos/{repo}/issues/{number}/comments", 100_000)

    def comment(self, repo: str, comment_id: int) -> dict[str, Any]:
        """One issue comment."""
        return self._json("GET", f"/repos/{repo}/issues/comments/{comment_id}")[1]

    def permission(self, repo: str, user: str) -> str:
        """`admin`, `maintain`, `write`, `triage`, `read` or `none`."""
        data = self._json("GET", f"/repos/{repo}/collaborators/{quote(user)}/permission")[1]
        return data.get("role_name") or data.get("permission", "none")

    def issue(self, repo: str, number: int) -> dict[str, Any] | None:
        """An issue or pull request as JSON, or None when it does not exist."""
        got = self.fetch(f"/repos/{repo}/issues/{number}")
        return got.data if got.status == 200 else None

    # -- writing --------------------------------------------------------------------------
    def create_comment(self, repo: str, number: int, body: str) -> int:
        """Post a comment; returns its id."""
        issue = self._gh.get_repo(repo).get_issue(number)  # lazy: no request
        path = f"/repos/{repo}/issues/{number}/comments"
        try:
            created = _call(lambda: issue.create_comment(body))
        except GitHubError as exc:
            self._observe("POST", path, exc.status)
            raise
        self._observe("POST", path, 201)
        return created.id

    def delete_comment(self, repo: str, comment_id: int) -> None:
        """Delete a comment; already gone is fine."""
        try:
            self._json("DELETE", f"/repos/{repo}/issues/comments/{comment_id}")
        except GitHubError as exc:
            if exc.status != 404:
                raise

    def edit_comment(self, repo: str, comment_id: int, body: str) -> None:
        """Replace a comment's body."""
        self._json("PATCH", f"/repos/{repo}/issues/comments/{comment_id}", body={"body": body})

    def create_check_run(self, repo: str, payload: dict[str, Any]) -> int:
        """Create a check run from a complete payload (first 50 annotations); returns its id."""
        return self._json("POST", f"/repos/{repo}/check-runs", body=payload)[1]["id"]

    def update_check_run(self, repo: str, check_run_id: int, payload: dict[str, Any]) -> None:
        """Update a check run (further annotations are appended by GitHub)."""
        self._json("PATCH", f"/repos/{repo}/check-runs/{check_run_id}", body=payload)

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        """Add labels to a pull request (GitHub creates unknown ones, uncoloured)."""
        self._json("POST", f"/repos/{repo}/issues/{number}/labels", body={"labels": labels})

    def remove_label(self, repo: str, number: int, label: str) -> None:
        """Remove a label; already gone is fine."""
        try:
            self._json("DELETE", f"/repos/{repo}/issues/{number}/labels/{quote(label, safe='')}")
        except GitHubError as exc:
            if exc.status != 404:
                raise

    def create_label(self, repo: str, name: str, color: str, description: str = "") -> None:
        """Create a repository label; one that already exists (422) is fine."""
        body = {"name": name, "color": color.lstrip("#"), "description": description}
        try:
            self._json("POST", f"/repos/{repo}/labels", body=body)
        except GitHubError as exc:
            if exc.status != 422:
                raise

    def rate_limit_remaining(self) -> int | None:
        """The remaining core rate limit seen on the last response, if any (no request)."""
        remaining = self._req.rate_limiting[0]
        return remaining if remaining >= 0 else None


# -- registering an App from its manifest (steward register) ----------------------------------
@dataclass(frozen=True, slots=True)
class AppCredentials:
    """What GitHub hands over, once, when it turns a manifest into an App."""

    id: int
    slug: str
    name: str
    html_url: str
    pem: str = field(repr=False)
    webhook_secret: str | None = field(repr=False)


def convert_manifest(api_url: str, code: str) -> AppCredentials:
    """Exchange the code GitHub redirected with for the new App's credentials.

    `POST /app-manifests/{code}/conversions` needs no authentication; a code works once, and
    for an hour.
    """
    requester = Github(base_url=api_url.rstrip("/"), retry=None).requester
    path = f"/app-manifests/{quote(code, safe='')}/conversions"
    data = _call(lambda: requester.requestJsonAndCheck("POST", path))[1]
    return AppCredentials(
        id=int(data["id"]),
        slug=str(data.get("slug") or ""),
        name=str(data.get("name") or ""),
        html_url=str(data.get("html_url") or ""),
        pem=str(data["pem"]),
        webhook_secret=data.get("webhook_secret") or None,
    )


__all__ = [
    "App",
    "AppCredentials",
    "Fetched",
    "GitHubError",
    "Installation",
    "TokenCache",
    "TransientGitHubError",
    "convert_manifest",
]
