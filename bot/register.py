"""`steward register`: create the GitHub App from its manifest and write its credentials.

GitHub's manifest flow (https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest):
a local page POSTs `app.yml` (with this deployment's URLs filled in) to GitHub's "new App" page;
the person confirms there; GitHub redirects the browser back to `redirect_url` with a one-hour,
single-use `code` and the `state` we sent; the code is exchanged for the App's id, private key
and webhook secret, which are written to an env file (mode 0600) and never printed.
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from bot import github

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEB_URL = "https://github.com"
WEBHOOK_PATH = "/webhooks/github"
MANIFEST = "app.yml"


class RegisterError(Exception):
    """Registration cannot go on; the message says why and what to do."""


# -- the manifest ------------------------------------------------------------------------------
def manifest_text(path: str | Path | None = None) -> str:
    """The App manifest: `path`, else the copy shipped in the package (bot.manifest/app.yml)."""
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise RegisterError(f"cannot read the manifest {path}: {exc.strerror}") from None
    try:
        return (resources.files("bot.manifest") / MANIFEST).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # an editable install (`pip install -e .`) cannot map a data-only package onto the
        # repository root, so there the manifest is read from the checkout itself
        return (Path(__file__).resolve().parents[1] / MANIFEST).read_text(encoding="utf-8")


def manifest(public_url: str, name: str | None = None, text: str | None = None) -> dict:
    """The manifest to post: app.yml with this deployment's URLs (and optionally a name).

    `url` (the App's homepage) is the deployment and `hook_attributes.url` its webhook route;
    `Registration` sets `redirect_url` to its own callback, where GitHub sends the browser back.
    """
    data = yaml.safe_load(text if text is not None else manifest_text())
    if not isinstance(data, dict):
        raise RegisterError("the manifest is not a YAML mapping")
    base = public_url.rstrip("/")
    data["url"] = base
    data["hook_attributes"] = {**(data.get("hook_attributes") or {}), "url": base + WEBHOOK_PATH}
    if name:
        data["name"] = name
    return data


def check_public_url(url: str) -> str:
    """The URL GitHub will send webhooks to, checked: http(s), a host GitHub can reach."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RegisterError(
            f"--url must be an http(s) URL such as https://steward.example.org, not {url!r}"
        )
    host = parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if loopback:
        raise RegisterError(
            f"--url {url} is this machine: GitHub cannot deliver webhooks there. Give the "
            "deployment's public URL (or a tunnel's, e.g. smee.io) instead"
        )
    return url.rstrip("/")


# -- where GitHub is ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoints:
    """GitHub's web root (where people create Apps) and its REST API root."""

    web: str
    api: str

    def new_app_url(self, org: str | None) -> str:
        """The page that takes a manifest: the person's account, or an organisation's."""
        if org:
            return f"{self.web}/organizations/{org}/settings/apps/new"
        return f"{self.web}/settings/apps/new"


def endpoints(api_url: str | None, github_url: str | None) -> Endpoints:
    """Web and API roots from STEWARD_GITHUB_API_URL and --github-url, each derived if absent.

    github.com: https://github.com + https://api.github.com; GitHub Enterprise Server:
    https://HOST + https://HOST/api/v3; GHE.com: https://SUB.ghe.com + https://api.SUB.ghe.com.
    """
    web = github_url.rstrip("/") if github_url else None
    api = api_url.rstrip("/") if api_url else None
    if api is None:
        if web is None or web == DEFAULT_WEB_URL:
            api = DEFAULT_API_URL
        elif urlsplit(web).hostname and urlsplit(web).hostname.endswith(".ghe.com"):
            parts = urlsplit(web)
            api = f"{parts.scheme}://api.{parts.netloc}"
        else:
            api = web + "/api/v3"
    if web is None:
        if api == DEFAULT_API_URL:
            web = DEFAULT_WEB_URL
        elif api.endswith("/api/v3"):
            web = api.removesuffix("/api/v3")
        else:
            parts = urlsplit(api)
            web = f"{parts.scheme}://{parts.netloc.removeprefix('api.')}"
    return Endpoints(web, api)


# -- the env file ------------------------------------------------------------------------------
def env_lines(creds: github.AppCredentials, api_url: str, webhook_secret: str) -> list[str]:
    """The env file's lines: unquoted KEY=value, the PEM's newlines written as `\\n`.

    Unquoted values mean the same to docker compose's env_file, `docker run --env-file`,
    `kubectl create secret --from-env-file` and python-dotenv (a shell would need quotes).
    """
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    values = {
        "STEWARD_APP_ID": str(creds.id),
        "STEWARD_PRIVATE_KEY": creds.pem.strip().replace("\r\n", "\n").replace("\n", "\\n") + "\\n",
        "STEWARD_WEBHOOK_SECRET": webhook_secret,
    }
    if api_url != DEFAULT_API_URL:
        values["STEWARD_GITHUB_API_URL"] = api_url
    for key, value in values.items():
        if "\n" in value or value.startswith(("'", '"')) or " #" in value or value != value.strip():
            raise RegisterError(f"GitHub sent a {key} that cannot be written unquoted; report this")
    return [
        f"# Written by `steward register` on {stamp} for the GitHub App {creds.name!r}",
        f"# ({creds.html_url}). It holds the App's private key: keep it secret, never commit it.",
        *(f"{key}={value}" for key, value in values.items()),
    ]


def write_env(path: Path, lines: list[str], force: bool = False) -> None:
    """Write the env file with mode 0600 from the start; refuse to replace one unless `force`.

    Without `force` the file is created with O_EXCL (it cannot appear in between and be
    overwritten); with it, a 0600 temporary file beside it is renamed over the old one.
    """
    data = ("\n".join(lines) + "\n").encode()
    target = path
    if force:
        target = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise RegisterError(f"{path} already exists: move it away, or pass --force") from None
    except OSError as exc:
        raise RegisterError(f"cannot create {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)  # whatever the umask was
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(target, path)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


# -- the local page ----------------------------------------------------------------------------
@dataclass
class Outcome:
    """How the browser round trip ended: the App's credentials, or why not."""

    creds: github.AppCredentials | None = None
    error: str | None = None


class Registration:
    """The local web page and callback of one registration (one state, one App)."""

    def __init__(
        self,
        manifest: dict[str, Any],
        ends: Endpoints,
        org: str | None,
        on_credentials,
        port: int = 8765,
        host: str = "127.0.0.1",
    ) -> None:
        self.manifest = manifest
        self.ends = ends
        self.org = org
        self.state = secrets.token_urlsafe(24)
        self.on_credentials = on_credentials  # creds -> None; raises RegisterError
        self.outcome: Outcome | None = None
        self.done = threading.Event()  # set once the callback's answer has been sent
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"registration": self})
        try:
            self.server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise RegisterError(
                f"cannot listen on {host}:{port} ({exc.strerror}): pass --port"
            ) from None
        self.server.daemon_threads = True
        self.manifest["redirect_url"] = f"{self.url}callback"  # the port really bound

    @property
    def url(self) -> str:
        """The page to open in a browser."""
        return f"http://localhost:{self.server.server_address[1]}/"

    def form_action(self) -> str:
        """Where the page's form posts the manifest."""
        return f"{self.ends.new_app_url(self.org)}?state={self.state}"

    def page(self) -> str:
        """The start page: what will happen, and the button that posts the manifest."""
        where = f"the organisation <b>{html.escape(self.org)}</b>" if self.org else "your account"
        hook = html.escape(self.manifest["hook_attributes"]["url"])
        return _PAGE.format(
            action=html.escape(self.form_action()),
            manifest=html.escape(json.dumps(self.manifest)),
            name=html.escape(str(self.manifest.get("name", ""))),
            where=where,
            web=html.escape(self.ends.web),
            hook=hook,
        )

    def callback(self, query: dict[str, list[str]]) -> tuple[int, str]:
        """GitHub's redirect: check the state, exchange the code, hand over the credentials."""
        state = (query.get("state") or [""])[0]
        code = (query.get("code") or [""])[0]
        if not secrets.compare_digest(state.encode(), self.state.encode()):
            return (
                400,
                "This link does not belong to the registration running here. Nothing was written.",
            )
        with self._lock:  # one exchange, even if the browser sends the redirect twice
            if self.outcome is not None:
                return 409, "This registration has already finished; see the terminal."
            if not code:
                return 400, "GitHub's redirect carried no code. Nothing was written."
            return self._exchange(code)

    def _exchange(self, code: str) -> tuple[int, str]:
        try:
            creds = github.convert_manifest(self.ends.api, code)
        except (KeyError, TypeError, ValueError) as exc:
            return self._finish(
                502, Outcome(error=f"GitHub's answer lacks the App's {exc}; nothing was written")
            )
        except github.GitHubError as exc:
            return self._finish(
                502,
                Outcome(
                    error=f"GitHub did not hand over the new App's credentials ({exc}). "
                    "Nothing was written. A code works once and for an hour: run "
                    "`steward register` again."
                ),
            )
        try:
            self.on_credentials(creds)
        except (RegisterError, OSError) as exc:
            return self._finish(
                500,
                Outcome(
                    creds,
                    f"{exc}. The App {creds.name!r} (id {creds.id}) exists now: on "
                    f"{creds.html_url} generate a new private key instead.",
                ),
            )
        install = f"{creds.html_url}/installations/new"
        body = (
            f"Registered {html.escape(creds.name)} (App id {creds.id}). Credentials are written; "
            f'the terminal says what comes next. <a href="{html.escape(install)}">Install it</a>.'
        )
        return self._finish(200, Outcome(creds), body)

    def _finish(self, status: int, outcome: Outcome, body: str | None = None) -> tuple[int, str]:
        self.outcome = outcome
        return status, body or html.escape(outcome.error or "")

    def serve(self, timeout: float | None = None) -> Outcome:
        """Serve until the callback has been handled (or `timeout` seconds pass)."""
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            if not self.done.wait(timeout):
                raise RegisterError("no answer from GitHub in time; nothing was written")
        finally:
            self.server.shutdown()
            self.server.server_close()
        assert self.outcome is not None
        return self.outcome


class _Handler(BaseHTTPRequestHandler):
    registration: Registration

    def log_message(self, format: str, *args: Any) -> None:  # the terminal shows our own lines
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._send(200, self.registration.page(), full=True)
        elif parts.path == "/callback":
            status, text = self.registration.callback(parse_qs(parts.query))
            self._send(status, f"<p>{text}</p>")
            if self.registration.outcome is not None:
                self.registration.done.set()
        else:
            self._send(404, "<p>Not here: open / to register the App.</p>")

    def _send(self, status: int, body: str, full: bool = False) -> None:
        raw = (body if full else _WRAP.format(body=body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(raw)


_WRAP = """<!doctype html><meta charset="utf-8"><title>Register Steward</title>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">{body}</body>
"""

_PAGE = """<!doctype html><meta charset="utf-8"><title>Register Steward</title>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>Register {name} on {web}</h1>
<p>The button takes you to GitHub to create the App on {where}, with the events and
permissions of <code>app.yml</code>. GitHub will send webhooks to <code>{hook}</code>.
You can change the name there; then GitHub brings you back here and the credentials are
written to the env file.</p>
<form action="{action}" method="post">
<input type="hidden" name="manifest" value="{manifest}">
<button type="submit">Create the GitHub App</button>
</form>
</body>
"""


# -- the command -------------------------------------------------------------------------------
def run(
    *,
    url: str,
    env_file: str | Path = ".env",
    org: str | None = None,
    port: int = 8765,
    github_url: str | None = None,
    api_url: str | None = None,
    name: str | None = None,
    manifest_path: str | None = None,
    force: bool = False,
    out=print,
    ready=None,
    timeout: float | None = 3600,
) -> int:
    """`steward register`: 0 when the App exists and its env file is written, else 1.

    `ready(registration)` is called once the local page is up (tests drive it from there).
    """
    public = check_public_url(url)
    ends = endpoints(api_url, github_url)
    path = Path(env_file)
    if path.exists() and not force:
        raise RegisterError(f"{path} already exists: move it away, or pass --force")
    data = manifest(public, name, manifest_text(manifest_path))
    notes: list[str] = []

    def save(creds: github.AppCredentials) -> None:
        secret = creds.webhook_secret
        if secret is None:  # GitHub normally makes one; if not, the App must be told ours
            secret = secrets.token_hex(32)
            notes.append(
                f"GitHub sent no webhook secret: copy STEWARD_WEBHOOK_SECRET from {path} into "
                f"'Webhook secret' on {creds.html_url} (App settings)."
            )
        write_env(path, env_lines(creds, ends.api, secret), force=force)

    reg = Registration(data, ends, org, save, port=port)
    out(
        f"Open {reg.url} in a browser on this machine (over SSH: ssh -L {reg.server.server_address[1]}:localhost:{reg.server.server_address[1]} ...)"
    )
    out(
        f"It sends app.yml to {ends.new_app_url(org)}; webhooks will go to {data['hook_attributes']['url']}."
    )
    out(
        "Waiting for GitHub to send the browser back (Ctrl-C stops; nothing is written until then)..."
    )
    if ready is not None:
        ready(reg)
    result = reg.serve(timeout)
    if result.error:
        raise RegisterError(result.error)
    creds = result.creds
    assert creds is not None
    out(f"Registered the GitHub App {creds.name!r} (id {creds.id}, {creds.html_url}).")
    out(f"Wrote {path} (mode 0600): STEWARD_APP_ID, STEWARD_PRIVATE_KEY, STEWARD_WEBHOOK_SECRET"
        + (", STEWARD_GITHUB_API_URL" if ends.api != DEFAULT_API_URL else "") + ".")  # fmt: skip
    for note in notes:
        out(note)
    out("Next:")
    out(
        f"  1. deploy `steward serve` and `steward worker` at {public} with {path} (see deploy/README.md)"
    )
    out(
        f"  2. steward doctor --env-file {path}     checks the key, the webhook, Redis and the broker"
    )
    out(
        f"  3. install the App on the repositories it should review: {creds.html_url}/installations/new"
    )
    out(
        "  4. add .github/steward.yml to a repository (or to the organisation's .github repository)"
    )
    out("  5. open a test pull request and look for Steward's comment and check run")
    return 0
