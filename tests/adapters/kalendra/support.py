"""Shared pieces of the Kalendra adapter tests: the simulator's settings, test identities, dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from adapters.domain import RequestContext
from adapters.identifiers import PersonalIdentity, luhn_check_digit
from simulators.kalendra import KalendraConfig

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
KEY = "kalendra-adapter-test-key"
VARDCENTRAL = "SE2321000016-E0101"  # seed: Vårdcentral with LAK30, SSK15, VIDLAK, TELSSK, PROV, VACCIN, KBT
REHAB = "SE2321000016-E0103"
CTX = RequestContext(logical_address=VARDCENTRAL, correlation_id="test-correlation")


def citizen(birth_date: str, birth_number: int = 982) -> PersonalIdentity:
    """A valid personnummer (`birth_date` yyyymmdd) from the tax agency's test series."""
    nine = f"{birth_date[2:]}{birth_number:03d}"
    return PersonalIdentity(f"{birth_date}{birth_number:03d}{luhn_check_digit(nine)}")


def config(**changes: object) -> KalendraConfig:
    settings: dict[str, object] = {"api_key": SecretStr(KEY), "region": "01", "seed": 11, "days": 21}
    settings.update(changes)
    return KalendraConfig.model_validate(settings)


def last_sunday(year: int, month: int) -> dt.date:
    """The last Sunday of a month: when Europe/Stockholm changes clocks (March, October)."""
    day = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def next_clock_changes(today: dt.date) -> tuple[dt.date, dt.date]:
    """The next spring-forward and fall-back Sundays at least two days after `today`."""

    def upcoming(month: int) -> dt.date:
        for year in (today.year, today.year + 1):
            sunday = last_sunday(year, month)
            if sunday > today + dt.timedelta(days=2):
                return sunday
        raise AssertionError("unreachable")

    return upcoming(3), upcoming(10)
