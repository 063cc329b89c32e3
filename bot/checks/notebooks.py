"""notebooks: Jupyter notebooks are committed without outputs and execution counts.

Outputs (plots as base64, logs, tracebacks) bloat the repository, make diffs unreadable and
can leak local paths or data. A notebook whose patch adds outputs or non-null execution
counts gets the clearing commands; notebooks under `allow_outputs` (rendered docs and
tutorials) may keep them. Without a patch the check cannot tell, and says nothing.
"""

from __future__ import annotations

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding
from bot.notebooks import analyse, is_notebook
from bot.patterns import Glob, GlobSet
from bot.snapshot import FileStatus, PullRequest

RULE = "notebooks"


class Settings(RuleSettings):
    """Keys under `rules.notebooks` (defaults in rules/default.yml)."""

    allow_outputs: list[Glob] = Field(default_factory=lambda: ["docs/**", "doc/**"])
    flag_execution_counts: bool = True


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """One finding per notebook that commits outputs (or execution counts)."""
    allow = GlobSet(settings.allow_outputs) if settings.allow_outputs else None
    findings = []
    for f in pr.files:
        if not is_notebook(f.path) or f.status == FileStatus.REMOVED or not f.patch:
            continue
        if allow and allow.match(f.path):
            continue
        diff = analyse(f)
        counts = settings.flag_execution_counts and diff.execution_counts_added > 0
        if not (diff.adds_outputs or counts):
            continue
        findings.append(
            Finding(
                rule=RULE,
                severity=settings.severity,
                kind="outputs",
                facts={
                    "output_lines": diff.outputs_added,
                    "execution_counts": diff.execution_counts_added,
                },
                path=f.path,
                line=1,
                suggestion=(
                    f'jupyter nbconvert --clear-output --inplace "{f.path}"\n'
                    "# or, once for every notebook and commit from now on:\n"
                    "pip install nbstripout && nbstripout --install"
                ),
            )
        )
    return findings
