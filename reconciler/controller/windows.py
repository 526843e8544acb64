"""Maintenance windows: is a policy window open now, and when does it next open or close.

Every opening lasts the window's duration, so the window is open exactly when the latest firing at
or before now is less than a duration ago. That firing is found by an exponential then a binary
search over the trigger's forward search: O(log(duration)) trigger calls, whatever the schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from reconciler.intent.cron import bounded_trigger
from reconciler.model import Window
from reconciler.records import record

if TYPE_CHECKING:  # bounded_trigger imports it: only a policy with windows pays for the scheduler
    from apscheduler.triggers.cron import CronTrigger

_RESOLUTION = timedelta(seconds=1)


@record
class WindowTimes:
    open: bool
    opens_at: float | None  # the next opening, when closed
    closes_at: float | None  # the end of the current opening, when open


def window_times(window: Window, now: float) -> WindowTimes:
    moment = datetime.fromtimestamp(now, tz=UTC).replace(microsecond=0)
    length = timedelta(seconds=window.duration_seconds)
    from zoneinfo import ZoneInfo  # (a policy without windows never imports it)

    trigger = bounded_trigger(window.schedule, ZoneInfo(window.time_zone), moment - length)
    latest = _latest_fire(trigger, moment, length)
    if latest is not None and moment < latest + length:
        return WindowTimes(True, None, (latest + length).timestamp())
    upcoming = trigger.get_next_fire_time(None, moment + _RESOLUTION)
    return WindowTimes(False, upcoming.timestamp() if upcoming else None, None)


def _latest_fire(trigger: CronTrigger, moment: datetime, length: timedelta) -> datetime | None:
    """The latest firing in (moment - length, moment], if any."""

    def fires_in(start: datetime) -> bool:  # a firing in [start, moment]?
        fire = trigger.get_next_fire_time(None, start)
        return fire is not None and fire <= moment

    earliest = moment - length + _RESOLUTION
    if not fires_in(earliest):
        return None
    back = _RESOLUTION  # exponential search: the smallest `back` with a firing in [moment - back, moment]
    while back < length and not fires_in(moment - back):
        back *= 2
    low, high = max(earliest, moment - back), moment  # a firing in [low, moment]; none after high
    while high - low > _RESOLUTION:  # binary search for the latest start that still has one
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if fires_in(middle):
            low = middle
        else:
            high = middle
    if fires_in(high):
        low = high
    fire = trigger.get_next_fire_time(None, low)
    return fire if fire is not None and fire <= moment else None
