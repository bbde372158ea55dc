"""The booking service: one place where a decoded request, in whatever generation, is authorised,
routed to its region's adapter, recorded (ledger + audit) and answered in domain terms.

Faces (SOAP 1.1, scheduling 2, JSON) decode into the domain model, call this service and encode
what it returns. Nothing here knows XML.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from adapters.domain import (
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
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import AdapterError, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity, mask_personal_numbers
from adapters.interface import RegionAdapter
from gateway.adapter_pool import AdapterPool
from gateway.audit import AuditEvent, AuditLog
from gateway.db.database import Database
from gateway.errors import FaultKind, GatewayError
from gateway.ledger import Ledger, LedgerStatus, WriteIntent
from gateway.routing import RegionNotConnected, Route, RoutingTable, UnknownLogicalAddress

__all__ = ["Call", "SchedulingService"]

T = TypeVar("T")

log = logging.getLogger("tidbok.service")

NOT_FOUND_TEXT = "Bokningen finns inte."


@dataclass(frozen=True, slots=True)
class Call:
    """One consumer call: which contract (e.g. `crm:scheduling:1/MakeBooking`) and its context."""

    contract: str
    context: RequestContext


class SchedulingService:
    def __init__(
        self,
        routing: RoutingTable,
        adapters: AdapterPool,
        database: Database,
        audit: AuditLog,
        ledger: Ledger,
    ) -> None:
        self.routing = routing
        self.adapters = adapters
        self.database = database
        self.audit = audit
        self.ledger = ledger

    # ------------------------------------------------------------------ plumbing

    def _route(self, call: Call) -> tuple[Route, RegionAdapter]:
        address = call.context.logical_address
        try:
            route = self.routing.resolve(address)
        except UnknownLogicalAddress as exc:
            raise GatewayError(FaultKind.NO_ROUTE, exc.address) from exc
        except RegionNotConnected as exc:
            raise GatewayError(FaultKind.REGION_NOT_CONNECTED, f"{exc.address} (region {exc.region})") from exc
        assert route.adapter is not None  # resolve() guarantees a connected route
        return route, self.adapters.get(route.adapter)

    @staticmethod
    def _permit(call: Call, citizen: PersonalIdentity | None) -> None:
        """A citizen acting for themself may only touch their own bookings."""
        actor = call.context.actor
        if citizen is not None and actor is not None and actor.is_citizen and actor.actor_id != citizen.value:
            raise GatewayError(FaultKind.ACTOR_NOT_PERMITTED)

    @classmethod
    def _failure(cls, route: Route, exc: Exception) -> GatewayError:
        """What a failed adapter call means to the consumer. A ValueError is the adapter saying the
        region's contract cannot carry the request (e.g. a 1.1 region needs a personnummer)."""
        if isinstance(exc, AdapterError):
            return cls._region_failure(route, exc)
        if isinstance(exc, GatewayError):
            return exc
        if isinstance(exc, ValueError):
            return GatewayError(FaultKind.NOT_EXPRESSIBLE, mask_personal_numbers(str(exc))[:200])
        log.exception("adapter call failed unexpectedly (region %s)", route.region_code)
        return GatewayError(FaultKind.INTERNAL)

    @staticmethod
    def _region_failure(route: Route, exc: AdapterError) -> GatewayError:
        detail = f"region {route.region_code}: {mask_personal_numbers(str(exc))}"
        if isinstance(exc, RegionTimeout):
            return GatewayError(FaultKind.REGION_TIMEOUT, detail)
        if isinstance(exc, RegionUnavailable):
            return GatewayError(FaultKind.REGION_UNAVAILABLE, detail)
        return GatewayError(FaultKind.REGION_ERROR, detail)

    async def _record(self, event: AuditEvent) -> None:
        async with self.database.sessions.begin() as session:
            self.audit.add(session, event)

    async def _read(
        self,
        call: Call,
        operation: Callable[[RegionAdapter], Awaitable[T]],
        *,
        care_unit: str | None,
        citizen: PersonalIdentity | None,
        booking_id: str | None = None,
    ) -> T:
        """Route, call, audit. A region failure becomes a Fault and still leaves its audit row."""
        self._permit(call, citizen)
        route, adapter = self._route(call)
        event = AuditEvent(call.contract, call.context, "OK", care_unit, citizen, booking_id)
        try:
            result = await operation(adapter)
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._record(_with(event, outcome="FAULT", detail=failure.kind.code))
            raise failure from exc
        await self._record(event)
        return result

    # ------------------------------------------------------------------ catalogue

    async def time_types(self, call: Call, query: CatalogueQuery) -> list[TimeType]:
        return await self._read(
            call, lambda a: a.get_time_types(call.context, query), care_unit=query.care_unit, citizen=query.citizen
        )

    async def care_types(self, call: Call, query: CatalogueQuery) -> list[CareType]:
        return await self._read(
            call, lambda a: a.get_care_types(call.context, query), care_unit=query.care_unit, citizen=query.citizen
        )

    async def performers(self, call: Call, query: CatalogueQuery) -> list[Performer]:
        return await self._read(
            call, lambda a: a.get_performers(call.context, query), care_unit=query.care_unit, citizen=query.citizen
        )

    async def care_units(self, call: Call, query: CatalogueQuery) -> list[CareUnit]:
        return await self._read(
            call,
            lambda a: a.get_care_units(call.context, query),
            care_unit=query.care_unit,
            citizen=query.citizen,
            booking_id=query.booking_id,
        )

    # ------------------------------------------------------------------ free times

    async def available_dates(self, call: Call, query: SlotQuery) -> list[AvailableDate]:
        return await self._read(
            call,
            lambda a: a.get_available_dates(call.context, query),
            care_unit=query.care_unit,
            citizen=query.citizen,
            booking_id=query.booking_id,
        )

    async def available_timeslots(self, call: Call, query: SlotQuery) -> list[Timeslot]:
        return await self._read(
            call,
            lambda a: a.get_available_timeslots(call.context, query),
            care_unit=query.care_unit,
            citizen=query.citizen,
            booking_id=query.booking_id,
        )

    # ------------------------------------------------------------------ booked times

    async def schedule(self, call: Call, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        bookings = await self._read(
            call, lambda a: a.get_schedule(call.context, care_unit, citizen), care_unit=care_unit, citizen=citizen
        )
        # Open invitations (no time yet) are not booked times: the contract leaves them out.
        return [b for b in bookings if b.citizen == citizen and not b.slot.is_open]

    async def booking(self, call: Call, care_unit: HsaId, booking_id: str) -> Booking:
        """One booking; BOOKING_NOT_FOUND when the region does not know it or it is someone else's."""
        route, adapter = self._route(call)
        event = AuditEvent(call.contract, call.context, "OK", care_unit, None, booking_id)
        try:
            found = await adapter.get_booking(call.context, care_unit, booking_id)
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._record(_with(event, outcome="FAULT", detail=failure.kind.code))
            raise failure from exc
        if found is None or not self._may_see(call, found):
            await self._record(_with(event, outcome="ERROR", detail=FaultKind.BOOKING_NOT_FOUND.code))
            raise GatewayError(FaultKind.BOOKING_NOT_FOUND, booking_id)
        await self._record(_with(event, citizen=found.citizen))
        return found

    @staticmethod
    def _may_see(call: Call, booking: Booking) -> bool:
        actor = call.context.actor
        return actor is None or not actor.is_citizen or actor.actor_id == booking.citizen.value

    # ------------------------------------------------------------------ writes

    async def make_booking(self, call: Call, request: BookingRequest) -> BookingOutcome:
        self._permit(call, request.citizen)
        route, adapter = self._route(call)
        intent = WriteIntent(
            "book", route.region_code, request.slot.care_unit, request.citizen, request.booking_id, request.slot
        )
        return await self._write(
            call, route, intent, lambda: adapter.make_booking(call.context, request), request.slot.care_unit
        )

    async def update_booking(self, call: Call, request: RebookRequest) -> BookingOutcome:
        self._permit(call, request.citizen)
        route, adapter = self._route(call)
        intent = WriteIntent(
            "rebook", route.region_code, request.slot.care_unit, request.citizen, request.booking_id, request.slot
        )
        owner = await self._owner_check(call, route, adapter, request.slot.care_unit, request.booking_id)
        if owner is not None and owner.citizen != request.citizen:
            owner = None
        if owner is None:
            return await self._refuse(call, route, intent, ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT)
        return await self._write(
            call, route, intent, lambda: adapter.update_booking(call.context, request), request.slot.care_unit
        )

    async def cancel_booking(self, call: Call, request: CancelRequest) -> BookingOutcome:
        route, adapter = self._route(call)
        owner = await self._owner_check(call, route, adapter, request.care_unit, request.booking_id)
        citizen = owner.citizen if owner else None
        intent = WriteIntent("cancel", route.region_code, request.care_unit, citizen, request.booking_id, None)
        if owner is None or not self._may_see(call, owner):
            return await self._refuse(call, route, intent, ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT)
        return await self._write(
            call, route, intent, lambda: adapter.cancel_booking(call.context, request), request.care_unit
        )

    async def _owner_check(
        self, call: Call, route: Route, adapter: RegionAdapter, care_unit: HsaId, booking_id: str
    ) -> Booking | None:
        """The booking a write refers to, read from the region (the record of its calendar)."""
        try:
            return await adapter.get_booking(call.context, care_unit, booking_id)
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._record(
                AuditEvent(call.contract, call.context, "FAULT", care_unit, None, booking_id, detail=failure.kind.code)
            )
            raise failure from exc

    async def _refuse(
        self, call: Call, route: Route, intent: WriteIntent, error: ErrorCode, text: str
    ) -> BookingOutcome:
        outcome = BookingOutcome.refused(error, text)
        async with self.database.sessions.begin() as session:
            row = self.ledger.open(session, intent)
            self.ledger.close(row, outcome)
            self.audit.add(session, self._write_event(call, intent, outcome))
        return outcome

    async def _write(
        self,
        call: Call,
        route: Route,
        intent: WriteIntent,
        operation: Callable[[], Awaitable[BookingOutcome]],
        care_unit: str,
    ) -> BookingOutcome:
        async with self.database.sessions.begin() as session:
            row = self.ledger.open(session, intent)
        try:
            outcome = await operation()
        except Exception as exc:
            failure = self._failure(route, exc)
            status = LedgerStatus.UNCERTAIN if isinstance(exc, RegionTimeout) else LedgerStatus.FAILED
            async with self.database.sessions.begin() as session:
                row = await session.merge(row)
                self.ledger.fail(row, status, failure.kind.code)
                self.audit.add(
                    session,
                    AuditEvent(
                        call.contract,
                        call.context,
                        "FAULT",
                        care_unit,
                        intent.citizen,
                        intent.booking_id,
                        detail=failure.kind.code,
                    ),
                )
            raise failure from exc
        async with self.database.sessions.begin() as session:
            row = await session.merge(row)
            self.ledger.close(row, outcome)
            self.audit.add(session, self._write_event(call, intent, outcome))
        return outcome

    @staticmethod
    def _write_event(call: Call, intent: WriteIntent, outcome: BookingOutcome) -> AuditEvent:
        return AuditEvent(
            call.contract,
            call.context,
            outcome.code.value,
            intent.care_unit,
            intent.citizen,
            outcome.booking_id or intent.booking_id,
            detail=outcome.error.value if outcome.error else None,
        )


def _with(event: AuditEvent, **changes: object) -> AuditEvent:
    return replace(event, **changes)  # type: ignore[arg-type]
