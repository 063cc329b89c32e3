"""Words live here: Jinja2 templates turn findings into titles, messages and the comment."""

from __future__ import annotations

import dataclasses
from functools import cache

import jinja2

from bot.findings import Finding


@cache
def environment() -> jinja2.Environment:
    """The shared Jinja2 environment (templates under bot/render/templates)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.render", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["plural"] = _plural
    env.filters["code"] = _code
    return env


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    """`3|plural("file")` -> "3 files"; `1|plural("file")` -> "1 file"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count:,} {word}"


def _code(text: object) -> str:
    """Wrap text in a Markdown code span that survives backticks inside it."""
    s = str(text)
    fence = "`" * (max((len(r) for r in s.split("`")[1::2]), default=0) + 1) if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


@cache
def _finding_module(rule: str):
    return environment().get_template(f"findings/{rule}.md.j2").module


def word(finding: Finding) -> Finding:
    """Fill a finding's `title` and `message` from its rule's template.

    The template `findings/<rule>.md.j2` defines two macros, `title(kind, f)` and
    `message(kind, f)`, where `f` is the finding (so `f.facts`, `f.path`, `f.suggestion`).
    """
    module = _finding_module(finding.rule)
    title = str(module.title(finding.kind, finding)).strip()
    message = str(module.message(finding.kind, finding)).strip()
    return dataclasses.replace(finding, title=title, message=message)
