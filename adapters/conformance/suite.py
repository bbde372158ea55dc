"""The conformance suite: every `RegionAdapter` operation, run against the region's own system.

A region's test module subclasses `AdapterConformance` and provides the fixture
`conformance_target` (a `ConformanceTarget`); pytest collects the inherited tests:

    import pytest
    from adapters.conformance import AdapterConformance, ConformanceTarget, Scenario

    @pytest.fixture(scope="module")
    def conformance_target() -> ConformanceTarget: ...

    class TestMyRegionAdapter(AdapterConformance):
        pass

The tests are plain functions that run their own event loop (`asyncio.run`), so the suite needs
no asyncio plugin and works under any `asyncio_mode`. Each test builds a fresh adapter with the
target's factory, books only for the scenario's citizens and cancels what it booked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import socket
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any

import pytest

from adapters.conformance.session import Session
from adapters.conformance.target import ConformanceTarget, FaultHooks
from adapters.domain import (
    SWEDISH_TIME,
    Booking,
    BookingOutcome,
    CareType,
    CareUnit,
    CatalogueQuery,
    ErrorCode,
    Performer,
    RebookRequest,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionTimeout, RegionUnavailable
from adapters.interface import ENTRY_POINT_GROUP, RegionAdapter

__all__ = ["IDEMPOTENCY_HEADER", "AdapterConformance", "clock_change_sunday"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
_GONE = {ErrorCode.APPOINTMENT_DOES_NOT_EXIST, ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED}
_TAKEN = {ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE}
_SHORT_TIMEOUT = dt.timedelta(seconds=1)


def clock_change_sunday(month: int, today: dt.date) -> dt.date:
    """The next last Sunday of `month` (3: clocks go forward, 10: back) at least three days ahead."""
    for year in (today.year, today.year + 1):
        last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        sunday = last - dt.timedelta(days=(last.weekday() - 6) % 7)
        if sunday > today + dt.timedelta(days=2):
            return sunday
    raise AssertionError("unreachable")


def _run(
    target: ConformanceTarget,
    test: Callable[[Session], Coroutine[Any, Any, None]],
    **session: Any,
) -> None:
    """Run `test` with a fresh session on a new event loop, closing the session afterwards."""

    async def main() -> None:
        built = Session(target, **session)
        try:
            await test(built)
        finally:
            await built.aclose()

    asyncio.run(main())


def _aware(moment: dt.datetime | None, what: str) -> dt.datetime:
    assert moment is not None, f"{what}: no time"
    assert moment.tzinfo is not None and moment.utcoffset() is not None, f"{what}: a naive datetime ({moment})"
    return moment


def _check_timeslot(slot: Timeslot, session: Session) -> None:
    start, end = _aware(slot.start, "Timeslot.start"), _aware(slot.end, "Timeslot.end")
    assert start < end, f"a free time ends after it starts: {slot}"
    assert slot.care_unit == session.unit, f"a free time at another unit: {slot.care_unit}"
    assert slot.time_type_id == session.time_type_id, f"a free time of another time type: {slot.time_type_id}"


def _same_time(booking: Booking, slot: Timeslot) -> None:
    start = _aware(booking.slot.start, "Booking.slot.start")
    assert start == slot.start, f"booked {slot.start}, shown {start}"
    if booking.slot.end is not None and slot.end is not None:
        end = _aware(booking.slot.end, "Booking.slot.end")
        assert end == slot.end, f"booked until {slot.end}, shown {end}"


def _times_only(slot: Timeslot) -> Timeslot:
    """The slot as a crm:scheduling 1.1 consumer names it: unit, times, performer, time type."""
    return Timeslot(
        care_unit=slot.care_unit,
        start=slot.start,
        end=slot.end,
        performer=slot.performer,
        time_type_id=slot.time_type_id,
    )


def _booked(outcome: BookingOutcome, what: str) -> str:
    assert outcome.succeeded, f"{what} was refused: {outcome.error} {outcome.text!r}"
    assert outcome.booking_id, f"{what} succeeded without a booking id"
    return outcome.booking_id


async def _hook(faults: FaultHooks | None, call: Callable[[FaultHooks], Awaitable[None]], name: str) -> FaultHooks:
    if faults is None:
        pytest.skip(f"the target offers no fault hooks: {name} not tested")
    try:
        await call(faults)
    except NotImplementedError:
        pytest.skip(f"the target's system cannot be made to {name}")
    return faults


def _idempotent_writes(adapter: RegionAdapter) -> frozenset[str]:
    declared: frozenset[object] = getattr(adapter, "idempotent_writes", frozenset())
    return frozenset(str(name) for name in declared)


class AdapterConformance:
    """The tests every regional adapter must pass against its own system. Subclass it as
    `Test…` in a module that provides the fixture `conformance_target`."""

    # ------------------------------------------------------------------ the plug-in

    def test_the_factory_builds_a_region_adapter(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            assert isinstance(session.adapter, RegionAdapter), "the factory's object lacks RegionAdapter methods"
            assert isinstance(session.adapter.kind, str) and session.adapter.kind

        _run(conformance_target, test)

    def test_the_entry_point_names_the_factory(self, conformance_target: ConformanceTarget) -> None:
        name = conformance_target.scenario.entry_point
        if name is None:
            pytest.skip("the scenario names no entry point")
        found = [e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if e.name == name]
        assert len(found) == 1, f"{len(found)} entry points named {name!r} in {ENTRY_POINT_GROUP}"
        assert found[0].load() is conformance_target.factory

    # ------------------------------------------------------------------ catalogue

    def test_time_types_include_the_scenarios(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            query = CatalogueQuery(care_unit=session.unit, citizen=session.citizen)
            found = await session.adapter.get_time_types(session.ctx(), query)
            assert all(isinstance(t, TimeType) and t.time_type_id and t.name for t in found), found
            ids = [t.time_type_id for t in found]
            assert len(ids) == len(set(ids)), f"time types listed twice: {ids}"
            assert session.time_type_id in ids, f"{session.time_type_id} not among {ids}"

        _run(conformance_target, test)

    def test_care_types(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            every = await session.adapter.get_care_types(
                session.ctx(), CatalogueQuery(care_unit=session.unit, citizen=session.citizen)
            )
            assert all(isinstance(c, CareType) and c.care_type_id and c.name for c in every), every
            ids = [c.care_type_id for c in every]
            assert len(ids) == len(set(ids)), f"care types listed twice: {ids}"
            some = await session.adapter.get_care_types(
                session.ctx(), CatalogueQuery(care_unit=session.unit, time_type_ids=(session.time_type_id,))
            )
            assert {c.care_type_id for c in some} <= set(ids), "a filter found care types the unit does not list"

        _run(conformance_target, test)

    def test_performers_of_the_time_type(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            query = CatalogueQuery(care_unit=session.unit, time_type_ids=(session.time_type_id,))
            performers = await session.adapter.get_performers(session.ctx(), query)
            assert performers and all(isinstance(p, Performer) for p in performers), performers
            ids = {p.hsa_id for p in performers}
            assert len(ids) == len(performers), "performers listed twice"
            named = {s.performer for s in await session.free() if s.performer is not None}
            assert named <= ids, f"free times with performers not listed for the time type: {named - ids}"

        _run(conformance_target, test)

    def test_care_units_include_the_scenarios(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            query = CatalogueQuery(care_unit=session.unit, time_type_ids=(session.time_type_id,))
            units = await session.adapter.get_care_units(session.ctx(), query)
            assert all(isinstance(u, CareUnit) for u in units), units
            assert session.unit in {u.hsa_id for u in units}

        _run(conformance_target, test)

    # ------------------------------------------------------------------ free times

    def test_free_times_are_aware_and_inside_the_window(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            slots = await session.free()
            assert len(slots) >= session.scenario.minimum_free_slots, f"only {len(slots)} free times"
            first, last = session.window()
            for slot in slots:
                _check_timeslot(slot, session)
                day = _aware(slot.start, "start").astimezone(SWEDISH_TIME).date()
                assert first <= day <= last, f"{slot.start} is outside {first}..{last} (Swedish dates)"
            starts = [s.start for s in slots]
            assert len(set(zip(starts, [s.performer or s.slot_id for s in slots], strict=True))) == len(slots), (
                "a free time listed twice"
            )

        _run(conformance_target, test)

    def test_free_dates_agree_with_free_times(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            query = session.slot_query()
            slots = await session.free()
            dates = await session.adapter.get_available_dates(session.ctx(), query)
            days = {_aware(s.start, "start").astimezone(SWEDISH_TIME).date() for s in slots}
            assert {d.date for d in dates} == days, "the dates with free times differ from the free times' dates"
            assert all(d.care_unit == session.unit for d in dates)
            counts = [d.free_slots for d in dates]
            if all(count is not None for count in counts):
                assert sum(c or 0 for c in counts) == len(slots), "free_slots per date do not add up"

        _run(conformance_target, test)

    # ------------------------------------------------------------------ booking

    def test_book_by_slot_id_then_show_and_list(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            if slot.slot_id is None:
                pytest.skip("the system names free times by their times only (tested by booking by times)")
            booking_id = _booked(await session.book(slot), "make_booking by slot id")
            shown = await session.show(booking_id)
            assert shown is not None, "get_booking does not find the booking just made"
            _same_time(shown, slot)
            assert shown.citizen == session.citizen
            assert shown.slot.care_unit == session.unit
            assert shown.slot.time_type_id in (None, session.time_type_id)
            listed = {b.booking_id: b for b in await session.schedule()}
            assert booking_id in listed, "get_schedule does not list the booking just made"
            _same_time(listed[booking_id], slot)
            assert slot.start not in {s.start for s in await session.free() if s.performer == slot.performer}

        _run(conformance_target, test)

    def test_book_by_times_only(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            booking_id = _booked(await session.book(_times_only(slot)), "make_booking by times")
            shown = await session.show(booking_id)
            assert shown is not None
            _same_time(shown, slot)
            assert booking_id in {b.booking_id for b in await session.schedule()}

        _run(conformance_target, test)

    def test_rebook_then_cancel(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            first, second = await session.claim(2)
            booking_id = _booked(await session.book(first), "make_booking")
            moved = await session.adapter.update_booking(
                session.ctx(), RebookRequest(booking_id=booking_id, slot=second, citizen=session.citizen)
            )
            session.remember(moved, session.citizen)
            current = _booked(replace(moved, booking_id=moved.booking_id or booking_id), "update_booking")
            shown = await session.show(current)
            assert shown is not None, "get_booking does not find the moved booking"
            _same_time(shown, second)
            listed = {b.booking_id for b in await session.schedule()}
            assert current in listed
            if current != booking_id:
                assert booking_id not in listed and await session.show(booking_id) is None
            again = {(s.start, s.performer) for s in await session.free()}
            assert (first.start, first.performer) in again, "the time moved away from is not free again"

            cancelled = await session.cancel(current)
            assert cancelled.succeeded, f"cancel_booking refused: {cancelled.error} {cancelled.text!r}"
            assert await session.show(current) is None, "a cancelled booking is still shown"
            assert current not in {b.booking_id for b in await session.schedule()}
            assert (second.start, second.performer) in {(s.start, s.performer) for s in await session.free()}
            twice = await session.cancel(current)
            assert not twice.succeeded and twice.error in _GONE, f"cancelling twice: {twice}"

        _run(conformance_target, test)

    def test_rebook_by_times_only(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            first, second = await session.claim(2)
            booking_id = _booked(await session.book(first), "make_booking")
            request = RebookRequest(booking_id=booking_id, slot=_times_only(second), citizen=session.citizen)
            moved = await session.adapter.update_booking(session.ctx(), request)
            session.remember(moved, session.citizen)
            current = _booked(replace(moved, booking_id=moved.booking_id or booking_id), "update_booking by times")
            shown = await session.show(current)
            assert shown is not None
            _same_time(shown, second)

        _run(conformance_target, test)

    def test_a_taken_time_is_already_reserved(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            seen_by_rival = [s for s in await session.free(session.rival) if s.start == slot.start]
            assert seen_by_rival, "the rival citizen does not see the free time"
            rivals_slot = next((s for s in seen_by_rival if s.performer == slot.performer), seen_by_rival[0])
            booking_id = _booked(await session.book(slot), "make_booking")
            taken = await session.book(rivals_slot, session.rival)
            assert not taken.succeeded, "a time already booked was booked again by another citizen"
            assert taken.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, f"double booking answered {taken}"
            assert taken.text, "a refusal carries a text for the citizen"
            if slot.slot_id is not None:
                by_times = await session.book(_times_only(rivals_slot), session.rival)
                assert not by_times.succeeded and by_times.error in _TAKEN, f"by times: {by_times}"
            shown = await session.show(booking_id)
            assert shown is not None and shown.citizen == session.citizen, "the first booking is still the first's"

        _run(conformance_target, test)

    def test_unknown_bookings_do_not_exist(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            unknown = session.scenario.unknown_booking_id or str(uuid.uuid4())
            assert await session.show(unknown) is None, "get_booking of an unknown id is None"
            cancelled = await session.cancel(unknown)
            assert not cancelled.succeeded and cancelled.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST, cancelled
            (slot,) = await session.claim(1)
            request = RebookRequest(booking_id=unknown, slot=slot, citizen=session.citizen)
            moved = await session.adapter.update_booking(session.ctx(), request)
            assert not moved.succeeded and moved.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST, moved
            assert slot.start in {s.start for s in await session.free()}, "a refused move took the time anyway"

        _run(conformance_target, test)

    def test_a_citizen_cannot_cancel_anothers_booking(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            booking_id = _booked(await session.book(slot), "make_booking")
            refused = await session.cancel(booking_id, session.rival)
            assert not refused.succeeded, "one citizen cancelled another's booking"
            assert await session.show(booking_id) is not None, "the booking survives a stranger's cancel"

        _run(conformance_target, test)

    # ------------------------------------------------------------------ failures

    def test_nobody_listening_is_unavailable(self, conformance_target: ConformanceTarget) -> None:
        settings = conformance_target.settings
        address = urllib.parse.urlsplit(settings.base_url)
        nowhere = address._replace(scheme="http", netloc=f"127.0.0.1:{_closed_port()}").geturl()

        async def test(session: Session) -> None:
            with pytest.raises(RegionUnavailable):
                await session.adapter.get_available_timeslots(session.ctx(), session.slot_query())

        _run(conformance_target, test, settings=replace(settings, base_url=nowhere, timeout=_SHORT_TIMEOUT * 5))

    def test_a_system_that_is_down_is_unavailable(self, conformance_target: ConformanceTarget) -> None:
        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            faults = await _hook(session.target.faults, lambda f: f.down(), "be down")
            try:
                with pytest.raises(RegionUnavailable):
                    await session.adapter.get_available_timeslots(session.ctx(), session.slot_query())
                with pytest.raises(RegionUnavailable):
                    await session.book(slot)
                with pytest.raises(RegionUnavailable):
                    await session.cancel(str(uuid.uuid4()))
            finally:
                await faults.clear()

        _run(conformance_target, test)

    def test_a_system_that_hangs_times_out(self, conformance_target: ConformanceTarget) -> None:
        hang = _SHORT_TIMEOUT.total_seconds() * 3

        async def test(session: Session) -> None:
            faults = await _hook(session.target.faults, lambda f: f.hang(hang), "hang")
            try:
                started = time.monotonic()
                with pytest.raises(RegionTimeout):
                    await session.adapter.get_available_timeslots(session.ctx(), session.slot_query())
                assert time.monotonic() - started < hang, "the adapter waited past its own timeout"
            finally:
                await faults.clear()

        short = replace(conformance_target.settings, timeout=_SHORT_TIMEOUT)
        _run(conformance_target, test, settings=short)

    # ------------------------------------------------------------------ time zones

    @pytest.mark.parametrize("month", [3, 10], ids=["clocks-go-forward", "clocks-go-back"])
    def test_half_past_one_on_the_night_the_clocks_change(
        self, conformance_target: ConformanceTarget, month: int
    ) -> None:
        publish = conformance_target.publish_slot
        if publish is None:
            pytest.skip("the target cannot open a time at a chosen moment (publish_slot): DST nights not tested")
        today = dt.datetime.now(SWEDISH_TIME).date()
        sunday = clock_change_sunday(month, today)
        half_past_one = dt.datetime.combine(sunday, dt.time(1, 30), tzinfo=SWEDISH_TIME)
        offset = dt.timedelta(hours=1 if month == 3 else 2)  # still winter time / still summer time

        async def test(session: Session) -> None:
            await publish(session.unit, session.time_type_id, half_past_one)
            night = session.slot_query(start_date=sunday, end_date=sunday)
            found = [s for s in await session.free(start_date=sunday, end_date=sunday) if s.start == half_past_one]
            assert found, f"the time opened at {half_past_one.isoformat()} is not found"
            slot = found[0]
            _check_timeslot(slot, session)
            start = _aware(slot.start, "start")
            assert start.utcoffset() == offset, f"01:30 on {sunday} has offset {start.utcoffset()}, not {offset}"
            local = start.astimezone(SWEDISH_TIME)
            assert (local.date(), local.hour, local.minute) == (sunday, 1, 30)
            assert sunday in {d.date for d in await session.adapter.get_available_dates(session.ctx(), night)}

            booking_id = _booked(await session.book(_times_only(slot)), "make_booking at 01:30")
            shown = await session.show(booking_id)
            assert shown is not None
            _same_time(shown, slot)
            shown_local = _aware(shown.slot.start, "start").astimezone(SWEDISH_TIME)
            assert (shown_local.date(), shown_local.hour, shown_local.minute) == (sunday, 1, 30)
            assert shown_local.utcoffset() == offset
            listed = [b for b in await session.schedule() if b.booking_id == booking_id]
            assert listed and listed[0].slot.start == half_past_one

        _run(conformance_target, test)

    # ------------------------------------------------------------------ idempotency

    def test_a_retried_booking_books_once(self, conformance_target: ConformanceTarget) -> None:
        """With the same correlation id and Idempotency-Key: an adapter that declares idempotent
        writes answers the first booking again; any other must not book twice either (it refuses
        the retry, or answers the booking already made)."""

        async def test(session: Session) -> None:
            (slot,) = await session.claim(1)
            key = f"conformance-{uuid.uuid4()}"
            ctx = session.ctx(correlation_id=key, extra_headers={IDEMPOTENCY_HEADER: key})
            first_id = _booked(await session.book(slot, ctx=ctx), "make_booking")
            retry = await session.book(slot, ctx=ctx)
            if "make_booking" in _idempotent_writes(session.adapter):
                assert retry.succeeded and retry.booking_id == first_id, f"a declared idempotent retry: {retry}"
            else:
                assert (not retry.succeeded) or retry.booking_id == first_id, f"booked twice: {retry}"
            at_that_time = [b for b in await session.schedule() if b.slot.start == slot.start]
            assert [b.booking_id for b in at_that_time] == [first_id], "one booking, whatever the retries"

        _run(conformance_target, test)

    def test_a_retry_after_a_lost_answer_books_once(self, conformance_target: ConformanceTarget) -> None:
        delay = _SHORT_TIMEOUT.total_seconds() * 2

        async def test(session: Session) -> None:
            if "make_booking" not in _idempotent_writes(session.adapter):
                pytest.skip("the adapter does not declare make_booking idempotent (idempotent_writes)")
            (slot,) = await session.claim(1)
            key = f"conformance-{uuid.uuid4()}"
            ctx = session.ctx(correlation_id=key, extra_headers={IDEMPOTENCY_HEADER: key})
            faults = await _hook(session.target.faults, lambda f: f.delay_answers(delay), "hold answers back")
            try:
                with pytest.raises(RegionTimeout):
                    await session.book(slot, ctx=ctx)
                await asyncio.sleep(delay)  # the first attempt is done at the region, its answer lost
            finally:
                await faults.clear()
            retry = await session.book(slot, ctx=ctx)
            retry_id = _booked(retry, "the retried make_booking")
            at_that_time = [b.booking_id for b in await session.schedule() if b.slot.start == slot.start]
            assert at_that_time == [retry_id], f"the retry must answer the booking the lost call made: {at_that_time}"

        _run(conformance_target, test, settings=replace(conformance_target.settings, timeout=_SHORT_TIMEOUT))

    def test_repeating_a_declared_idempotent_rebook_changes_nothing(
        self, conformance_target: ConformanceTarget
    ) -> None:
        async def test(session: Session) -> None:
            if "update_booking" not in _idempotent_writes(session.adapter):
                pytest.skip("the adapter does not declare update_booking idempotent (idempotent_writes)")
            first, second = await session.claim(2)
            booking_id = _booked(await session.book(first), "make_booking")
            request = RebookRequest(booking_id=booking_id, slot=second, citizen=session.citizen)
            once = await session.adapter.update_booking(session.ctx(), request)
            session.remember(once, session.citizen)
            twice = await session.adapter.update_booking(session.ctx(), request)
            assert once.succeeded and twice.succeeded, (once, twice)
            assert twice.booking_id == once.booking_id
            current = once.booking_id or booking_id
            shown = await session.show(current)
            assert shown is not None
            _same_time(shown, second)
            held = [b for b in await session.schedule() if b.slot.start in (first.start, second.start)]
            assert [(b.booking_id, b.slot.start) for b in held] == [(current, second.start)]

        _run(conformance_target, test)


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
