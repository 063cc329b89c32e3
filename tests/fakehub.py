"""A fake GitHub REST API over real HTTP, for real PyGithub to talk to.

Small on purpose: the endpoints Steward's worker uses, answered in the shapes of GitHub's
OpenAPI description (only the fields Steward and PyGithub read), with GitHub's headers
(rate limit, request id, ETag), `Link` pagination, conditional GETs (a 304 costs no rate limit),
app JWT / installation-token auth, a call log, and fault injection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PER_PAGE_MAX = 100


@dataclass
class Call:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: Any = None
    response: Any = None
    at: float = 0.0

    @property
    def write(self) -> bool:
        """True for requests that change something (not GET/HEAD, not token minting)."""
        return self.method not in ("GET", "HEAD") and not self.path.endswith("/access_tokens")


@dataclass
class Fault:
    """Answer `status` to matching requests `times` times; `applied` = do the work first."""

    method: str
    path: str  # regex, matched against the path
    status: int
    times: int = 1
    applied: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"


def _keys() -> tuple[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key.public_key()


_PEM, _PUBLIC = _keys()


class FakeGitHub:
    """State and behaviour of the fake. Start with `start()`; seed with `add_*`."""

    def __init__(self, app_id: int = 4242) -> None:
        self.app_id = app_id
        self.private_key_pem = _PEM
        self.lock = threading.RLock()
        self.reset()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        """Serve on an ephemeral loopback port in a daemon thread."""
        fake = self

        class Handler(_Handler):
            gh = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """The API base URL to give PyGithub."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Forget everything (between tests)."""
        with self.lock:
            self.calls: list[Call] = []
            self.faults: list[Fault] = []
            self.tokens: dict[str, int] = {}
            self.remaining: dict[str, int] = {}
            self.repos: dict[str, dict[str, Any]] = {}
            self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
            self.comments: dict[int, dict[str, Any]] = {}
            self.check_runs: dict[int, dict[str, Any]] = {}
            self.labels: dict[str, dict[str, dict[str, Any]]] = {}
            self.next_id = 1000
            self.latency = 0.0

    # -- seeding ---------------------------------------------------------------------------
    def add_repo(self, full_name: str, files: dict[str, str] | None = None, branch: str = "main"):
        """A repository with these files on its default branch."""
        with self.lock:
            self.repos[full_name] = {"default_branch": branch, "files": dict(files or {})}
            self.labels.setdefault(full_name, {})

    def add_pull(self, repo: str, number: int, files: list[dict[str, Any]], **fields) -> dict:
        """A pull request; `files` are GitHub file entries (filename, status, patch, ...)."""
        head = fields.pop("head_sha", "b" * 40)
        pull = {
            "number": number,
            "state": "open",
            "title": fields.pop("title", "Add a feature"),
            "body": fields.pop("body", "Adds a feature. Refs #1"),
            "draft": fields.pop("draft", False),
            "user": {"login": fields.pop("author", "octocat"), "type": "User"},
            "author_association": fields.pop("association", "CONTRIBUTOR"),
            "labels": [{"name": n} for n in fields.pop("labels", [])],
            "created_at": "2026-11-20T10:00:00Z",
            "updated_at": fields.pop("updated_at", "2026-11-20T10:00:00Z"),
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "base": {
                "ref": "main",
                "sha": "a" * 40,
                "repo": {"full_name": repo, "default_branch": "main"},
            },
            "head": {"ref": "feature", "sha": head},
            "_files": [self._file_entry(f) for f in files],
            "_commits": [],
        }
        pull.update(fields)
        with self.lock:
            self.pulls[(repo, number)] = pull
        return pull

    @staticmethod
    def _file_entry(f: dict[str, Any]) -> dict[str, Any]:
        patch = f.get("patch")
        adds = f.get("additions", sum(1 for x in (patch or "").split("\n") if x[:1] == "+"))
        dels = f.get("deletions", sum(1 for x in (patch or "").split("\n") if x[:1] == "-"))
        entry = {
            "sha": hashlib.sha1(f["filename"].encode()).hexdigest(),
            "filename": f["filename"],
            "status": f.get("status", "modified"),
            "additions": adds,
            "deletions": dels,
            "changes": adds + dels,
        }
        if patch is not None:
            entry["patch"] = patch
        if f.get("previous_filename"):
            entry["previous_filename"] = f["previous_filename"]
        return entry

    def push(self, repo: str, number: int, head_sha: str, files: list[dict[str, Any]]) -> None:
        """A new head for the pull request."""
        with self.lock:
            pull = self.pulls[(repo, number)]
            pull["head"]["sha"] = head_sha
            pull["_files"] = [self._file_entry(f) for f in files]

    def fail(self, method: str, path: str, status: int, **kwargs) -> Fault:
        """Queue a fault for requests matching method and path regex."""
        fault = Fault(method, path, status, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    # -- reading state ---------------------------------------------------------------------
    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Comments on a pull request, oldest first."""
        return [c for c in self.comments.values() if c["_key"] == (repo, number)]

    def runs_for(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Check runs for a commit, oldest first."""
        return [r for r in self.check_runs.values() if r["_repo"] == repo and r["head_sha"] == sha]

    def writes(self) -> list[Call]:
        """Calls that changed something."""
        return [c for c in self.calls if c.write and c.status < 400]

    # -- request handling ------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict, Any]:
        parts = urlsplit(raw_path)
        path = parts.path.removeprefix("/api/v3")
        query = parse_qs(parts.query)
        data = json.loads(body) if body else None
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.times > 0 and f.method == method and re.search(f.path, path)
                ),
                None,
            )
            if fault:
                fault.times -= 1
        status, extra, payload = 0, {}, None
        if fault and not fault.applied:
            status, payload = fault.status, {"message": fault.message}
            extra = dict(fault.headers)
        else:
            status, extra, payload = self._route(method, path, query, headers, data)
            if fault:
                status, payload = fault.status, {"message": fault.message}
                extra = dict(fault.headers)
        with self.lock:
            self.calls.append(Call(method, path, query, status, data, payload, time.monotonic()))
        return status, extra, payload

    def _auth(self, headers) -> tuple[str, str | None]:
        value = headers.get("Authorization", "")
        kind, _, cred = value.partition(" ")
        if kind.lower() == "bearer":
            try:
                claims = jwt.decode(
                    cred, _PUBLIC, algorithms=["RS256"], options={"verify_aud": False}
                )
            except jwt.PyJWTError:
                return "bad", None
            return ("app", None) if str(claims.get("iss")) == str(self.app_id) else ("bad", None)
        if kind.lower() in ("token", "bearer") and cred in self.tokens:
            return "installation", cred
        return ("installation", cred) if cred in self.tokens else ("none", None)

    def _route(self, method, path, query, headers, data):
        kind, token = self._auth(headers)
        m = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if m and method == "POST":
            if kind != "app":
                return 401, {}, {"message": "A JSON web token could not be decoded"}
            token = f"ghs_{self.next_id}"
            self.next_id += 1
            self.tokens[token] = int(m.group(1))
            self.remaining[token] = 5000
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            return 201, {}, {"token": token, "expires_at": expires, "permissions": {}}
        if kind != "installation":
            return 401, {}, {"message": "Bad credentials"}
        if not (m := re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path)):
            return 404, {}, {"message": "Not Found"}
        repo, rest = m.group(1), m.group(2) or ""
        if repo not in self.repos:
            return 404, {}, {"message": "Not Found"}
        state = self.repos[repo]
        if method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)", rest)):
            pull = self.pulls.get((repo, int(m.group(1))))
            return (200, {}, _public(pull)) if pull else (404, {}, {"message": "Not Found"})
        if method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)/(files|commits)", rest)):
            pull = self.pulls.get((repo, int(m.group(1))))
            if not pull:
                return 404, {}, {"message": "Not Found"}
            items = pull["_files"][:3000] if m.group(2) == "files" else pull["_commits"][:250]
            return self._page(path, query, items)
        if method == "GET" and (m := re.fullmatch(r"/contents/(.+)", rest)):
            name = unquote(m.group(1))
            ref = query.get("ref", [state["default_branch"]])[0]
            if ref != state["default_branch"] or name not in state["files"]:
                return 404, {}, {"message": "Not Found"}
            text = state["files"][name]
            sha = hashlib.sha1(text.encode()).hexdigest()
            etag = f'"{sha}"'
            if headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, None
            content = base64.b64encode(text.encode()).decode()
            body = {
                "type": "file",
                "path": name,
                "sha": sha,
                "encoding": "base64",
                "content": content,
            }
            return 200, {"ETag": etag}, body
        if method == "GET" and (m := re.fullmatch(r"/git/trees/(.+)", rest)):
            tree = [
                {
                    "path": p,
                    "type": "blob",
                    "sha": hashlib.sha1(t.encode()).hexdigest(),
                    "size": len(t),
                }
                for p, t in sorted(state["files"].items())
            ]
            etag = '"' + hashlib.sha1(json.dumps(tree).encode()).hexdigest() + '"'
            if headers.get("If-None-Match") == etag:
                return 304, {"ETag": etag}, None
            return 200, {"ETag": etag}, {"sha": "t" * 40, "tree": tree, "truncated": False}
        if method == "GET" and (m := re.fullmatch(r"/git/blobs/([0-9a-f]+)", rest)):
            for text in state["files"].values():
                if hashlib.sha1(text.encode()).hexdigest() == m.group(1):
                    content = base64.b64encode(text.encode()).decode()
                    return 200, {}, {"sha": m.group(1), "encoding": "base64", "content": content}
            return 404, {}, {"message": "Not Found"}
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            key = (repo, int(m.group(1)))
            if method == "GET":
                return self._page(path, query, [_public(c) for c in self.comments_on(*key)])
            if method == "POST":
                cid = self.next_id
                self.next_id += 1
                self.comments[cid] = {
                    "id": cid,
                    "body": data["body"],
                    "user": {"login": "steward[bot]", "type": "Bot"},
                    "performed_via_github_app": {"id": self.app_id},
                    "_key": key,
                }
                return 201, {}, _public(self.comments[cid])
        if m := re.fullmatch(r"/issues/comments/(\d+)", rest):
            c = self.comments.get(int(m.group(1)))
            if not c:
                return 404, {}, {"message": "Not Found"}
            if method == "PATCH":
                c["body"] = data["body"]
            return 200, {}, _public(c)
        if rest == "/check-runs" and method == "POST":
            rid = self.next_id
            self.next_id += 1
            output = dict(data.get("output") or {})
            annotations = output.pop("annotations", [])
            self.check_runs[rid] = {**data, "id": rid, "output": output, "_repo": repo,
                                    "_annotations": list(annotations)}  # fmt: skip
            return 201, {}, _public(self.check_runs[rid])
        if (m := re.fullmatch(r"/check-runs/(\d+)", rest)) and method == "PATCH":
            run = self.check_runs.get(int(m.group(1)))
            if not run:
                return 404, {}, {"message": "Not Found"}
            output = dict(data.get("output") or {})
            run["_annotations"].extend(output.pop("annotations", []))
            run["output"].update(output)
            run.update({k: v for k, v in data.items() if k != "output"})
            return 200, {}, _public(run)
        if rest == "/labels" and method == "POST":
            if data["name"] in self.labels[repo]:
                return 422, {}, {"message": "Validation Failed"}
            self.labels[repo][data["name"]] = {"name": data["name"], "color": data.get("color")}
            return 201, {}, self.labels[repo][data["name"]]
        if (m := re.fullmatch(r"/issues/(\d+)/labels", rest)) and method == "POST":
            pull = self.pulls[(repo, int(m.group(1)))]
            for name in data.get("labels", []):
                self.labels[repo].setdefault(name, {"name": name, "color": "ededed"})
                if name not in [x["name"] for x in pull["labels"]]:
                    pull["labels"].append({"name": name})
            return 200, {}, pull["labels"]
        if (m := re.fullmatch(r"/issues/(\d+)/labels/(.+)", rest)) and method == "DELETE":
            pull = self.pulls[(repo, int(m.group(1)))]
            name = unquote(m.group(2))
            if name not in [x["name"] for x in pull["labels"]]:
                return 404, {}, {"message": "Label does not exist"}
            pull["labels"] = [x for x in pull["labels"] if x["name"] != name]
            return 200, {}, pull["labels"]
        return 404, {}, {"message": "Not Found"}

    def _page(self, path: str, query, items: list) -> tuple[int, dict, list]:
        per_page = min(int(query.get("per_page", ["30"])[0]), PER_PAGE_MAX)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []
        base = f"{self.url}{path}?per_page={per_page}&page="
        if page < last:
            links += [f'<{base}{page + 1}>; rel="next"', f'<{base}{last}>; rel="last"']
        if page > 1:
            links += [f'<{base}1>; rel="first"', f'<{base}{page - 1}>; rel="prev"']
        return 200, ({"Link": ", ".join(links)} if links else {}), chunk


def _public(obj: dict | None) -> dict | None:
    return None if obj is None else {k: v for k, v in obj.items() if not k.startswith("_")}


class _Handler(BaseHTTPRequestHandler):
    gh: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, extra, payload = self.gh.handle(self.command, self.path, self.headers, body)
        token = (self.headers.get("Authorization") or "").partition(" ")[2]
        remaining = self.gh.remaining.get(token, 5000)
        if status != 304 and token in self.gh.remaining:
            remaining = self.gh.remaining[token] = max(0, remaining - 1)
        raw = b"" if status == 304 or payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("X-GitHub-Request-Id", f"FAKE:{len(self.gh.calls)}")
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", str(remaining))
        self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
        self.send_header("X-RateLimit-Resource", "core")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
