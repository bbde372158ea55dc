"""scheduling 2 response elements → domain values.

What the domain has no field for (hidden, patientGroup, appointment rules, conditions to confirm,
withinCareGuarantee, alternativeLocation, references) is left out: the gateway takes those from
its rule set. What it maps:

- TimeTypeType has a `code` and no name. The name is the region's own (option `time_type_names`),
  else the display name of its first healthcare service (or that service's first information
  header), else the code.
- Care types do not exist in scheduling 2; their place is taken by the time types' healthcare
  services (SNOMED CT vårdtjänster): CareType(code, displayName).
- A slot's performer is its first practitioner ("title first last"); its resource name the first
  resource's description; its channel the contact type through a code table; `slot_id` is the
  producer's timeslotId.
- An appointment's `purpose` is its information texts; `message_allowed` is true when the time
  type's cancel rule (AVBOKNING) takes a reason text (SPEC §8).

An answer without what the contract requires, or with a value that is not valid, raises
`UnreadableAnswer`; its message never quotes a personal identity number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from adapters.domain import (
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingStatus,
    CareType,
    CareUnit,
    ContactChannel,
    ErrorCode,
    Performer,
    ResultCode,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from adapters.rivta2.requests import CORE_NS
from adapters.rivta2.result_texts import citizen_text
from adapters.rivta2.vocabulary import DEFAULT_CONTACT_CHANNELS, PERSON_ID_ROOTS, is_uuid
from contracts.timeformat import parse_date, parse_timestamp

__all__ = [
    "CodeTables",
    "Result",
    "UnreadableAnswer",
    "appointment_ids_from",
    "available_dates_from",
    "booking_from",
    "care_types_from",
    "facilities_from",
    "outcome_from",
    "practitioners_from",
    "result_of",
    "slot_practitioners",
    "time_types_from",
    "timeslots_from",
]

Element = etree._Element

_TIMESTAMP = re.compile(r"[0-9]{14}")
_DATE = re.compile(r"[0-9]{8}")
_SUCCESS = frozenset({"OK", "INFO"})
_REASON_TAKEN = frozenset({"Mandatory", "Optional"})


class UnreadableAnswer(ValueError):
    """The producer's answer lacks what the contract requires or holds a value that is not valid."""


@dataclass(frozen=True, slots=True)
class CodeTables:
    """A region's names for its time type codes and its contact type codes' channels."""

    time_type_names: Mapping[str, str] = field(default_factory=dict)
    contact_channels: Mapping[str, ContactChannel] = field(default_factory=lambda: dict(DEFAULT_CONTACT_CHANNELS))


@dataclass(frozen=True, slots=True)
class Result:
    code: str
    text: str | None

    @property
    def succeeded(self) -> bool:
        return self.code in _SUCCESS


# ---------------------------------------------------------------- element access


# iterchildren matches tags in C: twice as fast as find() on long answers


def _core(parent: Element, name: str) -> Element | None:
    return next(parent.iterchildren(f"{{{CORE_NS}}}{name}"), None)


def _cores(parent: Element, name: str) -> list[Element]:
    return list(parent.iterchildren(f"{{{CORE_NS}}}{name}"))


def _tops(answer: Element, name: str) -> list[Element]:
    """Children of the response element, in the responder namespace."""
    return list(answer.iterchildren(f"{{{etree.QName(answer).namespace}}}{name}"))


def _top_text(answer: Element, name: str) -> str | None:
    found = _tops(answer, name)
    return _value(found[0]) if found else None


def _value(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    text = element.text.strip()
    return text or None


def _text(parent: Element, name: str) -> str | None:
    return _value(_core(parent, name))


def _required(parent: Element, name: str) -> str:
    found = _text(parent, name)
    if found is None:
        raise UnreadableAnswer(f"the answer lacks {name}")
    return found


def _required_element(parent: Element, name: str) -> Element:
    found = _core(parent, name)
    if found is None:
        raise UnreadableAnswer(f"the answer lacks {name}")
    return found


def _flag(parent: Element, name: str) -> bool:
    """xs:boolean; absent means false."""
    return _text(parent, name) in {"true", "1"}


def _uuid(parent: Element, name: str) -> str:
    found = _required(parent, name)
    if not is_uuid(found):
        raise UnreadableAnswer(f"{name} is not a UUID")
    return found


def _hsa_id(parent: Element, name: str) -> HsaId | None:
    """An HSAIdType child: the HSA-id is its extension."""
    element = _core(parent, name)
    if element is None:
        return None
    try:
        return HsaId(_required(element, "extension"))
    except InvalidIdentifier as exc:
        raise UnreadableAnswer(f"{name} is not an HSA-id") from exc


def _required_hsa_id(parent: Element, name: str) -> HsaId:
    found = _hsa_id(parent, name)
    if found is None:
        raise UnreadableAnswer(f"the answer lacks {name}")
    return found


def _person(parent: Element, name: str) -> PersonalIdentity:
    element = _required_element(parent, name)
    if _text(element, "root") not in PERSON_ID_ROOTS:
        raise UnreadableAnswer(f"{name} is neither a personnummer nor a samordningsnummer")
    try:
        return PersonalIdentity.parse(_required(element, "extension"))
    except InvalidIdentifier as exc:
        raise UnreadableAnswer(f"{name} is not a valid personal identity number") from exc


def _moment(parent: Element, name: str) -> dt.datetime | None:
    text = _text(parent, name)
    if text is None:
        return None
    if not _TIMESTAMP.fullmatch(text):
        raise UnreadableAnswer(f"{name} is not a time stamp (YYYYMMDDhhmmss)")
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise UnreadableAnswer(f"{name} is not a time stamp (YYYYMMDDhhmmss)") from exc


def _day(parent: Element, name: str) -> dt.date:
    text = _required(parent, name)
    if not _DATE.fullmatch(text):
        raise UnreadableAnswer(f"{name} is not a date (YYYYMMDD)")
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UnreadableAnswer(f"{name} is not a date (YYYYMMDD)") from exc


# ---------------------------------------------------------------- result codes


def result_of(answer: Element) -> Result:
    """resultCode and resultText; a response without resultCode (GetAppointments) is OK."""
    if etree.QName(answer).localname == "GetAppointmentsResponse":
        return Result("OK", None)
    code = _top_text(answer, "resultCode")
    if code is None:
        raise UnreadableAnswer("the answer lacks resultCode")
    return Result(code, _top_text(answer, "resultText"))


def _error_code(code: str) -> ErrorCode:
    try:
        return ErrorCode(code)
    except ValueError as exc:
        raise UnreadableAnswer("resultCode is not a scheduling 2 result code") from exc


def outcome_from(answer: Element, *, booking_id: str | None = None) -> BookingOutcome:
    """A write's answer. OK/INFO: done (the new appointmentId, else `booking_id`); ERROR: refused
    without a specific code; a specific code: refused with it. A refusal without a resultText gets
    the Swedish citizen text of its code."""
    result = result_of(answer)
    if result.succeeded:
        found = _top_text(answer, "appointmentId")
        if found is not None and not is_uuid(found):
            raise UnreadableAnswer("appointmentId is not a UUID")
        return BookingOutcome(code=ResultCode(result.code), text=result.text, booking_id=found or booking_id)
    if result.code == ResultCode.ERROR.value:
        return BookingOutcome.refused(None, result.text or citizen_text(None))
    error = _error_code(result.code)
    return BookingOutcome(code=ResultCode.ERROR, text=result.text or citizen_text(error), error=error)


# ---------------------------------------------------------------- catalogue


def _first(elements: list[Element]) -> Element | None:
    return elements[0] if elements else None


def _service_value(service: Element) -> tuple[str, str | None]:
    """A HealthcareServiceType: (SNOMED CT code, its display name or first information header)."""
    code = _required_element(service, "code")
    information = _first(_cores(service, "information"))
    name = _text(code, "displayName") or (None if information is None else _text(information, "header"))
    return _required(code, "code"), name


def _service(time_type: Element) -> tuple[str | None, str | None]:
    """The time type's first healthcare service, if it has one."""
    service = _first(_cores(time_type, "healthcareService"))
    return (None, None) if service is None else _service_value(service)


def _time_type_name(time_type: Element, code: str, tables: CodeTables) -> str:
    return tables.time_type_names.get(code) or _service(time_type)[1] or code


def time_types_from(answer: Element, tables: CodeTables) -> list[TimeType]:
    found: list[TimeType] = []
    for element in _tops(answer, "timeType"):
        code = _required(element, "code")
        found.append(TimeType(time_type_id=code, name=_time_type_name(element, code, tables)))
    return found


def _services(answer: Element) -> Iterator[tuple[str, Element]]:
    for time_type in _tops(answer, "timeType"):
        code = _required(time_type, "code")
        for service in _cores(time_type, "healthcareService"):
            yield code, service


def care_types_from(answer: Element, time_type_ids: tuple[str, ...] = ()) -> list[CareType]:
    """GetTimeTypes' healthcare services (of the given time types, if any), each once."""
    found: dict[str, CareType] = {}
    for time_type_code, service in _services(answer):
        if time_type_ids and time_type_code not in time_type_ids:
            continue
        key, name = _service_value(service)
        found.setdefault(key, CareType(care_type_id=key, name=name or key))
    return list(found.values())


def _practitioner(element: Element) -> Performer:
    return Performer(
        hsa_id=_required_hsa_id(element, "HSAId"),
        first_name=_required(element, "firstName"),
        last_name=_required(element, "lastName"),
        title=_text(element, "title"),
    )


def practitioners_from(answer: Element) -> list[Performer]:
    return [_practitioner(element) for element in _tops(answer, "practitioner")]


def facilities_from(answer: Element) -> list[CareUnit]:
    return [
        CareUnit(hsa_id=_required_hsa_id(element, "HSAId"), name=_text(element, "name"))
        for element in _tops(answer, "healthcareFacility")
    ]


# ---------------------------------------------------------------- free times


def _channel(time_type: Element, tables: CodeTables) -> ContactChannel | None:
    contact = _core(time_type, "careContactCode")
    code = None if contact is None else _text(contact, "code")
    return None if code is None else tables.contact_channels.get(code)


def _resource_name(parent: Element) -> str | None:
    resource = _first(_cores(parent, "resource"))
    return None if resource is None else _text(resource, "description")


def _timeslot(element: Element, tables: CodeTables) -> Timeslot:
    time_type = _required_element(element, "timeType")
    time_type_code = _required(time_type, "code")
    start = _moment(element, "startTime")
    if start is None:
        raise UnreadableAnswer("the answer lacks startTime")
    end = _moment(element, "endTime")
    if end is None:
        length = _text(element, "timeLength")
        if length is not None:
            try:
                end = start + dt.timedelta(minutes=float(length))
            except (ValueError, OverflowError) as exc:
                raise UnreadableAnswer("timeLength is not a number of minutes") from exc
    if end is not None and end <= start:
        raise UnreadableAnswer("a time ends before it starts")
    practitioner = _first(_cores(element, "practitioner"))
    performer = None if practitioner is None else _practitioner(practitioner)
    service_code, service_name = _service(time_type)
    return Timeslot(
        care_unit=_required_hsa_id(element, "healthcareFacilityHSAId"),
        start=start,
        end=end,
        performer=None if performer is None else performer.hsa_id,
        performer_name=None if performer is None else performer.display_name,
        resource_name=_resource_name(element),
        time_type_id=time_type_code,
        time_type_name=_time_type_name(time_type, time_type_code, tables),
        care_type_id=service_code,
        care_type_name=service_name,
        channel=_channel(time_type, tables),
        slot_id=_uuid(element, "timeslotId"),
    )


def timeslots_from(answer: Element, tables: CodeTables) -> list[Timeslot]:
    return [_timeslot(element, tables) for element in _tops(answer, "timeslot")]


def slot_practitioners(answer: Element) -> dict[str, tuple[HsaId, ...]]:
    """Every practitioner of each free slot, by timeslotId (a slot may have several)."""
    found: dict[str, tuple[HsaId, ...]] = {}
    for element in _tops(answer, "timeslot"):
        found[_uuid(element, "timeslotId")] = tuple(
            _required_hsa_id(practitioner, "HSAId") for practitioner in _cores(element, "practitioner")
        )
    return found


def available_dates_from(answer: Element, care_unit: HsaId, tables: CodeTables) -> list[AvailableDate]:
    """AvailableDateType names no unit: it is the addressed one, `care_unit`."""
    dates: list[AvailableDate] = []
    for element in _tops(answer, "availableDate"):
        time_type = _required_element(element, "timeType")
        time_type_code = _required(time_type, "code")
        practitioner = _core(element, "practitioner")
        service_code, service_name = _service(time_type)
        count = _required(element, "noOfTimeslots")
        try:
            free = int(count)
        except ValueError as exc:
            raise UnreadableAnswer("noOfTimeslots is not a number") from exc
        dates.append(
            AvailableDate(
                care_unit=care_unit,
                date=_day(element, "date"),
                performer=None if practitioner is None else _required_hsa_id(practitioner, "HSAId"),
                resource_name=_resource_name(element),
                time_type_id=time_type_code,
                time_type_name=_time_type_name(time_type, time_type_code, tables),
                care_type_id=service_code,
                care_type_name=service_name,
                free_slots=free,
            )
        )
    return dates


# ---------------------------------------------------------------- appointments


def appointment_ids_from(answer: Element) -> list[tuple[str, HsaId]]:
    """GetAppointments: (appointmentId, the unit that holds it)."""
    return [
        (_uuid(element, "appointmentId"), _required_hsa_id(element, "healthcareFacilityId"))
        for element in _tops(answer, "appointment")
    ]


def _purpose(appointment: Element) -> str | None:
    texts: list[str] = []
    for information in _cores(appointment, "information"):
        parts = [_text(information, name) for name in ("header", "description", "link")]
        header, description, link = parts
        line = ": ".join(part for part in (header, description) if part)
        texts.append(f"{line} {link}".strip() if link else line)
    return "\n".join(text for text in texts if text) or None


def _message_allowed(time_type: Element) -> bool:
    for rule in _cores(time_type, "appointmentRule"):
        if _text(rule, "type") == "AVBOKNING":
            return _text(rule, "reasonTextRequired") in _REASON_TAKEN
    return False


def booking_from(answer: Element, tables: CodeTables) -> Booking | None:
    """GetAppointment: the appointment, or None when the answer holds none."""
    appointment = _first(_tops(answer, "appointment"))
    if appointment is None:
        return None
    timeslot = _required_element(appointment, "timeslot")
    time_type = _required_element(timeslot, "timeType")
    status = _required(appointment, "status")
    try:
        booking_status = BookingStatus(status)
    except ValueError as exc:
        raise UnreadableAnswer("status is neither confirmed nor preliminary") from exc
    return Booking(
        booking_id=_uuid(appointment, "appointmentId"),
        citizen=_person(appointment, "personId"),
        slot=_timeslot(timeslot, tables),
        purpose=_purpose(appointment),
        reason=_text(appointment, "newAppointmentReasonText"),
        status=booking_status,
        cancel_allowed=_flag(time_type, "cancelAppointmentAllowed"),
        rebook_allowed=_flag(time_type, "updateAppointmentAllowed"),
        message_allowed=_message_allowed(time_type),
    )
