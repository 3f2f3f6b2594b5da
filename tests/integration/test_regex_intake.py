"""Issue 12 item 4: a team lead's catastrophic regex no longer freezes `rules test` or the bot.

With Python's `re`, `/(a+)+$/` against forty a's and a "!" ran for hours while holding the
interpreter lock: `rules test` hung, every intake stood still and SIGTERM was never handled.
Each test runs `triage` as a subprocess, so a regression fails on its bound instead of hanging
the suite.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import REPO
from tests.integration.email_helpers import mail
from tests.integration.test_email_restart import bot_env, count
from tests.servers.dovecot import Dovecot
from tests.servers.smtp import SmtpSink
from tests.servers.wait import wait_until

FORTY = "a" * 40 + "!"
TEN_THOUSAND = "a" * 10_000 + "!"

CATASTROPHIC = f"""\
rules:
  - name: regex-storm
    description: patronen uit issue 12 die met Python's re uren duren
    when:
      text:
        any: ['/(a+)+$/', '/^(\\w+\\s?)+$/', '/(a|aa)+$/', '/(.*a){{20}}$/']
    then: {{priority: laag}}

examples:
  - report: {{subject: Melding, body: "{FORTY}"}}
    expect: {{rules_exclude: [regex-storm]}}
  - report: {{subject: Melding, body: "{TEN_THOUSAND}"}}
    expect: {{rules_exclude: [regex-storm]}}
  - report: {{subject: Melding, body: "aaaaaaaa"}}
    expect: {{rules_include: [regex-storm]}}
"""


def rules_with_catastrophic_patterns(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "90-regex.yaml").write_text(CATASTROPHIC, encoding="utf-8")
    return rules


def test_rules_check_and_rules_test_finish_on_catastrophic_patterns(tmp_path: Path) -> None:
    rules = rules_with_catastrophic_patterns(tmp_path)
    for command in (["rules", "check"], ["rules", "test"]):
        proc = subprocess.run(
            [sys.executable, "-m", "app.cli", "--rules-dir", str(rules), *command],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,  # a bound so that a regression fails instead of hanging; not a speed test
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 mislukt" in proc.stdout


def test_sigterm_stops_the_bot_while_it_classifies_catastrophic_mail(
    tmp_path: Path, dovecot: Dovecot, smtp_sink: SmtpSink
) -> None:
    """A backlog of mails that matched the patterns for hours: the bot works through them,
    stops on SIGTERM in the middle, and `run --once` finishes the rest: nothing is lost."""
    rules = rules_with_catastrophic_patterns(tmp_path)
    bodies = [FORTY, TEN_THOUSAND, "hallo " * 30 + FORTY]
    total = 30
    dovecot.append_many(
        [
            mail(
                f"Melding {i}",
                bodies[i % len(bodies)],
                message_id=f"<regex-{i}@zorggroepnoord.nl>",
                date=datetime.now(UTC),
            )
            for i in range(total)
        ]
    )
    env = bot_env(tmp_path, dovecot, smtp_sink)
    db = tmp_path / "triage.db"
    command = [sys.executable, "-m", "app.cli", "--rules-dir", str(rules), "run"]
    bot = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def classifying() -> bool:
        assert bot.poll() is None, "the bot stopped on its own"
        return count(db, "SELECT COUNT(*) FROM tickets") >= 1

    try:
        wait_until(classifying, timeout=120, what="the first catastrophic mail classified")
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            status = bot.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait()
            raise AssertionError("SIGTERM did not stop `triage run` within 30 s") from None
    assert status == 0

    again = subprocess.run(
        [*command, "--once"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert count(db, "SELECT COUNT(*) FROM tickets") == total
    assert count(db, "SELECT COUNT(*) FROM quarantine") == 0
