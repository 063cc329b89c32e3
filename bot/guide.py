"""The repository's CONTRIBUTING guide: its sections, and which one a finding should point to.

First-time contributors get a link to the guide; when it has a section about what a finding
is about (testing, licensing, large files...), the link goes straight to that section, with
the anchor GitHub gives the heading.
"""

from __future__ import annotations

import re

MAX_SECTIONS = 200
_HEADING = re.compile(r"^ {0,3}(#{1,4})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_NOT_ANCHOR = re.compile(r"[^\w\- ]", re.UNICODE)

# Words a heading may contain to be the section about a rule (first match wins, in order).
TOPICS: dict[str, tuple[str, ...]] = {
    "tests": ("test",),
    "pr-size": ("small", "size", "split", "scope"),
    "design-discussion": ("rfc", "design", "proposal", "discuss", "architecture"),
    "license-header": ("license header", "licens", "copyright", "spdx"),
    "provenance": ("third-party", "third party", "attribution", "licens"),
    "ml-artifacts": ("lfs", "large file", "weight", "checkpoint", "model file", "dataset"),
    "model-card": ("model card", "dataset card", "card"),
    "notebooks": ("notebook", "jupyter"),
    "stray-files": ("gitignore", "clean"),
    "dco": ("dco", "sign-off", "signoff", "signed-off", "certificate of origin"),
    "ai-disclosure": ("ai ", "ai-", "llm", "generative", "copilot"),
    "_welcome": ("pull request", "submitting", "how to contribute", "contributing", "workflow"),
}


def headings(markdown: str) -> tuple[str, ...]:
    """The ATX headings (`#` to `####`) of a Markdown file, outside code blocks, in order."""
    out: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m:
            out.append(m.group(2).strip())
            if len(out) >= MAX_SECTIONS:
                break
    return tuple(out)


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|<[^>]*>", "", heading)  # emphasis and inline HTML do not show
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text
    return _NOT_ANCHOR.sub("", text.strip().lower()).replace(" ", "-")


def section_for(topic: str, sections: tuple[str, ...]) -> str | None:
    """The heading best matching a rule (or `_welcome`), or None."""
    for word in TOPICS.get(topic, ()):
        for heading in sections:
            if word in f" {heading.lower()} ":
                return heading
    return None


def links(base_url: str, sections: tuple[str, ...], topics) -> dict[str, str]:
    """topic -> URL of its section in the guide at `base_url`, for the topics that have one."""
    out = {}
    for topic in topics:
        heading = section_for(topic, sections)
        if heading:
            out[topic] = f"{base_url}#{anchor(heading)}"
    return out
