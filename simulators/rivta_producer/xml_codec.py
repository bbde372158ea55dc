"""crm:scheduling 1.1 messages <-> the producer's plain values, with lxml.

Requests arrive already validated against their schema, so decoding only reads. Responses are
built in the contract's namespaces: top-level children in the responder namespace, children of
core types in `urn:riv:crm:scheduling:1`, `isInvitation` and the citizen's names in
`urn:riv:crm:scheduling:1.1`, the 1.1 request additions of GetAvailableDates/-Timeslots and
GetAllTimeTypes in `<Name>Responder:1.1`. Optional values that are absent are omitted, never sent
empty; `perfomer` and `ListOfTimeTypes` are spelt as the contract spells them.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from contracts.catalogue import Interaction
from simulators.rivta_producer.messages import (
    AvailableDate,
    CareTypeInfo,
    CatalogueRequest,
    CitizenInfo,
    FacilityInfo,
    PerformerInfo,
    RequestedTimeslot,
    SlotSearch,
    TimeslotView,
    TimeTypeInfo,
    WriteOutcome,
)

__all__ = [
    "CORE_EXT_NS",
    "CORE_NS",
    "DecodeError",
    "decode_booking_details",
    "decode_cancel_booking",
    "decode_catalogue",
    "decode_make_booking",
    "decode_schedule",
    "decode_slot_search",
    "decode_update_booking",
    "encode_available_dates",
    "encode_booking_details",
    "encode_care_types",
    "encode_facilities",
    "encode_performers",
    "encode_time_types",
    "encode_timeslots",
    "encode_write_outcome",
    "extension_namespace",
]

CORE_NS = "urn:riv:crm:scheduling:1"
CORE_EXT_NS = "urn:riv:crm:scheduling:1.1"

Element = etree._Element


class DecodeError(ValueError):
    """A schema-valid request that still lacks a value the interaction needs (an empty element)."""


def extension_namespace(interaction: Interaction) -> str:
    """`urn:riv:crm:scheduling:<Name>Responder:1.1`: where 1.1 put its request additions."""
    return f"{interaction.responder_namespace}.1"


# -- reading ------------------------------------------------------------------------------------


def _text(parent: Element, namespace: str, name: str) -> str | None:
    child = parent.find(f"{{{namespace}}}{name}")
    if child is None or child.text is None:
        return None
    value = child.text.strip()
    return value or None


def _required(parent: Element, namespace: str, name: str) -> str:
    value = _text(parent, namespace, name)
    if value is None:
        raise DecodeError(f"{name} saknar värde.")
    return value


def _texts(parent: Element, namespace: str, name: str) -> tuple[str, ...]:
    values = (child.text.strip() for child in parent.iterfind(f"{{{namespace}}}{name}") if child.text)
    return tuple(value for value in values if value)


def decode_schedule(body: Element, interaction: Interaction) -> tuple[str, str]:
    """GetSubjectOfCareSchedule: (healthcare_facility, subject_of_care)."""
    ns = interaction.responder_namespace
    return _required(body, ns, "healthcare_facility"), _required(body, ns, "subject_of_care")


def decode_booking_details(body: Element, interaction: Interaction) -> tuple[str, str]:
    """GetBookingDetails: (healthcare_facility, bookingId)."""
    ns = interaction.responder_namespace
    return _required(body, ns, "healthcare_facility"), _required(body, ns, "bookingId")


def decode_slot_search(body: Element, interaction: Interaction) -> SlotSearch:
    """GetAvailableDates / GetAvailableTimeslots (same request shape)."""
    ns = interaction.responder_namespace
    return SlotSearch(
        healthcare_facility=_required(body, ns, "healthcare_facility"),
        booking_id=_text(body, ns, "bookingId"),
        start_date=_required(body, ns, "startDateInclusive"),
        end_date=_required(body, ns, "endDateInclusive"),
        performers=_texts(body, ns, "performer"),
        time_type_name=_text(body, ns, "timeTypeName"),
        time_type_id=_text(body, ns, "timeTypeID"),
        care_type_name=_text(body, ns, "careTypeName"),
        care_type_id=_text(body, ns, "careTypeID"),
        subject_of_care=_required(body, extension_namespace(interaction), "subject_of_care"),
    )


def decode_catalogue(body: Element, interaction: Interaction) -> CatalogueRequest:
    """GetAllTimeTypes / GetAllCareTypes / GetAllPerformers / GetAllHealthcareFacilities."""
    ns = interaction.responder_namespace
    if interaction.name == "GetAllTimeTypes":
        ext = extension_namespace(interaction)
        return CatalogueRequest(
            healthcare_facility=_required(body, ns, "healthcare_facility"),
            care_type_ids=_texts(body, ext, "careTypeIDs"),
            subject_of_care=_required(body, ext, "subject_of_care"),
        )
    return CatalogueRequest(
        healthcare_facility=_required(body, ns, "healthcare_facility"),
        subject_of_care=_required(body, ns, "subject_of_care"),
        time_type_ids=_texts(body, ns, "timeTypeIDs"),
        care_type_ids=_texts(body, ns, "careTypeIDs"),
        performers=_texts(body, ns, "performer"),
        booking_id=_text(body, ns, "bookingId"),
    )


def _requested_timeslot(element: Element) -> RequestedTimeslot:
    return RequestedTimeslot(
        healthcare_facility=_required(element, CORE_NS, "healthcare_facility"),
        start=_text(element, CORE_NS, "startTimeInclusive"),
        end=_text(element, CORE_NS, "endTimeExclusive"),
        performer=_text(element, CORE_NS, "performer"),
        booking_id=_text(element, CORE_NS, "bookingId"),
        subject_of_care=_text(element, CORE_NS, "subject_of_care"),
        reason=_text(element, CORE_NS, "reason"),
        time_type_name=_text(element, CORE_NS, "timeTypeName"),
        time_type_id=_text(element, CORE_NS, "timeTypeID"),
    )


def _citizen(element: Element) -> CitizenInfo:
    return CitizenInfo(
        first_name=_text(element, CORE_EXT_NS, "firstName") or "",
        middle_name=_text(element, CORE_EXT_NS, "middleName"),
        last_name=_text(element, CORE_EXT_NS, "lastName") or "",
        phone=_text(element, CORE_NS, "phone"),
        email=_text(element, CORE_NS, "email"),
        address=_text(element, CORE_NS, "address"),
        coaddress=_text(element, CORE_NS, "coaddress"),
    )


def _child(body: Element, namespace: str, name: str) -> Element:
    child = body.find(f"{{{namespace}}}{name}")
    if child is None:
        raise DecodeError(f"{name} saknas.")
    return child


def decode_make_booking(
    body: Element, interaction: Interaction
) -> tuple[str, RequestedTimeslot, CitizenInfo, str | None]:
    """MakeBooking: (healthcare_facility_med, requestedTimeslot, subject_of_care_info, notification)."""
    ns = interaction.responder_namespace
    return (
        _required(body, ns, "healthcare_facility_med"),
        _requested_timeslot(_child(body, ns, "requestedTimeslot")),
        _citizen(_child(body, ns, "subject_of_care_info")),
        _text(body, ns, "notification"),
    )


def decode_update_booking(
    body: Element, interaction: Interaction
) -> tuple[RequestedTimeslot, CitizenInfo | None, str | None]:
    """UpdateBooking: (requestedTimeslot, subject_of_care_info?, notification?)."""
    ns = interaction.responder_namespace
    info = body.find(f"{{{ns}}}subject_of_care_info")
    return (
        _requested_timeslot(_child(body, ns, "requestedTimeslot")),
        None if info is None else _citizen(info),
        _text(body, ns, "notification"),
    )


def decode_cancel_booking(body: Element, interaction: Interaction) -> tuple[str, str, str | None]:
    """CancelBooking: (healthcare_facility, bookingId, message?)."""
    ns = interaction.responder_namespace
    return _required(body, ns, "healthcare_facility"), _required(body, ns, "bookingId"), _text(body, ns, "message")


# -- writing ------------------------------------------------------------------------------------


def _response(interaction: Interaction) -> Element:
    return etree.Element(
        interaction.response_qname,
        nsmap={"ns": interaction.responder_namespace, "core": CORE_NS, "core11": CORE_EXT_NS},
    )


def _add(parent: Element, namespace: str, name: str, value: str | bool | None) -> None:
    if value is None or value == "":
        return
    text = ("true" if value else "false") if isinstance(value, bool) else value
    etree.SubElement(parent, f"{{{namespace}}}{name}").text = text


def _timeslot(parent: Element, namespace: str, name: str, view: TimeslotView) -> None:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    for field, value in (
        ("startTimeInclusive", view.start),
        ("endTimeExclusive", view.end),
        ("healthcare_facility", view.healthcare_facility),
        ("performer", view.performer),
        ("bookingId", view.booking_id),
        ("subject_of_care", view.subject_of_care),
        ("purpose", view.purpose),
        ("reason", view.reason),
        ("resourceName", view.resource_name),
        ("healthcare_facility_name", view.healthcare_facility_name),
        ("performerName", view.performer_name),
        ("resourceID", view.resource_id),
        ("timeTypeName", view.time_type_name),
        ("timeTypeID", view.time_type_id),
        ("careTypeName", view.care_type_name),
        ("careTypeID", view.care_type_id),
        ("cancel_booking_allowed", view.cancel_booking_allowed),
        ("rebooking_allowed", view.rebooking_allowed),
        ("message_allowed", view.message_allowed),
    ):
        _add(element, CORE_NS, field, value)
    _add(element, CORE_EXT_NS, "isInvitation", view.is_invitation)


def encode_timeslots(interaction: Interaction, views: Iterable[TimeslotView]) -> Element:
    """GetSubjectOfCareScheduleResponse / GetAvailableTimeslotsResponse: timeslotDetail*."""
    response = _response(interaction)
    for view in views:
        _timeslot(response, interaction.responder_namespace, "timeslotDetail", view)
    return response


def encode_booking_details(interaction: Interaction, view: TimeslotView) -> Element:
    """GetBookingDetailsResponse: exactly one timeslotDetail."""
    return encode_timeslots(interaction, (view,))


def encode_available_dates(interaction: Interaction, dates: Iterable[AvailableDate]) -> Element:
    """GetAvailableDatesResponse: performerAvailabilityByDate*, children in the responder namespace."""
    ns = interaction.responder_namespace
    response = _response(interaction)
    for date in dates:
        element = etree.SubElement(response, f"{{{ns}}}performerAvailabilityByDate")
        for field, value in (
            ("healthcare_facility", date.healthcare_facility),
            ("performer", date.performer),
            ("date", date.date),
            ("resourceName", date.resource_name),
            ("resourceID", date.resource_id),
            ("timeTypeName", date.time_type_name),
            ("timeTypeID", date.time_type_id),
            ("careTypeName", date.care_type_name),
            ("careTypeID", date.care_type_id),
        ):
            _add(element, ns, field, value)
    return response


def encode_write_outcome(interaction: Interaction, outcome: WriteOutcome) -> Element:
    """MakeBookingResponse (bookingId?, resultCode, resultText?) and Update/CancelBookingResponse."""
    ns = interaction.responder_namespace
    response = _response(interaction)
    if interaction.name == "MakeBooking":
        _add(response, ns, "bookingId", outcome.booking_id)
    _add(response, ns, "resultCode", outcome.result_code.value)
    _add(response, ns, "resultText", outcome.result_text)
    return response


def encode_time_types(interaction: Interaction, time_types: Iterable[TimeTypeInfo]) -> Element:
    response = _response(interaction)
    for time_type in time_types:
        element = etree.SubElement(response, f"{{{interaction.responder_namespace}}}ListOfTimeTypes")
        _add(element, CORE_NS, "timeTypeName", time_type.name)
        _add(element, CORE_NS, "timeTypeId", time_type.time_type_id)
    return response


def encode_care_types(interaction: Interaction, care_types: Iterable[CareTypeInfo]) -> Element:
    response = _response(interaction)
    for care_type in care_types:
        element = etree.SubElement(response, f"{{{interaction.responder_namespace}}}careTypes")
        _add(element, CORE_NS, "careTypeName", care_type.name)
        _add(element, CORE_NS, "careTypeId", care_type.care_type_id)
    return response


def encode_performers(interaction: Interaction, performers: Iterable[PerformerInfo]) -> Element:
    response = _response(interaction)
    for performer in performers:
        element = etree.SubElement(response, f"{{{interaction.responder_namespace}}}performerInfos")
        _add(element, CORE_NS, "perfomer", performer.hsa_id)  # sic: the contract's spelling
        _add(element, CORE_NS, "firstName", performer.first_name)
        _add(element, CORE_NS, "lastName", performer.last_name)
        _add(element, CORE_NS, "title", performer.title)
    return response


def encode_facilities(interaction: Interaction, facilities: Iterable[FacilityInfo]) -> Element:
    response = _response(interaction)
    for facility in facilities:
        element = etree.SubElement(response, f"{{{interaction.responder_namespace}}}healthcareFacilityInfos")
        _add(element, CORE_NS, "healthcare_facility", facility.hsa_id)
        _add(element, CORE_NS, "healthcare_facility_name", facility.name)
    return response
