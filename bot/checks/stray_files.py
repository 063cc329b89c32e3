"""stray-files: OS and editor debris, caches, private keys and `.env` files stay out of git.

Debris is matched by path (`debris` globs); secrets by path (`secrets` globs) and by content:
an added line that starts a PEM private key. The finding names each file, asks to remove it
(`git rm --cached`) and gives the `.gitignore` lines that keep it out for good. Secrets are
reported as failures by default: a key in a public pull request must be rotated.
"""

from __future__ import annotations

from pydantic import Field

from bot.checks._base import RuleSettings
from bot.findings import Finding, Severity
from bot.patterns import Glob, GlobGroups
from bot.snapshot import FileStatus, PullRequest

RULE = "stray-files"
PEM = "-----BEGIN "
MAX_LISTED = 10


class Settings(RuleSettings):
    """Keys under `rules.stray-files` (defaults in rules/default.yml)."""

    debris: list[Glob] = Field(
        default_factory=lambda: [
            ".DS_Store", "Thumbs.db", "desktop.ini", "*.swp", "*.swo", "*~", "*.pyc",
            "**/__pycache__/**", "**/.ipynb_checkpoints/**", "**/.idea/**", "**/.vscode/**",
            "**/*.egg-info/**", "**/.pytest_cache/**", "**/.mypy_cache/**", "**/wandb/**",
            "**/mlruns/**", "**/lightning_logs/**",
        ]
    )  # fmt: skip
    secrets: list[Glob] = Field(
        default_factory=lambda: [
            ".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_ed25519", "*.p12", ".netrc",
            "credentials.json", "*.keystore",
        ]
    )  # fmt: skip
    allow: list[Glob] = Field(
        default_factory=lambda: [".env.example", ".env.sample", "**/fixtures/**"]
    )
    secret_severity: Severity = Severity.FAILURE


def check(pr: PullRequest, settings: Settings) -> list[Finding]:
    """One finding for debris (all files together) and one per secret."""
    globs = GlobGroups(debris=settings.debris, secret=settings.secrets, allow=settings.allow)
    debris: list[str] = []
    findings: list[Finding] = []
    for f in pr.files:
        kinds = globs.groups(f.path)
        if f.status == FileStatus.REMOVED or "allow" in kinds:
            continue
        key_line = _private_key_line(f.patch)
        if "secret" in kinds or key_line:
            findings.append(
                Finding(
                    rule=RULE,
                    severity=settings.secret_severity,
                    kind="secret",
                    facts={"by_content": bool(key_line) and "secret" not in kinds},
                    path=f.path,
                    line=key_line or 1,
                    suggestion=f'git rm --cached "{f.path}"\necho "{_ignore_line(f.path)}" >> .gitignore',
                )
            )
        elif "debris" in kinds:
            debris.append(f.path)
    if debris:
        ignore = sorted({_ignore_line(p) for p in debris})
        findings.insert(
            0,
            Finding(
                rule=RULE,
                severity=settings.severity,
                kind="debris",
                facts={"paths": debris[:MAX_LISTED], "more": max(0, len(debris) - MAX_LISTED)},
                path=debris[0],
                line=1,
                suggestion="\n".join(
                    [*(f'git rm -r --cached "{p}"' for p in debris[:MAX_LISTED])]
                    + [f'echo "{line}" >> .gitignore' for line in ignore]
                ),
            ),
        )
    return findings


def _private_key_line(patch: str | None) -> int | None:
    if not patch or PEM not in patch:
        return None
    for i, line in enumerate(patch.split("\n")):
        if line.startswith("+") and PEM in line and "PRIVATE KEY-----" in line:
            return max(1, i)
    return None


def _ignore_line(path: str) -> str:
    """The .gitignore line for a stray path: its cache directory, or its file name."""
    parts = path.split("/")
    for marker in ("__pycache__", ".ipynb_checkpoints", ".idea", ".vscode", ".pytest_cache",
                   ".mypy_cache", "wandb", "mlruns", "lightning_logs"):  # fmt: skip
        if marker in parts:
            return f"{marker}/"
    name = parts[-1]
    if name.endswith((".pyc", ".swp", ".swo")):
        return f"*{name[name.rfind('.') :]}"
    return name
