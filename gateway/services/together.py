"""Independent awaitables run at the same time, failing the way one call fails.

A search needs the region's free times, the citizen's bookings at the unit and the citizen's
referrals; none depends on another, so waiting for them one after the other only adds their
latencies. `together` runs them concurrently in a task group — the first failure cancels the
others, so no region call is left running for an answer nobody will read — and raises that first
failure itself rather than an `ExceptionGroup`, so the caller's error handling (a region timeout
becomes REGION_TIMEOUT, say) is the same as for a single call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar, overload

__all__ = ["together"]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


@overload
async def together(first: Awaitable[A], second: Awaitable[B], /) -> tuple[A, B]: ...


@overload
async def together(first: Awaitable[A], second: Awaitable[B], third: Awaitable[C], /) -> tuple[A, B, C]: ...


async def together(*awaitables: Awaitable[Any]) -> tuple[Any, ...]:
    """The results in the order given; the first failure (in completion order) is raised as is."""
    failure: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_run(awaitable)) for awaitable in awaitables]
    except BaseExceptionGroup as failures:
        failure = _first(failures)
    if failure is not None:  # raised outside the handler: its own cause and traceback stay as they were
        raise failure
    return tuple(task.result() for task in tasks)


async def _run(awaitable: Awaitable[A]) -> A:  # a task group takes coroutines, not any awaitable
    return await awaitable


def _first(failures: BaseExceptionGroup[BaseException]) -> BaseException:
    failure: BaseException = failures
    while isinstance(failure, BaseExceptionGroup):
        failure = failure.exceptions[0]
    return failure
