"""Reads are retried with bounded, jittered backoff within a deadline, only when the region could
not be reached or did not answer; writes never."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from gateway.resilience.clock import SystemClock
from gateway.resilience.deadline import DeadlineAdapter, call_deadline, current_deadline
from gateway.resilience.decorator import decorate
from gateway.resilience.errors import RegionCircuitOpen
from gateway.resilience.retry import RetryingAdapter, timeouts_are_final
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock, FakeConfirmingAdapter
from tests.gateway.resilience.requests import READS, WRITES, call


def retrying(
    inner: FakeAdapter,
    clock: FakeClock | SystemClock,
    *,
    attempts: int = 3,
    initial: float = 0.1,
    maximum: float = 1.0,
    deadline: float = 10.0,
) -> RetryingAdapter:
    return decorate(
        RetryingAdapter,
        inner,
        attempts=attempts,
        initial_backoff=initial,
        max_backoff=maximum,
        deadline=deadline,
        clock=clock,
        region="01",
    )


@pytest.mark.parametrize("operation", READS)
@pytest.mark.parametrize("failure", [RegionUnavailable("down"), RegionTimeout("slow")], ids=["unavailable", "timeout"])
async def test_every_read_is_retried_when_the_region_did_not_answer(operation: str, failure: Exception) -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_next(failure)
    result = await call(retrying(inner, clock), operation)
    assert result == await call(FakeAdapter(), operation)
    assert inner.count(operation) == 2
    assert len(clock.sleeps) == 1


@pytest.mark.parametrize(
    "failure",
    [
        RegionRejectedRequest("client fault"),
        RegionProtocolError("not xml"),
        RegionCircuitOpen("open", breaker="01/a", retry_after=3.0),
        ValueError("cannot express"),
    ],
    ids=["rejected", "protocol", "circuit-open", "value-error"],
)
async def test_a_read_is_not_retried_when_asking_again_cannot_help(failure: Exception) -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_next(failure)
    with pytest.raises(type(failure)):
        await call(retrying(inner, clock), "get_available_timeslots")
    assert inner.count("get_available_timeslots") == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("operation", [*WRITES, "confirm_booking"])
@pytest.mark.parametrize("failure", [RegionUnavailable("down"), RegionTimeout("slow")], ids=["unavailable", "timeout"])
async def test_writes_are_never_retried(operation: str, failure: Exception) -> None:
    clock = FakeClock()
    inner = FakeConfirmingAdapter()
    inner.fail_next(failure)
    with pytest.raises(type(failure)):
        await call(retrying(inner, clock), operation)
    assert inner.count(operation) == 1
    assert clock.sleeps == []


async def test_attempts_are_bounded_and_the_last_failure_is_raised() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_next(RegionUnavailable("first"), RegionUnavailable("second"), RegionTimeout("third"))
    with pytest.raises(RegionTimeout, match="third"):
        await call(retrying(inner, clock, attempts=3), "get_available_dates")
    assert inner.count("get_available_dates") == 3
    assert len(clock.sleeps) == 2


async def test_one_attempt_means_no_retry() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_next(RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await call(retrying(inner, clock, attempts=1), "get_schedule")
    assert inner.count("get_schedule") == 1


async def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_always(lambda: RegionUnavailable("down"))
    adapter = retrying(inner, clock, attempts=6, initial=0.1, maximum=0.5, deadline=1000.0)
    waits_by_retry: dict[int, list[float]] = {}
    for _ in range(200):
        clock.sleeps.clear()
        with pytest.raises(RegionUnavailable):
            await call(adapter, "get_booking")
        assert len(clock.sleeps) == 5
        for index, wait in enumerate(clock.sleeps):
            waits_by_retry.setdefault(index, []).append(wait)
    for index, waits in waits_by_retry.items():
        bound = min(0.5, 0.1 * 2**index)
        assert all(0 <= wait <= bound for wait in waits), index
        assert len(set(waits)) > 150, "waits are jittered, not fixed"
        assert max(waits) > bound * 0.9, "the draw covers the whole range up to the bound"


async def test_no_wait_runs_past_the_deadline() -> None:
    clock = FakeClock()
    inner = FakeAdapter(clock, latency=0.2)
    inner.fail_always(lambda: RegionUnavailable("down"))
    adapter = retrying(inner, clock, attempts=100, initial=1.0, maximum=1.0, deadline=3.0)
    for _ in range(50):
        started = clock.t
        clock.sleeps.clear()
        with pytest.raises(RegionUnavailable):
            await call(adapter, "get_available_timeslots")
        spent_before_last_attempt = clock.t - started - inner.latency
        assert spent_before_last_attempt < 3.0
        assert len(clock.sleeps) < 99
    assert inner.count("get_available_timeslots") >= 100  # more than one attempt per read on average


async def test_an_attempt_that_hangs_is_cut_at_the_deadline_beneath_the_retries() -> None:
    clock = SystemClock()
    inner = FakeAdapter()
    inner.gate = asyncio.Event()  # never set: the region never answers
    cut = decorate(DeadlineAdapter, inner, clock=clock, region="01")
    adapter = decorate(
        RetryingAdapter, cut, attempts=3, initial_backoff=0.01, max_backoff=0.01, deadline=0.05, clock=clock
    )
    started = time.monotonic()
    async with asyncio.timeout(5):  # a regression fails here instead of hanging
        with pytest.raises(RegionTimeout, match="deadline"):
            await call(adapter, "get_care_units")
    assert time.monotonic() - started < 1.0
    assert inner.count("get_care_units") == 1  # no time left for another attempt


async def test_each_read_publishes_its_deadline_and_writes_none() -> None:
    clock = FakeClock()
    seen: list[float | None] = []

    class Watching(FakeAdapter):
        async def _enter(self, operation: str) -> None:
            seen.append(current_deadline())
            await super()._enter(operation)

    adapter = retrying(Watching(), clock, deadline=4.0)
    await call(adapter, "get_schedule")
    await call(adapter, "make_booking")
    with call_deadline(1.0, clock):
        await call(adapter, "get_schedule")  # an earlier deadline already in force wins
    assert seen == [clock.t + 4.0, None, clock.t + 1.0]
    assert current_deadline() is None


async def test_a_timeout_is_final_where_the_caller_says_so_and_other_failures_are_still_retried() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.fail_next(RegionTimeout("slow"))
    adapter = retrying(inner, clock)
    with timeouts_are_final(), pytest.raises(RegionTimeout):
        await call(adapter, "get_schedule")
    assert inner.count("get_schedule") == 1
    assert clock.sleeps == []

    inner.fail_next(RegionUnavailable("connection refused"))
    with timeouts_are_final():
        await call(adapter, "get_schedule")
    assert inner.count("get_schedule") == 3

    inner.fail_next(RegionTimeout("slow"))  # outside the block, a timed-out read is retried again
    await call(adapter, "get_schedule")
    assert inner.count("get_schedule") == 5
