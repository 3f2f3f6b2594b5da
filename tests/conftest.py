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


# Switches the text model off (bot/settings.py TextModelSettings), for tests of what the rules
# decide on their own.
RULES_ALONE = "TRIAGE_TEXT_MODEL__ENABLED"


@pytest.fixture
def rules_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules decide alone (set after `_clean_environment`, which runs first): for tests
    of what an edit of the rule files changes on its own. With the text model an edit
    changes only what the model does not decide (test_rules_diff.py,
    `test_with_the_text_model_...`)."""
    monkeypatch.setenv(RULES_ALONE, "false")
