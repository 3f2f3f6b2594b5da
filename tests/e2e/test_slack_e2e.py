"""Issue 4's end-to-end path: an email appended to dovecot becomes a Slack post with buttons
and an acknowledgement email to the reporter (received by the aiosmtpd sink); a team member
clicks "Middel" and gives a reason; the post and the deadlines are updated; the reminder for
the new reaction deadline is sent at its business moment on the simulated clock.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.bootstrap import Paths, load_setup
from app.service import Service
from bot.models import Priority
from bot.store import Store
from tests.conftest import REPO
from tests.integration.email_helpers import Clock, mail, server_env
from tests.integration.slack_helpers import AGENT, SIGNING_SECRET, TEAM, slack_env
from tests.servers.dovecot import Dovecot
from tests.servers.slack_api import FakeSlackApi
from tests.servers.slack_requests import (
    SlackHttpClient,
    block_action_payload,
    view_submission_payload,
)
from tests.servers.smtp import SmtpSink

# Tuesday 24 November 2026, 15:00 in Amsterdam (CET, UTC+1). In the past: dovecot clamps
# an APPEND date in the future to the present.
RECEIVED = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_email_to_slack_post_to_middel_to_reminder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dovecot: Dovecot,
    smtp_sink: SmtpSink,
    slack_api: FakeSlackApi,
) -> None:
    server_env(monkeypatch, dovecot.host, dovecot.port, dovecot.user, dovecot.password, smtp_sink)
    slack_env(monkeypatch, slack_api, widget=False)
    clock = Clock(RECEIVED.replace(minute=1))
    paths = Paths(REPO / "config", REPO / "rules", tmp_path / "triage.db")
    store = Store(paths.db)
    service = Service(load_setup(paths), paths, store, clock)
    port = service.start_slack()
    try:
        # Gemeente Lindendaal's contract needs no phone call (phone_not_required): guaranteed.
        dovecot.append(
            mail(
                "Platform onbereikbaar",
                "Het hele platform is onbereikbaar, niemand kan werken. We krijgen een 500 error.",
                sender="f.elamrani@lindendaal.nl",
                name="Fatima el Amrani",
                message_id="<e2e-1@lindendaal.nl>",
            ),
            internal_date=RECEIVED,
        )
        assert service.run_once().outcomes == {"ticket": 1}
        [ticket] = store.ticket_views()
        assert ticket.received_at == RECEIVED, ticket.received_at
        assert ticket.priority is Priority.HOOG and not ticket.exempt

        posts = slack_api.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == TEAM)
        assert len(posts) == 1, [c.params["text"] for c in posts]
        post = posts[0]
        blocks = post.json("blocks")
        buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert buttons == [
            "confirm",
            "prio_middel",
            "prio_laag",
            "set_category",
            "assign",
            "resolve",
            "outage_start",
            "explain",
        ]
        assert "di 24 nov 15:15" in json.dumps(blocks, ensure_ascii=False)  # Hoog: 15 minutes

        # The reporter's acknowledgement went out through the real SMTP server.
        [ack] = smtp_sink.wait_for(1)
        assert ack.mail_from == "support@dialog.nl"
        assert ack.rcpt_tos == ["f.elamrani@lindendaal.nl"]
        assert ack.message["To"] == "f.elamrani@lindendaal.nl"
        assert ack.message["Subject"] == f"[#{ticket.id}] Platform onbereikbaar"
        assert ack.message["In-Reply-To"] == "<e2e-1@lindendaal.nl>"
        assert ack.message["Auto-Submitted"] == "auto-replied"
        body = ack.message.get_content()
        assert body.startswith("Beste Fatima,")  # the first name, as people write
        assert f"ticket #{ticket.id}" in body
        assert re.search(r"Prioriteit:\s+Hoog\n", body)
        text = " ".join(body.split())  # lines are wrapped at 76 characters
        assert "dinsdag 24 november 2026 om 15:15" in text  # the same deadline as on Slack
        assert "Die reactietijd is gegarandeerd volgens onze SLA." in text
        assert "artikel 4.D" not in body  # guaranteed: no phone-call notice

        # The reporter answers the acknowledgement: the reply lands in the post's thread.
        dovecot.append(
            mail(
                "Re: Platform onbereikbaar",
                "Inmiddels werkt de app weer, alleen de export niet.",
                sender="f.elamrani@lindendaal.nl",
                name="Fatima el Amrani",
                message_id="<e2e-2@lindendaal.nl>",
                headers={"In-Reply-To": "<e2e-1@lindendaal.nl>"},
            ),
            internal_date=RECEIVED.replace(minute=2),
        )
        assert service.run_once().outcomes == {"ticket": 1, "reply": 1}
        [copy] = slack_api.wait_for(
            "chat.postMessage",
            where=lambda c: c.params.get("thread_ts") == post_ts(store, ticket.id),
        )
        assert "alleen de export" in json.dumps(copy.json("blocks"), ensure_ascii=False)
        # The round is over and the bot has hung up on the SMTP server: no second email.
        assert len(smtp_sink.wait_idle()) == 1  # a reply gets no acknowledgement

        # 15:04: Anna clicks [Middel] and gives the reason in the modal.
        clock.now = RECEIVED.replace(minute=4)
        slack = SlackHttpClient(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
        assert (
            slack.action(block_action_payload("prio_middel", str(ticket.id), AGENT)).status == 200
        )
        modal = slack_api.wait_for("views.open")[0].json("view")
        reason = {"reason": {"reason": {"type": "plain_text_input", "value": "Alleen de export"}}}
        answer = slack.view_submission(
            view_submission_payload("prio_reason", modal["private_metadata"], reason, AGENT)
        )
        assert answer.status == 200

        changed = store.ticket_view(ticket.id)
        assert changed.priority is Priority.MIDDEL
        # Middel: one working day from the original receipt, Tue 15:00 -> Wed 15:00.
        assert changed.reaction_due == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
        service.run_once()
        [update] = slack_api.wait_for("chat.update")
        assert update.params["ts"] == post_ts(store, ticket.id)
        text = json.dumps(update.json("blocks"), ensure_ascii=False)
        assert "Middel" in text and "wo 25 nov 15:00" in text

        # The Hoog reminders (15:07:30, ...) were cancelled with the change; the first one for
        # the new deadline is at 50 % of the window: 2 business hours on Tuesday (15-17) and
        # 2 on Wednesday (09-11), so Wednesday 11:00, and not a minute before.
        def reminders() -> list[str]:
            thread = post_ts(store, ticket.id)
            return [
                c.params["text"]
                for c in slack_api.calls("chat.postMessage")
                if c.params.get("thread_ts") == thread and "⏰" in c.params["text"]
            ]

        for moment in (
            datetime(2026, 11, 24, 14, 30, tzinfo=UTC),  # Tue 15:30
            datetime(2026, 11, 24, 20, 0, tzinfo=UTC),  # Tue 21:00
            datetime(2026, 11, 25, 9, 59, tzinfo=UTC),  # Wed 10:59
        ):
            clock.now = moment
            service.run_once()
            assert reminders() == []
        clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wed 11:00
        service.run_once()
        assert len(reminders()) == 1
        assert "reactietermijn" in reminders()[0] and "Middel" in reminders()[0]
        service.run_once()
        assert len(reminders()) == 1  # sent once
        # Reminders and the priority change are for the team, on Slack: still only the ack.
        assert [m.message["Subject"] for m in smtp_sink.wait_idle()] == [ack.message["Subject"]]
    finally:
        service.stop_slack()
        store.close()


def post_ts(store: Store, ticket_id: int) -> str:
    post = store.slack_post(ticket_id)
    assert post is not None
    return post[1]
