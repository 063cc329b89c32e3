"""`steward check`, `validate` and `schema` on temporary git repositories, as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.cli import main


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def write(repo: Path, path: str, text: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo with a main branch (an ML library with a test suite) and a feature branch."""
    root = tmp_path / "mlkit"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    write(
        root, "src/mlkit/attention.py", "# SPDX-License-Identifier: Apache-2.0\n" + "x = 1\n" * 50
    )
    write(root, "src/mlkit/layers.py", "# SPDX-License-Identifier: Apache-2.0\nimport os\n")
    write(root, "src/mlkit/optim.py", "# SPDX-License-Identifier: Apache-2.0\nimport sys\n")
    write(root, "tests/test_layers.py", "def test_ok():\n    assert True\n")
    write(root, "CONTRIBUTING.md", "# Contributing\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Initial")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_reports_a_change_without_tests_as_json(repo, capsys):
    body = "\n".join(f"    y{i} = {i}" for i in range(12))
    write(repo, "src/mlkit/attention.py", (repo / "src/mlkit/attention.py").read_text() + body)
    git(repo, "commit", "-qam", "Speed up attention")
    code, out, _ = run(capsys, "check", "--repo", str(repo), "--base", "main", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["conclusion"] in ("neutral", "failure")
    assert data["size_label"] == "size/S"
    rules = {f["rule"] for f in data["findings"]}
    assert "tests" in rules
    tests = next(f for f in data["findings"] if f["rule"] == "tests")
    assert "test_attention.py" in tests["message"]


def test_check_prints_the_comment_with_the_marker_and_welcome(repo, capsys):
    write(repo, "src/mlkit/new_model.py", "import torch\n" * 20)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add a new model")
    code, out, _ = run(
        capsys,
        "check",
        "--repo",
        str(repo),
        "--base",
        "main",
        "--author",
        "newcomer",
        "--association",
        "first_time_contributor",
    )
    assert code == 0
    assert out.startswith("<!-- steward:comment -->")
    assert "@newcomer" in out
    assert "CONTRIBUTING.md" in out
    # the project's SPDX convention is learned from the base branch
    assert "SPDX-License-Identifier: Apache-2.0" in out


def test_check_reads_config_from_the_base_not_the_head(repo, capsys):
    write(repo, ".github/steward.yml", "rules:\n  tests: false\n")
    write(repo, "src/mlkit/attention.py", "x = 2\n" * 40)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Turn off tests rule in the same PR")
    code, out, _ = run(capsys, "check", "--repo", str(repo), "--base", "main", "--format", "json")
    assert code == 0
    assert "tests" in {f["rule"] for f in json.loads(out)["findings"]}


def test_check_with_an_invalid_config_exits_2_with_positions(repo, tmp_path, capsys):
    bad = tmp_path / "steward.yml"
    bad.write_text("rules:\n  pr-size:\n    warn_at: lots\n")
    code, out, err = run(
        capsys, "check", "--repo", str(repo), "--base", "main", "--config", str(bad)
    )
    assert code == 2
    assert out == ""
    assert f"{bad}:3:5: rules.pr-size.warn_at" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--repo", "/nonexistent/dir"], "not a git repository"),
        (["check", "--base", "no-such-branch"], "failed"),
        (["check", "--body-file", "/nonexistent/body.md"], "cannot read --body-file"),
        (["check", "--snapshot", "/nonexistent/pr.json"], "cannot read snapshot"),
        (["validate", "/nonexistent/steward.yml"], "cannot read"),
    ],
    ids=["not-a-repo", "bad-base", "body-file", "snapshot", "validate-missing"],
)
def test_bad_usage_exits_2_with_a_clear_message(repo, monkeypatch, capsys, args, message):
    monkeypatch.chdir(repo)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_body_from_stdin_counts_as_the_description(repo, monkeypatch, capsys):
    import io

    write(repo, "src/mlkit/attention.py", "z = 3\n" * 700)
    git(repo, "commit", "-qam", "Rewrite attention")
    monkeypatch.setattr("sys.stdin", io.StringIO("Rewrite attention.\n\nCloses #12"))
    code, out, _ = run(
        capsys,
        "check",
        "--repo",
        str(repo),
        "--base",
        "main",
        "--body-file",
        "-",
        "--format",
        "json",
    )
    assert code == 0
    assert "design-discussion" not in {f["rule"] for f in json.loads(out)["findings"]}


def test_example_runs_offline(capsys):
    code, out, _ = run(capsys, "check", "--example")
    assert code == 0
    assert out.startswith("<!-- steward:comment -->")
    assert len(out) < 65_536


def test_validate_and_schema(tmp_path, capsys):
    good = tmp_path / "good.yml"
    good.write_text("extends: strict\nrules:\n  tests:\n    severity: notice\n")
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and "valid" in out
    bad = tmp_path / "bad.yml"
    bad.write_text("rules:\n  tests:\n    severity: loud\n")
    code, _, err = run(capsys, "validate", str(bad))
    assert code == 2 and f"{bad}:3:5" in err
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)["title"].startswith("Steward")


def test_renames_and_binary_files_are_read_like_github_lists_them(repo):
    from bot.gitlocal import snapshot

    git(repo, "mv", "src/mlkit/layers.py", "src/mlkit/blocks.py")
    (repo / "weights.bin").write_bytes(bytes(range(256)) * 4)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Rename and add weights")
    pr = snapshot(repo, base="main")
    by_path = {f.path: f for f in pr.files}
    assert by_path["src/mlkit/blocks.py"].status == "renamed"
    assert by_path["src/mlkit/blocks.py"].previous_path == "src/mlkit/layers.py"
    assert by_path["weights.bin"].binary and by_path["weights.bin"].patch is None
    assert by_path["weights.bin"].size == 1024
    assert pr.title == "Rename and add weights"
    assert pr.repo.contributing_path == "CONTRIBUTING.md"
