"""What a check reports: a finding, its severity, and how severities combine into a conclusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding matters. Ordered: notice < warning < failure."""

    NOTICE = "notice"
    WARNING = "warning"
    FAILURE = "failure"

    @property
    def rank(self) -> int:
        """0 for notice, 1 for warning, 2 for failure."""
        return _RANK[self]


_RANK = {Severity.NOTICE: 0, Severity.WARNING: 1, Severity.FAILURE: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the bot wants to tell the contributor.

    A check fills in `rule`, `severity`, `kind` (which message of the rule's template to use)
    and `facts` (the numbers, paths and snippets the message needs). `title` and `message`
    are rendered from `bot/render/templates/findings/<rule>.md.j2` by `bot.render`; a check
    leaves them empty. `path`/`line` place a Check Run annotation; `suggestion` is text the
    contributor can paste (a header, a command).
    """

    rule: str
    severity: Severity
    kind: str
    facts: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    path: str | None = None
    line: int | None = None
    suggestion: str | None = None
    title: str = ""
    message: str = ""
