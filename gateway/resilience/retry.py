"""Reads retried with backoff; writes never (DESIGN §6: a write is retried only where the adapter
proves it idempotent, and that is not this layer's to know).

A read is retried only when the region could not be reached or did not answer in time
(`RegionUnavailable`, `RegionTimeout`): a request the region rejected or an answer it garbled
(`RegionRejectedRequest`, `RegionProtocolError`) will not improve by asking again, and an open
breaker (`RegionCircuitOpen`) means the region is being left alone. Waits grow exponentially with
full jitter (a uniform draw below the bound) so that callers of a recovering region spread out. A
total deadline bounds the whole read: no wait is begun that would end past it, and the deadline is
published (`call_deadline`) for `DeadlineAdapter`, the innermost layer, to cut an attempt that runs
past it — as `RegionTimeout`, which the breaker counts.

A caller that has budgeted the time itself can say that a timeout is final (`timeouts_are_final`):
the national calendar gives each source a deadline and answers without a source that missed it
(from its last good answer), so asking a source that just timed out again would only make the
citizen wait longer for the same outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_random_exponential

from adapters.errors import RegionTimeout, RegionUnavailable
from adapters.interface import RegionAdapter
from gateway.resilience.clock import Clock
from gateway.resilience.deadline import call_deadline
from gateway.resilience.decorator import AdapterDecorator
from gateway.resilience.errors import RegionCircuitOpen

__all__ = ["RetryingAdapter", "is_retryable", "timeouts_are_final"]

T = TypeVar("T")

log = logging.getLogger("tidbok.resilience.retry")


_timeouts_final: ContextVar[bool] = ContextVar("tidbok_timeouts_final", default=False)


@contextmanager
def timeouts_are_final() -> Iterator[None]:
    """Reads made inside the block are not retried after a timeout (other failures still are)."""
    token = _timeouts_final.set(True)
    try:
        yield
    finally:
        _timeouts_final.reset(token)


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, RegionTimeout) and _timeouts_final.get():
        return False
    return isinstance(exc, RegionUnavailable | RegionTimeout) and not isinstance(exc, RegionCircuitOpen)


class RetryingAdapter(AdapterDecorator):
    def __init__(
        self,
        inner: RegionAdapter,
        *,
        attempts: int,
        initial_backoff: float,
        max_backoff: float,
        deadline: float,
        clock: Clock,
        region: str | None = None,
    ) -> None:
        super().__init__(inner)
        self.attempts = attempts
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.deadline = deadline
        self.region = region
        self._clock = clock

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        with call_deadline(self.deadline, self._clock) as ends_at:

            def stop(state: RetryCallState) -> bool:
                if state.attempt_number >= self.attempts:
                    return True
                return self._clock.monotonic() + state.upcoming_sleep >= ends_at

            def before_sleep(state: RetryCallState) -> None:
                failure = state.outcome.exception() if state.outcome else None
                log.info(
                    "retrying %s at region %s after %s (attempt %d of %d, waiting %.3f s)",
                    operation,
                    self.region,
                    type(failure).__name__,
                    state.attempt_number,
                    self.attempts,
                    state.upcoming_sleep,
                )

            # One retrying object per read: tenacity keeps per-run state on it.
            retrying = AsyncRetrying(
                stop=stop,
                wait=wait_random_exponential(multiplier=self.initial_backoff, max=self.max_backoff),
                retry=retry_if_exception(is_retryable),
                sleep=self._clock.sleep,
                before_sleep=before_sleep,
                reraise=True,
            )

            async def attempt() -> T:  # a coroutine function, so that tenacity awaits it
                return await call()

            result: T = await retrying(attempt)
            return result
