"""Group, series and combined bookings as sagas: all parts booked, or none.

A booking set is a list of single bookings at one region. Each part is booked through
`SchedulingService.make_booking`, so the rule set, the ledger, the audit log and idempotency apply
to every part exactly as to a single MakeBooking. When a part is refused or fails, the parts booked
before it are cancelled again (compensation) and the citizen gets one answer naming the part.

Compensation talks to the adapter directly: it undoes the gateway's own write of a moment ago, so
the citizen's cancellation rules (deadlines, "not online") must not stop it. It writes its own
ledger row (operation `compensate`) and audit row, in one transaction as every write does.

Every step is persisted first (`booking_sets`, `booking_set_parts`), so a gateway stopped mid-way
(SIGKILL, power) is recovered at the next start: a set whose parts were all booked is finished,
any other is rolled back. A part that was being booked when the gateway stopped is looked up in
the region, the record of its calendar; its pending ledger row is closed with what the region says.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from sqlalchemy import select, update

from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CitizenDetails,
    Code,
    ErrorCode,
    RequestContext,
    ResultCode,
    Timeslot,
)
from adapters.errors import AdapterError, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity, mask_personal_numbers
from adapters.interface import RegionAdapter
from gateway.audit import AuditEvent
from gateway.db.models import BookingSetPartRow, BookingSetRow, LedgerRow
from gateway.errors import FaultKind, GatewayError
from gateway.idmap import IdMap
from gateway.ledger import LedgerStatus, WriteIntent
from gateway.routing import Route
from gateway.services.scheduling import Call, SchedulingService
from gateway.settings import Settings
from gateway.slot_json import slot_from_json, slot_to_json

__all__ = [
    "IDEMPOTENCY_HEADER",
    "NAMES_NOT_GIVEN",
    "BookingSaga",
    "PartBooker",
    "PartState",
    "SagaPlan",
    "SagaResult",
    "SetKind",
    "SetState",
    "as_gateway_error",
    "occasion",
    "recover_booking_sets",
]

log = logging.getLogger("tidbok.saga")

# The consumer's idempotency header (gateway.idempotency): each part gets a key of its own, so a
# part is never answered from another set's write of the same slot.
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Our contracts carry no contact data; crm:scheduling 1.1 MakeBooking needs the citizen's names.
NAMES_NOT_GIVEN = CitizenDetails(first_name="(ej angivet)", last_name="(ej angivet)")
COMPENSATION_MESSAGE = "Avbokad av tidbok-gateway: bokningen kunde inte genomföras i sin helhet."
_GONE = {ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED, ErrorCode.APPOINTMENT_DOES_NOT_EXIST}


class SetKind(Enum):
    GROUP = "group"  # places in group sessions (gruppbokning)
    SERIES = "series"  # occurrences of one time type (seriebokning)
    COMBINED = "combined"  # several activities at one occasion (sammanhållet besök)


class SetState:
    BOOKING = "booking"  # parts are being booked
    COMPENSATING = "compensating"  # a part failed (or the gateway stopped): cancelling what was booked
    BOOKED = "booked"
    ROLLED_BACK = "rolled_back"
    PARTLY_CANCELLED = "partly_cancelled"
    CANCELLED = "cancelled"


UNDER_WAY = (SetState.BOOKING, SetState.COMPENSATING)


class PartState:
    PLANNED = "planned"
    BOOKING = "booking"  # asked the region; booked or not is known only when it answers
    BOOKED = "booked"
    NOT_BOOKED = "not_booked"
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"


PartBooker = Callable[[Call, BookingRequest], Awaitable[BookingOutcome]]


@dataclass(frozen=True, slots=True)
class SagaPlan:
    """What to book: `slots` in part order, all at `care_unit` of `region_code`, for `citizen`."""

    kind: SetKind
    call: Call
    region_code: str
    care_unit: HsaId
    citizen: PersonalIdentity
    slots: tuple[Timeslot, ...]
    reason: str | None = None
    reason_code: Code | None = None


@dataclass(frozen=True, slots=True)
class SagaResult:
    """One answer for the whole set. `booking_ids` (the region's, in part order) when it booked."""

    set_id: str
    outcome: BookingOutcome
    booking_ids: tuple[str, ...] = ()
    failed_part: int | None = None
    notes: tuple[str, ...] = ()  # the texts the region answered INFO with, each once


@dataclass(slots=True)
class _Saga:
    """A set as loaded for compensation or recovery."""

    row: BookingSetRow
    parts: list[BookingSetPartRow] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_gateway_error(exc: Exception) -> GatewayError:
    """What an exception from a part means, as a gateway fault (never a personal number)."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, RegionTimeout):
        return GatewayError(FaultKind.REGION_TIMEOUT, mask_personal_numbers(str(exc))[:200])
    if isinstance(exc, RegionUnavailable):
        return GatewayError(FaultKind.REGION_UNAVAILABLE, mask_personal_numbers(str(exc))[:200])
    if isinstance(exc, AdapterError):
        return GatewayError(FaultKind.REGION_ERROR, mask_personal_numbers(str(exc))[:200])
    log.exception("a booking-set part failed unexpectedly")
    return GatewayError(FaultKind.INTERNAL)


_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def occasion(slot: Timeslot) -> str:
    """A slot's time as a citizen reads it: "tisdag 15 december kl. 10.00"."""
    if slot.start is None:
        return "utan tid"
    local = slot.start.astimezone(SWEDISH_TIME)
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} kl. {local:%H.%M}"


def _part_text(number: int, slot: Timeslot) -> str:
    return f"Tillfälle {number} ({occasion(slot)})"


class BookingSaga:
    def __init__(self, service: SchedulingService, ids: IdMap, *, pause_seconds: float = 0.0) -> None:
        self.service = service
        self.ids = ids  # its citizen_ref is the keyed hash the ledger and the audit log use
        self.pause_seconds = pause_seconds

    # ------------------------------------------------------------------ running

    async def run(self, plan: SagaPlan, booker: PartBooker | None = None) -> SagaResult:
        """Book every part in order; on the first that does not book, roll back the others."""
        book = booker or self.service.make_booking
        set_id = str(uuid.uuid4())
        await self._create(set_id, plan)
        booked: list[str] = []
        notes: list[str] = []
        for number, slot in enumerate(plan.slots, start=1):
            await self._set_part(set_id, number, PartState.BOOKING, attempt_step=1)
            request = BookingRequest(
                care_unit_med=plan.care_unit,
                slot=slot,
                citizen=plan.citizen,
                details=NAMES_NOT_GIVEN,
                reason=plan.reason,
                reason_code=plan.reason_code,
            )
            outcome: BookingOutcome | None = None
            failure: GatewayError | None = None
            try:
                outcome = await book(self._part_call(plan.call, set_id, number), request)
            except Exception as exc:
                failure = as_gateway_error(exc)
            if outcome is not None and outcome.succeeded and outcome.booking_id:
                await self._set_part(set_id, number, PartState.BOOKED, booking_id=outcome.booking_id)
                booked.append(outcome.booking_id)
                if outcome.code is ResultCode.INFO and outcome.text and outcome.text not in notes:
                    notes.append(outcome.text)
                if self.pause_seconds and number < len(plan.slots):
                    await asyncio.sleep(self.pause_seconds)
                continue
            # Not booked, or not known to be: a timeout (or an OK without an id) may have booked it,
            # so the part stays "booking" and compensation asks the region.
            uncertain = outcome is not None and outcome.succeeded
            uncertain |= failure is not None and failure.kind in {FaultKind.REGION_TIMEOUT, FaultKind.INTERNAL}
            code = (outcome.error.value if outcome and outcome.error else None) or (
                failure.kind.code if failure else None
            )
            detail = outcome.text if outcome is not None else failure.fault_string if failure else None
            await self._set_part(
                set_id,
                number,
                PartState.BOOKING if uncertain else PartState.NOT_BOOKED,
                error_code=code,
                detail=detail,
            )
            answer = self._refusal(number, slot, outcome, failure)
            await self._mark_failed(set_id, number, answer)
            rolled_back = await self.compensate(set_id, plan.call, plan.citizen)
            if not rolled_back:
                answer = replace(
                    answer,
                    text=f"{answer.text} Tiderna som hann bokas avbokas så snart regionens system svarar.",
                )
            return SagaResult(set_id, answer, (), number)
        await self._finish(set_id, SetState.BOOKED)
        return SagaResult(set_id, BookingOutcome(ResultCode.OK), tuple(booked), notes=tuple(notes))

    @staticmethod
    def _part_call(call: Call, set_id: str, number: int) -> Call:
        headers = {**call.context.extra_headers, IDEMPOTENCY_HEADER: f"tidbok-set:{set_id}:{number}"}
        return replace(call, context=replace(call.context, extra_headers=headers))

    @staticmethod
    def _refusal(
        number: int, slot: Timeslot, outcome: BookingOutcome | None, failure: GatewayError | None
    ) -> BookingOutcome:
        """The one answer the citizen gets: which part, why, and that nothing stays booked."""
        part = _part_text(number, slot)
        if outcome is not None and not outcome.succeeded:
            why = outcome.text or "tiden kunde inte bokas."
            error = outcome.error or ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
        else:
            why = "regionens system kunde inte boka tiden just nu."
            error = ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
            if failure is not None:
                log.info("booking-set part %d failed: %s", number, failure.kind.code)
        return BookingOutcome.refused(error, f"{part}: {why.rstrip('.')}. Ingen av tiderna är bokad.")

    # ------------------------------------------------------------------ compensation

    async def compensate(self, set_id: str, call: Call, citizen: PersonalIdentity) -> bool:
        """Cancel again what the set booked; True when nothing of it stays booked."""
        saga = await self._load(set_id)
        if saga is None:
            return True
        call = call.about(citizen)
        await self._set_state(set_id, SetState.COMPENSATING)
        route, adapter = self.service.route(call)
        every_part_gone = True
        for part in sorted(saga.parts, key=lambda p: -p.part_number):
            slot = slot_from_json(part.slot)
            if part.state == PartState.BOOKING:
                found = await self._find_in_region(call, adapter, saga.row, slot, citizen)
                if found is None:
                    await self._settle_pending_ledger(saga.row, part, None)
                    await self._set_part(set_id, part.part_number, PartState.NOT_BOOKED)
                    continue
                await self._settle_pending_ledger(saga.row, part, found)
                await self._set_part(set_id, part.part_number, PartState.BOOKED, booking_id=found)
                part.state, part.booking_id = PartState.BOOKED, found
            if part.state == PartState.BOOKED and part.booking_id:
                if await self._cancel(call, route, adapter, saga.row, slot, part.booking_id, citizen):
                    await self._set_part(set_id, part.part_number, PartState.ROLLED_BACK)
                else:
                    every_part_gone = False
            elif part.state == PartState.PLANNED:
                await self._set_part(set_id, part.part_number, PartState.NOT_BOOKED)
        if every_part_gone:
            await self._finish(set_id, SetState.ROLLED_BACK)
        return every_part_gone

    async def _find_in_region(
        self, call: Call, adapter: RegionAdapter, row: BookingSetRow, slot: Timeslot, citizen: PersonalIdentity
    ) -> str | None:
        """The region's booking of this part, if the region made one."""
        for booking in await adapter.get_schedule(call.context, HsaId(row.care_unit), citizen):
            same_type = not slot.time_type_id or booking.slot.time_type_id == slot.time_type_id
            if booking.citizen == citizen and booking.slot.start == slot.start and same_type:
                return booking.booking_id
        return None

    async def _cancel(
        self,
        call: Call,
        route: Route,
        adapter: RegionAdapter,
        row: BookingSetRow,
        slot: Timeslot,
        booking_id: str,
        citizen: PersonalIdentity,
    ) -> bool:
        """One compensating cancellation, with its ledger row and audit row."""
        service = self.service
        intent = WriteIntent("compensate", route.region_code, row.care_unit, citizen, booking_id, slot)
        async with service.database.sessions.begin() as session:
            ledger_row = service.ledger.open(session, intent)
        request = CancelRequest(HsaId(row.care_unit), booking_id, citizen, message=COMPENSATION_MESSAGE)
        try:
            outcome = await adapter.cancel_booking(call.context, request)
        except Exception as exc:
            failure = as_gateway_error(exc)
            status = LedgerStatus.UNCERTAIN if failure.kind is FaultKind.REGION_TIMEOUT else LedgerStatus.FAILED
            async with service.database.sessions.begin() as session:
                merged = await session.merge(ledger_row)
                service.ledger.fail(merged, status, failure.kind.code)
                service.audit.add(
                    session,
                    AuditEvent(
                        call.contract, call.context, "FAULT", row.care_unit, citizen, booking_id, failure.kind.code
                    ),
                )
            log.warning("compensation of set %s failed (%s); it stays to be rolled back", row.id, failure.kind.code)
            return False
        async with service.database.sessions.begin() as session:
            merged = await session.merge(ledger_row)
            service.ledger.close(merged, outcome)
            service.audit.add(
                session,
                AuditEvent(
                    call.contract,
                    call.context,
                    outcome.code.value,
                    row.care_unit,
                    citizen,
                    booking_id,
                    detail=f"compensation of set {row.id}" + (f": {outcome.error.value}" if outcome.error else ""),
                ),
            )
        return outcome.succeeded or outcome.error in _GONE

    async def _settle_pending_ledger(self, row: BookingSetRow, part: BookingSetPartRow, booking_id: str | None) -> None:
        """Close the part's ledger row left pending by a stopped gateway with what the region says."""
        async with self.service.database.sessions.begin() as session:
            pending = (
                await session.scalars(
                    select(LedgerRow).where(
                        LedgerRow.operation == "book",
                        LedgerRow.status.in_((LedgerStatus.PENDING, LedgerStatus.UNCERTAIN)),
                        LedgerRow.region_code == part.region_code,
                        LedgerRow.care_unit == part.care_unit,
                        LedgerRow.citizen_ref == row.citizen_ref,
                        LedgerRow.slot_start == part.slot_start,
                        LedgerRow.created_at >= row.created_at,
                    )
                )
            ).all()
            for ledger_row in pending:
                if booking_id is None:
                    self.service.ledger.fail(
                        ledger_row, LedgerStatus.FAILED, "reconciled: the region shows no such booking"
                    )
                else:
                    self.service.ledger.close(
                        ledger_row,
                        BookingOutcome(ResultCode.OK, "reconciled: the region made the booking", booking_id),
                    )

    # ------------------------------------------------------------------ recovery

    async def recover(self, unmoved_for: dt.timedelta = dt.timedelta(0)) -> list[str]:
        """Finish or roll back every set left under way (by a stopped gateway) that has not moved
        for `unmoved_for`. Returns the ids it settled; a set it cannot settle now (the region does
        not answer) stays for the next start."""
        cutoff = _now() - unmoved_for
        async with self.service.database.sessions() as session:
            candidates = (
                await session.execute(
                    select(BookingSetRow.id, BookingSetRow.updated_at).where(
                        BookingSetRow.state.in_(UNDER_WAY), BookingSetRow.updated_at <= cutoff
                    )
                )
            ).all()
        settled: list[str] = []
        for set_id, seen in candidates:
            if not await self._claim(set_id, seen):
                continue  # another gateway process took it
            try:
                if await self._resume(set_id):
                    settled.append(set_id)
            except Exception:
                log.exception("booking set %s could not be settled now; it stays for the next start", set_id)
        return settled

    async def _claim(self, set_id: str, seen: dt.datetime) -> bool:
        async with self.service.database.sessions.begin() as session:
            result: Any = await session.execute(
                update(BookingSetRow)
                .where(BookingSetRow.id == set_id, BookingSetRow.updated_at == seen)
                .values(updated_at=_now())
            )
            return bool(result.rowcount == 1)

    async def _resume(self, set_id: str) -> bool:
        saga = await self._load(set_id)
        if saga is None or saga.row.state not in UNDER_WAY:
            return False
        row = saga.row
        if row.citizen_value is None:
            log.error("booking set %s is under way but holds no citizen to act for", set_id)
            return False
        citizen = PersonalIdentity(row.citizen_value)
        actor = Actor(row.actor_id, ActorRole(row.actor_role)) if row.actor_id and row.actor_role else None
        call = Call(
            row.contract,
            RequestContext(
                logical_address=row.logical_address,
                actor=actor,
                consumer_id=row.consumer_id,
                correlation_id=row.correlation_id,
                subject=citizen,
            ),
        )
        if row.state == SetState.BOOKING and all(p.state == PartState.BOOKED for p in saga.parts):
            await self._finish(set_id, SetState.BOOKED)
            log.info("booking set %s: every part was booked before the stop; finished", set_id)
            return True
        if row.state == SetState.BOOKING:
            await self._mark_failed(
                set_id,
                None,
                BookingOutcome.refused(
                    ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
                    "Gatewayen stoppades innan alla tider var bokade; de tider som hann bokas avbokades.",
                ),
            )
        done = await self.compensate(set_id, call, citizen)
        log.info("booking set %s: rolled back after a stop (%s)", set_id, "done" if done else "not yet complete")
        return done

    # ------------------------------------------------------------------ persistence

    async def _create(self, set_id: str, plan: SagaPlan) -> None:
        context = plan.call.context
        actor = context.actor
        now = _now()
        async with self.service.database.sessions.begin() as session:
            session.add(
                BookingSetRow(
                    id=set_id,
                    kind=plan.kind.value,
                    state=SetState.BOOKING,
                    region_code=plan.region_code,
                    care_unit=str(plan.care_unit),
                    citizen_ref=self.ids.citizen_ref(plan.citizen) or "",
                    citizen_value=plan.citizen.value,
                    actor_role=actor.role.value if actor else None,
                    actor_id=actor.actor_id if actor else None,
                    contract=plan.call.contract,
                    logical_address=context.logical_address,
                    consumer_id=context.consumer_id,
                    correlation_id=context.correlation_id,
                    reason=plan.reason,
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.flush()
            for number, slot in enumerate(plan.slots, start=1):
                session.add(
                    BookingSetPartRow(
                        set_id=set_id,
                        part_number=number,
                        state=PartState.PLANNED,
                        region_code=plan.region_code,
                        care_unit=str(slot.care_unit),
                        time_type_id=slot.time_type_id,
                        slot_start=slot.start,
                        slot_end=slot.end,
                        slot=slot_to_json(slot),
                        attempt=0,
                        updated_at=now,
                    )
                )

    async def _load(self, set_id: str) -> _Saga | None:
        async with self.service.database.sessions() as session:
            row = await session.get(BookingSetRow, set_id)
            if row is None:
                return None
            parts = await session.scalars(
                select(BookingSetPartRow)
                .where(BookingSetPartRow.set_id == set_id)
                .order_by(BookingSetPartRow.part_number)
            )
            return _Saga(row, list(parts))

    async def _set_part(
        self,
        set_id: str,
        number: int,
        state: str,
        *,
        booking_id: str | None = None,
        error_code: str | None = None,
        detail: str | None = None,
        attempt_step: int = 0,
    ) -> None:
        """A part's new state, and the set's `updated_at` (what recovery waits on), together."""
        now = _now()
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if booking_id is not None:
            values["booking_id"] = booking_id
        if error_code is not None:
            values["error_code"] = error_code
        if detail is not None:
            values["detail"] = detail
        if attempt_step:
            values["attempt"] = BookingSetPartRow.attempt + attempt_step
        async with self.service.database.sessions.begin() as session:
            await session.execute(
                update(BookingSetPartRow)
                .where(BookingSetPartRow.set_id == set_id, BookingSetPartRow.part_number == number)
                .values(**values)
            )
            await session.execute(update(BookingSetRow).where(BookingSetRow.id == set_id).values(updated_at=now))

    async def _set_state(self, set_id: str, state: str) -> None:
        async with self.service.database.sessions.begin() as session:
            await session.execute(
                update(BookingSetRow).where(BookingSetRow.id == set_id).values(state=state, updated_at=_now())
            )

    async def _mark_failed(self, set_id: str, number: int | None, answer: BookingOutcome) -> None:
        async with self.service.database.sessions.begin() as session:
            await session.execute(
                update(BookingSetRow)
                .where(BookingSetRow.id == set_id)
                .values(
                    failed_part=number,
                    result_code=answer.error.value if answer.error else answer.code.value,
                    result_text=answer.text,
                    updated_at=_now(),
                )
            )

    async def _finish(self, set_id: str, state: str) -> None:
        """The saga is over: the citizen's number and the actor are no longer needed."""
        values: dict[str, Any] = {"state": state, "citizen_value": None, "actor_id": None, "updated_at": _now()}
        if state == SetState.BOOKED:
            values["result_code"] = ResultCode.OK.value
        async with self.service.database.sessions.begin() as session:
            await session.execute(update(BookingSetRow).where(BookingSetRow.id == set_id).values(**values))


async def recover_booking_sets(service: SchedulingService, ids: IdMap, settings: Settings) -> list[str]:
    """The recovery step at gateway start: settle every booking set a stopped gateway left under way."""
    saga = BookingSaga(service, ids, pause_seconds=settings.saga_part_pause_seconds)
    settled = await saga.recover(dt.timedelta(seconds=settings.saga_recovery_after_seconds))
    if settled:
        log.info("settled %d booking set(s) left under way", len(settled))
    return settled
