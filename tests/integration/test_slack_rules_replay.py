"""A rules edit announced in the team channel, as the running bot does it: the real Bolt app
over HTTP, tickets made from signed Slack message events, the rules folder edited on disk and
`check_rules` (the rules watcher's step), the announcement delivered to the fake Slack API.

The announcement names exactly what changed by content (a word moved between two values of one
factor is that factor, with the word and both values; a new file is only what it adds) and
what the edit would change in the last 30 days' tickets, which `triage rules diff --since`
then lists ticket by ticket.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from bot.engine.changes import WordMove
from tests.conftest import REPO
from tests.integration.slack_helpers import running_slack
from tests.rules_edit import move_word
from tests.servers.slack_api import FakeSlackApi

# What an edit of the rule files changes on its own: the rules decide alone (conftest).
pytestmark = pytest.mark.usefixtures("rules_alone")


NOW_TS = 1795510800  # Tuesday 24 November 2026 10:00 in Amsterdam: the rig's clock
DAY = 86400


def announcements(slack_api: FakeSlackApi) -> list[str]:
    """Every rules announcement posted, as the text of its blocks."""
    return [
        "\n".join(
            block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
            for block in call.json("blocks")
        )
        for call in slack_api.calls("chat.postMessage")
        if "Regels bijgewerkt" in call.params["text"]
    ]


def test_reload_names_the_changed_rule_and_replays_the_last_30_days(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_api: FakeSlackApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    with running_slack(tmp_path, monkeypatch, slack_api, rules_dir=rules) as rig:
        changing = rig.new_ticket(
            "Meerdere collega's kunnen niet inloggen.", f"{NOW_TS - 3600}.000100", "Ev1"
        )
        rig.new_ticket(
            "Bij meerdere collega's geeft de export naar Excel een foutmelding. "
            "Via CSV lukt het wel.",
            f"{NOW_TS - 7200}.000100",
            "Ev2",
        )
        rig.new_ticket("Hoe kan ik een doel kopiëren?", f"{NOW_TS - 5 * DAY}.000100", "Ev3")
        # Forty days ago: outside the 30 days the announcement replays, though it would change.
        old = rig.new_ticket(
            "Meerdere collega's kunnen niet inloggen.", f"{NOW_TS - 40 * DAY}.000100", "Ev4"
        )
        rig.deliver()

        move_word(rules / "20-omvang-en-functie.yaml", "meerdere collega*", "enkele", "groot-deel")
        result = rig.service.check_rules()
        assert result is not None and result.loaded
        assert (result.changes.added, result.changes.changed, result.changes.removed) == (
            (),
            ("factor:omvang",),
            (),
        )
        assert result.changes.words == (
            WordMove(
                factor="omvang", word="meerdere collega*", before="enkele", after="groot-deel"
            ),
        )
        rig.deliver()
        [text] = announcements(slack_api)
        assert text.splitlines()[0] == "🔄 Regels bijgewerkt: gewijzigd factor `omvang`"
        assert "• `meerdere collega*` (omvang): enkele → groot-deel" in text
        assert (
            "Tickets van de laatste 30 dagen (sinds zo 25 okt) opnieuw beoordeeld: deze wijziging "
            "zou 1 van 3 tickets anders beoordelen: 1× Middel → Hoog." in text
        )
        assert "Per ticket: `triage rules diff --since 2026-10-25`" in text

        # The pointer keeps its promise: the same tickets, listed one by one.
        args = ["--config-dir", str(REPO / "config"), "--db", str(rig.store.path)]
        status = main([*args, "rules", "diff", str(rules), "--since", "2026-10-25", "--json"])
        listed = json.loads(capsys.readouterr().out)
        assert status == 0 and listed["replayed"] == 3
        assert [c["ticket"] for c in listed["changes"]] == [changing]
        main([*args, "rules", "diff", str(rules), "--json"])
        everything = json.loads(capsys.readouterr().out)
        assert [c["ticket"] for c in everything["changes"]] == [changing, old]

        # A new file is announced as what it adds, and nothing else as changed.
        (rules / "50-extra.yaml").write_text(
            "rules:\n"
            "  - name: acme-sso\n"
            "    description: SSO-meldingen\n"
            "    when:\n"
            "      text: {any: [single sign-on]}\n"
            "    then: {category: storing, priority: middel}\n",
            encoding="utf-8",
        )
        result = rig.service.check_rules()
        assert result is not None and result.loaded
        assert (result.changes.added, result.changes.changed) == (("acme-sso",), ())
        rig.deliver()
        latest = announcements(slack_api)[-1]
        assert latest.splitlines()[0] == "🔄 Regels bijgewerkt: toegevoegd `acme-sso`"
        assert "zou geen van de 3 tickets anders beoordelen" in latest
        assert "rules diff --since" not in latest  # nothing to list
