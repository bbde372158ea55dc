"""tidbok:scheduling 1 operations: group, series and combined bookings. Decode, call the booking-set
service (`gateway.services.booking_sets`), encode. The addressed unit is the LogicalAddress; the
actor is in the body, as in scheduling 2.

`linked_get_appointment` wraps scheduling 2 GetAppointment so that a part of a set names the set's
other booked parts in `relatedAppointmentId` (the 2.0 contract's own link between bookings)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from lxml import etree

from adapters.domain import BookingOutcome, ErrorCode, ResultCode, SlotQuery
from adapters.identifiers import HsaId, InvalidIdentifier
from contracts.catalogue import Generation, Interaction, by_name
from gateway.codec import sched2, tidbok1
from gateway.codec.xml import DecodeError, Reader, add
from gateway.idmap import IdMap
from gateway.services.booking_sets import BookingSets, SetAnswer
from gateway.services.saga import BookingSaga, SetKind
from gateway.services.scheduling import Call, SchedulingService
from gateway.settings import Settings
from gateway.soap.operation import Answer, Operation
from rules.view import TimeTypeView

__all__ = ["BookingSetOperations", "linked_get_appointment", "operations", "serve_booking_sets"]

_NOT_FOUND = "Bokningen finns inte."


class BookingSetOperations:
    def __init__(self, sets: BookingSets) -> None:
        self.sets = sets

    @staticmethod
    def unit(call: Call) -> HsaId:
        try:
            return HsaId(call.context.logical_address)
        except InvalidIdentifier as exc:
            raise DecodeError("LogicalAddress", "addresses one care unit by its HSA-id") from exc

    def _view(self, region: str, unit: str, time_type_id: str | None) -> TimeTypeView:
        return self.sets.policy.time_type_view(region, unit, time_type_id)

    # ---------------------------------------------------------------- group sessions

    async def get_group_timeslots(self, call: Call, body: etree._Element) -> etree._Element:
        search = tidbok1.decode_group_search(body)
        call = call.with_actor(search.actor)
        unit = self.unit(call)
        region = self.sets.region(call)
        query = SlotQuery(
            care_unit=unit,
            start_date=search.start_date,
            end_date=search.end_date,
            citizen=search.citizen,
            performers=(search.practitioner,) if search.practitioner else (),
            time_type_id=search.time_type_code,
        )
        answer = tidbok1.response("GetGroupTimeslots")
        namespace = tidbok1.responder("GetGroupTimeslots")
        for session in await self.sets.group_sessions(call, query):
            slot = session.group.slot
            view = self._view(region, slot.care_unit, slot.time_type_id)
            tidbok1.add_group_timeslot(answer, namespace, session.timeslot_id, session.group, view)
        tidbok1.add_result(answer, "GetGroupTimeslots", BookingOutcome(ResultCode.OK))
        return answer

    # ---------------------------------------------------------------- booking

    async def _book(self, name: str, kind: SetKind, call: Call, body: etree._Element) -> etree._Element:
        request = tidbok1.decode_set_request(body, name)
        call = call.with_actor(request.actor)
        self.unit(call)  # a set is booked at one care unit, addressed by its HSA-id
        self.sets.permit(call, request.citizen)
        if request.recurrence is not None:
            rule = request.recurrence
            slots, refusal, failed = await self.sets.slots_by_recurrence(
                call,
                request.citizen,
                rule.first_timeslot_id,
                rule.interval_days,
                rule.occurrences,
                rule.same_practitioner,
            )
        else:
            slots, refusal, failed = await self.sets.slots_by_id(call, request.citizen, request.timeslot_ids)
        if refusal is not None:
            return tidbok1.set_answer(name, refusal, None, failed_part=failed)
        result: SetAnswer = await self.sets.book(
            kind, call, request.citizen, slots, request.reason_text, request.reason_code
        )
        return tidbok1.set_answer(name, result.outcome, result.set_id, result.appointment_ids, result.failed_part)

    async def make_group_booking(self, call: Call, body: etree._Element) -> etree._Element:
        return await self._book("MakeGroupBooking", SetKind.GROUP, call, body)

    async def make_series_booking(self, call: Call, body: etree._Element) -> etree._Element:
        return await self._book("MakeSeriesBooking", SetKind.SERIES, call, body)

    async def make_combined_booking(self, call: Call, body: etree._Element) -> etree._Element:
        return await self._book("MakeCombinedBooking", SetKind.COMBINED, call, body)

    # ---------------------------------------------------------------- a set and its parts

    async def get_booking_set(self, call: Call, body: etree._Element) -> etree._Element:
        request = tidbok1.decode_set_request(body, "GetBookingSet")
        call = call.with_actor(request.actor)
        answer = tidbok1.response("GetBookingSet")
        assert request.booking_set_id is not None  # the schema requires it
        found = await self.sets.view(call, request.citizen, request.booking_set_id)
        if found is None:
            outcome = BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, _NOT_FOUND)
            tidbok1.add_result(answer, "GetBookingSet", outcome)
            return answer
        parts = []
        for part in found.parts:
            appointment = None
            if part.booking is not None and part.slot_uuid is not None:
                slot = part.booking.slot
                appointment = (
                    part.slot_uuid,
                    part.booking,
                    self._view(found.region_code, slot.care_unit, slot.time_type_id),
                )
            parts.append(
                tidbok1.PartElement(
                    part.number, part.status, part.start, part.appointment_id, appointment, part.related
                )
            )
        tidbok1.add_booking_set(
            answer,
            tidbok1.responder("GetBookingSet"),
            found.set_id,
            found.kind.value,
            found.status,
            found.care_unit,
            found.cancel_part_allowed,
            parts,
        )
        tidbok1.add_result(answer, "GetBookingSet", BookingOutcome(ResultCode.OK))
        return answer

    async def update_booking_set_part(self, call: Call, body: etree._Element) -> etree._Element:
        name = "UpdateBookingSetPart"
        request = tidbok1.decode_set_request(body, name)
        call = call.with_actor(request.actor)
        assert request.booking_set_id and request.appointment_id and request.timeslot_ids  # schema: 1..1 each
        outcome, appointment_id = await self.sets.rebook_part(
            call,
            request.citizen,
            request.booking_set_id,
            request.appointment_id,
            request.timeslot_ids[0],
            request.reason_text,
            request.reason_code,
        )
        answer = tidbok1.response(name)
        if outcome.succeeded:
            add(answer, tidbok1.responder(name), "appointmentId", appointment_id)
        tidbok1.add_result(answer, name, outcome)
        return answer

    async def cancel_booking_set(self, call: Call, body: etree._Element) -> etree._Element:
        name = "CancelBookingSet"
        request = tidbok1.decode_set_request(body, name)
        call = call.with_actor(request.actor)
        assert request.booking_set_id is not None
        outcome = await self.sets.cancel(
            call,
            request.citizen,
            request.booking_set_id,
            request.appointment_id,
            request.reason_text,
            request.reason_code,
        )
        answer = tidbok1.response(name)
        tidbok1.add_result(answer, name, outcome)
        return answer


def operations(sets: BookingSets) -> dict[Interaction, Operation]:
    """The seven tidbok:scheduling 1 operations, by interaction."""
    handlers = BookingSetOperations(sets)

    def bind(method: Callable[[Call, etree._Element], Awaitable[etree._Element]]) -> Operation:
        async def run(_service: SchedulingService, call: Call, body: etree._Element) -> etree._Element:
            return await method(call, body)

        return run

    table = {
        "GetGroupTimeslots": handlers.get_group_timeslots,
        "MakeGroupBooking": handlers.make_group_booking,
        "MakeSeriesBooking": handlers.make_series_booking,
        "MakeCombinedBooking": handlers.make_combined_booking,
        "GetBookingSet": handlers.get_booking_set,
        "UpdateBookingSetPart": handlers.update_booking_set_part,
        "CancelBookingSet": handlers.cancel_booking_set,
    }
    return {by_name(Generation.GATEWAY_EXTENSIONS_1, name): bind(method) for name, method in table.items()}


def linked_get_appointment(inner: Operation, sets: BookingSets, ids: IdMap) -> Operation:
    """scheduling 2 GetAppointment, with `relatedAppointmentId` for the other booked parts of the
    set the appointment belongs to (after the ones the region itself names)."""
    namespace = sched2.responder("GetAppointment")

    async def run(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element | Answer:
        result = await inner(service, call, body)
        answer = result.body if isinstance(result, Answer) else result
        appointment = answer.find(f"{{{namespace}}}appointment")
        if appointment is None:
            return result
        appointment_id = Reader(appointment, sched2.CORE).text("appointmentId")
        found = await ids.appointment(appointment_id) if appointment_id else None
        if found is None:
            return result
        related = await sets.related_appointments(found.region_code, found.booking_id)
        named = {e.text for e in appointment.findall(f"{{{sched2.CORE}}}relatedAppointmentId")}
        anchor = appointment.findall(f"{{{sched2.CORE}}}relatedAppointmentId") or appointment.findall(
            f"{{{sched2.CORE}}}appointmentId"
        )
        position = appointment.index(anchor[-1]) + 1
        for related_id in related:
            if related_id in named:
                continue
            element = etree.Element(f"{{{sched2.CORE}}}relatedAppointmentId")
            element.text = related_id
            appointment.insert(position, element)
            position += 1
        return result

    return run


def serve_booking_sets(
    served: dict[Interaction, Operation], service: SchedulingService, ids: IdMap, settings: Settings
) -> None:
    """Add the tidbok:scheduling 1 operations to `served`, and link set parts in GetAppointment 2.0."""
    sets = BookingSets(service, ids, BookingSaga(service, ids, pause_seconds=settings.saga_part_pause_seconds))
    served.update(operations(sets))
    get_appointment = by_name(Generation.SCHEDULING_2, "GetAppointment")
    if get_appointment in served:
        served[get_appointment] = linked_get_appointment(served[get_appointment], sets, ids)
