"""Operations commands: `steward redeliver` (failed webhooks again) and `steward doctor`.

GitHub never redelivers a failed webhook by itself; `redeliver` finds the failures in the App's
delivery log and asks for each once (the receiver drops duplicates by delivery GUID, so asking
twice is harmless). `doctor` checks a deployment end to end and says, in one line per check,
what is wrong and what to do. Neither prints a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot import github
from bot.settings import Settings

Out = Callable[[str], None]
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
KEPT = timedelta(days=3)  # GitHub lists (and redelivers) the last three days' deliveries


# -- shared -----------------------------------------------------------------------------------
def key_problem(pem: str) -> str | None:
    """None when `pem` is an unencrypted RSA private key in PEM form, else what is wrong."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if "PRIVATE KEY-----" not in pem:
        if "PUBLIC KEY-----" in pem:
            return "it is a public key; the App needs its private key"
        return "it is not PEM text (it should start with -----BEGIN RSA PRIVATE KEY-----)"
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except TypeError:
        return "it is encrypted with a passphrase; GitHub's keys are not: download a fresh one"
    except ValueError as exc:
        return f"it does not parse ({str(exc).splitlines()[0]})"
    if not isinstance(key, rsa.RSAPrivateKey):
        return "it is not an RSA key; GitHub Apps sign their tokens with RSA (RS256)"
    return None


def make_app(settings: Settings) -> github.App:
    """The App client for these settings."""
    return github.App(
        settings.api_url, settings.app_id, settings.private_key_pem(), github.TokenCache()
    )


def redact(url: str) -> str:
    """A URL with any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def github_failure(exc: github.GitHubError, api_url: str) -> str:
    """A GitHub failure in one line: status and request id, or why GitHub could not be reached."""
    if exc.status == 0:
        errno = re.search(r"\[Errno -?\d+\] ([^'\")]+)", exc.message)
        reason = errno.group(1).strip() if errno else exc.message.split(":")[-1].strip()
        return f"cannot reach GitHub at {api_url}: {reason}"
    return str(exc)


# -- steward redeliver ------------------------------------------------------------------------
def parse_since(text: str) -> timedelta:
    """`30m`, `12h`, `3d`, `1w` as a timedelta."""
    m = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"--since takes a count and a unit (m, h, d, w), e.g. 3d; not {text!r}")
    return timedelta(**{UNITS[m.group(2)]: int(m.group(1))})


def delivered_at(delivery: dict[str, Any]) -> datetime:
    """When GitHub made this delivery (UTC)."""
    return datetime.fromisoformat(str(delivery["delivered_at"]).replace("Z", "+00:00"))


def succeeded(delivery: dict[str, Any]) -> bool:
    """GitHub got a 2xx answer (status_code 0 means no answer at all: timeout, refused)."""
    code = int(delivery.get("status_code") or 0)
    return 200 <= code < 300 and delivery.get("status", "OK") == "OK"


def to_redeliver(deliveries: Iterable[dict[str, Any]], since: datetime) -> tuple[list, int]:
    """Failed deliveries since `since` whose GUID never succeeded; and how many were read.

    `deliveries` is newest first; reading stops at the first one older than `since`, so no
    further page is fetched. A GUID counts as delivered once any attempt of it succeeded (the
    original or a redelivery, earlier or later); one that failed several times is asked for
    once, by its newest failed attempt.
    """
    good: set[str] = set()
    failed: dict[str, dict[str, Any]] = {}
    read = 0
    for d in deliveries:
        if delivered_at(d) < since:
            break
        read += 1
        if succeeded(d):
            good.add(d["guid"])
        else:
            failed.setdefault(d["guid"], d)
    return [d for guid, d in failed.items() if guid not in good], read


def describe(d: dict[str, Any]) -> str:
    """One delivery in a line: event.action, when, what GitHub got back, its GUID."""
    event = d.get("event", "?") + (f".{d['action']}" if d.get("action") else "")
    code = d.get("status_code") or "no answer"
    when = delivered_at(d).strftime("%Y-%m-%d %H:%M:%S")
    return f"{event:<28} {when}  {code!s:<9}  {d['guid']}"


def redeliver(app: github.App, since: timedelta, dry_run: bool, out: Out = print) -> int:
    """`steward redeliver`: 0 when every failure was asked for again (or none), else 1."""
    now = datetime.now(UTC)
    start = now - since
    stamp = start.strftime("%Y-%m-%d %H:%M UTC")
    if since > KEPT:
        out("note: GitHub keeps deliveries for three days; older ones cannot be redelivered.")
    try:
        failed, read = to_redeliver(app.deliveries(), start)
    except github.GitHubError as exc:
        out(f"cannot list the App's deliveries: {github_failure(exc, app.api_url)}")
        return 1
    plural = "delivery" if len(failed) == 1 else "deliveries"
    head = f"{len(failed)} failed {plural} since {stamp} (of {read} checked)"
    if not failed:
        out(f"{head}; nothing to redeliver.")
        return 0
    if dry_run:
        out(f"{head}; would redeliver {len(failed)} (dry run: nothing sent):")
        for d in failed:
            out(f"  {describe(d)}")
        return 0
    done, problems = 0, []
    for d in failed:
        try:
            app.redeliver(int(d["id"]))
            done += 1
        except github.GitHubError as exc:
            problems.append(f"  {describe(d)}: {github_failure(exc, app.api_url)}")
    out(f"{head}; redelivered {done}" + (f", {len(problems)} refused:" if problems else "."))
    for line in problems:
        out(line)
    return 0 if not problems else 1


# -- steward doctor ---------------------------------------------------------------------------
@dataclass
class Report:
    """Check lines as they are printed, and whether any failed."""

    out: Out
    failed: int = 0
    passed: int = 0

    def ok(self, what: str, detail: str) -> None:
        self.passed += 1
        self.out(f"✓ {what}: {detail}")

    def bad(self, what: str, detail: str) -> None:
        self.failed += 1
        self.out(f"✗ {what}: {detail}")

    def warn(self, what: str, detail: str) -> None:
        self.passed += 1
        self.out(f"! {what}: {detail}")

    def skip(self, what: str, why: str) -> None:
        self.failed += 1
        self.out(f"- {what}: not checked ({why})")


def doctor(load: Callable[[], Settings], out: Out = print) -> int:
    """`steward doctor`: every check on its own line; 0 when all pass, else 1."""
    from bot import settings as settings_module

    report = Report(out)
    try:
        s = load()
    except settings_module.SettingsError as exc:
        problems = str(exc).splitlines()
        report.bad("settings", f"{len(problems)} problem(s); set these variables (or --env-file):")
        for line in problems:
            out(f"    {line}")
        for what in ("private key", "GitHub", "installations", "webhook", "Redis", "broker"):
            report.skip(what, "the settings do not load")
        return _verdict(report)
    report.ok("settings", f"loaded (app {s.app_id}, API {s.api_url})")
    _github_checks(s, report)
    _redis_checks(s, report)
    return _verdict(report)


def _verdict(report: Report) -> int:
    if report.failed:
        report.out(f"{report.failed} of {report.failed + report.passed} checks did not pass.")
        return 1
    report.out(f"All {report.passed} checks passed.")
    return 0


def _github_checks(s: Settings, report: Report) -> None:
    try:
        pem = s.private_key_pem()
    except OSError as exc:
        pem, problem = "", f"cannot read STEWARD_PRIVATE_KEY_PATH ({exc.strerror})"
    else:
        problem = key_problem(pem)
    if problem:
        report.bad("private key", f"{problem}. Generate a private key on the App's settings page.")
        for what in ("GitHub", "installations", "webhook"):
            report.skip(what, "needs a valid private key")
        return
    report.ok("private key", "an RSA private key in PEM form")
    app = make_app(s)
    try:
        me = app.identity()
    except github.GitHubError as exc:
        report.bad("GitHub", _identity_failure(exc, s))
        why = "GitHub did not answer" if exc.status == 0 else "GitHub did not accept the App"
        for what in ("installations", "webhook"):
            report.skip(what, why)
        return
    name = f"{me.get('slug')} ({me.get('name')!r}, id {me.get('id')})"
    if me.get("id") != s.app_id:
        report.bad("GitHub", f"the key signs for {name}, not STEWARD_APP_ID {s.app_id}")
    else:
        report.ok("GitHub", f"reachable; the key belongs to the App {name}")
    _installations(app, me, report)
    _webhook(app, report)


def _identity_failure(exc: github.GitHubError, s: Settings) -> str:
    detail = github_failure(exc, s.api_url)
    if exc.status == 0:
        return f"{detail}. Check STEWARD_GITHUB_API_URL and this machine's network or proxy."
    if exc.status == 401:
        return (
            f"the private key does not belong to app {s.app_id} ({detail}). Check STEWARD_APP_ID, "
            "or generate a new private key on the App's settings page."
        )
    if exc.status == 404:
        return (
            f"no GitHub App API at {s.api_url} ({detail}). GitHub Enterprise Server's is "
            "https://HOST/api/v3."
        )
    return f"{detail}."


def _installations(app: github.App, me: dict[str, Any], report: Report) -> None:
    try:
        found = app.installations()
    except github.GitHubError as exc:
        report.bad("installations", github_failure(exc, app.api_url))
        return
    install = f"{me.get('html_url', 'the App page')}/installations/new"
    if not found:
        report.bad("installations", f"none, so GitHub sends no events: install it at {install}")
        return
    accounts = [str((i.get("account") or {}).get("login", "?")) for i in found]
    suspended = [a for a, i in zip(accounts, found, strict=True) if i.get("suspended_at")]
    shown = ", ".join(accounts[:5]) + (
        f" and {len(accounts) - 5} more" if len(accounts) > 5 else ""
    )
    detail = f"{len(found)} ({shown})"
    if suspended:
        report.warn("installations", f"{detail}; suspended on {', '.join(suspended)}")
    else:
        report.ok("installations", detail)


def _webhook(app: github.App, report: Report) -> None:
    try:
        hook = app.hook_config()
    except github.GitHubError as exc:
        report.bad("webhook", github_failure(exc, app.api_url))
        return
    url = str(hook.get("url") or "")
    if not url:
        report.bad(
            "webhook",
            "no URL set: set it to https://YOUR-HOST/webhooks/github in the App's settings",
        )
        return
    if hook.get("content_type") != "json":
        report.bad(
            "webhook",
            f"{url} receives content type {hook.get('content_type')!r}: set it to "
            "application/json in the App's settings (Steward answers 415 to form posts)",
        )
        return
    warnings = []
    if str(hook.get("insecure_ssl", "0")) not in ("0", "0.0"):
        warnings.append("SSL verification is off (insecure_ssl): turn it on unless you must")
    if urlsplit(url).scheme != "https":
        warnings.append("plain http: payloads travel unencrypted")
    if not urlsplit(url).path.rstrip("/").endswith("/webhooks/github"):
        warnings.append("Steward receives webhooks at /webhooks/github")
    if warnings:
        report.warn("webhook", f"{url}, content type json; " + "; ".join(warnings))
    else:
        report.ok("webhook", f"{url}, content type json, SSL verified")


def _redis_checks(s: Settings, report: Report) -> None:
    import redis

    from bot.store import Store
    from bot.tasks import CeleryQueue, make_celery

    url = redact(s.store_url)
    client = redis.Redis.from_url(s.store_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        Store(client).ping()
        report.ok("Redis", f"{url} answers")
    except redis.RedisError as exc:
        reason = str(exc).rstrip(".")
        report.bad("Redis", f"cannot reach {url} ({reason}). Start Redis or fix STEWARD_REDIS_URL.")
    finally:
        client.close()
    broker = redact(s.broker_url)
    if CeleryQueue(make_celery(s)).ping():
        report.ok("broker", f"{broker} answers")
    else:
        report.bad("broker", f"cannot reach {broker}. Start it or fix STEWARD_BROKER_URL.")
