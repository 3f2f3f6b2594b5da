"""A retrained text model put in the config folder, as the running bot takes it: the real Bolt
app over HTTP, tickets made from signed Slack message events, `taalmodel.json.gz` written
into the config folder and `check_model` (the watcher's step of `triage run`), the
announcement delivered to the fake Slack API.

The test models are the shipped one with one change that does not depend on its weights: a
word that pushes hard towards Hoog (a team that taught it that word), or a Hoog intercept so
large that every report becomes Hoog (a model the rules' examples refuse).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import SHIPPED_MODEL, TEXT_MODEL
from app.model_watch import ModelCheck
from bot.models import Priority
from tests.conftest import REPO, RULES_ALONE
from tests.integration.http_helpers import scrape
from tests.integration.slack_helpers import SlackRig, running_slack
from tests.servers.slack_api import FakeSlackApi

NOW_TS = 1795510800  # Tuesday 24 November 2026 10:00 in Amsterdam: the rig's clock
TAUGHT = "De koffieautomaat-koppeling geeft een foutmelding bij één collega."


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(SHIPPED_MODEL.read_bytes()))
    return data


def write_model(config: Path, data: dict[str, Any] | bytes) -> None:
    raw = data if isinstance(data, bytes) else gzip.compress(json.dumps(data).encode())
    (config / TEXT_MODEL).write_bytes(raw)


def taught(version: str) -> dict[str, Any]:
    """The shipped model that learnt one word: "koffieautomaat" is Hoog."""
    data = shipped()
    hoog = data["outcomes"].index("hoog storing")
    row = [0.0] * len(data["outcomes"])
    row[hoog] = 200.0
    return {**data, "version": version, "word": {**data["word"], "koffieautomaat": [10.0, *row]}}


def all_hoog(version: str) -> dict[str, Any]:
    data = shipped()
    intercepts = [0.0] * len(data["outcomes"])
    intercepts[data["outcomes"].index("hoog storing")] = 50.0
    return {**data, "version": version, "intercepts": intercepts}


def config_folder(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    (config / TEXT_MODEL).unlink(missing_ok=True)
    return config


def settled(rig: SlackRig) -> ModelCheck | None:
    """The watcher's looks at a changed file: it waits one poll for the file to stay the same
    (a copy may be under way), then reads it."""
    assert rig.service.check_model() is None
    return rig.service.check_model()


def posts(slack_api: FakeSlackApi, head: str) -> list[str]:
    """The team-channel posts whose text starts with `head`, as the text of their blocks."""
    return [
        "\n".join(
            block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
            for block in call.json("blocks")
        )
        for call in slack_api.calls("chat.postMessage")
        if call.params["text"].startswith(head)
    ]


def test_a_retrained_model_is_swapped_in_announced_and_decides_new_tickets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    config = config_folder(tmp_path)
    with running_slack(tmp_path, monkeypatch, slack_api, config_dir=config) as rig:
        triage = rig.service.setup.triage
        assert triage.model is not None
        before = triage.model.version
        first = rig.new_ticket(TAUGHT, f"{NOW_TS - 3600}.000100", "Ev1")
        assert rig.service.desk.view(first).priority is not Priority.HOOG
        assert rig.service.check_model() is None  # nothing changed yet

        write_model(config, taught("team-1"))
        check = settled(rig)
        assert check is not None and check.loaded and check.version == "team-1"
        assert triage.model.version == "team-1"
        rig.deliver()
        [post] = posts(slack_api, "🔄 Taalmodel vervangen")
        assert "het eigen model uit de configuratiemap, versie `team-1`" in post
        assert f"(was versie `{before}`)" in post
        # The ticket of an hour ago would now be Hoog: the replay says so.
        assert "dit model zou 1 van 1 ticket anders beoordelen" in post
        assert "→ Hoog" in post
        # A new report with the word is Hoog at once, no restart.
        second = rig.new_ticket(TAUGHT, f"{NOW_TS - 60}.000100", "Ev2")
        assert rig.service.desk.view(second).priority is Priority.HOOG

        # Removing the file brings the shipped model back, announced as such.
        (config / TEXT_MODEL).unlink()
        check = settled(rig)
        assert check is not None and check.loaded and check.version == before
        rig.deliver()
        back = posts(slack_api, "🔄 Taalmodel vervangen")[-1]
        assert f"het meegeleverde model, versie `{before}`" in back
        assert "(was versie `team-1`)" in back


def test_a_broken_or_failing_model_file_is_refused_and_the_model_in_use_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    config = config_folder(tmp_path)
    with running_slack(tmp_path, monkeypatch, slack_api, config_dir=config) as rig:
        triage = rig.service.setup.triage
        assert triage.model is not None
        before = triage.model.version

        write_model(config, b"half a file")  # still being copied, or not a model at all
        check = settled(rig)
        assert check is not None and not check.loaded and check.version == before
        assert "geen bruikbaar taalmodel" in check.problems[0]
        assert triage.model.version == before

        write_model(config, all_hoog("alles-hoog"))  # readable, but the examples fail
        check = settled(rig)
        assert check is not None and not check.loaded
        assert any("voorbeeld" in p and "triage gaf hoog" in p for p in check.problems)
        assert triage.model.version == before

        rig.deliver()
        refused = posts(slack_api, "⛔ Nieuw taalmodel geweigerd")
        assert len(refused) == 2
        assert all(f"in gebruik blijft versie `{before}`" in post for post in refused)
        assert "geen bruikbaar taalmodel" in refused[0]
        assert "verwacht laag, triage gaf hoog" in refused[1]

        # Once the file is right it is taken.
        write_model(config, taught("team-2"))
        check = settled(rig)
        assert check is not None and check.loaded and triage.model.version == "team-2"
        samples = scrape(rig.base)
        assert samples[("triage_model_swaps_total", (("outcome", "refused"),))] == 2
        assert samples[("triage_model_swaps_total", (("outcome", "swapped"),))] == 1


def test_with_the_text_model_switched_off_no_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    monkeypatch.setenv(RULES_ALONE, "false")
    config = config_folder(tmp_path)
    with running_slack(tmp_path, monkeypatch, slack_api, config_dir=config) as rig:
        write_model(config, taught("team-1"))
        assert rig.service.check_model() is None
        assert rig.service.setup.triage.model is None


def test_a_file_still_being_copied_is_read_once_it_stays_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack_api: FakeSlackApi
) -> None:
    config = config_folder(tmp_path)
    with running_slack(tmp_path, monkeypatch, slack_api, config_dir=config) as rig:
        whole = gzip.compress(json.dumps(taught("team-3")).encode())
        write_model(config, whole[: len(whole) // 2])  # half of it, as a copy under way
        assert rig.service.check_model() is None
        write_model(config, whole)  # the copy done: changed again, so still waiting
        assert rig.service.check_model() is None
        check = rig.service.check_model()
        assert check is not None and check.loaded and check.version == "team-3"
        rig.deliver()
        assert not posts(slack_api, "⛔ Nieuw taalmodel geweigerd")
        assert len(posts(slack_api, "🔄 Taalmodel vervangen")) == 1
