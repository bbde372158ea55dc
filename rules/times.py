"""Instants, durations and birthdays as the rules count them.

Every comparison is between instants (integer microseconds since the Unix epoch), never between
wall clocks, so "24 h before" is 24 real hours also across a daylight-saving change. Calendar
things (a birthday, the day of a visit) are Swedish local dates.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

__all__ = [
    "SWEDISH_TIME",
    "add_years",
    "format_duration",
    "from_micros",
    "parse_duration",
    "parse_time",
    "start_of_day_micros",
    "to_micros",
]

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def to_micros(moment: dt.datetime) -> int:
    """The instant as integer microseconds since the epoch; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: the rules compare instants, give an aware datetime")
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> dt.datetime:
    return (_EPOCH + dt.timedelta(microseconds=micros)).astimezone(SWEDISH_TIME)


def start_of_day_micros(day: dt.date) -> int:
    """Midnight at the start of `day` in Sweden, as an instant."""
    return to_micros(dt.datetime(day.year, day.month, day.day, tzinfo=SWEDISH_TIME))


def add_years(day: dt.date, years: int) -> dt.date:
    """The date `years` after `day`; 29 February moves to 1 March in a common year, so an age
    counted from it agrees with comparing (month, day) pairs."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def parse_time(text: str) -> dt.datetime:
    """An instant from ISO 8601 (`2026-12-01T10:00`, with or without offset) or the contracts'
    `YYYYMMDDhhmmss`; a time without offset is Swedish local time."""
    raw = text.strip()
    if re.fullmatch(r"[0-9]{14}", raw):
        moment = dt.datetime.strptime(raw, "%Y%m%d%H%M%S")
    else:
        moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SWEDISH_TIME)
    return moment


_DURATION = re.compile(r"(?:(?P<w>[0-9]+)w)?(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?")
_UNITS = (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60), ("m", 1))


def parse_duration(text: str) -> dt.timedelta:
    """`30m`, `2h`, `1d`, `8w`, combinations in that order (`1h30m`), or `0`."""
    raw = text.strip()
    if raw == "0":
        return dt.timedelta(0)
    match = _DURATION.fullmatch(raw)
    if not raw or match is None:
        raise ValueError(f"not a duration: {text!r} (write e.g. 30m, 2h, 1d, 8w or 1h30m)")
    minutes = sum(int(match.group(unit) or 0) * size for unit, size in _UNITS)
    return dt.timedelta(minutes=minutes)


_WORDS = {
    "sv": {"w": ("vecka", "veckor"), "d": ("dygn", "dygn"), "h": ("timme", "timmar"), "m": ("minut", "minuter")},
    "en": {"w": ("week", "weeks"), "d": ("day", "days"), "h": ("hour", "hours"), "m": ("minute", "minutes")},
}
_AND = {"sv": "och", "en": "and"}


def format_duration(span: dt.timedelta, language: str = "short") -> str:
    """`short` gives the rule-file form (`1h30m`); `sv` and `en` give words for citizens."""
    minutes = int(span.total_seconds()) // 60
    parts: list[tuple[str, int]] = []
    for unit, size in _UNITS:
        count, minutes = divmod(minutes, size)
        if count:
            parts.append((unit, count))
    if language == "short":
        return "".join(f"{count}{unit}" for unit, count in parts) or "0"
    words = _WORDS[language]
    if not parts:
        return f"0 {words['m'][1]}"
    phrases = [f"{count} {words[unit][0 if count == 1 else 1]}" for unit, count in parts]
    if len(phrases) == 1:
        return phrases[0]
    return f"{', '.join(phrases[:-1])} {_AND[language]} {phrases[-1]}"
