"""model-card: weights or a dataset come with a card saying license, data and recipe.

When a pull request adds or changes model weights or dataset files (`artifact_extensions`,
outside `allow`), it must also add or update a card next to them — a file named one of
`card_names` in the artifact's folder or a parent folder — and the card's added lines must
cover each of `topics` (license, training data, how to reproduce), matched by RE2 patterns.
Weights without the data and recipe that made them are not open in the sense the project
means.
"""

from __future__ import annotations

import posixpath

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding
from bot.patterns import Glob, GlobSet, Regex, compile_regex
from bot.snapshot import FileStatus, PullRequest

RULE = "model-card"
MAX_LISTED = 5


class Settings(RuleSettings):
    """Keys under `rules.model-card` (defaults in rules/default.yml)."""

    artifact_extensions: list[str] = Field(
        default_factory=lambda: [
            ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".gguf", ".h5", ".tflite",
            ".parquet", ".arrow", ".npz",
        ]
    )  # fmt: skip
    card_names: list[str] = Field(
        default_factory=lambda: ["README.md", "MODEL_CARD.md", "DATASET_CARD.md", "model_card.md"]
    )
    topics: dict[str, Regex] = Field(
        default_factory=lambda: {
            "license": r"(?i)\blicen[cs]e\b",
            "training data": r"(?i)\b(training data|dataset|data set|trained on|corpus)\b",
            "how to reproduce": r"(?i)\b(reproduc\w*|training script|recipe|train(ed|ing)? with|hyper-?parameters)\b",
        }
    )
    allow: list[Glob] = Field(
        default_factory=lambda: ["**/fixtures/**", "**/testdata/**", "tests/**"]
    )


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """A finding per folder of new artifacts without a card, or with a card missing topics."""
    exts = {e.lower() for e in settings.artifact_extensions}
    allow = GlobSet(settings.allow) if settings.allow else None
    names = {n.lower() for n in settings.card_names}
    artifacts: dict[str, list[str]] = {}
    cards = {}
    for f in pr.files:
        if f.status == FileStatus.REMOVED:
            continue
        base = posixpath.basename(f.path)
        if base.lower() in names:
            cards[posixpath.dirname(f.path)] = f
            continue
        dot = base.rfind(".")
        if dot > 0 and base[dot:].lower() in exts and not (allow and allow.match(f.path)):
            artifacts.setdefault(posixpath.dirname(f.path), []).append(f.path)
    findings = []
    for folder, paths in sorted(artifacts.items()):
        card = _nearest(folder, cards)
        facts = {
            "folder": folder or ".",
            "artifacts": paths[:MAX_LISTED],
            "more": max(0, len(paths) - MAX_LISTED),
        }
        if card is None:
            where = (
                posixpath.join(folder, settings.card_names[0]) if folder else settings.card_names[0]
            )
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.severity,
                    kind="missing",
                    path=paths[0],
                    line=1,
                    facts={**facts, "card": where, "topics": list(settings.topics)},
                    suggestion=_skeleton(),
                )
            )
            continue
        text = "\n".join(card.added_lines()) if card.patch else None
        if text is None:
            continue  # a card whose diff GitHub left out: nothing to judge
        missing = [t for t, p in settings.topics.items() if not compile_regex(p).search(text)]
        if missing:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.severity,
                    kind="incomplete",
                    path=card.path,
                    line=1,
                    facts={**facts, "card": card.path, "missing": missing},
                )
            )
    return findings


def _nearest(folder: str, cards: dict) -> object | None:
    while True:
        if folder in cards:
            return cards[folder]
        parent = posixpath.dirname(folder)
        if not folder or parent == folder:  # "" or "/" (a path GitHub never sends, but no loop)
            return None
        folder = parent


def _skeleton() -> str:
    return "\n".join(
        [
            "## License",
            "<!-- e.g. Apache-2.0, and the license of the data it was trained on -->",
            "",
            "## Training data",
            "<!-- which dataset(s), version, link, any filtering -->",
            "",
            "## How to reproduce",
            "<!-- the training script or recipe, hyperparameters, hardware, seed -->",
        ]
    )
