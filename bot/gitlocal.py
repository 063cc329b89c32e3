"""Build a pull-request snapshot from a local git repository (for `steward check`).

Reads only git objects: the diff `base...head` (what GitHub shows: changes on head since the
merge base, renames detected), the commits `base..head`, and from the *base* tree the
`.gitattributes` files, the CONTRIBUTING guide, the pull-request template and the first lines
of a few existing files per type (so `license-header` can learn the convention). It never runs
code from the repository and never touches the work tree. A handful of git processes in all,
whatever the number of files.
"""

from __future__ import annotations

import posixpath
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.guide import headings
from bot.snapshot import (
    Association,
    Commit,
    FileChange,
    FileStatus,
    PullRequest,
    RepoContext,
    TextFile,
)

SAMPLES_PER_TYPE = 5
SAMPLE_BYTES = 2048
_STATUS = {
    "A": FileStatus.ADDED,
    "M": FileStatus.MODIFIED,
    "D": FileStatus.REMOVED,
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
    "T": FileStatus.CHANGED,
}
CONTRIBUTING = ("CONTRIBUTING.md", ".github/CONTRIBUTING.md", "docs/CONTRIBUTING.md")
CONTRIBUTING += ("CONTRIBUTING.rst", "CONTRIBUTING")
PR_TEMPLATES = (
    ".github/pull_request_template.md",
    ".github/PULL_REQUEST_TEMPLATE.md",
    "pull_request_template.md",
    "PULL_REQUEST_TEMPLATE.md",
    "docs/pull_request_template.md",
    "docs/PULL_REQUEST_TEMPLATE.md",
)


class GitError(RuntimeError):
    """A git command failed; the message says which and why."""


@dataclass(frozen=True)
class LocalRepo:
    """A git repository on disk."""

    root: Path

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        """Run git with safe options and return stdout; raise GitError with git's message."""
        cmd = ["git", "-c", "core.quotepath=off", "-c", "diff.external=", "-C", str(self.root)]
        proc = subprocess.run([*cmd, *args], input=input, capture_output=True, check=False)
        if proc.returncode != 0:
            err = proc.stderr.decode(errors="replace").strip().splitlines()
            raise GitError(f"git {' '.join(args[:3])} failed: {err[-1] if err else 'no output'}")
        return proc.stdout

    def resolve(self, ref: str) -> str:
        """The commit SHA a ref names."""
        return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()

    def default_base(self) -> str:
        """The branch a pull request would target: origin/HEAD, else main, else master."""
        for ref in ("origin/HEAD", "origin/main", "main", "origin/master", "master"):
            try:
                self.resolve(ref)
                return ref
            except GitError:
                continue
        raise GitError("cannot guess the base branch; pass --base REF")

    def show(self, ref: str, path: str) -> str | None:
        """A file's text at `ref`, or None when it does not exist there."""
        try:
            return self.git("show", f"{ref}:{path}").decode("utf-8", errors="replace")
        except GitError:
            return None

    def tree(self, ref: str) -> list[str]:
        """Every file path in the tree of `ref`."""
        out = self.git("ls-tree", "-r", "-z", "--name-only", ref)
        return [p for p in out.decode("utf-8", errors="replace").split("\0") if p]

    def blobs_heads(self, ref: str, paths: Iterable[str], limit: int) -> dict[str, str]:
        """The first `limit` bytes of several files at `ref`, read with one git process."""
        paths = list(paths)
        if not paths:
            return {}
        request = "".join(f"{ref}:{p}\n" for p in paths).encode()
        out = self.git("cat-file", "--batch", input=request)
        heads: dict[str, str] = {}
        pos = 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) < 3 or header[1] != b"blob":
                continue
            size = int(header[2])
            heads[path] = out[pos : pos + min(size, limit)].decode("utf-8", errors="replace")
            pos += size + 1
        return heads


def snapshot(
    repo_dir: str | Path,
    base: str | None = None,
    head: str = "HEAD",
    *,
    title: str | None = None,
    body: str | None = None,
    author: str | None = None,
    association: Association = Association.CONTRIBUTOR,
    number: int = 0,
) -> PullRequest:
    """A PullRequest for the changes `head` would bring to `base`, read from local git."""
    repo = LocalRepo(Path(repo_dir))
    try:
        repo.git("rev-parse", "--git-dir")
    except (GitError, FileNotFoundError) as exc:
        raise GitError(f"{repo_dir} is not a git repository ({exc})") from None
    base = base or repo.default_base()
    base_sha, head_sha = repo.resolve(base), repo.resolve(head)
    spec = f"{base_sha}...{head_sha}"
    files = _files(repo, spec)
    commits = _commits(repo, f"{base_sha}..{head_sha}")
    tree = repo.tree(base_sha)
    if title is None:
        title = commits[-1].message.splitlines()[0] if len(commits) == 1 else _branch(repo, head)
    if body is None:
        body = commits[-1].message.partition("\n")[2].strip() if len(commits) == 1 else ""
    if author is None:
        author = commits[-1].author_name if commits else ""
    return PullRequest(
        number=number,
        title=title,
        body=body,
        author=author,
        association=association,
        base_ref=base,
        base_sha=base_sha,
        head_ref=head,
        head_sha=head_sha,
        commits=tuple(commits),
        files=tuple(files),
        repo=_context(repo, base_sha, tree, files),
    )


def _branch(repo: LocalRepo, head: str) -> str:
    try:
        return repo.git("rev-parse", "--abbrev-ref", head).decode().strip()
    except GitError:
        return head


def _files(repo: LocalRepo, spec: str) -> list[FileChange]:
    raw = repo.git("diff", "-M", "-C", "--raw", "-z", "--no-abbrev", spec).decode(
        "utf-8", errors="replace"
    )
    numstat = repo.git("diff", "-M", "-C", "--numstat", "-z", spec).decode(
        "utf-8", errors="replace"
    )
    patch = repo.git("diff", "-M", "-C", "--no-color", "--no-ext-diff", "-p", spec).decode(
        "utf-8", errors="replace"
    )
    entries = _parse_raw(raw)
    counts = _parse_numstat(numstat)
    patches = _split_patches(patch)
    sizes = _sizes(repo, [e[3] for e in entries])
    files = []
    for i, (status, src, dst, blob) in enumerate(entries):
        adds, dels = counts[i] if i < len(counts) else (0, 0)
        binary = adds is None
        text = None if binary else (patches[i] if i < len(patches) else None)
        files.append(
            FileChange(
                path=dst,
                status=status,
                additions=adds or 0,
                deletions=dels or 0,
                patch=text or None,
                previous_path=src if status in (FileStatus.RENAMED, FileStatus.COPIED) else None,
                binary=binary,
                size=sizes.get(blob),
            )
        )
    return files


def _parse_raw(raw: str) -> list[tuple[FileStatus, str | None, str, str]]:
    """(status, source path, path, blob sha of the new version) per changed file."""
    parts = raw.split("\0")
    out = []
    i = 0
    while i < len(parts) and parts[i]:
        meta = parts[i].split()
        letter = meta[-1][0]
        status = _STATUS.get(letter, FileStatus.MODIFIED)
        if letter in "RC":
            out.append((status, parts[i + 1], parts[i + 2], meta[3]))
            i += 3
        else:
            out.append((status, None, parts[i + 1], meta[3]))
            i += 2
    return out


def _sizes(repo: LocalRepo, shas: list[str]) -> dict[str, int]:
    """Blob sizes in bytes, with one git process."""
    wanted = [s for s in shas if s.strip("0")]
    if not wanted:
        return {}
    out = repo.git("cat-file", "--batch-check", input="".join(f"{s}\n" for s in wanted).encode())
    sizes = {}
    for line in out.decode().splitlines():
        sha, kind, *rest = line.split()
        if kind == "blob" and rest:
            sizes[sha] = int(rest[0])
    return sizes


def _parse_numstat(numstat: str) -> list[tuple[int | None, int | None]]:
    parts = numstat.split("\0")
    out: list[tuple[int | None, int | None]] = []
    i = 0
    while i < len(parts) and parts[i]:
        adds, dels, path = parts[i].split("\t", 2)
        out.append((None, None) if adds == "-" else (int(adds), int(dels)))
        i += 3 if path == "" else 1  # renames: "adds\tdels\t\0src\0dst"
    return out


def _split_patches(patch: str) -> list[str]:
    """GitHub-style per-file patches: the hunks only, from the first `@@` ("" when none)."""
    out = []
    # Every file (binary, pure rename, mode change) gets its own "diff --git" header, and no
    # hunk line can start with "diff", so this split lines up with --raw's entries.
    for chunk in ("\n" + patch).split("\ndiff --git ")[1:]:
        at = chunk.find("\n@@")
        out.append(chunk[at + 1 :].rstrip("\n") if at != -1 else "")
    return out


def _commits(repo: LocalRepo, spec: str) -> list[Commit]:
    out = repo.git("log", "--reverse", "--format=%H%x00%an%x00%ae%x00%B%x1e", spec)
    commits = []
    for record in out.decode("utf-8", errors="replace").split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, name, email, message = record.split("\0", 3)
        commits.append(
            Commit(sha=sha, message=message.strip(), author_name=name, author_email=email)
        )
    return commits


def _context(
    repo: LocalRepo, base_sha: str, tree: list[str], files: list[FileChange]
) -> RepoContext:
    present = set(tree)
    lower = {p.lower(): p for p in tree}
    attributes = [p for p in tree if posixpath.basename(p) == ".gitattributes"]
    contributing = next((lower[c.lower()] for c in CONTRIBUTING if c.lower() in lower), None)
    template_path = next((lower[t.lower()] for t in PR_TEMPLATES if t.lower() in lower), None)
    samples = _sample_paths(tree, files)
    texts = repo.blobs_heads(base_sha, attributes, 256 * 1024)
    texts |= repo.blobs_heads(base_sha, samples, SAMPLE_BYTES)
    template = repo.show(base_sha, template_path) if template_path else None
    guide = repo.show(base_sha, contributing) if contributing else None
    return RepoContext(
        full_name=repo.root.resolve().name,
        default_branch="",
        attributes=tuple(TextFile(p, texts[p]) for p in attributes if p in texts),
        header_samples=tuple(TextFile(p, texts[p]) for p in samples if p in texts and p in present),
        contributing_path=contributing,
        pr_template=template,
        contributing_sections=headings(guide) if guide else (),
    )


def _sample_paths(tree: list[str], files: list[FileChange]) -> list[str]:
    """A few existing files per extension that new files in the PR have, spread over the tree."""
    wanted = {posixpath.splitext(f.path)[1] for f in files if f.status == FileStatus.ADDED} - {""}
    by_ext: dict[str, list[str]] = defaultdict(list)
    for path in tree:
        ext = posixpath.splitext(path)[1]
        if ext in wanted:
            by_ext[ext].append(path)
    picks = []
    for paths in by_ext.values():
        step = max(1, len(paths) // SAMPLES_PER_TYPE)
        picks.extend(paths[::step][:SAMPLES_PER_TYPE])
    return picks
