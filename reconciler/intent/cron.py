"""Cron schedules: numeric day-of-week in cron terms (0 or 7 = Sunday) turned into day names.

APScheduler's `CronTrigger.from_crontab` counts weekdays from Monday = 0, so "1-5" would mean
Tuesday to Saturday there. Windows carry the schedule with named days ("mon,tue,…"), which every
consumer reads the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from reconciler.intent.problems import excerpt

if TYPE_CHECKING:  # imported where used: parsing a repository without windows needs neither
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering 0..6 (7 = sun)
FIELDS = "minute hour day-of-month month day-of-week"
MAX_SCHEDULE_CHARS = 100
# Every schedule must fire within this span (a leap day fires every 4 years): searches stay bounded.
FIRES_WITHIN = timedelta(days=5 * 366)


def normalize_crontab(expr: str) -> str:
    """The same schedule with day-of-week as names; ValueError with a reason if it is not cron."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields ({FIELDS}), got {len(fields)}")
    fields[4] = _day_of_week(fields[4])
    if fields[2] != "*" and fields[4] != "*":
        raise ValueError("restrict either day-of-month or day-of-week, not both")
    return " ".join(fields)


def _day_of_week(field: str) -> str:
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        days.update(_days(item))
    if days == set(range(7)):
        return "*"
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def _days(item: str) -> set[int]:
    base, slash, step_text = item.partition("/")
    step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else 0
    if slash and not step:
        raise ValueError(f"bad step in day-of-week {excerpt(item)}")
    if base == "*":
        low, high = 0, 6
    elif "-" in base:
        first, last = base.split("-", 1)
        low, high = _day(first), _day(last)
        high = 7 if high == 0 and low > 0 else high
    else:
        low = high = _day(base)
        high = 6 if slash else high
    if low > high:
        raise ValueError(f"day-of-week range {excerpt(base)} runs backwards")
    return {day % 7 for day in range(low, high + 1, step or 1)}


def _day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    name = token.lower()
    if name in DAY_NAMES:
        return DAY_NAMES.index(name)
    raise ValueError(f"{excerpt(token)} is not a day of the week (0-7 or sun..sat)")


def time_zone_problem(name: str) -> str | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {excerpt(name)} (use an IANA name such as Europe/Berlin or UTC)"
    return None


def schedule_problem(expr: str, time_zone: str) -> tuple[str, str | None]:
    """(normalized schedule, None) when valid, else (expr, reason)."""
    from zoneinfo import ZoneInfo

    try:
        if len(expr) > MAX_SCHEDULE_CHARS:
            raise ValueError(f"longer than {MAX_SCHEDULE_CHARS} characters")
        normalized = normalize_crontab(expr)
        zone = "UTC" if time_zone_problem(time_zone) else time_zone
        _check_fires(normalized, ZoneInfo(zone))
    except ValueError as exc:
        example = 'e.g. "0 22 * * 1-5"'
        return expr, f"invalid cron schedule {excerpt(expr)}: {exc}; expected {FIELDS}, {example}"
    return normalized, None


def bounded_trigger(schedule: str, zone: ZoneInfo, start: datetime) -> CronTrigger:
    """The trigger of a normalized schedule that searches no further than FIRES_WITHIN after `start`."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, day_of_week = schedule.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
        timezone=zone, end_date=start + FIRES_WITHIN,
    )


def _check_fires(schedule: str, zone: ZoneInfo) -> None:
    now = datetime.now(UTC)
    if bounded_trigger(schedule, zone, now).get_next_fire_time(None, now) is None:
        raise ValueError("it never fires (no date has that day of the month in those months)")
