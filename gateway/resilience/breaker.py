"""A circuit breaker per region and adapter instance (brytare): after `failure_threshold`
consecutive failed calls the region is left alone for `recovery_seconds` — calls fail fast with
`RegionCircuitOpen` without reaching it — then one probe call is let through: success closes the
breaker, failure opens it again.

What counts: a failure is a call the region did not answer usefully (`RegionUnavailable`,
`RegionTimeout`, `RegionProtocolError`). A refusal (`BookingOutcome` ERROR) and a rejected request
(`RegionRejectedRequest`) are answers, so they count as successes and end a run of failures. Anything
else (cancellation, an adapter that cannot express the request) says nothing about the region and
is not counted either way.

Why not purgatory (DESIGN §9): purgatory 3.0.1 reads `time.time()` inside its state classes, so
neither a fake clock nor a monotonic one can be given to it; its half-open state lets every
concurrent call through instead of one probe; an open breaker reports `failure_count` None; and its
state is only re-evaluated when a call arrives, so an operator would see "opened" long after the
recovery time. Each of these is a requirement here, and the state machine is small.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from adapters.domain import BookingOutcome
from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.interface import RegionAdapter
from gateway.resilience.clock import Clock
from gateway.resilience.decorator import AdapterDecorator
from gateway.resilience.errors import RegionCircuitOpen

__all__ = ["BreakerSnapshot", "BreakerState", "BreakingAdapter", "CircuitBreaker"]

T = TypeVar("T")

log = logging.getLogger("tidbok.resilience.breaker")

COUNTED_FAILURES = (RegionUnavailable, RegionTimeout, RegionProtocolError)


class BreakerState(Enum):
    CLOSED = "closed"  # calls pass; failures are counted
    OPEN = "open"  # calls fail fast
    HALF_OPEN = "half-open"  # the recovery time is over: the next call is a probe


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """What an operator sees of one breaker."""

    name: str
    state: BreakerState
    failure_count: int  # consecutive failures (the run that opened it, while open)
    opened_at: dt.datetime | None  # wall-clock time it last opened; None while closed
    failure_threshold: int
    recovery_seconds: float
    short_circuited: int  # calls failed fast since start
    times_opened: int


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int,
        recovery_seconds: float,
        clock: Clock,
        region: str | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if recovery_seconds <= 0:
            raise ValueError("recovery_seconds must be positive")
        self.name = name
        self.region = region
        self.failure_threshold = failure_threshold
        self.recovery_seconds = recovery_seconds
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at: dt.datetime | None = None
        self._opened_monotonic = 0.0
        self._probe_in_flight = False
        self._short_circuited = 0
        self._times_opened = 0

    # ------------------------------------------------------------ observation

    @property
    def state(self) -> BreakerState:
        self._refresh()
        return self._state

    def snapshot(self) -> BreakerSnapshot:
        return BreakerSnapshot(
            name=self.name,
            state=self.state,
            failure_count=self._failures,
            opened_at=self._opened_at,
            failure_threshold=self.failure_threshold,
            recovery_seconds=self.recovery_seconds,
            short_circuited=self._short_circuited,
            times_opened=self._times_opened,
        )

    # ------------------------------------------------------------ calls

    async def call(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call` unless the breaker is open; record what its outcome says about the region."""
        probe = self._admit()
        try:
            result = await call()
        except RegionRejectedRequest:
            self._answered(probe)
            raise
        except COUNTED_FAILURES:
            self._failed(probe)
            raise
        except BaseException:
            if probe:
                self._probe_in_flight = False
            raise
        self._answered(probe)
        return result

    def _refresh(self) -> None:
        if self._state is BreakerState.OPEN and self._remaining() <= 0:
            self._change(BreakerState.HALF_OPEN)

    def _remaining(self) -> float:
        return self._opened_monotonic + self.recovery_seconds - self._clock.monotonic()

    def _admit(self) -> bool:
        """True when the call is the half-open probe; raises when the call may not pass."""
        self._refresh()
        if self._state is BreakerState.CLOSED:
            return False
        if self._state is BreakerState.HALF_OPEN and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        self._short_circuited += 1
        retry_after = max(self._remaining(), 0.0)
        why = "a probe call is under way" if self._state is BreakerState.HALF_OPEN else "the region is failing"
        raise RegionCircuitOpen(
            f"circuit {self.name} is open ({why}); not calling the region for {retry_after:.1f} s",
            region=self.region,
            breaker=self.name,
            retry_after=retry_after,
        )

    def _answered(self, probe: bool) -> None:
        if probe:
            self._probe_in_flight = False
            self._failures = 0
            self._opened_at = None
            self._change(BreakerState.CLOSED)
        elif self._state is BreakerState.CLOSED:
            self._failures = 0
        # An answer to a call let through before the breaker opened says nothing about now.

    def _failed(self, probe: bool) -> None:
        if probe:
            self._probe_in_flight = False
            self._failures += 1
            self._open()
        elif self._state is BreakerState.CLOSED:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _open(self) -> None:
        self._opened_monotonic = self._clock.monotonic()
        self._opened_at = self._clock.now()
        self._times_opened += 1
        self._change(BreakerState.OPEN)

    def _change(self, state: BreakerState) -> None:
        previous, self._state = self._state, state
        level = logging.WARNING if state is BreakerState.OPEN else logging.INFO
        log.log(
            level,
            "circuit %s: %s → %s (consecutive failures %d)",
            self.name,
            previous.value,
            state.value,
            self._failures,
        )


class BreakingAdapter(AdapterDecorator):
    """Every call, read or write, through one `CircuitBreaker`."""

    def __init__(self, inner: RegionAdapter, *, breaker: CircuitBreaker) -> None:
        super().__init__(inner)
        self.breaker = breaker

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        return await self.breaker.call(call)

    async def _write(self, operation: str, call: Callable[[], Awaitable[BookingOutcome]]) -> BookingOutcome:
        return await self.breaker.call(call)
