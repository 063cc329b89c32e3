"""Shared fixtures: a real Redis (started here when none answers) and the fake GitHub."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

pytest_plugins = ["tests.fakegithub.fixtures"]  # the one fake GitHub: fake_github

DEFAULT_REDIS = ("127.0.0.1", 6379)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL: the machine's Redis when it answers, else a redis-server started here."""
    configured = os.environ.get("STEWARD_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    if _answers(*DEFAULT_REDIS):
        yield "redis://127.0.0.1:6379"
        return
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail("no Redis answers on 127.0.0.1:6379 and redis-server is not installed")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _answers("127.0.0.1", port):
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def redis_client(redis_server):
    """A Redis client on a database of its own, flushed before and after the test."""
    import redis

    client = redis.Redis.from_url(redis_server, db=13)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
