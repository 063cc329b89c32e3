"""The HTTP side of the fake: a threaded stdlib server, credentials, rate limits, ETags, the
call log and fault injection around the route table.

    fake = FakeGitHub().start()          # 127.0.0.1, ephemeral port
    fake.add_repo("acme/mlkit", files={"README.md": "# mlkit\\n"})
    fake.add_pull("acme/mlkit", 5)
    gh = GithubIntegration(base_url=fake.url, auth=Auth.AppAuth(fake.app_id, fake.private_key_pem))
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakegithub import routes_issues, shapes  # noqa: F401 (routes_issues: its routes)
from tests.fakegithub.faults import Fault, FaultQueue, secondary_rate_limit
from tests.fakegithub.routes import HTTPError, Request, Response, find
from tests.fakegithub.seed import Seeder
from tests.fakegithub.state import Token

PREFIX = "/api/v3"  # GitHub Enterprise style; optional
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
JWT_DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


@dataclass
class Call:
    """One request as the fake answered it."""

    method: str
    path: str  # without /api/v3 and without the query
    query: dict[str, str]
    status: int
    auth: str  # none | app | installation | bad
    at: float  # time.time() when the answer was sent
    body: Any = None
    response: Any = None
    request_id: str = ""
    faulted: bool = False

    @property
    def write(self) -> bool:
        """A request that changes the repository (minting a token does not count)."""
        return self.method in WRITE_METHODS and not self.path.endswith("/access_tokens")


_KEYS: tuple[str, Any] | None = None


def test_keys() -> tuple[str, Any]:
    """One RSA key pair per process (PEM private key, public key object): made once, ~50 ms."""
    global _KEYS
    if _KEYS is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        _KEYS = (pem, key.public_key())
    return _KEYS


class FakeGitHub(Seeder):
    """The fake: seed it (see seed.py), point PyGithub at `.url`, then read `.calls`."""

    def __init__(self, app_id: int = 4242, app_slug: str = "steward-test") -> None:
        self.private_key_pem, self.public_key = test_keys()
        self.webhook_secret = "fake-webhook-secret"
        self.faults = FaultQueue()
        self.calls: list[Call] = []
        self.errors: list[str] = []  # tracebacks of requests the fake itself failed on
        self._server: ThreadingHTTPServer | None = None
        self._requests = 0
        super().__init__(app_id, app_slug)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        """Serve on 127.0.0.1 at an ephemeral port, in a daemon thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="fakegithub").start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        """The base URL for PyGithub (`base_url=`); `url + "/api/v3"` works too."""
        assert self._server, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Empty the world, the call log and the faults (between tests)."""
        with self.lock:
            super().reset()
            self.faults.clear()
            self.calls.clear()
            self.errors.clear()

    # -- test helpers ------------------------------------------------------------------------
    def fail(self, method: str, path: str, status: int | None = 502, **kw) -> Fault:
        """Queue a fault: `fail("POST", r"/issues/\\d+/comments$", 502, applied=True)`."""
        with self.lock:
            return self.faults.add(Fault(method, path, status, **kw))

    def rate_limit_secondary(self, method: str = "*", path: str = ".*", **kw) -> Fault:
        """Queue GitHub's 403 secondary rate limit (Retry-After: 1 unless told)."""
        with self.lock:
            return self.faults.add(secondary_rate_limit(method, path, **kw))

    def app_jwt(self, expires_in: int = 300, issued_ago: int = 60, key: str | None = None) -> str:
        """A JWT as the app would sign it (for raw requests or to test expiry)."""
        now = int(time.time())
        claims = {"iat": now - issued_ago, "exp": now + expires_in, "iss": str(self.app_id)}
        return jwt.encode(claims, key or self.private_key_pem, algorithm="RS256")

    def sign(self, body: bytes) -> str:
        """The `X-Hub-Signature-256` header GitHub sends with a webhook body."""
        return "sha256=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    def pull_json(self, repo: str, number: int) -> dict[str, Any]:
        """The pull request as GitHub's JSON: what GET /pulls/{n} answers now, and what a
        webhook's `pull_request` carries (for `Store.note_pull_request` or a payload)."""
        with self.lock:
            r = self._repo(repo)
            p = self.pull(repo, number)
            labels = [shapes.label(self.url, r, r.labels[n.lower()]) for n in p["labels"]]
            return shapes.pull(self.url, r, p, labels)

    def writes(self) -> list[Call]:
        """Calls that changed something and succeeded (status < 400)."""
        return [c for c in self.calls if c.write and c.status < 400]

    def count(self, method: str | None = None, path: str = "", status: int | None = None) -> int:
        """How many calls match: method, path regex (searched), status."""
        return sum(
            1
            for c in list(self.calls)
            if (method is None or c.method == method)
            and re.search(path, c.path)
            and (status is None or c.status == status)
        )

    # -- request handling --------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes
    ) -> tuple[int, dict, bytes]:
        """Answer one request: (status, headers, body bytes)."""
        parts = urlsplit(raw_path)
        prefix = PREFIX if parts.path.startswith(PREFIX + "/") or parts.path == PREFIX else ""
        path = parts.path[len(prefix) :].rstrip("/") or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        api = f"http://{headers.get('Host') or self.url.removeprefix('http://')}{prefix}"
        with self.lock:
            self._requests += 1
            request_id = f"FA4E:{self._requests:04X}:{id(self) & 0xFFFF:04X}:{int(time.time()):X}"
            fault = self.faults.take(method, path)
        if fault and fault.latency:
            time.sleep(fault.latency)
        req = Request(method, path, query, headers, None, api)
        extra: dict[str, str] = {}
        with self.lock:
            try:
                req.body = json.loads(body) if body else None
            except ValueError:
                req.body = ...  # routes answer 400 "Problems parsing JSON"
            if fault and fault.status and not fault.applied:
                self._authenticate(req, "any")
                response = Response(fault.status, fault.body(request_id), dict(fault.headers))
            else:
                response = self._dispatch(req)
                if fault and fault.status:
                    response = Response(fault.status, fault.body(request_id), dict(fault.headers))
            if method == "GET" and response.status == 200:
                raw = json.dumps(response.body).encode()
                etag = 'W/"' + hashlib.sha256(raw).hexdigest() + '"'
                response.headers["ETag"] = etag
                if _etag_matches(headers.get("If-None-Match"), etag):
                    response = Response(304, None, {"ETag": etag})
            counted = response.status != 304 and path != "/rate_limit"
            extra = self._rate_headers(req, counted)
            self.calls.append(
                Call(
                    method,
                    path,
                    query,
                    response.status,
                    req.auth_kind,
                    time.time(),
                    None if req.body is ... else req.body,
                    response.body,
                    request_id,
                    fault is not None and fault.status is not None,
                )
            )
        out = {**response.headers, **extra, "X-GitHub-Request-Id": request_id}
        raw = (
            b""
            if response.status in (204, 304) or response.body is None
            else json.dumps(response.body).encode()
        )
        return response.status, out, raw

    def _dispatch(self, req: Request) -> Response:
        found = find(req.method, req.path)
        if found is None:
            return Response(
                404, {"message": "Not Found", "documentation_url": JWT_DOCS, "status": "404"}
            )
        auth, handler, req.params = found
        try:
            self._authenticate(req, auth)
            if req.token is not None and req.token.used >= req.token.limit:
                raise HTTPError(
                    403, f"API rate limit exceeded for installation ID {req.token.installation_id}.",
                    RATE_DOCS,
                )  # fmt: skip
            if req.body is ...:
                raise HTTPError(400, "Problems parsing JSON", JWT_DOCS)
            return handler(self, req)
        except HTTPError as err:
            return err.response
        except Exception:  # a bug in the fake: answer 500 and keep it for the test to see
            self.errors.append(traceback.format_exc())
            return Response(500, {"message": "Fake GitHub crashed; see fake.errors"})

    def _authenticate(self, req: Request, needs: str) -> None:
        """Set req.auth_kind/token from the Authorization header; raise 401 when `needs` fails."""
        kind, _, cred = (req.headers.get("Authorization") or "").partition(" ")
        cred = cred.strip()
        jwt_error = None
        if cred.count(".") == 2:
            jwt_error = self._check_jwt(cred)
            req.auth_kind = "bad" if jwt_error else "app"
        elif cred:
            token = self.tokens.get(cred)
            if (
                token is None
                or token.expires_at <= time.time()
                or kind.lower() not in ("token", "bearer")
            ):
                req.auth_kind = "bad"
            else:
                req.auth_kind, req.token = "installation", token
        if needs == "none" or (needs == "any" and req.auth_kind != "bad"):
            return
        if needs == "app" and req.auth_kind != "app":
            raise HTTPError(401, jwt_error or "A JSON web token could not be decoded", JWT_DOCS)
        if needs in ("installation", "any") and req.auth_kind != "installation":
            if req.auth_kind == "none":
                raise HTTPError(401, "Requires authentication", JWT_DOCS)
            raise HTTPError(401, "Bad credentials", JWT_DOCS)

    def _check_jwt(self, token: str) -> str | None:
        """None for a good app JWT, else GitHub's message for what is wrong with it."""
        try:
            claims = jwt.decode(
                token, self.public_key, algorithms=["RS256"],
                options={"require": ["iat", "exp", "iss"], "verify_iat": False}, leeway=0,
            )  # fmt: skip
        except jwt.ExpiredSignatureError:
            return (
                "'Expiration time' claim ('exp') must be a numeric value representing the future "
                "time at which the assertion expires"
            )
        except jwt.PyJWTError:
            return "A JSON web token could not be decoded"
        now = time.time()
        if claims["exp"] > now + 600 + 60:
            return "'Expiration time' claim ('exp') is too far in the future"
        if claims["iat"] > now + 60:
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        if str(claims["iss"]) != str(self.app_id):
            return "Integration not found"
        return None

    def _rate_headers(self, req: Request, counted: bool) -> dict[str, str]:
        token: Token | None = req.token
        if counted and token is not None:
            token.used = min(token.limit, token.used + 1)
        elif counted and req.auth_kind == "app":
            self.jwt_used = min(self.jwt_limit, self.jwt_used + 1)
        limit, used = self.rate_counter(token, req.auth_kind == "app")
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used)),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
        }


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    want = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") in (want, "*") for tag in header.split(","))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's requests session expects
    # headers and body leave in two send()s: with Nagle on, the client's delayed ACK holds the
    # body back ~40 ms per request
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "GitHub.com"

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, raw = self.fake.handle(self.command, self.path, self.headers, body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        if status != 304:
            self.send_header("Content-Length", str(len(raw)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if raw:
            self.wfile.write(raw)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
