"""pytest fixtures for the fake Slack: the Web API and the Socket Mode endpoint.

Registered for the whole suite by listing ``"tests.servers.slack_fixtures"`` in
``pytest_plugins`` of tests/conftest.py. Both fakes are pure Python (the stdlib and the
``websockets`` dev dependency), so nothing here skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_socket import FakeSocketModeServer


@pytest.fixture
def slack_api() -> Iterator[FakeSlackApi]:
    """A running fake Web API (``slack_api.url`` is the WebClient base_url), stopped after."""
    api = FakeSlackApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def slack_socket(slack_api: FakeSlackApi) -> Iterator[FakeSocketModeServer]:
    """A running fake Socket Mode endpoint that ``apps.connections.open`` hands out.

    Close the Socket Mode client in the test: if it is still connected at teardown, this
    fixture's close frame makes the client reconnect to an endpoint that is going away.
    """
    server = FakeSocketModeServer()
    server.start()
    slack_api.socket_url = server.url
    try:
        yield server
    finally:
        slack_api.socket_url = None
        server.stop()
