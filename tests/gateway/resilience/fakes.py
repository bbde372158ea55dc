"""Test doubles for the resilience layer: a clock that moves only when told (or slept on) and a
region adapter whose failures the test scripts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import deque
from collections.abc import Callable

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
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity

__all__ = ["UNIT", "FakeAdapter", "FakeClock", "FakeConfirmingAdapter"]

UNIT = HsaId("SE2321000016-1001")
GATE_LIMIT_SECONDS = 10.0
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


class FakeClock:
    """Monotonic time starts at 1000 s; `sleep` advances it (and records the wait) at once."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.t - 1000.0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


Failure = Callable[[], BaseException]


class FakeAdapter:
    """Answers every method with a small domain value. Failures: `fail_next(...)` raises the given
    exceptions on the next calls, one each; `fail_always(factory)` raises a new one on every call
    until `recover()`. Each call takes `latency` seconds of the clock, if there is one. `version`
    tags catalogue answers so a test can tell a cached answer from a fresh one."""

    kind = "fake"

    def __init__(self, clock: FakeClock | None = None, *, latency: float = 0.0) -> None:
        self.clock = clock
        self.latency = latency
        self.calls: list[str] = []
        self.version = 1
        self.refuse_writes = False
        self.closed = False
        self._next: deque[BaseException] = deque()
        self._always: Failure | None = None
        self.gate: asyncio.Event | None = None  # when set, calls wait for it

    def fail_next(self, *failures: BaseException) -> None:
        self._next.extend(failures)

    def fail_always(self, failure: Failure) -> None:
        self._always = failure

    def recover(self) -> None:
        self._next.clear()
        self._always = None

    def count(self, operation: str) -> int:
        return self.calls.count(operation)

    async def _enter(self, operation: str) -> None:
        self.calls.append(operation)
        if self.gate is not None:
            async with asyncio.timeout(GATE_LIMIT_SECONDS):  # a test that forgets its gate fails, not hangs
                await self.gate.wait()
        if self.clock is not None and self.latency:
            self.clock.advance(self.latency)
        if self._next:
            raise self._next.popleft()
        if self._always is not None:
            raise self._always()

    def _write_outcome(self) -> BookingOutcome:
        if self.refuse_writes:
            return BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, "Tiden är redan bokad.")
        return BookingOutcome(ResultCode.OK, booking_id="B1")

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        await self._enter("get_time_types")
        return [TimeType(f"tt-v{self.version}", "Provtagning")]

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        await self._enter("get_care_types")
        return [CareType(f"ct-v{self.version}", "Vaccinering")]

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        await self._enter("get_performers")
        return [Performer(HsaId("SE2321000016-P001"), "Anna", f"Andersson v{self.version}")]

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        await self._enter("get_care_units")
        return [CareUnit(query.care_unit, f"Vårdcentralen v{self.version}")]

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        await self._enter("get_available_dates")
        return [AvailableDate(query.care_unit, query.start_date, free_slots=3)]

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        await self._enter("get_available_timeslots")
        return [Timeslot(query.care_unit, START, START + dt.timedelta(minutes=15))]

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        await self._enter("get_schedule")
        return []

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        await self._enter("get_booking")
        return None

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        await self._enter("make_booking")
        return self._write_outcome()

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        await self._enter("update_booking")
        return self._write_outcome()

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        await self._enter("cancel_booking")
        return self._write_outcome()

    async def aclose(self) -> None:
        self.closed = True


class FakeConfirmingAdapter(FakeAdapter):
    """A fake whose region lets the citizen confirm a proposed time (`ConfirmingAdapter`)."""

    async def confirm_booking(
        self, ctx: RequestContext, care_unit: HsaId, booking_id: str, citizen: PersonalIdentity
    ) -> BookingOutcome:
        await self._enter("confirm_booking")
        return self._write_outcome()
