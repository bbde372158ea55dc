"""Recognising a specific refusal in a crm:scheduling 1.1 `resultText` (or fault string).

1.1 has no error codes: a refusal is `resultCode` ERROR with a text for the citizen, in Swedish or
English, worded as each producer pleases. This one table turns the usual wordings into the
scheduling 2 `ErrorCode` they mean. Rows are tried in order (the more specific first) and only
codes that the interaction can give are considered (the lists of SPEC §6.4); no match is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.domain import ErrorCode

__all__ = ["TEXT_PATTERNS", "TextPattern", "recognise_error"]

_BOOK = "MakeBooking"
_REBOOK = "UpdateBooking"
_CANCEL = "CancelBooking"
_DETAILS = "GetBookingDetails"

_APPLIES_TO: dict[ErrorCode, frozenset[str]] = {
    ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED: frozenset({_BOOK, _REBOOK}),
    ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED: frozenset({_BOOK, _REBOOK}),
    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE: frozenset({_BOOK, _REBOOK}),
    ErrorCode.TOO_LATE_TO_MAKE_APPOINTMENT: frozenset({_BOOK}),
    ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT: frozenset({_REBOOK}),
    ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT: frozenset({_CANCEL}),
    ErrorCode.USER_IS_ALREADY_OCCUPIED: frozenset({_BOOK, _REBOOK}),
    ErrorCode.APPOINTMENT_IS_NOT_ALLOWED: frozenset({_BOOK}),
    ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED: frozenset({_REBOOK}),
    ErrorCode.CANCEL_IS_NOT_ALLOWED: frozenset({_CANCEL}),
    # GetBookingDetails answers a cancelled booking with a fault saying so
    ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED: frozenset({_REBOOK, _CANCEL, _DETAILS}),
    ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED: frozenset({_REBOOK, _CANCEL}),
    # an open invitation booked with MakeBooking names a booking id that may not exist
    ErrorCode.APPOINTMENT_DOES_NOT_EXIST: frozenset({_BOOK, _REBOOK, _CANCEL, _DETAILS}),
}


@dataclass(frozen=True, slots=True)
class TextPattern:
    error: ErrorCode
    pattern: re.Pattern[str]


def _row(error: ErrorCode, *alternatives: str) -> TextPattern:
    return TextPattern(error, re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE))


TEXT_PATTERNS: tuple[TextPattern, ...] = (
    # the booked time (not the requested one) has passed: too late to act on the booking
    _row(
        ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
        r"bokade tiden har (redan )?passerat",
        r"booked time has (already )?passed",
    ),
    _row(
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        r"bokade tiden har (redan )?passerat",
        r"booked time has (already )?passed",
    ),
    _row(
        ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
        r"avbokas senare än",
        r"för sent att avboka",
        r"kan inte (längre )?avbokas (så|för) (sent|nära)",
        r"avbokning(en)? (måste|ska) (ske|göras) senast",
        r"too late to cancel",
    ),
    _row(
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        r"ombokas senare än",
        r"för sent att (omboka|ändra)",
        r"ombokning(en)? (måste|ska) (ske|göras) senast",
        r"too late to (rebook|update|change|move)",
    ),
    _row(
        ErrorCode.TOO_LATE_TO_MAKE_APPOINTMENT,
        r"\bbokas senare än",
        r"för sent att boka",
        r"bokning(en)? (måste|ska) (ske|göras) senast",
        r"too late to (book|make)",
    ),
    _row(
        ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED,
        r"(redan|är) avbokad",
        r"already (been )?cancell?ed",
        r"\bis cancell?ed\b",
    ),
    _row(
        ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED,
        r"redan (om|flytt)bokad",
        r"already (been )?(rebooked|updated|moved)",
    ),
    _row(
        ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED,
        r"(har|är) (redan )?passerad?",
        r"har (redan )?varit",
        r"i det förflutna",
        r"already (passed|past)",
        r"\bin the past\b",
        r"has passed",
    ),
    _row(
        ErrorCode.USER_IS_ALREADY_OCCUPIED,
        r"har redan en (annan )?(bokad )?tid",
        r"dubbelbok",
        r"already (has|have) (a|an|another) (booking|appointment|time)",
    ),
    # an invitation is booked at most once; a time of another kind of visit does not fit it
    _row(
        ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
        r"kallelsen är redan bokad",
        r"kan bara bokas en gång",
        r"invitation (has )?already (been )?booked",
        r"(gäller|avser) (inte den|en annan) typ av besök",
        r"kan bara boka tider åt dig själv",
    ),
    _row(
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        r"(gäller|avser) (inte den|en annan) typ av besök",
        r"ingen tid att boka om",
    ),
    _row(
        ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE,
        r"(inte|ej) längre (ledig|tillgänglig|bokningsbar)",
        r"tiden finns inte",
        r"no longer (available|free|bookable)",
        r"(slot|time) (is )?not available",
        r"(slot|time) does not exist",
    ),
    _row(
        ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED,
        r"upptagen",
        r"redan (bokad|reserverad|tagen)",
        r"already (been )?(booked|reserved|taken)",
        r"\b(slot|time) (is |was |has been )?taken\b",
    ),
    _row(
        ErrorCode.CANCEL_IS_NOT_ALLOWED,
        r"kan inte avboka",
        r"(kan|får) (inte|ej) avbokas",
        r"avbokning (är )?(inte|ej) tillåten",
        r"cancell?(ation|ing)? (is )?not (allowed|permitted)",
        r"cannot be cancell?ed",
    ),
    _row(
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        r"kan inte omboka",
        r"(kan|får) (inte|ej) ombokas",
        r"ombokning (är )?(inte|ej) tillåten",
        r"rebooking (is )?not (allowed|permitted)",
        r"cannot be (rebooked|moved|updated)",
    ),
    _row(
        ErrorCode.APPOINTMENT_DOES_NOT_EXIST,
        r"(bokningen|kallelsen|bokning|kallelse)( \S+)? (finns|existerar) (inte|ej)",
        r"(bokningen|kallelsen) (saknas|hittades inte|kunde inte hittas)",
        r"okänd (bokning|kallelse)",
        r"(booking|appointment|invitation)( \S+)? (does not exist|not found|is unknown)",
        r"unknown (booking|appointment|invitation)",
        r"no such (booking|appointment|invitation)",
    ),
    _row(
        ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
        r"(får|kan) (inte|ej) boka",
        r"bokning (är )?(inte|ej) tillåten",
        r"not (allowed|permitted) to book",
        r"booking (is )?not (allowed|permitted)",
    ),
)


def recognise_error(text: str | None, interaction: str) -> ErrorCode | None:
    """The specific refusal that `text` names, among those `interaction` can give; else None."""
    if not text:
        return None
    for row in TEXT_PATTERNS:
        if interaction in _APPLIES_TO[row.error] and row.pattern.search(text):
            return row.error
    return None
