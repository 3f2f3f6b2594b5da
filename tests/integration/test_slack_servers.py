"""The fake Slack is faithful enough for the real clients: slack_sdk's WebClient, a slack_bolt
App served over HTTP (WSGI) with signed requests, and Bolt's Socket Mode handler on the builtin
client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import (
    BoltWsgiServer,
    SlackHttpClient,
    block_action_payload,
    event_callback_payload,
    view_submission_payload,
)
from tests.servers.slack_socket import FakeSocketModeServer

SECRET = "test-signing-secret"
CHANNEL = "C0TEAM"


@pytest.fixture
def web(slack_api: FakeSlackApi) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack_api.url)


def _app(api: FakeSlackApi) -> App:
    """A Bolt app whose WebClient talks to the fake (the client's token is the bot token)."""
    app = App(
        client=WebClient(token="xoxb-test", base_url=api.url),
        signing_secret=SECRET,
        token_verification_enabled=False,
    )

    @app.command("/triage")
    def triage(ack: Ack, command: dict[str, Any], say: Say) -> None:
        ack(f"on it: {command['text']}")
        say(text=f"triage requested by <@{command['user_id']}>", channel=command["channel_id"])

    @app.event("message")
    def message(event: dict[str, Any], say: Say) -> None:
        say(text=f"echo: {event['text']}", thread_ts=event["ts"])

    @app.action("assign")
    def assign(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text=f"assigned to {body['actions'][0]['value']}",
        )

    @app.view("close_ticket")
    def close_ticket(ack: Ack, view: dict[str, Any]) -> None:
        reason = view["state"]["values"]["reason"]["text"]["value"]
        if not reason:
            ack(response_action="errors", errors={"reason": "say why"})
            return
        ack()

    return app


@pytest.fixture
def bolt_http(slack_api: FakeSlackApi) -> Iterator[SlackHttpClient]:
    with BoltWsgiServer(_app(slack_api)) as server:
        yield SlackHttpClient(server.url, SECRET)


# -- Web API -------------------------------------------------------------------------------


def test_auth_test_answers_as_the_bot(web: WebClient, slack_api: FakeSlackApi) -> None:
    answer = web.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0TEST", "U0BOT", "B0BOT")
    [call] = slack_api.calls("auth.test")
    assert call.token == "xoxb-test"
    assert call.headers["Authorization"] == "Bearer xoxb-test"


def test_post_message_then_update_it(web: WebClient, slack_api: FakeSlackApi) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*new ticket*"}}]
    first = web.chat_postMessage(channel=CHANNEL, text="new ticket", blocks=blocks)
    reply = web.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=first["ts"])
    assert first["ts"] == "1700000000.000100"
    assert float(reply["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    assert reply["message"]["thread_ts"] == first["ts"]

    updated = web.chat_update(channel=CHANNEL, ts=first["ts"], text="taken")
    assert (updated["channel"], updated["ts"], updated["text"]) == (CHANNEL, first["ts"], "taken")
    # slack_sdk sends chat.* as JSON: blocks arrive decoded, and Call.json passes them through.
    assert slack_api.calls("chat.postMessage")[0].json("blocks") == blocks


def test_form_encoded_json_fields_stay_strings(web: WebClient, slack_api: FakeSlackApi) -> None:
    blocks = [{"type": "divider"}]
    web.api_call(
        "chat.postMessage",
        params={"channel": CHANNEL, "text": "x", "blocks": '[{"type": "divider"}]'},
    )
    [call] = slack_api.calls("chat.postMessage")
    assert call.params["blocks"] == '[{"type": "divider"}]'
    assert call.json("blocks") == blocks


def test_message_errors_are_http_200_with_ok_false(web: WebClient) -> None:
    with pytest.raises(SlackApiError) as missing_channel:
        web.chat_postMessage(channel="", text="x")
    with pytest.raises(SlackApiError) as unknown_ts:
        web.chat_update(channel=CHANNEL, ts="1.000001", text="x")
    assert missing_channel.value.response.status_code == 200
    assert missing_channel.value.response["error"] == "channel_not_found"
    assert unknown_ts.value.response["error"] == "message_not_found"


def test_views_and_directory_lookups(web: WebClient, slack_api: FakeSlackApi) -> None:
    slack_api.usergroups = {"S0SUPPORT": ["U0AGENT"]}
    slack_api.channel_members = {CHANNEL: ["U0AGENT", "U0BOT"]}
    slack_api.users = {"U0AGENT": {"real_name": "Ann Agent", "profile": {"email": "ann@x.test"}}}

    home = web.views_publish(user_id="U0AGENT", view={"type": "home", "blocks": []})
    modal = web.views_open(trigger_id="trig-1", view={"type": "modal", "callback_id": "c"})
    again = web.views_update(view_id=modal["view"]["id"], view={"type": "modal", "blocks": []})
    assert home["view"]["id"] != modal["view"]["id"] == again["view"]["id"]
    assert modal["view"]["callback_id"] == "c"

    assert web.usergroups_users_list(usergroup="S0SUPPORT")["users"] == ["U0AGENT"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        web.usergroups_users_list(usergroup="S0NOPE")
    assert web.conversations_members(channel=CHANNEL)["members"] == ["U0AGENT", "U0BOT"]
    agent = web.users_info(user="U0AGENT")["user"]
    assert (agent["real_name"], agent["profile"]["email"]) == ("Ann Agent", "ann@x.test")
    assert agent["profile"]["display_name"] == "u0agent"  # the default is kept
    assert web.users_info(user="U0OTHER")["user"]["profile"]["email"] == "u0other@example.test"

    posted = web.chat_postMessage(channel=CHANNEL, text="x")
    link = web.chat_getPermalink(channel=CHANNEL, message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/{CHANNEL}/p1700000000000100")
    assert web.chat_postEphemeral(channel=CHANNEL, user="U0AGENT", text="psst")["message_ts"]


def test_unknown_methods_are_refused_but_recorded(web: WebClient, slack_api: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError, match="unknown_method"):
        web.api_call("triage.nonsense", json={"a": 1})
    assert slack_api.calls("triage.nonsense")[0].params == {"a": 1}


def test_tokens_are_checked(slack_api: FakeSlackApi) -> None:
    cases = {
        "not_authed": WebClient(base_url=slack_api.url),
        "invalid_auth": WebClient(token="xoxp-user", base_url=slack_api.url),
        "not_allowed_token_type": WebClient(token="xapp-app", base_url=slack_api.url),
    }
    for error, client in cases.items():
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=CHANNEL, text="x")
        assert raised.value.response["error"] == error
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(token="xoxb-test", base_url=slack_api.url).apps_connections_open(
            app_token="xoxb-test"
        )
    assert [c.token for c in slack_api.calls()] == [None, "xoxp-user", "xapp-app", "xoxb-test"]


def test_rate_limit_is_a_429_with_retry_after(web: WebClient, slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel=CHANNEL, text="x")
    response = raised.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    assert web.chat_postMessage(channel=CHANNEL, text="x")["ok"]  # only the next call failed
    assert [c.failed_status for c in slack_api.calls("chat.postMessage")] == [429, None]


def test_rate_limit_retry_handler_retries(slack_api: FakeSlackApi) -> None:
    web = WebClient(
        token="xoxb-test",
        base_url=slack_api.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    # The handler sleeps Retry-After plus a random 0..1 s, so 0 keeps this test short.
    slack_api.fail_next("chat.postMessage", status=429, times=1, retry_after=0)
    assert web.chat_postMessage(channel=CHANNEL, text="x")["ok"]
    assert [c.failed_status for c in slack_api.calls("chat.postMessage")] == [429, None]


def test_server_error_is_surfaced_and_retried_on_request(slack_api: FakeSlackApi) -> None:
    plain = WebClient(token="xoxb-test", base_url=slack_api.url)
    slack_api.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as raised:
        plain.chat_postMessage(channel=CHANNEL, text="x")
    assert raised.value.response.status_code == 500

    retrying = WebClient(
        token="xoxb-test", base_url=slack_api.url, retry_handlers=[ServerErrorRetryHandler()]
    )
    slack_api.reset()
    slack_api.fail_next("chat.postMessage", status=503)
    assert retrying.chat_postMessage(channel=CHANNEL, text="x")["ok"]
    assert [c.failed_status for c in slack_api.calls("chat.postMessage")] == [503, None]


def test_wait_for_blocks_until_the_call_and_times_out_without(
    web: WebClient, slack_api: FakeSlackApi
) -> None:
    poster = threading.Thread(target=web.chat_postMessage, kwargs={"channel": "C1", "text": "x"})
    poster.start()
    [call] = slack_api.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C1")
    poster.join()
    assert call.params["text"] == "x"

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"expected 2 matching chat.postMessage(.|\n)*C1"):
        slack_api.wait_for("chat.postMessage", count=2, timeout=0.2)
    assert time.monotonic() - started >= 0.2


# -- HTTP mode through Bolt ----------------------------------------------------------------


def test_signed_command_is_acked_and_the_listener_posts(
    bolt_http: SlackHttpClient, slack_api: FakeSlackApi
) -> None:
    answer = bolt_http.command("/triage", "printer on fire", user_id="U0CUSTOMER")
    assert answer.status == 200
    assert answer.text == "on it: printer on fire"
    [post] = slack_api.wait_for("chat.postMessage")
    # say() adds the team_id of the request to what the listener passed.
    assert post.params == {
        "channel": CHANNEL,
        "text": "triage requested by <@U0CUSTOMER>",
        "team_id": "T0TEST",
    }
    assert slack_api.calls("auth.test"), "Bolt authorizes through auth.test"


def test_bad_or_stale_signatures_get_401(
    bolt_http: SlackHttpClient, slack_api: FakeSlackApi
) -> None:
    bad = bolt_http.command("/triage", "x", user_id="U0CUSTOMER", signature="v0=" + "0" * 64)
    stale = bolt_http.command(
        "/triage", "x", user_id="U0CUSTOMER", timestamp=int(time.time()) - 600
    )
    unsigned = bolt_http.raw(
        b"command=%2Ftriage", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (bad.status, stale.status, unsigned.status) == (401, 401, 401)
    assert slack_api.calls() == []  # refused before authorization or any listener


def test_events_reach_the_listener_retries_included(
    bolt_http: SlackHttpClient, slack_api: FakeSlackApi
) -> None:
    event = {"type": "message", "channel": CHANNEL, "user": "U0CUSTOMER", "text": "hi", "ts": "5.1"}
    assert bolt_http.event(event, event_id="Ev1").status == 200
    assert bolt_http.event(event, event_id="Ev1", retry_num=1).status == 200
    # Bolt does not dedupe a retried event_id: both deliveries run the listener.
    posts = slack_api.wait_for("chat.postMessage", count=2)
    assert [p.params["thread_ts"] for p in posts] == ["5.1", "5.1"]


def test_button_click_and_view_submission_reach_their_listeners(
    bolt_http: SlackHttpClient, web: WebClient, slack_api: FakeSlackApi
) -> None:
    ticket = web.chat_postMessage(channel=CHANNEL, text="new ticket")
    click = block_action_payload("assign", "U0AGENT", user_id="U0AGENT", message_ts=ticket["ts"])
    assert bolt_http.action(click).status == 200
    [update] = slack_api.wait_for("chat.update")
    assert (update.params["ts"], update.params["text"]) == (ticket["ts"], "assigned to U0AGENT")

    empty = {"reason": {"text": {"type": "plain_text_input", "value": ""}}}
    refused = bolt_http.view_submission(
        view_submission_payload("close_ticket", "T-1", empty, "U0A")
    )
    assert refused.status == 200
    assert refused.json() == {"response_action": "errors", "errors": {"reason": "say why"}}
    filled = {"reason": {"text": {"type": "plain_text_input", "value": "fixed"}}}
    accepted = bolt_http.view_submission(
        view_submission_payload("close_ticket", "T-1", filled, "U0A")
    )
    assert (accepted.status, accepted.body) == (200, b"")


# -- Socket Mode ---------------------------------------------------------------------------


def test_socket_mode_handler_gets_an_event_and_acks_it(
    slack_api: FakeSlackApi, slack_socket: FakeSocketModeServer
) -> None:
    app = _app(slack_api)
    # The handler's SocketModeClient uses app.client for apps.connections.open (with the
    # app token as an argument), so the fake's base_url comes along without extra set-up.
    handler = SocketModeHandler(app, app_token="xapp-test")
    hello = threading.Event()
    handler.client.message_listeners.append(
        lambda _client, message, _raw: hello.set() if message.get("type") == "hello" else None
    )
    try:
        handler.connect()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        slack_socket.wait_connected()
        [opened] = slack_api.calls("apps.connections.open")
        assert opened.token == "xapp-test"
        assert hello.wait(5), "the client did not see the hello message"

        event = {"type": "message", "channel": CHANNEL, "user": "U0C", "text": "hi", "ts": "6.1"}
        envelope_id = slack_socket.send_envelope(
            "events_api", event_callback_payload(event, event_id="Ev2")
        )
        assert slack_socket.wait_ack(envelope_id) == {"envelope_id": envelope_id}
        [post] = slack_api.wait_for("chat.postMessage")
        assert (post.params["text"], post.params["thread_ts"]) == ("echo: hi", "6.1")

        command = {"command": "/triage", "text": "help", "user_id": "U0C", "channel_id": CHANNEL}
        envelope_id = slack_socket.send_envelope(
            "slash_commands", command, accepts_response_payload=True
        )
        ack = slack_socket.wait_ack(envelope_id)
        assert ack["payload"] == {"text": "on it: help"}
        slack_api.wait_for("chat.postMessage", count=2)  # the command's say(), before closing
    finally:
        started = time.monotonic()
        handler.close()  # type: ignore[no-untyped-call]
    slack_socket.wait_disconnected()
    # Without the server's pings, close() waits out the client's 3 s receive timeout.
    assert time.monotonic() - started < 2.5
