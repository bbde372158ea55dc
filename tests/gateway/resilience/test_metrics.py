"""Call metrics: outcomes, Prometheus families in a registry of their own, and the sliding
window's error rate and nearest-rank percentiles with bounded memory."""

from __future__ import annotations

import asyncio
import random

import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from gateway.resilience.decorator import decorate
from gateway.resilience.errors import RegionCircuitOpen
from gateway.resilience.metrics import AdapterMetrics, LatencyWindow, MeasuredAdapter, PrometheusFamilies, percentile
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock
from tests.gateway.resilience.requests import call


class Harness:
    def __init__(self, *, latency: float = 0.0, window: float = 60.0, samples: int = 1000) -> None:
        self.clock = FakeClock()
        self.registry = CollectorRegistry()
        self.inner = FakeAdapter(self.clock, latency=latency)
        self.metrics = AdapterMetrics(
            region="01",
            adapter="sthlm",
            families=PrometheusFamilies(self.registry),
            window_seconds=window,
            max_samples=samples,
            clock=self.clock,
        )
        self.adapter = decorate(MeasuredAdapter, self.inner, metrics=self.metrics, clock=self.clock)

    def sample(self, name: str, operation: str, outcome: str) -> float | None:
        labels = {"region": "01", "adapter": "sthlm", "operation": operation, "outcome": outcome}
        return self.registry.get_sample_value(name, labels)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99)) == (50.0, 90.0, 99.0)
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.5) == percentile([7.0], 0.99) == 7.0
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_the_window_reports_percentiles_and_error_rate_of_recent_calls() -> None:
    clock = FakeClock()
    window = LatencyWindow(window_seconds=60, max_samples=10_000, clock=clock)
    latencies = [i / 1000 for i in range(1, 1001)]
    random.Random(5).shuffle(latencies)
    for index, seconds in enumerate(latencies):
        window.add(seconds, error=index % 4 == 0)
    summary = window.summary()
    assert (summary.p50, summary.p90, summary.p99) == (0.5, 0.9, 0.99)
    assert summary.calls == 1000 and summary.errors == 250 and summary.error_rate == 0.25


def test_old_calls_leave_the_window() -> None:
    clock = FakeClock()
    window = LatencyWindow(window_seconds=60, max_samples=100, clock=clock)
    window.add(9.0, error=True)
    clock.advance(30)
    window.add(0.1, error=False)
    assert window.summary().p99 == 9.0
    clock.advance(30.5)
    summary = window.summary()
    assert (summary.calls, summary.errors, summary.p99) == (1, 0, 0.1)
    clock.advance(60)
    empty = window.summary()
    assert (empty.calls, empty.p50, empty.error_rate) == (0, None, None)


def test_memory_is_bounded_by_the_sample_count() -> None:
    clock = FakeClock()
    window = LatencyWindow(window_seconds=3600, max_samples=50, clock=clock)
    for i in range(10_000):
        window.add(float(i), error=False)
    assert len(window) == 50
    assert window.summary().p50 == 9974.0  # the newest 50: 9950..9999


@pytest.mark.parametrize(
    ("failure", "outcome", "is_error"),
    [
        (RegionUnavailable("down"), "unavailable", True),
        (RegionTimeout("slow"), "timeout", True),
        (RegionProtocolError("garbled"), "protocol_error", True),
        (RegionRejectedRequest("client fault"), "rejected", True),
        (RegionCircuitOpen("open", breaker="01/sthlm", retry_after=1), "circuit_open", True),
        (ValueError("cannot express"), "not_expressible", False),
        (RuntimeError("bug"), "error", True),
    ],
)
async def test_each_failure_is_recorded_with_its_outcome(failure: Exception, outcome: str, is_error: bool) -> None:
    h = Harness(latency=0.2)
    h.inner.fail_next(failure)
    with pytest.raises(type(failure)):
        await call(h.adapter, "get_available_timeslots")
    assert h.sample("tidbok_region_calls_total", "get_available_timeslots", outcome) == 1.0
    assert h.sample("tidbok_region_call_duration_seconds_sum", "get_available_timeslots", outcome) == pytest.approx(0.2)
    stats = h.metrics.stats()
    assert stats.outcomes == {outcome: 1}
    assert stats.errors == (1 if is_error else 0)
    assert stats.window.error_rate == (1.0 if is_error else 0.0)


async def test_answers_and_refusals_are_not_errors() -> None:
    h = Harness(latency=0.05)
    await call(h.adapter, "get_time_types")
    await call(h.adapter, "make_booking")
    h.inner.refuse_writes = True
    await call(h.adapter, "make_booking")
    assert h.sample("tidbok_region_calls_total", "get_time_types", "ok") == 1.0
    assert h.sample("tidbok_region_calls_total", "make_booking", "ok") == 1.0
    assert h.sample("tidbok_region_calls_total", "make_booking", "refused") == 1.0
    bucket = {"region": "01", "adapter": "sthlm", "operation": "make_booking", "outcome": "ok"}
    assert h.registry.get_sample_value("tidbok_region_call_duration_seconds_bucket", {**bucket, "le": "0.025"}) == 0
    assert h.registry.get_sample_value("tidbok_region_call_duration_seconds_bucket", {**bucket, "le": "0.05"}) == 1
    stats = h.metrics.stats()
    assert (stats.calls, stats.errors, stats.window.error_rate) == (3, 0, 0.0)
    assert stats.window.p50 == pytest.approx(0.05)


async def test_a_cancelled_call_is_counted_but_kept_out_of_the_window() -> None:
    h = Harness()
    h.inner.gate = asyncio.Event()
    task = asyncio.create_task(call(h.adapter, "get_schedule"))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert h.sample("tidbok_region_calls_total", "get_schedule", "cancelled") == 1.0
    stats = h.metrics.stats()
    assert stats.calls == 1 and stats.errors == 0 and stats.window.calls == 0


async def test_metrics_live_in_the_registry_given_not_the_global_one() -> None:
    first, second = Harness(), Harness()
    await call(first.adapter, "get_booking")
    assert first.sample("tidbok_region_calls_total", "get_booking", "ok") == 1.0
    assert second.sample("tidbok_region_calls_total", "get_booking", "ok") is None
    labels = {"region": "01", "adapter": "sthlm", "operation": "get_booking", "outcome": "ok"}
    assert REGISTRY.get_sample_value("tidbok_region_calls_total", labels) is None


def test_cache_outcomes_are_counted() -> None:
    h = Harness()
    h.metrics.count_cache("get_time_types", "hit")
    h.metrics.count_cache("get_time_types", "hit")
    assert h.sample("tidbok_catalogue_cache_total", "get_time_types", "hit") == 2.0


def test_window_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        LatencyWindow(window_seconds=0, max_samples=1, clock=FakeClock())
    with pytest.raises(ValueError):
        LatencyWindow(window_seconds=1, max_samples=0, clock=FakeClock())
