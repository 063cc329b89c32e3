"""Pytest fixtures for the fake GitHub; register with `pytest_plugins = ["tests.fakegithub.fixtures"]`.

One server per test session (starting it costs ~50 ms, mostly the RSA key); its world, call
log and faults are emptied before each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakegithub.server import FakeGitHub


@pytest.fixture(scope="session")
def fake_github_server() -> Iterator[FakeGitHub]:
    """The running fake, shared by the session (use `fake_github` in tests)."""
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_github(fake_github_server: FakeGitHub) -> FakeGitHub:
    """The fake GitHub, empty at the start of each test: seed it with add_repo/add_pull/..."""
    fake_github_server.reset()
    return fake_github_server
