"""The `ml-artifacts` rule: weights and datasets go through LFS or a hub; pickles get a note."""

from __future__ import annotations

import pytest

from bot.checks.ml_artifacts import Settings, check
from bot.render import word
from tests.factories import file, pr

POINTER = ["version https://git-lfs.github.com/spec/v1", "oid sha256:abc", "size 516000000"]
CASES = [
    (
        "safetensors-binary",
        [file("ckpt/model.safetensors", binary=True, status="added")],
        {},
        [],
        ["not-in-lfs"],
    ),
    (
        "pt-binary",
        [file("ckpt/model.pt", binary=True, status="added")],
        {},
        [],
        ["not-in-lfs", "pickle"],
    ),
    ("lfs-pointer", [file("ckpt/model.safetensors", POINTER)], {}, [], []),
    ("lfs-pointer-pickle", [file("ckpt/model.bin", POINTER)], {}, [], ["pickle"]),
    (
        "gitattributes-lfs",
        [file("ckpt/model.gguf", binary=True, status="added")],
        {},
        {".gitattributes": "*.gguf filter=lfs diff=lfs merge=lfs -text\n"},
        [],
    ),
    ("parquet", [file("data/train.parquet", binary=True, status="added")], {}, [], ["not-in-lfs"]),
    ("tarball", [file("data/images.tar.gz", binary=True, status="added")], {}, [], ["not-in-lfs"]),
    (
        "big-unknown-type",
        [file("assets/video.mp4", binary=True, status="added", size=50_000_000)],
        {},
        [],
        ["not-in-lfs"],
    ),
    (
        "small-unknown-type",
        [file("assets/logo.png", binary=True, status="added", size=5_000)],
        {},
        [],
        [],
    ),
    ("removed", [file("ckpt/model.pt", removed=3, status="removed")], {}, [], []),
    ("fixture-allowed", [file("tests/fixtures/tiny.npy", binary=True, status="added")], {}, [], []),
    ("code", [file("src/model.py", 40)], {}, [], []),
    (
        "pickle-note-off",
        [file("ckpt/model.pkl", binary=True, status="added")],
        {"pickle_note": False},
        [],
        ["not-in-lfs"],
    ),
]


@pytest.mark.parametrize(
    ("files", "settings", "attributes", "kinds"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_ml_artifacts(files, settings, attributes, kinds):
    findings = check(pr(*files, attributes=attributes or None), Settings(**settings))
    assert [f.kind for f in findings] == kinds


def test_message_gives_lfs_commands_and_the_hub_alternative():
    [finding] = check(pr(file("ckpt/model.safetensors", binary=True, status="added")), Settings())
    worded = word(finding)
    assert 'git lfs track "*.safetensors"' in worded.suggestion
    assert 'git rm --cached "ckpt/model.safetensors"' in worded.suggestion
    assert "huggingface-cli upload" in worded.message
    assert "rules.ml-artifacts" in worded.message


def test_pickle_note_mentions_safetensors():
    findings = check(pr(file("ckpt/model.pt", binary=True, status="added")), Settings())
    note = word(findings[1])
    assert note.severity == "notice" and "safetensors" in note.message
