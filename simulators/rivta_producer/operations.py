"""One function per interaction: decode the request, ask the service, encode the answer."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from contracts.catalogue import Interaction
from simulators.rivta_producer import xml_codec as codec
from simulators.rivta_producer.messages import Actor
from simulators.rivta_producer.service import SchedulingService

__all__ = ["OPERATIONS", "Operation"]

Element = etree._Element
Operation = Callable[[SchedulingService, Interaction, Element, Actor | None], Element]


def _schedule(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    facility, subject = codec.decode_schedule(body, interaction)
    return codec.encode_timeslots(interaction, service.get_subject_of_care_schedule(actor, facility, subject))


def _details(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    facility, booking_id = codec.decode_booking_details(body, interaction)
    return codec.encode_booking_details(interaction, service.get_booking_details(actor, facility, booking_id))


def _dates(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    search = codec.decode_slot_search(body, interaction)
    return codec.encode_available_dates(interaction, service.get_available_dates(search))


def _timeslots(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    search = codec.decode_slot_search(body, interaction)
    return codec.encode_timeslots(interaction, service.get_available_timeslots(search))


def _make(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    _medical_unit, requested, citizen, notification = codec.decode_make_booking(body, interaction)
    return codec.encode_write_outcome(interaction, service.make_booking(actor, requested, citizen, notification))


def _update(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    requested, citizen, notification = codec.decode_update_booking(body, interaction)
    return codec.encode_write_outcome(interaction, service.update_booking(actor, requested, citizen, notification))


def _cancel(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    facility, booking_id, message = codec.decode_cancel_booking(body, interaction)
    return codec.encode_write_outcome(interaction, service.cancel_booking(actor, facility, booking_id, message))


def _time_types(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    request = codec.decode_catalogue(body, interaction)
    return codec.encode_time_types(interaction, service.get_all_time_types(request))


def _facilities(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    request = codec.decode_catalogue(body, interaction)
    return codec.encode_facilities(interaction, service.get_all_healthcare_facilities(request))


def _performers(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    request = codec.decode_catalogue(body, interaction)
    return codec.encode_performers(interaction, service.get_all_performers(request))


def _care_types(service: SchedulingService, interaction: Interaction, body: Element, actor: Actor | None) -> Element:
    request = codec.decode_catalogue(body, interaction)
    return codec.encode_care_types(interaction, service.get_all_care_types(request))


OPERATIONS: dict[str, Operation] = {
    "GetSubjectOfCareSchedule": _schedule,
    "GetBookingDetails": _details,
    "GetAvailableDates": _dates,
    "GetAvailableTimeslots": _timeslots,
    "MakeBooking": _make,
    "UpdateBooking": _update,
    "CancelBooking": _cancel,
    "GetAllTimeTypes": _time_types,
    "GetAllHealthcareFacilities": _facilities,
    "GetAllPerformers": _performers,
    "GetAllCareTypes": _care_types,
}
