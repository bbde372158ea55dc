"""The booking service: one place where a decoded request, in whatever generation, is authorised,
ruled, routed to its region's adapter, recorded (ledger + audit) and answered in domain terms.

Faces (SOAP crm:scheduling 1.1, SOAP scheduling 2, JSON) decode into the domain model, call this
service and encode what it returns. Nothing here knows XML. Every booking decision is the rule
set's (`gateway.policy`); the region stays the record of its calendar.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    BookingStatus,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    Code,
    ErrorCode,
    Performer,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import AdapterError, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity, mask_personal_numbers
from adapters.interface import ConfirmingAdapter, RegionAdapter
from gateway.adapter_pool import AdapterPool
from gateway.audit import AuditEvent, AuditLog
from gateway.audit_writer import AuditWriter
from gateway.db.database import Database
from gateway.db.models import LedgerRow
from gateway.engagement import EngagementIndex
from gateway.errors import FaultKind, GatewayError
from gateway.idempotency import IdempotencyGuard
from gateway.ledger import Ledger, LedgerStatus, WriteIntent
from gateway.policy import BookingPolicy, CitizenContext
from gateway.referrals import ReferralStore
from gateway.resilience.settings import ResilienceSettings
from gateway.resilience.stack import ResilienceRegistry, wrap
from gateway.routing import RegionNotConnected, Route, RoutingTable, UnknownLogicalAddress
from gateway.services.together import together
from rules.facts import BookingFacts, ReasonFacts

__all__ = ["Call", "SchedulingService"]

T = TypeVar("T")

log = logging.getLogger("tidbok.service")

NOT_FOUND_TEXT = "Bokningen finns inte."
ALREADY_CANCELLED_TEXT = "Bokningen är redan avbokad."
NOT_PRELIMINARY_TEXT = "Bokningen väntar inte på någon bekräftelse."


@dataclass(frozen=True, slots=True)
class Call:
    """One consumer call: which contract (e.g. `crm:scheduling:1/MakeBooking`) and its context."""

    contract: str
    context: RequestContext

    def with_actor(self, actor: Actor | None) -> Call:
        """The same call, acting as `actor` (scheduling 2 carries the actor in the body)."""
        if actor is None:
            return self
        return replace(self, context=replace(self.context, actor=actor))

    def about(self, citizen: PersonalIdentity | None) -> Call:
        """The same call, naming the citizen it concerns for regions whose reads need it (a
        scheduling 2 region's GetAppointment needs the personId even when staff asks)."""
        if citizen is None or self.context.subject == citizen:
            return self
        return replace(self, context=replace(self.context, subject=citizen))


class SchedulingService:
    def __init__(
        self,
        routing: RoutingTable,
        adapters: AdapterPool,
        database: Database,
        audit: AuditLog,
        ledger: Ledger,
        policy: BookingPolicy,
        referrals: ReferralStore,
        engagements: EngagementIndex,
        idempotency: IdempotencyGuard,
        resilience: ResilienceRegistry,
        resilience_settings: ResilienceSettings,
    ) -> None:
        self.routing = routing
        self.adapters = adapters
        self.database = database
        self.audit = audit
        self.ledger = ledger
        self.policy = policy
        self.referrals = referrals
        self.engagements = engagements
        self.idempotency = idempotency
        self.resilience = resilience
        self.resilience_settings = resilience_settings
        self.audit_writer = AuditWriter(database, audit)

    # ------------------------------------------------------------------ plumbing

    def route(self, call: Call) -> tuple[Route, RegionAdapter]:
        address = call.context.logical_address
        try:
            route = self.routing.resolve(address)
        except UnknownLogicalAddress as exc:
            raise GatewayError(FaultKind.NO_ROUTE, exc.address) from exc
        except RegionNotConnected as exc:
            raise GatewayError(FaultKind.REGION_NOT_CONNECTED, f"{exc.address} (region {exc.region})") from exc
        return route, self.adapter_for(route)

    def adapter_for(self, route: Route) -> RegionAdapter:
        """The route's adapter behind its region's breaker, retries (reads), cache and metrics."""
        assert route.adapter is not None  # only connected routes reach here
        return wrap(
            self.adapters.get(route.adapter),
            region_code=route.region_code,
            adapter_name=route.adapter.name,
            settings=self.resilience_settings,
            registry=self.resilience,
        )

    @staticmethod
    def permit(call: Call, citizen: PersonalIdentity | None) -> None:
        """A citizen acting for themself may only touch their own bookings."""
        actor = call.context.actor
        if citizen is not None and actor is not None and actor.is_citizen and actor.actor_id != citizen.value:
            raise GatewayError(FaultKind.ACTOR_NOT_PERMITTED)

    @staticmethod
    def _is_agent(call: Call) -> bool:
        actor = call.context.actor
        return actor is not None and actor.role is ActorRole.STAFF

    @classmethod
    def _failure(cls, route: Route, exc: Exception) -> GatewayError:
        """What a failed adapter call means to the consumer. A ValueError is the adapter saying the
        region's contract cannot carry the request (e.g. a 1.1 region needs a personnummer)."""
        if isinstance(exc, GatewayError):
            return exc
        if isinstance(exc, AdapterError):
            detail = f"region {route.region_code}: {mask_personal_numbers(str(exc))}"
            if isinstance(exc, RegionTimeout):
                return GatewayError(FaultKind.REGION_TIMEOUT, detail)
            if isinstance(exc, RegionUnavailable):
                return GatewayError(FaultKind.REGION_UNAVAILABLE, detail)
            return GatewayError(FaultKind.REGION_ERROR, detail)
        if isinstance(exc, ValueError):
            return GatewayError(FaultKind.NOT_EXPRESSIBLE, mask_personal_numbers(str(exc))[:200])
        log.exception("call failed unexpectedly (region %s)", route.region_code)
        return GatewayError(FaultKind.INTERNAL)

    async def record(self, event: AuditEvent) -> None:
        """The audit row of a call that writes nothing else (committed before this returns)."""
        await self._record(event)

    async def _record(self, event: AuditEvent) -> None:
        """The audit row, committed (together with other calls' rows) before the call is answered."""
        await self.audit_writer.write(event)

    async def _audited(
        self,
        call: Call,
        operation: Callable[[Route, RegionAdapter], Awaitable[T]],
        *,
        care_unit: str | None,
        citizen: PersonalIdentity | None,
        booking_id: str | None = None,
    ) -> T:
        """Route, run, audit: exactly one audit row, also when the region fails."""
        self.permit(call, citizen)
        route, adapter = self.route(call)
        event = AuditEvent(call.contract, call.context, "OK", care_unit, citizen, booking_id)
        try:
            result = await operation(route, adapter)
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._record(replace(event, outcome="FAULT", detail=failure.kind.code))
            raise failure from exc
        await self._record(event)
        return result

    async def _citizen_context(
        self, call: Call, adapter: RegionAdapter, care_unit: HsaId, citizen: PersonalIdentity | None
    ) -> CitizenContext | None:
        """What the rules need to know of the citizen: their bookings at the unit (from the region,
        the record of its calendar) and their live referrals."""
        if citizen is None:
            return None
        bookings, referrals = await together(
            adapter.get_schedule(call.context, care_unit, citizen),
            self.referrals.facts_for(citizen, self.policy.clock()),
        )
        return self.policy.citizen_facts(citizen, [b for b in bookings if not b.slot.is_open], referrals)

    def _search_citizen(self, call: Call, citizen: PersonalIdentity | None) -> PersonalIdentity | None:
        """An agent's searches must not be based on the citizen's own data (crm:scheduling 1.1)."""
        return None if self._is_agent(call) else citizen

    async def _rebooking_count(self, region_code: str, booking_id: str) -> int:
        async with self.database.sessions() as session:
            return await self.ledger.rebooking_count(session, region_code, booking_id)

    async def _missing(self, region_code: str, booking_id: str) -> BookingOutcome:
        """The refusal for a booking the region does not show: already cancelled (through us) or
        unknown."""
        async with self.database.sessions() as session:
            cancelled = await self.ledger.was_cancelled(session, region_code, booking_id)
        if cancelled:
            return BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED, ALREADY_CANCELLED_TEXT)
        return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT)

    # ------------------------------------------------------------------ catalogue

    async def time_types(self, call: Call, query: CatalogueQuery) -> list[TimeType]:
        async def run(route: Route, adapter: RegionAdapter) -> list[TimeType]:
            found, citizen = await together(
                adapter.get_time_types(call.context, query),
                self._citizen_context(call, adapter, query.care_unit, self._search_citizen(call, query.citizen)),
            )
            return self.policy.visible_time_types(route.region_code, query.care_unit, citizen, found)

        return await self._audited(call, run, care_unit=query.care_unit, citizen=query.citizen)

    async def care_types(self, call: Call, query: CatalogueQuery) -> list[CareType]:
        return await self._audited(
            call, lambda _r, a: a.get_care_types(call.context, query), care_unit=query.care_unit, citizen=query.citizen
        )

    async def performers(self, call: Call, query: CatalogueQuery) -> list[Performer]:
        return await self._audited(
            call, lambda _r, a: a.get_performers(call.context, query), care_unit=query.care_unit, citizen=query.citizen
        )

    async def care_units(self, call: Call, query: CatalogueQuery) -> list[CareUnit]:
        return await self._audited(
            call,
            lambda _r, a: a.get_care_units(call.context, query),
            care_unit=query.care_unit,
            citizen=query.citizen,
            booking_id=query.booking_id,
        )

    # ------------------------------------------------------------------ free times

    async def _bookable(self, call: Call, route: Route, adapter: RegionAdapter, query: SlotQuery) -> list[Timeslot]:
        """The region's free times, filtered to those this citizen may book now (a rebooking search
        when the query names the booking being moved). The free times and what the rules need to
        know of the citizen are asked for at the same time: neither depends on the other."""
        search_citizen = self._search_citizen(call, query.citizen)
        slots, citizen = await together(
            adapter.get_available_timeslots(call.context, query),
            self._citizen_context(call, adapter, query.care_unit, search_citizen),
        )
        rebooking: BookingFacts | None = None
        if query.booking_id and citizen is not None:
            moving = await adapter.get_booking(call.context, query.care_unit, query.booking_id)
            if moving is None or moving.citizen != citizen.citizen:
                return []
            rebooking = self.policy.booking_facts(
                route.region_code, moving, await self._rebooking_count(route.region_code, moving.booking_id)
            )
        return self.policy.bookable_slots(route.region_code, citizen, slots, rebooking=rebooking)

    async def available_timeslots(self, call: Call, query: SlotQuery) -> list[Timeslot]:
        return await self._audited(
            call,
            lambda route, adapter: self._bookable(call, route, adapter, query),
            care_unit=query.care_unit,
            citizen=query.citizen,
            booking_id=query.booking_id,
        )

    async def available_dates(self, call: Call, query: SlotQuery) -> list[AvailableDate]:
        """Dates with a time this citizen may book: derived from the bookable slots, so a date is
        never offered that MakeBooking would then refuse."""

        async def run(route: Route, adapter: RegionAdapter) -> list[AvailableDate]:
            return self.policy.dates_of(await self._bookable(call, route, adapter, query))

        return await self._audited(
            call, run, care_unit=query.care_unit, citizen=query.citizen, booking_id=query.booking_id
        )

    # ------------------------------------------------------------------ booked times

    async def schedule(self, call: Call, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        """The citizen's booked times at the unit, with what the rules let them do to each. The
        engagement index learns of bookings made elsewhere: only entries it lacks (or holds at
        another time) are written, so a read that finds nothing new commits only its audit row."""

        async def run(route: Route, adapter: RegionAdapter) -> list[Booking]:
            bookings = [b for b in await adapter.get_schedule(call.context, care_unit, citizen) if b.citizen == citizen]
            # Open invitations (no time yet) are not booked times: the contract leaves them out.
            timed = [b for b in bookings if not b.slot.is_open]
            async with self.database.sessions() as session:
                counts = await self.ledger.rebooking_counts(session, route.region_code, [b.booking_id for b in timed])
                unindexed = await self.engagements.unrecorded(session, citizen, bookings)
            if unindexed:
                async with self.database.sessions.begin() as session:
                    await self.engagements.seen(session, unindexed)
            return [self.policy.with_flags(route.region_code, b, counts.get(b.booking_id, 0)) for b in timed]

        return await self._audited(call, run, care_unit=care_unit, citizen=citizen)

    async def booking(self, call: Call, care_unit: HsaId, booking_id: str) -> Booking:
        """One booking; BOOKING_NOT_FOUND when the region does not know it or it is someone else's."""
        route, adapter = self.route(call)
        event = AuditEvent(call.contract, call.context, "OK", care_unit, None, booking_id)
        try:
            found = await adapter.get_booking(call.context, care_unit, booking_id)
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._record(replace(event, outcome="FAULT", detail=failure.kind.code))
            raise failure from exc
        if found is None or not self._may_see(call, found):
            await self._record(replace(event, outcome="ERROR", detail=FaultKind.BOOKING_NOT_FOUND.code))
            raise GatewayError(FaultKind.BOOKING_NOT_FOUND, booking_id)
        await self._record(replace(event, citizen=found.citizen))
        if found.slot.is_open:
            return self.policy.with_flags(route.region_code, found)
        return self.policy.with_flags(
            route.region_code, found, await self._rebooking_count(route.region_code, found.booking_id)
        )

    @staticmethod
    def _may_see(call: Call, booking: Booking) -> bool:
        actor = call.context.actor
        return actor is None or not actor.is_citizen or actor.actor_id == booking.citizen.value

    # ------------------------------------------------------------------ writes

    async def make_booking(self, call: Call, request: BookingRequest) -> BookingOutcome:
        self.permit(call, request.citizen)
        call = call.about(request.citizen)
        route, adapter = self.route(call)
        intent = WriteIntent(
            "book", route.region_code, request.slot.care_unit, request.citizen, request.booking_id, request.slot
        )

        async def decide() -> tuple[BookingOutcome | None, str | None]:
            if request.booking_id:  # booking an open invitation: the unit's own invitation opens it
                return None, None
            citizen = await self._citizen_context(call, adapter, request.slot.care_unit, request.citizen)
            assert citizen is not None
            reason = _reason(request.reason, request.reason_code)
            decision = self.policy.decide_booking(route.region_code, citizen, request.slot, reason)
            if decision is None:
                return None, None
            if not decision.allowed:
                return self.policy.refusal(decision), None
            return None, decision.referral_used

        async def book() -> BookingOutcome:
            outcome = await adapter.make_booking(call.context, request)
            if outcome.error in _TAKEN:
                return await self._with_alternatives(call, route, adapter, request, outcome)
            return outcome

        return await self._write(call, route, adapter, intent, decide, book)

    async def _with_alternatives(
        self, call: Call, route: Route, adapter: RegionAdapter, request: BookingRequest, outcome: BookingOutcome
    ) -> BookingOutcome:
        """Honest conflicts: the time was just taken — say so, and offer the nearest free times of
        the same unit and time type that this citizen may book."""
        wanted = request.slot.start
        if wanted is None:
            return outcome
        day = wanted.astimezone(SWEDISH_TIME).date()
        query = SlotQuery(
            care_unit=request.slot.care_unit,
            start_date=max(day - dt.timedelta(days=ALTERNATIVES_DAYS_BEFORE), self.policy.clock().date()),
            end_date=day + dt.timedelta(days=ALTERNATIVES_DAYS_AFTER),
            citizen=request.citizen,
            time_type_id=request.slot.time_type_id,
            time_type_name=None if request.slot.time_type_id else request.slot.time_type_name,
        )
        try:
            free = await self._bookable(call, route, adapter, query)
        except Exception:  # the refusal stands on its own; alternatives are a courtesy
            log.warning("could not look up alternatives (region %s)", route.region_code)
            return outcome
        nearest = sorted(
            (s for s in free if s.start is not None and s.start != wanted),
            key=lambda s: abs((s.start - wanted).total_seconds()) if s.start else 0.0,
        )[:ALTERNATIVES]
        if not nearest:
            return outcome
        listed = ", ".join(f"{s.start.astimezone(SWEDISH_TIME):%Y-%m-%d %H:%M}" for s in nearest if s.start)
        text = f"{outcome.text or 'Tiden är tyvärr redan bokad.'} Närmaste lediga tider: {listed}."
        return replace(outcome, text=text, alternatives=tuple(nearest))

    async def update_booking(self, call: Call, request: RebookRequest) -> BookingOutcome:
        self.permit(call, request.citizen)
        call = call.about(request.citizen)
        route, adapter = self.route(call)
        intent = WriteIntent(
            "rebook", route.region_code, request.slot.care_unit, request.citizen, request.booking_id, request.slot
        )

        async def decide() -> tuple[BookingOutcome | None, str | None]:
            owner = await adapter.get_booking(call.context, request.slot.care_unit, request.booking_id)
            if owner is None:
                return await self._missing(route.region_code, request.booking_id), None
            if owner.citizen != request.citizen:
                return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT), None
            facts = self.policy.booking_facts(
                route.region_code, owner, await self._rebooking_count(route.region_code, owner.booking_id)
            )
            if facts is None:  # an open invitation has no time to move: it is booked with MakeBooking
                return BookingOutcome.refused(ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED, _OPEN_INVITATION), None
            citizen = await self._citizen_context(call, adapter, request.slot.care_unit, request.citizen)
            assert citizen is not None
            reason = _reason(request.reason, request.reason_code)
            decision = self.policy.decide_rebooking(route.region_code, citizen, facts, request.slot, reason)
            if decision is not None and not decision.allowed:
                return self.policy.refusal(decision), None
            return None, decision.referral_used if decision else None

        return await self._write(
            call, route, adapter, intent, decide, lambda: adapter.update_booking(call.context, request)
        )

    async def cancel_booking(self, call: Call, request: CancelRequest) -> BookingOutcome:
        call = call.about(request.citizen)
        route, adapter = self.route(call)
        owner_box: list[Booking] = []

        async def decide() -> tuple[BookingOutcome | None, str | None]:
            owner = await adapter.get_booking(call.context, request.care_unit, request.booking_id)
            if owner is None:
                return await self._missing(route.region_code, request.booking_id), None
            if not self._may_see(call, owner):
                return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT), None
            owner_box.append(owner)
            facts = self.policy.booking_facts(route.region_code, owner)
            if facts is not None:
                decision = self.policy.decide_cancellation(facts, _reason(request.message, request.reason_code))
                if not decision.allowed:
                    return self.policy.refusal(decision), None
            return None, None

        intent = WriteIntent("cancel", route.region_code, request.care_unit, request.citizen, request.booking_id)
        return await self._write(
            call,
            route,
            adapter,
            intent,
            decide,
            lambda: adapter.cancel_booking(call.context, request),
            citizen_from=lambda: owner_box[0].citizen if owner_box else None,
        )

    async def confirm_booking(
        self, call: Call, care_unit: HsaId, booking_id: str, citizen: PersonalIdentity
    ) -> BookingOutcome:
        """The citizen accepts a time the clinic proposed (preliminary → confirmed). A scheduling 2
        region confirms natively; a crm:scheduling 1.1 region knows the proposal as a timed
        invitation, which becomes a booking when it is moved to its own time (UpdateBooking)."""
        self.permit(call, citizen)
        call = call.about(citizen)
        route, adapter = self.route(call)
        owner_box: list[Booking] = []

        async def decide() -> tuple[BookingOutcome | None, str | None]:
            owner = await adapter.get_booking(call.context, care_unit, booking_id)
            if owner is None:
                return await self._missing(route.region_code, booking_id), None
            if owner.citizen != citizen:
                return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT), None
            owner_box.append(owner)
            pending = owner.status is BookingStatus.PRELIMINARY or (owner.is_invitation and not owner.slot.is_open)
            if not pending:
                return BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_ALREADY_CONFIRMED, NOT_PRELIMINARY_TEXT), None
            facts = self.policy.booking_facts(route.region_code, owner)
            if facts is not None:
                decision = self.policy.decide_confirmation(facts)
                if not decision.allowed:  # the proposal has lapsed for online confirmation
                    return self.policy.refusal(decision), None
            return None, None

        async def confirm() -> BookingOutcome:
            owner = owner_box[0]
            if isinstance(adapter, ConfirmingAdapter):
                return await adapter.confirm_booking(call.context, care_unit, booking_id, citizen)
            return await adapter.update_booking(
                call.context,
                RebookRequest(booking_id=booking_id, slot=owner.slot, citizen=citizen),
            )

        intent = WriteIntent("confirm", route.region_code, care_unit, citizen, booking_id)
        return await self._write(call, route, adapter, intent, decide, confirm)

    async def _write(
        self,
        call: Call,
        route: Route,
        adapter: RegionAdapter,
        intent: WriteIntent,
        decide: Callable[[], Awaitable[tuple[BookingOutcome | None, str | None]]],
        operation: Callable[[], Awaitable[BookingOutcome]],
        *,
        citizen_from: Callable[[], PersonalIdentity | None] | None = None,
    ) -> BookingOutcome:
        """Claim the write's idempotency key, decide, then write.

        A repeat of a write the ledger already answered gets that answer; an earlier attempt
        that may have reached the region (timed out) is reconciled with the region first. A
        refusal by the rules never reaches the region; a referral use is reserved before the
        region is asked and given back if it does not book. The ledger row is opened before the
        call and closed, with the call's one audit row and the engagement index, after it."""
        key, explicit = self.idempotency.key_for(call.context, intent)
        claim = await self.idempotency.claim(intent, key, explicit)
        if claim.first is not None:
            await self._record(self._write_event(call, intent, claim.first))
            return claim.first
        row = claim.row
        if claim.reconcile is not None:
            try:
                found = await self._reconcile(call, adapter, intent)
            except Exception as exc:
                failure = self._failure(route, exc)
                await self._record(self._fault_event(call, intent, failure))
                raise failure from exc
            if found is not None:
                await self._close(call, claim.reconcile, intent, found)
                return found
            row = await self.idempotency.take_over(claim.reconcile)
        assert row is not None
        try:
            refusal, referral_id = await decide()
        except Exception as exc:
            failure = self._failure(route, exc)
            await self._fail(call, row, intent, LedgerStatus.FAILED, failure)
            raise failure from exc
        if citizen_from is not None and intent.citizen is None:
            intent = replace(intent, citizen=citizen_from())
        if refusal is None and referral_id is not None and not await self.referrals.reserve_use(referral_id):
            refusal = BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, _REFERRAL_USED_UP)
        if refusal is not None:
            await self._close(call, row, intent, refusal)
            return refusal
        try:
            outcome = await operation()
        except Exception as exc:
            failure = self._failure(route, exc)
            status = LedgerStatus.UNCERTAIN if isinstance(exc, RegionTimeout) else LedgerStatus.FAILED
            if referral_id is not None and status is LedgerStatus.FAILED:
                await self.referrals.release_use(referral_id)
            await self._fail(call, row, intent, status, failure)
            raise failure from exc
        if referral_id is not None and not outcome.succeeded:
            await self.referrals.release_use(referral_id)
        await self._close(call, row, intent, outcome)
        return outcome

    async def _close(self, call: Call, row: LedgerRow, intent: WriteIntent, outcome: BookingOutcome) -> None:
        """The ledger row, the call's audit row and the engagement index, in one transaction."""
        async with self.database.sessions.begin() as session:
            merged = await session.merge(row)
            self.ledger.close(merged, outcome)
            self.audit.add(session, self._write_event(call, intent, outcome))
            await self.engagements.after_write(
                session,
                intent.operation,
                intent.citizen,
                intent.care_unit,
                intent.booking_id,
                intent.slot.start if intent.slot else None,
                outcome,
            )

    async def _fail(self, call: Call, row: LedgerRow, intent: WriteIntent, status: str, failure: GatewayError) -> None:
        async with self.database.sessions.begin() as session:
            merged = await session.merge(row)
            self.ledger.fail(merged, status, failure.kind.code)
            self.audit.add(session, self._fault_event(call, intent, failure))

    @staticmethod
    def _fault_event(call: Call, intent: WriteIntent, failure: GatewayError) -> AuditEvent:
        return AuditEvent(
            call.contract,
            call.context,
            "FAULT",
            intent.care_unit,
            intent.citizen,
            intent.booking_id,
            detail=failure.kind.code,
        )

    async def _reconcile(self, call: Call, adapter: RegionAdapter, intent: WriteIntent) -> BookingOutcome | None:
        """Did an earlier attempt of this write reach the region? Ask the region, the record of
        its calendar: the answer it would have given, or None when the write did not happen."""
        context, unit = call.context, HsaId(intent.care_unit)
        done = BookingOutcome(ResultCode.OK)
        if intent.operation in {"book", "rebook"} and intent.citizen and intent.slot and intent.slot.start:
            wanted = intent.slot
            for booking in await adapter.get_schedule(context, unit, intent.citizen):
                same_type = not wanted.time_type_id or booking.slot.time_type_id == wanted.time_type_id
                if booking.slot.start == wanted.start and same_type:
                    return replace(done, booking_id=booking.booking_id)
            return None
        if intent.operation == "cancel" and intent.booking_id:
            return done if await adapter.get_booking(context, unit, intent.booking_id) is None else None
        if intent.operation == "confirm" and intent.booking_id:
            current = await adapter.get_booking(context, unit, intent.booking_id)
            confirmed = current is not None and current.status is BookingStatus.CONFIRMED and not current.is_invitation
            return done if confirmed else None
        return None

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


_OPEN_INVITATION = "En kallelse utan tid bokas, den kan inte flyttas."
_TAKEN = {ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE}
ALTERNATIVES = 3
ALTERNATIVES_DAYS_BEFORE = 3
ALTERNATIVES_DAYS_AFTER = 14
_REFERRAL_USED_UP = "Hänvisningen är redan använd."


def _reason(text: str | None, code: Code | None) -> ReasonFacts:
    if code is not None:
        return ReasonFacts(text=text, code=code.code, code_system=code.code_system)
    return ReasonFacts(text=text)
