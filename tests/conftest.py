"""Shared fixtures: paths of the repository and a clean TRIAGE_* environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.servers.fixtures",
    "tests.servers.slack_fixtures",
    "tests.servers.store_fixtures",
]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings come from files in tests, never from the developer's TRIAGE_* variables."""
    for name in list(os.environ):
        if name.startswith("TRIAGE_"):
            monkeypatch.delenv(name)
    yield
