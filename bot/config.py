"""Load, layer and validate Steward's YAML configuration. Errors carry file:line:column.

Layers, lowest first: a built-in rule pack from `rules/` (chosen by `extends:`, default
`default`), then each given source (e.g. the org's `.github` repository file, then the
repository's `.github/steward.yml`). Mappings merge key by key; lists and scalars replace.
A rule can be switched off with `<rule>: false` as shorthand for `<rule>: {enabled: false}`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from bot.checks import RuleSettings, registry
from bot.yamlsafe import Parsed, Position, YamlError, parse

DEFAULT_PACK = "default"
WAIVE_WORD = "waive"  # every waiver label contains it (the webhook receiver routes on it)
REPO_CONFIG_PATH = ".github/steward.yml"
MAX_PROBLEMS = 50  # listed in one ConfigError; a file with thousands of mistakes gets a count


class CommentSettings(BaseModel):
    """How the pull-request comment looks and when it is posted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    welcome_first_timers: bool = True
    contributing: str | None = None
    good_first_issue_label: str = "good first issue"
    on_success: Literal["always", "edit-only"] = "always"
    footer: bool = True
    quiet_drafts: bool = True


class CommandSettings(BaseModel):
    """Slash commands (`/steward ...`) in pull-request comments, and waiver labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    waive_permission: Literal["triage", "write", "maintain", "admin"] = "write"
    waive_label_prefix: str = Field("steward/waive-", min_length=1, max_length=40)

    @field_validator("waive_label_prefix")
    @classmethod
    def _says_waive(cls, value: str) -> str:
        if WAIVE_WORD not in value.lower():
            raise ValueError(f"must contain {WAIVE_WORD!r} (e.g. 'waive/'), so Steward notices it")
        return value


class Config(BaseModel):
    """A validated configuration: comment settings and every rule's settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    extends: str | None = None
    comment: CommentSettings = Field(default_factory=CommentSettings)
    commands: CommandSettings = Field(default_factory=CommandSettings)
    rules: dict[str, RuleSettings] = Field(default_factory=dict)

    def rule(self, rule_id: str) -> RuleSettings:
        """The settings of one rule (defaults when no layer mentions it)."""
        return self.rules[rule_id]


@dataclass(frozen=True, slots=True)
class Source:
    """One configuration file: a name to report errors against, and its text."""

    file: str
    text: str | bytes


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a configuration file."""

    position: Position
    key: str
    message: str

    def __str__(self) -> str:
        key = self.key if len(self.key) <= 100 else self.key[:100] + "…"
        where = f"{key}: " if key else ""
        return f"{self.position}: {where}{self.message}"


class ConfigError(ValueError):
    """The configuration is invalid; `problems` lists every error found, with positions."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def packs() -> list[str]:
    """Names of the built-in rule packs (`default`, `strict`, ...)."""
    root = resources.files("bot.rules")
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".yml"))


@cache
def _pack(name: str) -> Parsed:
    path = resources.files("bot.rules") / f"{name}.yml"
    return parse(path.read_bytes(), f"rules/{name}.yml")


def load(sources: Sequence[Source] = ()) -> Config:
    """Parse, layer and validate. Raises ConfigError listing every problem."""
    parsed: list[Parsed] = []
    for source in sources:
        try:
            parsed.append(parse(source.text, source.file))
        except YamlError as exc:
            raise ConfigError([Problem(exc.position, "", exc.message)]) from None
    for p in parsed:
        if not isinstance(p.data, dict):
            raise ConfigError([Problem(p.where(()), "", "the file must be a mapping of keys")])
    base_name, base_where = DEFAULT_PACK, None
    for p in parsed:
        if "extends" in p.data:
            base_name, base_where = p.data["extends"], p.where(("extends",))
    layers = [*_pack_chain(base_name, base_where), *parsed]
    data: dict[str, Any] = {}
    positions: dict[tuple, Position] = {}
    for layer in layers:
        _merge(data, _normalise(layer.data), ())
        positions.update(layer.positions)
    return _validate(data, positions, layers[-1].file)


def load_text(text: str | bytes, file: str = REPO_CONFIG_PATH) -> Config:
    """Load one repository config file layered over its pack."""
    return load([Source(file, text)])


def default() -> Config:
    """The built-in default configuration."""
    return load()


def _pack_chain(name: Any, where: Position | None) -> list[Parsed]:
    chain: list[Parsed] = []
    seen: set[str] = set()
    while name is not None:
        if not isinstance(name, str) or name not in packs():
            known = ", ".join(packs())
            position = where or Position("extends", 1, 1)
            shown = repr(name) if len(repr(name)) <= 80 else _shown(name)
            message = f"unknown rule pack {shown}; choose one of: {known}"
            raise ConfigError([Problem(position, "extends", message)])
        if name in seen:
            raise ConfigError([Problem(where, "extends", f"rule packs extend in a loop: {name}")])
        seen.add(name)
        pack = _pack(name)
        chain.insert(0, pack)
        name, where = pack.data.get("extends"), pack.where(("extends",))
    return chain


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Expand `rule: false` shorthands; drop `extends` (already applied)."""
    out = {k: v for k, v in data.items() if k != "extends"}
    rules = out.get("rules")
    if isinstance(rules, dict):
        out["rules"] = {k: ({"enabled": v} if isinstance(v, bool) else v) for k, v in rules.items()}
    return out


def _merge(into: dict[str, Any], layer: dict[str, Any], path: tuple) -> None:
    for key, value in layer.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, (*path, key))
        else:
            into[key] = _copy(value)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _validate(data: dict[str, Any], positions: dict[tuple, Position], file: str) -> Config:
    problems: list[Problem] = []

    def where(path: tuple) -> Position:
        while path:
            if path in positions:
                return positions[path]
            path = path[:-1]
        return positions.get((), Position(file, 1, 1))

    known_top = set(Config.model_fields)
    for key in data:
        if key not in known_top:
            hint = len(problems) < MAX_PROBLEMS
            problems.append(Problem(where((key,)), str(key), _unknown(key, known_top, "key", hint)))
    rules_data = data.get("rules", {})
    rules: dict[str, RuleSettings] = {}
    checks = registry()
    if not isinstance(rules_data, dict):
        problems.append(Problem(where(("rules",)), "rules", "must be a mapping of rule ids"))
        rules_data = {}
    for rule_id in rules_data:
        if rule_id not in checks:
            message = _unknown(rule_id, checks, hint=len(problems) < MAX_PROBLEMS)
            problems.append(Problem(where(("rules", rule_id)), f"rules.{rule_id}", message))
    for rule_id, check in checks.items():
        value = rules_data.get(rule_id, {})
        try:
            rules[rule_id] = check.settings_model.model_validate(value)
        except ValidationError as exc:
            problems.extend(_problems(exc, ("rules", rule_id), where))
    try:
        comment = CommentSettings.model_validate(data.get("comment", {}))
    except ValidationError as exc:
        problems.extend(_problems(exc, ("comment",), where))
        comment = CommentSettings()
    try:
        commands = CommandSettings.model_validate(data.get("commands", {}))
    except ValidationError as exc:
        problems.extend(_problems(exc, ("commands",), where))
        commands = CommandSettings()
    if problems:
        problems.sort(key=_order)
        if len(problems) > MAX_PROBLEMS:
            last = problems[MAX_PROBLEMS - 1].position
            more = len(problems) - MAX_PROBLEMS + 1
            problems[MAX_PROBLEMS - 1 :] = [
                Problem(last, "", f"and {more:,} more problems; fix these first")
            ]
        raise ConfigError(problems)
    return Config(comment=comment, commands=commands, rules=rules)


def _order(p: Problem) -> tuple:
    return (p.position.file, p.position.line, p.position.column)


def _problems(exc: ValidationError, prefix: tuple, where) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = (*prefix, *(part for part in err["loc"] if part != "[key]"))
        key = ".".join(str(part) for part in loc)
        if err["type"] == "extra_forbidden":
            model_fields = _fields_at(prefix)
            message = _unknown(err["loc"][-1], model_fields, "key")
        elif err["type"] in ("value_error", "assertion_error"):
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            message = err["msg"]
            if "input" in err and not isinstance(err["input"], dict | list):
                message += f" (got {_shown(err['input'])})"
        out.append(Problem(where(loc), key, message))
    return out


def _shown(value: Any, limit: int = 80) -> str:
    """A wrong value as JSON for an error message, cut so a huge one cannot flood it."""
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _fields_at(prefix: tuple) -> set[str]:
    if prefix[:1] == ("rules",) and len(prefix) == 2 and prefix[1] in registry():
        return set(registry()[prefix[1]].settings_model.model_fields)
    if prefix == ("comment",):
        return set(CommentSettings.model_fields)
    if prefix == ("commands",):
        return set(CommandSettings.model_fields)
    return set()


def _unknown(key: Any, known: Any, what: str = "rule", hint: bool = True) -> str:
    name = str(key)
    close = []
    if hint and len(name) < 100:
        close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = repr(key) if len(name) <= 80 else f"{name[:80]!r}… ({len(name):,} characters)"
    return f"unknown {what} {shown}{hint}"


def json_schema() -> dict[str, Any]:
    """A JSON Schema of `.github/steward.yml`, for editors."""
    rule_fields: dict[str, Any] = {
        rule_id.replace("-", "_"): (check.settings_model | bool, Field(None, alias=rule_id))
        for rule_id, check in registry().items()
    }
    rules_model = create_model(
        "Rules", __config__=ConfigDict(extra="forbid", populate_by_name=True), **rule_fields
    )
    top = create_model(
        "StewardConfig",
        __config__=ConfigDict(extra="forbid"),
        extends=(Literal[tuple(packs())] | None, Field(None, description="built-in rule pack")),
        comment=(CommentSettings, Field(default_factory=CommentSettings)),
        commands=(CommandSettings, Field(default_factory=CommandSettings)),
        rules=(rules_model, Field(default_factory=rules_model)),
    )
    schema = top.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Steward configuration (.github/steward.yml)"
    return schema
