"""Call metrics per region and adapter: Prometheus counters and a latency histogram (labels
region, adapter, operation, outcome) for scraping, and a sliding window of recent calls for the
status page's error rate and p50/p90/p99 — pure Python, bounded by time and by sample count.

Outcomes: `ok`; `refused` (a write the region answered with ERROR — an answer, not an error);
`unavailable`, `timeout`, `protocol_error`, `rejected` (the `adapters.errors` failures);
`circuit_open` (failed fast, never reached the region); `not_expressible` (the adapter could not
put the request in the region's contract, a ValueError — no call was made); `cancelled`; `error`
(anything else). The error rate counts the region's failures: unavailable, timeout,
protocol_error, rejected, circuit_open and error.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram

from adapters.domain import BookingOutcome
from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.interface import RegionAdapter
from gateway.resilience.clock import Clock
from gateway.resilience.decorator import AdapterDecorator
from gateway.resilience.errors import RegionCircuitOpen

__all__ = [
    "ERROR_OUTCOMES",
    "AdapterMetrics",
    "CallStats",
    "LatencyWindow",
    "MeasuredAdapter",
    "PrometheusFamilies",
    "WindowSummary",
    "classify",
    "percentile",
]

T = TypeVar("T")

ERROR_OUTCOMES = frozenset({"unavailable", "timeout", "protocol_error", "rejected", "circuit_open", "error"})

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def classify(exc: BaseException) -> str:
    """The outcome label of a call that raised `exc`."""
    if isinstance(exc, RegionCircuitOpen):
        return "circuit_open"
    if isinstance(exc, RegionTimeout):
        return "timeout"
    if isinstance(exc, RegionUnavailable):
        return "unavailable"
    if isinstance(exc, RegionProtocolError):
        return "protocol_error"
    if isinstance(exc, RegionRejectedRequest):
        return "rejected"
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    if isinstance(exc, ValueError):
        return "not_expressible"
    return "error"


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence (`fraction` in (0, 1])."""
    if not ordered:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    rank = math.ceil(fraction * len(ordered))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class WindowSummary:
    window_seconds: float
    calls: int
    errors: int
    p50: float | None  # seconds; None without samples
    p90: float | None
    p99: float | None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.calls if self.calls else None


class LatencyWindow:
    """The most recent calls: at most `max_samples`, none older than `window_seconds`."""

    def __init__(self, *, window_seconds: float, max_samples: int, clock: Clock) -> None:
        if window_seconds <= 0 or max_samples < 1:
            raise ValueError("window_seconds must be positive and max_samples at least 1")
        self.window_seconds = window_seconds
        self._clock = clock
        self._samples: deque[tuple[float, float, bool]] = deque(maxlen=max_samples)

    def __len__(self) -> int:
        self._expire()
        return len(self._samples)

    def add(self, seconds: float, *, error: bool) -> None:
        self._samples.append((self._clock.monotonic(), seconds, error))
        self._expire()

    def summary(self) -> WindowSummary:
        self._expire()
        latencies = sorted(seconds for _, seconds, _ in self._samples)
        errors = sum(1 for _, _, error in self._samples if error)
        if not latencies:
            return WindowSummary(self.window_seconds, 0, 0, None, None, None)
        return WindowSummary(
            self.window_seconds,
            len(latencies),
            errors,
            percentile(latencies, 0.50),
            percentile(latencies, 0.90),
            percentile(latencies, 0.99),
        )

    def _expire(self) -> None:
        oldest = self._clock.monotonic() - self.window_seconds
        while self._samples and self._samples[0][0] < oldest:
            self._samples.popleft()


class PrometheusFamilies:
    """The metric families, registered once in one `CollectorRegistry` and shared by every adapter."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ("region", "adapter", "operation", "outcome")
        self.calls = Counter("tidbok_region_calls", "Calls to regional systems, by outcome.", labels, registry=registry)
        self.latency = Histogram(
            "tidbok_region_call_duration_seconds",
            "Duration of calls to regional systems.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.cache = Counter(
            "tidbok_catalogue_cache",
            "Catalogue look-ups by cache outcome (hit, miss, stale).",
            labels,
            registry=registry,
        )


@dataclass(frozen=True, slots=True)
class CallStats:
    """One adapter's calls: totals since start, and the recent window."""

    calls: int
    errors: int
    outcomes: dict[str, int]
    window: WindowSummary


class AdapterMetrics:
    """The metrics of one region's adapter instance."""

    def __init__(
        self,
        *,
        region: str,
        adapter: str,
        families: PrometheusFamilies,
        window_seconds: float,
        max_samples: int,
        clock: Clock,
    ) -> None:
        self.region = region
        self.adapter = adapter
        self._families = families
        self._window = LatencyWindow(window_seconds=window_seconds, max_samples=max_samples, clock=clock)
        self._outcomes: dict[str, int] = {}

    def observe(self, operation: str, outcome: str, seconds: float) -> None:
        labels = (self.region, self.adapter, operation, outcome)
        self._families.calls.labels(*labels).inc()
        self._families.latency.labels(*labels).observe(seconds)
        self._outcomes[outcome] = self._outcomes.get(outcome, 0) + 1
        if outcome != "cancelled":
            self._window.add(seconds, error=outcome in ERROR_OUTCOMES)

    def count_cache(self, operation: str, outcome: str) -> None:
        self._families.cache.labels(self.region, self.adapter, operation, outcome).inc()

    def stats(self) -> CallStats:
        outcomes = dict(sorted(self._outcomes.items()))
        return CallStats(
            calls=sum(outcomes.values()),
            errors=sum(count for outcome, count in outcomes.items() if outcome in ERROR_OUTCOMES),
            outcomes=outcomes,
            window=self._window.summary(),
        )


class MeasuredAdapter(AdapterDecorator):
    """Times every call and records its outcome."""

    def __init__(self, inner: RegionAdapter, *, metrics: AdapterMetrics, clock: Clock) -> None:
        super().__init__(inner)
        self.metrics = metrics
        self._clock = clock

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        return await self._measure(operation, call)

    async def _write(self, operation: str, call: Callable[[], Awaitable[BookingOutcome]]) -> BookingOutcome:
        return await self._measure(operation, call)

    async def _measure(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        started = self._clock.monotonic()
        try:
            result = await call()
        except BaseException as exc:
            self.metrics.observe(operation, classify(exc), self._clock.monotonic() - started)
            raise
        outcome = "refused" if isinstance(result, BookingOutcome) and not result.succeeded else "ok"
        self.metrics.observe(operation, outcome, self._clock.monotonic() - started)
        return result
