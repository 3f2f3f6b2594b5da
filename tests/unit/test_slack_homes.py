"""App Home refreshes: at most one per HOME_REFRESH per person, and none lost."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.slack.homes import HOME_REFRESH, HomeRefreshes

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_only_who_opened_the_tab_is_refreshed() -> None:
    homes = HomeRefreshes()
    assert homes.changed(T0) == []
    homes.opened("U0ANNA")
    assert homes.changed(T0) == ["U0ANNA"]


def test_a_change_inside_the_window_waits_and_goes_out_when_it_has_passed() -> None:
    homes = HomeRefreshes()
    homes.opened("U0ANNA")
    assert homes.changed(T0) == ["U0ANNA"]
    assert homes.changed(T0 + HOME_REFRESH / 2) == []  # held back
    assert homes.due(T0 + HOME_REFRESH / 2) == []  # the window has not passed
    assert homes.due(T0 + HOME_REFRESH) == ["U0ANNA"]
    assert homes.due(T0 + 2 * HOME_REFRESH) == []  # sent once


def test_many_changes_inside_the_window_give_one_refresh_after_it() -> None:
    homes = HomeRefreshes()
    homes.opened("U0ANNA")
    homes.changed(T0)
    for second in range(1, 9):
        assert homes.changed(T0 + second * HOME_REFRESH / 10) == []
    assert homes.due(T0 + HOME_REFRESH) == ["U0ANNA"]
    # The refresh just sent starts a new window.
    assert homes.changed(T0 + HOME_REFRESH * 1.5) == []
    assert homes.due(T0 + HOME_REFRESH * 2) == ["U0ANNA"]


def test_opening_the_tab_settles_a_waiting_refresh() -> None:
    homes = HomeRefreshes()
    homes.opened("U0ANNA")
    homes.changed(T0)
    homes.changed(T0 + HOME_REFRESH / 2)
    homes.opened("U0ANNA")  # published fresh on opening
    assert homes.due(T0 + HOME_REFRESH) == []


def test_each_person_has_their_own_window() -> None:
    homes = HomeRefreshes()
    homes.opened("U0PIM")
    homes.changed(T0)
    homes.opened("U0ANNA")
    assert homes.changed(T0 + HOME_REFRESH / 2) == ["U0ANNA"]
    assert homes.due(T0 + HOME_REFRESH) == ["U0PIM"]
