"""The `stray-files` rule: debris and secrets stay out of git."""

from __future__ import annotations

import pytest

from bot.checks.stray_files import Settings, check
from bot.render import word
from tests.factories import file, pr

KEY = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "b3BlbnNzaC1rZXktdjEAAAAA",
    "-----END OPENSSH PRIVATE KEY-----",
]
CASES = [
    ("ds-store", [file("src/.DS_Store", binary=True, status="added")], ["debris"], ["warning"]),
    (
        "pycache",
        [file("src/mlkit/__pycache__/a.cpython-311.pyc", binary=True, status="added")],
        ["debris"],
        ["warning"],
    ),
    (
        "checkpoints-dir",
        [file("nb/.ipynb_checkpoints/demo-checkpoint.ipynb", 5)],
        ["debris"],
        ["warning"],
    ),
    ("swap", [file("src/.model.py.swp", binary=True, status="added")], ["debris"], ["warning"]),
    ("dotenv", [file(".env", ["HF_TOKEN=hf_abc"])], ["secret"], ["failure"]),
    ("dotenv-example-allowed", [file(".env.example", ["HF_TOKEN="])], [], []),
    ("pem-file", [file("deploy/server.pem", KEY)], ["secret"], ["failure"]),
    (
        "key-in-code",
        [file("scripts/setup.py", ["KEY = '''", *KEY, "'''"])],
        ["secret"],
        ["failure"],
    ),
    ("removed-debris", [file(".DS_Store", removed=1, status="removed")], [], []),
    ("clean", [file("src/mlkit/a.py", 10), file(".gitignore", ["*.pyc"])], [], []),
    (
        "debris-grouped",
        [file(".DS_Store", 1), file("a/.DS_Store", 1), file("b/x.pyc", 1)],
        ["debris"],
        ["warning"],
    ),
]


@pytest.mark.parametrize(
    ("files", "kinds", "severities"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_stray_files(files, kinds, severities):
    findings = check(pr(*files), Settings())
    assert [f.kind for f in findings] == kinds
    assert [f.severity for f in findings] == severities


def test_debris_message_lists_files_and_gitignore_lines():
    [finding] = check(pr(file("src/.DS_Store", 1), file("src/m/__pycache__/a.pyc", 1)), Settings())
    worded = word(finding)
    assert "`src/.DS_Store`" in worded.message
    assert 'echo ".DS_Store" >> .gitignore' in worded.suggestion
    assert 'echo "__pycache__/" >> .gitignore' in worded.suggestion


def test_secret_found_by_content_points_at_the_line_and_says_rotate():
    [finding] = check(pr(file("scripts/setup.py", ["x = 1", *KEY])), Settings())
    assert finding.line == 2
    assert "revoke" in word(finding).message
