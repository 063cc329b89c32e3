"""Frozen, PyGithub-free snapshot of a pull request and the bits of its repository checks need.

Everything a check may look at lives here, so checks stay pure functions: no I/O, no clients.
The GitHub gateway and the local-git reader (`bot.gitlocal`) both produce these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Association(StrEnum):
    """GitHub's `author_association` values."""

    FIRST_TIME_CONTRIBUTOR = "FIRST_TIME_CONTRIBUTOR"
    FIRST_TIMER = "FIRST_TIMER"
    CONTRIBUTOR = "CONTRIBUTOR"
    MEMBER = "MEMBER"
    OWNER = "OWNER"
    COLLABORATOR = "COLLABORATOR"
    MANNEQUIN = "MANNEQUIN"
    NONE = "NONE"

    @property
    def is_first_time(self) -> bool:
        """True for people opening their first pull request here (or on GitHub)."""
        return self in (Association.FIRST_TIME_CONTRIBUTOR, Association.FIRST_TIMER)

    @property
    def is_maintainer(self) -> bool:
        """True for owners, members and collaborators."""
        return self in (Association.OWNER, Association.MEMBER, Association.COLLABORATOR)

    @property
    def tier(self) -> str:
        """`first-time`, `maintainer` or `contributor` (the keys of a rule's `tiers:`)."""
        if self.is_first_time:
            return "first-time"
        return "maintainer" if self.is_maintainer else "contributor"


class FileStatus(StrEnum):
    """The `status` of a file in GitHub's pull-request files listing."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"
    COPIED = "copied"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Commit:
    """One commit of the pull request."""

    sha: str
    message: str
    author_name: str = ""
    author_email: str = ""
    author_login: str | None = None


@dataclass(frozen=True, slots=True)
class FileChange:
    """One changed file. `patch` is None when GitHub omits it (binary or too large)."""

    path: str
    status: FileStatus = FileStatus.MODIFIED
    additions: int = 0
    deletions: int = 0
    patch: str | None = None
    previous_path: str | None = None
    binary: bool = False
    size: int | None = None  # size in bytes of the head version, when known

    @property
    def changes(self) -> int:
        """Lines added plus lines deleted."""
        return self.additions + self.deletions

    def added_lines(self) -> list[str]:
        """The added lines of the patch, without their leading '+', in order."""
        if not self.patch:
            return []
        return [
            line[1:]
            for line in self.patch.split("\n")
            if line.startswith("+") and not line.startswith("+++")
        ]


@dataclass(frozen=True, slots=True)
class TextFile:
    """A small text file (or its head) read from the base branch."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class RepoContext:
    """What checks may know about the repository at the base of the pull request.

    - `attributes`: every `.gitattributes` file on the base branch (path and text).
    - `header_samples`: the first lines of existing source files on the base branch, used by
      `license-header` to learn the project's convention. May be empty.
    - `contributing_path`: where the CONTRIBUTING guide lives, when there is one.
    - `pr_template`: the pull-request template text, when the repository has one.
    """

    full_name: str = ""
    default_branch: str = "main"
    attributes: tuple[TextFile, ...] = ()
    header_samples: tuple[TextFile, ...] = ()
    contributing_path: str | None = None
    pr_template: str | None = None
    html_url: str = ""
    contributing_sections: tuple[str, ...] = ()  # the guide's headings, when it was read


@dataclass(frozen=True, slots=True)
class LinkedIssue:
    """What GitHub says about an issue or pull request that the description links (App only).

    `repo` is `owner/name` (lower case); `exists` is False when GitHub answered 404.
    `maintainer_commented`: someone with association OWNER, MEMBER or COLLABORATOR commented.
    """

    repo: str
    number: int
    exists: bool = True
    is_pull: bool = False
    state: str = "open"
    labels: tuple[str, ...] = ()
    maintainer_commented: bool = False


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request as the checks see it."""

    number: int
    title: str
    body: str = ""
    draft: bool = False
    author: str = ""
    association: Association = Association.NONE
    labels: tuple[str, ...] = ()
    base_ref: str = "main"
    base_sha: str = ""
    head_ref: str = ""
    head_sha: str = ""
    commits: tuple[Commit, ...] = ()
    files: tuple[FileChange, ...] = ()
    repo: RepoContext = field(default_factory=RepoContext)
    created_at: str | None = None  # ISO 8601, used by dated rollouts
    # the linked issues as GitHub describes them; None when nobody looked them up (offline)
    linked: tuple[LinkedIssue, ...] | None = None

    @property
    def changed_lines(self) -> int:
        """Total additions plus deletions over all files."""
        return sum(f.additions + f.deletions for f in self.files)


def to_dict(pr: PullRequest) -> dict:
    """A JSON-ready dict of the snapshot (the format of `steward check --snapshot`)."""
    from dataclasses import asdict

    return asdict(pr)


def from_dict(data: dict) -> PullRequest:
    """Rebuild a snapshot from `to_dict` output (unknown keys are an error)."""
    repo = data.get("repo") or {}
    return PullRequest(
        **{
            **{
                k: v
                for k, v in data.items()
                if k not in ("repo", "files", "commits", "labels", "linked")
            },
            "linked": None
            if data.get("linked") is None
            else tuple(
                LinkedIssue(**{**x, "labels": tuple(x.get("labels", ()))}) for x in data["linked"]
            ),
            "association": Association(data.get("association", "NONE")),
            "labels": tuple(data.get("labels", ())),
            "commits": tuple(Commit(**c) for c in data.get("commits", ())),
            "files": tuple(
                FileChange(**{**f, "status": FileStatus(f.get("status", "modified"))})
                for f in data.get("files", ())
            ),
            "repo": RepoContext(
                **{
                    **{k: v for k, v in repo.items() if k not in ("attributes", "header_samples")},
                    "attributes": tuple(TextFile(**t) for t in repo.get("attributes", ())),
                    "header_samples": tuple(TextFile(**t) for t in repo.get("header_samples", ())),
                    "contributing_sections": tuple(repo.get("contributing_sections", ())),
                }
            ),
        }
    )
