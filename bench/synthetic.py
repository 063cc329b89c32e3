"""Synthetic pull requests of a given size, shaped like changes to an ML library."""

from __future__ import annotations

import random

from bot.snapshot import (
    Association,
    Commit,
    FileChange,
    FileStatus,
    PullRequest,
    RepoContext,
    TextFile,
)

DIRS = [
    "src/mlkit/models",
    "src/mlkit/ops",
    "src/mlkit/data",
    "tests/models",
    "docs/api",
    "third_party/kernels",
    "src/mlkit/utils",
    "examples",
    "tests/ops",
    "csrc/cuda",
]
# A realistic mix for an ML library: mostly Python, some CUDA/C++, docs and config, and a
# few notebooks (1 file in 40).
EXTS = (
    [".py"] * 22
    + [".cu", ".cuh", ".cpp", ".h"] * 2
    + [".md"] * 5
    + [".json", ".yml"] * 2
    + [".ipynb"]
)


def _patch(rng: random.Random, adds: int, dels: int, header: list[str]) -> str:
    lines = [f"@@ -1,{dels} +1,{adds + len(header)} @@"]
    lines += [f"+{h}" for h in header]
    lines += [f"-    old_value_{i} = compute({i})" for i in range(dels)]
    lines += [f"+    value_{i} = compute({i}, scale={rng.random():.3f})" for i in range(adds)]
    return "\n".join(lines)


def pull_request(files: int, lines: int, seed: int = 1) -> PullRequest:
    """A pull request with `files` changed files and about `lines` changed lines."""
    rng = random.Random(seed)
    per_file = max(1, lines // files)
    changes = []
    for i in range(files):
        d = DIRS[i % len(DIRS)]
        ext = EXTS[(i * 7) % len(EXTS)]
        status = FileStatus.ADDED if i % 7 == 0 else FileStatus.MODIFIED
        adds = per_file if status == FileStatus.ADDED else per_file - per_file // 3
        dels = 0 if status == FileStatus.ADDED else per_file // 3
        header = ["# SPDX-License-Identifier: Apache-2.0"] if i % 3 == 0 else []
        if ext == ".ipynb":
            header = []
        changes.append(
            FileChange(
                path=f"{d}/module_{seed}_{i}{ext}",
                status=status,
                additions=adds + len(header),
                deletions=dels,
                patch=_patch(rng, adds, dels, header),
            )
        )
    repo = RepoContext(
        full_name="acme/mlkit",
        default_branch="main",
        attributes=(
            TextFile(
                ".gitattributes", "*.pb.go linguist-generated\nthird_party/** linguist-vendored\n"
            ),
        ),
        header_samples=tuple(
            TextFile(
                f"src/mlkit/existing_{k}.py", "# SPDX-License-Identifier: Apache-2.0\nimport os\n"
            )
            for k in range(5)
        ),
        contributing_path="CONTRIBUTING.md",
        pr_template="## What does this PR do?\n\n<!-- Describe -->\n\nFixes # (issue)\n",
        html_url="https://github.com/acme/mlkit",
    )
    return PullRequest(
        number=1234,
        title="Refactor the model zoo",
        body="This refactors the model zoo.\n\nRefs #1200",
        author="newcomer",
        association=Association.FIRST_TIME_CONTRIBUTOR,
        base_sha="a" * 40,
        head_sha="b" * 40,
        commits=(Commit(sha="c" * 40, message="Refactor", author_name="N", author_email="n@x"),),
        files=tuple(changes),
        repo=repo,
    )
