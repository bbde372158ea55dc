"""The call deadline: published for a block (nested blocks keep the earlier end) and enforced
innermost as RegionTimeout, so that a cut attempt counts as the region's failure."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RegionTimeout
from gateway.resilience.clock import SystemClock
from gateway.resilience.deadline import DeadlineAdapter, call_deadline, current_deadline
from gateway.resilience.decorator import decorate
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock
from tests.gateway.resilience.requests import READS, WRITES, call


def test_nested_deadlines_keep_the_earlier_end() -> None:
    clock = FakeClock()
    assert current_deadline() is None
    with call_deadline(10, clock) as outer:
        assert outer == clock.t + 10
        with call_deadline(20, clock) as inner:
            assert inner == outer
        with call_deadline(2, clock) as inner:
            assert inner == clock.t + 2 == current_deadline()
        assert current_deadline() == outer
    assert current_deadline() is None


@pytest.mark.parametrize("operation", [*READS, *WRITES])
async def test_a_call_past_the_deadline_is_cut_as_a_region_timeout(operation: str) -> None:
    clock = SystemClock()
    inner = FakeAdapter()
    inner.gate = asyncio.Event()
    adapter = decorate(DeadlineAdapter, inner, clock=clock, region="01")
    async with asyncio.timeout(5):
        with call_deadline(0.02, clock), pytest.raises(RegionTimeout) as raised:
            await call(adapter, operation)
    assert raised.value.region == "01"


async def test_without_a_deadline_calls_pass_untouched() -> None:
    inner = FakeAdapter()
    adapter = decorate(DeadlineAdapter, inner, clock=SystemClock())
    assert await call(adapter, "get_available_dates")
    assert inner.count("get_available_dates") == 1


async def test_a_timeout_of_the_adapters_own_is_not_taken_for_the_deadline() -> None:
    inner = FakeAdapter()
    inner.fail_next(TimeoutError("the adapter's own"))
    adapter = decorate(DeadlineAdapter, inner, clock=SystemClock())
    with call_deadline(5, SystemClock()), pytest.raises(TimeoutError, match="own"):
        await call(adapter, "get_booking")


async def test_a_deadline_already_passed_cuts_at_once() -> None:
    clock = FakeClock()
    inner = FakeAdapter()
    inner.gate = asyncio.Event()
    adapter = decorate(DeadlineAdapter, inner, clock=clock)
    with call_deadline(1, clock):
        clock.advance(2)
        async with asyncio.timeout(5):
            with pytest.raises(RegionTimeout):
                await call(adapter, "get_schedule")
