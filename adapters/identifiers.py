"""Identifiers of the booking domain: personal identity numbers and HSA-ids.

A personnummer (and its sibling, the samordningsnummer) is personal data. `PersonalIdentity`
keeps the clear value in `.value` and never shows it in `str()` or `repr()`, so an accidental
log line or exception message carries only the masked form.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "HsaId",
    "InvalidIdentifier",
    "PersonalIdentity",
    "luhn_check_digit",
    "mask_personal_numbers",
]


class InvalidIdentifier(ValueError):
    """An identifier that does not follow its national format."""


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit for `digits` (the nine digits before the check digit)."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_COORDINATION_DAY_OFFSET = 60


@dataclass(frozen=True, slots=True)
class PersonalIdentity:
    """A Swedish personnummer or samordningsnummer in the contracts' 12-digit form `yyyymmddnnnn`."""

    value: str

    def __post_init__(self) -> None:
        if not _TWELVE_DIGITS.fullmatch(self.value):
            raise InvalidIdentifier("a personal identity number has 12 digits (yyyymmddnnnn)")
        if luhn_check_digit(self.value[2:11]) != int(self.value[11]):
            raise InvalidIdentifier("the check digit of the personal identity number is wrong")
        try:
            self.birth_date  # noqa: B018 - validates the date part
        except ValueError as exc:
            raise InvalidIdentifier("the date part of the personal identity number is not a date") from exc

    @classmethod
    def parse(cls, raw: str) -> PersonalIdentity:
        """Accept the 12-digit form, also written `yyyymmdd-nnnn`; anything else is invalid."""
        text = raw.strip()
        if len(text) == 13 and text[8] in "-+":
            text = text[:8] + text[9:]
        return cls(text)

    @property
    def is_coordination_number(self) -> bool:
        """Samordningsnummer: the day of birth has 60 added."""
        return int(self.value[6:8]) > 60

    @property
    def birth_date(self) -> dt.date:
        day = int(self.value[6:8])
        if day > _COORDINATION_DAY_OFFSET:
            day -= _COORDINATION_DAY_OFFSET
        return dt.date(int(self.value[0:4]), int(self.value[4:6]), day)

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        """Birth year only: enough to read a log, too little to identify anyone."""
        return f"{self.value[:4]}********"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"PersonalIdentity({self.masked()!r})"


_PERSONAL_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})[0-9]{4}[-+]?[0-9pPtTfF][0-9]{3}(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """Mask anything that looks like a personal identity number inside free text (log lines,
    parser messages that quote the offending value)."""
    return _PERSONAL_NUMBER_IN_TEXT.sub(lambda m: f"{m.group(1)}********", text)


_HSA_ID = re.compile(r"SE[0-9]{10}-[0-9A-Z]{1,31}", re.IGNORECASE)


class HsaId(str):
    """An HSA-id, `SE` + organisation number (10 digits) + `-` + local part, e.g. `SE2321000016-15CQ`.

    HSA-ids compare case-insensitively; the canonical form kept here is upper case."""

    __slots__ = ()

    def __new__(cls, raw: str) -> HsaId:
        text = raw.strip()
        if not _HSA_ID.fullmatch(text):
            raise InvalidIdentifier(f"not an HSA-id (SE + 10 digits + '-' + local part): {text[:40]!r}")
        return super().__new__(cls, text.upper())

    @property
    def organisation_number(self) -> str:
        return self[2:12]

    @classmethod
    def is_valid(cls, raw: str) -> bool:
        return bool(_HSA_ID.fullmatch(raw.strip()))
