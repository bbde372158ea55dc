"""`together`: independent calls at the same time, failing like one call."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RegionTimeout
from gateway.services.together import together


@pytest.mark.asyncio
async def test_the_calls_run_at_the_same_time_and_answer_in_the_order_given() -> None:
    second_started = asyncio.Event()

    async def first() -> str:
        await asyncio.wait_for(second_started.wait(), 5)  # only possible if the second runs meanwhile
        return "slots"

    async def second() -> int:
        second_started.set()
        return 3

    assert await together(first(), second()) == ("slots", 3)


@pytest.mark.asyncio
async def test_the_first_failure_is_raised_as_itself_and_the_others_are_cancelled() -> None:
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def failing() -> None:
        await asyncio.sleep(0)
        raise RegionTimeout("GetSubjectOfCareSchedule: no answer", region="01")

    with pytest.raises(RegionTimeout) as caught:
        await together(slow(), failing(), asyncio.sleep(0))
    assert caught.value.region == "01"
    assert cancelled.is_set()


@pytest.mark.asyncio
async def test_a_failure_keeps_its_own_cause() -> None:
    async def failing() -> None:
        try:
            raise TimeoutError
        except TimeoutError as exc:
            raise RegionTimeout("no answer") from exc

    async def fine() -> int:
        return 1

    with pytest.raises(RegionTimeout) as caught:
        await together(fine(), failing())
    assert isinstance(caught.value.__cause__, TimeoutError)
