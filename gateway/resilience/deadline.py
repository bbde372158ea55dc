"""One deadline for a call, whatever layers and attempts it passes through.

A deadline is published for the calls made inside a `call_deadline(...)` block — by the retry
layer for each read, and by anyone else who wants one (a fan-out giving each region its own
deadline); nested blocks keep the earlier end. It is enforced by `DeadlineAdapter`, the innermost
layer, which cuts the region call when time is up and raises `RegionTimeout` there. Cutting at the
innermost point matters: the breaker and the metrics then see a region that did not answer in time
— a counted failure — instead of a cancelled call that says nothing about the region.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from adapters.domain import BookingOutcome
from adapters.errors import RegionTimeout
from adapters.interface import RegionAdapter
from gateway.resilience.clock import Clock
from gateway.resilience.decorator import AdapterDecorator

__all__ = ["DeadlineAdapter", "call_deadline", "current_deadline"]

T = TypeVar("T")

_ends_at: ContextVar[float | None] = ContextVar("tidbok_call_deadline", default=None)


@contextmanager
def call_deadline(seconds: float, clock: Clock) -> Iterator[float]:
    """Region calls made inside the block end within `seconds` (or by an earlier deadline already
    in force). Yields the end, on `clock.monotonic()`'s scale."""
    ends_at = clock.monotonic() + seconds
    outer = _ends_at.get()
    if outer is not None:
        ends_at = min(ends_at, outer)
    token = _ends_at.set(ends_at)
    try:
        yield ends_at
    finally:
        _ends_at.reset(token)


def current_deadline() -> float | None:
    return _ends_at.get()


class DeadlineAdapter(AdapterDecorator):
    """Cuts each call at the deadline in force, if any, as `RegionTimeout`."""

    def __init__(self, inner: RegionAdapter, *, clock: Clock, region: str | None = None) -> None:
        super().__init__(inner)
        self.region = region
        self._clock = clock

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        return await self._within(operation, call)

    async def _write(self, operation: str, call: Callable[[], Awaitable[BookingOutcome]]) -> BookingOutcome:
        return await self._within(operation, call)

    async def _within(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        ends_at = _ends_at.get()
        if ends_at is None:
            return await call()
        remaining = max(ends_at - self._clock.monotonic(), 0.0)
        try:
            async with asyncio.timeout(remaining) as scope:
                return await call()
        except TimeoutError as exc:
            if scope.expired():
                raise RegionTimeout(f"{operation}: no answer within the call's deadline", region=self.region) from exc
            raise
