"""Citizen-facing texts for the scheduling 2 result codes, in Swedish and English.

A producer's `resultText` is shown when it sent one; these stand in when it did not. The
gateway's crm:scheduling 1.1 face has no error codes, so there the Swedish text is all the
citizen gets: each one says what happened and what to do next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from adapters.domain import ErrorCode

__all__ = ["GENERIC_REFUSAL", "RESULT_TEXTS", "CitizenText", "Language", "citizen_text"]

Language = Literal["sv", "en"]


@dataclass(frozen=True, slots=True)
class CitizenText:
    sv: str
    en: str

    def in_language(self, language: Language) -> str:
        return self.sv if language == "sv" else self.en


RESULT_TEXTS: Mapping[ErrorCode, CitizenText] = {
    ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED: CitizenText(
        "Tiden har redan bokats av någon annan. Välj en annan tid.",
        "Someone else has already booked this time. Please choose another time.",
    ),
    ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED: CitizenText(
        "Tiden har redan passerat. Välj en annan tid.",
        "This time has already passed. Please choose another time.",
    ),
    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE: CitizenText(
        "Tiden går inte längre att boka. Välj en annan tid.",
        "This time can no longer be booked. Please choose another time.",
    ),
    ErrorCode.TOO_LATE_TO_MAKE_APPOINTMENT: CitizenText(
        "Det är för sent att boka den här tiden. Välj en senare tid eller kontakta mottagningen.",
        "It is too late to book this time. Please choose a later time or contact the clinic.",
    ),
    ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT: CitizenText(
        "Det är för sent att boka om tiden. Kontakta mottagningen.",
        "It is too late to rebook this appointment. Please contact the clinic.",
    ),
    ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT: CitizenText(
        "Det är för sent att avboka tiden. Kontakta mottagningen.",
        "It is too late to cancel this appointment. Please contact the clinic.",
    ),
    ErrorCode.TOO_LATE_TO_CONFIRM_APPOINTMENT: CitizenText(
        "Det är för sent att bekräfta tiden. Kontakta mottagningen.",
        "It is too late to confirm this appointment. Please contact the clinic.",
    ),
    ErrorCode.USER_IS_ALREADY_OCCUPIED: CitizenText(
        "Du har redan en bokad tid vid samma tillfälle. Välj en annan tid.",
        "You already have an appointment at the same time. Please choose another time.",
    ),
    ErrorCode.APPOINTMENT_IS_NOT_ALLOWED: CitizenText(
        "Den här tiden går inte att boka här. Kontakta mottagningen.",
        "This time cannot be booked here. Please contact the clinic.",
    ),
    ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED: CitizenText(
        "Tiden går inte att boka om här. Kontakta mottagningen.",
        "This appointment cannot be rebooked here. Please contact the clinic.",
    ),
    ErrorCode.CANCEL_IS_NOT_ALLOWED: CitizenText(
        "Tiden går inte att avboka här. Kontakta mottagningen.",
        "This appointment cannot be cancelled here. Please contact the clinic.",
    ),
    ErrorCode.CONFIRM_IS_NOT_ALLOWED: CitizenText(
        "Tiden går inte att bekräfta här. Kontakta mottagningen.",
        "This appointment cannot be confirmed here. Please contact the clinic.",
    ),
    ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED: CitizenText(
        "Bokningen är redan avbokad.",
        "This appointment has already been cancelled.",
    ),
    ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED: CitizenText(
        "Bokningen har redan bokats om. Se dina bokade tider.",
        "This appointment has already been rebooked. See your booked appointments.",
    ),
    ErrorCode.APPOINTMENT_IS_ALREADY_CONFIRMED: CitizenText(
        "Tiden är redan bekräftad.",
        "This appointment has already been confirmed.",
    ),
    ErrorCode.APPOINTMENT_DOES_NOT_EXIST: CitizenText(
        "Bokningen finns inte. Se dina bokade tider.",
        "The appointment does not exist. See your booked appointments.",
    ),
}

GENERIC_REFUSAL = CitizenText(
    "Det gick inte att genomföra ärendet. Kontakta mottagningen.",
    "The request could not be completed. Please contact the clinic.",
)


def citizen_text(error: ErrorCode | None, language: Language = "sv") -> str:
    """The text for `error`; the generic refusal for a plain ERROR (None)."""
    text = GENERIC_REFUSAL if error is None else RESULT_TEXTS[error]
    return text.in_language(language)
