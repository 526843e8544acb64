"""window_times in logarithmic time agrees with walking every firing, and stays fast for wide windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.controller.windows import WindowTimes, window_times
from reconciler.intent.cron import normalize_crontab
from reconciler.model import Window

SCHEDULES = ["0 22 * * 1-5", "*/7 * * * *", "30 2 1 * *", "0 */3 * * *", "15 1 * * 0", "0 2 * * *", "0 0 29 2 *"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]


def walked(window: Window, now: float) -> WindowTimes:
    """The obvious definition: walk every firing that started less than a duration ago."""
    trigger = CronTrigger.from_crontab(window.schedule, timezone=ZoneInfo(window.time_zone))
    length = timedelta(seconds=window.duration_seconds)
    moment = datetime.fromtimestamp(now, tz=UTC)
    end = None
    fire = trigger.get_next_fire_time(None, moment - length + timedelta(seconds=1))
    while fire is not None and fire <= moment:
        end = fire + length
        # step in UTC: aware datetimes of one zone add and compare by wall clock, so in the hour a
        # DST change repeats, `fire + 1 s` would lead back to an earlier firing, for ever
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    if end is not None:
        return WindowTimes(True, None, end.timestamp())
    upcoming = trigger.get_next_fire_time(None, moment)
    return WindowTimes(False, upcoming.timestamp() if upcoming else None, None)


@settings(max_examples=150, deadline=None, database=None)
@given(
    st.sampled_from(SCHEDULES),
    st.sampled_from(ZONES),
    st.sampled_from([60, 61, 3600, 5400, 21600, 86400, 2 * 86400]),
    st.integers(1_700_000_000, 1_800_000_000),
)
def test_agrees_with_walking_every_firing(schedule: str, zone: str, duration: int, now: int) -> None:
    window = Window("w", normalize_crontab(schedule), duration, zone)
    assert window_times(window, float(now)) == walked(window, float(now))


def test_agrees_across_the_repeated_hour_of_a_dst_change() -> None:
    """Found by the property above: 2024-11-03 repeats 01:00-02:00 in New York."""
    window = Window("w", normalize_crontab("*/7 * * * *"), 2 * 86400, "America/New_York")
    assert window_times(window, 1730767405.0) == walked(window, 1730767405.0)


def test_exact_edges_of_an_opening() -> None:
    window = Window("w", normalize_crontab("0 22 * * *"), 3600, "UTC")
    opens = datetime(2026, 3, 2, 22, 0, tzinfo=UTC).timestamp()
    assert window_times(window, opens - 1) == WindowTimes(False, opens, None)
    assert window_times(window, opens) == WindowTimes(True, None, opens + 3600)
    assert window_times(window, opens + 3599) == WindowTimes(True, None, opens + 3600)
    assert window_times(window, opens + 3600) == WindowTimes(False, opens + 86400, None)


def test_a_window_open_for_thirty_days_every_minute_takes_few_trigger_calls() -> None:
    calls = 0
    original = CronTrigger.get_next_fire_time

    def counting(self: CronTrigger, previous: datetime | None, now: datetime) -> datetime | None:
        nonlocal calls
        calls += 1
        fire: datetime | None = original(self, previous, now)
        return fire

    CronTrigger.get_next_fire_time = counting
    try:
        times = window_times(Window("w", "* * * * *", 30 * 86400, "UTC"), 1_767_225_600.0)
    finally:
        CronTrigger.get_next_fire_time = original
    assert times.open
    assert calls < 60  # walking every firing would take 43 200
