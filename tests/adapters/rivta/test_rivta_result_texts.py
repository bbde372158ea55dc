"""The specific refusal named by a 1.1 result text, in Swedish or English."""

from __future__ import annotations

import pytest

from adapters.domain import ErrorCode
from adapters.rivta.result_texts import TEXT_PATTERNS, recognise_error

E = ErrorCode


@pytest.mark.parametrize(
    ("interaction", "text", "expected"),
    [
        ("MakeBooking", "Tiden har blivit upptagen av annan patient", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("MakeBooking", "Tiden är redan bokad.", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("MakeBooking", "The requested time is already booked", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("UpdateBooking", "Slot taken", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("MakeBooking", "Tiden har redan passerat", E.REQUESTED_TIME_HAS_ALREADY_PASSED),
        ("UpdateBooking", "The requested time has already passed", E.REQUESTED_TIME_HAS_ALREADY_PASSED),
        ("MakeBooking", "Tiden är inte längre ledig", E.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE),
        ("MakeBooking", "The time is no longer available", E.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE),
        ("MakeBooking", "Det är för sent att boka denna tid", E.TOO_LATE_TO_MAKE_APPOINTMENT),
        ("UpdateBooking", "För sent att omboka", E.TOO_LATE_TO_UPDATE_APPOINTMENT),
        ("CancelBooking", "Det är för sent att avboka, ring mottagningen", E.TOO_LATE_TO_CANCEL_APPOINTMENT),
        ("CancelBooking", "Too late to cancel this appointment", E.TOO_LATE_TO_CANCEL_APPOINTMENT),
        ("MakeBooking", "Du har redan en bokad tid hos oss", E.USER_IS_ALREADY_OCCUPIED),
        ("CancelBooking", "Bokningen är redan avbokad", E.APPOINTMENT_IS_ALREADY_CANCELED),
        ("UpdateBooking", "The appointment has already been cancelled", E.APPOINTMENT_IS_ALREADY_CANCELED),
        ("CancelBooking", "Bokningen är redan ombokad", E.APPOINTMENT_IS_ALREADY_UPDATED),
        ("CancelBooking", "Bokningen finns inte", E.APPOINTMENT_DOES_NOT_EXIST),
        ("CancelBooking", "Booking B-17 does not exist", E.APPOINTMENT_DOES_NOT_EXIST),
        ("GetBookingDetails", "Unknown booking: B-17", E.APPOINTMENT_DOES_NOT_EXIST),
        ("GetBookingDetails", "Bokningen hittades inte", E.APPOINTMENT_DOES_NOT_EXIST),
        ("CancelBooking", "Kan inte avboka denna typ av besök", E.CANCEL_IS_NOT_ALLOWED),
        ("UpdateBooking", "Bokningen får inte ombokas", E.UPDATE_APPOINTMENT_IS_NOT_ALLOWED),
        ("MakeBooking", "Du får inte boka denna tidstyp", E.APPOINTMENT_IS_NOT_ALLOWED),
    ],
)
def test_recognised(interaction: str, text: str, expected: ErrorCode) -> None:
    assert recognise_error(text, interaction) is expected


@pytest.mark.parametrize(
    ("interaction", "text"),
    [
        ("MakeBooking", None),
        ("MakeBooking", ""),
        ("MakeBooking", "Ring mottagningen"),
        ("CancelBooking", "Tiden är redan bokad"),  # a cancel cannot be refused because a slot is taken
        ("GetBookingDetails", "Tiden är redan bokad"),
    ],
)
def test_not_recognised(interaction: str, text: str | None) -> None:
    assert recognise_error(text, interaction) is None


# the crm:scheduling 1.1 simulator's own texts (simulators/rivta_producer/service.py Texts)
@pytest.mark.parametrize(
    ("interaction", "text", "expected"),
    [
        ("MakeBooking", "Tiden har blivit upptagen av en annan patient.", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("UpdateBooking", "Tiden har blivit upptagen av en annan patient.", E.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("CancelBooking", "Bokningen finns inte.", E.APPOINTMENT_DOES_NOT_EXIST),
        ("GetBookingDetails", "Bokningen finns inte.", E.APPOINTMENT_DOES_NOT_EXIST),
        ("GetBookingDetails", "Bokningen är avbokad.", E.APPOINTMENT_IS_ALREADY_CANCELED),
        ("CancelBooking", "Bokningen är redan avbokad.", E.APPOINTMENT_IS_ALREADY_CANCELED),
        ("UpdateBooking", "Bokningen är avbokad och kan inte ombokas.", E.APPOINTMENT_IS_ALREADY_CANCELED),
        ("MakeBooking", "Tiden har redan passerat.", E.REQUESTED_TIME_HAS_ALREADY_PASSED),
        ("UpdateBooking", "Tiden har redan passerat.", E.REQUESTED_TIME_HAS_ALREADY_PASSED),
        ("UpdateBooking", "Den bokade tiden har redan passerat.", E.TOO_LATE_TO_UPDATE_APPOINTMENT),
        ("CancelBooking", "Den bokade tiden har redan passerat.", E.TOO_LATE_TO_CANCEL_APPOINTMENT),
        ("MakeBooking", "Den begärda tiden finns inte i tidboken.", E.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE),
        ("MakeBooking", "Du har redan en bokad tid som krockar med den här tiden.", E.USER_IS_ALREADY_OCCUPIED),
        ("MakeBooking", "Du kan bara boka tider åt dig själv.", E.APPOINTMENT_IS_NOT_ALLOWED),
        ("MakeBooking", "Kallelsen finns inte.", E.APPOINTMENT_DOES_NOT_EXIST),
        (
            "MakeBooking",
            "Kallelsen är redan bokad. En kallelse kan bara bokas en gång.",
            E.APPOINTMENT_IS_NOT_ALLOWED,
        ),
        ("MakeBooking", "Tiden gäller inte den typ av besök som kallelsen avser.", E.APPOINTMENT_IS_NOT_ALLOWED),
        (
            "UpdateBooking",
            "Den nya tiden gäller en annan typ av besök än bokningen.",
            E.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ),
        (
            "UpdateBooking",
            "Kallelsen har ingen tid att boka om. Boka en tid för kallelsen i stället.",
            E.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ),
        ("CancelBooking", "En kallelse utan tid kan inte avbokas här. Kontakta mottagningen.", E.CANCEL_IS_NOT_ALLOWED),
        (
            "CancelBooking",
            "Kallelsen är avbokad. Mottagningen kontaktar dig om en ny tid.",
            E.APPOINTMENT_IS_ALREADY_CANCELED,
        ),
        (
            "CancelBooking",
            "Tiden kan inte avbokas senare än 24 timmar före besöket. Kontakta mottagningen.",
            E.TOO_LATE_TO_CANCEL_APPOINTMENT,
        ),
        (
            "UpdateBooking",
            "Tiden kan inte ombokas senare än 24 timmar före besöket. Kontakta mottagningen.",
            E.TOO_LATE_TO_UPDATE_APPOINTMENT,
        ),
    ],
)
def test_the_simulated_regions_texts(interaction: str, text: str, expected: ErrorCode) -> None:
    assert recognise_error(text, interaction) is expected


def test_the_table_covers_every_code_1_1_writes_can_mean() -> None:
    covered = {row.error for row in TEXT_PATTERNS}
    confirm_only = {E.TOO_LATE_TO_CONFIRM_APPOINTMENT, E.CONFIRM_IS_NOT_ALLOWED, E.APPOINTMENT_IS_ALREADY_CONFIRMED}
    assert covered == set(ErrorCode) - confirm_only
