"""The worker's side of slash commands: read the comment, check permission, act, reply.

`Service` inherits this; the words and the rules of who may do what are in `bot.commands`.
"""

from __future__ import annotations

import difflib
import time

from bot import commands, metrics
from bot import config as configuration
from bot.checks import registry
from bot.github import GitHubError, Installation
from bot.jobs import CommandJob, ReviewJob
from bot.store import facts_of

WAIVE_COLOR = "c5def5"
REPLY_TTL = 90 * 24 * 3600


class CommandHandling:
    """`command(job)` and the one reply comment; needs the Service's reads and review."""

    # -- commands -------------------------------------------------------------------------
    def command(self, job: CommandJob) -> None:
        """Run a `/steward ...` comment: recheck, explain, waive, unwaive, help.

        The comment is read here (jobs carry ids only). Permission comes from GitHub
        (`/collaborators/{user}/permission`), never from the comment's author association.
        Answers to a person are one reply comment, replaced by the next; waive, unwaive and
        recheck show up in Steward's own comment (the waiver with who and why).
        """
        gh = self.app.installation(job.installation_id)
        try:
            note = gh.comment(job.repo, job.comment_id)
        except GitHubError as exc:
            if exc.status == 404:  # deleted before we got to it
                return
            raise
        parsed = commands.parse(note.get("body") or "")
        user = (note.get("user") or {}).get("login") or ""
        if parsed is None or not user:
            return
        facts = self.store.pull_request_facts(job.repo, job.number) or facts_of(
            gh.pull_request(job.repo, job.number)
        )
        try:
            cfg = self._config(gh, job.repo)
        except configuration.ConfigError:
            cfg = configuration.default()  # the check run already says what is wrong
        if not cfg.commands.enabled:
            if parsed.verb != "help":
                self._reply(gh, job, commands.reply("disabled", parsed, user, cfg))
            return
        if parsed.verb not in commands.VERBS:
            self._reply(gh, job, commands.reply("help", parsed, user, cfg, unknown=True))
            return
        if parsed.verb == "help":
            self._reply(gh, job, commands.reply("help", parsed, user, cfg, unknown=False))
            return
        if parsed.verb in ("explain", "waive", "unwaive") and not commands.known_rule(parsed.rule):
            close = difflib.get_close_matches(parsed.rule, list(registry()), n=1)
            reply = commands.reply(
                "unknown-rule", parsed, user, cfg, close=close[0] if close else ""
            )
            self._reply(gh, job, reply)
            return
        if parsed.verb == "explain":
            facts_ = commands.explain_facts(parsed.rule, cfg)
            self._reply(gh, job, commands.reply("explain", parsed, user, cfg, **facts_))
            return
        needed = commands.needs_permission(parsed, cfg, is_author=user == facts.get("author"))
        if needed:
            role = gh.permission(job.repo, user)
            if not commands.allowed(role, needed):
                body = commands.reply("refused", parsed, user, cfg, needed=needed, role=role)
                self._reply(gh, job, body)
                return
        label = cfg.commands.waive_label_prefix + parsed.rule
        labels = list(facts.get("labels") or [])
        if parsed.verb == "waive":
            self.store.set_waiver(job.repo, job.number, parsed.rule, user, parsed.reason)
            if label not in labels:
                self._ensure_label(gh, job.repo, label, WAIVE_COLOR)
                gh.add_labels(job.repo, job.number, [label])
                self.store.set_labels(job.repo, job.number, [*labels, label])
        elif parsed.verb == "unwaive":
            self.store.drop_waiver(job.repo, job.number, parsed.rule)
            if label in labels:
                gh.remove_label(job.repo, job.number, label)
                self.store.set_labels(job.repo, job.number, [x for x in labels if x != label])
        self.review(
            ReviewJob(
                installation_id=job.installation_id,
                delivery_id=job.delivery_id,
                repo=job.repo,
                number=job.number,
                head_sha=None,
                reason=f"command.{parsed.verb}",
            )
        )

    def _reply(self, gh: Installation, job: CommandJob, body: str) -> None:
        """Post a reply, deleting Steward's previous one: at most one reply is ever shown."""
        key = f"reply:{job.repo}#{job.number}"
        rec = self.memory.get_json(key) or {}
        previous = rec.get("id")
        if rec.get("pending"):  # the last create may have landed without our hearing back
            found = self._find_comment(gh, job.repo, job.number, commands.REPLY_MARKER)
            previous = found["id"] if found else None
        if previous:
            gh.delete_comment(job.repo, previous)
        self.memory.put_json(key, {"pending": time.time()})
        reply_id = gh.create_comment(job.repo, job.number, body)
        self.memory.put_json(key, {"id": reply_id}, ttl=REPLY_TTL)
        metrics.comments.labels("reply").inc()
