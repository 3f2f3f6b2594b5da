"""Socket Mode: the app connects out to Slack over a websocket, so no public URL is needed.

slack_sdk's builtin client (no extra dependency) reconnects by itself; its Web API calls
(apps.connections.open) go to the configured base URL like every other call.
"""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.settings import SlackSettings


def connect_socket_mode(app: App, settings: SlackSettings, client: WebClient) -> SocketModeHandler:
    """Open the Socket Mode connection (returns at once; `close()` ends it)."""
    handler = SocketModeHandler(
        app, app_token=settings.app_token.get_secret_value(), web_client=client
    )
    handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it untyped
    return handler
