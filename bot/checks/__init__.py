"""The registry of checks: every module in this package (not starting with `_`) is one rule."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from bot.checks._base import LabelPlan, RuleSettings, Tier, TierOverride

__all__ = ["Check", "LabelPlan", "RuleSettings", "Tier", "TierOverride", "registry"]


@dataclass(frozen=True)
class Check:
    """A registered check: its rule id, settings model and functions."""

    rule: str
    module: ModuleType

    @property
    def settings_model(self) -> type[RuleSettings]:
        """The pydantic model of the rule's settings."""
        return self.module.Settings

    def run(self, pr, settings):
        """Call the check's pure function."""
        return self.module.check(pr, settings)

    def labels(self, pr, settings) -> LabelPlan | None:
        """Labels the rule manages, or None when it manages none."""
        fn = getattr(self.module, "labels", None)
        return fn(pr, settings) if fn else None


@cache
def registry() -> dict[str, Check]:
    """All checks, keyed by rule id, in file-name order."""
    found: dict[str, Check] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not (hasattr(module, "check") and hasattr(module, "Settings")):
            raise TypeError(f"bot/checks/{info.name}.py must define Settings and check()")
        rule = info.name.replace("_", "-")
        found[rule] = Check(rule=rule, module=module)
    return found
