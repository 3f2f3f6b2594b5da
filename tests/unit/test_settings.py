"""Settings that would break the running bot are refused when it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings


def test_maintenance_announcements_need_at_least_one_working_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0 used to be accepted and then crashed every planning round of `triage run`.
    monkeypatch.setenv("TRIAGE_REPORTS__MAINTENANCE_DAYS_BEFORE", "0")
    with pytest.raises(ConfigError, match="maintenance_days_before"):
        load_settings(tmp_path)


def test_slack_tokens_do_not_belong_in_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text(
        "slack:\n  team_channel: C1\n  bot_token: xoxb-secret\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="TRIAGE_SLACK__BOT_TOKEN") as caught:
        load_settings(tmp_path)
    assert "xoxb-secret" not in str(caught.value)


def test_monthly_post_time_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_REPORTS__MONTHLY_POST_AT", "10:15")
    assert load_settings(tmp_path).reports.monthly_post_at.isoformat() == "10:15:00"


def test_an_unquoted_monthly_post_time_is_refused(tmp_path: Path) -> None:
    # YAML reads 9:30 as 570: without the check the report would go out at 00:09:30.
    (tmp_path / "settings.yaml").write_text("reports:\n  monthly_post_at: 9:30\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="quotes"):
        load_settings(tmp_path)
