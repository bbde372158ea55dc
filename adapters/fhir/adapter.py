"""The FHIR R4 regional adapter: every `RegionAdapter` method as FHIR REST calls (Location,
Schedule, Slot, Patient, Appointment).

How the calls go:
- a care unit is the Location with its HSA-id (looked up once, then remembered);
- catalogue reads come from the unit's Schedules with their actors included (a Schedule is one
  practitioner's time of one time type at one unit);
- free times are the unit's Slots with status free, found through those Schedules, all pages;
- booking POSTs an Appointment on the Slot (the patient registered first by conditional create);
  with a correlation id the POST is a conditional create on an identifier made of that id and the
  slot, so a retried booking finds the first one instead of booking twice;
- a timeslot without a slot id (a 1.1 consumer's) is found by its start, unit, time type and
  performer;
- rebooking, accepting an invitation and cancelling PUT the Appointment as read, changed, with
  `If-Match` on the version read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from adapters.domain import (
    SWEDISH_TIME,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    ErrorCode,
    Performer,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionRejectedRequest, RegionTimeout
from adapters.fhir import mapping
from adapters.fhir.client import FhirClient, FhirRefusal, parse
from adapters.fhir.mapping import Action, ScheduleView
from adapters.fhir.resources import Appointment, Location, Practitioner, Schedule, Slot
from adapters.identifiers import HsaId, PersonalIdentity

__all__ = ["REQUEST_IDENTIFIER_SYSTEM", "FhirAdapter", "FhirOptions"]

REQUEST_IDENTIFIER_SYSTEM = "urn:tidbok-gateway:booking-request"
_ACTIVE_STATUSES = "proposed,pending,booked,arrived,checked-in,waitlist"
_SCHEDULES_PER_SLOT_SEARCH = 40
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FhirOptions:
    """`time_type_system` / `care_type_system`: the region's CodeSystems, when its codings carry
    several systems (otherwise the first code is taken)."""

    time_type_system: str | None = None
    care_type_system: str | None = None


class FhirAdapter:
    kind = "fhir"

    def __init__(
        self,
        client: FhirClient,
        *,
        deadline: dt.timedelta,
        options: FhirOptions,
        owned_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        """`owned_http_client`: the HTTP client to close in `aclose` (None when it is shared)."""
        self.fhir = client
        self.deadline = deadline
        self.options = options
        self._owned = owned_http_client
        self._locations: dict[HsaId, Location] = {}

    @property
    def region(self) -> str:
        return self.fhir.region

    # plumbing ------------------------------------------------------------------------------------

    @staticmethod
    def _headers(ctx: RequestContext) -> dict[str, str]:
        headers = dict(ctx.extra_headers)
        if ctx.correlation_id:
            headers["X-Correlation-ID"] = ctx.correlation_id
        return headers

    async def _within_deadline(self, work: Awaitable[T]) -> T:
        """The whole method (every page, every step) within the adapter's deadline."""
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                return await work
        except TimeoutError as exc:
            raise RegionTimeout(f"{self.region}: no answer within {self.deadline}", region=self.region) from exc

    async def _location(self, ctx: RequestContext, care_unit: HsaId) -> Location:
        known = self._locations.get(care_unit)
        if known is not None:
            return known
        found = await self.fhir.search(
            "Location", [("identifier", f"{mapping.HSA_ID_SYSTEM}|{care_unit}")], self._headers(ctx)
        )
        if not found.matches:
            raise RegionRejectedRequest(f"{self.region} has no care unit {care_unit}", region=self.region)
        location = parse(Location, found.matches[0], region=self.region)
        self._locations[care_unit] = location
        return location

    async def _schedules(
        self, ctx: RequestContext, location_id: str | None, time_type_id: str | None = None
    ) -> list[ScheduleView]:
        params = [("_include", "Schedule:actor")]
        if location_id is not None:
            params.append(("actor", f"Location/{location_id}"))
        if time_type_id:
            params.append(("service-type", time_type_id))
        found = await self.fhir.search("Schedule", params, self._headers(ctx))
        return self._views_of(found.matches, found.included)

    async def _unit_schedules(
        self, ctx: RequestContext, care_unit: HsaId, time_type_id: str | None = None
    ) -> tuple[CareUnit, list[ScheduleView]]:
        location = await self._location(ctx, care_unit)
        unit = mapping.care_unit_of(location) or CareUnit(hsa_id=care_unit)
        return unit, await self._schedules(ctx, location.id, time_type_id)

    async def _appointment(self, ctx: RequestContext, booking_id: str) -> tuple[Appointment, dict[str, Any]] | None:
        raw = await self.fhir.read(f"Appointment/{booking_id}", self._headers(ctx))
        if raw is None:
            return None
        return parse(Appointment, raw, region=self.region), raw

    def _booking(
        self, appointment: Appointment, citizen: PersonalIdentity | None = None, unit: CareUnit | None = None
    ) -> Booking | None:
        return mapping.appointment_to_booking(
            appointment,
            now=dt.datetime.now(dt.UTC),
            citizen=citizen,
            care_unit=unit,
            time_type_system=self.options.time_type_system,
            care_type_system=self.options.care_type_system,
        )

    # catalogue -----------------------------------------------------------------------------------

    async def _catalogue(self, ctx: RequestContext, query: CatalogueQuery) -> list[ScheduleView]:
        _unit, views = await self._unit_schedules(ctx, query.care_unit)
        return [
            view
            for view in views
            if (not query.time_type_ids or (view.time_type and view.time_type.time_type_id in query.time_type_ids))
            and (not query.care_type_ids or (view.care_type and view.care_type.care_type_id in query.care_type_ids))
            and (not query.performers or (view.performer and view.performer.hsa_id in query.performers))
        ]

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        views = await self._within_deadline(self._catalogue(ctx, query))
        found = {v.time_type.time_type_id: v.time_type for v in views if v.time_type}
        return [found[key] for key in sorted(found)]

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        views = await self._within_deadline(self._catalogue(ctx, query))
        found = {v.care_type.care_type_id: v.care_type for v in views if v.care_type}
        return [found[key] for key in sorted(found)]

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        views = await self._within_deadline(self._catalogue(ctx, query))
        found = {v.performer.hsa_id: v.performer for v in views if v.performer}
        return [found[key] for key in sorted(found)]

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        """The region's units with schedules for the asked time types (or for the time type of
        the invitation `booking_id`)."""

        async def work() -> list[CareUnit]:
            time_types = set(query.time_type_ids)
            if query.booking_id:
                found = await self._appointment(ctx, query.booking_id)
                invitation = self._booking(found[0]) if found else None
                if invitation is None or invitation.slot.time_type_id is None:
                    return []
                time_types = {invitation.slot.time_type_id}
            views = await self._schedules(ctx, None, ",".join(sorted(time_types)) or None)
            units = {
                v.care_unit.hsa_id: v.care_unit
                for v in views
                if v.care_unit
                and (not query.care_type_ids or (v.care_type and v.care_type.care_type_id in query.care_type_ids))
            }
            return [units[key] for key in sorted(units)]

        return await self._within_deadline(work())

    # free times ----------------------------------------------------------------------------------

    async def _free_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        time_type_id = query.time_type_id
        if query.booking_id and not time_type_id and not query.time_type_name:
            booked = await self._appointment(ctx, query.booking_id)
            current = self._booking(booked[0]) if booked else None
            time_type_id = current.slot.time_type_id if current else None
        unit, views = await self._unit_schedules(ctx, query.care_unit, time_type_id)
        views = [view for view in views if _matches(view, query)]
        if not views:
            return []
        low = max(
            dt.datetime.combine(query.start_date, dt.time(), tzinfo=SWEDISH_TIME),
            dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        high = mapping.day_start(query.end_date + dt.timedelta(days=1))
        by_id = {view.schedule_id: view for view in views}
        timeslots: list[Timeslot] = []
        ids = sorted(by_id)
        for chunk in range(0, len(ids), _SCHEDULES_PER_SLOT_SEARCH):
            schedules = ",".join(f"Schedule/{i}" for i in ids[chunk : chunk + _SCHEDULES_PER_SLOT_SEARCH])
            params = [
                ("schedule", schedules),
                ("status", "free"),
                ("start", f"ge{mapping.format_instant(low)}"),
                ("start", f"lt{high}"),
            ]
            page = await self.fhir.search("Slot", params, self._headers(ctx))
            for raw in page.matches:
                slot = parse(Slot, raw, region=self.region)
                view = by_id.get(slot.schedule.target_id() or "")
                if view is not None and slot.status == "free":
                    timeslots.append(self._timeslot(slot, view, unit))
        return sorted(timeslots, key=lambda t: (t.start, t.performer or "", t.time_type_id or "", t.slot_id or ""))

    def _timeslot(self, slot: Slot, view: ScheduleView, unit: CareUnit) -> Timeslot:
        return mapping.slot_to_timeslot(
            slot,
            view,
            view.care_unit or unit,
            time_type_system=self.options.time_type_system,
            care_type_system=self.options.care_type_system,
        )

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        return await self._within_deadline(self._free_timeslots(ctx, query))

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        timeslots = await self.get_available_timeslots(ctx, query)
        return mapping.aggregate_dates(timeslots)

    # bookings ------------------------------------------------------------------------------------

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        async def work() -> list[Booking]:
            location = await self._location(ctx, care_unit)
            unit = mapping.care_unit_of(location) or CareUnit(hsa_id=care_unit)
            params = [
                ("patient.identifier", f"{mapping.PERSONAL_NUMBER_SYSTEM}|{citizen.value}"),
                ("location", f"Location/{location.id}"),
                ("status", _ACTIVE_STATUSES),
            ]
            found = await self.fhir.search("Appointment", params, self._headers(ctx), by_post=True)
            bookings = [
                self._booking(parse(Appointment, raw, region=self.region), citizen, unit) for raw in found.matches
            ]
            kept = [b for b in bookings if b is not None and b.citizen == citizen]
            return sorted(kept, key=_booking_order)

        return await self._within_deadline(work())

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        async def work() -> Booking | None:
            found = await self._appointment(ctx, booking_id)
            if found is None:
                return None
            booking = self._booking(found[0])
            if booking is None or booking.slot.care_unit != care_unit:
                return None
            return booking

        return await self._within_deadline(work())

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        return await self._within_deadline(self._make_booking(ctx, request))

    async def _make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        try:
            found = await self._bookable(ctx, request.slot)
            if isinstance(found, BookingOutcome):
                return found
            slot, view = found
            if request.booking_id:
                return await self._book_invitation(ctx, request, slot, view)
            patient_id = await self._patient(ctx, request)
            identifier = (REQUEST_IDENTIFIER_SYSTEM, f"{ctx.correlation_id}/{slot.id}") if ctx.correlation_id else None
            body = mapping.new_appointment(
                slot,
                view,
                patient_id=patient_id,
                citizen=request.citizen,
                reason=request.reason,
                comment=request.notification,
                identifier=identifier,
            )
            condition = f"identifier={identifier[0]}|{identifier[1]}&status={_ACTIVE_STATUSES}" if identifier else None
            written = await self.fhir.create(body, self._headers(ctx), if_none_exist=condition)
        except FhirRefusal as refusal:
            return mapping.refusal(refusal.status, refusal.outcome, Action.BOOK)
        appointment = parse(Appointment, written.resource, region=self.region)
        return BookingOutcome(code=ResultCode.OK, booking_id=appointment.id)

    async def _book_invitation(
        self, ctx: RequestContext, request: BookingRequest, slot: Slot, view: ScheduleView
    ) -> BookingOutcome:
        """An open invitation (kallelse without a time) is booked by giving it a slot."""
        assert request.booking_id is not None
        found = await self._appointment(ctx, request.booking_id)
        refused = _refuse_change(found, request.citizen, None)
        if refused is not None:
            return refused
        assert found is not None
        appointment, raw = found
        if appointment.status != "proposed" or appointment.slot:
            return mapping.refused(ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, "Kallelsen har redan en bokad tid.")
        body = mapping.rebooked_appointment(raw, slot, view, reason=request.reason, comment=request.notification)
        written = await self.fhir.update(body, _version(appointment), self._headers(ctx))
        return BookingOutcome(code=ResultCode.OK, booking_id=str(written.resource.get("id", appointment.id)))

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        async def work() -> BookingOutcome:
            try:
                found = await self._appointment(ctx, request.booking_id)
                refused = _refuse_change(found, request.citizen, None)
                if refused is not None:
                    return refused
                assert found is not None
                appointment, raw = found
                target = await self._bookable(ctx, request.slot)
                if isinstance(target, BookingOutcome):
                    return target
                slot, view = target
                body = mapping.rebooked_appointment(
                    raw, slot, view, reason=request.reason, comment=request.notification
                )
                await self.fhir.update(body, _version(appointment), self._headers(ctx))
            except FhirRefusal as refusal:
                return mapping.refusal(refusal.status, refusal.outcome, Action.REBOOK)
            return BookingOutcome(code=ResultCode.OK, booking_id=appointment.id)

        return await self._within_deadline(work())

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        async def attempt() -> BookingOutcome:
            found = await self._appointment(ctx, request.booking_id)
            refused = _refuse_change(found, request.citizen, request.care_unit)
            if refused is not None:
                return refused
            assert found is not None
            appointment, raw = found
            body = mapping.cancelled_appointment(raw, request.message)
            await self.fhir.update(body, _version(appointment), self._headers(ctx))
            return BookingOutcome(code=ResultCode.OK, booking_id=appointment.id)

        async def work() -> BookingOutcome:
            try:
                return await attempt()
            except FhirRefusal as refusal:
                if refusal.status != 412:
                    return mapping.refusal(refusal.status, refusal.outcome, Action.CANCEL)
            try:  # changed between our read and our write: read again, cancel what is there now
                return await attempt()
            except FhirRefusal as refusal:
                return mapping.refusal(refusal.status, refusal.outcome, Action.CANCEL)

        return await self._within_deadline(work())

    async def aclose(self) -> None:
        if self._owned is not None:
            await self._owned.aclose()

    # writing helpers -----------------------------------------------------------------------------

    async def _patient(self, ctx: RequestContext, request: BookingRequest) -> str:
        """The region's Patient id for the citizen, registered if new (conditional create)."""
        citizen = request.citizen
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "identifier": [{"system": mapping.PERSONAL_NUMBER_SYSTEM, "value": citizen.value}],
        }
        details = request.details
        if details is not None:
            given = [part for part in (details.first_name, details.middle_name) if part]
            patient["name"] = [{"family": details.last_name, "given": given}]
            telecom = [
                {"system": system, "value": value}
                for system, value in (("phone", details.phone), ("email", details.email))
                if value
            ]
            if telecom:
                patient["telecom"] = telecom
        written = await self.fhir.create(
            patient,
            self._headers(ctx),
            if_none_exist=f"identifier={mapping.PERSONAL_NUMBER_SYSTEM}|{citizen.value}",
        )
        patient_id = written.resource.get("id")
        if not isinstance(patient_id, str):
            raise RegionRejectedRequest(f"{self.region} registered a Patient without id", region=self.region)
        return patient_id

    async def _bookable(self, ctx: RequestContext, wanted: Timeslot) -> tuple[Slot, ScheduleView] | BookingOutcome:
        """The Slot a timeslot names (by slot id, or by start, unit, time type and performer), with
        its Schedule; or the refusal when there is none."""
        if wanted.slot_id:
            raw = await self.fhir.read(f"Slot/{wanted.slot_id}", self._headers(ctx))
            if raw is None:
                return mapping.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
            slot = parse(Slot, raw, region=self.region)
            schedule_id = slot.schedule.target_id() or ""
            schedules = await self.fhir.search(
                "Schedule", [("_id", schedule_id), ("_include", "Schedule:actor")], self._headers(ctx)
            )
            views = self._views_of(schedules.matches, schedules.included)
            if not views:
                return mapping.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
            candidates = [(slot, views[0])]
        else:
            if wanted.start is None:
                return mapping.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
            _unit, views = await self._unit_schedules(ctx, wanted.care_unit, wanted.time_type_id)
            views = [
                v
                for v in views
                if (wanted.performer is None or (v.performer and v.performer.hsa_id == wanted.performer))
                and (wanted.time_type_name is None or _same_name(v.time_type, wanted.time_type_name))
            ]
            if not views:
                return mapping.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
            by_id = {v.schedule_id: v for v in views}
            params = [
                ("schedule", ",".join(f"Schedule/{i}" for i in sorted(by_id))),
                ("start", f"eq{mapping.format_instant(wanted.start)}"),
            ]
            found = await self.fhir.search("Slot", params, self._headers(ctx))
            candidates = []
            for raw in found.matches:
                slot = parse(Slot, raw, region=self.region)
                view = by_id.get(slot.schedule.target_id() or "")
                same_end = wanted.end is None or mapping.parse_instant(slot.end) == wanted.end
                if view is not None and same_end and mapping.parse_instant(slot.start) == wanted.start:
                    candidates.append((slot, view))
            if not candidates:
                return mapping.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
        # a free one if there is one; a taken one is still sent, for the region to refuse (409) or,
        # for a retried conditional create, to answer with the booking already made
        return min(candidates, key=lambda candidate: candidate[0].status != "free")

    def _views_of(
        self, schedules: Iterable[Mapping[str, Any]], included: Mapping[str, Mapping[str, Any]]
    ) -> list[ScheduleView]:
        """Schedules (with their included actors) as the domain sees them; inactive ones left out."""
        practitioners = {
            k: parse(Practitioner, v, region=self.region) for k, v in included.items() if k.startswith("Practitioner/")
        }
        locations = {
            k: parse(Location, v, region=self.region) for k, v in included.items() if k.startswith("Location/")
        }
        views = []
        for raw in schedules:
            schedule = parse(Schedule, raw, region=self.region)
            if schedule.active is False:
                continue
            views.append(
                mapping.schedule_view(
                    schedule,
                    practitioners,
                    locations,
                    time_type_system=self.options.time_type_system,
                    care_type_system=self.options.care_type_system,
                )
            )
        return views


def _matches(view: ScheduleView, query: SlotQuery) -> bool:
    time_type, care_type = view.time_type, view.care_type
    return (
        (query.time_type_id is None or (time_type is not None and time_type.time_type_id == query.time_type_id))
        and (query.time_type_name is None or _same_name(time_type, query.time_type_name))
        and (query.care_type_id is None or (care_type is not None and care_type.care_type_id == query.care_type_id))
        and (query.care_type_name is None or _same_name(care_type, query.care_type_name))
        and (not query.performers or (view.performer is not None and view.performer.hsa_id in query.performers))
    )


def _booking_order(booking: Booking) -> tuple[bool, dt.datetime, str]:
    """Open invitations (no time) first, then by time."""
    start = booking.slot.start
    return start is not None, start or dt.datetime.min.replace(tzinfo=dt.UTC), booking.booking_id


def _same_name(kind: TimeType | CareType | None, name: str) -> bool:
    return kind is not None and kind.name.casefold() == name.strip().casefold()


def _version(appointment: Appointment) -> str:
    if appointment.meta is None or not appointment.meta.versionId:
        raise RegionRejectedRequest("the region's Appointment has no version to update against")
    return appointment.meta.versionId


def _refuse_change(
    found: tuple[Appointment, dict[str, Any]] | None, citizen: PersonalIdentity | None, care_unit: HsaId | None
) -> BookingOutcome | None:
    """Why an appointment cannot be changed by this citizen at this unit, if it cannot."""
    if found is None:
        return mapping.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    appointment = found[0]
    if citizen is not None:
        owners = [mapping.personal_identity_of(ref) for ref in appointment.actors("Patient")]
        if citizen not in owners:
            return mapping.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    if care_unit is not None:
        units = [mapping.hsa_id_of([ref.identifier]) for ref in appointment.actors("Location")]
        if care_unit not in units:
            return mapping.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    if appointment.status == "cancelled":
        return mapping.refused(ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED)
    if not mapping.is_active(appointment):
        return mapping.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    return None
