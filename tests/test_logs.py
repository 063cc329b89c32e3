"""Structured logs: one JSON object per line, job ids attached, no secrets anywhere."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"
TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl"


@pytest.fixture
def captured():
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logs.configure("INFO", json_lines=True, stream=stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logs.unbind_job()


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_becomes_one_json_line_with_its_extra_fields(captured):
    fields = {"delivery": "d1", "event": "pull_request", "status": 202}
    logging.getLogger("steward.web").info("webhook", extra=fields)
    (line,) = lines(captured)
    assert line["msg"] == "webhook" and line["event"] == "pull_request"
    assert line["delivery"] == "d1" and line["status"] == 202
    assert line["level"] == "info" and line["logger"] == "steward.web" and "ts" in line


def test_job_ids_are_attached_to_every_line_until_unbound(captured):
    logs.bind_job(
        {"kind": "review", "delivery_id": "d9", "installation_id": 7, "repo": "a/b",
         "number": 5, "head_sha": "c" * 40}
    )  # fmt: skip
    logging.getLogger("bot.service").info("job done")
    logs.unbind_job()
    logging.getLogger("bot.service").info("idle")
    first, second = lines(captured)
    assert (first["delivery"], first["installation"], first["repo"]) == ("d9", 7, "a/b")
    assert (first["pr"], first["head"], first["job"]) == (5, "c" * 40, "review")
    assert "delivery" not in second


@pytest.mark.parametrize(
    ("message", "extra"),
    [
        (f"token {TOKEN} minted", {}),
        ("key loaded", {"private_key": PEM}),
        ("key text", {"detail": f"bad key: {PEM}"}),
        ("jwt", {"auth": f"Bearer {JWT}"}),
        ("headers", {"headers": {"Authorization": f"token {TOKEN}", "x-github-request-id": "R1"}}),
        ("nested", {"job": {"args": [TOKEN]}}),
    ],
)
def test_secrets_never_reach_the_log(captured, message, extra):
    logging.getLogger("steward").warning(message, extra=extra)
    text = captured.getvalue()
    for secret in (TOKEN, JWT, "MIIEowIBAAKCAQEA7"):
        assert secret not in text
    assert logs.REDACTED in text


def test_exceptions_are_rendered_inside_the_json_line(captured):
    try:
        raise RuntimeError(f"GitHub answered 502 with {TOKEN}")
    except RuntimeError:
        logging.getLogger("steward").exception("review failed")
    (line,) = lines(captured)
    assert "RuntimeError" in line["exception"] and TOKEN not in line["exception"]
