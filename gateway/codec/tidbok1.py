"""The tidbok:scheduling 1 codec (`urn:riv:tidbok:scheduling:1`): our own interactions for group,
series and combined bookings. Requests → domain values and 2.0 ids; answers → elements in the
contract's namespaces and order. The scheduling 2 core types (actor, person and HSA ids, timeslots,
appointments) are read and written by `gateway.codec.sched2`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from adapters.domain import Actor, Booking, BookingOutcome, Code, GroupTimeslot
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from gateway.codec import sched2
from gateway.codec.xml import DecodeError, Reader, add, add_bool
from rules.view import TimeTypeView

__all__ = [
    "CORE",
    "GroupSearch",
    "PartElement",
    "Recurrence",
    "SetRequest",
    "add_booking_set",
    "add_group_timeslot",
    "decode_group_search",
    "decode_set_request",
    "responder",
    "response",
    "set_answer",
]

CORE = "urn:riv:tidbok:scheduling:1"
S2 = sched2.CORE


def responder(name: str) -> str:
    return f"urn:riv:tidbok:scheduling:{name}Responder:1"


# ------------------------------------------------------------------ requests


@dataclass(frozen=True, slots=True)
class GroupSearch:
    """GetGroupTimeslots."""

    actor: Actor | None
    citizen: PersonalIdentity | None
    start_date: dt.date
    end_date: dt.date
    time_type_code: str | None
    practitioner: HsaId | None


@dataclass(frozen=True, slots=True)
class Recurrence:
    first_timeslot_id: str
    interval_days: int
    occurrences: int
    same_practitioner: bool


@dataclass(frozen=True, slots=True)
class SetRequest:
    """Every request but GetGroupTimeslots: who, for whom, and what of the set it names."""

    actor: Actor
    citizen: PersonalIdentity
    timeslot_ids: tuple[str, ...] = ()
    recurrence: Recurrence | None = None
    booking_set_id: str | None = None
    appointment_id: str | None = None
    reason_text: str | None = None
    reason_code: Code | None = None


def _person(read: Reader) -> PersonalIdentity | None:
    person = read.child("personId", inner=S2)
    if person is None:
        return None
    extension = person.text("extension")
    if extension is None:
        raise DecodeError("personId", "extension is required")
    try:
        return PersonalIdentity.parse(extension)
    except InvalidIdentifier as exc:
        raise DecodeError("personId", str(exc)) from exc


def _hsa(read: Reader, name: str) -> HsaId | None:
    found = read.child(name, inner=S2)
    if found is None:
        return None
    try:
        return HsaId(found.required("extension"))
    except InvalidIdentifier as exc:
        raise DecodeError(name, str(exc)) from exc


def _uuid(read: Reader, name: str) -> str | None:
    value = read.text(name)
    return value.lower() if value else None


def decode_group_search(body: etree._Element) -> GroupSearch:
    read = Reader(body, responder("GetGroupTimeslots"))
    start, end = read.date("startDateInclusive"), read.date("endDateInclusive")
    if end < start:
        raise DecodeError("endDateInclusive", "before startDateInclusive")
    return GroupSearch(
        actor=sched2.decode_actor(read),
        citizen=_person(read),
        start_date=start,
        end_date=end,
        time_type_code=read.text("timeTypeCode"),
        practitioner=_hsa(read, "practitionerId"),
    )


def decode_set_request(body: etree._Element, name: str) -> SetRequest:
    read = Reader(body, responder(name))
    actor = sched2.decode_actor(read)
    citizen = _person(read)
    if actor is None or citizen is None:
        raise DecodeError("actor" if actor is None else "personId", "missing")
    recurrence = None
    rule = read.child("recurrence", inner=CORE)
    if rule is not None:
        recurrence = Recurrence(
            first_timeslot_id=rule.required("firstTimeslotId").lower(),
            interval_days=int(rule.required("intervalDays")),
            occurrences=int(rule.required("occurrences")),
            same_practitioner=rule.boolean("samePractitioner"),
        )
    coded = read.child("reasonCode", inner=S2)
    reason_code = None
    if coded is not None:
        reason_code = Code(coded.required("code"), coded.required("codeSystem"), coded.text("displayName"))
    return SetRequest(
        actor=actor,
        citizen=citizen,
        timeslot_ids=tuple(value.lower() for value in read.texts("timeslotId")),
        recurrence=recurrence,
        booking_set_id=_uuid(read, "bookingSetId"),
        appointment_id=_uuid(read, "appointmentId"),
        reason_text=read.text("reasonText"),
        reason_code=reason_code,
    )


# ------------------------------------------------------------------ answers


def response(name: str) -> etree._Element:
    return etree.Element(f"{{{responder(name)}}}{name}Response", nsmap={"r": responder(name), "c": CORE, "s2": S2})


def add_result(answer: etree._Element, name: str, outcome: BookingOutcome) -> None:
    add(answer, responder(name), "resultCode", sched2.outcome_code(outcome))
    add(answer, responder(name), "resultText", outcome.text)


def set_answer(
    name: str,
    outcome: BookingOutcome,
    set_id: str | None,
    appointment_ids: tuple[str, ...] = (),
    failed_part: int | None = None,
) -> etree._Element:
    """MakeGroupBooking, MakeSeriesBooking, MakeCombinedBooking."""
    answer = response(name)
    namespace = responder(name)
    if outcome.succeeded:
        add(answer, namespace, "bookingSetId", set_id)
        for appointment_id in appointment_ids:
            add(answer, namespace, "appointmentId", appointment_id)
    add(answer, namespace, "failedPartNumber", failed_part)
    add_result(answer, name, outcome)
    return answer


def add_group_timeslot(
    parent: etree._Element, namespace: str, slot_uuid: str, group: GroupTimeslot, view: TimeTypeView
) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}groupTimeslot")
    sched2.add_timeslot(node, CORE, "timeslot", slot_uuid, group.slot, view)
    add(node, CORE, "capacity", group.capacity)
    add(node, CORE, "placesLeft", group.places_left)


@dataclass(frozen=True, slots=True)
class PartElement:
    """One part as the codec writes it (the service's PartView, with the time type view)."""

    number: int
    status: str
    start: dt.datetime | None
    appointment_id: str | None
    appointment: tuple[str, Booking, TimeTypeView] | None  # (slot uuid, booking, view) while booked
    related: tuple[str, ...]


def add_booking_set(
    parent: etree._Element,
    namespace: str,
    set_id: str,
    kind: str,
    status: str,
    care_unit: str,
    cancel_part_allowed: bool,
    parts: list[PartElement],
) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}bookingSet")
    add(node, CORE, "bookingSetId", set_id)
    add(node, CORE, "kind", kind)
    add(node, CORE, "status", status)
    sched2.add_hsa(node, CORE, "healthcareFacilityHSAId", care_unit)
    add_bool(node, CORE, "cancelPartAllowed", cancel_part_allowed)
    for part in parts:
        part_node = etree.SubElement(node, f"{{{CORE}}}part")
        add(part_node, CORE, "partNumber", part.number)
        add(part_node, CORE, "status", part.status)
        add(part_node, CORE, "appointmentId", part.appointment_id)
        add(part_node, CORE, "startTime", part.start)
        if part.appointment is not None and part.appointment_id is not None:
            slot_uuid, booking, view = part.appointment
            sched2.add_appointment(part_node, CORE, part.appointment_id, slot_uuid, booking, view, part.related)
