"""The saga on its own, against an in-memory region: compensation that cannot finish now is
finished by a later recovery, exactly once even with two recoverers; a set whose every part was
booked before a stop is finished, not undone; a set still moving is left alone; a region with
native group support is asked for its sessions."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    ErrorCode,
    GroupTimeslot,
    Performer,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings, RegionAdapter
from gateway.adapter_pool import AdapterPool
from gateway.app import GatewayState, start_gateway
from gateway.db.models import BookingSetRow
from gateway.services.booking_sets import BookingSets
from gateway.services.saga import BookingSaga, SagaPlan, SetKind
from gateway.services.scheduling import Call
from gateway.settings import Settings
from tests.gateway.booking_sets.rules_dir import set_rules_dir

UNIT = HsaId("SE2321000016-E0103")
CITIZEN = PersonalIdentity("198503199922")
START = dt.datetime.now(SWEDISH_TIME).replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=3)


class MemoryRegion:
    """A region system in memory: books anything free, can be told to refuse a slot or to be down
    for cancellations."""

    kind = "memory"

    def __init__(self) -> None:
        self.bookings: dict[str, Booking] = {}
        self.refuse_at: set[dt.datetime] = set()
        self.cancel_down = False
        self.cancelled: list[str] = []
        self.free: list[Timeslot] = []

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        return []

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        return []

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        return []

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        return []

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        return []

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        return list(self.free)

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        return [b for b in self.bookings.values() if b.citizen == citizen]

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        return self.bookings.get(booking_id)

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        if request.slot.start in self.refuse_at:
            return BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, "Tiden är redan bokad.")
        booking_id = f"B{len(self.bookings) + len(self.cancelled) + 1}"
        self.bookings[booking_id] = Booking(booking_id, request.citizen, request.slot, cancel_allowed=True)
        return BookingOutcome(ResultCode.OK, booking_id=booking_id)

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        return BookingOutcome.refused(ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED, "Ombokning görs på mottagningen.")

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        if self.cancel_down:
            raise RegionUnavailable("memory region: down")
        if self.bookings.pop(request.booking_id, None) is None:
            return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, "Bokningen finns inte.")
        self.cancelled.append(request.booking_id)
        return BookingOutcome(ResultCode.OK)

    async def aclose(self) -> None:
        return None


class GroupAwareRegion(MemoryRegion):
    """The same, with native group sessions (GroupBookingAdapter)."""

    async def get_group_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[GroupTimeslot]:
        return [GroupTimeslot(slot, 8, 3) for slot in self.free]


def _routing(tmp: Path) -> Path:
    table = {
        "adapters": [{"name": "memory", "kind": "memory", "base_url": "http://memory.invalid"}],
        "regions": [
            {"code": "01", "name": "Region Stockholm", "adapter": "memory", "care_units": [{"hsa_id": str(UNIT)}]}
        ],
    }
    path = tmp / "routing.yaml"
    path.write_text(yaml.safe_dump(table), encoding="utf-8")
    return path


async def _gateway(tmp: Path, region: MemoryRegion) -> GatewayState:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}",
        routing_file=_routing(tmp),
        rules_dir=set_rules_dir(tmp),
        audit_key="test-audit-key",
    )

    def factory(_settings: AdapterSettings) -> RegionAdapter:
        return region

    return await start_gateway(settings, AdapterPool({"memory": factory}))


@pytest.fixture
async def region_and_state(tmp_path: Path) -> AsyncIterator[tuple[MemoryRegion, GatewayState]]:
    region = MemoryRegion()
    state = await _gateway(tmp_path, region)
    try:
        yield region, state
    finally:
        await state.aclose()


def _call() -> Call:
    context = RequestContext(logical_address=str(UNIT), actor=Actor(CITIZEN.value, ActorRole.CITIZEN))
    return Call("tidbok:scheduling:1/MakeSeriesBooking", context)


def _weekly(count: int) -> tuple[Timeslot, ...]:
    return tuple(
        Timeslot(
            UNIT,
            START + dt.timedelta(days=7 * n),
            START + dt.timedelta(days=7 * n, minutes=45),
            time_type_id="FYSIO",
        )
        for n in range(count)
    )


def _plan(count: int) -> SagaPlan:
    return SagaPlan(SetKind.SERIES, _call(), "01", UNIT, CITIZEN, _weekly(count))


async def _set_row(state: GatewayState, set_id: str) -> BookingSetRow:
    async with state.database.sessions() as session:
        row = await session.get(BookingSetRow, set_id)
        assert row is not None
        return row


async def test_a_compensation_the_region_cannot_take_now_is_finished_by_recovery(
    region_and_state: tuple[MemoryRegion, GatewayState],
) -> None:
    region, state = region_and_state
    saga = BookingSaga(state.service, state.ids)
    region.refuse_at.add(_weekly(3)[2].start)  # type: ignore[arg-type]
    region.cancel_down = True

    result = await saga.run(_plan(3))
    assert result.outcome.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED and result.failed_part == 3
    assert "avbokas så snart" in (result.outcome.text or "")
    row = await _set_row(state, result.set_id)
    assert (row.state, row.citizen_value) == ("compensating", CITIZEN.value)  # kept until it is settled
    assert len(region.bookings) == 2

    region.cancel_down = False
    assert await saga.recover() == [result.set_id]
    assert not region.bookings
    row = await _set_row(state, result.set_id)
    assert (row.state, row.citizen_value) == ("rolled_back", None)


async def test_two_recoverers_settle_a_set_once(region_and_state: tuple[MemoryRegion, GatewayState]) -> None:
    region, state = region_and_state
    saga = BookingSaga(state.service, state.ids)
    region.refuse_at.add(_weekly(4)[3].start)  # type: ignore[arg-type]
    region.cancel_down = True
    result = await saga.run(_plan(4))
    region.cancel_down = False

    first, second = await asyncio.gather(
        BookingSaga(state.service, state.ids).recover(), BookingSaga(state.service, state.ids).recover()
    )
    assert sorted(first + second) == [result.set_id]
    assert sorted(region.cancelled) == ["B1", "B2", "B3"]  # each once


async def test_a_set_booked_in_full_before_the_stop_is_finished_not_undone(
    region_and_state: tuple[MemoryRegion, GatewayState],
) -> None:
    region, state = region_and_state
    saga = BookingSaga(state.service, state.ids)
    result = await saga.run(_plan(2))
    assert result.outcome.succeeded
    async with state.database.sessions.begin() as session:  # as if stopped before the set was marked booked
        await session.execute(
            update(BookingSetRow)
            .where(BookingSetRow.id == result.set_id)
            .values(state="booking", citizen_value=CITIZEN.value)
        )
    assert await saga.recover() == [result.set_id]
    assert (await _set_row(state, result.set_id)).state == "booked"
    assert len(region.bookings) == 2 and not region.cancelled


async def test_a_set_that_moved_recently_is_left_to_its_own_process(
    region_and_state: tuple[MemoryRegion, GatewayState],
) -> None:
    region, state = region_and_state
    saga = BookingSaga(state.service, state.ids)
    region.refuse_at.add(_weekly(2)[1].start)  # type: ignore[arg-type]
    region.cancel_down = True
    result = await saga.run(_plan(2))
    region.cancel_down = False
    assert await saga.recover(dt.timedelta(hours=1)) == []
    assert (await _set_row(state, result.set_id)).state == "compensating"
    assert len(region.bookings) == 1


async def test_native_group_sessions_are_asked_of_a_region_that_has_them(tmp_path: Path) -> None:
    region = GroupAwareRegion()
    start = START + dt.timedelta(days=1)
    region.free = [Timeslot(UNIT, start, start + dt.timedelta(minutes=90), time_type_id="GRPFOR")]
    state = await _gateway(tmp_path, region)
    try:
        sets = BookingSets(state.service, state.ids, BookingSaga(state.service, state.ids))
        query = SlotQuery(UNIT, start.date(), start.date(), citizen=CITIZEN, time_type_id="GRPFOR")
        (session,) = await sets.group_sessions(_call(), query)
        assert (session.group.capacity, session.group.places_left) == (8, 3)
    finally:
        await state.aclose()


async def test_composed_group_sessions_take_the_capacity_from_the_rules(
    region_and_state: tuple[MemoryRegion, GatewayState],
) -> None:
    region, state = region_and_state
    start = START + dt.timedelta(days=1)
    group = Timeslot(UNIT, start, start + dt.timedelta(minutes=90), time_type_id="GRPFOR", slot_id="session-1")
    single = Timeslot(UNIT, start, start + dt.timedelta(minutes=45), time_type_id="FYSIO")
    region.free = [group, single]
    sets = BookingSets(state.service, state.ids, BookingSaga(state.service, state.ids))
    query = SlotQuery(UNIT, start.date(), start.date(), citizen=CITIZEN)
    (session,) = await sets.group_sessions(_call(), query)
    assert (session.group.capacity, session.group.places_left) == (8, None)  # listed once: places unknown
    seats = [
        Timeslot(UNIT, start, start + dt.timedelta(minutes=90), time_type_id="GRPFOR", slot_id=f"seat-{n}")
        for n in range(5)
    ]
    region.free = seats
    (session,) = await sets.group_sessions(_call(), query)
    assert (session.group.capacity, session.group.places_left) == (8, 5)  # one time per free place
