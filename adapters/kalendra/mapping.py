"""Kalendra ↔ the booking domain. Pure functions, no I/O.

| Kalendra | domain |
|---|---|
| clinic (`external_ref` HSA) | CareUnit (vårdenhet) |
| visit kind (`external_code`) | TimeType (tidstyp); without an external code, the visit kind's own id |
| visit-kind category (`external_code`) | CareType (vårdtyp); without one, the category key |
| provider (`external_ref` HSA) | Performer (utförare) |
| opening | Timeslot, `slot_id` = opening id |
| reservation | Booking, `booking_id` = reservation id |
| UTC `…Z` | aware datetime in Europe/Stockholm (CET/CEST, DST by the zone rules) |
| error code | BookingOutcome ERROR with an ErrorCode and a Swedish text for the citizen |
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adapters.domain import (
    SWEDISH_TIME,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingStatus,
    CareType,
    CareUnit,
    CitizenDetails,
    ContactChannel,
    ErrorCode,
    Performer,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.kalendra import wire

__all__ = [
    "ClinicCatalogue",
    "available_dates",
    "booking",
    "care_type",
    "care_unit",
    "day_range",
    "derive_idempotency_key",
    "from_utc",
    "outcome_for_refusal",
    "patient_body",
    "performer",
    "time_type",
    "time_type_id",
    "timeslot",
    "to_utc",
]

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_CHANNELS = {"in_person": ContactChannel.PHYSICAL, "video": ContactChannel.VIDEO, "phone": ContactChannel.PHONE}


# ---------------------------------------------------------------------------- time


def from_utc(text: str) -> dt.datetime:
    """Kalendra's `2027-03-28T00:30:00Z` as an aware Swedish local time (fold set in the autumn hour)."""
    if not text.endswith("Z"):
        raise ValueError(f"Kalendra times end in Z: {text!r}")
    moment = dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)
    return moment.astimezone(SWEDISH_TIME)


def to_utc(moment: dt.datetime) -> str:
    """An aware datetime as Kalendra writes it. A naive one is refused: its instant is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no instant; domain times are aware")
    return moment.astimezone(dt.UTC).strftime(_UTC_FORMAT)


def day_range(start: dt.date, end_inclusive: dt.date) -> tuple[str, str]:
    """Swedish dates [start, end] as Kalendra's UTC [from, to): local midnight to local midnight,
    so a day is 23 or 25 hours long on the nights the clocks change."""
    first = dt.datetime.combine(start, dt.time(0), tzinfo=SWEDISH_TIME)
    after = dt.datetime.combine(end_inclusive + dt.timedelta(days=1), dt.time(0), tzinfo=SWEDISH_TIME)
    return to_utc(first), to_utc(after)


# ---------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class ClinicCatalogue:
    """One clinic with its visit kinds and providers: what a translation at that clinic needs."""

    clinic: wire.Clinic
    visit_kinds: tuple[wire.VisitKind, ...]
    providers: tuple[wire.Provider, ...]

    @property
    def hsa_id(self) -> HsaId:
        return HsaId(self.clinic.external_ref.value)

    def visit_kind(self, visit_kind_id: str) -> wire.VisitKind | None:
        return next((kind for kind in self.visit_kinds if kind.id == visit_kind_id), None)

    def provider(self, provider_id: str) -> wire.Provider | None:
        return next((provider for provider in self.providers if provider.id == provider_id), None)

    def provider_by_hsa(self, hsa_id: str) -> wire.Provider | None:
        wanted = hsa_id.strip().upper()
        return next((p for p in self.providers if p.external_ref.value.strip().upper() == wanted), None)

    def visit_kinds_matching(
        self,
        *,
        time_type_ids: Iterable[str] = (),
        time_type_name: str | None = None,
        care_type_ids: Iterable[str] = (),
        care_type_name: str | None = None,
        performers: Iterable[str] = (),
    ) -> list[wire.VisitKind]:
        """Visit kinds that pass every filter given (an empty filter passes all)."""
        type_ids, care_ids = set(time_type_ids), set(care_type_ids)
        offered_by: set[str] | None = None
        wanted_performers = list(performers)
        if wanted_performers:
            offered_by = set()
            for hsa in wanted_performers:
                provider = self.provider_by_hsa(hsa)
                if provider is not None:
                    offered_by.update(provider.visit_kind_ids)
        return [
            kind
            for kind in self.visit_kinds
            if (not type_ids or time_type_id(kind) in type_ids or kind.id in type_ids)
            and (time_type_name is None or kind.name.casefold() == time_type_name.casefold())
            and (not care_ids or care_type(kind.category).care_type_id in care_ids)
            and (care_type_name is None or kind.category.label.casefold() == care_type_name.casefold())
            and (offered_by is None or kind.id in offered_by)
        ]


def care_unit(clinic: wire.Clinic) -> CareUnit:
    return CareUnit(hsa_id=HsaId(clinic.external_ref.value), name=clinic.name)


def time_type_id(kind: wire.VisitKind) -> str:
    return kind.external_code or kind.id


def time_type(kind: wire.VisitKind) -> TimeType:
    return TimeType(time_type_id=time_type_id(kind), name=kind.name)


def care_type(category: wire.Category) -> CareType:
    return CareType(care_type_id=category.external_code or category.key, name=category.label)


def performer(provider: wire.Provider) -> Performer:
    return Performer(
        hsa_id=HsaId(provider.external_ref.value),
        first_name=provider.given_name,
        last_name=provider.family_name,
        title=provider.title,
    )


# ---------------------------------------------------------------------------- openings and reservations


def timeslot(opening: wire.Opening, catalogue: ClinicCatalogue) -> Timeslot:
    """An opening as a Timeslot. `catalogue` must know the opening's visit kind and provider."""
    kind = catalogue.visit_kind(opening.visit_kind_id)
    provider = catalogue.provider(opening.provider_id)
    if kind is None or provider is None:
        raise ValueError(f"opening {opening.id} names a visit kind or provider the clinic does not list")
    staff = performer(provider)
    category = care_type(kind.category)
    return Timeslot(
        care_unit=catalogue.hsa_id,
        start=from_utc(opening.starts_at),
        end=from_utc(opening.ends_at),
        care_unit_name=catalogue.clinic.name,
        performer=staff.hsa_id,
        performer_name=staff.display_name,
        time_type_id=time_type_id(kind),
        time_type_name=kind.name,
        care_type_id=category.care_type_id,
        care_type_name=category.name,
        channel=_CHANNELS[kind.mode],
        slot_id=opening.id,
    )


def booking(reservation: wire.Reservation, catalogue: ClinicCatalogue) -> Booking:
    """An active reservation as a Booking; the `*_allowed` flags are Kalendra's policy at answer time.
    A reason may go with a cancellation or a move, so `message_allowed` is always true."""
    return Booking(
        booking_id=reservation.id,
        citizen=PersonalIdentity(reservation.patient.personal_number),
        slot=timeslot(reservation.opening, catalogue),
        reason=reservation.note,
        status=BookingStatus.CONFIRMED,
        cancel_allowed=reservation.policy.can_cancel,
        rebook_allowed=reservation.policy.can_reschedule,
        message_allowed=True,
    )


def available_dates(slots: Sequence[Timeslot]) -> list[AvailableDate]:
    """Free timeslots counted per Swedish date, performer and time type."""
    counts: Counter[tuple[dt.date, str, str]] = Counter()
    first: dict[tuple[dt.date, str, str], Timeslot] = {}
    for slot in slots:
        if slot.start is None:
            continue
        key = (slot.start.astimezone(SWEDISH_TIME).date(), slot.performer or "", slot.time_type_id or "")
        counts[key] += 1
        first.setdefault(key, slot)
    return [
        AvailableDate(
            care_unit=first[key].care_unit,
            date=key[0],
            performer=first[key].performer,
            time_type_id=first[key].time_type_id,
            time_type_name=first[key].time_type_name,
            care_type_id=first[key].care_type_id,
            care_type_name=first[key].care_type_name,
            free_slots=count,
        )
        for key, count in sorted(counts.items())
    ]


# ---------------------------------------------------------------------------- writes


def patient_body(citizen: PersonalIdentity, details: CitizenDetails | None) -> dict[str, str]:
    body = {"personal_number": citizen.value}
    if details is not None:
        given = " ".join(part for part in (details.first_name, details.middle_name) if part)
        optional = {
            "given_name": given,
            "family_name": details.last_name,
            "phone": details.phone,
            "email": details.email,
        }
        body.update({key: value for key, value in optional.items() if value})
    return body


def derive_idempotency_key(citizen: PersonalIdentity, opening_id: str, time_type: str | None) -> str:
    """The Idempotency-Key of a reservation: the same citizen, opening and time type always give the
    same key, so a retried MakeBooking answers the reservation the first attempt made. Hashed, so
    the personal identity number does not travel in a header or land in Kalendra's logs."""
    material = "\x1f".join((citizen.value, opening_id, time_type or ""))
    return "tidbok-" + hashlib.sha256(material.encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class _Refusal:
    error: ErrorCode
    text: str


_REFUSALS: dict[str, _Refusal] = {
    "OPENING_TAKEN": _Refusal(
        ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, "Tiden har blivit upptagen av en annan patient."
    ),
    "OPENING_IN_PAST": _Refusal(ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED, "Tiden har redan passerat."),
    "OPENING_NOT_FOUND": _Refusal(
        ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, "Tiden finns inte längre. Välj en annan tid."
    ),
    "PATIENT_DOUBLE_BOOKED": _Refusal(
        ErrorCode.USER_IS_ALREADY_OCCUPIED, "Du har redan en bokad tid som krockar med den här tiden."
    ),
    "IDEMPOTENCY_KEY_REUSED": _Refusal(
        ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, "Du har redan bokat den här tiden."
    ),
    "CLINIC_MISMATCH": _Refusal(
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED, "Tiden kan bara flyttas till en tid på samma mottagning."
    ),
    "RESERVATION_NOT_FOUND": _Refusal(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, "Bokningen finns inte."),
    "RESERVATION_ALREADY_CANCELLED": _Refusal(ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED, "Bokningen är redan avbokad."),
    "CANCELLATION_WINDOW_CLOSED": _Refusal(
        ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
        "Det är för sent att avboka tiden via webben. Kontakta mottagningen.",
    ),
    "RESCHEDULE_WINDOW_CLOSED": _Refusal(
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        "Det är för sent att boka om tiden via webben. Kontakta mottagningen.",
    ),
}


def outcome_for_refusal(code: str) -> BookingOutcome | None:
    """The citizen's answer to a Kalendra error code; None for codes that are not refusals."""
    refusal = _REFUSALS.get(code)
    if refusal is None:
        return None
    return BookingOutcome.refused(refusal.error, refusal.text)
