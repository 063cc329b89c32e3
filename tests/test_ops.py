"""`steward redeliver` and `steward doctor` as an operator runs them: the fake GitHub, real Redis."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bot import github, ops
from bot.cli import main
from tests.fakegithub import fixtures as fakegithub_fixtures

# until tests/conftest.py registers the fake's fixtures for every module
fake_github = fakegithub_fixtures.fake_github
fake_github_server = fakegithub_fixtures.fake_github_server

NOW = datetime.now(UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pem_of(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def env(monkeypatch, fake_github, redis_server):
    """A deployment's environment pointing at the fake and at Redis db 9; returns setenv."""
    for name in list(os.environ):
        if name.startswith("STEWARD_"):
            monkeypatch.delenv(name)
    values = {
        "STEWARD_APP_ID": str(fake_github.app_id),
        "STEWARD_PRIVATE_KEY": fake_github.private_key_pem.replace("\n", "\\n"),
        "STEWARD_WEBHOOK_SECRET": fake_github.webhook_secret,
        "STEWARD_GITHUB_API_URL": fake_github.url,
        "STEWARD_BROKER_URL": f"{redis_server}/9",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return monkeypatch.setenv


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- steward redeliver ------------------------------------------------------------------------
def seed_log(fake) -> dict[str, int]:
    """A delivery log across three pages: ok, failed, made good, failed twice, too old."""
    ids = {}
    for i in range(60):  # the third page: from before --since 3d
        fake.add_delivery("pull_request", "synchronize", delivered_at=ago(days=4, minutes=60 - i))
    fake.add_delivery(
        "pull_request", "opened", guid="too-old", status_code=502, delivered_at=ago(days=4)
    )
    ids["old-but-ok-later"] = fake.add_delivery(
        "push", guid="made-good-early", status_code=200, delivered_at=ago(hours=50)
    ).id
    for i in range(150):  # page filler: all fine
        fake.add_delivery("pull_request", "synchronize", delivered_at=ago(hours=40, minutes=-i))
    fake.add_delivery(
        "push", guid="made-good-early", status_code=502, redelivery=True, delivered_at=ago(hours=20)
    )
    fake.add_delivery(
        "pull_request", "opened", guid="made-good", status_code=502, delivered_at=ago(hours=3)
    )
    fake.add_delivery(
        "pull_request",
        "opened",
        guid="made-good",
        status_code=200,
        redelivery=True,
        delivered_at=ago(hours=2),
    )
    ids["timeout"] = fake.add_delivery(
        "issue_comment", "created", guid="timeout", status_code=0, delivered_at=ago(hours=2)
    ).id
    ids["500"] = fake.add_delivery(
        "check_run", "rerequested", guid="500", status_code=500, delivered_at=ago(minutes=90)
    ).id
    fake.add_delivery(
        "pull_request", "edited", guid="twice", status_code=503, delivered_at=ago(minutes=80)
    )
    ids["twice"] = fake.add_delivery(
        "pull_request",
        "edited",
        guid="twice",
        status_code=503,
        redelivery=True,
        delivered_at=ago(minutes=20),
    ).id
    return ids  # fmt: skip


def test_redeliver_asks_once_for_each_failure_not_made_good(env, fake_github, capsys):
    ids = seed_log(fake_github)
    code, out = run(capsys, "redeliver", "--since", "3d")
    assert code == 0
    assert sorted(fake_github.redelivered) == sorted([ids["timeout"], ids["500"], ids["twice"]])
    assert "3 failed deliveries since " in out
    assert "(of 158 checked); redelivered 3." in out
    # the log has three pages of 100, newest first; the third holds only deliveries from
    # before --since, and reading stopped in the second
    assert fake_github.count("GET", r"^/app/hook/deliveries$") == 2
    assert fake_github.count("POST", r"/attempts$", 202) == 3

    code, out = run(capsys, "redeliver")  # the redeliveries succeeded: nothing left
    assert code == 0
    assert "0 failed deliveries since" in out and "nothing to redeliver" in out
    assert len(fake_github.redelivered) == 3


def test_redeliver_dry_run_lists_and_sends_nothing(env, fake_github, capsys):
    seed_log(fake_github)
    code, out = run(capsys, "redeliver", "--dry-run")
    assert code == 0
    assert "would redeliver 3 (dry run: nothing sent)" in out
    assert "check_run.rerequested" in out and "no answer" in out and "twice" in out
    assert fake_github.redelivered == []


@pytest.mark.parametrize(
    ("since", "picked"),
    [
        ("30m", ["twice"]),
        ("100m", ["twice", "500"]),
        ("5d", ["twice", "500", "timeout", "too-old"]),
    ],
)
def test_since_bounds_what_is_picked(fake_github, since, picked):
    seed_log(fake_github)
    app = github.App(
        fake_github.url, fake_github.app_id, fake_github.private_key_pem, github.TokenCache()
    )
    start = datetime.now(UTC) - ops.parse_since(since)
    failed, _ = ops.to_redeliver(app.deliveries(), start)
    assert [d["guid"] for d in failed] == picked


def test_a_refused_redelivery_is_reported_with_status_and_request_id(env, fake_github, capsys):
    seed_log(fake_github)
    fake_github.fail("POST", r"/attempts$", 422, message="Validation Failed")
    code, out = run(capsys, "redeliver")
    assert code == 1
    assert "redelivered 2, 1 refused:" in out
    assert "GitHub answered 422, request id FA4E:" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("since", ["3", "0d", "3x", "d"])
def test_bad_since_is_a_usage_error(env, capsys, since):
    code, out = run(capsys, "redeliver", "--since", since)
    assert code == 2
    assert "--since takes a count and a unit" in out


def test_redeliver_when_github_is_unreachable(env, capsys):
    port = closed_port()
    env("STEWARD_GITHUB_API_URL", f"http://127.0.0.1:{port}")
    code, out = run(capsys, "redeliver")
    assert code == 1
    assert f"cannot reach GitHub at http://127.0.0.1:{port}: Connection refused" in out


# -- steward doctor ---------------------------------------------------------------------------
ALL_GOOD = [
    "✓ settings: loaded (app 4242, API http://127.0.0.1:",
    "✓ private key: an RSA private key in PEM form",
    "✓ GitHub: reachable; the key belongs to the App steward-test ('Steward Test', id 4242)",
    "✓ installations: 2 (acme, octo-lab)",
    "✓ webhook: https://steward.example.org/webhooks/github, content type json, SSL verified",
    "✓ Redis: redis://127.0.0.1:",
    "✓ broker: redis://127.0.0.1:",
    "All 7 checks passed.",
]


def wrong_key(env, fake):
    env(
        "STEWARD_PRIVATE_KEY",
        pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    )


def not_rsa(env, fake):
    env("STEWARD_PRIVATE_KEY", pem_of(ec.generate_private_key(ec.SECP256R1())))


def github_closed(env, fake):
    env("STEWARD_GITHUB_API_URL", f"http://127.0.0.1:{closed_port()}")


def redis_closed(env, fake):
    env("STEWARD_BROKER_URL", f"redis://:hunter2@127.0.0.1:{closed_port()}/9")


def no_settings(env, fake):
    for name in ("STEWARD_APP_ID", "STEWARD_WEBHOOK_SECRET"):
        os.environ.pop(name)


def not_installed(env, fake):
    fake.installations.clear()


@pytest.mark.parametrize(
    ("breakage", "lines"),
    [
        (None, ALL_GOOD),
        (wrong_key, [
            "✓ private key: an RSA private key in PEM form",
            "✗ GitHub: the private key does not belong to app 4242 (GitHub answered 401, request id FA4E:",
            "- installations: not checked (GitHub did not accept the App)",
            "✓ Redis: ", "✓ broker: ", "3 of 7 checks did not pass.",
        ]),
        (not_rsa, ["✗ private key: it is not an RSA key; GitHub Apps sign their tokens with RSA",
                   "- GitHub: not checked (needs a valid private key)"]),
        (github_closed, [
            "✗ GitHub: cannot reach GitHub at http://127.0.0.1:",
            ": Connection refused. Check STEWARD_GITHUB_API_URL",
            "- webhook: not checked (GitHub did not answer)",
            "✓ Redis: ",
        ]),
        (redis_closed, [
            "✓ GitHub: reachable",
            "✗ Redis: cannot reach redis://:***@127.0.0.1:",
            "Connection refused). Start Redis or fix STEWARD_REDIS_URL.",
            "✗ broker: cannot reach redis://:***@127.0.0.1:",
            "2 of 7 checks did not pass.",
        ]),
        (no_settings, [
            "✗ settings: 2 problem(s)",
            "    STEWARD_APP_ID is not set: the GitHub App's numeric id",
            "    STEWARD_WEBHOOK_SECRET is not set",
            "- broker: not checked (the settings do not load)",
        ]),
        (not_installed, ["✗ installations: none, so GitHub sends no events: install it at "
                         "https://github.com/apps/steward-test/installations/new"]),
    ],
    ids=["all-good", "wrong-key", "not-rsa", "github-unreachable", "redis-unreachable",
         "no-settings", "not-installed"],
)  # fmt: skip
def test_doctor(env, fake_github, capsys, breakage, lines):
    fake_github.add_repo("acme/mlkit")
    fake_github.add_repo("octo-lab/vision")
    if breakage:
        breakage(env, fake_github)
    code, out = run(capsys, "doctor")
    assert code == (0 if breakage is None else 1), out
    for line in lines:
        assert line in out, out
    assert "PRIVATE KEY" not in out and "hunter2" not in out
    assert fake_github.webhook_secret not in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("hook", "line", "code"),
    [
        ({"content_type": "form"}, "✗ webhook: https://steward.example.org/webhooks/github receives content type 'form'", 1),
        ({"url": ""}, "✗ webhook: no URL set", 1),
        ({"insecure_ssl": "1"}, "! webhook: https://steward.example.org/webhooks/github, content type json; SSL verification is off", 0),
        ({"url": "http://steward.example.org/hooks"}, "plain http: payloads travel unencrypted; Steward receives webhooks at /webhooks/github", 0),
    ],
)  # fmt: skip
def test_doctor_reads_the_webhook_config(env, fake_github, capsys, hook, line, code):
    fake_github.add_repo("acme/mlkit")
    fake_github.set_hook_config(**hook)
    got, out = run(capsys, "doctor")
    assert got == code, out
    assert line in out, out


def test_doctor_reads_an_env_file(env, fake_github, capsys, tmp_path):
    fake_github.add_repo("acme/mlkit")
    env_file = tmp_path / ".env"
    lines = [f"{name}={os.environ.pop(name)}" for name in ("STEWARD_APP_ID", "STEWARD_PRIVATE_KEY")]
    env_file.write_text("\n".join(lines) + "\n")
    code, out = run(capsys, "doctor", "--env-file", str(env_file))
    assert code == 0, out
    code, out = run(capsys, "doctor", "--env-file", str(tmp_path / "missing"))
    assert code == 2 and "no such file" in out


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nonsense", "it is not PEM text"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "it is a public key"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
            "it does not parse",
        ),
    ],
)
def test_key_problems(text, problem):
    assert ops.key_problem(text).startswith(problem)


def test_redact_hides_only_the_password():
    assert ops.redact("redis://:s3cret@cache:6380/2") == "redis://:***@cache:6380/2"
    assert ops.redact("redis://user:s3cret@cache/0") == "redis://user:***@cache/0"
    assert ops.redact("redis://cache:6379/0") == "redis://cache:6379/0"
