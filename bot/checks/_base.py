"""The contract every check follows, and the settings every rule shares.

A check is a module `bot/checks/<name>.py` whose rule id is `<name>` with `_` written as `-`
(`pr_size.py` -> `pr-size`). It defines:

- `Settings`: a subclass of `RuleSettings` with the rule's own keys and their defaults;
- `check(pr, settings) -> list[Finding]`: a pure function, no I/O;
- optionally `labels(pr, settings) -> LabelPlan`: labels the rule manages on the pull request.

Its defaults go in `rules/default.yml` under `rules: <id>:`, and its words in
`bot/render/templates/findings/<id>.md.j2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.findings import Severity

Tier = Literal["first-time", "contributor", "maintainer"]


class TierOverride(BaseModel):
    """How a rule changes for one contributor tier: off, or another severity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = None
    severity: Severity | None = None


class RuleSettings(BaseModel):
    """Keys every rule has: whether it runs, how much its findings matter, and per-tier changes.

    `tiers` softens or hardens a rule by the author's association with the repository:
    `first-time` (first pull request here or on GitHub), `contributor`, `maintainer` (owner,
    member, collaborator). Example: `tiers: {first-time: {severity: notice}, maintainer:
    {enabled: false}}`. `advisory_until: 2027-02-01` rolls a rule out gradually.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity = Severity.WARNING
    tiers: dict[Tier, TierOverride] = Field(default_factory=dict)
    advisory_until: date | None = Field(
        None,
        description="Until this date (YYYY-MM-DD) the rule's findings are notices only, so a "
        "new rule does not surprise open pull requests; from that day it applies in full.",
    )


@dataclass(frozen=True, slots=True)
class LabelPlan:
    """Labels a rule wants on the pull request.

    `apply` are the labels that should be present; any label on the pull request that starts
    with one of `managed_prefixes` and is not in `apply` is stale and gets removed.
    `colors` maps a label to the hex colour used when the label has to be created.
    """

    apply: tuple[str, ...] = ()
    managed_prefixes: tuple[str, ...] = ()
    colors: tuple[tuple[str, str], ...] = ()
