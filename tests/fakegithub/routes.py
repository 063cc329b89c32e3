"""The endpoints: one small handler per GitHub operation, registered in a table.

Each handler takes the parsed `Request` and returns a `Response` or raises `HTTPError`; the
server (server.py) has already checked the credentials the route asks for (`auth`), and holds
the state lock while a handler runs.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from tests.fakegithub import shapes
from tests.fakegithub.state import Repo, State, Token, blob_sha, iso, tree_sha

DOCS = "https://docs.github.com/rest"
FILES_CAP = 3000  # GitHub lists at most 3,000 files of a pull request
COMMITS_CAP = 250  # ... and at most 250 commits
PER_PAGE_MAX = 100


@dataclass
class Request:
    method: str
    path: str  # without query and without the /api/v3 prefix
    query: dict[str, str]
    headers: Any
    body: Any
    api: str  # base URL the request came in on, e.g. http://127.0.0.1:5000/api/v3
    auth_kind: str = "none"  # none | app | installation | bad
    token: Token | None = None
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HTTPError(Exception):
    """An error answer in GitHub's form."""

    def __init__(self, code: int, message: str, docs: str = DOCS, **extra: Any) -> None:
        super().__init__(message)
        self.response = Response(code, {"message": message, "documentation_url": docs, **extra})


def not_found(docs: str = DOCS) -> HTTPError:
    return HTTPError(404, "Not Found", docs, status="404")


Handler = Callable[[State, Request], Response]
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


def route(method: str, pattern: str, auth: str = "installation"):
    """Register a handler; `auth` is installation, app (JWT), any or none."""

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern.replace("{REPO}", REPO)), auth, fn))
        return fn

    return register


def find(method: str, path: str) -> tuple[str, Handler, dict[str, str]] | None:
    """The route for a request: (auth, handler, path params), or None."""
    for verb, pattern, auth, fn in ROUTES:
        m = pattern.fullmatch(path)
        if m and verb == method:
            return auth, fn, {k: unquote(v) for k, v in m.groupdict().items()}
    return None


def path_exists(path: str) -> bool:
    """True when some method is routed at this path (for 404 vs. 405-like answers)."""
    return any(p.fullmatch(path) for _, p, _, _ in ROUTES)


# -- helpers ---------------------------------------------------------------------------------
def repo_of(state: State, req: Request) -> Repo:
    """The request's repository, 404 when absent or outside the token's installation."""
    r = state.repo(f"{req.params['owner']}/{req.params['repo']}")
    if r is None:
        raise not_found()
    if req.auth_kind == "installation":
        inst = state.installation_for(r)
        if inst is None or req.token is None or inst.id != req.token.installation_id:
            raise not_found()
    return r


def paginate(req: Request, items: list[Any], wrap: Callable | None = None) -> Response:
    """One page of `items` with GitHub's RFC 5988 `Link` header (prev, next, last, first)."""
    try:
        per_page = min(max(int(req.query.get("per_page", 30)), 1), PER_PAGE_MAX)
        page = max(int(req.query.get("page", 1)), 1)
    except ValueError as exc:
        raise HTTPError(422, "Invalid request.") from exc
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]

    def link(n: int, rel: str) -> str:
        query = {k: v for k, v in req.query.items() if k != "page"} | {"page": n}
        return f'<{req.api}{req.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    headers = {"Link": ", ".join(links)} if links else {}
    return Response(200, wrap(chunk) if wrap else chunk, headers)


def labels_json(state: State, req: Request, r: Repo, names: list[str]) -> list[dict[str, Any]]:
    return [shapes.label(req.api, r, r.labels[n.lower()]) for n in names if n.lower() in r.labels]


def ensure_label(state: State, r: Repo, name: str, color: str = "ededed") -> dict[str, Any]:
    """The repository's label, created (like GitHub does when adding to an issue) if missing."""
    key = name.lower()
    if key not in r.labels:
        r.labels[key] = {"id": state.next_id(), "name": name, "color": color, "description": None}
    return r.labels[key]


def app_json(state: State, req: Request, r: Repo | None = None) -> dict[str, Any]:
    inst = state.installation_for(r) if r else None
    return shapes.app(req.api, state.app_id, state.app_slug, inst)


def body_dict(req: Request) -> dict[str, Any]:
    if not isinstance(req.body, dict):
        raise HTTPError(400, "Problems parsing JSON")
    return req.body


# -- the app and its installations -----------------------------------------------------------
@route("GET", r"/app", auth="app")
def get_app(state: State, req: Request) -> Response:
    return Response(200, app_json(state, req))


@route("GET", r"/app/installations", auth="app")
def list_installations(state: State, req: Request) -> Response:
    items = [
        shapes.installation(req.api, i, state.app_id, state.app_slug, listed=True)
        for i in state.installations.values()
    ]
    return paginate(req, items)


@route("GET", r"/app/installations/(?P<id>\d+)", auth="app")
def get_installation(state: State, req: Request) -> Response:
    inst = state.installations.get(int(req.params["id"]))
    if inst is None:
        raise not_found()
    return Response(200, shapes.installation(req.api, inst, state.app_id, state.app_slug))


@route("POST", r"/app/installations/(?P<id>\d+)/access_tokens", auth="app")
def create_token(state: State, req: Request) -> Response:
    inst = state.installations.get(int(req.params["id"]))
    if inst is None:
        raise not_found()
    if inst.suspended:
        raise HTTPError(403, "This installation has been suspended")
    token = state.mint_token(inst.id)
    body = {
        "token": token.token,
        "expires_at": iso(token.expires_at),
        "permissions": dict(inst.permissions),
        "repository_selection": "all" if inst.repos is None else "selected",
    }
    return Response(201, body)


@route("GET", r"{REPO}/installation", auth="app")
def repo_installation(state: State, req: Request) -> Response:
    r = state.repo(f"{req.params['owner']}/{req.params['repo']}")
    inst = state.installation_for(r) if r else None
    if inst is None:
        raise not_found()
    return Response(200, shapes.installation(req.api, inst, state.app_id, state.app_slug))


@route("GET", r"/installation/repositories")
def installation_repos(state: State, req: Request) -> Response:
    assert req.token is not None
    inst = state.installations[req.token.installation_id]
    repos = [
        shapes.repo(req.api, r) for r in state.repos.values() if state.installation_for(r) is inst
    ]
    return paginate(req, repos, lambda chunk: {"total_count": len(repos), "repositories": chunk})


@route("GET", r"/app/hook/deliveries", auth="app")
def list_deliveries(state: State, req: Request) -> Response:
    """Newest first, cursor-paginated: the Link header carries `cursor`, never `page`."""
    per_page = min(int(req.query.get("per_page", 30)), PER_PAGE_MAX)
    items = sorted(state.deliveries, key=lambda d: d.id, reverse=True)
    cursor = req.query.get("cursor")
    if cursor:
        items = [d for d in items if d.id < int(cursor.removeprefix("v1_"))]
    chunk = items[:per_page]
    headers = {}
    if len(items) > per_page:
        query = {k: v for k, v in req.query.items() if k != "cursor"}
        query["cursor"] = f"v1_{chunk[-1].id}"
        headers["Link"] = f'<{req.api}{req.path}?{urlencode(query)}>; rel="next"'
    body = [
        {
            "id": d.id,
            "guid": d.guid,
            "delivered_at": d.delivered_at,
            "redelivery": d.redelivery,
            "duration": d.duration,
            "status": "OK" if d.status_code < 400 else f"Invalid HTTP Response: {d.status_code}",
            "status_code": d.status_code,
            "event": d.event,
            "action": d.action,
            "installation_id": d.installation_id,
            "repository_id": d.repository_id,
            "throttled_at": None,
        }
        for d in chunk
    ]
    return Response(200, body, headers)


@route("POST", r"/app/hook/deliveries/(?P<id>\d+)/attempts", auth="app")
def redeliver(state: State, req: Request) -> Response:
    did = int(req.params["id"])
    original = next((d for d in state.deliveries if d.id == did), None)
    if original is None:
        raise not_found()
    state.redelivered.append(did)
    state.add_delivery(
        original.event,
        original.action,
        guid=original.guid,
        redelivery=True,
        installation_id=original.installation_id,
        repository_id=original.repository_id,
    )
    return Response(202, {})


@route("GET", r"/app/hook/config", auth="app")
def hook_config(state: State, req: Request) -> Response:
    return Response(200, dict(state.hook_config))  # seeded by Seeder.reset/set_hook_config


@route("POST", r"/app-manifests/(?P<code>[^/]+)/conversions", auth="none")
def manifest_conversion(state: State, req: Request) -> Response:
    config = state.manifests.pop(req.params["code"], None)
    if config is None:
        raise not_found()
    return Response(201, config)


@route("GET", r"/rate_limit", auth="any")
def rate_limit(state: State, req: Request) -> Response:
    limit, used = state.rate_counter(req.token, req.auth_kind == "app")
    core = {
        "limit": limit,
        "used": used,
        "remaining": max(0, limit - used),
        "reset": state.reset_at,
    }
    other = {"limit": 5000, "used": 0, "remaining": 5000, "reset": state.reset_at}
    resources = {"core": core, "search": other | {"limit": 30, "remaining": 30}, "graphql": other}
    return Response(200, {"resources": resources, "rate": core})


# -- repositories, pulls, contents -----------------------------------------------------------
@route("GET", r"{REPO}")
def get_repo(state: State, req: Request) -> Response:
    return Response(200, shapes.repo(req.api, repo_of(state, req), full=True))


def _pull(state: State, req: Request, r: Repo) -> dict[str, Any]:
    p = state.pulls.get((r.full_name.lower(), int(req.params["n"])))
    if p is None:
        raise not_found("https://docs.github.com/rest/pulls/pulls#get-a-pull-request")
    return p


@route("GET", r"{REPO}/pulls/(?P<n>\d+)")
def get_pull(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    p = _pull(state, req, r)
    return Response(200, shapes.pull(req.api, r, p, labels_json(state, req, r, p["labels"])))


@route("GET", r"{REPO}/pulls/(?P<n>\d+)/files")
def pull_files(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    p = _pull(state, req, r)
    files = [shapes.pull_file(req.api, r, p["head_sha"], f) for f in p["files"][:FILES_CAP]]
    return paginate(req, files)


@route("GET", r"{REPO}/pulls/(?P<n>\d+)/commits")
def pull_commits(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    p = _pull(state, req, r)
    return paginate(req, [shapes.commit(req.api, r, c) for c in p["commits"][:COMMITS_CAP]])


def _snapshot(state: State, r: Repo, ref: str | None) -> tuple[str, dict[str, bytes]]:
    sha = state.resolve(r, ref)
    if sha is None:
        raise HTTPError(404, f"No commit found for the ref {ref}", status="404")
    return sha, r.snapshots[sha]


@route("GET", r"{REPO}/contents(?:/(?P<path>.*))?")
def get_contents(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    ref = req.query.get("ref") or r.default_branch
    _, files = _snapshot(state, r, ref)
    path = (req.params.get("path") or "").strip("/")
    if path in files:
        return Response(200, shapes.content_file(req.api, r, path, files[path], ref))
    prefix = f"{path}/" if path else ""
    children: dict[str, str] = {}
    for name in files:
        if name.startswith(prefix):
            head, sep, _ = name[len(prefix) :].partition("/")
            children[prefix + head] = "dir" if sep else "file"
    if not children:
        raise not_found("https://docs.github.com/rest/repos/contents#get-repository-content")
    listing = [
        shapes.content_entry(req.api, r, p, kind, files.get(p, b""), ref)
        for p, kind in sorted(children.items())
    ]
    return Response(200, listing)


@route("GET", r"{REPO}/git/trees/(?P<sha>.+)")
def get_tree(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    _, files = _snapshot(state, r, req.params["sha"])
    recursive = req.query.get("recursive") not in (None, "", "0", "false")
    base = f"{req.api}/repos/{r.full_name}/git"
    entries: dict[str, dict[str, Any]] = {}
    for path, data in sorted(files.items()):
        parts = path.split("/")
        if not recursive and len(parts) > 1:
            entries.setdefault(parts[0], _tree_dir(base, parts[0], files))
            continue
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            entries.setdefault(d, _tree_dir(base, d, files))
        sha = blob_sha(data)
        entries[path] = {"path": path, "mode": "100644", "type": "blob", "sha": sha,
                         "size": len(data), "url": f"{base}/blobs/{sha}"}  # fmt: skip
    root = tree_sha(files)
    body = {
        "sha": root,
        "url": f"{base}/trees/{root}",
        "tree": list(entries.values()),
        "truncated": False,
    }
    return Response(200, body)


def _tree_dir(base: str, path: str, files: dict[str, bytes]) -> dict[str, Any]:
    sha = tree_sha({p: c for p, c in files.items() if p.startswith(path + "/")})
    return {
        "path": path,
        "mode": "040000",
        "type": "tree",
        "sha": sha,
        "url": f"{base}/trees/{sha}",
    }


@route("GET", r"{REPO}/git/blobs/(?P<sha>[0-9a-f]{40})")
def get_blob(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    for files in r.snapshots.values():
        for data in files.values():
            if blob_sha(data) == req.params["sha"]:
                body = {
                    "sha": req.params["sha"],
                    "node_id": shapes.node_id("B", req.params["sha"][:12]),
                    "size": len(data),
                    "url": f"{req.api}/repos/{r.full_name}/git/blobs/{req.params['sha']}",
                    "content": base64.b64encode(data).decode(),
                    "encoding": "base64",
                }
                return Response(200, body)
    raise not_found()


@route("GET", r"{REPO}/collaborators/(?P<user>[^/]+)/permission")
def collaborator_permission(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    login = req.params["user"]
    perm = r.permissions.get(login.lower(), "none" if r.private else "read")
    legacy = {"maintain": "write", "triage": "read"}.get(perm, perm)
    collaborator = shapes.user(req.api, login) | {"role_name": perm}
    body = {"permission": legacy, "role_name": perm, "user": collaborator}
    return Response(200, body)


@route("GET", r"{REPO}/commits/(?P<ref>[^/]+)")
def get_commit(state: State, req: Request) -> Response:
    """A commit (what PyGithub's `get_commit` loads before listing its check runs)."""
    r = repo_of(state, req)
    sha = state.resolve(r, req.params["ref"])
    if sha is None and not state.known_sha(r, req.params["ref"]):
        raise HTTPError(422, f"No commit found for SHA: {req.params['ref']}", status="422")
    sha = sha or req.params["ref"]
    pulls = [p for (name, _), p in state.pulls.items() if name == r.full_name.lower()]
    known = next((c for p in pulls for c in p["commits"] if c["sha"] == sha), None)
    info = known or {"sha": sha, "message": "Commit", "author": r.owner,
                     "date": "2026-01-15T10:00:00Z", "parents": []}  # fmt: skip
    body = shapes.commit(req.api, r, info) | {
        "stats": {"total": 0, "additions": 0, "deletions": 0},
        "files": [],
    }
    return Response(200, body)
