"""scheduling 2 messages <-> the producer's plain values, with lxml.

Requests arrive already validated against their schema, so decoding only reads. Responses are
built in the contract's namespaces: top-level children in the responder namespace
(`…:<Name>Responder:2`, ConfirmAppointment `:1`), children of core types in
`urn:riv:supportprocess:logistics:scheduling:2`. Optional values that are absent are omitted,
never sent empty; element order is the schema's.

A time type is written in full (with its appointmentRule elements) where it is the subject:
GetTimeTypes and GetAppointment. In the long lists of GetAvailableTimeslots and GetAvailableDates
each entry repeats it, so there it is compact (code, flags, contact type, healthcare service); with
the producer's cap on the number of times per answer that stays well below the 1 MB a hardened
SOAP reader accepts.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from contracts.catalogue import Interaction
from simulators.rivta2_producer.messages import (
    Actor,
    AppointmentQuery,
    AppointmentView,
    AvailableDateView,
    CatalogueQuery,
    FacilityView,
    Identity,
    Outcome,
    SlotSearch,
    SlotView,
    TimeTypeView,
    WriteRequest,
)
from simulators.rivta2_producer.store import PractitionerRecord, SlotRecord
from simulators.rivta2_producer.vocabulary import HSA_OID, Code, Information, actor_kind

__all__ = [
    "CORE_NS",
    "Decoder",
    "Encoder",
]

CORE_NS = "urn:riv:supportprocess:logistics:scheduling:2"

Element = etree._Element


def _bool(value: bool) -> str:
    return "true" if value else "false"


class Decoder:
    """Reads one request of `interaction`."""

    def __init__(self, interaction: Interaction, body: Element) -> None:
        self._ns = interaction.responder_namespace
        self._body = body

    def _child(self, name: str) -> Element | None:
        return self._body.find(f"{{{self._ns}}}{name}")

    def _children(self, name: str) -> list[Element]:
        return self._body.findall(f"{{{self._ns}}}{name}")

    def text(self, name: str) -> str | None:
        return _text(self._child(name))

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        return None if value is None else int(value)

    def identity(self, name: str) -> Identity | None:
        return _identity(self._child(name))

    def hsa_id(self, name: str) -> str | None:
        identity = self.identity(name)
        return None if identity is None else identity.extension

    def code(self, name: str) -> Code | None:
        return _code(self._child(name))

    def actor(self) -> Actor | None:
        element = self._child("actor")
        if element is None:
            return None
        actor_id = _identity(element.find(f"{{{CORE_NS}}}actorId")) or Identity("", "")
        code = _code(element.find(f"{{{CORE_NS}}}actorType"))
        code_text = code.code if code is not None else ""
        return Actor(actor_id, actor_kind(code_text), code_text)

    def required_actor(self) -> Actor:
        actor = self.actor()
        return actor if actor is not None else Actor(Identity("", ""), None, "")

    def required_person(self) -> Identity:
        return self.identity("personId") or Identity("", "")

    # -- whole requests ----------------------------------------------------------------------------

    def slot_search(self) -> SlotSearch:
        return SlotSearch(
            actor=self.actor(),
            original_appointment_id=self.text("originalAppointmentId"),
            person=self.identity("personId"),
            start_date=self.text("startDateInclusive") or "",
            end_date=self.text("endDateInclusive") or "",
            priority=self.integer("priority"),
            practitioner=self.hsa_id("practitionerId"),
            time_type_code=self.text("timeTypeCode"),
            service_code=self.text("healthcareServiceCode"),
            contact_types=tuple(c for c in (_code(e) for e in self._children("careContactCode")) if c is not None),
        )

    def catalogue(self) -> CatalogueQuery:
        return CatalogueQuery(
            actor=self.actor(),
            person=self.identity("personId"),
            original_appointment_id=self.text("originalAppointmentId"),
            time_type_code=self.text("timeTypeCode"),
            service_code=self.text("healthcareServiceCode"),
            practitioner=self.hsa_id("practitionerId"),
        )

    def write(self) -> WriteRequest:
        return WriteRequest(
            actor=self.required_actor(),
            person=self.required_person(),
            appointment_id=self.text("appointmentId") or self.text("originalAppointmentId"),
            timeslot_id=self.text("timeslotId"),
            reason_text=self.text("reasonText"),
            reason_code=self.code("reasonCode"),
        )

    def appointment_query(self) -> AppointmentQuery:
        return AppointmentQuery(
            actor=self.required_actor(),
            person=self.required_person(),
            from_date=self.text("fromDate"),
            to_date=self.text("toDate"),
            time_type_code=self.text("timeTypeCode"),
            service_code=self.text("healthcareServiceCode"),
        )


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def _identity(element: Element | None) -> Identity | None:
    if element is None:
        return None
    return Identity(
        _text(element.find(f"{{{CORE_NS}}}root")) or "", _text(element.find(f"{{{CORE_NS}}}extension")) or ""
    )


def _code(element: Element | None) -> Code | None:
    if element is None:
        return None
    return Code(
        _text(element.find(f"{{{CORE_NS}}}code")) or "",
        _text(element.find(f"{{{CORE_NS}}}codeSystem")) or "",
        _text(element.find(f"{{{CORE_NS}}}displayName")),
        _text(element.find(f"{{{CORE_NS}}}codeSystemName")),
    )


class Encoder:
    """Builds the response of `interaction`."""

    def __init__(self, interaction: Interaction) -> None:
        self._ns = interaction.responder_namespace
        self.root = etree.Element(f"{{{self._ns}}}{interaction.name}Response", nsmap={"r": self._ns, "c": CORE_NS})

    def top(self, name: str, text: str | None = None) -> Element:
        element = etree.SubElement(self.root, f"{{{self._ns}}}{name}")
        if text is not None:
            element.text = text
        return element

    def result(self, outcome: Outcome) -> Element:
        self.top("resultCode", outcome.result_code)
        if outcome.result_text:
            self.top("resultText", outcome.result_text)
        return self.root

    # -- whole responses ---------------------------------------------------------------------------

    def write_outcome(self, outcome: Outcome) -> Element:
        if outcome.appointment_id is not None:
            self.top("appointmentId", outcome.appointment_id)
        return self.result(outcome)

    def time_types(self, views: Iterable[TimeTypeView], outcome: Outcome) -> Element:
        for view in views:
            _time_type_body(self.top("timeType"), view)
        return self.result(outcome)

    def timeslots(self, views: Iterable[SlotView], outcome: Outcome) -> Element:
        for view in views:
            _timeslot_body(self.top("timeslot"), view, rules=False)
        return self.result(outcome)

    def available_dates(self, views: Iterable[AvailableDateView], outcome: Outcome) -> Element:
        for view in views:
            element = self.top("availableDate")
            _core(element, "date", view.date)
            _core(element, "noOfTimeslots", str(view.count))
            _time_type_body(_core(element, "timeType"), view.time_type, rules=False)
            _practitioner_body(_core(element, "practitioner"), view.practitioner)
        return self.result(outcome)

    def practitioners(self, records: Iterable[PractitionerRecord], outcome: Outcome) -> Element:
        for record in records:
            _practitioner_body(self.top("practitioner"), record)
        return self.result(outcome)

    def facilities(self, views: Iterable[FacilityView], outcome: Outcome) -> Element:
        for view in views:
            _org_unit_body(self.top("healthcareFacility"), view)
        return self.result(outcome)

    def appointment(self, view: AppointmentView | None, outcome: Outcome) -> Element:
        if view is not None:
            _appointment_body(self.top("appointment"), view)
        return self.result(outcome)

    def appointment_ids(self, found: Iterable[tuple[str, str]]) -> Element:
        for appointment_id, unit_hsa in found:
            element = self.top("appointment")
            _core(element, "appointmentId", appointment_id)
            _hsa(element, "healthcareFacilityId", unit_hsa)
        return self.root


# -- core types ---------------------------------------------------------------------------------


def _core(parent: Element, name: str, text: str | None = None) -> Element:
    element = etree.SubElement(parent, f"{{{CORE_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _optional(parent: Element, name: str, text: str | None) -> None:
    if text:
        _core(parent, name, text)


def _hsa(parent: Element, name: str, hsa_id: str) -> None:
    element = _core(parent, name)
    _core(element, "root", HSA_OID)
    _core(element, "extension", hsa_id)


def _cv(parent: Element, name: str, code: Code) -> None:
    element = _core(parent, name)
    _core(element, "code", code.code)
    _core(element, "codeSystem", code.code_system)
    _optional(element, "codeSystemName", code.code_system_name)
    _optional(element, "displayName", code.display_name)


def _information(parent: Element, name: str, information: Information) -> None:
    element = _core(parent, name)
    _core(element, "header", information.header)
    _optional(element, "description", information.description)
    _optional(element, "link", information.link)


def _time_type_body(element: Element, view: TimeTypeView, *, rules: bool = True) -> None:
    profile = view.profile
    _core(element, "code", view.record.time_type_id)
    _core(element, "hidden", _bool(profile.hidden))
    _cv(element, "careContactCode", profile.contact_type)
    if profile.healthcare_service is not None:
        service = _core(element, "healthcareService")
        _cv(service, "code", profile.healthcare_service)
    _core(element, "patientGroup", _bool(profile.patient_group))
    _core(element, "cancelAppointmentAllowed", _bool(profile.cancel_allowed))
    _core(element, "updateAppointmentAllowed", _bool(profile.update_allowed))
    for rule in profile.rules if rules else ():
        rule_element = _core(element, "appointmentRule")
        _core(rule_element, "type", rule.process.value)
        _core(rule_element, "reasonTextRequired", rule.reason_text.value)
        _core(rule_element, "reasonCodeRequired", rule.reason_code.value)
        for code in rule.reason_codes:
            _cv(rule_element, "reasonCodes", code)
        for information in rule.information:
            _information(rule_element, "information", information)
        for condition in rule.conditions:
            _information(rule_element, "conditionToConfirm", condition)


def _practitioner_body(element: Element, record: PractitionerRecord) -> None:
    _hsa(element, "HSAId", record.hsa_id)
    _core(element, "firstName", record.first_name)
    _core(element, "lastName", record.last_name)
    _optional(element, "title", record.title)


def _slot_practitioner(element: Element, slot: SlotRecord) -> None:
    _hsa(element, "HSAId", slot.practitioner_hsa)
    _core(element, "firstName", slot.practitioner_first_name)
    _core(element, "lastName", slot.practitioner_last_name)
    _optional(element, "title", slot.practitioner_title)


def _timeslot_body(element: Element, view: SlotView, *, rules: bool = True) -> None:
    slot = view.slot
    _core(element, "timeslotId", slot.slot_id)
    _time_type_body(_core(element, "timeType"), view.time_type, rules=rules)
    _core(element, "startTime", slot.start)
    _core(element, "endTime", slot.end)
    _core(element, "timeLength", str(float(view.time_type.record.minutes)))
    _hsa(element, "healthcareFacilityHSAId", slot.unit_hsa)
    _slot_practitioner(_core(element, "practitioner"), slot)
    if slot.resource:
        _core(_core(element, "resource"), "description", slot.resource)
    if view.within_care_guarantee is not None:
        _core(element, "withinCareGuarantee", _bool(view.within_care_guarantee))
    _optional(element, "alternativeLocation", view.time_type.profile.alternative_location)


def _org_unit_body(element: Element, view: FacilityView) -> None:
    _hsa(element, "HSAId", view.unit.hsa_id)
    _core(element, "name", view.unit.name)
    _optional(element, "alternativeLocation", view.profile.alternative_location)
    for information in view.profile.information:
        _information(element, "information", information)
    for condition in view.profile.conditions:
        _information(element, "conditionToConfirm", condition)


def _appointment_body(element: Element, view: AppointmentView) -> None:
    record = view.record
    _core(element, "appointmentId", record.appointment_id)
    for related in record.related_ids:
        _core(element, "relatedAppointmentId", related)
    _timeslot_body(_core(element, "timeslot"), SlotView(record.slot, view.time_type, None))
    person = _core(element, "personId")
    _core(person, "root", record.person_root)
    _core(person, "extension", record.person_id)
    for information in view.information:
        _information(element, "information", information)
    _core(element, "status", record.status)
    _optional(element, "newAppointmentReasonText", record.new_reason_text)
    if record.new_reason_code is not None:
        _cv(element, "newAppointmentReasonCode", record.new_reason_code)
    _optional(element, "updateAppointmentReasonText", record.update_reason_text)
    if record.update_reason_code is not None:
        _cv(element, "updateAppointmentReasonCode", record.update_reason_code)
    for name, link in view.references:
        reference = _core(element, "reference")
        _core(reference, "name", name)
        _core(reference, "link", link)
