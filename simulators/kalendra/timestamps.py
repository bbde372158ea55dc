"""Kalendra's one time format: UTC in ISO 8601 with a `Z`, e.g. `2027-03-28T00:30:00Z`.

The API neither accepts nor writes offsets or local times; clients convert at their edge.
"""

from __future__ import annotations

import datetime as dt
import re

from simulators.kalendra.errors import ErrorCode, KalendraError

__all__ = ["format_utc", "parse_utc"]

_UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z")


def format_utc(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str, field: str) -> int:
    """Epoch seconds of a `…Z` time; anything else (an offset, no zone) is VALIDATION_FAILED."""
    if not _UTC_TEXT.fullmatch(text):
        raise KalendraError.invalid(f"{field} must be a UTC time in ISO 8601 ending in Z, e.g. 2027-01-15T08:30:00Z")
    try:
        moment = dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise KalendraError(422, ErrorCode.VALIDATION_FAILED, f"{field} is not a valid time") from exc
    return int(moment.timestamp())
