"""The crm:scheduling 1.1 codec: request elements → domain requests, domain results → response
elements, in the contract's namespaces (core `urn:riv:crm:scheduling:1`, extensions
`urn:riv:crm:scheduling:1.1` and `<Name>Responder:1.1`) and element order."""

from __future__ import annotations

from lxml import etree

from adapters.domain import (
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    BookingStatus,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    CitizenDetails,
    Performer,
    RebookRequest,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity
from contracts.timeformat import format_timestamp
from gateway.codec.xml import DecodeError, Reader, add, add_bool

__all__ = [
    "CORE",
    "EXT",
    "decode_booking_reference",
    "decode_cancel",
    "decode_catalogue_query",
    "decode_make_booking",
    "decode_schedule_citizen",
    "decode_schedule_query",
    "decode_slot_query",
    "decode_update_booking",
    "encode_available_dates",
    "encode_booking_details",
    "encode_care_types",
    "encode_care_units",
    "encode_outcome",
    "encode_performers",
    "encode_schedule",
    "encode_time_types",
    "encode_timeslots",
    "responder",
]

CORE = "urn:riv:crm:scheduling:1"
EXT = "urn:riv:crm:scheduling:1.1"


def responder(name: str, *, extension: bool = False) -> str:
    return f"urn:riv:crm:scheduling:{name}Responder:{'1.1' if extension else '1'}"


# ---------------------------------------------------------------- requests


def decode_schedule_query(body: etree._Element) -> tuple[HsaId, PersonalIdentity]:
    """GetSubjectOfCareSchedule: the unit and the citizen."""
    read = Reader(body, responder("GetSubjectOfCareSchedule"))
    return read.hsa_id("healthcare_facility"), read.person("subject_of_care")


def decode_schedule_citizen(body: etree._Element) -> PersonalIdentity:
    """GetSubjectOfCareSchedule to the national calendar: `healthcare_facility` names the platform
    (not an HSA-id) and is not used."""
    return Reader(body, responder("GetSubjectOfCareSchedule")).person("subject_of_care")


def decode_booking_reference(body: etree._Element) -> tuple[HsaId, str]:
    """GetBookingDetails: the unit and the booking id."""
    read = Reader(body, responder("GetBookingDetails"))
    return read.hsa_id("healthcare_facility"), read.required("bookingId")


def decode_slot_query(body: etree._Element, name: str) -> SlotQuery:
    """GetAvailableDates and GetAvailableTimeslots share one request shape."""
    read = Reader(body, responder(name))
    start, end = read.date("startDateInclusive"), read.date("endDateInclusive")
    if end < start:
        raise DecodeError("endDateInclusive", "before startDateInclusive")
    return SlotQuery(
        care_unit=read.hsa_id("healthcare_facility"),
        booking_id=read.text("bookingId"),
        start_date=start,
        end_date=end,
        performers=read.hsa_ids("performer"),
        time_type_name=read.text("timeTypeName"),
        time_type_id=read.text("timeTypeID"),
        care_type_name=read.text("careTypeName"),
        care_type_id=read.text("careTypeID"),
        citizen=read.person("subject_of_care", responder(name, extension=True)),
    )


def decode_catalogue_query(body: etree._Element, name: str) -> CatalogueQuery:
    """GetAllTimeTypes, GetAllCareTypes, GetAllPerformers, GetAllHealthcareFacilities."""
    read = Reader(body, responder(name))
    if name == "GetAllTimeTypes":
        ext = responder(name, extension=True)
        return CatalogueQuery(
            care_unit=read.hsa_id("healthcare_facility"),
            care_type_ids=read.texts("careTypeIDs", ext),
            citizen=read.person("subject_of_care", ext),
        )
    return CatalogueQuery(
        care_unit=read.hsa_id("healthcare_facility"),
        citizen=read.person("subject_of_care"),
        time_type_ids=read.texts("timeTypeIDs"),
        care_type_ids=read.texts("careTypeIDs"),
        performers=read.hsa_ids("performer"),
        booking_id=read.text("bookingId"),
    )


def _decode_timeslot(read: Reader) -> Timeslot:
    start, end = read.timestamp("startTimeInclusive"), read.timestamp("endTimeExclusive")
    if start is None or end is None:
        raise DecodeError("requestedTimeslot", "startTimeInclusive and endTimeExclusive are required")
    if end <= start:
        raise DecodeError("endTimeExclusive", "not after startTimeInclusive")
    return Timeslot(
        care_unit=read.hsa_id("healthcare_facility"),
        start=start,
        end=end,
        performer=read.optional_hsa_id("performer"),
        resource_name=read.text("resourceName"),
        care_unit_name=read.text("healthcare_facility_name"),
        performer_name=read.text("performerName"),
        resource_id=read.text("resourceID"),
        time_type_name=read.text("timeTypeName"),
        time_type_id=read.text("timeTypeID"),
        care_type_name=read.text("careTypeName"),
        care_type_id=read.text("careTypeID"),
    )


def _decode_citizen_details(read: Reader | None) -> CitizenDetails | None:
    if read is None:
        return None
    return CitizenDetails(
        first_name=read.required("firstName", EXT),
        middle_name=read.text("middleName", EXT),
        last_name=read.required("lastName", EXT),
        phone=read.text("phone"),
        email=read.text("email"),
        address=read.text("address"),
        coaddress=read.text("coaddress"),
    )


def decode_make_booking(body: etree._Element) -> BookingRequest:
    read = Reader(body, responder("MakeBooking"))
    slot_reader = read.child("requestedTimeslot", inner=CORE)
    if slot_reader is None:
        raise DecodeError("requestedTimeslot", "missing")
    return BookingRequest(
        care_unit_med=read.hsa_id("healthcare_facility_med"),
        slot=_decode_timeslot(slot_reader),
        citizen=slot_reader.person("subject_of_care"),
        booking_id=slot_reader.text("bookingId"),
        reason=slot_reader.text("reason"),
        details=_decode_citizen_details(read.child("subject_of_care_info", inner=CORE)),
        notification=read.text("notification"),
    )


def decode_update_booking(body: etree._Element) -> RebookRequest:
    read = Reader(body, responder("UpdateBooking"))
    slot_reader = read.child("requestedTimeslot", inner=CORE)
    if slot_reader is None:
        raise DecodeError("requestedTimeslot", "missing")
    return RebookRequest(
        booking_id=slot_reader.required("bookingId"),
        slot=_decode_timeslot(slot_reader),
        citizen=slot_reader.person("subject_of_care"),
        reason=slot_reader.text("reason"),
        details=_decode_citizen_details(read.child("subject_of_care_info", inner=CORE)),
        notification=read.text("notification"),
    )


def decode_cancel(body: etree._Element) -> CancelRequest:
    read = Reader(body, responder("CancelBooking"))
    return CancelRequest(
        care_unit=read.hsa_id("healthcare_facility"),
        booking_id=read.required("bookingId"),
        message=read.text("message"),
    )


# ---------------------------------------------------------------- responses


def _response(name: str) -> etree._Element:
    return etree.Element(f"{{{responder(name)}}}{name}Response", nsmap={"r": responder(name), "c": CORE, "c11": EXT})


_SLOT_FIELDS = (
    "startTimeInclusive", "endTimeExclusive", "healthcare_facility", "performer", "bookingId", "subject_of_care",
    "purpose", "reason", "resourceName", "healthcare_facility_name", "performerName", "resourceID", "timeTypeName",
    "timeTypeID", "careTypeName", "careTypeID", "cancel_booking_allowed", "rebooking_allowed", "message_allowed",
)  # fmt: skip
_TAG = {name: f"{{{CORE}}}{name}" for name in _SLOT_FIELDS}
_IS_INVITATION = f"{{{EXT}}}isInvitation"


def _put(node: etree._Element, tag: str, text: str | None) -> None:
    """`add` for values that are already text (a free time has up to 14 elements: this is the
    codec's innermost loop)."""
    if text:
        etree.SubElement(node, tag).text = text


def _add_timeslot(
    parent: etree._Element,
    namespace: str,
    element: str,
    slot: Timeslot,
    *,
    booking: Booking | None = None,
    flags: bool = False,
) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{element}")
    tag = _TAG
    if slot.start is not None:
        _put(node, tag["startTimeInclusive"], format_timestamp(slot.start))
    if slot.end is not None:
        _put(node, tag["endTimeExclusive"], format_timestamp(slot.end))
    _put(node, tag["healthcare_facility"], str(slot.care_unit))
    if slot.performer is not None:
        _put(node, tag["performer"], str(slot.performer))
    if booking is not None:
        _put(node, tag["bookingId"], booking.booking_id)
        _put(node, tag["subject_of_care"], booking.citizen.value)
        _put(node, tag["purpose"], booking.purpose or (PROPOSAL_PURPOSE if _is_invitation(booking) else None))
        _put(node, tag["reason"], booking.reason)
    _put(node, tag["resourceName"], slot.resource_name)
    _put(node, tag["healthcare_facility_name"], slot.care_unit_name)
    _put(node, tag["performerName"], slot.performer_name)
    _put(node, tag["resourceID"], slot.resource_id)
    _put(node, tag["timeTypeName"], slot.time_type_name)
    _put(node, tag["timeTypeID"], slot.time_type_id)
    _put(node, tag["careTypeName"], slot.care_type_name)
    _put(node, tag["careTypeID"], slot.care_type_id)
    if booking is not None and flags:
        add_bool(node, CORE, "cancel_booking_allowed", booking.cancel_allowed)
        add_bool(node, CORE, "rebooking_allowed", booking.rebook_allowed)
        add_bool(node, CORE, "message_allowed", booking.message_allowed)
        if _is_invitation(booking):
            etree.SubElement(node, _IS_INVITATION).text = "true"


# 1.1 has no "preliminary": a time the clinic proposed and the citizen has yet to confirm is an
# invitation (kallelse) with a time, which the citizen accepts by moving it onto that time.
PROPOSAL_PURPOSE = "Tiden är föreslagen av vården. Bekräfta den genom att boka om till samma tid."


def _is_invitation(booking: Booking) -> bool:
    return booking.is_invitation or booking.status is BookingStatus.PRELIMINARY


def encode_schedule(bookings: list[Booking]) -> etree._Element:
    response = _response("GetSubjectOfCareSchedule")
    namespace = responder("GetSubjectOfCareSchedule")
    for booking in bookings:
        _add_timeslot(response, namespace, "timeslotDetail", booking.slot, booking=booking, flags=True)
    return response


def encode_booking_details(booking: Booking) -> etree._Element:
    response = _response("GetBookingDetails")
    _add_timeslot(response, responder("GetBookingDetails"), "timeslotDetail", booking.slot, booking=booking, flags=True)
    return response


def encode_timeslots(slots: list[Timeslot]) -> etree._Element:
    response = _response("GetAvailableTimeslots")
    namespace = responder("GetAvailableTimeslots")
    for slot in slots:
        _add_timeslot(response, namespace, "timeslotDetail", slot)
    return response


def encode_available_dates(dates: list[AvailableDate]) -> etree._Element:
    response = _response("GetAvailableDates")
    namespace = responder("GetAvailableDates")
    for available in dates:
        node = etree.SubElement(response, f"{{{namespace}}}performerAvailabilityByDate")
        add(node, namespace, "healthcare_facility", available.care_unit)
        add(node, namespace, "performer", available.performer)
        add(node, namespace, "date", available.date)
        add(node, namespace, "resourceName", available.resource_name)
        add(node, namespace, "resourceID", available.resource_id)
        add(node, namespace, "timeTypeName", available.time_type_name)
        add(node, namespace, "timeTypeID", available.time_type_id)
        add(node, namespace, "careTypeName", available.care_type_name)
        add(node, namespace, "careTypeID", available.care_type_id)
    return response


def encode_time_types(time_types: list[TimeType]) -> etree._Element:
    response = _response("GetAllTimeTypes")
    namespace = responder("GetAllTimeTypes")
    for time_type in time_types:
        node = etree.SubElement(response, f"{{{namespace}}}ListOfTimeTypes")
        add(node, CORE, "timeTypeName", time_type.name)
        add(node, CORE, "timeTypeId", time_type.time_type_id)
    return response


def encode_care_types(care_types: list[CareType]) -> etree._Element:
    response = _response("GetAllCareTypes")
    namespace = responder("GetAllCareTypes")
    for care_type in care_types:
        node = etree.SubElement(response, f"{{{namespace}}}careTypes")
        add(node, CORE, "careTypeName", care_type.name)
        add(node, CORE, "careTypeId", care_type.care_type_id)
    return response


def encode_performers(performers: list[Performer]) -> etree._Element:
    response = _response("GetAllPerformers")
    namespace = responder("GetAllPerformers")
    for performer in performers:
        node = etree.SubElement(response, f"{{{namespace}}}performerInfos")
        add(node, CORE, "perfomer", performer.hsa_id)  # sic: the contract's wire name
        add(node, CORE, "firstName", performer.first_name)
        add(node, CORE, "lastName", performer.last_name)
        add(node, CORE, "title", performer.title)
    return response


def encode_care_units(units: list[CareUnit]) -> etree._Element:
    response = _response("GetAllHealthcareFacilities")
    namespace = responder("GetAllHealthcareFacilities")
    for unit in units:
        node = etree.SubElement(response, f"{{{namespace}}}healthcareFacilityInfos")
        add(node, CORE, "healthcare_facility", unit.hsa_id)
        add(node, CORE, "healthcare_facility_name", unit.name)
    return response


def encode_outcome(name: str, outcome: BookingOutcome) -> etree._Element:
    """MakeBooking, UpdateBooking, CancelBooking: resultCode OK | INFO | ERROR + resultText."""
    response = _response(name)
    namespace = responder(name)
    if name == "MakeBooking" and outcome.succeeded:
        add(response, namespace, "bookingId", outcome.booking_id)
    add(response, namespace, "resultCode", outcome.code.value)
    add(response, namespace, "resultText", outcome.text)
    return response
