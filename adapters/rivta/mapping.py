"""The booking domain ↔ crm:scheduling 1.1 messages: requests as zeep takes them, answers as lxml
reads them.

Requests are built as keyword dictionaries for the zeep operation (element name → value); a value
that is None, empty or an empty list is left out, so an optional element without a value is
omitted, never sent empty. Answers are the schema-valid response element (`services.read_answer`),
read through `Answer`: children by local name, each element's children indexed once. Contract
times are Swedish local time without a zone (`contracts.timeformat`); here they become aware
datetimes.

Wire names are copied as the schemas spell them: `perfomer` (sic) in PerformerInfoType,
`ListOfTimeTypes`, `timeTypeId`/`careTypeId` in the catalogue types but `timeTypeID`/`careTypeID`
elsewhere. zeep places the 1.1 extension elements (`subject_of_care` of GetAvailableDates,
GetAvailableTimeslots and GetAllTimeTypes, `careTypeIDs` of GetAllTimeTypes, `firstName`…,
`isInvitation`) in their own namespaces by itself: they are plain keywords here.

An answer that cannot be read raises `UnreadableAnswer`; a request that the contract cannot carry
(MakeBooking without the citizen's names, a catalogue call without a subject of care) raises
`ValueError` before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from adapters.domain import (
    Actor,
    ActorRole,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    CitizenDetails,
    Performer,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from adapters.rivta.result_texts import recognise_error
from contracts.timeformat import format_date, format_timestamp, parse_date, parse_timestamp

__all__ = [
    "ACTOR_TYPE_AGENT",
    "ACTOR_TYPE_CITIZEN",
    "CONSUMER_HEADER",
    "CORRELATION_HEADER",
    "Answer",
    "UnreadableAnswer",
    "available_dates_from",
    "booking_details_from",
    "booking_details_request",
    "booking_from",
    "bookings_from",
    "cancel_booking_request",
    "care_types_from",
    "care_types_request",
    "care_units_from",
    "care_units_request",
    "http_headers",
    "make_booking_request",
    "outcome_from",
    "performers_from",
    "performers_request",
    "schedule_request",
    "slot_search_request",
    "soap_headers",
    "subject_of_care",
    "time_types_from",
    "time_types_request",
    "timeslot_from",
    "timeslots_from",
    "update_booking_request",
]

ACTOR_TYPE_CITIZEN = "subject_of_care"
ACTOR_TYPE_AGENT = "subject_of_care_agent"
CONSUMER_HEADER = "x-rivta-original-serviceconsumer-hsaid"
CORRELATION_HEADER = "x-skltp-correlation-id"


# strptime alone accepts single-digit fields ("2026120110"); the contract's formats have fixed width
_DATE = re.compile(r"[0-9]{8}")


class UnreadableAnswer(ValueError):
    """The producer's answer lacks what the contract requires or holds a value that is not valid."""


# ---------------------------------------------------------------- headers


def soap_headers(ctx: RequestContext) -> dict[str, Any]:
    """The RIVTABP21 SOAP headers by WSDL part name: `LogicalAddress` and, when known, `actor`."""
    headers: dict[str, Any] = {"LogicalAddress": ctx.logical_address}
    if ctx.actor is not None:
        headers["actor"] = _actor(ctx.actor)
    return headers


def _actor(actor: Actor) -> dict[str, str]:
    # 1.1 knows only the citizen and an agent acting for them; a guardian or trustee acts for the citizen.
    kind = ACTOR_TYPE_CITIZEN if actor.role is ActorRole.CITIZEN else ACTOR_TYPE_AGENT
    return {"actorId": actor.actor_id, "actorType": kind}


def http_headers(ctx: RequestContext) -> dict[str, str]:
    """The platform's HTTP headers (original consumer, correlation id) plus the context's extras."""
    headers: dict[str, str] = {}
    if ctx.consumer_id:
        headers[CONSUMER_HEADER] = ctx.consumer_id
    if ctx.correlation_id:
        headers[CORRELATION_HEADER] = ctx.correlation_id
    headers.update(ctx.extra_headers)
    return headers


def subject_of_care(citizen: PersonalIdentity | None, ctx: RequestContext) -> PersonalIdentity:
    """The citizen a search concerns: given, or the calling citizen. 1.1 requires one."""
    if citizen is not None:
        return citizen
    if ctx.actor is not None and ctx.actor.role is ActorRole.CITIZEN:
        return PersonalIdentity.parse(ctx.actor.actor_id)
    raise ValueError("crm:scheduling 1.1 requires a subject of care for this call; none was given")


# ---------------------------------------------------------------- requests


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Leave out what has no value: None, empty strings, empty lists and empty nested objects."""
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            value = _clean(value)
        elif isinstance(value, str):
            value = str(value)  # an HsaId is a str subclass; zeep gets the plain text
        if value is None or value == "" or value == [] or value == {}:
            continue
        cleaned[key] = value
    return cleaned


def time_types_request(query: CatalogueQuery, citizen: PersonalIdentity) -> dict[str, Any]:
    return _clean(
        {
            "healthcare_facility": query.care_unit,
            "careTypeIDs": list(query.care_type_ids),
            "subject_of_care": citizen.value,
        }
    )


def care_types_request(query: CatalogueQuery, citizen: PersonalIdentity) -> dict[str, Any]:
    return _clean(
        {
            "healthcare_facility": query.care_unit,
            "timeTypeIDs": list(query.time_type_ids),
            "performer": [str(p) for p in query.performers],
            "subject_of_care": citizen.value,
        }
    )


def performers_request(query: CatalogueQuery, citizen: PersonalIdentity) -> dict[str, Any]:
    return _clean(
        {
            "healthcare_facility": query.care_unit,
            "timeTypeIDs": list(query.time_type_ids),
            "careTypeIDs": list(query.care_type_ids),
            "subject_of_care": citizen.value,
        }
    )


def care_units_request(query: CatalogueQuery, citizen: PersonalIdentity) -> dict[str, Any]:
    return _clean(
        {
            "healthcare_facility": query.care_unit,
            "subject_of_care": citizen.value,
            "bookingId": query.booking_id,
        }
    )


def slot_search_request(query: SlotQuery, citizen: PersonalIdentity) -> dict[str, Any]:
    """GetAvailableDates and GetAvailableTimeslots take the same request."""
    if query.end_date < query.start_date:
        raise ValueError("the search ends before it starts")
    return _clean(
        {
            "healthcare_facility": query.care_unit,
            "bookingId": query.booking_id,
            "startDateInclusive": format_date(query.start_date),
            "endDateInclusive": format_date(query.end_date),
            "performer": [str(p) for p in query.performers],
            "timeTypeName": query.time_type_name,
            "timeTypeID": query.time_type_id,
            "careTypeName": query.care_type_name,
            "careTypeID": query.care_type_id,
            "subject_of_care": citizen.value,
        }
    )


def schedule_request(care_unit: HsaId, citizen: PersonalIdentity) -> dict[str, Any]:
    return {"healthcare_facility": str(care_unit), "subject_of_care": citizen.value}


def booking_details_request(care_unit: HsaId, booking_id: str) -> dict[str, Any]:
    if not booking_id:
        raise ValueError("a booking id is required")
    return {"healthcare_facility": str(care_unit), "bookingId": booking_id}


def make_booking_request(request: BookingRequest) -> dict[str, Any]:
    if request.details is None:
        raise ValueError("crm:scheduling 1.1 MakeBooking requires the citizen's first and last name")
    return _clean(
        {
            "healthcare_facility_med": request.care_unit_med,
            "requestedTimeslot": _requested_timeslot(
                request.slot, request.citizen, booking_id=request.booking_id, reason=request.reason
            ),
            "subject_of_care_info": _citizen_details(request.details),
            "notification": request.notification,
        }
    )


def update_booking_request(request: RebookRequest) -> dict[str, Any]:
    if not request.booking_id:
        raise ValueError("a booking id is required to rebook")
    return _clean(
        {
            "requestedTimeslot": _requested_timeslot(
                request.slot, request.citizen, booking_id=request.booking_id, reason=request.reason
            ),
            "subject_of_care_info": _citizen_details(request.details) if request.details else None,
            "notification": request.notification,
        }
    )


def cancel_booking_request(request: CancelRequest) -> dict[str, Any]:
    if not request.booking_id:
        raise ValueError("a booking id is required to cancel")
    return _clean(
        {
            "healthcare_facility": request.care_unit,
            "bookingId": request.booking_id,
            "message": request.message,
        }
    )


def _requested_timeslot(
    slot: Timeslot, citizen: PersonalIdentity, *, booking_id: str | None, reason: str | None
) -> dict[str, Any]:
    """TimeslotType as MakeBooking and UpdateBooking send it (SPEC §3.2, columns MB and UB): the
    slot as the producer described it, without the per-booking flags it alone sets."""
    if slot.start is None or slot.end is None:
        raise ValueError("a booking needs the slot's start and end")
    return _clean(
        {
            "startTimeInclusive": format_timestamp(slot.start),
            "endTimeExclusive": format_timestamp(slot.end),
            "healthcare_facility": slot.care_unit,
            "performer": slot.performer,
            "bookingId": booking_id,
            "subject_of_care": citizen.value,
            "reason": reason,
            "resourceName": slot.resource_name,
            "healthcare_facility_name": slot.care_unit_name,
            "performerName": slot.performer_name,
            "resourceID": slot.resource_id,
            "timeTypeName": slot.time_type_name,
            "timeTypeID": slot.time_type_id,
            "careTypeName": slot.care_type_name,
            "careTypeID": slot.care_type_id,
        }
    )


def _citizen_details(details: CitizenDetails) -> dict[str, Any]:
    if not details.first_name or not details.last_name:
        raise ValueError("crm:scheduling 1.1 requires the citizen's first and last name")
    return _clean(
        {
            "phone": details.phone,
            "email": details.email,
            "address": details.address,
            "coaddress": details.coaddress,
            "firstName": details.first_name,
            "middleName": details.middle_name,
            "lastName": details.last_name,
        }
    )


# ---------------------------------------------------------------- answers


class Answer:
    """An element of a producer's answer, its children read by local name (the answer has been
    validated against the interaction's schema, so names are unambiguous where they are read).

    The children are walked once, keeping each name's first element and its stripped text: a
    free-time list is read a hundred elements at a time, and every lxml element touched costs a
    Python object (this is the adapter's hottest loop)."""

    __slots__ = ("_element", "_first", "_texts")

    def __init__(self, element: etree._Element) -> None:
        self._element = element
        first: dict[str, etree._Element] = {}
        texts: dict[str, str | None] = {}
        for child in element:
            tag = child.tag
            if type(tag) is not str:  # a comment or processing instruction
                continue
            local = _LOCAL_NAMES.get(tag) or _local_name(tag)
            if local not in first:
                first[local] = child
                text = child.text
                texts[local] = (text.strip() or None) if text is not None else None
        self._first = first
        self._texts = texts

    def text(self, name: str) -> str | None:
        """The first child's text, stripped; None when absent or blank."""
        return self._texts.get(name)

    def one(self, name: str) -> Answer | None:
        found = self._first.get(name)
        return None if found is None else Answer(found)

    def all(self, name: str) -> list[Answer]:
        return [Answer(child) for child in self._element.iterchildren(f"{{*}}{name}")]


_LOCAL_NAMES: dict[str, str] = {}  # "{namespace}name" -> "name"; the contracts use a few hundred tags
_LOCAL_NAMES_MAX = 4096


def _local_name(tag: str) -> str:
    local = tag[tag.rfind("}") + 1 :]
    if len(_LOCAL_NAMES) < _LOCAL_NAMES_MAX:  # bounded: a region cannot grow it without limit
        _LOCAL_NAMES[tag] = local
    return local


def _text(value: Answer, name: str) -> str | None:
    return value.text(name)


def _required(value: Answer, name: str) -> str:
    found = value.text(name)
    if found is None:
        raise UnreadableAnswer(f"the answer lacks {name}")
    return found


# A unit's answers repeat the same unit and performer ids and, across citizens asking for the same
# weeks, the same time stamps: both are immutable, so what was read once is reused (a failed read
# raises and is not kept). Bounded, so a region cannot grow them without limit.
_read_hsa_id = functools.lru_cache(maxsize=4096)(HsaId)
_read_timestamp = functools.lru_cache(maxsize=16384)(parse_timestamp)


def _hsa_id(text: str | None, name: str) -> HsaId | None:
    if text is None:
        return None
    try:
        return _read_hsa_id(text)
    except InvalidIdentifier as exc:
        raise UnreadableAnswer(f"{name} is not an HSA-id") from exc


def _required_hsa_id(value: Answer, name: str) -> HsaId:
    try:
        return _read_hsa_id(_required(value, name))
    except InvalidIdentifier as exc:
        raise UnreadableAnswer(f"{name} is not an HSA-id") from exc


def _moment(value: Answer, name: str) -> dt.datetime | None:
    text = value.text(name)
    if text is None:
        return None
    try:
        return _read_timestamp(text)  # exactly 14 ASCII digits, a time that exists
    except ValueError as exc:
        raise UnreadableAnswer(f"{name} is not a time stamp (YYYYMMDDhhmmss)") from exc


def _flag(value: Answer, name: str) -> bool:
    """Optional booleans: absent means false."""
    return value.text(name) in {"true", "1"}


def _items(answer: Answer, name: str) -> list[Answer]:
    return answer.all(name)


def timeslot_from(detail: Answer) -> Timeslot:
    start = _moment(detail, "startTimeInclusive")
    end = _moment(detail, "endTimeExclusive")
    if (start is None) != (end is None):
        raise UnreadableAnswer("a time has a start or an end, not both")
    if start is not None and end is not None and end <= start:
        raise UnreadableAnswer("a time ends before it starts")
    return Timeslot(
        care_unit=_required_hsa_id(detail, "healthcare_facility"),
        start=start,
        end=end,
        care_unit_name=_text(detail, "healthcare_facility_name"),
        performer=_hsa_id(_text(detail, "performer"), "performer"),
        performer_name=_text(detail, "performerName"),
        resource_id=_text(detail, "resourceID"),
        resource_name=_text(detail, "resourceName"),
        time_type_id=_text(detail, "timeTypeID"),
        time_type_name=_text(detail, "timeTypeName"),
        care_type_id=_text(detail, "careTypeID"),
        care_type_name=_text(detail, "careTypeName"),
    )


def timeslots_from(answer: Answer) -> list[Timeslot]:
    """GetAvailableTimeslotsResponse → free times."""
    return [timeslot_from(detail) for detail in _items(answer, "timeslotDetail")]


def booking_from(detail: Answer, *, booking_id: str | None = None, citizen: PersonalIdentity | None = None) -> Booking:
    """A TimeslotType that describes a booking; `booking_id` and `citizen` stand in for what the
    request already said when the answer leaves it out."""
    found_id = _text(detail, "bookingId") or booking_id
    if found_id is None:
        raise UnreadableAnswer("a booking without bookingId")
    subject = _text(detail, "subject_of_care")
    if subject is not None:
        try:
            owner = PersonalIdentity.parse(subject)
        except InvalidIdentifier as exc:
            raise UnreadableAnswer("subject_of_care is not a valid personal identity number") from exc
    elif citizen is not None:
        owner = citizen
    else:
        raise UnreadableAnswer("a booking without subject_of_care")
    return Booking(
        booking_id=found_id,
        citizen=owner,
        slot=timeslot_from(detail),
        purpose=_text(detail, "purpose"),
        reason=_text(detail, "reason"),
        is_invitation=_flag(detail, "isInvitation"),
        cancel_allowed=_flag(detail, "cancel_booking_allowed"),
        rebook_allowed=_flag(detail, "rebooking_allowed"),
        message_allowed=_flag(detail, "message_allowed"),
    )


def booking_details_from(answer: Answer, booking_id: str) -> Booking:
    """GetBookingDetailsResponse → the booking (its id stands in when the answer leaves it out)."""
    detail = answer.one("timeslotDetail")
    if detail is None:
        raise UnreadableAnswer("the answer lacks timeslotDetail")
    return booking_from(detail, booking_id=booking_id)


def bookings_from(answer: Answer, citizen: PersonalIdentity) -> list[Booking]:
    """GetSubjectOfCareScheduleResponse → the citizen's bookings."""
    return [booking_from(detail, citizen=citizen) for detail in _items(answer, "timeslotDetail")]


def available_dates_from(answer: Answer) -> list[AvailableDate]:
    """GetAvailableDatesResponse → dates with free times."""
    dates: list[AvailableDate] = []
    for entry in _items(answer, "performerAvailabilityByDate"):
        text = _required(entry, "date")
        if not _DATE.fullmatch(text):
            raise UnreadableAnswer("date is not a date (YYYYMMDD)")
        try:
            day = parse_date(text)
        except ValueError as exc:
            raise UnreadableAnswer("date is not a date (YYYYMMDD)") from exc
        dates.append(
            AvailableDate(
                care_unit=_required_hsa_id(entry, "healthcare_facility"),
                date=day,
                performer=_hsa_id(_text(entry, "performer"), "performer"),
                resource_id=_text(entry, "resourceID"),
                resource_name=_text(entry, "resourceName"),
                time_type_id=_text(entry, "timeTypeID"),
                time_type_name=_text(entry, "timeTypeName"),
                care_type_id=_text(entry, "careTypeID"),
                care_type_name=_text(entry, "careTypeName"),
            )
        )
    return dates


def time_types_from(answer: Answer) -> list[TimeType]:
    return [
        TimeType(time_type_id=_required(item, "timeTypeId"), name=_required(item, "timeTypeName"))
        for item in _items(answer, "ListOfTimeTypes")
    ]


def care_types_from(answer: Answer) -> list[CareType]:
    return [
        CareType(care_type_id=_required(item, "careTypeId"), name=_required(item, "careTypeName"))
        for item in _items(answer, "careTypes")
    ]


def performers_from(answer: Answer) -> list[Performer]:
    return [
        Performer(
            hsa_id=_required_hsa_id(item, "perfomer"),
            first_name=_required(item, "firstName"),
            last_name=_required(item, "lastName"),
            title=_text(item, "title"),
        )
        for item in _items(answer, "performerInfos")
    ]


def care_units_from(answer: Answer) -> list[CareUnit]:
    return [
        CareUnit(hsa_id=_required_hsa_id(item, "healthcare_facility"), name=_text(item, "healthcare_facility_name"))
        for item in _items(answer, "healthcareFacilityInfos")
    ]


def outcome_from(answer: Answer, interaction: str, *, booking_id: str | None = None) -> BookingOutcome:
    """MakeBooking/UpdateBooking/CancelBooking answer → outcome. A refusal carries the specific
    `ErrorCode` when its text names one. `booking_id` stands in when the answer carries none."""
    raw = _required(answer, "resultCode")
    try:
        code = ResultCode(raw)
    except ValueError as exc:
        raise UnreadableAnswer("resultCode is not OK, INFO or ERROR") from exc
    text = _text(answer, "resultText")
    if code is ResultCode.ERROR:
        return BookingOutcome(code=code, text=text, error=recognise_error(text, interaction))
    return BookingOutcome(code=code, text=text, booking_id=_text(answer, "bookingId") or booking_id)
