"""FHIR R4 scheduling resources ↔ the booking domain. Pure functions, no I/O.

- Appointment.status: booked/arrived/checked-in/fulfilled/noshow → confirmed; proposed/pending/
  waitlist → preliminary (proposed is the clinic's invitation, kallelse); cancelled and
  entered-in-error are no booking any more (None).
- Time types (tidstyper) are `serviceType` codes, care types (vårdtyper) `serviceCategory` codes of
  the region's own CodeSystems; the channel is `appointmentType` in HL7 v3-ParticipationMode
  (PHYSICAL or FACE, VIDEOCONF, PHONE).
- Care units, practitioners and citizens are participants/actors, identified by the HSA-id
  (`urn:oid:1.2.752.129.2.1.4.1`) and the personnummer (`urn:oid:1.2.752.129.2.1.3.1`) in
  `Reference.identifier`.
- Instants carry their offset; inside they are aware datetimes in Europe/Stockholm.
- An OperationOutcome refusing a write becomes a `BookingOutcome` with the scheduling 2 `ErrorCode`
  it means (409 slot taken → REQUESTED_TIME_IS_ALREADY_RESERVED, …).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from adapters.domain import (
    SWEDISH_TIME,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingStatus,
    CareType,
    CareUnit,
    ContactChannel,
    ErrorCode,
    Performer,
    Timeslot,
    TimeType,
)
from adapters.fhir.resources import (
    Appointment,
    CodeableConcept,
    Coding,
    Location,
    OperationOutcome,
    Practitioner,
    Reference,
    Schedule,
    Slot,
)
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity, mask_personal_numbers

__all__ = [
    "CHANNEL_SYSTEM",
    "HSA_ID_SYSTEM",
    "PERSONAL_NUMBER_SYSTEM",
    "Action",
    "ScheduleView",
    "aggregate_dates",
    "appointment_to_booking",
    "booking_status",
    "cancelled_appointment",
    "care_unit_of",
    "channel_of",
    "day_start",
    "format_instant",
    "hsa_id_of",
    "is_active",
    "new_appointment",
    "parse_instant",
    "performer_of",
    "personal_identity_of",
    "rebooked_appointment",
    "refusal",
    "schedule_view",
    "slot_to_timeslot",
]

HSA_ID_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"
PERSONAL_NUMBER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"
CHANNEL_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"

_CHANNEL_BY_CODE = {
    "PHYSICAL": ContactChannel.PHYSICAL,
    "FACE": ContactChannel.PHYSICAL,
    "VIDEOCONF": ContactChannel.VIDEO,
    "PHONE": ContactChannel.PHONE,
}
_CONFIRMED = frozenset({"booked", "arrived", "checked-in", "fulfilled", "noshow"})
_PRELIMINARY = frozenset({"proposed", "pending", "waitlist"})
_CHANGEABLE = frozenset({"proposed", "pending", "booked", "waitlist"})


# instants -------------------------------------------------------------------------------------------


def parse_instant(text: str) -> dt.datetime:
    """A FHIR instant → an aware datetime in Swedish time. An instant without offset is refused."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"a FHIR instant carries its offset: {text[:40]!r}")
    return value.astimezone(SWEDISH_TIME)


def format_instant(value: dt.datetime) -> str:
    """An aware datetime → a FHIR instant in Swedish time with its offset."""
    if value.tzinfo is None:
        raise ValueError("a naive datetime is not an instant: give it a time zone")
    return value.astimezone(SWEDISH_TIME).isoformat(timespec="seconds")


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Elapsed minutes. In UTC: two datetimes in the same zone subtract as wall clocks in Python,
    which is an hour off across a DST change."""
    return int((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60)


def day_start(day: dt.date) -> str:
    """Midnight in Sweden on `day`, as an instant (the offset depends on the day: DST)."""
    return format_instant(dt.datetime.combine(day, dt.time(), tzinfo=SWEDISH_TIME))


# codes and identifiers ------------------------------------------------------------------------------


def _coding(concepts: Sequence[CodeableConcept], system: str | None) -> tuple[Coding, CodeableConcept] | None:
    for concept in concepts:
        for coding in concept.coding:
            if coding.code and (system is None or coding.system == system):
                return coding, concept
    return None


def time_type_of(concepts: Sequence[CodeableConcept], system: str | None = None) -> TimeType | None:
    found = _coding(concepts, system)
    if found is None:
        return None
    coding, concept = found
    return TimeType(time_type_id=str(coding.code), name=coding.display or concept.text or str(coding.code))


def care_type_of(concepts: Sequence[CodeableConcept], system: str | None = None) -> CareType | None:
    found = _coding(concepts, system)
    if found is None:
        return None
    coding, concept = found
    return CareType(care_type_id=str(coding.code), name=coding.display or concept.text or str(coding.code))


def channel_of(concept: CodeableConcept | None) -> ContactChannel | None:
    if concept is None:
        return None
    for coding in concept.coding:
        if coding.system == CHANNEL_SYSTEM and coding.code in _CHANNEL_BY_CODE:
            return _CHANNEL_BY_CODE[coding.code]
    return None


def hsa_id_of(identifiers: Iterable[Any]) -> HsaId | None:
    for identifier in identifiers:
        if identifier is not None and identifier.system == HSA_ID_SYSTEM and identifier.value:
            try:
                return HsaId(identifier.value)
            except InvalidIdentifier:
                return None
    return None


def personal_identity_of(reference: Reference) -> PersonalIdentity | None:
    identifier = reference.identifier
    if identifier is None or identifier.system != PERSONAL_NUMBER_SYSTEM or not identifier.value:
        return None
    try:
        return PersonalIdentity.parse(identifier.value)
    except InvalidIdentifier:
        return None


def performer_of(practitioner: Practitioner) -> Performer | None:
    hsa_id = hsa_id_of(practitioner.identifier)
    if hsa_id is None:
        return None
    name = practitioner.name[0] if practitioner.name else None
    first = " ".join(name.given) if name and name.given else ""
    last = name.family if name and name.family else ""
    if name and not (first or last) and name.text:
        first, _, last = name.text.rpartition(" ")
    title = next((q.code.text for q in practitioner.qualification if q.code.text), None)
    return Performer(hsa_id=hsa_id, first_name=first, last_name=last, title=title)


def _performer_from_reference(reference: Reference) -> Performer | None:
    hsa_id = hsa_id_of([reference.identifier])
    if hsa_id is None:
        return None
    first, _, last = (reference.display or "").rpartition(" ")
    return Performer(hsa_id=hsa_id, first_name=first, last_name=last)


def _full_name(performer: Performer | None) -> str | None:
    if performer is None:
        return None
    return " ".join(part for part in (performer.first_name, performer.last_name) if part) or None


def care_unit_of(location: Location) -> CareUnit | None:
    hsa_id = hsa_id_of(location.identifier)
    return CareUnit(hsa_id=hsa_id, name=location.name) if hsa_id else None


# schedules and slots --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A Schedule as the domain sees it: whose time, of which type, at which unit."""

    schedule_id: str
    time_type: TimeType | None
    care_type: CareType | None
    performer: Performer | None
    care_unit: CareUnit | None
    practitioner_ref: Reference | None
    location_ref: Reference | None


def schedule_view(
    schedule: Schedule,
    practitioners: Mapping[str, Practitioner],
    locations: Mapping[str, Location],
    *,
    time_type_system: str | None = None,
    care_type_system: str | None = None,
) -> ScheduleView:
    """`practitioners` and `locations` are the included resources by `Type/id`."""
    practitioner_ref = next((a for a in schedule.actor if a.kind() == "Practitioner"), None)
    location_ref = next((a for a in schedule.actor if a.kind() == "Location"), None)
    performer = None
    if practitioner_ref is not None:
        included = practitioners.get(f"Practitioner/{practitioner_ref.target_id()}")
        performer = (performer_of(included) if included else None) or _performer_from_reference(practitioner_ref)
    care_unit = None
    if location_ref is not None:
        included_location = locations.get(f"Location/{location_ref.target_id()}")
        care_unit = care_unit_of(included_location) if included_location else None
        if care_unit is None and (hsa_id := hsa_id_of([location_ref.identifier])):
            care_unit = CareUnit(hsa_id=hsa_id, name=location_ref.display)
    return ScheduleView(
        schedule_id=schedule.id,
        time_type=time_type_of(schedule.serviceType, time_type_system),
        care_type=care_type_of(schedule.serviceCategory, care_type_system),
        performer=performer,
        care_unit=care_unit,
        practitioner_ref=practitioner_ref,
        location_ref=location_ref,
    )


def slot_to_timeslot(
    slot: Slot,
    view: ScheduleView,
    care_unit: CareUnit,
    *,
    time_type_system: str | None = None,
    care_type_system: str | None = None,
) -> Timeslot:
    time_type = time_type_of(slot.serviceType, time_type_system) or view.time_type
    care_type = care_type_of(slot.serviceCategory, care_type_system) or view.care_type
    return Timeslot(
        care_unit=care_unit.hsa_id,
        care_unit_name=care_unit.name,
        start=parse_instant(slot.start),
        end=parse_instant(slot.end),
        performer=view.performer.hsa_id if view.performer else None,
        performer_name=_full_name(view.performer),
        time_type_id=time_type.time_type_id if time_type else None,
        time_type_name=time_type.name if time_type else None,
        care_type_id=care_type.care_type_id if care_type else None,
        care_type_name=care_type.name if care_type else None,
        channel=channel_of(slot.appointmentType),
        slot_id=slot.id,
    )


def aggregate_dates(timeslots: Iterable[Timeslot]) -> list[AvailableDate]:
    """Free times per Swedish date, performer and time type, in date order."""
    counts: Counter[tuple[dt.date, str, str, str]] = Counter()
    examples: dict[tuple[dt.date, str, str, str], Timeslot] = {}
    for slot in timeslots:
        if slot.start is None:
            continue
        key = (
            slot.start.astimezone(SWEDISH_TIME).date(),
            slot.performer or "",
            slot.time_type_id or "",
            slot.care_unit,
        )
        counts[key] += 1
        examples.setdefault(key, slot)
    return [
        AvailableDate(
            care_unit=examples[key].care_unit,
            date=key[0],
            performer=examples[key].performer,
            time_type_id=examples[key].time_type_id,
            time_type_name=examples[key].time_type_name,
            care_type_id=examples[key].care_type_id,
            care_type_name=examples[key].care_type_name,
            free_slots=count,
        )
        for key, count in sorted(counts.items())
    ]


# appointments ---------------------------------------------------------------------------------------


def booking_status(status: str) -> BookingStatus | None:
    """The domain status of an Appointment status; None when it is no booking any more."""
    if status in _CONFIRMED:
        return BookingStatus.CONFIRMED
    if status in _PRELIMINARY:
        return BookingStatus.PRELIMINARY
    return None


def is_active(appointment: Appointment) -> bool:
    return booking_status(appointment.status) is not None


def appointment_to_booking(
    appointment: Appointment,
    *,
    now: dt.datetime,
    citizen: PersonalIdentity | None = None,
    care_unit: CareUnit | None = None,
    time_type_system: str | None = None,
    care_type_system: str | None = None,
) -> Booking | None:
    """The Booking, or None for a cancelled appointment or one without a citizen or unit.
    `citizen` and `care_unit` stand in when the participants carry no identifiers."""
    status = booking_status(appointment.status)
    if status is None:
        return None
    patients = appointment.actors("Patient")
    citizen = next((p for p in map(personal_identity_of, patients) if p), None) or citizen
    locations = appointment.actors("Location")
    location = locations[0] if locations else None
    unit_id = hsa_id_of([location.identifier]) if location else None
    if unit_id is None and care_unit is not None:
        unit_id = care_unit.hsa_id
    if citizen is None or unit_id is None:
        return None
    unit_name = (location.display if location else None) or (care_unit.name if care_unit else None)
    practitioners = appointment.actors("Practitioner")
    performer = _performer_from_reference(practitioners[0]) if practitioners else None
    time_type = time_type_of(appointment.serviceType, time_type_system)
    care_type = care_type_of(appointment.serviceCategory, care_type_system)
    start = parse_instant(appointment.start) if appointment.start else None
    end = parse_instant(appointment.end) if appointment.end else None
    slot = Timeslot(
        care_unit=unit_id,
        care_unit_name=unit_name,
        start=start,
        end=end,
        performer=performer.hsa_id if performer else None,
        performer_name=(practitioners[0].display if practitioners else None),
        time_type_id=time_type.time_type_id if time_type else None,
        time_type_name=time_type.name if time_type else None,
        care_type_id=care_type.care_type_id if care_type else None,
        care_type_name=care_type.name if care_type else None,
        channel=channel_of(appointment.appointmentType),
        slot_id=appointment.slot[0].target_id() if appointment.slot else None,
    )
    changeable = appointment.status in _CHANGEABLE and (start is None or start > now)
    return Booking(
        booking_id=appointment.id,
        citizen=citizen,
        slot=slot,
        purpose=appointment.description,
        reason=next((c.text for c in appointment.reasonCode if c.text), None),
        is_invitation=appointment.status == "proposed",
        status=status,
        cancel_allowed=changeable,
        rebook_allowed=changeable and start is not None,
    )


def _reference(kind: str, resource_id: str, identifier: tuple[str, str] | None = None) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"{kind}/{resource_id}", "type": kind}
    if identifier is not None:
        reference["identifier"] = {"system": identifier[0], "value": identifier[1]}
    return reference


def _slot_participants(view: ScheduleView) -> list[dict[str, Any]]:
    return [
        {"actor": ref.model_dump(exclude_none=True), "required": "required", "status": "accepted"}
        for ref in (view.practitioner_ref, view.location_ref)
        if ref is not None
    ]


def new_appointment(
    slot: Slot,
    view: ScheduleView,
    *,
    patient_id: str,
    citizen: PersonalIdentity,
    reason: str | None,
    comment: str | None,
    identifier: tuple[str, str] | None,
) -> dict[str, Any]:
    """The Appointment to POST: booked, on `slot`, for the patient, with the slot's staff and unit."""
    body: dict[str, Any] = {"resourceType": "Appointment", "status": "booked"}
    if identifier is not None:
        body["identifier"] = [{"system": identifier[0], "value": identifier[1]}]
    body |= {
        "serviceCategory": [c.model_dump(exclude_none=True) for c in slot.serviceCategory],
        "serviceType": [c.model_dump(exclude_none=True) for c in slot.serviceType],
    }
    if slot.appointmentType is not None:
        body["appointmentType"] = slot.appointmentType.model_dump(exclude_none=True)
    if reason:
        body["reasonCode"] = [{"text": reason}]
    body |= {"start": slot.start, "end": slot.end, "slot": [{"reference": f"Slot/{slot.id}"}]}
    if comment:
        body["comment"] = comment
    patient = {
        "actor": _reference("Patient", patient_id, (PERSONAL_NUMBER_SYSTEM, citizen.value)),
        "required": "required",
        "status": "accepted",
    }
    body["participant"] = [patient, *_slot_participants(view)]
    return body


def rebooked_appointment(
    current: Mapping[str, Any], slot: Slot, view: ScheduleView, *, reason: str | None, comment: str | None
) -> dict[str, Any]:
    """The Appointment to PUT when moving to `slot`: the region's own resource as read (a PUT
    replaces it whole, so nothing the adapter does not know of is dropped), with the new slot,
    times, types, staff and unit. An invitation that is moved becomes a booking."""
    body = dict(current)
    body.pop("meta", None)
    if body.get("status") == "proposed":
        body["status"] = "booked"
    body["slot"] = [{"reference": f"Slot/{slot.id}"}]
    body["start"], body["end"] = slot.start, slot.end
    body["minutesDuration"] = _minutes(parse_instant(slot.start), parse_instant(slot.end))
    body["serviceType"] = [c.model_dump(exclude_none=True) for c in slot.serviceType] or body.get("serviceType")
    body["serviceCategory"] = [c.model_dump(exclude_none=True) for c in slot.serviceCategory] or body.get(
        "serviceCategory"
    )
    if slot.appointmentType is not None:
        body["appointmentType"] = slot.appointmentType.model_dump(exclude_none=True)
    kept = [
        p
        for p in body.get("participant", [])
        if not (isinstance(p, Mapping) and _kind_of(p.get("actor")) in ("Practitioner", "Location"))
    ]
    body["participant"] = [*kept, *_slot_participants(view)]
    if reason:
        body["reasonCode"] = [{"text": reason}]
    if comment:
        body["comment"] = comment
    return {key: value for key, value in body.items() if value is not None}


def cancelled_appointment(current: Mapping[str, Any], message: str | None) -> dict[str, Any]:
    body = dict(current)
    body.pop("meta", None)
    body["status"] = "cancelled"
    if message:
        body["cancelationReason"] = {"text": message}
    return body


def _kind_of(actor: Any) -> str | None:
    if not isinstance(actor, Mapping):
        return None
    try:
        return Reference.model_validate(actor).kind()
    except ValueError:
        return None


# refusals -------------------------------------------------------------------------------------------


class Action(Enum):
    BOOK = "book"
    REBOOK = "rebook"
    CANCEL = "cancel"


_TEXTS = {
    ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED: "Tiden är redan bokad. Välj en annan tid.",
    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE: "Tiden finns inte längre. Välj en annan tid.",
    ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED: "Tiden har redan passerat.",
    ErrorCode.USER_IS_ALREADY_OCCUPIED: "Du har redan en bokad tid vid samma tidpunkt.",
    ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED: "Tiden är redan avbokad.",
    ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED: "Bokningen har ändrats under tiden. Försök igen.",
    ErrorCode.APPOINTMENT_DOES_NOT_EXIST: "Bokningen finns inte.",
    ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT: "Det är för sent att avboka tiden.",
    ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT: "Det är för sent att boka om tiden.",
    ErrorCode.CANCEL_IS_NOT_ALLOWED: "Tiden kan inte avbokas.",
    ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED: "Tiden kan inte bokas om.",
    ErrorCode.APPOINTMENT_IS_NOT_ALLOWED: "Tiden kan inte bokas.",
}


def refused(error: ErrorCode, text: str | None = None) -> BookingOutcome:
    return BookingOutcome.refused(error, text or _TEXTS[error])


def refusal(status: int, outcome: OperationOutcome | None, action: Action) -> BookingOutcome:
    """The refusal a 404/409/412/422 answer to a write means. A refusal the adapter recognises gets
    the citizen's text in Swedish; any other carries the region's own text."""
    details = outcome.detail_codes() if outcome else set()
    text = mask_personal_numbers(outcome.text()) if outcome else ""
    error: ErrorCode | None
    not_allowed = {
        Action.BOOK: ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
        Action.REBOOK: ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        Action.CANCEL: ErrorCode.CANCEL_IS_NOT_ALLOWED,
    }[action]
    if status == 404 or "APPOINTMENT_NOT_FOUND" in details:
        error = ErrorCode.APPOINTMENT_DOES_NOT_EXIST
    elif status == 412:
        error = ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED
    elif "ALREADY_CANCELLED" in details:
        error = ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED
    elif "PATIENT_BUSY" in details:
        error = ErrorCode.USER_IS_ALREADY_OCCUPIED
    elif "SLOT_IN_PAST" in details:
        error = ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED
    elif "APPOINTMENT_IN_PAST" in details:
        error = (
            ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT
            if action is Action.CANCEL
            else ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT
        )
    elif "SLOT_NOT_FOUND" in details:
        error = ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE
    elif "INVALID_TRANSITION" in details:
        error = not_allowed
    elif status == 409:
        error = ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED
    else:
        return BookingOutcome.refused(None, text or _TEXTS[not_allowed])
    return refused(error)
