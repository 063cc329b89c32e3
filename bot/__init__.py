"""Steward: a GitHub App that helps ML projects receive pull requests they can merge."""

__version__ = "0.1.0"
