"""scheduling 2 operations: decode, translate ids (gateway.idmap), call the generation-neutral
service, encode. The addressed unit is the LogicalAddress: 2.0 bodies carry no unit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from lxml import etree

from adapters.domain import (
    SWEDISH_TIME,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareUnit,
    CatalogueQuery,
    CitizenDetails,
    ErrorCode,
    RebookRequest,
    SlotQuery,
    Timeslot,
)
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from gateway.codec import sched2
from gateway.codec.processing_status import encode_processing_status
from gateway.codec.xml import DecodeError, add
from gateway.errors import FaultKind, GatewayError
from gateway.idmap import IdMap
from gateway.services.calendar import NationalCalendar
from gateway.services.scheduling import Call, SchedulingService
from gateway.soap.operation import Answer, Operation
from rules.view import TimeTypeView

__all__ = ["Scheduling2", "operations"]

# scheduling 2 carries no contact data; crm:scheduling 1.1 MakeBooking requires the citizen's
# names (subject_of_care_info 1..1). A production gateway would look them up in the population
# register; here the region is told plainly that the names were not given.
NAMES_NOT_GIVEN = CitizenDetails(first_name="(ej angivet)", last_name="(ej angivet)")

_SLOT_GONE = "Tiden är inte längre ledig. Välj en annan tid."
_NOT_FOUND = "Bokningen finns inte."


@dataclass(frozen=True, slots=True)
class Scheduling2:
    service: SchedulingService
    ids: IdMap
    calendar: NationalCalendar

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def unit(call: Call) -> HsaId:
        try:
            return HsaId(call.context.logical_address)
        except InvalidIdentifier as exc:
            raise DecodeError("LogicalAddress", "scheduling 2 addresses one care unit by its HSA-id") from exc

    def region(self, call: Call) -> str:
        route, _adapter = self.service.route(call)
        return route.region_code

    def view(self, region: str, unit: str, time_type_id: str | None) -> TimeTypeView:
        return self.service.policy.time_type_view(region, unit, time_type_id)

    def _citizen_ref(self, citizen: PersonalIdentity | None) -> str | None:
        return self.ids.citizen_ref(citizen)

    async def _own_appointment(
        self, appointment_id: str | None, citizen: PersonalIdentity
    ) -> tuple[str, HsaId, str] | None:
        """(region, unit, region's booking id) of an appointment id shown to this citizen."""
        if appointment_id is None:
            return None
        found = await self.ids.appointment(appointment_id)
        if found is None or found.citizen_ref != self._citizen_ref(citizen):
            return None
        return found.region_code, found.care_unit, found.booking_id

    async def _own_slot(self, slot_uuid: str | None, citizen: PersonalIdentity, region: str) -> Timeslot | None:
        """The slot behind a timeslotId, if it was shown to this citizen (or to nobody in particular)
        and belongs to the addressed region."""
        if slot_uuid is None:
            return None
        found = await self.ids.slot(slot_uuid)
        if found is None or found.region_code != region:
            return None
        if found.citizen_ref is not None and found.citizen_ref != self._citizen_ref(citizen):
            return None
        return found.slot

    # ---------------------------------------------------------------- catalogue

    async def get_time_types(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_catalogue(body, "GetTimeTypes")
        call = call.with_actor(request.actor).about(request.citizen)
        unit, region = self.unit(call), self.region(call)
        query = CatalogueQuery(
            care_unit=unit,
            citizen=request.citizen,
            performers=(request.practitioner,) if request.practitioner else (),
        )
        time_types = await self.service.time_types(call, query)
        views = [self.view(region, unit, t.time_type_id) for t in time_types]
        if request.service_code:
            views = [v for v in views if any(s.code == request.service_code for s in v.healthcare_services)]
        answer = sched2.response("GetTimeTypes")
        for view in views:
            sched2.add_time_type(answer, sched2.responder("GetTimeTypes"), "timeType", view)
        sched2.add_result(answer, "GetTimeTypes")
        return answer

    async def get_practitioners(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_catalogue(body, "GetPractitioners")
        call = call.with_actor(request.actor).about(request.citizen)
        query = CatalogueQuery(
            care_unit=self.unit(call),
            citizen=request.citizen,
            time_type_ids=(request.time_type_code,) if request.time_type_code else (),
        )
        answer = sched2.response("GetPractitioners")
        for performer in await self.service.performers(call, query):
            sched2.add_practitioner(answer, sched2.responder("GetPractitioners"), "practitioner", performer)
        sched2.add_result(answer, "GetPractitioners")
        return answer

    async def get_healthcare_facilities(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_catalogue(body, "GetHealthcareFacilities")
        unit = self.unit(call)
        if request.citizen is not None:
            units = await self.service.care_units(call, CatalogueQuery(care_unit=unit, citizen=request.citizen))
        else:  # nobody logged in: the units of the addressed unit's region, from the routing table
            route, _adapter = self.service.route(call)
            region = self.service.routing.regions[route.region_code]
            units = [CareUnit(HsaId(hsa), name) for hsa, name in region.care_units]
        answer = sched2.response("GetHealthcareFacilities")
        for found in units:
            sched2.add_org_unit(answer, sched2.responder("GetHealthcareFacilities"), "healthcareFacility", found)
        sched2.add_result(answer, "GetHealthcareFacilities")
        return answer

    async def get_healthcare_facility(self, call: Call, body: etree._Element) -> etree._Element:
        unit = self.unit(call)
        route, _adapter = self.service.route(call)
        answer = sched2.response("GetHealthcareFacility")
        sched2.add_org_unit(
            answer,
            sched2.responder("GetHealthcareFacility"),
            "healthcareFacility",
            CareUnit(unit, route.care_unit_name),
        )
        sched2.add_result(answer, "GetHealthcareFacility")
        return answer

    # ---------------------------------------------------------------- free times

    def _matches(self, view: TimeTypeView, search: sched2.SlotSearch) -> bool:
        if search.service_code and not any(s.code == search.service_code for s in view.healthcare_services):
            return False
        return not search.contact_codes or view.care_contact_code.code in search.contact_codes

    async def get_available_timeslots(self, call: Call, body: etree._Element) -> etree._Element:
        search = sched2.decode_slot_search(body, "GetAvailableTimeslots")
        call = call.with_actor(search.actor).about(search.citizen)
        unit, region = self.unit(call), self.region(call)
        answer = sched2.response("GetAvailableTimeslots")
        query = await self._rebooking_query(call, search)
        if query is not None:
            slots = await self.service.available_timeslots(call, query)
            views = {t: self.view(region, unit, t) for t in {s.time_type_id for s in slots}}
            slots = [s for s in slots if self._matches(views[s.time_type_id], search)]
            ids = await self.ids.remember_slots(region, slots, query.citizen)
            for slot_uuid, slot in zip(ids, slots, strict=True):
                sched2.add_timeslot(
                    answer,
                    sched2.responder("GetAvailableTimeslots"),
                    "timeslot",
                    slot_uuid,
                    slot,
                    views[slot.time_type_id],
                )
        sched2.add_result(answer, "GetAvailableTimeslots")
        return answer

    async def get_available_dates(self, call: Call, body: etree._Element) -> etree._Element:
        search = sched2.decode_slot_search(body, "GetAvailableDates")
        call = call.with_actor(search.actor).about(search.citizen)
        unit, region = self.unit(call), self.region(call)
        answer = sched2.response("GetAvailableDates")
        query = await self._rebooking_query(call, search)
        if query is not None:
            for available in await self.service.available_dates(call, query):
                view = self.view(region, unit, available.time_type_id)
                if self._matches(view, search):
                    sched2.add_available_date(answer, sched2.responder("GetAvailableDates"), available, view)
        sched2.add_result(answer, "GetAvailableDates")
        return answer

    async def _rebooking_query(self, call: Call, search: sched2.SlotSearch) -> SlotQuery | None:
        """The slot query; None when the search names an appointment that is not the citizen's."""
        citizen = search.citizen or _citizen_actor(call)
        booking_id = None
        if search.original_appointment_id is not None:
            own = await self._own_appointment(search.original_appointment_id, citizen) if citizen else None
            if own is None:
                return None
            booking_id = own[2]
        return SlotQuery(
            care_unit=self.unit(call),
            start_date=search.start_date,
            end_date=search.end_date,
            citizen=citizen,
            booking_id=booking_id,
            performers=(search.practitioner,) if search.practitioner else (),
            time_type_id=search.time_type_code,
        )

    # ---------------------------------------------------------------- writes

    async def _answer_write(self, name: str, outcome: BookingOutcome, appointment_id: str | None) -> etree._Element:
        answer = sched2.response(name)
        if appointment_id is not None and outcome.succeeded:
            add(answer, sched2.responder(name), "appointmentId", appointment_id)
        sched2.add_result(answer, name, sched2.outcome_code(outcome), outcome.text)
        return answer

    async def make_appointment(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_write(body, "MakeAppointment")
        call = call.with_actor(request.actor).about(request.citizen)
        region = self.region(call)
        slot = await self._own_slot(request.timeslot_id, request.citizen, region)
        if slot is None:
            refusal = BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, _SLOT_GONE)
            return await self._answer_write("MakeAppointment", refusal, None)
        outcome = await self.service.make_booking(
            call,
            BookingRequest(
                care_unit_med=self.unit(call),
                slot=slot,
                citizen=request.citizen,
                details=NAMES_NOT_GIVEN,
                reason=request.reason_text,
                reason_code=request.reason_code,
            ),
        )
        appointment_id = None
        if outcome.succeeded and outcome.booking_id:
            (appointment_id,) = await self.ids.remember_appointments(
                region, [(slot.care_unit, outcome.booking_id, request.citizen)]
            )
        return await self._answer_write("MakeAppointment", outcome, appointment_id)

    async def update_appointment(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_write(body, "UpdateAppointment")
        call = call.with_actor(request.actor).about(request.citizen)
        region = self.region(call)
        own = await self._own_appointment(request.appointment_id, request.citizen)
        if own is None or own[0] != region:
            refusal = BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, _NOT_FOUND)
            return await self._answer_write("UpdateAppointment", refusal, None)
        slot = await self._own_slot(request.timeslot_id, request.citizen, region)
        if slot is None:
            refusal = BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, _SLOT_GONE)
            return await self._answer_write("UpdateAppointment", refusal, None)
        outcome = await self.service.update_booking(
            call,
            RebookRequest(
                booking_id=own[2],
                slot=slot,
                citizen=request.citizen,
                reason=request.reason_text,
                reason_code=request.reason_code,
            ),
        )
        appointment_id = None
        if outcome.succeeded:
            (appointment_id,) = await self.ids.remember_appointments(
                region, [(slot.care_unit, outcome.booking_id or own[2], request.citizen)]
            )
        return await self._answer_write("UpdateAppointment", outcome, appointment_id)

    async def cancel_appointment(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_write(body, "CancelAppointment")
        call = call.with_actor(request.actor).about(request.citizen)
        own = await self._own_appointment(request.appointment_id, request.citizen)
        if own is None or own[0] != self.region(call):
            refusal = BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, _NOT_FOUND)
            return await self._answer_write("CancelAppointment", refusal, None)
        outcome = await self.service.cancel_booking(
            call,
            CancelRequest(
                care_unit=own[1],
                booking_id=own[2],
                citizen=request.citizen,
                message=request.reason_text,
                reason_code=request.reason_code,
            ),
        )
        return await self._answer_write("CancelAppointment", outcome, None)

    async def confirm_appointment(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_write(body, "ConfirmAppointment")
        call = call.with_actor(request.actor).about(request.citizen)
        own = await self._own_appointment(request.appointment_id, request.citizen)
        if own is None or own[0] != self.region(call):
            refusal = BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, _NOT_FOUND)
            return await self._answer_write("ConfirmAppointment", refusal, None)
        outcome = await self.service.confirm_booking(call, own[1], own[2], request.citizen)
        return await self._answer_write("ConfirmAppointment", outcome, None)

    # ---------------------------------------------------------------- booked times

    async def get_appointment(self, call: Call, body: etree._Element) -> etree._Element:
        request = sched2.decode_appointment_reference(body)
        call = call.with_actor(request.actor).about(request.citizen)
        answer = sched2.response("GetAppointment")
        own = await self._own_appointment(request.appointment_id, request.citizen)
        if own is not None and own[0] == self.region(call):
            booking = await self._booking_or_none(call, own[1], own[2])
            if booking is not None and booking.citizen == request.citizen:
                await self._add_appointment(answer, "GetAppointment", own[0], request.appointment_id, booking)
        sched2.add_result(answer, "GetAppointment")
        return answer

    async def _booking_or_none(self, call: Call, unit: HsaId, booking_id: str) -> Booking | None:
        try:
            return await self.service.booking(call, unit, booking_id)
        except GatewayError as error:
            if error.kind is FaultKind.BOOKING_NOT_FOUND:
                return None
            raise

    async def _add_appointment(
        self, answer: etree._Element, name: str, region: str, appointment_id: str, booking: Booking
    ) -> None:
        view = self.view(region, booking.slot.care_unit, booking.slot.time_type_id)
        slot_uuid = (await self.ids.remember_slots(region, [booking.slot], booking.citizen))[0]
        sched2.add_appointment(answer, sched2.responder(name), appointment_id, slot_uuid, booking, view)

    async def get_appointments(self, call: Call, body: etree._Element) -> etree._Element | Answer:
        request = sched2.decode_appointment_query(body)
        call = call.with_actor(request.actor).about(request.citizen)
        if self.calendar.is_national(call):
            national = await self.calendar.schedule(call, request.citizen)
            ids = []
            chosen = []
            for region_code, booking in national.bookings:
                if _within(booking, request):
                    (appointment_id,) = await self.ids.remember_appointments(
                        region_code, [(booking.slot.care_unit, booking.booking_id, request.citizen)]
                    )
                    ids.append(appointment_id)
                    chosen.append(booking)
            header = encode_processing_status(national.sources, self.service.policy.clock())
            return Answer(self._appointment_list(ids, chosen), (header,))
        unit, region = self.unit(call), self.region(call)
        bookings = await self.service.schedule(call, unit, request.citizen)
        chosen = [b for b in bookings if _within(b, request)]
        ids = await self.ids.remember_appointments(
            region, [(b.slot.care_unit, b.booking_id, request.citizen) for b in chosen]
        )
        return self._appointment_list(ids, chosen)

    @staticmethod
    def _appointment_list(ids: list[str], chosen: list[Booking]) -> etree._Element:
        answer = sched2.response("GetAppointments")
        namespace = sched2.responder("GetAppointments")
        for appointment_id, booking in zip(ids, chosen, strict=True):
            node = etree.SubElement(answer, f"{{{namespace}}}appointment")
            add(node, sched2.CORE, "appointmentId", appointment_id)
            sched2.add_hsa(node, sched2.CORE, "healthcareFacilityId", booking.slot.care_unit)
        return answer


def _citizen_actor(call: Call) -> PersonalIdentity | None:
    actor = call.context.actor
    if actor is not None and actor.is_citizen:
        return PersonalIdentity(actor.actor_id)
    return None


def _within(booking: Booking, query: sched2.AppointmentQuery) -> bool:
    start = booking.slot.start
    if start is None:
        return False
    day = start.astimezone(SWEDISH_TIME).date()
    if query.from_date and day < query.from_date:
        return False
    if query.to_date and day > query.to_date:
        return False
    return not (query.time_type_code and booking.slot.time_type_id != query.time_type_code)


def operations(ids: IdMap, calendar: NationalCalendar) -> dict[str, Operation]:
    """The 12 scheduling 2 operations, bound to the id map."""

    def bind(name: str) -> Operation:
        async def run(service: SchedulingService, call: Call, body: etree._Element) -> etree._Element | Answer:
            handler: Callable[[Call, etree._Element], Awaitable[etree._Element | Answer]] = getattr(
                Scheduling2(service, ids, calendar), name
            )
            return await handler(call, body)

        return run

    return {
        "CancelAppointment": bind("cancel_appointment"),
        "ConfirmAppointment": bind("confirm_appointment"),
        "GetAppointment": bind("get_appointment"),
        "GetAppointments": bind("get_appointments"),
        "GetAvailableDates": bind("get_available_dates"),
        "GetAvailableTimeslots": bind("get_available_timeslots"),
        "GetHealthcareFacilities": bind("get_healthcare_facilities"),
        "GetHealthcareFacility": bind("get_healthcare_facility"),
        "GetPractitioners": bind("get_practitioners"),
        "GetTimeTypes": bind("get_time_types"),
        "MakeAppointment": bind("make_appointment"),
        "UpdateAppointment": bind("update_appointment"),
    }
