"""The App's settings, from `STEWARD_*` environment variables, validated at start-up.

Settings are built once by the command that starts a process (`steward serve`, `steward
worker`) and injected from there; nothing reads the environment at import time. A missing or
bad value stops start-up with one line per problem saying which variable and what it is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HELP = {
    "app_id": "the GitHub App's numeric id (App settings page, 'App ID')",
    "private_key": "the App's private key, PEM text (or set STEWARD_PRIVATE_KEY_PATH)",
    "webhook_secret": "the webhook secret set on the App (used to verify X-Hub-Signature-256)",
    "github_api_url": "GitHub's REST API root, e.g. https://ghe.example.com/api/v3",
    "broker_url": "the Celery broker, e.g. redis://127.0.0.1:6379/0",
    "redis_url": "Redis for dedupe, locks and caches (defaults to the broker's Redis)",
    "queue": "the Celery queue the receiver fills and the workers consume",
    "task_time_limit": "seconds a review may run before the worker stops it",
    "visibility_timeout": "seconds before the broker hands an unacknowledged job to another worker",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "log_format": "json (one object per line) or text",
    "shutdown_grace_seconds": "how long SIGTERM waits for in-flight requests",
    "metrics_port": "the worker's Prometheus port (the web app serves /metrics itself)",
}


class SettingsError(ValueError):
    """Start-up settings are missing or invalid; the message lists each problem."""


class Settings(BaseSettings):
    """Everything a Steward process needs to know about its deployment."""

    model_config = SettingsConfigDict(env_prefix="STEWARD_", extra="ignore", frozen=True)

    app_id: int
    private_key: SecretStr | None = None
    private_key_path: Path | None = None
    webhook_secret: SecretStr
    github_api_url: str = "https://api.github.com"
    broker_url: str = "redis://127.0.0.1:6379/0"
    redis_url: str | None = None
    max_body_bytes: int = Field(25 * 1024 * 1024, gt=0)
    delivery_ttl_seconds: int = Field(3 * 24 * 3600, ge=3 * 24 * 3600)
    task_time_limit: int = Field(300, gt=0)
    visibility_timeout: int = Field(3600, gt=0)
    max_attempts: int = Field(6, ge=1, le=20)
    app_url: str = ""
    queue: str = "steward"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    shutdown_grace_seconds: int = Field(25, ge=1, le=600)
    metrics_port: int | None = Field(None, ge=1, le=65535)

    @model_validator(mode="after")
    def _timeouts(self) -> Settings:
        # a job still running when the broker's visibility timeout ends is handed to a second
        # worker: the time limit must end it well before that
        if self.task_time_limit + 30 > self.visibility_timeout:
            raise ValueError(
                "STEWARD_VISIBILITY_TIMEOUT must exceed STEWARD_TASK_TIME_LIMIT by at least 30 s"
            )
        return self

    @model_validator(mode="after")
    def _key(self) -> Settings:
        if self.private_key is None and self.private_key_path is None:
            raise ValueError("set STEWARD_PRIVATE_KEY (PEM text) or STEWARD_PRIVATE_KEY_PATH")
        if self.private_key is None and not Path(self.private_key_path).is_file():
            raise ValueError(f"STEWARD_PRIVATE_KEY_PATH: no such file: {self.private_key_path}")
        return self

    @property
    def api_url(self) -> str:
        """The API root without a trailing slash."""
        return self.github_api_url.rstrip("/")

    @property
    def store_url(self) -> str:
        """The Redis used for dedupe, locks and caches."""
        return self.redis_url or self.broker_url

    def private_key_pem(self) -> str:
        """The PEM text of the App's private key (never logged)."""
        if self.private_key is not None:
            return self.private_key.get_secret_value().replace("\\n", "\n")
        return Path(self.private_key_path).read_text(encoding="utf-8")


def load(**overrides) -> Settings:
    """Build Settings from the environment (and overrides); raise SettingsError when invalid."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            field = str(err["loc"][0]) if err["loc"] else ""
            var = f"STEWARD_{field.upper()}" if field else "settings"
            if err["type"] == "missing":
                lines.append(f"{var} is not set: {HELP.get(field, 'required')}")
            else:
                lines.append(f"{var}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("\n".join(lines)) from None
