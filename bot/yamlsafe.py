"""Parse untrusted YAML into plain data, remembering where every key came from.

Config files are written by people (and sometimes by attackers, since the bot also reads an
org-wide `.github` repository). This loader is the one place that turns text into data:

- SafeLoader only: no Python objects, no tags that build anything.
- Bounded: a size cap on the text, caps on the number of nodes and on the characters of their
  scalars *after* alias expansion (a "billion laughs" file, or a long string repeated by
  thousands of aliases, is refused in milliseconds, not after eating gigabytes), and a depth
  cap that holds while composing (PyYAML's composer recurses once per level).
- Positions: every mapping key and value records `(line, column)` (1-based) keyed by its path,
  so a validation error can point at `.github/steward.yml:12:5`.
- Duplicate keys are an error (YAML says so; PyYAML silently keeps the last one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_CHARS = 4 * MAX_BYTES  # scalar characters after alias expansion

Path = tuple[str | int, ...]
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


@dataclass(frozen=True, slots=True)
class Position:
    """Where something is in a file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlError(ValueError):
    """The text is not acceptable YAML. `position` says where, when known."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


@dataclass
class Parsed:
    """The plain data of a YAML document and the position of every path in it."""

    file: str
    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)

    def where(self, path: Path) -> Position:
        """The position of `path`, or of its closest ancestor that has one."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Position(self.file, 1, 1))


def parse(text: str | bytes, file: str) -> Parsed:
    """Parse one YAML document into plain dicts, lists and scalars, with positions."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise YamlError(_too_big(len(text)), Position(file, 1, 1))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlError(
                f"the file is not UTF-8 text ({exc.reason})", Position(file, 1, 1)
            ) from None
    if len(text) > MAX_BYTES:
        raise YamlError(_too_big(len(text)), Position(file, 1, 1))
    try:
        node = _compose(text)
    except _TooDeep as exc:
        mark = exc.mark
        raise YamlError(
            f"nesting deeper than {MAX_DEPTH} levels",
            Position(file, mark.line + 1, mark.column + 1),
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlError(f"YAML syntax error: {problem}", where) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax error: {exc}", Position(file, 1, 1)) from None
    parsed = Parsed(file=file, data=None)
    if node is None:
        parsed.data = {}
        return parsed
    loader = yaml.SafeLoader("")
    try:
        parsed.data = _Builder(parsed, loader).build(node, (), 0)
    finally:
        loader.dispose()
    return parsed


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of one document; libyaml when present (10x faster than pure Python).

    Both composers recurse once per nesting level (libyaml's on the C stack, with no limit), so
    a first pass over the event stream, which does not recurse, refuses deep nesting.
    """
    if not yaml.__with_libyaml__:
        loader = _Loader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    events = yaml.CSafeLoader(text)
    try:
        depth = 0
        while (event := events.get_event()) is not None:
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    raise _TooDeep(event.start_mark)
            elif isinstance(event, _CLOSE):
                depth -= 1
    finally:
        events.dispose()
    composer = yaml.CSafeLoader(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses nesting past MAX_DEPTH before Python's stack runs out."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):  # PyYAML's signature
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:  # the root is depth 1 here, 0 in the builder
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _too_big(size: int) -> str:
    return f"the file is {size:,} bytes; config files are limited to {MAX_BYTES:,} bytes"


def _pos(parsed: Parsed, node: yaml.Node) -> Position:
    return Position(parsed.file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Walks a composed node tree into plain data, counting every node it expands."""

    def __init__(self, parsed: Parsed, loader: yaml.SafeLoader) -> None:
        self.parsed = parsed
        self.loader = loader
        self.budget = MAX_NODES
        self.chars = MAX_CHARS

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        parsed = self.parsed
        self.budget -= 1
        if self.budget < 0:
            raise YamlError(
                f"the document expands to more than {MAX_NODES:,} values "
                "(too many aliases or a huge file); simplify it",
                _pos(parsed, node),
            )
        if depth > MAX_DEPTH:
            raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", _pos(parsed, node))
        parsed.positions.setdefault(path, _pos(parsed, node))
        if node.tag not in _PLAIN_TAGS:
            raise YamlError(f"bad value: the tag {node.tag!r} is not allowed", _pos(parsed, node))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlError(
                        "YAML merge keys (<<) are not supported", _pos(parsed, key_node)
                    )
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlError("mapping keys must be plain values", _pos(parsed, key_node))
                key = self.scalar(key_node)
                if key in out:
                    raise YamlError(f"duplicate key {key!r}", _pos(parsed, key_node))
                child = (*path, key)
                parsed.positions[child] = _pos(parsed, key_node)
                out[key] = self.build(value_node, child, depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        self.chars -= len(node.value)
        if self.chars < 0:
            raise YamlError(
                f"the document expands to more than {MAX_CHARS:,} characters "
                "(long values repeated through aliases); simplify it",
                _pos(self.parsed, node),
            )
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise YamlError(f"bad value: {problem}", _pos(self.parsed, node)) from None
