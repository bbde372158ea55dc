"""crm:scheduling 1.1 operations: decode the request, call the service, encode the answer.

A 1.1 consumer keeps the bookingId it was given. When a region replaces an id on a rebooking (a
scheduling 2 region may issue a new appointmentId), the id map keeps an alias: ids coming in are
translated to the region's current id and ids going out back to the consumer's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from lxml import etree

from adapters.domain import Booking
from gateway.codec import crm11
from gateway.codec.processing_status import encode_processing_status
from gateway.idmap import IdMap
from gateway.services.calendar import NationalCalendar
from gateway.services.scheduling import Call, SchedulingService
from gateway.soap.operation import Answer, Operation

__all__ = ["operations"]


@dataclass(frozen=True, slots=True)
class CrmScheduling1:
    service: SchedulingService
    ids: IdMap
    calendar: NationalCalendar

    def _region(self, call: Call) -> str:
        route, _adapter = self.service.route(call)
        return route.region_code

    async def _current(self, call: Call, booking_id: str | None) -> str | None:
        if booking_id is None:
            return None
        return await self.ids.current_booking_id(self._region(call), booking_id)

    async def _as_consumer_knows(self, call: Call, bookings: list[Booking]) -> list[Booking]:
        originals = await self.ids.original_booking_ids(self._region(call), [b.booking_id for b in bookings])
        return [replace(b, booking_id=originals.get(b.booking_id, b.booking_id)) for b in bookings]

    async def schedule(self, call: Call, body: etree._Element) -> etree._Element | Answer:
        if self.calendar.is_national(call):
            citizen = crm11.decode_schedule_citizen(body)
            answer = await self.calendar.schedule(call, citizen)
            bookings: list[Booking] = []
            for region_code, booking in answer.bookings:
                originals = await self.ids.original_booking_ids(region_code, [booking.booking_id])
                bookings.append(replace(booking, booking_id=originals.get(booking.booking_id, booking.booking_id)))
            header = encode_processing_status(answer.sources, self.service.policy.clock())
            return Answer(crm11.encode_schedule(bookings), (header,))
        care_unit, citizen = crm11.decode_schedule_query(body)
        bookings = await self.service.schedule(call, care_unit, citizen)
        return crm11.encode_schedule(await self._as_consumer_knows(call, bookings))

    async def booking_details(self, call: Call, body: etree._Element) -> etree._Element:
        care_unit, booking_id = crm11.decode_booking_reference(body)
        current = await self._current(call, booking_id)
        assert current is not None
        booking = await self.service.booking(call, care_unit, current)
        return crm11.encode_booking_details(replace(booking, booking_id=booking_id))

    async def available_dates(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_slot_query(body, "GetAvailableDates")
        query = replace(query, booking_id=await self._current(call, query.booking_id))
        return crm11.encode_available_dates(await self.service.available_dates(call, query))

    async def available_timeslots(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_slot_query(body, "GetAvailableTimeslots")
        query = replace(query, booking_id=await self._current(call, query.booking_id))
        return crm11.encode_timeslots(await self.service.available_timeslots(call, query))

    async def make_booking(self, call: Call, body: etree._Element) -> etree._Element:
        request = crm11.decode_make_booking(body)
        request = replace(request, booking_id=await self._current(call, request.booking_id))
        return crm11.encode_outcome("MakeBooking", await self.service.make_booking(call, request))

    async def update_booking(self, call: Call, body: etree._Element) -> etree._Element:
        request = crm11.decode_update_booking(body)
        consumer_id = request.booking_id
        current = await self._current(call, consumer_id)
        assert current is not None
        outcome = await self.service.update_booking(call, replace(request, booking_id=current))
        if outcome.succeeded and outcome.booking_id and outcome.booking_id != current:
            await self.ids.alias(self._region(call), consumer_id, outcome.booking_id)
        return crm11.encode_outcome("UpdateBooking", outcome)

    async def cancel_booking(self, call: Call, body: etree._Element) -> etree._Element:
        request = crm11.decode_cancel(body)
        current = await self._current(call, request.booking_id)
        assert current is not None
        outcome = await self.service.cancel_booking(call, replace(request, booking_id=current))
        return crm11.encode_outcome("CancelBooking", outcome)

    async def time_types(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_catalogue_query(body, "GetAllTimeTypes")
        return crm11.encode_time_types(await self.service.time_types(call, query))

    async def care_types(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_catalogue_query(body, "GetAllCareTypes")
        return crm11.encode_care_types(await self.service.care_types(call, query))

    async def performers(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_catalogue_query(body, "GetAllPerformers")
        return crm11.encode_performers(await self.service.performers(call, query))

    async def care_units(self, call: Call, body: etree._Element) -> etree._Element:
        query = crm11.decode_catalogue_query(body, "GetAllHealthcareFacilities")
        query = replace(query, booking_id=await self._current(call, query.booking_id))
        return crm11.encode_care_units(await self.service.care_units(call, query))


_HANDLERS = {
    "GetSubjectOfCareSchedule": "schedule",
    "GetBookingDetails": "booking_details",
    "GetAvailableDates": "available_dates",
    "GetAvailableTimeslots": "available_timeslots",
    "MakeBooking": "make_booking",
    "UpdateBooking": "update_booking",
    "CancelBooking": "cancel_booking",
    "GetAllTimeTypes": "time_types",
    "GetAllCareTypes": "care_types",
    "GetAllPerformers": "performers",
    "GetAllHealthcareFacilities": "care_units",
}


def operations(ids: IdMap, calendar: NationalCalendar) -> dict[str, Operation]:
    """The 11 crm:scheduling 1.1 operations, bound to the id map."""

    def bind(method: str) -> Operation:
        async def run(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element | Answer:
            handler: Callable[[Call, etree._Element], Awaitable[etree._Element | Answer]] = getattr(
                CrmScheduling1(service, ids, calendar), method
            )
            return await handler(call, body)

        return run

    return {name: bind(method) for name, method in _HANDLERS.items()}
