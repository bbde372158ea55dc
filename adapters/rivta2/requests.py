"""Domain values → scheduling 2 request elements, built with lxml in the contract's order.

The request's own children are in the responder namespace (`…:<Name>Responder:2`, ConfirmAppointment
`:1`); the children of core types (ActorType, PersonIdType, HSAIdType) are in
`urn:riv:supportprocess:logistics:scheduling:2`. An optional value that is absent is left out,
never sent empty. Where the contract takes a time type code *or* a healthcare service code, a given
time type wins (it names one service already).

A value the contract cannot carry (an appointment id that is not a UUID, an actor whose id is not
a personal identity number or HSA-id, a search that ends before it starts) raises `ValueError`
before anything is sent; messages never quote a personal identity number.
"""

from __future__ import annotations

from lxml import etree

from adapters.domain import Actor, ActorRole, SlotQuery
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from adapters.rivta2.vocabulary import (
    ACTOR_TYPE_CODES,
    HSA_ID_ROOT,
    PERSONNUMMER_ROOT,
    SAMORDNINGSNUMMER_ROOT,
    SNOMED_CT,
    is_uuid,
)
from contracts.catalogue import Generation, Interaction, by_name
from contracts.timeformat import format_date

__all__ = [
    "CORE_NS",
    "appointment_request",
    "appointments_request",
    "cancel_appointment_request",
    "confirm_appointment_request",
    "facilities_request",
    "interaction",
    "make_appointment_request",
    "practitioners_request",
    "slot_search_request",
    "time_types_request",
    "update_appointment_request",
]

CORE_NS = "urn:riv:supportprocess:logistics:scheduling:2"

Element = etree._Element


def interaction(name: str) -> Interaction:
    return by_name(Generation.SCHEDULING_2, name)


class _Request:
    """One request element being built, child by child, in schema order."""

    def __init__(self, name: str) -> None:
        namespace = interaction(name).responder_namespace
        self._ns = namespace
        self.root = etree.Element(f"{{{namespace}}}{name}", nsmap={"r": namespace, "c": CORE_NS})

    def _top(self, name: str) -> Element:
        return etree.SubElement(self.root, f"{{{self._ns}}}{name}")

    def text(self, name: str, value: str | None) -> _Request:
        if value:
            self._top(name).text = value
        return self

    def uuid(self, name: str, value: str | None) -> _Request:
        if value is not None and not is_uuid(value):
            raise ValueError(f"{name} must be a scheduling 2 UUID")
        return self.text(name, value)

    def actor(self, actor: Actor | None) -> _Request:
        if actor is not None:
            element = self._top("actor")
            root, extension = _actor_id(actor)
            _ii(_core(element, "actorId"), root, extension)
            kind = _core(element, "actorType")
            _core(kind, "code", ACTOR_TYPE_CODES[actor.role])
            _core(kind, "codeSystem", SNOMED_CT)
        return self

    def person(self, person: PersonalIdentity | None, name: str = "personId") -> _Request:
        if person is not None:
            _ii(self._top(name), _person_root(person), person.value)
        return self

    def hsa_id(self, name: str, value: HsaId | None) -> _Request:
        if value is not None:
            _ii(self._top(name), HSA_ID_ROOT, str(value))
        return self


def _core(parent: Element, name: str, text: str | None = None) -> Element:
    element = etree.SubElement(parent, f"{{{CORE_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _ii(element: Element, root: str, extension: str) -> None:
    _core(element, "root", root)
    _core(element, "extension", extension)


def _person_root(person: PersonalIdentity) -> str:
    return SAMORDNINGSNUMMER_ROOT if person.is_coordination_number else PERSONNUMMER_ROOT


def _actor_id(actor: Actor) -> tuple[str, str]:
    """Staff are named by HSA-id; everyone else by personnummer or samordningsnummer."""
    try:
        if actor.role is ActorRole.STAFF:
            return HSA_ID_ROOT, str(HsaId(actor.actor_id))
        person = PersonalIdentity.parse(actor.actor_id)
    except InvalidIdentifier as exc:
        kind = "an HSA-id" if actor.role is ActorRole.STAFF else "a personal identity number"
        raise ValueError(f"the actor ({actor.role.value}) is not named by {kind}") from exc
    return _person_root(person), person.value


def _either(time_type_code: str | None, service_code: str | None) -> tuple[str | None, str | None]:
    """timeTypeCode xor healthcareServiceCode: the time type wins."""
    return (time_type_code, None) if time_type_code else (None, service_code)


# ---------------------------------------------------------------- catalogue


def time_types_request(
    actor: Actor | None,
    person: PersonalIdentity | None,
    *,
    service_code: str | None = None,
    practitioner: HsaId | None = None,
) -> Element:
    """GetTimeTypes. Without `person` the unit lists every time type, protected ones too."""
    return (
        _Request("GetTimeTypes")
        .actor(actor)
        .text("healthcareServiceCode", service_code)
        .hsa_id("practitionerId", practitioner)
        .person(person)
        .root
    )


def practitioners_request(
    actor: Actor | None,
    person: PersonalIdentity | None,
    *,
    original_appointment_id: str | None = None,
    time_type_code: str | None = None,
    service_code: str | None = None,
) -> Element:
    time_type_code, service_code = _either(time_type_code, service_code)
    return (
        _Request("GetPractitioners")
        .actor(actor)
        .person(person)
        .uuid("originalAppointmentId", original_appointment_id)
        .text("timeTypeCode", time_type_code)
        .text("healthcareServiceCode", service_code)
        .root
    )


def facilities_request(
    person: PersonalIdentity | None,
    *,
    original_appointment_id: str | None = None,
    time_type_code: str | None = None,
    service_code: str | None = None,
) -> Element:
    """GetHealthcareFacilities: the only request without an actor."""
    time_type_code, service_code = _either(time_type_code, service_code)
    return (
        _Request("GetHealthcareFacilities")
        .uuid("originalAppointmentId", original_appointment_id)
        .person(person)
        .text("timeTypeCode", time_type_code)
        .text("healthcareServiceCode", service_code)
        .root
    )


# ---------------------------------------------------------------- free times


def slot_search_request(
    name: str,
    query: SlotQuery,
    actor: Actor | None,
    person: PersonalIdentity | None,
    *,
    practitioner: HsaId | None = None,
) -> Element:
    """GetAvailableDates or GetAvailableTimeslots (the same request). `query.booking_id` makes it
    a rebooking search (originalAppointmentId); one practitioner per request."""
    if name not in {"GetAvailableDates", "GetAvailableTimeslots"}:
        raise ValueError(f"{name} is not a slot search")
    if query.end_date < query.start_date:
        raise ValueError("the search ends before it starts")
    time_type_code, service_code = _either(query.time_type_id, query.care_type_id)
    return (
        _Request(name)
        .actor(actor)
        .uuid("originalAppointmentId", query.booking_id)
        .person(person)
        .text("startDateInclusive", format_date(query.start_date))
        .text("endDateInclusive", format_date(query.end_date))
        .hsa_id("practitionerId", practitioner)
        .text("timeTypeCode", time_type_code)
        .text("healthcareServiceCode", service_code)
        .root
    )


# ---------------------------------------------------------------- appointments


def appointments_request(actor: Actor, person: PersonalIdentity) -> Element:
    """GetAppointments: the ids of the person's appointments."""
    return _Request("GetAppointments").actor(actor).person(person).root


def appointment_request(actor: Actor, appointment_id: str, person: PersonalIdentity) -> Element:
    """GetAppointment: one appointment in full (nothing when id and person do not match)."""
    return _Request("GetAppointment").actor(actor).uuid("appointmentId", appointment_id).person(person).root


def confirm_appointment_request(actor: Actor, appointment_id: str, person: PersonalIdentity) -> Element:
    return _Request("ConfirmAppointment").actor(actor).uuid("appointmentId", appointment_id).person(person).root


def make_appointment_request(
    actor: Actor, person: PersonalIdentity, timeslot_id: str, reason_text: str | None = None
) -> Element:
    return (
        _Request("MakeAppointment")
        .actor(actor)
        .person(person)
        .uuid("timeslotId", timeslot_id)
        .text("reasonText", reason_text)
        .root
    )


def update_appointment_request(
    actor: Actor,
    original_appointment_id: str,
    timeslot_id: str,
    person: PersonalIdentity,
    reason_text: str | None = None,
) -> Element:
    return (
        _Request("UpdateAppointment")
        .actor(actor)
        .uuid("originalAppointmentId", original_appointment_id)
        .uuid("timeslotId", timeslot_id)
        .person(person)
        .text("reasonText", reason_text)
        .root
    )


def cancel_appointment_request(
    actor: Actor, appointment_id: str, person: PersonalIdentity, reason_text: str | None = None
) -> Element:
    return (
        _Request("CancelAppointment")
        .actor(actor)
        .uuid("appointmentId", appointment_id)
        .person(person)
        .text("reasonText", reason_text)
        .root
    )
