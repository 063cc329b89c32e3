"""The `model-card` rule: weights and datasets come with a card (license, data, recipe)."""

from __future__ import annotations

import pytest

from bot.checks.model_card import Settings, check
from bot.render import word
from tests.factories import file, pr

GOOD = [
    "# Mamba 130M",
    "License: Apache-2.0.",
    "Trained on the Pile (dataset v1).",
    "Reproduce with `train.py --config mamba.yml`.",
]
WEIGHTS = file("models/mamba/model.safetensors", binary=True, status="added")
CASES = [
    ("no-artifacts", [file("src/a.py", 5)], [], []),
    ("weights-without-card", [WEIGHTS], ["missing"], ["models/mamba/model.safetensors"]),
    ("weights-with-good-card", [WEIGHTS, file("models/mamba/README.md", GOOD)], [], []),
    ("card-in-parent-folder", [WEIGHTS, file("models/README.md", GOOD)], [], []),
    (
        "card-missing-topics",
        [WEIGHTS, file("models/mamba/MODEL_CARD.md", ["# Mamba", "License: MIT"])],
        ["incomplete"],
        ["models/mamba/MODEL_CARD.md"],
    ),
    (
        "dataset",
        [file("data/train.parquet", binary=True, status="added")],
        ["missing"],
        ["data/train.parquet"],
    ),
    (
        "fixture-allowed",
        [file("tests/fixtures/tiny.safetensors", binary=True, status="added")],
        [],
        [],
    ),
    (
        "card-without-patch",
        [WEIGHTS, file("models/mamba/README.md", patch=None, status="modified")],
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    ("files", "kinds", "paths"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_model_card(files, kinds, paths):
    findings = check(pr(*files), Settings())
    assert [f.kind for f in findings] == kinds
    assert [f.path for f in findings] == paths


def test_incomplete_card_names_the_missing_topics():
    [finding] = check(pr(WEIGHTS, file("models/mamba/README.md", ["License: MIT"])), Settings())
    assert finding.facts["missing"] == ["training data", "how to reproduce"]
    assert "training data, how to reproduce" in word(finding).title


def test_missing_card_gives_a_skeleton_and_explains_why():
    [finding] = check(pr(WEIGHTS), Settings())
    worded = word(finding)
    assert "## Training data" in worded.suggestion
    assert "`models/mamba/README.md`" in worded.message
    assert "binary without its source" in worded.message
