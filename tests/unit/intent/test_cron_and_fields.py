"""Cron normalization (cron weekday numbering kept exact), durations and registry matching."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from reconciler.intent.cron import normalize_crontab
from reconciler.intent.fields import parse_duration, registry_allowed


@pytest.mark.parametrize(
    ("cron", "normalized"),
    [
        ("0 22 * * 1-5", "0 22 * * mon,tue,wed,thu,fri"),
        ("0 22 * * 0", "0 22 * * sun"),
        ("0 22 * * 7", "0 22 * * sun"),
        ("0 22 * * 5-7", "0 22 * * sun,fri,sat"),
        ("0 22 * * sat,sun", "0 22 * * sun,sat"),
        ("0 22 * * Mon-Fri", "0 22 * * mon,tue,wed,thu,fri"),
        ("0 22 * * */2", "0 22 * * sun,tue,thu,sat"),
        ("*/15 1-3 1 * *", "*/15 1-3 1 * *"),
        ("0 4 * * 0-6", "0 4 * * *"),
    ],
)
def test_day_of_week_uses_cron_numbering(cron: str, normalized: str) -> None:
    assert normalize_crontab(cron) == normalized


def test_normalized_weeknights_fire_monday_not_saturday() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    trigger = CronTrigger.from_crontab(normalize_crontab("0 22 * * 1-5"), timezone=berlin)
    saturday = datetime(2024, 1, 6, 12, 0, tzinfo=berlin)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire is not None and fire.strftime("%a %H:%M") == "Mon 22:00"


@pytest.mark.parametrize(
    "cron", ["0 22 * *", "0 22 * * 8", "0 22 * * 5-1", "0 22 1 * mon", "0 22 * * funday"]
)
def test_bad_cron_rejected(cron: str) -> None:
    with pytest.raises(ValueError):
        normalize_crontab(cron)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("6h", 21600), ("1h30m", 5400), ("90", 90), ("0", 0), ("1d", 86400),
     ("1.5h", 5400), ("1m1h", 3660), ("2h0m0s", 7200), (".5m", 30), ("30d", 30 * 86400)],
)
def test_durations_take_go_forms_days_and_bare_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10 m", "1w", "-1h", "1.5s", "1h\n", "1.", "31d", "9" * 40])
def test_bad_durations_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"90, 90s, 10m, 1h30m, 1.5h, 1d, 0|at most 30d"):
        parse_duration(text)


def test_registry_prefix_matches_whole_components() -> None:
    image = "quay.io/my-registry/rhcos@sha256:" + "a" * 64
    assert registry_allowed(image, ("quay.io/my-registry/",))
    assert registry_allowed(image, ("quay.io/my-registry", "other.io/"))
    assert registry_allowed(image, ("quay.io",))
    assert registry_allowed(image, ())
    assert not registry_allowed(image, ("quay.io/my-reg",))
    assert not registry_allowed("quay.io/my-registry-old/x@sha256:" + "a" * 64, ("quay.io/my-registry/",))
