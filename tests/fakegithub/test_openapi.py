"""The fake answers in GitHub's shapes: every response fits the response schema of its operation
in GitHub's OpenAPI description (@octokit/openapi, extracted into
tests/fixtures/openapi/fakegithub.json by extract_openapi.py), and the fake never sends a field
that schema does not have. It may leave out fields nobody reads; it must not invent one.

The responses checked are those of every route, driven by PyGithub, and those of a real review
by the bot's worker code (token, config, files, tree, comment, check run, labels, a second pass).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from github import Auth, Github, GithubIntegration

from tests.fakegithub import FakeGitHub, make_files
from tests.fakegithub.routes import ROUTES

SPEC = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "fakegithub.json").read_text()
)["operations"]
REPO = "acme/mlkit"
QUICK = {"retry": None, "seconds_between_requests": None, "seconds_between_writes": None}


def operation(method: str, path: str) -> str | None:
    """The OpenAPI operation ("GET /repos/{owner}/{repo}/...") a request path is an instance of."""
    for key in SPEC:
        verb, template = key.split(" ", 1)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        if template.endswith("{path}"):
            pattern = pattern.removesuffix("[^/]+") + ".+"
        if verb == method and re.fullmatch(pattern, path):
            return key
    return None


def _properties(schema: dict) -> tuple[dict, dict | None, bool, bool]:
    """Across oneOf/anyOf/allOf: the properties a value may have, its items' schema, whether
    any branch declares properties at all, and whether one allows others (additionalProperties)."""
    props, items = dict(schema.get("properties", {})), schema.get("items")
    declared = "properties" in schema
    open_ = bool(schema.get("additionalProperties"))
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            more, more_items, more_declared, more_open = _properties(branch)
            props.update(more)
            items = items or more_items
            declared, open_ = declared or more_declared, open_ or more_open
    return props, items, declared, open_


def invented(value, schema: dict, where: str = "$") -> list[str]:
    """Fields the fake sends that GitHub's schema does not have."""
    props, items, declared, open_ = _properties(schema)
    out = []
    if isinstance(value, dict) and declared:
        for k, v in value.items():
            if k in props:
                out += invented(v, props[k], f"{where}.{k}")
            elif not open_:
                out.append(f"{where}.{k}")
    if isinstance(value, list) and items:
        for i, item in enumerate(value[:5]):
            out += invented(item, items, f"{where}[{i}]")
    return out


def misfits(value, schema: dict) -> list[str]:
    """Why `value` is not something GitHub could have sent under `schema` (empty: it could)."""
    errors = jsonschema.Draft7Validator(schema).iter_errors(value)
    wrong = [f"{e.json_path}: {e.message[:120]}" for e in errors]
    return wrong + [f"{path}: not in GitHub's schema" for path in invented(value, schema)]


@pytest.mark.parametrize(
    ("value", "schema", "fits"),
    [
        ({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}}, True),
        ({"b": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}}, False),
        ({"a": "x"}, {"type": "object", "properties": {"a": {"type": "integer"}}}, False),
        ({}, {"type": "object", "properties": {"a": {}}, "required": ["a"]}, False),
        ({"b": "x"}, {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}}, True),
        (None, {"type": ["string", "null"]}, True),
        (None, {"type": "string"}, False),
        (True, {"type": "integer"}, False),
        ([{"a": 1}], {"type": "array", "items": {"type": "object", "properties": {}}}, False),
        ({"a": {"deep": 1}}, {"type": "object", "properties": {"a": {}}}, True),  # cut-off depth
        ("x", {"oneOf": [{"type": "integer"}, {"type": "string"}]}, True),
        ({"x": 1, "y": 2}, {"anyOf": [{"properties": {"x": {}}}, {"properties": {"y": {}}}]}, True),
        ("loud", {"type": "string", "enum": ["read", "write"]}, False),
    ],
)  # fmt: skip
def test_the_checker_itself(value, schema, fits):
    assert (misfits(value, schema) == []) is fits


def test_every_route_has_an_extracted_schema():
    for method, pattern, _, handler in ROUTES:
        sample = re.sub(r"\(\?P<\w+>[^)]*\)", "x", pattern.pattern).replace("(?:/x)?", "/x")
        sample = re.sub(r"\\d\+|\[\^/\]\+|\.\+|\[0-9a-f\]\{40\}", "1", sample)
        assert operation(method, sample), f"{handler.__name__}: {method} {sample}"


def _drive_every_route(fake: FakeGitHub) -> None:
    """Call each route once through PyGithub (or its requester), as the app and as an installation."""
    app = GithubIntegration(base_url=fake.url, auth=Auth.AppAuth(fake.app_id, fake.private_key_pem), **QUICK)  # fmt: skip
    installation = app.get_repo_installation(*REPO.split("/"))
    token = app.get_access_token(installation.id).token
    gh = Github(auth=Auth.Token(token), base_url=fake.url, per_page=100, **QUICK)
    repo = gh.get_repo(REPO)
    pull = repo.get_pull(5)
    issue = repo.get_issue(5)
    list(pull.get_files())
    list(pull.get_commits())
    comment = issue.create_comment("hi")
    comment.edit("hello")
    list(issue.get_comments())
    run = repo.create_check_run("steward", pull.head.sha, status="in_progress")
    run.edit(conclusion="success", output={"title": "t", "summary": "s"})
    list(repo.get_commit(pull.head.sha).get_check_runs(check_name="steward"))
    repo.get_contents("README.md")
    repo.get_contents("src")
    pull.add_to_labels("size/XS")
    pull.set_labels("size/S", "wip")
    pull.remove_from_labels("wip")
    list(pull.get_labels())
    list(repo.get_labels())
    repo.get_label("size/XS")
    repo.create_label("bug", "d73a4a")
    repo.get_collaborator_permission("maintainer")
    gh.get_rate_limit()
    req = gh.requester
    sha = repo.get_git_tree("main", recursive=True).tree[0].sha
    req.requestJsonAndCheck("GET", f"/repos/{REPO}/git/blobs/{sha}")
    req.requestJsonAndCheck("GET", f"/repos/{REPO}/issues/comments/{comment.id}")
    req.requestJsonAndCheck("GET", f"/repos/{REPO}/check-runs/{run.id}")
    req.requestJsonAndCheck("GET", "/installation/repositories")
    comment.delete()
    list(app.get_installations())
    app.get_app_installation(installation.id)
    app.get_app()
    fake.add_delivery("ping")
    _, deliveries = app.requester.requestJsonAndCheck("GET", "/app/hook/deliveries")
    app.requester.requestJsonAndCheck(
        "POST", f"/app/hook/deliveries/{deliveries[0]['id']}/attempts"
    )
    app.requester.requestJsonAndCheck("GET", "/app/hook/config")
    fake.add_manifest("code")
    app.requester.requestJsonAndCheck("POST", "/app-manifests/code/conversions")


def _review_like_the_worker(fake: FakeGitHub, redis_client) -> None:
    """A first review of pull request #6, then a second pass after its files changed."""
    from bot.cache import Memory, RedisTokenCache
    from bot.github import App
    from bot.jobs import ReviewJob
    from bot.service import Service
    from bot.store import Store

    app = App(fake.url, fake.app_id, fake.private_key_pem, RedisTokenCache(redis_client))
    service = Service(app, Memory(redis_client), Store(redis_client), time_limit=60)
    inst = fake.installation_for(fake.repo(REPO)).id
    added = {"filename": "src/mlkit/added.py", "status": "added",
             "patch": "@@ -0,0 +1,6 @@\n" + "\n".join(f"+x{i} = {i}" for i in range(6))}  # fmt: skip
    files = [*make_files(40, "src/mlkit/ops/op"), added]
    fake.add_pull(REPO, 6, files, body="Adds ops. Refs #5")
    service.store.note_pull_request(REPO, fake.pull_json(REPO, 6))
    service.handle(ReviewJob(inst, "d1", REPO, 6, None, "pull_request.opened"))
    fake.push(REPO, 6, files[:3])
    service.store.note_pull_request(REPO, fake.pull_json(REPO, 6))
    service.handle(ReviewJob(inst, "d2", REPO, 6, None, "pull_request.synchronize"))


def test_every_response_fits_githubs_openapi_schema(fake_github, redis_client):
    fake_github.add_repo(
        REPO,
        files={
            "README.md": "# mlkit\n",
            "src/mlkit/__init__.py": "",
            "src/mlkit/new.py": "# SPDX-License-Identifier: MIT\n",
            "CONTRIBUTING.md": "# Contributing\n",
        },
        labels={"size/XS": "3cbf00"},
        permissions={"maintainer": "maintain"},
    )
    fake_github.add_pull(REPO, 5, files=make_files(3), commits=2, author="newcomer")
    _drive_every_route(fake_github)
    by_gh = len(fake_github.calls)
    _review_like_the_worker(fake_github, redis_client)
    by_worker = {operation(c.method, c.path) for c in fake_github.calls[by_gh:] if c.status < 300}
    assert {
        "POST /app/installations/{installation_id}/access_tokens",
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
        "POST /repos/{owner}/{repo}/check-runs",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
        "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
        "POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
    } <= by_worker

    problems, checked = [], set()
    for call in fake_github.calls:
        key = operation(call.method, call.path)
        assert key, f"{call.method} {call.path}: no extracted schema"
        if call.status >= 300 or "schema" not in SPEC[key]:
            continue
        if call.status != SPEC[key]["status"]:
            problems.append(f"{key}: status {call.status}, GitHub answers {SPEC[key]['status']}")
        problems += [f"{key} {where}" for where in misfits(call.response, SPEC[key]["schema"])]
        checked.add(key)
    assert fake_github.errors == []
    assert not problems, "\n".join(sorted(set(problems)))
    assert set(SPEC) - checked == {"DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}"}
