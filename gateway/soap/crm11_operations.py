"""crm:scheduling 1.1 operations: decode the request, call the service, encode the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from lxml import etree

from gateway.codec import crm11
from gateway.services.scheduling import Call, SchedulingService

__all__ = ["OPERATIONS", "Operation"]

Operation = Callable[[SchedulingService, Call, etree._Element], Awaitable[etree._Element]]


async def _schedule(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    care_unit, citizen = crm11.decode_schedule_query(body)
    return crm11.encode_schedule(await service.schedule(call, care_unit, citizen))


async def _booking_details(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    care_unit, booking_id = crm11.decode_booking_reference(body)
    return crm11.encode_booking_details(await service.booking(call, care_unit, booking_id))


async def _available_dates(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_slot_query(body, "GetAvailableDates")
    return crm11.encode_available_dates(await service.available_dates(call, query))


async def _available_timeslots(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_slot_query(body, "GetAvailableTimeslots")
    return crm11.encode_timeslots(await service.available_timeslots(call, query))


async def _make_booking(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    return crm11.encode_outcome("MakeBooking", await service.make_booking(call, crm11.decode_make_booking(body)))


async def _update_booking(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    outcome = await service.update_booking(call, crm11.decode_update_booking(body))
    return crm11.encode_outcome("UpdateBooking", outcome)


async def _cancel_booking(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    return crm11.encode_outcome("CancelBooking", await service.cancel_booking(call, crm11.decode_cancel(body)))


async def _time_types(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_catalogue_query(body, "GetAllTimeTypes")
    return crm11.encode_time_types(await service.time_types(call, query))


async def _care_types(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_catalogue_query(body, "GetAllCareTypes")
    return crm11.encode_care_types(await service.care_types(call, query))


async def _performers(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_catalogue_query(body, "GetAllPerformers")
    return crm11.encode_performers(await service.performers(call, query))


async def _care_units(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
    query = crm11.decode_catalogue_query(body, "GetAllHealthcareFacilities")
    return crm11.encode_care_units(await service.care_units(call, query))


OPERATIONS: dict[str, Operation] = {
    "GetSubjectOfCareSchedule": _schedule,
    "GetBookingDetails": _booking_details,
    "GetAvailableDates": _available_dates,
    "GetAvailableTimeslots": _available_timeslots,
    "MakeBooking": _make_booking,
    "UpdateBooking": _update_booking,
    "CancelBooking": _cancel_booking,
    "GetAllTimeTypes": _time_types,
    "GetAllCareTypes": _care_types,
    "GetAllPerformers": _performers,
    "GetAllHealthcareFacilities": _care_units,
}
