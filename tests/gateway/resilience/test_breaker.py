"""The circuit breaker: opens after N consecutive failures, fails fast without calling the region,
lets one probe through after the recovery time, closes on its success and re-opens on its failure."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from gateway.resilience.breaker import BreakerState, BreakingAdapter, CircuitBreaker
from gateway.resilience.decorator import decorate
from gateway.resilience.errors import RegionCircuitOpen
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock, FakeConfirmingAdapter
from tests.gateway.resilience.requests import READS, WRITES, call


def guarded(inner: FakeAdapter, clock: FakeClock, *, threshold: int = 3, recovery: float = 30.0) -> BreakingAdapter:
    breaker = CircuitBreaker(
        "01/sthlm", failure_threshold=threshold, recovery_seconds=recovery, clock=clock, region="01"
    )
    return decorate(BreakingAdapter, inner, breaker=breaker)


async def fail(adapter: BreakingAdapter, times: int, failure: type[Exception] = RegionUnavailable) -> None:
    for _ in range(times):
        with pytest.raises(failure):
            await call(adapter, "get_available_timeslots")


async def open_breaker(adapter: BreakingAdapter, inner: FakeAdapter) -> None:
    inner.fail_always(lambda: RegionUnavailable("down"))
    await fail(adapter, adapter.breaker.failure_threshold)
    assert adapter.breaker.state is BreakerState.OPEN


async def test_opens_after_n_consecutive_failures_and_says_when() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, threshold=3)
    inner.fail_always(lambda: RegionUnavailable("down"))
    await fail(adapter, 2)
    assert adapter.breaker.snapshot().state is BreakerState.CLOSED
    assert adapter.breaker.snapshot().failure_count == 2
    clock.advance(5)
    await fail(adapter, 1)
    snapshot = adapter.breaker.snapshot()
    assert snapshot.state is BreakerState.OPEN
    assert snapshot.failure_count == 3
    assert snapshot.opened_at == clock.now()
    assert snapshot.opened_at is not None and snapshot.opened_at.tzinfo is dt.UTC
    assert snapshot.name == "01/sthlm"
    assert snapshot.times_opened == 1


@pytest.mark.parametrize("failure", [RegionUnavailable, RegionTimeout, RegionProtocolError])
async def test_each_kind_of_region_failure_counts(failure: type[Exception]) -> None:
    inner = FakeAdapter()
    adapter = guarded(inner, FakeClock(), threshold=2)
    inner.fail_always(lambda: failure("x"))
    await fail(adapter, 2, failure)
    assert adapter.breaker.state is BreakerState.OPEN


@pytest.mark.parametrize("operation", [*READS, *WRITES, "confirm_booking"])
async def test_open_breaker_fails_fast_without_calling_the_region(operation: str) -> None:
    clock = FakeClock()
    inner = FakeConfirmingAdapter()
    adapter = guarded(inner, clock, threshold=2, recovery=30)
    await open_breaker(adapter, inner)
    inner.recover()
    calls_before = len(inner.calls)
    clock.advance(10)
    with pytest.raises(RegionCircuitOpen) as raised:
        await call(adapter, operation)
    assert len(inner.calls) == calls_before
    assert isinstance(raised.value, RegionUnavailable)
    assert raised.value.region == "01"
    assert raised.value.breaker == "01/sthlm"
    assert raised.value.retry_after == pytest.approx(20.0)
    assert adapter.breaker.snapshot().short_circuited == 1


async def test_rejections_and_refusals_are_answers_and_end_a_run_of_failures() -> None:
    inner = FakeAdapter()
    adapter = guarded(inner, FakeClock(), threshold=3)
    inner.fail_always(lambda: RegionUnavailable("down"))
    await fail(adapter, 2)
    inner.recover()
    inner.fail_next(RegionRejectedRequest("client fault"))
    await fail(adapter, 1, RegionRejectedRequest)
    assert adapter.breaker.snapshot().failure_count == 0
    inner.fail_always(lambda: RegionUnavailable("down"))
    await fail(adapter, 2)
    inner.recover()
    inner.refuse_writes = True
    outcome = await call(adapter, "make_booking")
    assert not outcome.succeeded
    inner.fail_always(lambda: RegionUnavailable("down"))
    await fail(adapter, 2)
    assert adapter.breaker.state is BreakerState.CLOSED
    assert adapter.breaker.snapshot().failure_count == 2


async def test_failures_that_say_nothing_about_the_region_neither_count_nor_reset() -> None:
    inner = FakeAdapter()
    adapter = guarded(inner, FakeClock(), threshold=3)
    inner.fail_next(RegionUnavailable("a"), RegionUnavailable("b"), ValueError("cannot express"))
    await fail(adapter, 2)
    await fail(adapter, 1, ValueError)
    assert adapter.breaker.snapshot().failure_count == 2
    inner.fail_next(RegionUnavailable("c"))
    await fail(adapter, 1)
    assert adapter.breaker.state is BreakerState.OPEN


async def test_half_opens_after_the_recovery_time_and_shows_it_without_a_call() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, recovery=30)
    await open_breaker(adapter, inner)
    clock.advance(29.9)
    assert adapter.breaker.snapshot().state is BreakerState.OPEN
    clock.advance(0.1)
    assert adapter.breaker.snapshot().state is BreakerState.HALF_OPEN


async def test_a_successful_probe_closes_the_breaker() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, recovery=30)
    await open_breaker(adapter, inner)
    inner.recover()
    clock.advance(30)
    calls_before = len(inner.calls)
    await call(adapter, "get_available_dates")
    assert len(inner.calls) == calls_before + 1
    snapshot = adapter.breaker.snapshot()
    assert snapshot.state is BreakerState.CLOSED
    assert snapshot.failure_count == 0
    assert snapshot.opened_at is None
    await call(adapter, "get_available_dates")


async def test_a_failed_probe_opens_the_breaker_again_for_another_recovery_time() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, threshold=3, recovery=30)
    await open_breaker(adapter, inner)
    first_opened = adapter.breaker.snapshot().opened_at
    clock.advance(31)
    await fail(adapter, 1)  # the probe reaches the region, which is still down
    snapshot = adapter.breaker.snapshot()
    assert snapshot.state is BreakerState.OPEN
    assert snapshot.opened_at == clock.now() != first_opened
    assert snapshot.times_opened == 2
    assert snapshot.failure_count == 4
    calls_before = len(inner.calls)
    clock.advance(29)
    await fail(adapter, 1, RegionCircuitOpen)
    assert len(inner.calls) == calls_before


async def test_only_one_probe_is_let_through_while_half_open() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, recovery=30)
    await open_breaker(adapter, inner)
    inner.recover()
    clock.advance(30)
    inner.gate = asyncio.Event()
    probe = asyncio.create_task(call(adapter, "get_available_timeslots"))
    await asyncio.sleep(0)
    calls_before = len(inner.calls)
    with pytest.raises(RegionCircuitOpen, match="probe"):
        await call(adapter, "get_available_timeslots")
    assert len(inner.calls) == calls_before
    inner.gate.set()
    await probe
    assert adapter.breaker.state is BreakerState.CLOSED


async def test_a_cancelled_probe_lets_the_next_call_probe() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, recovery=30)
    await open_breaker(adapter, inner)
    inner.recover()
    clock.advance(30)
    inner.gate = asyncio.Event()
    probe = asyncio.create_task(call(adapter, "get_available_timeslots"))
    await asyncio.sleep(0)
    probe.cancel()
    with pytest.raises(asyncio.CancelledError):
        await probe
    assert adapter.breaker.state is BreakerState.HALF_OPEN
    inner.gate = None
    await call(adapter, "get_available_timeslots")
    assert adapter.breaker.snapshot().state is BreakerState.CLOSED


async def test_answers_to_calls_let_through_before_it_opened_do_not_move_it() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = guarded(inner, clock, threshold=2, recovery=30)
    late_failure_gate, late_success_gate = asyncio.Event(), asyncio.Event()
    inner.gate = late_failure_gate
    late_failure = asyncio.create_task(call(adapter, "get_booking"))
    await asyncio.sleep(0)
    inner.gate = late_success_gate
    late_success = asyncio.create_task(call(adapter, "get_booking"))
    await asyncio.sleep(0)
    inner.gate = None
    await open_breaker(adapter, inner)
    before = adapter.breaker.snapshot()
    clock.advance(5)
    late_failure_gate.set()
    with pytest.raises(RegionUnavailable):
        await late_failure
    inner.recover()
    late_success_gate.set()
    assert await late_success is None
    assert adapter.breaker.snapshot() == before


async def test_other_regions_are_not_affected() -> None:
    clock = FakeClock()
    sthlm, skane = FakeAdapter(), FakeAdapter()
    first, second = guarded(sthlm, clock), guarded(skane, clock)
    await open_breaker(first, sthlm)
    await fail(first, 1, RegionCircuitOpen)
    assert await call(second, "get_available_timeslots")
    assert second.breaker.state is BreakerState.CLOSED


def test_settings_are_checked() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=0, recovery_seconds=1, clock=clock)
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=1, recovery_seconds=0, clock=clock)
