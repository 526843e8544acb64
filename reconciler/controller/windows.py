"""Maintenance windows: is a policy window open now, and when does it next open or close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from reconciler.model import Window


@dataclass(frozen=True)
class WindowTimes:
    open: bool
    opens_at: float | None  # the next opening, when closed
    closes_at: float | None  # the end of the current opening, when open


def window_times(window: Window, now: float) -> WindowTimes:
    trigger = CronTrigger.from_crontab(window.schedule, timezone=window.time_zone)
    length = timedelta(seconds=window.duration_seconds)
    moment = datetime.fromtimestamp(now, tz=UTC)
    closes_at = _current_opening_end(trigger, moment, length)
    if closes_at is not None:
        return WindowTimes(True, None, closes_at.timestamp())
    upcoming = trigger.get_next_fire_time(None, moment)
    return WindowTimes(False, upcoming.timestamp() if upcoming else None, None)


def _current_opening_end(trigger: CronTrigger, moment: datetime, length: timedelta) -> datetime | None:
    """The latest end among openings that started in (moment - length, moment], if any."""
    end = None
    fire = trigger.get_next_fire_time(None, moment - length + timedelta(microseconds=1))
    while fire is not None and fire <= moment:
        end = fire + length
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return end
