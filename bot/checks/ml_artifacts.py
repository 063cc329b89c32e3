"""ml-artifacts: weights, checkpoints, datasets and big binaries go through Git LFS or a hub.

A file counts as an artifact when its extension is one of `extensions` (model weights,
checkpoints, array and table formats, archives) or, when its size is known, it is larger than
`max_file_bytes`. It is fine when Git LFS stores it: the patch is an LFS pointer, or
`.gitattributes` gives the path `filter=lfs`. Otherwise the finding gives the exact LFS
commands and the hub alternative. Pickle-based formats also get a note (even under LFS) that
loading them runs arbitrary code, and that safetensors avoids it.
"""

from __future__ import annotations

import posixpath

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding, Severity
from bot.gitattributes import Attributes
from bot.patterns import Glob, GlobSet
from bot.snapshot import FileChange, FileStatus, PullRequest

RULE = "ml-artifacts"
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"
ARCHIVES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".zst")


class Settings(RuleSettings):
    """Keys under `rules.ml-artifacts` (defaults in rules/default.yml)."""

    extensions: list[str] = Field(
        default_factory=lambda: [
            ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".onnx", ".gguf", ".ggml", ".h5",
            ".hdf5", ".pb", ".tflite", ".mlmodel", ".npz", ".npy", ".parquet", ".arrow",
            ".feather", ".pkl", ".pickle", ".joblib", *ARCHIVES,
        ]
    )  # fmt: skip
    pickle_extensions: list[str] = Field(
        default_factory=lambda: [".pkl", ".pickle", ".pt", ".pth", ".bin", ".ckpt", ".joblib"]
    )
    max_file_bytes: int = Field(5_000_000, ge=1)
    allow: list[Glob] = Field(default_factory=lambda: ["**/fixtures/**", "**/testdata/**"])
    hub: str = "Hugging Face Hub"
    hub_command: str = "huggingface-cli upload <your-org>/<repo-name> {path}"
    pickle_note: bool = True


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """One finding per artifact committed without LFS; a notice per pickle-format file."""
    allow = GlobSet(settings.allow) if settings.allow else None
    exts = {e.lower() for e in settings.extensions}
    pickles = {e.lower() for e in settings.pickle_extensions}
    attributes = Attributes.for_repo(pr.repo) if pr.repo.attributes else None
    findings: list[Finding] = []
    for f in pr.files:
        ext = _ext(f.path)
        big = f.size is not None and f.size > settings.max_file_bytes
        if ext not in exts and not big:
            continue  # the common case: decided with string operations only
        if f.status == FileStatus.REMOVED or (allow and allow.match(f.path)):
            continue
        in_lfs = _lfs(f, attributes)
        facts = {
            "ext": ext or posixpath.basename(f.path),
            "size": f.size,
            "big": big,
            "limit": settings.max_file_bytes,
            "pattern": f"*{ext}" if ext else f.path,
            "hub": settings.hub,
            "hub_command": settings.hub_command.replace("{path}", f.path),
        }
        if not in_lfs:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.severity,
                    kind="not-in-lfs",
                    facts=facts,
                    path=f.path,
                    line=1,
                    suggestion=_commands(f, facts["pattern"]),
                )
            )
        if settings.pickle_note and ext in pickles:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=Severity.NOTICE,
                    kind="pickle",
                    facts=facts,
                    path=f.path,
                    line=1,
                )
            )
    return findings


def _ext(path: str) -> str:
    dot = path.rfind(".")
    return path[dot:].lower() if dot > path.rfind("/") + 1 else ""


def _lfs(f: FileChange, attributes: Attributes | None) -> bool:
    if f.patch and LFS_POINTER in f.patch[:400]:
        return True
    return attributes is not None and attributes.get(f.path, "filter") == "lfs"


def _commands(f: FileChange, pattern: str) -> str:
    return "\n".join(
        [
            "git lfs install",
            f'git lfs track "{pattern}"',
            f'git rm --cached "{f.path}"',
            f'git add .gitattributes "{f.path}"',
            "git commit --amend --no-edit   # or a new commit; then push",
        ]
    )
