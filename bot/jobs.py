"""What the webhook receiver asks the worker to do: small, id-only job descriptions.

Jobs cross the broker as plain dicts (`as_message()`), never as PyGithub objects or payloads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Job:
    """Base of every job: which installation and delivery it came from."""

    kind: ClassVar[str] = "job"
    installation_id: int
    delivery_id: str

    def as_message(self) -> dict[str, Any]:
        """The JSON-safe dict sent through the broker."""
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True, slots=True)
class ReviewJob(Job):
    """Review pull request `number` of `repo` at `head_sha` (None: whatever the head is now).

    `reason` is the event that asked for it (`pull_request.opened`, `check_run.rerequested`, …).
    """

    kind: ClassVar[str] = "review"
    repo: str
    number: int
    head_sha: str | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CommandJob(Job):
    """Handle a `/steward ...` comment (comment id only; the worker reads it)."""

    kind: ClassVar[str] = "command"
    repo: str
    number: int
    comment_id: int


@dataclass(frozen=True, slots=True)
class ConfigChangedJob(Job):
    """`.github/steward.yml` changed on `repo`'s default branch: drop cached config."""

    kind: ClassVar[str] = "config-changed"
    repo: str


@dataclass(frozen=True, slots=True)
class InstallationJob(Job):
    """An installation was created, deleted or changed repositories: clear its caches."""

    kind: ClassVar[str] = "installation"
    action: str
    repos: tuple[str, ...] = ()


JOB_TYPES: dict[str, type[Job]] = {
    cls.kind: cls for cls in (ReviewJob, CommandJob, ConfigChangedJob, InstallationJob)
}


def from_message(message: dict[str, Any]) -> Job:
    """Rebuild a job from `as_message()` output."""
    data = dict(message)
    cls = JOB_TYPES[data.pop("kind")]
    if "repos" in data:
        data["repos"] = tuple(data["repos"])
    return cls(**data)
