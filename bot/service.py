"""The review service: a job in, GitHub read through the gateway, one comment and check run out.

Economy and safety rules, in the order the code applies them:

- One review per pull request at a time (a Redis lock). A job arriving meanwhile leaves a
  "pending" mark and returns; the running review then goes again with the newest head, so a
  burst of pushes collapses into one extra review.
- The pull request's facts come from the webhook payload the receiver stashed in Redis; only a
  re-run without a stash costs a `GET /pulls/{n}`. A job for a head that is no longer the
  pull request's head writes nothing.
- Config is read from the default branch and revalidated with `If-None-Match` (a 304 costs no
  rate limit); the org's `.github` file and the repository context are cached for minutes and
  dropped when a push changes them.
- Writes only when something changed: the comment is edited in place (found again by its
  marker, never created twice — a create whose answer was lost is looked up before retrying),
  the check run is re-created only when its content changed, labels only when they differ.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import time
from dataclasses import replace
from typing import Any

from bot import config as configuration
from bot import metrics
from bot.cache import Memory, RedisTokenCache
from bot.checks import design_discussion, registry
from bot.github import App, GitHubError, Installation, TransientGitHubError
from bot.guide import headings
from bot.jobs import CommandJob, ConfigChangedJob, InstallationJob, Job, ReviewJob
from bot.render import environment
from bot.render.output import MARKER, check_run, comment
from bot.review import Review, Waiver, review
from bot.service_commands import CommandHandling
from bot.snapshot import (
    Association,
    FileStatus,
    LinkedIssue,
    PullRequest,
    RepoContext,
    TextFile,
)
from bot.store import facts_of
from bot.tasks import LookAgain

log = logging.getLogger(__name__)

CHECK_NAME = "steward"
LINK_LOOKUPS = 3  # linked issues looked up per review, at most
LINK_FRESH = 600
MAINTAINER_ASSOCIATIONS = {"OWNER", "MEMBER", "COLLABORATOR"}
ANNOTATION_BATCH = 50
LOOK_AGAIN = "look-again"  # reason of a job that found the PR lock held and comes back later
ORG_FRESH = 600
ABSENT_FRESH = 300
CONTEXT_FRESH = 600
SAMPLES_PER_TYPE = 5
SAMPLE_CHARS = 2048
CONTRIBUTING = ("contributing.md", ".github/contributing.md", "docs/contributing.md")
TEMPLATES = (
    ".github/pull_request_template.md",
    "pull_request_template.md",
    "docs/pull_request_template.md",
)


def digest(value: Any) -> str:
    """A short, stable fingerprint of JSON-able data (what was last written)."""
    raw = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


class Service(CommandHandling):
    """Handles jobs. Built once per worker process with its clients injected."""

    def __init__(self, app: App, memory: Memory, store, *, time_limit: int = 300) -> None:
        self.app = app
        self.memory = memory
        self.store = store
        self.time_limit = time_limit

    @classmethod
    def from_settings(cls, settings) -> Service:
        """Wire the real clients from settings (used by the Celery worker)."""
        import redis

        from bot.store import Store

        client = redis.Redis.from_url(settings.store_url)
        app = App(
            settings.api_url, settings.app_id, settings.private_key_pem(), RedisTokenCache(client)
        )
        return cls(app, Memory(client), Store(client), time_limit=settings.task_time_limit)

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, job: Job, attempt: int = 0) -> None:
        """Do what the job asks. Transient GitHub errors propagate for the task to retry."""
        started = time.monotonic()
        if isinstance(job, ReviewJob):
            self.review(job)
        elif isinstance(job, CommandJob):
            self.command(job)
        elif isinstance(job, ConfigChangedJob):
            self.config_changed(job.repo)
        elif isinstance(job, InstallationJob):
            for repo in job.repos:
                self.config_changed(repo)
            self.app.tokens.drop(job.installation_id)
        log.info(
            "job done",
            extra={
                "job": job.as_message(),
                "attempt": attempt,
                "seconds": time.monotonic() - started,
            },
        )

    def config_changed(self, repo: str) -> None:
        """Forget cached config and repository context of `repo` (and org config if `.github`)."""
        owner, _, name = repo.partition("/")
        self.memory.delete(f"file:{repo}:.github/steward.yml", f"context:{repo}")
        if name == ".github":
            self.memory.forget_prefix(f"file:{owner}/.github:")

    # -- review ---------------------------------------------------------------------------
    def review(self, job: ReviewJob) -> None:
        """Review under the per-PR lock; go again (newest head) if asked meanwhile.

        A job that finds the lock held leaves a pending mark for the holder and comes back
        (`LookAgain`) once the lock must have expired: if the mark is still there then, the
        holder died mid-review (its own job is redelivered only after the visibility timeout,
        and may also find the lock alive), so the job reviews the newest head itself.
        """
        key = f"{job.repo}#{job.number}"
        current = job
        if job.reason == LOOK_AGAIN:
            if not self.memory.has_pending(key):
                return  # the holder took our mark and reviewed the newest head
            current = replace(job, head_sha=None, reason="pending")
        for _ in range(4):
            if not self._locked_review(key, current):
                wait = self.memory.lock_ttl(key) + 1
                log.info(
                    "review already running; marked pending, will look again",
                    extra={"pr": key, "seconds": wait},
                )
                raise LookAgain(
                    f"review of {key} already running",
                    retry_after=wait,
                    job=replace(job, head_sha=None, reason=LOOK_AGAIN),
                )
            # checked after releasing the lock: a job that found it held has marked pending
            if not self.memory.take_pending(key):
                return
            current = replace(job, head_sha=None, reason="pending")

    def _locked_review(self, key: str, job: ReviewJob) -> bool:
        ttl = self.time_limit + 30
        for attempt in range(2):
            with self.memory.pr_lock(key, ttl) as got:
                if got:
                    self.memory.take_pending(key)
                    with metrics.review_seconds.time():
                        self._review_once(job)
                    return True
                if attempt == 0:
                    # leave a mark, then look once more: the holder may have just finished
                    # and checked for marks before ours landed
                    self.memory.mark_pending(key, 2 * ttl + 30)
        return False

    def _review_once(self, job: ReviewJob) -> None:
        gh = self.app.installation(job.installation_id)
        facts = self.store.pull_request_facts(job.repo, job.number)
        if facts is None or (job.head_sha is None and job.reason != "pending"):
            pull = gh.pull_request(job.repo, job.number)
            self.store.note_pull_request(job.repo, pull)
            facts = self.store.pull_request_facts(job.repo, job.number) or facts_of(pull)
        head = facts["head_sha"]
        if job.head_sha and job.head_sha != head:
            log.info("stale job: head moved", extra={"job": job.as_message(), "head": head})
            return
        if facts.get("state", "open") != "open":
            return
        default_branch = facts.get("default_branch") or "main"
        try:
            cfg = self._config(gh, job.repo)
        except configuration.ConfigError as exc:
            self._publish_config_error(gh, job.repo, head, exc)
            return
        files = gh.files(job.repo, job.number)
        commits = gh.commits(job.repo, job.number) if _needs_commits(cfg) else []
        first_timer = _association(facts.get("author_association")).is_first_time
        context = self._context(gh, job.repo, default_branch, files, cfg, first_timer)
        pr = PullRequest(
            number=job.number,
            title=facts.get("title") or "",
            body=facts.get("body") or "",
            draft=bool(facts.get("draft")),
            author=facts.get("author") or "",
            association=_association(facts.get("author_association")),
            labels=tuple(facts.get("labels") or ()),
            base_ref=facts.get("base_ref") or "",
            base_sha=facts.get("base_sha") or "",
            head_ref=facts.get("head_ref") or "",
            head_sha=head,
            commits=tuple(commits),
            files=tuple(files),
            repo=context,
            created_at=facts.get("created_at"),
        )
        pr = replace(pr, linked=self._linked(gh, pr, cfg))
        attributed = tuple(
            Waiver(rule, w.get("by") or "a maintainer", w.get("reason") or "")
            for rule, w in self.store.waivers(job.repo, job.number).items()
        )
        result = review(pr, cfg, attributed)
        if self._head_moved(job.repo, job.number, head):
            return
        self._publish_check_run(gh, job.repo, head, result)
        if not (pr.draft and cfg.comment.quiet_drafts):  # drafts: check run only
            self._publish_comment(gh, job, result)
        self._publish_labels(gh, job.repo, job.number, pr.labels, result)

    def _head_moved(self, repo: str, number: int, head: str) -> bool:
        latest = self.store.pull_request_facts(repo, number)
        if latest and latest["head_sha"] != head:
            log.info("head moved during review; writing nothing", extra={"pr": f"{repo}#{number}"})
            return True
        return False

    # -- reading, cached ------------------------------------------------------------------
    def _file(self, gh: Installation, repo: str, path: str, fresh: int) -> str | None:
        key = f"file:{repo}:{path}"
        rec = self.memory.get_json(key) or {}
        now = time.time()
        age = now - rec.get("checked", 0)
        if rec and ((fresh and age < fresh) or (rec.get("text") is None and age < ABSENT_FRESH)):
            # an absent file has no ETag to revalidate with; a push that adds it drops this
            return rec.get("text")
        try:
            got = gh.file_text(repo, path, etag=rec.get("etag", ""))
        except GitHubError as exc:
            if exc.status in (403, 404):  # no access to the org's .github repo
                got = None
            else:
                raise
        if got is None or got.status == 404:
            rec = {"text": None, "etag": "", "checked": now}
        elif got.status == 304:
            rec["checked"] = now
        else:
            rec = {"text": got.data[0], "etag": got.etag, "checked": now}
        self.memory.put_json(key, rec)
        return rec.get("text")

    def _config(self, gh: Installation, repo: str) -> configuration.Config:
        owner = repo.split("/")[0]
        sources = []
        if repo != f"{owner}/.github":
            org = self._file(gh, f"{owner}/.github", configuration.REPO_CONFIG_PATH, ORG_FRESH)
            if org is not None:
                sources.append(configuration.Source(f"{owner}/.github:.github/steward.yml", org))
        own = self._file(gh, repo, configuration.REPO_CONFIG_PATH, 0)
        if own is not None:
            sources.append(configuration.Source(configuration.REPO_CONFIG_PATH, own))
        return configuration.load(sources)

    def _context(
        self,
        gh: Installation,
        repo: str,
        branch: str,
        files: list,
        cfg: configuration.Config,
        first_timer: bool = False,
    ) -> RepoContext:
        key = f"context:{repo}"
        rec = self.memory.get_json(key) or {}
        now = time.time()
        if not rec or now - rec.get("checked", 0) >= CONTEXT_FRESH:
            got = gh.tree(repo, branch, etag=rec.get("etag", ""))
            if got.status == 200:
                rec = {**_index(got.data), "etag": got.etag}
            elif got.status == 404:
                rec = {**_index([]), "etag": ""}
            rec["checked"] = now
            self.memory.put_json(key, rec)
        attributes = tuple(
            TextFile(path, self._blob(gh, repo, sha)) for path, sha in rec.get("attributes", [])
        )
        template = rec.get("template")
        samples: list[TextFile] = []
        header = cfg.rules.get("license-header")
        if header is not None and header.enabled:
            wanted = {_ext(f.path) for f in files if f.status == FileStatus.ADDED}
            for ext in sorted(wanted):
                for path, sha in rec.get("samples", {}).get(ext, []):
                    samples.append(TextFile(path, self._blob(gh, repo, sha)[:SAMPLE_CHARS]))
        guide_path, guide_sha = _path_and_sha(rec.get("contributing"))
        sections: tuple[str, ...] = ()
        if guide_sha and first_timer:  # the welcome links the guide's relevant sections
            sections = headings(self._blob(gh, repo, guide_sha))
        return RepoContext(
            full_name=repo,
            default_branch=branch,
            attributes=attributes,
            header_samples=tuple(samples),
            contributing_path=guide_path,
            contributing_sections=sections,
            pr_template=self._blob(gh, repo, template[1]) if template else None,
            html_url=f"https://github.com/{repo}",
        )

    def _linked(self, gh: Installation, pr: PullRequest, cfg) -> tuple[LinkedIssue, ...] | None:
        """Look up the issues a large change links (design-discussion), at most a few, cached."""
        settings = cfg.rules.get(design_discussion.RULE)
        if settings is None:
            return None
        wanted = design_discussion.links_to_verify(pr, settings)[:LINK_LOOKUPS]
        if not wanted:
            return None
        comments = design_discussion.needs_acceptance(settings)
        own = pr.repo.full_name.lower()
        found = (self._issue_info(gh, repo, n, comments, settings, own) for repo, n in wanted)
        return tuple(info for info in found if info is not None)

    def _issue_info(
        self, gh: Installation, repo: str, number: int, comments: bool, settings, own: str
    ) -> LinkedIssue | None:
        key = f"issue:{repo}#{number}:{int(comments)}"
        cached = self.memory.get_json(key)
        if cached is not None:
            return LinkedIssue(**{**cached, "labels": tuple(cached["labels"])}) if cached else None
        try:
            issue = gh.issue(repo, number)
        except GitHubError as exc:
            if isinstance(exc, TransientGitHubError):
                raise
            issue, info = None, None  # e.g. 403: a repository we cannot read; fail open
        else:
            # GitHub answers 404 for a private repository the App cannot see as well: only a
            # missing issue in the pull request's own repository is known to be missing
            info = LinkedIssue(repo, number, exists=False) if repo == own else None
        if issue is not None:
            labels = tuple(
                (x.get("name") if isinstance(x, dict) else str(x)) or ""
                for x in issue.get("labels") or ()
            )
            wanted = {x.lower() for x in settings.accepted_labels}
            commented = False
            if (
                comments
                and settings.accept_maintainer_comment
                and not (wanted & {x.lower() for x in labels})
            ):
                first_page = itertools.islice(gh.comments(repo, number), 100)
                commented = any(
                    c.get("author_association") in MAINTAINER_ASSOCIATIONS for c in first_page
                )
            info = LinkedIssue(
                repo,
                number,
                exists=True,
                is_pull="pull_request" in issue,
                state=issue.get("state") or "open",
                labels=labels,
                maintainer_commented=commented,
            )
        self.memory.put_json(key, dataclasses.asdict(info) if info else {}, ttl=LINK_FRESH)
        return info

    def _blob(self, gh: Installation, repo: str, sha: str) -> str:
        key = f"blob:{repo}:{sha}"
        cached = self.memory.get_json(key)
        if cached is not None:
            return cached
        text = gh.blob_text(repo, sha)[: 256 * 1024]
        self.memory.put_json(key, text, ttl=7 * 24 * 3600)
        return text

    # -- writing --------------------------------------------------------------------------
    def _publish_check_run(self, gh: Installation, repo: str, head: str, result: Review) -> None:
        out = check_run(result)
        annotations = [a.as_dict() for a in out.annotations]
        output = {"title": out.title, "summary": out.summary, "text": out.text}
        self._write_check_run(gh, repo, head, out.conclusion, output, annotations)

    def _write_check_run(self, gh, repo, head, conclusion, output, annotations) -> None:
        key = f"checkrun:{repo}@{head}"
        fingerprint = digest([conclusion, output, annotations])
        rec = self.memory.get_json(key)
        if rec and rec.get("digest") == fingerprint:
            metrics.check_runs.labels("unchanged").inc()
            return
        payload = {
            "name": CHECK_NAME,
            "head_sha": head,
            "status": "completed",
            "conclusion": conclusion,
            "output": {**output, "annotations": annotations[:ANNOTATION_BATCH]},
        }
        run_id = gh.create_check_run(repo, payload)
        for start in range(ANNOTATION_BATCH, len(annotations), ANNOTATION_BATCH):
            batch = annotations[start : start + ANNOTATION_BATCH]
            gh.update_check_run(repo, run_id, {"output": {**output, "annotations": batch}})
        self.memory.put_json(key, {"id": run_id, "digest": fingerprint})
        metrics.check_runs.labels("written").inc()

    def _publish_comment(self, gh: Installation, job: ReviewJob, result: Review) -> None:
        key = f"comment:{job.repo}#{job.number}"
        body = comment(result)
        fingerprint = digest(body)
        rec = self.memory.get_json(key) or {}
        if rec.get("id"):
            if rec.get("digest") == fingerprint:
                metrics.comments.labels("unchanged").inc()
                return
            try:
                gh.edit_comment(job.repo, rec["id"], body)
                self.memory.put_json(key, {"id": rec["id"], "digest": fingerprint})
                metrics.comments.labels("edited").inc()
                return
            except GitHubError as exc:
                if exc.status != 404:
                    raise
                rec = {"lost": True}  # deleted by someone: look again, then recreate
        existing = None
        if rec or job.reason != "pull_request.opened":
            existing = self._find_comment(gh, job.repo, job.number)
        if existing:
            changed = digest(existing["body"]) != fingerprint
            if changed:
                gh.edit_comment(job.repo, existing["id"], body)
            self.memory.put_json(key, {"id": existing["id"], "digest": fingerprint})
            metrics.comments.labels("edited" if changed else "unchanged").inc()
            return
        if not result.findings and result.config.comment.on_success == "edit-only":
            return
        self.memory.put_json(key, {"pending": time.time()})
        comment_id = gh.create_comment(job.repo, job.number, body)
        self.memory.put_json(key, {"id": comment_id, "digest": fingerprint})
        metrics.comments.labels("created").inc()

    def _find_comment(
        self, gh: Installation, repo: str, number: int, marker: str = MARKER
    ) -> dict | None:
        for c in gh.comments(repo, number):
            body = c.get("body") or ""
            via = (c.get("performed_via_github_app") or {}).get("id")
            is_bot = via == self.app.app_id or (c.get("user") or {}).get("type") == "Bot"
            if is_bot and body.startswith(marker):
                return {"id": c["id"], "body": body}
        return None

    def _publish_labels(self, gh, repo, number, current, result: Review) -> None:
        plan = result.labels
        colors = dict(plan.colors)
        have = set(current)
        add = [label for label in plan.apply if label not in have]
        stale = [
            label
            for label in have
            if any(label.startswith(p) for p in plan.managed_prefixes) and label not in plan.apply
        ]
        for label in add:
            self._ensure_label(gh, repo, label, colors.get(label, "ededed"))
        if add:
            gh.add_labels(repo, number, add)
        for label in stale:
            gh.remove_label(repo, number, label)
        if add or stale:
            now = [label for label in current if label not in stale] + add
            self.store.set_labels(repo, number, now)

    def _publish_config_error(self, gh, repo, head, exc: configuration.ConfigError) -> None:
        env = environment()
        ctx = {"problems": exc.problems, "path": configuration.REPO_CONFIG_PATH}
        output = {
            "title": "Steward's configuration is invalid",
            "summary": env.get_template("check_run/config_error.md.j2").render(**ctx).strip(),
            "text": "",
        }
        self._write_check_run(gh, repo, head, "neutral", output, [])

    # -- giving up ------------------------------------------------------------------------
    def give_up(self, job: Job, why: str) -> None:
        """After the last retry: leave a neutral check run saying what happened and how to retry."""
        log.error("giving up", extra={"job": job.as_message(), "why": why})
        if not isinstance(job, ReviewJob):
            return
        facts = self.store.pull_request_facts(job.repo, job.number) or {}
        head = job.head_sha or facts.get("head_sha")
        if not head:
            return
        env = environment()
        output = {
            "title": "Steward could not finish this review",
            "summary": env.get_template("check_run/gave_up.md.j2").render(why=why).strip(),
            "text": "",
        }
        try:
            gh = self.app.installation(job.installation_id)
            self._write_check_run(gh, job.repo, head, "neutral", output, [])
        except GitHubError as exc:
            log.error("could not leave the give-up check run", extra={"error": str(exc)})

    def _ensure_label(self, gh: Installation, repo: str, label: str, color: str) -> None:
        """Create a label once (remembered), so it gets a colour and a description."""
        if not self.memory.get_json(f"label:{repo}:{label}"):
            gh.create_label(repo, label, color)
            self.memory.put_json(f"label:{repo}:{label}", True, ttl=90 * 24 * 3600)


def _needs_commits(cfg: configuration.Config) -> bool:
    checks = registry()
    return any(
        getattr(checks[rule].module, "NEEDS_COMMITS", False)
        for rule, settings in cfg.rules.items()
        if settings.enabled and rule in checks
    )


def _association(value: Any) -> Association:
    try:
        return Association(value or "NONE")
    except ValueError:
        return Association.NONE


def _ext(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[name.rfind(".") :] if "." in name else name


def _path_and_sha(value: Any) -> tuple[str | None, str | None]:
    """A cached guide entry: `[path, sha]` (or a bare path cached by an older version)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return (value if isinstance(value, str) else None), None


def _index(entries: list) -> dict[str, Any]:
    """The small part of a tree the review needs: attributes, guides, header samples."""
    attributes, samples = [], {}
    contributing = template = None
    for path, sha, _size in entries:
        lower = path.lower()
        if lower == ".gitattributes" or lower.endswith("/.gitattributes"):
            attributes.append((path, sha))
        elif lower in CONTRIBUTING and contributing is None:
            contributing = (path, sha)
        elif lower in TEMPLATES and template is None:
            template = (path, sha)
        else:
            bucket = samples.setdefault(_ext(path), [])
            if len(bucket) < SAMPLES_PER_TYPE:
                bucket.append((path, sha))
    return {
        "attributes": attributes[:20],
        "contributing": contributing,
        "template": template,
        "samples": samples,
    }
