"""The review: snapshot + config -> findings, conclusion and labels. Pure; no GitHub I/O.

`review()` runs every enabled check, isolates failures (one crashing check never hides the
others), words each finding from its template, applies maintainers' waiver labels, and decides
the Check Run conclusion. Publishing the result is the caller's job (the CLI prints it; the App
writes it through the GitHub gateway).
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.checks import LabelPlan, registry
from bot.config import Config
from bot.findings import Finding, Severity
from bot.render import word
from bot.snapshot import PullRequest

log = logging.getLogger(__name__)

ANNOTATION_CAP = 100  # Check Run annotations per review: at most two requests of 50


@dataclass(frozen=True, slots=True)
class RuleError:
    """A check that raised instead of returning findings (a bug in Steward, not the PR)."""

    rule: str
    error: str


@dataclass(frozen=True, slots=True)
class Waiver:
    """A rule a maintainer waived on this pull request, and how."""

    rule: str
    by: str
    reason: str = ""


@dataclass(frozen=True)
class Review:
    """Everything the bot concluded about one pull request at one head SHA."""

    pr: PullRequest
    config: Config
    findings: tuple[Finding, ...]
    waived: tuple[Finding, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    errors: tuple[RuleError, ...] = ()
    rules_run: tuple[str, ...] = ()
    labels: LabelPlan = field(default_factory=LabelPlan)
    advisory: tuple[tuple[str, date], ...] = ()  # rules rolled out gradually, and until when

    @property
    def conclusion(self) -> str:
        """`failure` if any finding is a failure, `neutral` for warnings, else `success`."""
        worst = max((f.severity.rank for f in self.findings), default=-1)
        if worst >= Severity.FAILURE.rank:
            return "failure"
        if worst >= Severity.WARNING.rank:
            return "neutral"
        return "success"

    @property
    def size_label(self) -> str | None:
        """The size label to apply (from the `pr-size` rule), if any."""
        size = [label for label in self.labels.apply if label.startswith(_size_prefix(self))]
        return size[0] if size else None

    def counts(self) -> dict[str, int]:
        """Findings per severity, e.g. {"failure": 0, "warning": 2, "notice": 1}."""
        out = {s.value: 0 for s in reversed(Severity)}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


def _size_prefix(review: Review) -> str:
    settings = review.config.rules.get("pr-size")
    return getattr(settings, "label_prefix", "size/") if settings else "size/"


def review(
    pr: PullRequest,
    config: Config,
    waivers: tuple[Waiver, ...] = (),
    today: date | None = None,
) -> Review:
    """Run every enabled check on `pr` with `config` and collect the outcome.

    `waivers` say who waived a rule and why (from `/steward waive`); a rule is waived only while
    its waiver label is on the pull request. `today` decides gradual roll-outs
    (`advisory_until`); it defaults to the current UTC date.
    """
    today = today or datetime.now(UTC).date()
    findings: list[Finding] = []
    errors: list[RuleError] = []
    run: list[str] = []
    apply: list[str] = []
    prefixes: list[str] = []
    colors: list[tuple[str, str]] = []
    advisory: list[tuple[str, date]] = []
    for rule_id, check in registry().items():
        settings = config.rules[rule_id]
        tier = settings.tiers.get(pr.association.tier)
        enabled = tier.enabled if tier and tier.enabled is not None else settings.enabled
        if not enabled:
            continue
        run.append(rule_id)
        try:
            found = list(check.run(pr, settings))
            if tier and tier.severity is not None:  # the rule's own notices stay notices
                found = [
                    dataclasses.replace(f, severity=tier.severity)
                    if f.severity == settings.severity
                    else f
                    for f in found
                ]
            until = settings.advisory_until
            if until is not None and today < until:
                advisory.append((rule_id, until))
                found = [dataclasses.replace(f, severity=Severity.NOTICE) for f in found]
            plan = check.labels(pr, settings)
        except Exception as exc:  # a bug in one check must not hide the others
            log.exception("check %s failed on %s#%s", rule_id, pr.repo.full_name, pr.number)
            summary = traceback.format_exception_only(exc)[-1].strip()
            errors.append(RuleError(rule_id, summary))
            continue
        findings.extend(found)
        if plan:
            apply.extend(plan.apply)
            prefixes.extend(plan.managed_prefixes)
            colors.extend(plan.colors)
    all_waivers = _label_waivers(pr, config.commands.waive_label_prefix, waivers)
    waived_rules = {w.rule for w in all_waivers}
    kept = [f for f in findings if f.rule not in waived_rules]
    waived = [f for f in findings if f.rule in waived_rules]
    order = {rule: i for i, rule in enumerate(registry())}
    kept.sort(key=lambda f: (-f.severity.rank, order.get(f.rule, 99), f.path or "", f.line or 0))
    kept, broken = _word_shown(kept)
    errors.extend(broken)
    return Review(
        pr=pr,
        config=config,
        findings=tuple(kept),
        waived=tuple(waived),
        waivers=tuple(w for w in all_waivers if w.rule in {f.rule for f in findings}),
        errors=tuple(errors),
        rules_run=tuple(run),
        labels=LabelPlan(tuple(apply), tuple(prefixes), tuple(colors)),
        advisory=tuple(advisory),
    )


def _word_shown(findings: list[Finding]) -> tuple[list[Finding], list[RuleError]]:
    """Word the findings people will read: the first of each group and the annotated ones.

    The rest keep their facts (`steward check --format json` words them all); wording is the
    costliest step of a review with hundreds of findings. A rule whose template fails is
    reported like a crashing check, without hiding the others.
    """
    seen: set[tuple] = set()
    annotated = 0
    out: list[Finding] = []
    broken: dict[str, str] = {}
    for f in findings:
        key = (f.severity, f.rule, f.kind)
        show = key not in seen
        seen.add(key)
        if f.path and annotated < ANNOTATION_CAP:
            annotated += 1
            show = True
        if show and f.rule not in broken:
            try:
                f = word(f)
            except Exception as exc:
                log.exception("wording %s failed", f.rule)
                broken[f.rule] = traceback.format_exception_only(exc)[-1].strip()
        out.append(f)
    kept = [f for f in out if f.rule not in broken]
    return kept, [RuleError(rule, error) for rule, error in broken.items()]


def _label_waivers(
    pr: PullRequest, prefix: str, attributed: tuple[Waiver, ...]
) -> tuple[Waiver, ...]:
    """One waiver per waiver label on the pull request, with who and why when known."""
    known = {w.rule: w for w in attributed}
    out = []
    for label in pr.labels:
        if label.startswith(prefix):
            rule = label[len(prefix) :]
            out.append(known.get(rule) or Waiver(rule=rule, by="label", reason=f"label `{label}`"))
    return tuple(out)
