"""GitHub's JSON shapes, built from the fake's compact state.

Field names and types follow GitHub's OpenAPI description (see tests/fixtures/openapi/); every
`url` points back at the fake (`api` is the base the request came in on, with any `/api/v3`
prefix), because PyGithub follows those URLs when it completes a lazy object or a page.
"""

from __future__ import annotations

import base64
from typing import Any

from tests.fakegithub.state import DEFAULT_NOW, Installation, Repo, blob_sha, git_sha

WEB = "https://github.com"


def node_id(kind: str, ident: int | str) -> str:
    """An opaque GraphQL-style node id."""
    return kind + "_" + base64.b64encode(f"{kind}{ident}".encode()).decode().rstrip("=")


def user(api: str, login: str, kind: str | None = None, *, view_type: bool = True) -> dict:
    """A simple-user; logins ending in `[bot]` are bots. `view_type=False` leaves out
    `user_view_type`, which the description's older copies of simple-user (an app's owner, an
    installation's account) do not have."""
    kind = kind or ("Bot" if login.endswith("[bot]") else "User")
    uid = int(git_sha("user", login.lower())[:7], 16)
    out = {
        "login": login,
        "id": uid,
        "node_id": node_id("U", uid),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": f"{api}/users/{login}",
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{api}/users/{login}/followers",
        "following_url": f"{api}/users/{login}/following{{/other_user}}",
        "gists_url": f"{api}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{api}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/users/{login}/subscriptions",
        "organizations_url": f"{api}/users/{login}/orgs",
        "repos_url": f"{api}/users/{login}/repos",
        "events_url": f"{api}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{api}/users/{login}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }
    if not view_type:
        del out["user_view_type"]
    return out


def app(api: str, app_id: int, slug: str, installation: Installation | None = None) -> dict:
    """The GitHub App (GET /app, performed_via_github_app, check_run.app)."""
    owner = installation.account if installation else "steward-dev"
    out = {
        "id": app_id,
        "slug": slug,
        "node_id": node_id("A", app_id),
        "client_id": f"Iv1.{git_sha('client', str(app_id))[:16]}",
        "owner": user(api, owner, "Organization", view_type=False),
        "name": slug.replace("-", " ").title(),
        "description": "Reviews pull requests of open-source ML projects.",
        "external_url": f"https://{slug}.example.org",
        "html_url": f"{WEB}/apps/{slug}",
        "created_at": DEFAULT_NOW,
        "updated_at": DEFAULT_NOW,
        "permissions": dict(installation.permissions) if installation else {},
        "events": list(installation.events) if installation else [],
        "installations_count": 1,
    }
    return out


_REPO_LINKS = {
    "assignees": "assignees{/user}",
    "blobs": "git/blobs{/sha}",
    "compare": "compare/{base}...{head}",
    "contributors": "contributors",
    "deployments": "deployments",
    "downloads": "downloads",
    "events": "events",
    "forks": "forks",
    "git_refs": "git/refs{/sha}",
    "git_tags": "git/tags{/sha}",
    "hooks": "hooks",
    "issue_events": "issues/events{/number}",
    "keys": "keys{/key_id}",
    "languages": "languages",
    "merges": "merges",
    "milestones": "milestones{/number}",
    "notifications": "notifications{?since,all,participating}",
    "releases": "releases{/id}",
    "stargazers": "stargazers",
    "subscribers": "subscribers",
    "subscription": "subscription",
    "tags": "tags",
    "teams": "teams",
    "trees": "git/trees{/sha}",
}


def repo(api: str, r: Repo, full: bool = False) -> dict[str, Any]:
    """A repository, as inside a pull request or an installation's list; `full`: as GET
    /repos/{o}/{r} answers it (full-repository: also network and subscriber counts)."""
    url = f"{api}/repos/{r.full_name}"
    owner_kind = "Organization" if not r.owner.islower() or "-" in r.owner else "User"
    out = {
        "id": r.id,
        "node_id": node_id("R", r.id),
        "name": r.name,
        "full_name": r.full_name,
        "private": r.private,
        "owner": user(api, r.owner, owner_kind),
        "html_url": f"{WEB}/{r.full_name}",
        "description": r.description,
        "fork": False,
        "url": url,
        "archive_url": f"{url}/{{archive_format}}{{/ref}}",
        "branches_url": f"{url}/branches{{/branch}}",
        "collaborators_url": f"{url}/collaborators{{/collaborator}}",
        "comments_url": f"{url}/comments{{/number}}",
        "commits_url": f"{url}/commits{{/sha}}",
        "contents_url": f"{url}/contents/{{+path}}",
        "git_commits_url": f"{url}/git/commits{{/sha}}",
        "issue_comment_url": f"{url}/issues/comments{{/number}}",
        "issues_url": f"{url}/issues{{/number}}",
        "labels_url": f"{url}/labels{{/name}}",
        "pulls_url": f"{url}/pulls{{/number}}",
        "statuses_url": f"{url}/statuses/{{sha}}",
        **{f"{name}_url": f"{url}/{path}" for name, path in _REPO_LINKS.items()},
        "clone_url": f"{WEB}/{r.full_name}.git",
        "svn_url": f"{WEB}/{r.full_name}",
        "mirror_url": None,
        "git_url": f"git://github.com/{r.full_name}.git",
        "ssh_url": f"git@github.com:{r.full_name}.git",
        "homepage": None,
        "language": "Python",
        "size": 1024,
        "stargazers_count": 42,
        "watchers_count": 42,
        "forks_count": 7,
        "forks": 7,
        "watchers": 42,
        "open_issues_count": 3,
        "open_issues": 3,
        "default_branch": r.default_branch,
        "topics": list(r.topics),
        "visibility": "private" if r.private else "public",
        "archived": False,
        "disabled": False,
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": True,
        "is_template": False,
        "license": {
            "key": "apache-2.0",
            "name": "Apache License 2.0",
            "spdx_id": "Apache-2.0",
            "url": f"{api}/licenses/apache-2.0",
            "node_id": "MDc6TGljZW5zZTI=",
        },
        "pushed_at": DEFAULT_NOW,
        "created_at": "2024-03-01T09:00:00Z",
        "updated_at": DEFAULT_NOW,
        "allow_forking": True,
        "web_commit_signoff_required": False,
    }
    if full:
        out |= {"network_count": 7, "subscribers_count": 5}
    return out


def label(api: str, r: Repo, lab: dict[str, Any]) -> dict[str, Any]:
    """A label."""
    return {
        "id": lab["id"],
        "node_id": node_id("LA", lab["id"]),
        "url": f"{api}/repos/{r.full_name}/labels/{lab['name']}",
        "name": lab["name"],
        "color": lab["color"],
        "default": lab.get("default", False),
        "description": lab.get("description"),
    }


def _branch(api: str, r: Repo, ref: str, sha: str, login: str | None = None) -> dict[str, Any]:
    owner = login or r.owner
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(api, owner),
        "repo": repo(api, r),
    }


def pull(api: str, r: Repo, p: dict[str, Any], labels: list[dict[str, Any]]) -> dict[str, Any]:
    """A pull request (GET /repos/{o}/{r}/pulls/{n})."""
    url = f"{api}/repos/{r.full_name}/pulls/{p['number']}"
    issue_url = f"{api}/repos/{r.full_name}/issues/{p['number']}"
    files = p["files"]
    additions = sum(f["additions"] for f in files)
    deletions = sum(f["deletions"] for f in files)
    merged = p["state"] == "merged"
    return {
        "url": url,
        "id": p["id"],
        "node_id": node_id("PR", p["id"]),
        "html_url": f"{WEB}/{r.full_name}/pull/{p['number']}",
        "diff_url": f"{WEB}/{r.full_name}/pull/{p['number']}.diff",
        "patch_url": f"{WEB}/{r.full_name}/pull/{p['number']}.patch",
        "issue_url": issue_url,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/repos/{r.full_name}/pulls/comments{{/number}}",
        "comments_url": f"{issue_url}/comments",
        "statuses_url": f"{api}/repos/{r.full_name}/statuses/{p['head_sha']}",
        "number": p["number"],
        "state": "closed" if merged else p["state"],
        "locked": False,
        "title": p["title"],
        "user": user(api, p["user"]),
        "body": p["body"],
        "labels": labels,
        "milestone": None,
        "active_lock_reason": None,
        "created_at": p["created_at"],
        "updated_at": p["updated_at"],
        "closed_at": p["updated_at"] if p["state"] != "open" else None,
        "merged_at": p["updated_at"] if merged else None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(api, p["head_repo"], p["head_ref"], p["head_sha"], p["head_owner"]),
        "base": _branch(api, r, p["base_ref"], p["base_sha"]),
        "_links": {
            "self": {"href": url},
            "html": {"href": f"{WEB}/{r.full_name}/pull/{p['number']}"},
            "issue": {"href": issue_url},
            "comments": {"href": f"{issue_url}/comments"},
            "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{api}/repos/{r.full_name}/pulls/comments{{/number}}"},
            "commits": {"href": f"{url}/commits"},
            "statuses": {"href": f"{api}/repos/{r.full_name}/statuses/{p['head_sha']}"},
        },
        "author_association": p["author_association"],
        "auto_merge": None,
        "draft": p["draft"],
        "merged": merged,
        "mergeable": p.get("mergeable", True),
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": p.get("comment_count", 0),
        "review_comments": 0,
        "maintainer_can_modify": p.get("maintainer_can_modify", True),
        "commits": len(p["commits"]),
        "additions": additions,
        "deletions": deletions,
        "changed_files": len(files),
    }


def pull_file(api: str, r: Repo, head_sha: str, f: dict[str, Any]) -> dict[str, Any]:
    """One entry of GET /pulls/{n}/files (patch left out for binary or huge diffs)."""
    out = {
        "sha": f["sha"],
        "filename": f["filename"],
        "status": f["status"],
        "additions": f["additions"],
        "deletions": f["deletions"],
        "changes": f["additions"] + f["deletions"],
        "blob_url": f"{WEB}/{r.full_name}/blob/{head_sha}/{f['filename']}",
        "raw_url": f"{WEB}/{r.full_name}/raw/{head_sha}/{f['filename']}",
        "contents_url": f"{api}/repos/{r.full_name}/contents/{f['filename']}?ref={head_sha}",
    }
    if f.get("patch") is not None:
        out["patch"] = f["patch"]
    if f.get("previous_filename"):
        out["previous_filename"] = f["previous_filename"]
    return out


def commit(api: str, r: Repo, c: dict[str, Any]) -> dict[str, Any]:
    """One entry of GET /pulls/{n}/commits."""
    url = f"{api}/repos/{r.full_name}/commits/{c['sha']}"
    person = {"name": c["author"], "email": f"{c['author']}@users.noreply.github.com"}
    return {
        "sha": c["sha"],
        "node_id": node_id("C", c["sha"][:12]),
        "commit": {
            "url": f"{api}/repos/{r.full_name}/git/commits/{c['sha']}",
            "author": {**person, "date": c["date"]},
            "committer": {**person, "date": c["date"]},
            "message": c["message"],
            "comment_count": 0,
            "tree": {"sha": git_sha("tree", c["sha"]), "url": f"{api}/repos/{r.full_name}/git/trees/{c['sha']}"},
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None},
        },
        "url": url,
        "html_url": f"{WEB}/{r.full_name}/commit/{c['sha']}",
        "comments_url": f"{url}/comments",
        "author": user(api, c["author"]),
        "committer": user(api, c["author"]),
        "parents": [{"sha": s, "url": f"{api}/repos/{r.full_name}/commits/{s}", "html_url": f"{WEB}/{r.full_name}/commit/{s}"} for s in c["parents"]],
    }  # fmt: skip


def content_file(api: str, r: Repo, path: str, data: bytes, ref: str) -> dict[str, Any]:
    """GET /contents/{path} for a file: base64 in 60-character lines, like GitHub."""
    sha = blob_sha(data)
    encoded = base64.b64encode(data).decode()
    url = f"{api}/repos/{r.full_name}/contents/{path}?ref={ref}"
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
        "sha": sha,
        "url": url,
        "git_url": f"{api}/repos/{r.full_name}/git/blobs/{sha}",
        "html_url": f"{WEB}/{r.full_name}/blob/{ref}/{path}",
        "download_url": f"https://raw.githubusercontent.com/{r.full_name}/{ref}/{path}",
        "_links": {
            "self": url,
            "git": f"{api}/repos/{r.full_name}/git/blobs/{sha}",
            "html": f"{WEB}/{r.full_name}/blob/{ref}/{path}",
        },
    }


def content_entry(api: str, r: Repo, path: str, kind: str, data: bytes, ref: str) -> dict:
    """One entry of a directory listing (GET /contents/{dir})."""
    out = content_file(api, r, path, data, ref) if kind == "file" else None
    if out is None:
        sha = git_sha("dir", path)
        url = f"{api}/repos/{r.full_name}/contents/{path}?ref={ref}"
        out = {
            "type": "dir",
            "size": 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": f"{api}/repos/{r.full_name}/git/trees/{sha}",
            "html_url": f"{WEB}/{r.full_name}/tree/{ref}/{path}",
            "download_url": None,
            "_links": {"self": url, "git": f"{api}/repos/{r.full_name}/git/trees/{sha}", "html": f"{WEB}/{r.full_name}/tree/{ref}/{path}"},
        }  # fmt: skip
    else:
        del out["content"], out["encoding"]
    return out


def comment(api: str, r: Repo, c: dict[str, Any], app_json: dict | None) -> dict[str, Any]:
    """An issue comment."""
    issue_url = f"{api}/repos/{r.full_name}/issues/{c['number']}"
    return {
        "id": c["id"],
        "node_id": node_id("IC", c["id"]),
        "url": f"{api}/repos/{r.full_name}/issues/comments/{c['id']}",
        "html_url": f"{WEB}/{r.full_name}/pull/{c['number']}#issuecomment-{c['id']}",
        "body": c["body"],
        "user": user(api, c["user"]),
        "created_at": c["created_at"],
        "updated_at": c["updated_at"],
        "issue_url": issue_url,
        "author_association": c["author_association"],
        "performed_via_github_app": app_json,
        "reactions": {
            "url": f"{api}/repos/{r.full_name}/issues/comments/{c['id']}/reactions",
            "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
            "confused": 0, "heart": 0, "rocket": 0, "eyes": 0,
        },
    }  # fmt: skip


def issue(api: str, r: Repo, i: dict[str, Any], labels: list[dict], is_pull: bool) -> dict:
    """An issue, or the issue side of a pull request (it then carries `pull_request`)."""
    url = f"{api}/repos/{r.full_name}/issues/{i['number']}"
    kind = "pull" if is_pull else "issues"
    out = {
        "id": i["id"] + (1 if is_pull else 0),
        "node_id": node_id("I", i["id"]),
        "url": url,
        "repository_url": f"{api}/repos/{r.full_name}",
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{WEB}/{r.full_name}/{kind}/{i['number']}",
        "number": i["number"],
        "state": "closed" if i["state"] != "open" else "open",
        "state_reason": i.get("state_reason"),
        "title": i["title"],
        "body": i["body"],
        "user": user(api, i["user"]),
        "labels": labels,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": i.get("comment_count", 0),
        "closed_at": None if i["state"] == "open" else i["updated_at"],
        "created_at": i["created_at"],
        "updated_at": i["updated_at"],
        "author_association": i["author_association"],
    }
    if is_pull:
        out["draft"] = i["draft"]
        out["pull_request"] = {
            "url": f"{api}/repos/{r.full_name}/pulls/{i['number']}",
            "html_url": f"{WEB}/{r.full_name}/pull/{i['number']}",
            "diff_url": f"{WEB}/{r.full_name}/pull/{i['number']}.diff",
            "patch_url": f"{WEB}/{r.full_name}/pull/{i['number']}.patch",
            "merged_at": i["updated_at"] if i["state"] == "merged" else None,
        }
    return out


def check_run(api: str, r: Repo, c: dict[str, Any], app_json: dict) -> dict[str, Any]:
    """A check run."""
    url = f"{api}/repos/{r.full_name}/check-runs/{c['id']}"
    output = c["output"]
    return {
        "id": c["id"],
        "head_sha": c["head_sha"],
        "node_id": node_id("CR", c["id"]),
        "external_id": c.get("external_id") or "",
        "url": url,
        "html_url": f"{WEB}/{r.full_name}/runs/{c['id']}",
        "details_url": c.get("details_url") or f"https://{app_json['slug']}.example.org",
        "status": c["status"],
        "conclusion": c.get("conclusion"),
        "started_at": c.get("started_at"),
        "completed_at": c.get("completed_at"),
        "output": {
            "title": output.get("title"),
            "summary": output.get("summary"),
            "text": output.get("text"),
            "annotations_count": len(c["annotations"]),
            "annotations_url": f"{url}/annotations",
        },
        "name": c["name"],
        "check_suite": {"id": c["check_suite_id"]},
        "app": app_json,
        "pull_requests": [],
    }


def installation(
    api: str, inst: Installation, app_id: int, slug: str, listed: bool = False
) -> dict[str, Any]:
    """An installation of the app (`listed`: as an item of GET /app/installations, whose
    schema has no client_id and an older simple-user for the account)."""
    out = {
        "id": inst.id,
        "account": user(api, inst.account, inst.account_type, view_type=not listed),
        "repository_selection": "all" if inst.repos is None else "selected",
        "access_tokens_url": f"{api}/app/installations/{inst.id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"{WEB}/organizations/{inst.account}/settings/installations/{inst.id}",
        "app_id": app_id,
        "app_slug": slug,
        "client_id": f"Iv1.{git_sha('client', str(app_id))[:16]}",
        "target_id": int(git_sha("user", inst.account.lower())[:7], 16),
        "target_type": inst.account_type,
        "permissions": dict(inst.permissions),
        "events": list(inst.events),
        "created_at": "2025-06-01T12:00:00Z",
        "updated_at": "2025-06-01T12:00:00Z",
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": DEFAULT_NOW if inst.suspended else None,
    }
    if listed:
        del out["client_id"]
    return out


def error(message: str, docs: str = "https://docs.github.com/rest", status: int = 404) -> dict:
    """GitHub's error body."""
    return {"message": message, "documentation_url": docs, "status": str(status)}
