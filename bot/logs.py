"""Structured JSON logs for the web receiver and the worker, with secrets scrubbed.

`configure()` routes every stdlib log record (ours, uvicorn's, Celery's) through structlog's
`ProcessorFormatter`: one JSON object per line with the record's `extra` fields, the fields
bound for the current job (`bind_job`: delivery id, installation, repo, pull request, head
SHA) and ISO timestamps. Anything that looks like a credential — installation tokens, JWTs,
PEM private keys, `Authorization` headers, fields named like secrets — is replaced with
`[redacted]` before it is written, wherever it appears in the line.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

REDACTED = "[redacted]"
SECRET_KEYS = re.compile(r"(?i)(token|secret|password|private_key|authorization|jwt|pem)")
SECRET_VALUES = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)"
    r"|\bgh[pousr]_[A-Za-z0-9_]{20,}"
    r"|\bgithub_pat_[A-Za-z0-9_]{20,}"
    r"|\bv1\.[0-9a-f]{40}\b"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|(?i:\b(?:bearer|token)\s+)[A-Za-z0-9._-]{16,}",
    re.DOTALL,
)


def scrub(value: Any) -> Any:
    """`value` with credentials replaced, recursing into dicts, lists and tuples."""
    if isinstance(value, str):
        return SECRET_VALUES.sub(REDACTED, value)
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and SECRET_KEYS.search(k) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def _scrub_event(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    return scrub(event)


def _drop_noise(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in ("_record", "_from_structlog", "color_message"):
        event.pop(key, None)
    return event


def formatter(json_lines: bool = True) -> logging.Formatter:
    """The formatter every handler uses: JSON (production) or key=value (a terminal)."""
    pre_chain = [
        # the message goes under "msg" first, so an `extra={"event": ...}` field (GitHub's
        # event name) cannot overwrite it
        structlog.processors.EventRenamer("msg"),
        merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
        structlog.processors.format_exc_info,
    ]
    renderer = (
        structlog.processors.JSONRenderer(default=str)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_noise,
            _scrub_event,
            renderer,
        ],
    )


def configure(level: str | int = "INFO", json_lines: bool = True, stream=None) -> None:
    """Send all logging to one handler on `stream` (stderr) in the structured format."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(json_lines))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        child = logging.getLogger(name)
        child.handlers.clear()
        child.propagate = True


def bind_job(message: dict[str, Any]) -> None:
    """Bind a job's ids to every log line until the next job (`message` = Job.as_message())."""
    clear_contextvars()
    fields = {
        "delivery": message.get("delivery_id"),
        "installation": message.get("installation_id"),
        "repo": message.get("repo"),
        "pr": message.get("number"),
        "head": message.get("head_sha"),
        "job": message.get("kind"),
    }
    bind_contextvars(**{k: v for k, v in fields.items() if v is not None})


def unbind_job() -> None:
    """Forget the ids bound by `bind_job`."""
    clear_contextvars()
