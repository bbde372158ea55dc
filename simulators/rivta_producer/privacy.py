"""Keeping personal identity numbers out of fault strings and log lines."""

from __future__ import annotations

import re

__all__ = ["mask_personal_numbers"]

_QUOTED_VALUE = re.compile(r"(value ')[^']*(')")
# 10+ digits, or 6/8 digits, a sign and 4 more, not inside a word: a personnummer, not an HSA-id's
# organisation number (SE2321000016-...), which stays readable.
_PERSONAL_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?:\d{6,8}[-+]\d{4}|\d{10,})")


def mask_personal_numbers(text: str) -> str:
    """Hide what could be a personnummer in a libxml2 message or an echoed value (libxml2 quotes
    the offending value: `The value '…'` is hidden whatever it holds)."""
    return _PERSONAL_NUMBER.sub("************", _QUOTED_VALUE.sub(r"\1***\2", text))
