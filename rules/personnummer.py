"""Just enough of the personal identity number for the rules: its birth date.

The full identifier type lives with the adapters; the rules may not import it, so this reads the
12-digit form (`yyyymmddnnnn`, also written `yyyymmdd-nnnn`) and the samordningsnummer's day + 60.
Error messages never quote the number.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["birth_date", "mask", "normalise"]

_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_COORDINATION_DAY_OFFSET = 60


def normalise(raw: str) -> str:
    """The 12-digit form; `yyyymmdd-nnnn` and `yyyymmdd+nnnn` are accepted."""
    text = raw.strip()
    if len(text) == 13 and text[8] in "-+":
        text = text[:8] + text[9:]
    if not _TWELVE_DIGITS.fullmatch(text):
        raise ValueError("a personal identity number has 12 digits (yyyymmddnnnn)")
    return text


def birth_date(raw: str) -> dt.date:
    """The date of birth; a samordningsnummer has 60 added to the day."""
    text = normalise(raw)
    day = int(text[6:8])
    if day > _COORDINATION_DAY_OFFSET:
        day -= _COORDINATION_DAY_OFFSET
    try:
        return dt.date(int(text[0:4]), int(text[4:6]), day)
    except ValueError:
        raise ValueError("the date part of the personal identity number is not a date") from None


def mask(raw: str) -> str:
    """Birth year only, the form logs and explanations show."""
    return f"{raw.strip()[:4]}********"
