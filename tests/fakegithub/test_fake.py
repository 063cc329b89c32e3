"""The fake GitHub, driven by real PyGithub over HTTP (and raw `requests` where headers matter)."""

from __future__ import annotations

import base64
import gzip
import json
import re
import time
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from github import Auth, Github, GithubException, GithubIntegration
from github.GithubException import BadCredentialsException, RateLimitExceededException

from tests.fakegithub import FakeGitHub, make_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = "acme/mlkit"


@pytest.fixture
def world(fake_github: FakeGitHub) -> FakeGitHub:
    """A repository with a config file and .gitattributes, and pull request #5 (250 files)."""
    fake_github.add_repo(
        REPO,
        files={
            "README.md": "# mlkit\n",
            ".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
            ".github/steward.yml": "preset: default\n",
            "src/mlkit/__init__.py": "",
        },
        labels={"size/XS": "3cbf00"},
        permissions={"maintainer": "maintain"},
    )
    fake_github.add_pull(REPO, 5, files=make_files(250), commits=3, author="newcomer")
    return fake_github


# no retries (faults show as exceptions at once) and none of PyGithub's default throttling
# (0.25 s before every request, 1 s between writes), which the bot turns off too
QUICK = {"retry": None, "seconds_between_requests": None, "seconds_between_writes": None}


def as_app(fake: FakeGitHub, **kw) -> GithubIntegration:
    """PyGithub as the app (JWT)."""
    return GithubIntegration(
        base_url=fake.url, auth=Auth.AppAuth(fake.app_id, fake.private_key_pem), **(QUICK | kw)
    )


def as_installation(fake: FakeGitHub, token: str, base_url: str | None = None, **kw) -> Github:
    """PyGithub as an installation, 100 items a page."""
    return Github(
        auth=Auth.Token(token), base_url=base_url or fake.url, **(QUICK | {"per_page": 100} | kw)
    )


def token_for(fake: FakeGitHub) -> str:
    """An installation token got the way the bot gets it: app JWT -> installation -> token."""
    integration = as_app(fake)
    installation = integration.get_repo_installation(*REPO.split("/"))
    return integration.get_access_token(installation.id).token


@pytest.fixture
def gh(world: FakeGitHub) -> Github:
    """PyGithub as the repository's installation."""
    return as_installation(world, token_for(world))


def raw(fake: FakeGitHub, method: str, path: str, token: str | None, **kw) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return requests.request(method, fake.url + path, headers=headers, timeout=10, **kw)


# -- app authentication ----------------------------------------------------------------------
def test_app_jwt_to_installation_token(world):
    integration = as_app(world)
    assert integration.get_app().slug == "steward-test"
    installation = integration.get_repo_installation("acme", "mlkit")
    grant = integration.get_access_token(installation.id)
    assert 3590 < grant.expires_at.timestamp() - time.time() <= 3600
    assert grant.token in world.tokens
    assert [(c.method, c.path, c.auth) for c in world.calls] == [
        ("GET", "/app", "app"),
        ("GET", "/repos/acme/mlkit/installation", "app"),
        ("POST", f"/app/installations/{installation.id}/access_tokens", "app"),
    ]


def _other_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    ("jwt_args", "message"),
    [
        ({"expires_in": -10, "issued_ago": 400}, "'Expiration time' claim ('exp') must be"),
        ({"expires_in": 3600}, "'Expiration time' claim ('exp') is too far in the future"),
        ({"key": "other"}, "A JSON web token could not be decoded"),
    ],
)
def test_bad_app_jwt_is_401(world, jwt_args, message):
    if jwt_args.get("key") == "other":
        jwt_args["key"] = _other_key()
    token = world.app_jwt(**jwt_args)
    installation = next(iter(world.installations))
    got = raw(world, "POST", f"/app/installations/{installation}/access_tokens", None,
              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert got.status_code == 401
    assert got.json()["message"].startswith(message)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "Requires authentication"),
        ("ghs_nope", "Bad credentials"),
        ("expired", "Bad credentials"),
    ],
)
def test_missing_invalid_or_expired_token_is_401(world, token, message):
    if token == "expired":
        token = world.mint_token(next(iter(world.installations))).token
        world.expire_tokens()
    got = raw(world, "GET", f"/repos/{REPO}/pulls/5", token)
    assert (got.status_code, got.json()["message"]) == (401, message)


def test_pygithub_sees_bad_credentials(world):
    gh = as_installation(world, "ghs_wrong")
    with pytest.raises(BadCredentialsException):
        gh.get_repo(REPO)


def test_token_only_reaches_its_installation(world):
    world.add_repo("other-org/private-models", private=True)
    token = token_for(world)
    assert raw(world, "GET", "/repos/other-org/private-models", token).status_code == 404


# -- pull requests, files, commits -----------------------------------------------------------
def test_pull_and_250_files_in_three_pages(world, gh):
    pull = gh.get_repo(REPO).get_pull(5)
    assert (pull.number, pull.user.login, pull.changed_files, pull.commits) == (
        5,
        "newcomer",
        250,
        3,
    )
    files = list(pull.get_files())
    assert [f.filename for f in files] == [f"src/pkg/mod{i:04d}.py" for i in range(250)]
    pages = [c.query for c in world.calls if c.path.endswith("/pulls/5/files")]
    assert pages == [
        {"per_page": "100"},
        {"per_page": "100", "page": "2"},
        {"per_page": "100", "page": "3"},
    ]


@pytest.mark.parametrize(
    ("page", "rels"),
    [
        (1, [("next", 2), ("last", 3)]),
        (2, [("prev", 1), ("next", 3), ("last", 3), ("first", 1)]),
        (3, [("prev", 2), ("first", 1)]),
    ],
)
def test_link_headers_like_github(world, page, rels):
    path = f"/repos/{REPO}/pulls/5/files"
    got = raw(world, "GET", f"{path}?per_page=100&page={page}", token_for(world))
    expected = ", ".join(
        f'<{world.url}{path}?per_page=100&page={n}>; rel="{rel}"' for rel, n in rels
    )
    assert got.headers["Link"] == expected
    assert len(got.json()) == (50 if page == 3 else 100)


@pytest.mark.parametrize(
    ("kind", "seeded", "listed"), [("files", 3100, 3000), ("commits", 260, 250)]
)
def test_github_caps_on_files_and_commits(fake_github, kind, seeded, listed):
    fake_github.add_repo(REPO)
    if kind == "files":
        fake_github.add_pull(REPO, 7, files=make_files(seeded))
    else:
        fake_github.add_pull(REPO, 7, commits=seeded)
    gh = as_installation(fake_github, token_for(fake_github))
    pull = gh.get_repo(REPO).get_pull(7)
    items = pull.get_files() if kind == "files" else pull.get_commits()
    assert len(list(items)) == listed


def test_enterprise_prefix_works_too(world):
    gh = as_installation(world, token_for(world), base_url=world.url + "/api/v3")
    assert gh.get_repo(REPO).get_pull(5).title
    assert world.calls[-1].path == f"/repos/{REPO}/pulls/5"


# -- contents, trees, ETags ------------------------------------------------------------------
def test_contents_at_a_ref_and_404(world, gh):
    repo = gh.get_repo(REPO)
    head = repo.get_pull(5).head.sha
    assert repo.get_contents(".github/steward.yml").decoded_content == b"preset: default\n"
    assert repo.get_contents("src/pkg/mod0007.py", ref=head).decoded_content == b"X = 7\n"
    with pytest.raises(GithubException) as err:
        repo.get_contents("src/pkg/mod0007.py", ref="main")
    assert err.value.status == 404


def test_conditional_get_is_304_and_costs_no_rate_limit(world, gh):
    requester = gh.requester
    path = f"/repos/{REPO}/contents/.gitattributes"
    headers, data = requester.requestJsonAndCheck("GET", path, {"ref": "main"})
    assert base64.b64decode(data["content"]).startswith(b"*.safetensors")
    remaining = int(headers["x-ratelimit-remaining"])
    status, headers, _ = requester.requestJson(
        "GET", path, {"ref": "main"}, {"If-None-Match": headers["etag"]}
    )
    assert status == 304
    assert int(headers["x-ratelimit-remaining"]) == remaining
    assert world.calls[-1].status == 304


def test_recursive_tree_lists_every_file(world, gh):
    tree = gh.get_repo(REPO).get_git_tree("main", recursive=True)
    blobs = {e.path for e in tree.tree if e.type == "blob"}
    assert {".gitattributes", ".github/steward.yml", "src/mlkit/__init__.py"} <= blobs
    assert {e.path for e in tree.tree if e.type == "tree"} == {".github", "src", "src/mlkit"}


# -- comments, check runs, labels ------------------------------------------------------------
def test_comment_created_then_edited_in_place(world, gh):
    issue = gh.get_repo(REPO).get_issue(5)
    comment = issue.create_comment("<!-- steward -->\nFirst review")
    comment.edit("<!-- steward -->\nSecond review")
    stored = world.comments(REPO, 5)
    assert [(c["body"], c["user"]) for c in stored] == [
        ("<!-- steward -->\nSecond review", "steward-test[bot]")
    ]
    listed = list(issue.get_comments())
    assert listed[0].performed_via_github_app.slug == "steward-test"
    assert [c.method for c in world.writes()] == ["POST", "PATCH"]


def test_check_run_created_updated_and_found_by_name(world, gh):
    repo = gh.get_repo(REPO)
    head = repo.get_pull(5).head.sha
    run = repo.create_check_run("steward", head, status="in_progress")
    notes = [{"path": "README.md", "start_line": 1, "end_line": 1, "annotation_level": "warning",
              "message": "m"}] * 50  # fmt: skip
    run.edit(
        conclusion="neutral", output={"title": "2 findings", "summary": "s", "annotations": notes}
    )
    repo.create_check_run("other-bot", head, status="queued")
    found = list(repo.get_commit(head).get_check_runs(check_name="steward"))
    assert [(r.id, r.status, r.conclusion, r.output.annotations_count) for r in found] == [
        (run.id, "completed", "neutral", 50)
    ]
    assert len(world.check_runs(REPO, head)) == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"status": "completed"}, "conclusion"),
        ({"output": {"title": "t"}}, "summary"),
        ({"output": {"title": "t", "summary": "s", "annotations": [{}] * 51}}, "50 annotations"),
        ({"output": {"title": "t", "summary": "x" * 65536}}, "65535 characters"),
    ],
)
def test_check_run_validation_like_github(world, payload, message):
    sha = world.pull(REPO, 5)["head_sha"]
    got = raw(world, "POST", f"/repos/{REPO}/check-runs", token_for(world),
              json={"name": "steward", "head_sha": sha, **payload})  # fmt: skip
    assert got.status_code == 422
    assert message in got.json()["message"]


def test_labels_added_replaced_removed(world, gh):
    repo = gh.get_repo(REPO)
    pull = repo.get_pull(5)
    pull.add_to_labels("size/XS")
    pull.set_labels("size/L", "needs-tests")
    pull.remove_from_labels("needs-tests")
    assert world.labels_on(REPO, 5) == ["size/L"]
    assert repo.get_label("size/L").color == "ededed"  # created on first use, like GitHub
    with pytest.raises(GithubException) as err:
        repo.create_label("size/L", "ff0000")
    assert err.value.status == 422
    assert err.value.data["errors"][0]["code"] == "already_exists"


def test_label_with_a_slash_needs_full_quoting(world, gh):
    """PyGithub's remove_from_labels quotes a name but keeps '/', so 'size/L' becomes two path
    segments; quote(name, safe="") reaches the label."""
    pull = gh.get_repo(REPO).get_pull(5)
    pull.add_to_labels("size/L")
    with pytest.raises(GithubException) as err:
        pull.remove_from_labels("size/L")
    assert err.value.status == 404
    gh.requester.requestJsonAndCheck("DELETE", f"/repos/{REPO}/issues/5/labels/size%2FL")
    assert world.labels_on(REPO, 5) == []


def test_collaborator_permission_and_issue_side_of_pull(world, gh):
    repo = gh.get_repo(REPO)
    assert repo.get_collaborator_permission("maintainer") == "write"  # maintain maps to write
    assert repo.get_collaborator_permission("stranger") == "read"
    assert repo.get_issue(5).pull_request is not None
    world.add_issue(REPO, 9, discussion=True)
    with pytest.raises(GithubException):
        repo.get_issue(9)


# -- faults, rate limits ---------------------------------------------------------------------
def test_502_reaches_pygithub(world, gh):
    world.fail("GET", r"/pulls/5$", 502)
    repo = gh.get_repo(REPO)
    with pytest.raises(GithubException) as err:
        repo.get_pull(5)
    assert err.value.status == 502
    assert repo.get_pull(5).number == 5  # the fault was used up


def test_applied_fault_creates_the_comment_but_answers_502(world, gh):
    world.fail("POST", r"/issues/5/comments$", 502, applied=True)
    with pytest.raises(GithubException):
        gh.get_repo(REPO).get_issue(5).create_comment("hello")
    assert [c["body"] for c in world.comments(REPO, 5)] == ["hello"]
    assert world.calls[-1].faulted and world.writes() == []


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit(world, gh, status):
    if status == 403:
        world.rate_limit_secondary("POST", r"/check-runs$", retry_after=7)
    else:
        world.fail("POST", r"/check-runs$", 429, headers={"Retry-After": "7"})
    with pytest.raises(GithubException) as err:
        gh.get_repo(REPO).create_check_run("steward", world.pull(REPO, 5)["head_sha"])
    assert err.value.status == status
    assert err.value.headers["retry-after"] == "7"
    assert err.value.data["message"].startswith("You have exceeded a secondary rate limit")
    # PyGithub maps only a 403 with this message to RateLimitExceededException, not a 429
    assert isinstance(err.value, RateLimitExceededException) is (status == 403)


def test_pygithub_default_retry_hides_one_502(world):
    from urllib3 import Retry

    gh = as_installation(
        world, token_for(world), retry=Retry(total=2, status_forcelist=[502], backoff_factor=0)
    )
    world.fail("GET", r"/pulls/5$", 502)
    assert gh.get_repo(REPO).get_pull(5).number == 5
    assert world.count("GET", r"/pulls/5$") == 2


def test_latency_only_fault(world, gh):
    world.fail("GET", r"/pulls/5$", None, latency=0.3)
    started = time.monotonic()
    gh.get_repo(REPO).get_pull(5)
    assert time.monotonic() - started >= 0.3


def test_rate_limit_counts_down_then_403(world, gh):
    before = gh.get_rate_limit().resources.core.remaining
    gh.get_repo(REPO)
    assert gh.get_rate_limit().resources.core.remaining == before - 1  # /rate_limit is free
    world.set_rate_limit(remaining=0)
    with pytest.raises(RateLimitExceededException):
        gh.get_repo(REPO).get_pull(5)


# -- the app's deliveries and manifest flow --------------------------------------------------
def test_hook_deliveries_cursor_pages_and_redelivery(world):
    for i in range(5):
        world.add_delivery("pull_request", "opened", status_code=502 if i == 2 else 200)
    requester = as_app(world).requester
    seen, url, params = [], "/app/hook/deliveries", {"per_page": 2}
    while url:
        headers, page = requester.requestJsonAndCheck("GET", url, params)
        seen += page
        nxt = re.search(r'<([^>]+)>; rel="next"', headers.get("link", ""))
        url, params = (nxt.group(1), None) if nxt else (None, None)
    assert [d["id"] for d in seen] == sorted((d.id for d in world.deliveries), reverse=True)
    failed = next(d for d in seen if d["status_code"] == 502)
    requester.requestJsonAndCheck("POST", f"/app/hook/deliveries/{failed['id']}/attempts")
    assert world.redelivered == [failed["id"]]
    assert world.deliveries[-1].redelivery


def test_manifest_conversion_once(world):
    world.add_manifest("abc123")
    got = raw(world, "POST", "/app-manifests/abc123/conversions", None)
    assert got.status_code == 201
    assert got.json()["pem"] == world.private_key_pem
    assert raw(world, "POST", "/app-manifests/abc123/conversions", None).status_code == 404


def test_unknown_route_is_github_404(world):
    got = raw(world, "GET", "/repos/acme/mlkit/nonsense", token_for(world))
    assert got.status_code == 404
    assert got.json()["message"] == "Not Found"
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.headers["X-GitHub-Request-Id"]


# -- webhook payload fixtures ----------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["pull_request.opened", "pull_request.synchronize", "pull_request.edited", "pull_request.reopened",
     "pull_request.ready_for_review", "pull_request.labeled", "issue_comment.created",
     "check_run.rerequested", "check_suite.rerequested", "push", "installation.created",
     "installation_repositories.added", "ping"],
)  # fmt: skip
def test_webhook_fixture(name):
    payload = json.loads((FIXTURES / "webhooks" / f"{name}.json").read_text())
    action = name.partition(".")[2]
    assert payload.get("action") == (action or None)
    if name == "issue_comment.created":
        assert payload["issue"]["pull_request"]["url"].endswith(
            f"/pulls/{payload['issue']['number']}"
        )


def test_webhook_index_is_complete():
    with gzip.open(FIXTURES / "webhooks" / "index.json.gz") as f:
        index = json.load(f)
    assert len(index) == 58
    assert sum(len(e["examples"]) for e in index) == 329
