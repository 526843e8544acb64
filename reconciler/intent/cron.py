"""Cron schedules: numeric day-of-week in cron terms (0 or 7 = Sunday) turned into day names.

APScheduler's `CronTrigger.from_crontab` counts weekdays from Monday = 0, so "1-5" would mean
Tuesday to Saturday there. Windows carry the schedule with named days ("mon,tue,…"), which every
consumer reads the same way.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering 0..6 (7 = sun)
FIELDS = "minute hour day-of-month month day-of-week"


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
        raise ValueError(f"bad step in day-of-week '{item}'")
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
        raise ValueError(f"day-of-week range '{base}' runs backwards")
    return {day % 7 for day in range(low, high + 1, step or 1)}


def _day(token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    name = token.lower()
    if name in DAY_NAMES:
        return DAY_NAMES.index(name)
    raise ValueError(f"'{token}' is not a day of the week (0-7 or sun..sat)")


def time_zone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone '{name}' (use an IANA name such as Europe/Berlin or UTC)"
    return None


def schedule_problem(expr: str, time_zone: str) -> tuple[str, str | None]:
    """(normalized schedule, None) when valid, else (expr, reason)."""
    try:
        normalized = normalize_crontab(expr)
        zone = "UTC" if time_zone_problem(time_zone) else time_zone
        CronTrigger.from_crontab(normalized, timezone=ZoneInfo(zone))
    except ValueError as exc:
        return expr, f"invalid cron schedule '{expr}': {exc}; expected {FIELDS}, e.g. \"0 22 * * 1-5\""
    return normalized, None
