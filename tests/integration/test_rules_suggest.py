"""`triage rules suggest` on a constructed store: the team changed five tickets from Laag to
Hoog whose text says "... van een andere klant", and two questions into faults; the
suggestions name the distinguishing words, as rule lines that paste into a rule file, and
nothing is applied. Tickets go in through the real store and desk (SLA 4.G decisions)."""

from __future__ import annotations

import hashlib
import io
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from app.cli import main
from bot.desk import Desk
from bot.models import Category, Channel, Priority, Report
from bot.store import Store
from bot.suggest import phrases_of, suggest
from tests.unit.triage_setup import REPO, build_triage

AT = datetime.fromisoformat("2026-11-02T10:00:00+01:00")

# The rules of triage_setup give "typfout" Laag; the team saw a data leak in these.
LEAKS = [
    "Een typfout in het menu, maar erger: ik zie de gegevens van een andere klant in ons "
    "dashboard.",
    "Typfout in de kop. En in de export staan gegevens van een andere klant!",
    "Naast een typfout op de startpagina zie ik namen van een andere klant in het overzicht.",
    "Kleine typfout? Nee: de rapportage toont gegevens van een andere klant.",
    "Typfout in het scherm; daaronder staan evaluaties van een andere klant.",
]
# What the team left as it was ("andere" and "klant" occur here too, not together).
KEPT = [
    "Typfout in de knop Opslaan.",
    "Er staat een typfout in het dashboard.",
    "Typfout in de export: 'Exporteeren'.",
    "Kleine typfout in het overzicht van onze klant.",
    "In een andere browser zie ik dezelfde typfout.",
    "Typfout in de rapportage van een klant van ons.",
    "De titel heeft een typfout.",
    "Typfout in de e-mail die onze klant kreeg.",
    "Hoe zet ik een evaluatie open?",
    "Hoe werkt de export naar Excel?",
    "De export is kapot.",
    "Het dashboard is kapot voor een andere afdeling.",
]
# Questions the team made faults.
FAULTS = [
    "Hoe kan het dat de pagina wit blijft na het inloggen?",
    "Hoe komt het dat de pagina wit blijft bij het openen van een evaluatie?",
]


def record(store: Store, desk: Desk, body: str, number: int) -> int:
    at = AT + timedelta(hours=number)
    report = Report(
        channel=Channel.EMAIL,
        received_at=at,
        sender="jan@acme.nl",
        subject="",
        body=body,
        source_key=f"email:<{number}@acme.nl>",
    )
    recorded = store.record(report, desk.triage.decide(report), at)
    assert recorded.ticket_id is not None
    return recorded.ticket_id


@pytest.fixture
def corrected(tmp_path: Path) -> tuple[Path, dict[str, list[int]]]:
    """A store where the team changed LEAKS to Hoog, FAULTS to storing, confirmed some KEPT."""
    db = tmp_path / "t.db"
    triage = build_triage(tmp_path)
    later = AT + timedelta(days=1)
    ids: dict[str, list[int]] = {"leaks": [], "kept": [], "faults": []}
    with Store(db) as store:
        desk = Desk(triage, store, lambda: triage.engine.rule_set.reminders, slack=False)
        for number, body in enumerate(LEAKS + KEPT + FAULTS):
            group = "leaks" if body in LEAKS else "kept" if body in KEPT else "faults"
            ids[group].append(record(store, desk, body, number))
        for ticket in ids["leaks"]:
            assert store.ticket_view(ticket).priority is Priority.LAAG  # what the rules said
            desk.set_priority(ticket, Priority.HOOG, "U0LEAD", later, reason="datalek")
        for ticket in ids["kept"][:6]:
            desk.set_priority(ticket, None, "U0LEAD", later)
        for ticket in ids["faults"]:
            assert store.ticket_view(ticket).category is Category.VRAAG
            desk.set_category(ticket, Category.STORING, "U0LEAD", later, reason="is een fout")
    return db, ids


def test_the_distinguishing_words_of_laag_to_hoog(
    corrected: tuple[Path, dict[str, list[int]]],
) -> None:
    db, ids = corrected
    with Store(db) as store:
        found = suggest(store.corrections())
    assert (found.changed, found.unchanged) == (7, 12)
    leak, fault = found.groups
    assert (leak.kind, leak.before, leak.after) == ("priority", "laag", "hoog")
    assert list(leak.tickets) == ids["leaks"]
    assert leak.decided_by == (("woordregel storing-laag", 5),)
    best = leak.phrases[0]
    assert (best.words, best.changed, best.unchanged) == ("andere klant", 5, 0)
    assert list(best.tickets) == ids["leaks"]
    words = [p.words for p in leak.phrases]
    assert "gegevens" in words  # in three of the five, in none of the others
    # Words every kind of ticket has set nothing apart; a word inside "andere klant" that
    # adds no ticket is the same finding.
    for common in ("typfout", "klant", "andere", "de"):
        assert common not in words
    assert (fault.kind, fault.before, fault.after) == ("category", "vraag", "storing")
    # Equally telling phrases inside each other: the most precise one stands for them all.
    assert [p.words for p in fault.phrases] == ["pagina wit blijft"]


def test_rule_lines_to_paste_and_nothing_applied(
    corrected: tuple[Path, dict[str, list[int]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, ids = corrected
    rules = REPO / "rules"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in rules.glob("*.yaml")}
    with Store(db) as store:
        decisions = [store.decisions(t) for t in ids["leaks"] + ids["kept"]]
    args = ["--config-dir", str(REPO / "config"), "--rules-dir", str(rules), "--db", str(db)]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))

    assert main([*args, "rules", "suggest"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == (
        f"Voorstellen uit de correcties van het team in {db}: 7 tickets waarvan het team de "
        "prioriteit of categorie veranderde, tegen 12 tickets waar het niets aan veranderde."
    )
    assert "Niets hiervan wordt vanzelf toegepast." in lines[1]
    heading = lines.index(
        f"Prioriteit laag → hoog: 5 tickets ({', '.join(f'#{t}' for t in ids['leaks'])})"
    )
    assert lines[heading + 1] == "Eerst beslist door: woordregel storing-laag (5 keer)"
    assert lines[heading + 2] == "        words:"
    first = lines[heading + 3]
    assert first.startswith("          - andere klant  ")
    # Today's shipped rules already know the phrase: the line says which factor it sets.
    assert "# in 5 van de 5 gewijzigde, 0 van de 12 ongewijzigde tickets; zet nu al " in first
    assert "beveiliging=ja" in first
    # The block pastes under a factor value: it is YAML with the phrases as words.
    end = lines.index("", heading)
    block = yaml.safe_load("\n".join(lines[heading + 2 : end]))
    assert block["words"][0] == "andere klant" and "gegevens" in block["words"]
    assert "Categorie vraag → storing: 2 tickets" in out

    assert main([*args, "rules", "suggest", "--json", "--top", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["changed"], result["unchanged"], result["min_count"]) == (7, 12, 2)
    group = result["groups"][0]
    assert (group["kind"], group["from"], group["to"]) == ("priority", "laag", "hoog")
    assert group["first_decided_by"] == {"woordregel storing-laag": 5}
    [phrase] = group["phrases"]
    assert phrase["words"] == "andere klant" and phrase["rule_line"] == "- andere klant"
    assert (phrase["changed"], phrase["unchanged"], phrase["tickets"]) == (5, 0, ids["leaks"])
    assert "beveiliging=ja" in phrase["sets_now"]
    assert phrase["score"] > 5 and phrase["z"] > 2.5

    # Never applied: the rule files and the store's decisions are as they were.
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in rules.glob("*.yaml")}
    assert after == before
    with Store(db) as store:
        assert [store.decisions(t) for t in ids["leaks"] + ids["kept"]] == decisions


def test_min_count_and_an_empty_store(
    tmp_path: Path,
    corrected: tuple[Path, dict[str, list[int]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, _ = corrected
    with Store(db) as store:
        corrections = store.corrections()
    # Three of five leaks say "gegevens": with a minimum of four it is no longer a finding.
    [leak, _fault] = suggest(corrections, min_count=4).groups
    assert [p.words for p in leak.phrases] == ["andere klant"]
    empty = tmp_path / "empty.db"
    Store(empty).close()
    args = ["--config-dir", str(REPO / "config"), "--rules-dir", str(REPO / "rules")]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main([*args, "--db", str(empty), "rules", "suggest"]) == 0
    assert "Het team heeft nog geen voorlopige prioriteit of categorie veranderd." in (
        capsys.readouterr().out
    )
    assert main([*args, "--db", str(tmp_path / "nope.db"), "rules", "suggest"]) == 1
    assert "er is geen database op" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("subject", "body", "present", "absent"),
    [
        (
            "",
            "Ik zie de gegevens van een andere klant.",
            {"gegevens", "andere klant", "zie de gegevens"},
            {"van een", "de", "zie de gegevens van"},
        ),
        # Clauses: no phrase over a comma or a full stop; case and accents folded.
        ("", "Export, Gegevens. Café", {"export", "gegevens", "cafe"}, {"export gegevens"}),
        # The quoted earlier mail and the signature are not read; the subject is.
        (
            "Datalek",
            "Zie onder.\n\nMet vriendelijke groet,\nJan Jansen\nTeamleider Storingsdienst\n\n"
            "> Op ma schreef iemand:\n> andere klant",
            {"datalek"},
            {"andere klant", "storingsdienst"},
        ),
        # Long numbers (years, ticket numbers) are no finding; an error code is.
        ("", "Fout 500 sinds 2026 bij ticket 123456", {"fout 500", "500"}, {"2026", "123456"}),
    ],
)
def test_the_phrases_of_a_text(
    subject: str, body: str, present: set[str], absent: set[str]
) -> None:
    found = phrases_of(subject, body)
    assert present <= found, found
    assert not absent & found, absent & found
