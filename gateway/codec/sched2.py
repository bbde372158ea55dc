"""The scheduling 2 codec (`urn:riv:supportprocess:logistics:scheduling:2`): request elements → domain
values and 2.0 ids, domain results → response elements in the contract's namespaces and order.

What crm:scheduling 1.1 cannot say (hidden, contact code, group/team, rules per process) comes in
as `rules.view.TimeTypeView`; ids come in already translated by `gateway.idmap`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from lxml import etree

from adapters.domain import (
    Actor,
    ActorRole,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingStatus,
    CareUnit,
    Code,
    Performer,
    ResultCode,
    Timeslot,
)
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from gateway.codec.xml import DecodeError, Reader, add, add_bool
from rules.schema import CodedValue, Information
from rules.view import TimeTypeView

__all__ = [
    "CORE",
    "ActorRoles",
    "AppointmentQuery",
    "AppointmentReference",
    "CatalogueRequest",
    "SlotSearch",
    "WriteRequest",
    "decode_actor",
    "responder",
]

CORE = "urn:riv:supportprocess:logistics:scheduling:2"
SNOMED = "1.2.752.116.2.1.1"
PERSONNUMMER_ROOT = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_ROOT = "1.2.752.129.2.1.3.3"
HSA_ROOT = "1.2.752.129.2.1.4.1"


def responder(name: str) -> str:
    version = 1 if name == "ConfirmAppointment" else 2
    return f"urn:riv:supportprocess:logistics:scheduling:{name}Responder:{version}"


class ActorRoles:
    """SNOMED CT codes of the body `actor.actorType` (TKB 2.0)."""

    BY_CODE: ClassVar[dict[str, ActorRole]] = {
        "116154003": ActorRole.CITIZEN,
        "60101000052104": ActorRole.GUARDIAN,
        "60081000052107": ActorRole.TRUSTEE,
        "60121000052105": ActorRole.CUSTODIAN,
        "223366009": ActorRole.STAFF,
    }
    BY_ROLE: ClassVar[dict[ActorRole, str]] = {role: code for code, role in BY_CODE.items()}


# ------------------------------------------------------------------ requests


@dataclass(frozen=True, slots=True)
class CatalogueRequest:
    """GetTimeTypes, GetPractitioners, GetHealthcareFacilities."""

    actor: Actor | None
    citizen: PersonalIdentity | None
    practitioner: HsaId | None = None
    time_type_code: str | None = None
    service_code: str | None = None
    original_appointment_id: str | None = None


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """GetAvailableDates, GetAvailableTimeslots."""

    actor: Actor | None
    citizen: PersonalIdentity | None
    original_appointment_id: str | None
    start_date: dt.date
    end_date: dt.date
    priority: int | None
    practitioner: HsaId | None
    time_type_code: str | None
    service_code: str | None
    contact_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """MakeAppointment (timeslot_id), UpdateAppointment (appointment_id + timeslot_id),
    CancelAppointment and ConfirmAppointment (appointment_id)."""

    actor: Actor
    citizen: PersonalIdentity
    appointment_id: str | None = None
    timeslot_id: str | None = None
    reason_text: str | None = None
    reason_code: Code | None = None


@dataclass(frozen=True, slots=True)
class AppointmentReference:
    """GetAppointment."""

    actor: Actor
    citizen: PersonalIdentity
    appointment_id: str


@dataclass(frozen=True, slots=True)
class AppointmentQuery:
    """GetAppointments."""

    actor: Actor
    citizen: PersonalIdentity
    from_date: dt.date | None
    to_date: dt.date | None
    time_type_code: str | None
    service_code: str | None


def _ii(read: Reader | None) -> tuple[str, str] | None:
    if read is None:
        return None
    root, extension = read.text("root", CORE), read.text("extension", CORE)
    if root is None or extension is None:
        raise DecodeError(etree.QName(read.element).localname, "root and extension are required")
    return root, extension


def _person(read: Reader, name: str) -> PersonalIdentity | None:
    ii = _ii(read.child(name, inner=CORE))
    if ii is None:
        return None
    try:
        return PersonalIdentity.parse(ii[1])
    except InvalidIdentifier as exc:
        raise DecodeError(name, str(exc)) from exc


def _required_person(read: Reader, name: str = "personId") -> PersonalIdentity:
    person = _person(read, name)
    if person is None:
        raise DecodeError(name, "missing")
    return person


def _hsa(read: Reader, name: str) -> HsaId | None:
    ii = _ii(read.child(name, inner=CORE))
    if ii is None:
        return None
    try:
        return HsaId(ii[1])
    except InvalidIdentifier as exc:
        raise DecodeError(name, str(exc)) from exc


def decode_actor(read: Reader) -> Actor | None:
    actor = read.child("actor", inner=CORE)
    if actor is None:
        return None
    ii = _ii(actor.child("actorId"))
    actor_type = actor.child("actorType")
    code = actor_type.text("code") if actor_type is not None else None
    if ii is None or code is None:
        raise DecodeError("actor", "actorId and actorType are required")
    role = ActorRoles.BY_CODE.get(code)
    if role is None:
        raise DecodeError("actor", f"unknown actorType code {code}")
    extension = ii[1]
    if role is ActorRole.STAFF:
        try:
            return Actor(HsaId(extension), role)
        except InvalidIdentifier as exc:
            raise DecodeError("actor", str(exc)) from exc
    try:
        return Actor(PersonalIdentity.parse(extension).value, role)
    except InvalidIdentifier as exc:
        raise DecodeError("actor", str(exc)) from exc


def _required_actor(read: Reader) -> Actor:
    actor = decode_actor(read)
    if actor is None:
        raise DecodeError("actor", "missing")
    return actor


def _code(read: Reader, name: str) -> Code | None:
    coded = read.child(name, inner=CORE)
    if coded is None:
        return None
    return Code(coded.required("code"), coded.required("codeSystem"), coded.text("displayName"))


def _uuid(read: Reader, name: str) -> str | None:
    value = read.text(name)
    return value.lower() if value else None


def decode_catalogue(body: etree._Element, name: str) -> CatalogueRequest:
    read = Reader(body, responder(name))
    return CatalogueRequest(
        actor=decode_actor(read),
        citizen=_person(read, "personId"),
        practitioner=_hsa(read, "practitionerId"),
        time_type_code=read.text("timeTypeCode"),
        service_code=read.text("healthcareServiceCode"),
        original_appointment_id=_uuid(read, "originalAppointmentId"),
    )


def decode_slot_search(body: etree._Element, name: str) -> SlotSearch:
    read = Reader(body, responder(name))
    start, end = read.date("startDateInclusive"), read.date("endDateInclusive")
    if end < start:
        raise DecodeError("endDateInclusive", "before startDateInclusive")
    priority = read.text("priority")
    contact_codes = tuple(
        code
        for element in body.findall(f"{{{responder(name)}}}careContactCode")
        if (code := Reader(element, CORE).text("code"))
    )
    return SlotSearch(
        actor=decode_actor(read),
        citizen=_person(read, "personId"),
        original_appointment_id=_uuid(read, "originalAppointmentId"),
        start_date=start,
        end_date=end,
        priority=int(priority) if priority else None,
        practitioner=_hsa(read, "practitionerId"),
        time_type_code=read.text("timeTypeCode"),
        service_code=read.text("healthcareServiceCode"),
        contact_codes=contact_codes,
    )


def decode_write(body: etree._Element, name: str) -> WriteRequest:
    read = Reader(body, responder(name))
    appointment_field = "originalAppointmentId" if name == "UpdateAppointment" else "appointmentId"
    return WriteRequest(
        actor=_required_actor(read),
        citizen=_required_person(read),
        appointment_id=_uuid(read, appointment_field),
        timeslot_id=_uuid(read, "timeslotId"),
        reason_text=read.text("reasonText"),
        reason_code=_code(read, "reasonCode"),
    )


def decode_appointment_reference(body: etree._Element) -> AppointmentReference:
    read = Reader(body, responder("GetAppointment"))
    return AppointmentReference(
        actor=_required_actor(read),
        citizen=_required_person(read),
        appointment_id=(read.required("appointmentId")).lower(),
    )


def decode_appointment_query(body: etree._Element) -> AppointmentQuery:
    read = Reader(body, responder("GetAppointments"))
    from_text, to_text = read.text("fromDate"), read.text("toDate")
    return AppointmentQuery(
        actor=_required_actor(read),
        citizen=_required_person(read),
        from_date=read.date("fromDate") if from_text else None,
        to_date=read.date("toDate") if to_text else None,
        time_type_code=read.text("timeTypeCode"),
        service_code=read.text("healthcareServiceCode"),
    )


# ------------------------------------------------------------------ responses


def response(name: str) -> etree._Element:
    return etree.Element(f"{{{responder(name)}}}{name}Response", nsmap={"r": responder(name), "c": CORE})


def add_result(element: etree._Element, name: str, code: str = "OK", text: str | None = None) -> None:
    add(element, responder(name), "resultCode", code)
    add(element, responder(name), "resultText", text)


def outcome_code(outcome: BookingOutcome) -> str:
    """A refusal carries its specific code where it is known, else ERROR."""
    if outcome.code is ResultCode.ERROR and outcome.error is not None:
        return outcome.error.value
    return outcome.code.value


def _ii_element(parent: etree._Element, namespace: str, name: str, root: str, extension: str) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add(node, CORE, "root", root)
    add(node, CORE, "extension", extension)


def add_person(parent: etree._Element, namespace: str, name: str, citizen: PersonalIdentity) -> None:
    root = SAMORDNINGSNUMMER_ROOT if citizen.is_coordination_number else PERSONNUMMER_ROOT
    _ii_element(parent, namespace, name, root, citizen.value)


def add_hsa(parent: etree._Element, namespace: str, name: str, hsa_id: str) -> None:
    _ii_element(parent, namespace, name, HSA_ROOT, hsa_id)


def _cv(parent: etree._Element, namespace: str, name: str, value: CodedValue | Code) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add(node, CORE, "code", value.code)
    add(node, CORE, "codeSystem", value.code_system)
    add(node, CORE, "displayName", value.display_name)


def _information(parent: etree._Element, name: str, information: Information) -> None:
    node = etree.SubElement(parent, f"{{{CORE}}}{name}")
    add(node, CORE, "header", information.header)
    add(node, CORE, "description", information.description)
    add(node, CORE, "link", information.link)


def add_time_type(parent: etree._Element, namespace: str, name: str, view: TimeTypeView) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add(node, CORE, "code", view.code)
    add_bool(node, CORE, "hidden", view.hidden)
    _cv(node, CORE, "careContactCode", view.care_contact_code)
    for service in view.healthcare_services:
        service_node = etree.SubElement(node, f"{{{CORE}}}healthcareService")
        _cv(service_node, CORE, "code", service)
    add_bool(node, CORE, "healthcareTeam", view.healthcare_team)
    add_bool(node, CORE, "patientGroup", view.patient_group)
    add_bool(node, CORE, "cancelAppointmentAllowed", view.cancel_appointment_allowed)
    add_bool(node, CORE, "updateAppointmentAllowed", view.update_appointment_allowed)
    for rule in view.appointment_rules:
        rule_node = etree.SubElement(node, f"{{{CORE}}}appointmentRule")
        add(rule_node, CORE, "type", rule.process.value)
        add(rule_node, CORE, "reasonTextRequired", rule.reason_text_required.value)
        add(rule_node, CORE, "reasonCodeRequired", rule.reason_code_required.value)
        for code in rule.reason_codes:
            _cv(rule_node, CORE, "reasonCodes", code)
        for information in rule.information:
            _information(rule_node, "information", information)
        for condition in rule.conditions_to_confirm:
            _information(rule_node, "conditionToConfirm", condition)


def practitioner_of(slot: Timeslot) -> Performer | None:
    """A 1.1 slot names its performer by HSA-id and one display string "title first last"."""
    if slot.performer is None:
        return None
    words = (slot.performer_name or "").split()
    if len(words) >= 2:
        return Performer(slot.performer, " ".join(words[:-1]), words[-1])
    return Performer(slot.performer, words[0] if words else "-", "-")


def add_practitioner(parent: etree._Element, namespace: str, name: str, performer: Performer) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add_hsa(node, CORE, "HSAId", performer.hsa_id)
    add(node, CORE, "firstName", performer.first_name)
    add(node, CORE, "lastName", performer.last_name)
    add(node, CORE, "title", performer.title)


def add_timeslot(
    parent: etree._Element, namespace: str, name: str, slot_uuid: str, slot: Timeslot, view: TimeTypeView
) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add(node, CORE, "timeslotId", slot_uuid)
    add_time_type(node, CORE, "timeType", view)
    add(node, CORE, "startTime", slot.start)
    add(node, CORE, "endTime", slot.end)
    if slot.start and slot.end:
        minutes = (slot.end.astimezone(dt.UTC) - slot.start.astimezone(dt.UTC)).total_seconds() / 60
        add(node, CORE, "timeLength", f"{minutes:g}")
    add_hsa(node, CORE, "healthcareFacilityHSAId", slot.care_unit)
    practitioner = practitioner_of(slot)
    if practitioner is not None:
        add_practitioner(node, CORE, "practitioner", practitioner)
    if slot.resource_name:
        resource = etree.SubElement(node, f"{{{CORE}}}resource")
        add(resource, CORE, "description", slot.resource_name)


def add_available_date(parent: etree._Element, namespace: str, available: AvailableDate, view: TimeTypeView) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}availableDate")
    add(node, CORE, "date", available.date)
    add(node, CORE, "noOfTimeslots", available.free_slots if available.free_slots is not None else 1)
    add_time_type(node, CORE, "timeType", view)
    if available.performer is not None:
        add_practitioner(node, CORE, "practitioner", Performer(available.performer, "-", "-"))
    if available.resource_name:
        resource = etree.SubElement(node, f"{{{CORE}}}resource")
        add(resource, CORE, "description", available.resource_name)


def add_org_unit(parent: etree._Element, namespace: str, name: str, unit: CareUnit) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    add_hsa(node, CORE, "HSAId", unit.hsa_id)
    add(node, CORE, "name", unit.name)


def add_appointment(
    parent: etree._Element,
    namespace: str,
    appointment_id: str,
    slot_uuid: str,
    booking: Booking,
    view: TimeTypeView,
    related: tuple[str, ...] = (),
) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}appointment")
    add(node, CORE, "appointmentId", appointment_id)
    for related_id in related:
        add(node, CORE, "relatedAppointmentId", related_id)
    add_timeslot(node, CORE, "timeslot", slot_uuid, booking.slot, view)
    add_person(node, CORE, "personId", booking.citizen)
    if booking.purpose:
        information = etree.SubElement(node, f"{{{CORE}}}information")
        add(information, CORE, "header", "Information från vården")
        add(information, CORE, "description", booking.purpose)
    status = BookingStatus.PRELIMINARY if booking.is_invitation else booking.status
    add(node, CORE, "status", status.value)
    add(node, CORE, "newAppointmentReasonText", booking.reason)
