"""ai-disclosure: when the template asks whether AI tools were used, the description answers.

Off by default. When the project's pull-request template asks (`question_patterns` match the
template) — or always, with `always: true` — the description's prose must answer: a ticked
checkbox about AI tools, or a sentence saying they were or were not used (`answer_patterns`).
Unticked checkboxes and lines left as the template wrote them are not answers. The finding is
a notice, worded as a question, never as an accusation.
"""

from __future__ import annotations

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding, Severity
from bot.links import prose
from bot.patterns import Regex, compile_regex
from bot.snapshot import PullRequest

RULE = "ai-disclosure"
_UNTICKED = compile_regex(r"^\s*[-*]\s*\[ \]")
_TOOLS = r"(AI|A\.I\.|LLMs?|Copilot|ChatGPT|GPT-?\d*|Claude|Gemini|Cursor|Codex|generative)"


class Settings(RuleSettings):
    """Keys under `rules.ai-disclosure` (defaults in rules/default.yml)."""

    enabled: bool = False
    severity: Severity = Severity.NOTICE
    always: bool = False
    question_patterns: list[Regex] = Field(
        default_factory=lambda: [
            rf"(?i)\b{_TOOLS}\b.{{0,60}}\b(tools?|assist\w*|generat\w*|used)\b"
        ]
    )
    answer_patterns: list[Regex] = Field(
        default_factory=lambda: [
            rf"(?im)^\s*[-*]\s*\[[xX]\].*\b{_TOOLS}\b",
            rf"(?i)\b(no|not|never|without|didn't|did not)\b.{{0,40}}\b{_TOOLS}\b",
            rf"(?i)\b(used|using|with the help of|assisted by|generated (with|by)|written with)\b.{{0,40}}\b{_TOOLS}\b",
            r"(?i)\bAI[- ]assisted\b",
            r"(?im)^\s*(Assisted-by|Co-authored-by|Generated-by):.*$",
        ]
    )


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """A notice when the description does not answer the template's AI-tools question."""
    template = pr.repo.pr_template or ""
    asked = settings.always or any(
        compile_regex(p).search(template) for p in settings.question_patterns
    )
    if not asked:
        return []
    template_lines = {line.strip() for line in template.splitlines() if line.strip()}
    text = "\n".join(
        line
        for line in prose(pr.body or "").splitlines()
        if line.strip() not in template_lines and not _UNTICKED.match(line)
    )
    if any(compile_regex(p).search(text) for p in settings.answer_patterns):
        return []
    return [
        Finding(
            rule=RULE,
            severity=settings.severity,
            kind="unanswered",
            facts={"from_template": bool(template) and not settings.always},
        )
    ]
