"""The contracts' time formats: `YYYYMMDDhhmmss` time stamps and `YYYYMMDD` dates, Swedish local
time without a zone. Inside the product times are aware datetimes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["SWEDISH_TIME", "format_date", "format_timestamp", "parse_date", "parse_timestamp"]

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")


def parse_timestamp(text: str) -> dt.datetime:
    """`20261201143000` -> aware datetime in Swedish local time. In the autumn hour that occurs
    twice the first (summer time) occurrence is meant; the contract cannot say otherwise."""
    value = text.strip()
    if len(value) != 14 or not value.isdigit():
        raise ValueError(f"not a YYYYMMDDhhmmss time stamp: {value[:20]!r}")
    naive = dt.datetime.strptime(value, "%Y%m%d%H%M%S")
    return naive.replace(tzinfo=SWEDISH_TIME)


def format_timestamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: contract times must be aware")
    return moment.astimezone(SWEDISH_TIME).strftime("%Y%m%d%H%M%S")


def parse_date(text: str) -> dt.date:
    value = text.strip()
    if len(value) != 8 or not value.isdigit():
        raise ValueError(f"not a YYYYMMDD date: {value[:20]!r}")
    return dt.datetime.strptime(value, "%Y%m%d").date()


def format_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
