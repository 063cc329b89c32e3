"""A fake GitHub REST API over real HTTP, for real PyGithub: see server.py and fixtures.py."""

from tests.fakegithub.faults import Fault
from tests.fakegithub.seed import make_files
from tests.fakegithub.server import Call, FakeGitHub

__all__ = ["Call", "FakeGitHub", "Fault", "make_files"]
