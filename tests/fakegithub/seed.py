"""Seeding and reading helpers: how tests build a world for the fake and look at it afterwards.

Defaults are realistic (an installation per owner, a `main` branch, a pull request from a fork
branch with one commit), so a test names only what it cares about.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from typing import Any

from tests.fakegithub import shapes
from tests.fakegithub.state import (
    DEFAULT_NOW,
    Delivery,
    Installation,
    Repo,
    State,
    Token,
    git_sha,
    now_iso,
)

FileSpec = dict[str, Any]  # filename, status, patch, content, previous_filename, additions...


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _patch_counts(patch: str | None) -> tuple[int, int]:
    lines = (patch or "").split("\n")
    adds = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
    dels = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
    return adds, dels


def _added_text(patch: str | None) -> bytes:
    """The new side of a patch (what the file holds after it, for added files)."""
    lines = [x[1:] for x in (patch or "").split("\n") if x[:1] in ("+", " ")]
    return ("\n".join(lines) + "\n").encode() if lines else b""


class Seeder(State):
    """`State` plus the helpers tests call. All of them take the lock."""

    # -- installations and tokens ------------------------------------------------------------
    def add_installation(
        self, account: str, installation_id: int | None = None, repos: list[str] | None = None, **kw
    ) -> Installation:
        """An installation on `account` (all its repos, or only `repos`)."""
        with self.lock:
            inst = Installation(
                installation_id or self.next_id(),
                account,
                repos=set(repos) if repos else None,
                **kw,
            )
            self.installations[inst.id] = inst
            return inst

    def mint_token(self, installation_id: int, ttl: float = 3600) -> Token:
        """An installation token as POST /app/installations/{id}/access_tokens makes it."""
        with self.lock:
            token = Token(
                "ghs_" + secrets.token_hex(18),
                installation_id,
                time.time() + ttl,
                self.default_rate_limit,
                self.default_used,
            )
            self.tokens[token.token] = token
            return token

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (the next use answers 401)."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = time.time() - 1

    def set_rate_limit(self, remaining: int, limit: int = 5000) -> None:
        """Every current token, and tokens minted later, have `remaining` calls left."""
        with self.lock:
            self.default_rate_limit = limit
            for token in self.tokens.values():
                token.limit, token.used = limit, limit - remaining
            self.default_used = limit - remaining

    # -- repositories ------------------------------------------------------------------------
    def add_repo(
        self,
        full_name: str = "acme/mlkit",
        files: dict[str, str | bytes] | None = None,
        default_branch: str = "main",
        *,
        private: bool = False,
        install: bool = True,
        installation_id: int | None = None,
        labels: dict[str, str] | None = None,
        permissions: dict[str, str] | None = None,
    ) -> Repo:
        """A repository with `files` on its default branch (a README unless told; `{}` for
        none); installed for the app by default, on a new installation `installation_id` when
        the owner has none yet.

        `labels` maps name -> color; `permissions` maps login -> admin/maintain/write/triage/read.
        """
        with self.lock:
            r = Repo(self.next_id(), full_name, default_branch, private)
            self.repos[full_name.lower()] = r
            default = {"README.md": "# mlkit\n"}
            self.set_files(full_name, default_branch, default if files is None else files)
            for name, color in (labels or {}).items():
                self.add_label(full_name, name, color)
            for login, perm in (permissions or {}).items():
                r.permissions[login.lower()] = perm
            inst = self.installation_for(r)
            if install and inst is None:
                self.add_installation(r.owner, installation_id)
            elif installation_id is not None and (inst is None or inst.id != installation_id):
                raise ValueError(f"{r.owner} is already installed as {inst and inst.id}")
            return r

    def set_files(self, repo: str, ref: str, files: dict[str, str | bytes]) -> str:
        """Point branch `ref` (or the 40-hex commit `ref`) at a snapshot of `files`; its sha."""
        with self.lock:
            r = self._repo(repo)
            snapshot = {p: _bytes(c) for p, c in files.items()}
            is_sha = len(ref) == 40 and all(ch in "0123456789abcdef" for ch in ref)
            sha = (
                ref
                if is_sha
                else git_sha("commit", repo, ref, *sorted(snapshot), str(self.next_id()))
            )
            r.snapshots[sha] = snapshot
            if not is_sha:
                r.branches[ref] = sha
            return sha

    def write_files(
        self, repo: str, files: dict[str, str | bytes | None], branch: str | None = None
    ) -> str:
        """A new commit on `branch` (the default branch unless told) that changes these files
        (`None` deletes one) and keeps the others; its sha. E.g. a maintainer edits the config."""
        with self.lock:
            r = self._repo(repo)
            branch = branch or r.default_branch
            snapshot: dict[str, str | bytes] = dict(r.snapshots[r.branches[branch]])
            for path, content in files.items():
                if content is None:
                    snapshot.pop(path, None)
                else:
                    snapshot[path] = content
            return self.set_files(repo, branch, snapshot)

    def set_permission(self, repo: str, login: str, permission: str) -> None:
        """A collaborator's role: admin, maintain, write, triage, read or none."""
        with self.lock:
            self._repo(repo).permissions[login.lower()] = permission

    def add_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = None
    ):
        """A label defined in the repository."""
        with self.lock:
            r = self._repo(repo)
            lab = {"id": self.next_id(), "name": name, "color": color, "description": description}
            r.labels[name.lower()] = lab
            return lab

    def _repo(self, repo: str) -> Repo:
        r = self.repo(repo)
        if r is None:
            raise KeyError(f"no repository {repo!r}: call add_repo first")
        return r

    # -- pull requests and issues ------------------------------------------------------------
    def add_pull(
        self,
        repo: str = "acme/mlkit",
        number: int | None = None,
        files: list[FileSpec] | None = None,
        *,
        title: str = "Add a data loader for Parquet shards",
        body: str | None = "Adds a streaming Parquet loader.\n\nCloses #1",
        draft: bool = False,
        author: str = "octocat",
        association: str = "CONTRIBUTOR",
        labels: list[str] = (),
        base_ref: str | None = None,
        head_ref: str = "feature/parquet-loader",
        head_sha: str | None = None,
        fork: bool = True,
        commits: int | list[dict[str, Any]] = 1,
        state: str = "open",
    ) -> dict[str, Any]:
        """A pull request. `files` are GitHub file entries; give `content` for a file's new text
        (else an added file's text is taken from its patch). The head commit's snapshot is the
        base's with these files applied, so /contents?ref=<head sha> answers like GitHub."""
        with self.lock:
            r = self._repo(repo)
            number = number or self._next_number(r)
            base_ref = base_ref or r.default_branch
            base_sha = r.branches[base_ref]
            entries = [self._file_entry(f) for f in (files or [_default_file()])]
            head_sha = head_sha or git_sha("head", repo, str(number), str(self.next_id()))
            self._head_snapshot(r, base_sha, head_sha, files or [_default_file()])
            for name in labels:
                if name.lower() not in r.labels:
                    self.add_label(repo, name)
            pull = {
                "id": self.next_id(), "number": number, "state": state, "title": title, "body": body,
                "draft": draft, "user": author, "author_association": association,
                "labels": [r.labels[n.lower()]["name"] for n in labels],
                "base_ref": base_ref, "base_sha": base_sha, "head_ref": head_ref, "head_sha": head_sha,
                "head_repo": r, "head_owner": author if fork else r.owner,
                "files": entries, "commits": self._commits(repo, head_sha, base_sha, author, commits),
                "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW,
            }  # fmt: skip
            self.pulls[(r.full_name.lower(), number)] = pull
            return pull

    def push(
        self,
        repo: str,
        number: int,
        files: list[FileSpec] | None = None,
        head_sha: str | None = None,
    ) -> str:
        """A new head commit on the pull request (its files replaced when given); the new sha."""
        with self.lock:
            r = self._repo(repo)
            pull = self.pulls[(r.full_name.lower(), number)]
            head_sha = head_sha or git_sha("push", repo, str(number), str(self.next_id()))
            if files is not None:
                pull["files"] = [self._file_entry(f) for f in files]
            self._head_snapshot(r, pull["base_sha"], head_sha, files or [])
            if files is None:
                r.snapshots[head_sha] = dict(r.snapshots[pull["head_sha"]])
            pull["commits"] += self._commits(repo, head_sha, pull["head_sha"], pull["user"], 1)
            pull["head_sha"], pull["updated_at"] = head_sha, now_iso()
            return head_sha

    def edit_pull(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """Change a pull request as GitHub would on an edit, ready-for-review, label... (title,
        body, draft, state, labels, base_ref, author_association); `updated_at` becomes now
        unless given. The stored pull (compact form)."""
        with self.lock:
            pull = self.pull(repo, number)
            unknown = sorted(set(fields) - set(pull))
            if unknown:
                raise KeyError(f"a pull request has no {unknown}")
            for name in fields.get("labels", ()):
                if name.lower() not in self._repo(repo).labels:
                    self.add_label(repo, name)
            pull.update(fields)
            pull["updated_at"] = fields.get("updated_at") or now_iso()
            return pull

    def add_issue(
        self,
        repo: str,
        number: int | None = None,
        title: str = "Design: streaming loaders",
        body: str = "Let us discuss the design.",
        *,
        state: str = "open",
        author: str = "maintainer",
        discussion: bool = False,
        labels: list[str] = (),
    ) -> dict[str, Any]:
        """An issue (or a discussion, which GitHub's REST API does not serve: /issues/{n} is 404)."""
        with self.lock:
            r = self._repo(repo)
            number = number or self._next_number(r)
            issue = {
                "id": self.next_id(), "number": number, "title": title, "body": body, "state": state,
                "user": author, "author_association": "MEMBER", "labels": list(labels),
                "kind": "discussion" if discussion else "issue",
                "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW,
            }  # fmt: skip
            self.issues[(r.full_name.lower(), number)] = issue
            return issue

    def add_comment(
        self,
        repo: str,
        number: int,
        body: str,
        user: str = "octocat",
        *,
        by_app: bool = False,
        association: str = "CONTRIBUTOR",
    ) -> dict[str, Any]:
        """A comment on an issue or pull request (`by_app`: posted by this app's bot)."""
        with self.lock:
            r = self._repo(repo)
            now = now_iso()
            c = {"id": self.next_id(), "repo": r.full_name.lower(), "number": number, "body": body,
                 "user": f"{self.app_slug}[bot]" if by_app else user, "by_app": by_app,
                 "author_association": "NONE" if by_app else association,
                 "created_at": now, "updated_at": now}  # fmt: skip
            self.comments_by_id[c["id"]] = c
            return c

    def new_check_run(self, repo: str, name: str, head_sha: str) -> dict[str, Any]:
        """A queued check run (not yet stored: the route or `add_check_run` stores it)."""
        return {"id": self.next_id(), "repo": repo.lower(), "name": name, "head_sha": head_sha,
                "status": "queued", "conclusion": None, "output": {}, "annotations": [],
                "check_suite_id": int(git_sha("suite", repo, head_sha)[:8], 16)}  # fmt: skip

    def add_check_run(self, repo: str, name: str, head_sha: str, **fields) -> dict[str, Any]:
        """A check run that already exists (e.g. made by an earlier review)."""
        with self.lock:
            run = self.new_check_run(repo, name, head_sha) | fields
            self.runs_by_id[run["id"]] = run
            return run

    # -- the app's webhook deliveries and manifest flow --------------------------------------
    def add_delivery(self, event: str, action: str | None = None, **fields) -> Delivery:
        """A webhook delivery in the app's log (`status_code` >= 400 for a failed one)."""
        with self.lock:
            fields.setdefault("guid", str(uuid.uuid4()))
            fields.setdefault("delivered_at", now_iso())
            d = Delivery(self.next_id(), event=event, action=action, **fields)
            self.deliveries.append(d)
            return d

    def add_manifest(self, code: str = "manifest-code") -> dict[str, Any]:
        """What POST /app-manifests/{code}/conversions answers (once) for `code`."""
        with self.lock:
            config = {
                "id": self.app_id, "slug": self.app_slug, "node_id": "A_kwDOfake",
                "name": "Steward", "client_id": "Iv1.fake0123456789", "client_secret": secrets.token_hex(20),
                "webhook_secret": self.webhook_secret, "pem": self.private_key_pem,
                "owner": shapes.user("https://api.github.com", "acme", "Organization"),
                "html_url": f"https://github.com/apps/{self.app_slug}", "external_url": "https://steward.example.org",
                "description": "", "created_at": DEFAULT_NOW, "updated_at": DEFAULT_NOW,
                "permissions": {"checks": "write", "contents": "read", "issues": "write",
                                "metadata": "read", "pull_requests": "write"},
                "events": ["check_run", "check_suite", "issue_comment", "pull_request"],
            }  # fmt: skip
            self.manifests[code] = config
            return config

    def reset(self) -> None:
        """Forget every object; the app's webhook is configured as `add_manifest` would."""
        with self.lock:
            super().reset()
            self.hook_config: dict[str, Any] = {
                "content_type": "json",
                "insecure_ssl": "0",
                "secret": "********",  # GitHub never shows the secret itself
                "url": "https://steward.example.org/webhooks/github",
            }

    def set_hook_config(self, **fields: Any) -> dict[str, Any]:
        """Change what GET /app/hook/config answers (url, content_type, insecure_ssl...)."""
        with self.lock:
            self.hook_config.update(fields)
            return self.hook_config

    # -- reading -----------------------------------------------------------------------------
    def pull(self, repo: str, number: int) -> dict[str, Any]:
        """The stored pull request (compact form)."""
        return self.pulls[(repo.lower(), number)]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Comments on an issue or pull request, oldest first (compact form: body, user...)."""
        with self.lock:
            return sorted((c for c in self.comments_by_id.values()
                           if c["repo"] == repo.lower() and c["number"] == number),
                          key=lambda c: c["id"])  # fmt: skip

    def check_runs(self, repo: str, sha: str) -> list[dict[str, Any]]:
        """Check runs on a commit, oldest first (with `annotations`, all of them)."""
        with self.lock:
            return sorted((c for c in self.runs_by_id.values()
                           if c["repo"] == repo.lower() and c["head_sha"] == sha),
                          key=lambda c: c["id"])  # fmt: skip

    def labels_on(self, repo: str, number: int) -> list[str]:
        """Label names on an issue or pull request."""
        with self.lock:
            return list(self.pull_or_issue(self._repo(repo), number)["labels"])

    # -- internals ---------------------------------------------------------------------------
    def _next_number(self, r: Repo) -> int:
        used = [n for (name, n) in (*self.pulls, *self.issues) if name == r.full_name.lower()]
        return max(used, default=0) + 1

    @staticmethod
    def _file_entry(f: FileSpec) -> dict[str, Any]:
        adds, dels = _patch_counts(f.get("patch"))
        content = f.get("content")
        sha = hashlib.sha1(_bytes(content) if content is not None else f["filename"].encode())
        return {
            "filename": f["filename"], "status": f.get("status", "modified"),
            "additions": f.get("additions", adds), "deletions": f.get("deletions", dels),
            "patch": f.get("patch"), "previous_filename": f.get("previous_filename"),
            "sha": f.get("sha", sha.hexdigest()),
        }  # fmt: skip

    @staticmethod
    def _head_snapshot(r: Repo, base_sha: str, head_sha: str, files: list[FileSpec]) -> None:
        snapshot = dict(r.snapshots[base_sha])
        for f in files:
            name, status = f["filename"], f.get("status", "modified")
            if status == "removed":
                snapshot.pop(name, None)
                continue
            if status == "renamed" and f.get("previous_filename"):
                old = snapshot.pop(f["previous_filename"], b"")
                snapshot[name] = _bytes(f["content"]) if "content" in f else old
                continue
            if "content" in f:
                snapshot[name] = _bytes(f["content"])
            elif name not in snapshot or status == "added":
                snapshot[name] = _added_text(f.get("patch"))
        r.snapshots[head_sha] = snapshot

    def _commits(self, repo, head_sha, parent, author, commits) -> list[dict[str, Any]]:
        if isinstance(commits, list):
            return [{"sha": c.get("sha") or git_sha("c", repo, str(self.next_id())),
                     "message": c.get("message", "Update"), "author": c.get("author", author),
                     "date": c.get("date", DEFAULT_NOW), "parents": [parent]} for c in commits]  # fmt: skip
        shas = [git_sha("c", repo, str(self.next_id())) for _ in range(commits - 1)] + [head_sha]
        out, prev = [], parent
        for i, sha in enumerate(shas):
            message = f"Step {i + 1} of the change" if i < len(shas) - 1 else "Add the change"
            out.append({"sha": sha, "message": message, "author": author, "date": DEFAULT_NOW,
                        "parents": [prev]})  # fmt: skip
            prev = sha
        return out


def _default_file() -> FileSpec:
    return {
        "filename": "src/mlkit/loaders/parquet.py",
        "status": "added",
        "patch": "@@ -0,0 +1,3 @@\n+def load(path):\n+    return open(path, 'rb')\n+",
    }


def make_files(count: int, prefix: str = "src/pkg/mod") -> list[FileSpec]:
    """`count` small added Python files, for pagination tests."""
    return [
        {"filename": f"{prefix}{i:04d}.py", "status": "added", "patch": f"@@ -0,0 +1 @@\n+X = {i}"}
        for i in range(count)
    ]
