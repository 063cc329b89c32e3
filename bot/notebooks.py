"""Jupyter notebooks in a diff: which changed lines are cell source, and which are outputs.

GitHub's patch of an `.ipynb` file is a unified diff of its JSON. nbformat writes one JSON value
per line with a fixed indent unit (1 space for Jupyter, 2 for Colab): top-level keys at one
unit, cells at two, cell keys (`"source"`, `"outputs"`, `"execution_count"`, ...) at three,
source lines at four, and outputs deeper. Hunks begin mid-file, so each side of the diff (old
and new) tracks the keys it has seen and falls back to the indentation level when the hunk began
inside a value. When the indent unit cannot be told apart (say, only deep lines changed and no
key is in sight), or there is no patch, the counts are the file's additions and deletions and
`exact` is False.

Source lines are compared as text, so a line that only gained its trailing newline because a
line was added after it is not counted, and a single-string `"source"` counts its lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from math import gcd

from bot.snapshot import FileChange

SOURCE, OUTPUTS, EXECUTION_COUNT, OTHER = "source", "outputs", "execution_count", "other"
_PENDING = "pending"  # source, unless the hunk turns out to be in the notebook's metadata
_CELL_KEYS = frozenset({"cell_type", "outputs", "source", "execution_count"})
_OUTPUT_KEYS = frozenset({"output_type", "data", "text", "name", "traceback", "ename", "evalue"})
_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*(.*)')
_UNIT_HINT = re.compile(r'( +)"(cell_type|outputs|source|cells|nbformat|nbformat_minor)"\s*:')
_EXEC_SET = re.compile(r'"execution_count"\s*:\s*\d')


@dataclass(frozen=True, slots=True)
class NotebookDiff:
    """What changed in a notebook. When `exact` is False the source counts are the file's
    additions and deletions, and `outputs_added` counts added `"output_type"` lines."""

    source_added: int = 0
    source_removed: int = 0
    outputs_added: int = 0  # added lines inside cell outputs
    outputs_removed: int = 0
    execution_counts_added: int = 0  # added cell execution counts that are not null
    exact: bool = True

    @property
    def source_changes(self) -> int:
        """Changed source lines (added plus removed)."""
        return self.source_added + self.source_removed

    @property
    def adds_outputs(self) -> bool:
        """True when the change commits non-empty cell outputs."""
        return self.outputs_added > 0


def is_notebook(path: str) -> bool:
    """True for Jupyter notebooks (`.ipynb`)."""
    return path.lower().endswith(".ipynb")


@lru_cache(maxsize=4096)  # pr-size and the notebooks rule both ask, once per review
def analyse(f: FileChange) -> NotebookDiff:
    """Split a notebook's changed lines into cell source, outputs and the rest."""
    if f.additions + f.deletions == 0 and not f.patch:
        return NotebookDiff()
    if not f.patch:
        return NotebookDiff(f.additions, f.deletions, exact=False)
    hunks = _hunks(f.patch)
    if not any(sign != " " for hunk in hunks for sign, _ in hunk):
        return NotebookDiff(f.additions, f.deletions, exact=False)
    hint = _unit_hint(hunks)
    found = _analyse(hunks, hint) if hint else None
    if found is None:
        results = [r for u in _candidate_units(hunks) if (r := _analyse(hunks, u)) is not None]
        counts = {(r.source_added, r.source_removed) for r in results}
        found = results[0] if len(counts) == 1 else None
    return found if found is not None else _rough(f, hunks)


def source_lines(f: FileChange) -> tuple[int, bool]:
    """(changed source lines, exact). Not exact means additions + deletions were used."""
    found = analyse(f)
    return found.source_changes, found.exact


def _hunks(patch: str) -> list[list[tuple[str, str]]]:
    hunks: list[list[tuple[str, str]]] = []
    for line in patch.split("\n"):
        if line.startswith("@@"):
            hunks.append([])
        elif not hunks or line.startswith("\\"):
            continue
        elif line.startswith(("+", "-")):  # ("" is `in "+-"`: a patch ending in a newline)
            hunks[-1].append((line[0], line[1:]))
        else:
            hunks[-1].append((" ", line[1:]))
    return hunks


def _unit_hint(hunks: list[list[tuple[str, str]]]) -> int | None:
    """The indent unit told by a cell key (at 3 units) or a top-level key (at 1)."""
    cell = top = None
    for hunk in hunks:
        for _, text in hunk:
            m = _UNIT_HINT.match(text)
            if not m:
                continue
            indent = len(m.group(1))
            if m.group(2) in ("cell_type", "outputs", "source"):
                if indent % 3 == 0:
                    cell = indent if cell is None else min(cell, indent)
            else:
                top = indent if top is None else min(top, indent)
    if cell:
        return cell // 3
    return top


def _candidate_units(hunks: list[list[tuple[str, str]]]) -> list[int]:
    g = 0
    for hunk in hunks:
        for _, text in hunk:
            g = gcd(g, len(text) - len(text.lstrip(" ")))
    return [u for u in (1, 2, 3, 4) if g % u == 0]


class _Side:
    """The old or the new version of the notebook, as far as a hunk shows it."""

    __slots__ = ("pending", "section", "stack", "unit")

    def __init__(self, unit: int) -> None:
        self.unit = unit
        self.stack: list[tuple[int, str]] = []  # open containers: (level, key or "")
        self.section: str | None = None  # "cells" or "metadata" when the stack cannot tell
        self.pending: list[list] = []

    def feed(self, text: str) -> tuple[str, str, str | None] | None:
        """(region, stripped text, key) of the next line, or None if it does not fit."""
        stripped = text.strip()
        if not stripped:
            return OTHER, stripped, None
        indent = len(text) - len(text.lstrip(" "))
        if indent % self.unit:
            return None
        level = indent // self.unit
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        key = rest = None
        if stripped[0] == '"' and (m := _KEY.fullmatch(stripped)):
            key, rest = m.group(1), m.group(2)
        bare = stripped[0] == '"' and key is None
        if (level == 0 and stripped not in ("{", "}")) or (bare and level < 3):
            return None  # not the shape nbformat writes
        region = self._region(level, key, rest or "", stripped, bare)
        self._evidence(level, key, stripped)
        opener = rest if key is not None else stripped
        if opener in ("[", "{"):
            self.stack.append((level, key or ""))
        return region, stripped, key

    def _frame(self, level: int) -> str | None:
        return next((k for lvl, k in self.stack if lvl == level), None)

    def _region(self, level: int, key: str | None, rest: str, text: str, bare: bool) -> str:
        section = self._frame(1)
        section = self.section if section is None else section
        if level <= 2 or section not in (None, "cells"):
            return OTHER
        if level == 3:
            if key == "source" and rest.startswith('"'):
                return _PENDING if section is None else SOURCE
            return EXECUTION_COUNT if key == "execution_count" else OTHER
        cell_key = self._frame(3)
        if cell_key == "source":
            region = SOURCE if level == 4 and bare else OTHER
        elif cell_key == "outputs":
            return OUTPUTS
        elif cell_key is not None:
            return OTHER
        elif level == 4:  # the hunk began inside a cell key's value
            region = SOURCE if bare else (OUTPUTS if text[0] in "{}" else OTHER)
        elif _looks_like_output(level, key, bare, self.stack):
            return OUTPUTS
        else:
            return OTHER
        return _PENDING if region == SOURCE and section is None else region

    def _evidence(self, level: int, key: str | None, text: str) -> None:
        """Learn whether the hunk is among the cells or in the notebook's metadata."""
        if self._frame(1) is not None or level > 3:
            return
        if level == 1 and text[0] in "]}":
            self.resolve("cells" if text[0] == "]" else "metadata")
            self.section = None
        elif level == 2 and (key is not None or text == "{"):
            self.resolve("metadata" if key is not None else "cells")
        elif level == 3 and key in _CELL_KEYS:
            self.resolve("cells")

    def resolve(self, section: str) -> None:
        """Settle the pending lines once the section is known."""
        self.section = section
        for record in self.pending:
            record[0] = SOURCE if section == "cells" else OTHER
        self.pending.clear()


def _looks_like_output(level: int, key: str | None, bare: bool, stack: list) -> bool:
    """Deep inside a cell with no cell key in sight: an output's keys, MIME types or text."""
    if key in _OUTPUT_KEYS or (key is not None and "/" in key) or (bare and level >= 6):
        return True
    return any(k in _OUTPUT_KEYS or "/" in k for lvl, k in stack if lvl >= 4)


def _analyse(hunks: list[list[tuple[str, str]]], unit: int) -> NotebookDiff | None:
    records: list[list] = []  # [region, sign, block, text, key]
    for hunk in hunks:
        sides = {"-": _Side(unit), "+": _Side(unit)}
        block = 0
        for sign, text in hunk:
            if sign == " ":
                block += 1
                if sides["-"].feed(text) is None or sides["+"].feed(text) is None:
                    return None
                continue
            side = sides[sign]
            fed = side.feed(text)
            if fed is None:
                return None
            record = [fed[0], sign, block, fed[1], fed[2]]
            if fed[0] == _PENDING:
                side.pending.append(record)
            records.append(record)
        for side in sides.values():
            side.resolve("cells")  # most of a notebook is cells
    return _count(records)


def _count(records: list[list]) -> NotebookDiff:
    out = {"+": 0, "-": 0}
    outputs = {"+": 0, "-": 0}
    executions = 0
    blocks: dict[int, dict[str, Counter]] = {}
    for region, sign, block, text, key in records:
        if region == SOURCE:
            lines = blocks.setdefault(block, {"+": Counter(), "-": Counter()})[sign]
            lines.update(_source_text(text, key))
        elif region == OUTPUTS:
            outputs[sign] += 1
        elif region == EXECUTION_COUNT and sign == "+" and _EXEC_SET.match(text):
            executions += 1
    for sides in blocks.values():
        same = sides["+"] & sides["-"]
        for sign in "+-":
            out[sign] += sides[sign].total() - same.total()
    return NotebookDiff(out["+"], out["-"], outputs["+"], outputs["-"], executions)


def _source_text(text: str, key: str | None) -> list[str]:
    """The logical lines of a source item (`"x\\n",`) or of a single-string `"source": "..."`."""
    raw = text.split(":", 1)[1].strip() if key is not None else text
    raw = raw.removesuffix(",")
    try:
        value = json.loads(raw)
    except ValueError:
        return [raw]
    if not isinstance(value, str):
        return [raw]
    lines = value.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _rough(f: FileChange, hunks: list[list[tuple[str, str]]]) -> NotebookDiff:
    """An estimate when the structure cannot be told: all changes count as source."""
    added = [text for hunk in hunks for sign, text in hunk if sign == "+"]
    return NotebookDiff(
        source_added=f.additions,
        source_removed=f.deletions,
        outputs_added=sum('"output_type"' in t for t in added),
        execution_counts_added=sum(bool(_EXEC_SET.search(t)) for t in added),
        exact=False,
    )
