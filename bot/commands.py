"""Slash commands in pull-request comments: parsing, permission rules and the replies' words.

    /steward recheck                 review the newest head again
    /steward explain <rule>          what the rule checks, why, and its settings here
    /steward waive <rule> [reason]   maintainers: stop a rule from counting on this pull request
    /steward unwaive <rule>          undo a waiver
    /steward help                    this list

Pure: the service reads the comment, asks GitHub for the commenter's permission, and writes.
A waiver is the label `<waive_label_prefix><rule>` on the pull request (so it is visible,
survives new pushes and can be removed by hand); who waived and why is kept beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from bot.checks import registry
from bot.config import Config
from bot.render import environment

PREFIX = "/steward"
VERBS = ("recheck", "explain", "waive", "unwaive", "help")
REPLY_MARKER = "<!-- steward:reply -->"
ROLE_RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
REASON_LIMIT = 300
_LINE = re.compile(r"^/steward(?:\s+(?P<verb>\S+))?(?:\s+(?P<rest>.*))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed command. `verb` is lower case; `rule` and `reason` as typed (trimmed)."""

    verb: str
    rule: str = ""
    reason: str = ""
    text: str = ""  # the command line as written, for the reply's quote


def parse(body: str) -> Command | None:
    """The first `/steward ...` line of a comment (quoted lines and code blocks ignored)."""
    in_code = False
    for raw in body.splitlines():
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or not line.lower().startswith(PREFIX):
            continue
        m = _LINE.match(line)
        if not m:
            continue  # e.g. "/stewardship"
        verb = (m.group("verb") or "help").lower()
        rest = (m.group("rest") or "").strip()
        rule, _, reason = rest.partition(" ")
        return Command(verb, rule.strip("`").lower(), reason.strip()[:REASON_LIMIT], line[:200])
    return None


def allowed(role: str, needed: str) -> bool:
    """Whether a repository permission (`admin`, `write`, …) is at least `needed`."""
    return ROLE_RANK.get(role, 0) >= ROLE_RANK.get(needed, 3)


def needs_permission(command: Command, cfg: Config, is_author: bool) -> str | None:
    """The permission a command needs from this commenter, or None when anyone may run it.

    Waiving and unwaiving need `commands.waive_permission`. A recheck is the author's or a
    triager's to ask for (it costs API calls); explain and help are open to everyone.
    """
    if command.verb in ("waive", "unwaive"):
        return cfg.commands.waive_permission
    if command.verb == "recheck" and not is_author:
        return "triage"
    return None


def known_rule(rule: str) -> bool:
    """Whether `rule` is one of Steward's rule ids."""
    return rule in registry()


def reply(kind: str, command: Command, user: str, cfg: Config, **facts) -> str:
    """The words of a reply comment, from `templates/command/<kind>.md.j2`, with its marker."""
    template = environment().get_template(f"command/{kind}.md.j2")
    text = template.render(
        command=command,
        user=user,
        config=cfg,
        verbs=VERBS,
        rules=sorted(registry()),
        prefix=cfg.commands.waive_label_prefix,
        **facts,
    ).strip()
    return f"{REPLY_MARKER}\n{text}\n"


def explain_facts(rule: str, cfg: Config) -> dict:
    """What `/steward explain` shows: the rule's description and its settings here, as YAML."""
    module = registry()[rule].module
    about = (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    about = about.removeprefix(f"{rule}:").strip()  # docstrings open with "<rule>: ..."
    about = about[:1].upper() + about[1:]
    settings = cfg.rules[rule].model_dump(mode="json", exclude_defaults=False)
    return {
        "rule": rule,
        "about": about,
        "settings_yaml": yaml.safe_dump({"rules": {rule: settings}}, sort_keys=False).strip(),
    }
