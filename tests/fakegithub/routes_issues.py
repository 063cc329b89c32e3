"""Endpoints that write: issues and their comments, labels, and check runs.

GitHub's validation is copied where a client could trip on it: a label that already exists
(422 already_exists), a check run with more than 50 annotations in one request, a completed
check run without a conclusion, an output without title or summary, a summary over 65,535
characters.
"""

from __future__ import annotations

from typing import Any

from tests.fakegithub import shapes
from tests.fakegithub.routes import (
    HTTPError,
    Request,
    Response,
    app_json,
    body_dict,
    ensure_label,
    labels_json,
    not_found,
    paginate,
    repo_of,
    route,
)
from tests.fakegithub.state import Repo, State, now_iso

MAX_BODY = 65536  # characters in a comment body
MAX_SUMMARY = 65535  # characters in a check run's output summary or text
MAX_ANNOTATIONS = 50  # per create/update request


def _item(state: State, req: Request, r: Repo) -> dict[str, Any]:
    item = state.pull_or_issue(r, int(req.params["n"]))
    if item is None or item.get("kind") == "discussion":
        raise not_found("https://docs.github.com/rest/issues/issues#get-an-issue")
    return item


# -- issues and comments ---------------------------------------------------------------------
@route("GET", r"{REPO}/issues/(?P<n>\d+)")
def get_issue(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    is_pull = "head_sha" in item
    labels = labels_json(state, req, r, item["labels"])
    return Response(200, shapes.issue(req.api, r, item, labels, is_pull))


def _comment_json(state: State, req: Request, r: Repo, c: dict[str, Any]) -> dict[str, Any]:
    return shapes.comment(req.api, r, c, app_json(state, req, r) if c["by_app"] else None)


@route("GET", r"{REPO}/issues/(?P<n>\d+)/comments")
def list_comments(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    comments = [
        _comment_json(state, req, r, c)
        for c in sorted(state.comments_by_id.values(), key=lambda c: c["id"])
        if c["repo"] == r.full_name.lower() and c["number"] == item["number"]
    ]
    return paginate(req, comments)


@route("POST", r"{REPO}/issues/(?P<n>\d+)/comments")
def create_comment(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    body = body_dict(req).get("body")
    if not isinstance(body, str) or not body:
        raise HTTPError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if len(body) > MAX_BODY:
        raise HTTPError(422, "Validation Failed", errors=[
            {"resource": "IssueComment", "code": "unprocessable", "field": "data",
             "message": "Body is too long (maximum is 65536 characters)"}])  # fmt: skip
    login = f"{state.app_slug}[bot]" if req.auth_kind == "installation" else "octocat"
    comment = state.add_comment(r.full_name, item["number"], body, login, by_app=True)
    item["comment_count"] = item.get("comment_count", 0) + 1
    headers = {"Location": f"{req.api}/repos/{r.full_name}/issues/comments/{comment['id']}"}
    return Response(201, _comment_json(state, req, r, comment), headers)


def _comment(state: State, req: Request, r: Repo) -> dict[str, Any]:
    c = state.comments_by_id.get(int(req.params["id"]))
    if c is None or c["repo"] != r.full_name.lower():
        raise not_found("https://docs.github.com/rest/issues/comments#get-an-issue-comment")
    return c


@route("GET", r"{REPO}/issues/comments/(?P<id>\d+)")
def get_comment(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    return Response(200, _comment_json(state, req, r, _comment(state, req, r)))


@route("PATCH", r"{REPO}/issues/comments/(?P<id>\d+)")
def edit_comment(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    c = _comment(state, req, r)
    body = body_dict(req).get("body")
    if not isinstance(body, str) or not body:
        raise HTTPError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    c["body"], c["updated_at"] = body, now_iso()
    return Response(200, _comment_json(state, req, r, c))


@route("DELETE", r"{REPO}/issues/comments/(?P<id>\d+)")
def delete_comment(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    del state.comments_by_id[_comment(state, req, r)["id"]]
    return Response(204)


# -- labels ----------------------------------------------------------------------------------
@route("GET", r"{REPO}/labels")
def list_labels(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    return paginate(req, [shapes.label(req.api, r, lab) for lab in r.labels.values()])


@route("GET", r"{REPO}/labels/(?P<name>[^/]+)")
def get_label(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    lab = r.labels.get(req.params["name"].lower())
    if lab is None:
        raise not_found("https://docs.github.com/rest/issues/labels#get-a-label")
    return Response(200, shapes.label(req.api, r, lab))


@route("POST", r"{REPO}/labels")
def create_label(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    data = body_dict(req)
    name = data.get("name")
    if not name:
        raise HTTPError(422, 'Invalid request.\n\n"name" wasn\'t supplied.')
    if name.lower() in r.labels:
        raise HTTPError(422, "Validation Failed", "https://docs.github.com/rest/issues/labels#create-a-label",
                        errors=[{"resource": "Label", "code": "already_exists", "field": "name"}])  # fmt: skip
    lab = ensure_label(state, r, name, str(data.get("color", "ededed")).lstrip("#"))
    lab["description"] = data.get("description")
    return Response(201, shapes.label(req.api, r, lab))


def _label_names(req: Request) -> list[str]:
    data = req.body
    if isinstance(data, dict):
        data = data.get("labels", [])
    if not isinstance(data, list):
        raise HTTPError(422, "Invalid request.")
    return [x["name"] if isinstance(x, dict) else str(x) for x in data]


@route("GET", r"{REPO}/issues/(?P<n>\d+)/labels")
def issue_labels(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    return paginate(req, labels_json(state, req, r, _item(state, req, r)["labels"]))


@route("POST", r"{REPO}/issues/(?P<n>\d+)/labels")
def add_labels(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    have = {n.lower() for n in item["labels"]}
    for name in _label_names(req):
        lab = ensure_label(state, r, name)
        if name.lower() not in have:
            item["labels"].append(lab["name"])
            have.add(name.lower())
    return Response(200, labels_json(state, req, r, item["labels"]))


@route("PUT", r"{REPO}/issues/(?P<n>\d+)/labels")
def set_labels(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    item["labels"] = list(
        dict.fromkeys(ensure_label(state, r, n)["name"] for n in _label_names(req))
    )
    return Response(200, labels_json(state, req, r, item["labels"]))


@route("DELETE", r"{REPO}/issues/(?P<n>\d+)/labels/(?P<name>[^/]+)")
def remove_label(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    item = _item(state, req, r)
    name = req.params["name"].lower()
    if name not in {n.lower() for n in item["labels"]}:
        raise HTTPError(404, "Label does not exist",
                        "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue")  # fmt: skip
    item["labels"] = [n for n in item["labels"] if n.lower() != name]
    return Response(200, labels_json(state, req, r, item["labels"]))


# -- check runs ------------------------------------------------------------------------------
def _apply_check_run(run: dict[str, Any], data: dict[str, Any]) -> None:
    """Copy the writable fields of a create/update request onto `run`, validating as GitHub."""
    fields = ("name", "details_url", "external_id", "status", "conclusion", "started_at",
              "completed_at", "actions")  # fmt: skip
    for key in fields:
        if key in data:
            run[key] = data[key]
    if data.get("conclusion"):
        run["status"] = "completed"
        run.setdefault("completed_at", None)
        run["completed_at"] = run["completed_at"] or now_iso()
    if run["status"] == "completed" and not run.get("conclusion"):
        raise HTTPError(422, "Invalid request.\n\nNo subschema in \"anyOf\" matched.\n"
                        "\"conclusion\" wasn't supplied.")  # fmt: skip
    output = data.get("output")
    if output is not None:
        if not output.get("title") or not output.get("summary"):
            raise HTTPError(422, 'Invalid request.\n\n"title", "summary" weren\'t supplied.')
        for key in ("summary", "text"):
            if len(output.get(key) or "") > MAX_SUMMARY:
                raise HTTPError(422, f"Invalid request.\n\nOnly {MAX_SUMMARY} characters are allowed; {len(output[key])} were supplied.")  # fmt: skip
        notes = output.get("annotations") or []
        if len(notes) > MAX_ANNOTATIONS:
            raise HTTPError(422, "Invalid request.\n\nOnly 50 annotations are allowed per request.")
        run["output"] = {k: output.get(k) for k in ("title", "summary", "text")}
        run["annotations"].extend(notes)


@route("POST", r"{REPO}/check-runs")
def create_check_run(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    data = body_dict(req)
    if not data.get("name") or not data.get("head_sha"):
        raise HTTPError(422, 'Invalid request.\n\n"name", "head_sha" weren\'t supplied.')
    if state.resolve(r, data["head_sha"]) is None and not state.known_sha(r, data["head_sha"]):
        raise HTTPError(422, "No commit found for SHA: " + data["head_sha"])
    run = state.new_check_run(r.full_name, data["name"], data["head_sha"])
    run["started_at"] = now_iso()
    _apply_check_run(run, data)
    state.runs_by_id[run["id"]] = run
    return Response(201, shapes.check_run(req.api, r, run, app_json(state, req, r)))


@route("PATCH", r"{REPO}/check-runs/(?P<id>\d+)")
def update_check_run(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    run = state.runs_by_id.get(int(req.params["id"]))
    if run is None or run["repo"] != r.full_name.lower():
        raise not_found("https://docs.github.com/rest/checks/runs#update-a-check-run")
    before = {**run, "annotations": list(run["annotations"])}
    try:
        _apply_check_run(run, body_dict(req))
    except HTTPError:
        run.clear()
        run.update(before)
        raise
    return Response(200, shapes.check_run(req.api, r, run, app_json(state, req, r)))


@route("GET", r"{REPO}/check-runs/(?P<id>\d+)")
def get_check_run(state: State, req: Request) -> Response:
    r = repo_of(state, req)
    run = state.runs_by_id.get(int(req.params["id"]))
    if run is None or run["repo"] != r.full_name.lower():
        raise not_found()
    return Response(200, shapes.check_run(req.api, r, run, app_json(state, req, r)))


@route("GET", r"{REPO}/commits/(?P<ref>[^/]+)/check-runs")
def list_check_runs(state: State, req: Request) -> Response:
    """Filters: check_name, status, filter=latest (default: newest run per name) or all."""
    r = repo_of(state, req)
    sha = state.resolve(r, req.params["ref"]) or req.params["ref"]
    runs = [
        c
        for c in state.runs_by_id.values()
        if c["repo"] == r.full_name.lower() and c["head_sha"] == sha
    ]
    runs.sort(key=lambda c: c["id"], reverse=True)
    if req.query.get("check_name"):
        runs = [c for c in runs if c["name"] == req.query["check_name"]]
    if req.query.get("status"):
        runs = [c for c in runs if c["status"] == req.query["status"]]
    if req.query.get("filter", "latest") == "latest":
        seen: set[str] = set()
        runs = [c for c in runs if not (c["name"] in seen or seen.add(c["name"]))]
    app = app_json(state, req, r)
    items = [shapes.check_run(req.api, r, c, app) for c in runs]
    return paginate(req, items, lambda chunk: {"total_count": len(items), "check_runs": chunk})
