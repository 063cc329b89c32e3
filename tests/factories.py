"""Builders for pull-request snapshots in tests: short to write, realistic by default."""

from __future__ import annotations

from bot.snapshot import (
    Association,
    Commit,
    FileChange,
    FileStatus,
    PullRequest,
    RepoContext,
    TextFile,
)


def patch_of(added: list[str] | None = None, removed: list[str] | None = None) -> str:
    """A unified-diff hunk (GitHub's `patch` field) with these removed and added lines."""
    added = added or []
    removed = removed or []
    header = f"@@ -1,{len(removed)} +1,{len(added)} @@"
    body = [f"-{line}" for line in removed] + [f"+{line}" for line in added]
    return "\n".join([header, *body])


def file(
    path: str,
    added: list[str] | int | None = None,
    removed: list[str] | int | None = None,
    *,
    status: str | FileStatus | None = None,
    patch: str | bool | None = True,
    previous_path: str | None = None,
    binary: bool = False,
    size: int | None = None,
) -> FileChange:
    """A changed file. `added`/`removed` are lines, or a count of placeholder lines.

    `patch=True` builds the patch from the lines; `patch=None` means GitHub omitted it.
    `status` defaults to "added" when nothing is removed and lines are given as a list,
    else "modified".
    """
    add_lines = [f"x = {i}" for i in range(added)] if isinstance(added, int) else (added or [])
    rem_lines = (
        [f"y = {i}" for i in range(removed)] if isinstance(removed, int) else (removed or [])
    )
    if status is None:
        status = FileStatus.MODIFIED if rem_lines else FileStatus.ADDED
    text = patch_of(add_lines, rem_lines) if patch is True else (patch or None)
    if binary:
        text = None
    return FileChange(
        path=path,
        status=FileStatus(status),
        additions=len(add_lines),
        deletions=len(rem_lines),
        patch=text,
        previous_path=previous_path,
        binary=binary,
        size=size,
    )


def pr(
    *files: FileChange,
    title: str = "Add a feature",
    body: str = "This adds a feature.\n\nTested with `pytest`.",
    number: int = 42,
    association: str | Association = Association.CONTRIBUTOR,
    author: str = "octocat",
    labels: tuple[str, ...] = (),
    commits: tuple[Commit, ...] = (),
    attributes: dict[str, str] | None = None,
    header_samples: dict[str, str] | None = None,
    pr_template: str | None = None,
    contributing_path: str | None = "CONTRIBUTING.md",
    full_name: str = "acme/ml",
    draft: bool = False,
) -> PullRequest:
    """A pull request with these files. `attributes` maps .gitattributes paths to their text."""
    repo = RepoContext(
        full_name=full_name,
        attributes=tuple(TextFile(p, t) for p, t in (attributes or {}).items()),
        header_samples=tuple(TextFile(p, t) for p, t in (header_samples or {}).items()),
        contributing_path=contributing_path,
        pr_template=pr_template,
        html_url=f"https://github.com/{full_name}",
    )
    return PullRequest(
        number=number,
        title=title,
        body=body,
        draft=draft,
        author=author,
        association=Association(association),
        labels=labels,
        base_ref="main",
        base_sha="a" * 40,
        head_ref="feature",
        head_sha="b" * 40,
        commits=commits or (Commit(sha="c" * 40, message=title, author_login=author),),
        files=tuple(files),
        repo=repo,
    )
