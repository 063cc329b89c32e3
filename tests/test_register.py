"""`steward register` against the fake GitHub: the local page, GitHub's redirect, the env file."""

from __future__ import annotations

import html
import json
import os
import re
import stat
import threading
from pathlib import Path

import httpx
import pytest
import yaml

from bot import register, settings
from bot.cli import main
from tests.fakegithub import fixtures as fakegithub_fixtures

# until tests/conftest.py registers the fake's fixtures for every module
fake_github = fakegithub_fixtures.fake_github
fake_github_server = fakegithub_fixtures.fake_github_server

ROOT = Path(__file__).resolve().parents[1]
WEB = "https://github.example.test"
PUBLIC = "https://steward.acme.example"


@pytest.fixture(autouse=True)
def _no_steward_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("STEWARD_"):
            monkeypatch.delenv(name)


class Flow:
    """`register.run` in a thread, with its local page at `.page` once it is up."""

    def __init__(self, fake, env_file: Path, **kw) -> None:
        self.lines: list[str] = []
        self.code: int | None = None
        self.error: register.RegisterError | None = None
        self._up = threading.Event()
        self.reg: register.Registration | None = None
        kw = {"url": PUBLIC, "api_url": fake.url, "github_url": WEB, "port": 0} | kw
        self._thread = threading.Thread(target=self._run, args=(env_file, kw), daemon=True)
        self._thread.start()
        assert self._up.wait(10), self.error

    def _run(self, env_file: Path, kw) -> None:
        try:
            self.code = register.run(
                env_file=env_file, out=self.lines.append, ready=self._ready, timeout=20, **kw
            )
        except register.RegisterError as exc:
            self.error = exc
        finally:
            self._up.set()

    def _ready(self, reg: register.Registration) -> None:
        self.reg = reg
        self._up.set()

    def get(self, path: str) -> httpx.Response:
        assert self.reg is not None
        return httpx.get(self.reg.url.rstrip("/") + path, timeout=10)

    def form(self) -> tuple[str, dict]:
        """The start page's form: where it posts, and the manifest it carries."""
        page = self.get("/").text
        action = html.unescape(re.search(r'<form action="([^"]+)" method="post">', page)[1])
        value = re.search(r'<input type="hidden" name="manifest" value="([^"]*)">', page)[1]
        return action, json.loads(html.unescape(value))

    def finish(self) -> None:
        self._thread.join(20)
        assert not self._thread.is_alive()


def env_of(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#")
    )


# -- the page ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("org", "new_app"),
    [(None, f"{WEB}/settings/apps/new"), ("acme", f"{WEB}/organizations/acme/settings/apps/new")],
)
def test_page_posts_the_filled_in_manifest_to_githubs_new_app_page(
    fake_github, tmp_path, org, new_app
):
    flow = Flow(fake_github, tmp_path / ".env", org=org)
    action, posted = flow.form()
    assert action == f"{new_app}?state={flow.reg.state}"
    assert len(flow.reg.state) >= 32
    shipped = yaml.safe_load((ROOT / "app.yml").read_text())
    assert posted["url"] == PUBLIC
    assert posted["hook_attributes"] == {"url": f"{PUBLIC}/webhooks/github", "active": True}
    assert posted["redirect_url"] == f"{flow.reg.url}callback"
    assert posted["default_events"] == shipped["default_events"]
    assert posted["default_permissions"] == shipped["default_permissions"]
    assert posted["public"] is False
    flow.get(f"/callback?code=x&state={flow.reg.state}")  # ends the flow (the fake says 404)
    flow.finish()


# -- the redirect -----------------------------------------------------------------------------
def test_redirect_writes_a_0600_env_file_that_settings_load(fake_github, tmp_path):
    fake_github.add_manifest("code-1")
    env_file = tmp_path / ".env"
    flow = Flow(fake_github, env_file)
    got = flow.get(f"/callback?code=code-1&state={flow.reg.state}")
    flow.finish()
    assert got.status_code == 200
    assert "Registered Steward (App id 4242)" in got.text
    assert flow.code == 0
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = env_of(env_file)
    assert set(values) == {
        "STEWARD_APP_ID",
        "STEWARD_PRIVATE_KEY",
        "STEWARD_WEBHOOK_SECRET",
        "STEWARD_GITHUB_API_URL",  # the fake is not api.github.com
    }
    assert "\n" not in values["STEWARD_PRIVATE_KEY"]
    loaded = settings.load(_env_file=env_file)
    assert loaded.app_id == fake_github.app_id
    assert loaded.private_key_pem().strip() == fake_github.private_key_pem.strip()
    assert loaded.webhook_secret.get_secret_value() == fake_github.webhook_secret
    assert loaded.api_url == fake_github.url
    said = "\n".join(flow.lines)
    assert "https://github.com/apps/steward-test/installations/new" in said
    assert "PRIVATE KEY-----" not in said and fake_github.webhook_secret not in said
    assert fake_github.count("POST", r"^/app-manifests/code-1/conversions$", 201) == 1


def test_wrong_state_is_400_and_writes_nothing(fake_github, tmp_path):
    fake_github.add_manifest("code-1")
    env_file = tmp_path / ".env"
    flow = Flow(fake_github, env_file)
    for query in ("code=code-1&state=forged", "code=code-1"):
        got = flow.get(f"/callback?{query}")
        assert got.status_code == 400
        assert "Nothing was written" in got.text
    assert not env_file.exists()
    assert fake_github.count("POST", "/app-manifests/") == 0  # the code was not even spent
    assert flow.get(f"/callback?code=code-1&state={flow.reg.state}").status_code == 200
    flow.finish()
    assert flow.code == 0 and env_file.exists()


@pytest.mark.parametrize(
    ("seed", "status"),
    [
        (lambda fake: None, 404),  # an unknown or already used code
        (lambda fake: fake.fail("POST", r"^/app-manifests/", 422), 422),
    ],
)
def test_conversion_failure_says_so_and_writes_nothing(fake_github, tmp_path, seed, status):
    seed(fake_github)
    env_file = tmp_path / ".env"
    flow = Flow(fake_github, env_file)
    got = flow.get(f"/callback?code=code-1&state={flow.reg.state}")
    flow.finish()
    assert got.status_code == 502
    assert flow.code is None and flow.error is not None
    message = str(flow.error)
    assert f"GitHub answered {status}, request id " in message
    assert "Nothing was written" in message and "run `steward register` again" in message
    assert not env_file.exists()


def test_no_webhook_secret_from_github_means_one_of_ours_and_a_note(fake_github, tmp_path):
    fake_github.add_manifest("code-1")["webhook_secret"] = None
    env_file = tmp_path / ".env"
    flow = Flow(fake_github, env_file)
    flow.get(f"/callback?code=code-1&state={flow.reg.state}")
    flow.finish()
    assert len(env_of(env_file)["STEWARD_WEBHOOK_SECRET"]) == 64
    assert any("GitHub sent no webhook secret" in line for line in flow.lines)


# -- the env file -----------------------------------------------------------------------------
def test_an_existing_env_file_is_kept_unless_forced(fake_github, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("KEEP=me\n")
    with pytest.raises(register.RegisterError, match=r"already exists.*--force"):
        register.run(url=PUBLIC, env_file=env_file, api_url=fake_github.url, port=0)
    assert env_file.read_text() == "KEEP=me\n"
    env_file.chmod(0o644)
    fake_github.add_manifest("code-1")
    flow = Flow(fake_github, env_file, force=True)
    flow.get(f"/callback?code=code-1&state={flow.reg.state}")
    flow.finish()
    assert env_of(env_file)["STEWARD_APP_ID"] == str(fake_github.app_id)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left


def test_env_file_that_appears_meanwhile_is_not_overwritten(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("KEEP=me\n")
    with pytest.raises(register.RegisterError, match="already exists"):
        register.write_env(env_file, ["A=1"])
    assert env_file.read_text() == "KEEP=me\n"


def test_cli_refuses_an_existing_env_file(tmp_path, capsys):
    env_file = tmp_path / ".env"
    env_file.write_text("")
    code = main(["register", "--url", PUBLIC, "--env-file", str(env_file), "--port", "0"])
    assert code == 1
    assert "already exists: move it away, or pass --force" in capsys.readouterr().err


# -- where GitHub is, and what GitHub can reach -----------------------------------------------
@pytest.mark.parametrize(
    ("api", "web", "want"),
    [
        (None, None, ("https://github.com", "https://api.github.com")),
        ("https://api.github.com/", None, ("https://github.com", "https://api.github.com")),
        ("https://ghe.acme.example/api/v3", None, ("https://ghe.acme.example", "https://ghe.acme.example/api/v3")),
        (None, "https://ghe.acme.example/", ("https://ghe.acme.example", "https://ghe.acme.example/api/v3")),
        (None, "https://acme.ghe.com", ("https://acme.ghe.com", "https://api.acme.ghe.com")),
        ("https://api.acme.ghe.com", None, ("https://acme.ghe.com", "https://api.acme.ghe.com")),
        ("http://127.0.0.1:9", "http://web.test", ("http://web.test", "http://127.0.0.1:9")),
    ],
)  # fmt: skip
def test_endpoints(api, web, want):
    ends = register.endpoints(api, web)
    assert (ends.web, ends.api) == want


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://steward.acme.example/", True),
        ("http://10.0.0.5:8000", True),
        ("http://localhost:8000", False),
        ("https://127.0.0.1", False),
        ("http://[::1]:8000", False),
        ("steward.acme.example", False),
        ("ftp://steward.acme.example", False),
    ],
)
def test_public_url_must_be_reachable_by_github(url, ok):
    if ok:
        assert register.check_public_url(url) == url.rstrip("/")
    else:
        with pytest.raises(register.RegisterError):
            register.check_public_url(url)


def test_the_packaged_manifest_is_app_yml():
    assert register.manifest_text() == (ROOT / "app.yml").read_text()
