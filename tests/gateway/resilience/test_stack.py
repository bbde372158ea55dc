"""The composed stack: the order of the layers shows in what each one sees, and the registry
lists every wrapped adapter's breaker and metrics for the operator."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from pydantic import ValidationError

from adapters.errors import RegionTimeout, RegionUnavailable
from adapters.interface import ConfirmingAdapter, RegionAdapter
from gateway.resilience import (
    BreakerState,
    CacheServe,
    RegionCircuitOpen,
    ResilienceRegistry,
    ResilienceSettings,
    SystemClock,
    cache_report,
    call_deadline,
    wrap,
)
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock, FakeConfirmingAdapter
from tests.gateway.resilience.requests import WRITES, call

SETTINGS = ResilienceSettings(
    retry_attempts=3,
    retry_initial_backoff_seconds=0.1,
    retry_max_backoff_seconds=0.5,
    retry_deadline_seconds=10,
    breaker_failure_threshold=4,
    breaker_recovery_seconds=30,
    cache_ttl_seconds=60,
    cache_max_stale_seconds=3600,
)


class Harness:
    def __init__(self, settings: ResilienceSettings = SETTINGS, inner: FakeAdapter | None = None) -> None:
        self.clock = FakeClock()
        self.inner = inner or FakeAdapter(self.clock, latency=0.01)
        self.registry = ResilienceRegistry()
        self.adapter = wrap(
            self.inner,
            region_code="01",
            adapter_name="sthlm",
            settings=settings,
            registry=self.registry,
            clock=self.clock,
        )
        entry = self.registry.get("01", "sthlm")
        assert entry is not None
        self.entry = entry


async def test_the_wrapper_is_a_region_adapter_of_the_same_kind_with_the_same_capabilities() -> None:
    plain, confirming = Harness(), Harness(inner=FakeConfirmingAdapter())
    assert isinstance(plain.adapter, RegionAdapter) and plain.adapter.kind == "fake"
    assert not isinstance(plain.adapter, ConfirmingAdapter)
    assert isinstance(confirming.adapter, ConfirmingAdapter)
    assert (await call(confirming.adapter, "confirm_booking")).succeeded
    assert confirming.inner.count("confirm_booking") == 1


async def test_wrapping_is_idempotent_per_region_and_adapter() -> None:
    h = Harness()
    again = wrap(h.inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=h.registry, clock=h.clock)
    assert again is h.adapter
    other_region = wrap(h.inner, region_code="03", adapter_name="sthlm", settings=SETTINGS, registry=h.registry)
    assert other_region is not h.adapter
    rebuilt_inner = FakeAdapter()
    rebuilt = wrap(rebuilt_inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=h.registry)
    assert rebuilt is not h.adapter
    assert [(e.region, e.adapter_name) for e in h.registry] == [("01", "sthlm"), ("03", "sthlm")]
    assert len(h.registry) == 2
    replaced = h.registry.get("01", "sthlm")
    assert replaced is not None and replaced.inner is rebuilt_inner and replaced.kind == "fake"


async def test_metrics_see_every_attempt_and_the_breaker_counts_them() -> None:
    h = Harness()
    h.inner.fail_next(RegionUnavailable("a"), RegionUnavailable("b"))
    await call(h.adapter, "get_available_timeslots")
    stats = h.entry.metrics.stats()
    assert stats.outcomes == {"ok": 1, "unavailable": 2}
    assert stats.window.p50 == pytest.approx(0.01)  # the region's time, not our waits
    assert len(h.clock.sleeps) == 2
    assert h.entry.breaker.snapshot().failure_count == 0  # the last attempt succeeded


async def test_an_opening_breaker_stops_the_retries_at_once() -> None:
    h = Harness(SETTINGS.model_copy(update={"retry_attempts": 10, "breaker_failure_threshold": 2}))
    h.inner.fail_always(lambda: RegionUnavailable("down"))
    with pytest.raises(RegionCircuitOpen):
        await call(h.adapter, "get_available_dates")
    assert h.inner.count("get_available_dates") == 2
    assert len(h.clock.sleeps) == 2  # after attempt 1 and 2; the third attempt failed fast
    assert h.entry.breaker.snapshot().short_circuited == 1
    calls = len(h.inner.calls)
    with pytest.raises(RegionCircuitOpen):
        await call(h.adapter, "get_schedule")
    assert len(h.inner.calls) == calls


async def test_a_region_that_hangs_opens_the_breaker_through_deadline_cuts() -> None:
    settings = SETTINGS.model_copy(
        update={"retry_attempts": 1, "retry_deadline_seconds": 0.05, "breaker_failure_threshold": 2}
    )
    inner = FakeAdapter()
    inner.gate = asyncio.Event()  # the region never answers
    registry = ResilienceRegistry()
    adapter = wrap(inner, region_code="01", adapter_name="sthlm", settings=settings, registry=registry)
    entry = registry.get("01", "sthlm")
    assert entry is not None
    for _ in range(2):
        with pytest.raises(RegionTimeout):
            await call(adapter, "get_available_timeslots")
    assert entry.breaker.snapshot().state is BreakerState.OPEN
    assert entry.metrics.stats().outcomes == {"timeout": 2}
    with pytest.raises(RegionCircuitOpen):
        await call(adapter, "get_available_timeslots")
    assert inner.count("get_available_timeslots") == 2


async def test_a_callers_shorter_deadline_is_a_counted_timeout_too() -> None:
    clock = SystemClock()
    inner = FakeAdapter()
    inner.gate = asyncio.Event()
    registry = ResilienceRegistry()
    adapter = wrap(inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=registry, clock=clock)
    entry = registry.get("01", "sthlm")
    assert entry is not None
    started = time.monotonic()
    with call_deadline(0.05, clock), pytest.raises(RegionTimeout):  # e.g. a fan-out's per-region deadline
        await call(adapter, "get_schedule")
    assert time.monotonic() - started < 1.0  # not the 10 s of the retry deadline
    assert entry.metrics.stats().outcomes == {"timeout": 1}
    assert entry.breaker.snapshot().failure_count == 1


async def test_a_stale_catalogue_is_served_while_the_breaker_is_open() -> None:
    h = Harness(SETTINGS.model_copy(update={"breaker_recovery_seconds": 600}))
    first = await call(h.adapter, "get_time_types")
    h.inner.fail_always(lambda: RegionUnavailable("down"))
    for _ in range(2):
        with pytest.raises(RegionUnavailable):
            await call(h.adapter, "get_available_timeslots")
    assert h.entry.breaker.state is BreakerState.OPEN
    h.clock.advance(120)  # past the TTL, within the stale window
    calls = len(h.inner.calls)
    with cache_report() as report:
        assert await call(h.adapter, "get_time_types") == first
    assert len(h.inner.calls) == calls
    assert [(n.served, n.failure) for n in report.notes] == [(CacheServe.STALE, "RegionCircuitOpen")]


async def test_a_fresh_catalogue_answer_touches_neither_region_nor_breaker_nor_metrics() -> None:
    h = Harness()
    await call(h.adapter, "get_care_types")
    await call(h.adapter, "get_care_types")
    assert h.inner.count("get_care_types") == 1
    assert h.entry.metrics.stats().calls == 1


@pytest.mark.parametrize("operation", WRITES)
async def test_writes_are_measured_and_guarded_but_never_retried(operation: str) -> None:
    h = Harness()
    h.inner.fail_next(RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await call(h.adapter, operation)
    assert h.inner.count(operation) == 1
    assert h.entry.metrics.stats().outcomes == {"unavailable": 1}
    assert h.entry.breaker.snapshot().failure_count == 1


async def test_breaker_state_is_scraped_from_the_registry() -> None:
    prometheus = CollectorRegistry()
    registry = ResilienceRegistry(prometheus)
    clock = FakeClock()
    inner = FakeAdapter()
    adapter = wrap(inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=registry, clock=clock)
    inner.fail_always(lambda: RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await call(adapter, "get_booking")  # three failed attempts
    with pytest.raises(RegionCircuitOpen):
        await call(adapter, "get_booking")  # the fourth opens the breaker; the retry after it fails fast
    assert inner.count("get_booking") == 4

    def state(name: str) -> float | None:
        return prometheus.get_sample_value(
            "tidbok_region_breaker_state", {"region": "01", "adapter": "sthlm", "state": name}
        )

    assert (state("closed"), state("open"), state("half-open")) == (0.0, 1.0, 0.0)
    labels = {"region": "01", "adapter": "sthlm"}
    assert prometheus.get_sample_value("tidbok_region_breaker_short_circuits_total", labels) == 1.0
    assert prometheus.get_sample_value("tidbok_region_breaker_opened_total", labels) == 1.0
    assert prometheus.get_sample_value("tidbok_region_breaker_consecutive_failures", labels) == 4.0
    clock.advance(30)
    assert state("half-open") == 1.0
    text = generate_latest(prometheus).decode()
    assert (
        'tidbok_region_calls_total{adapter="sthlm",operation="get_booking",outcome="unavailable",region="01"} 4.0'
        in text
    )


async def test_closing_the_wrapper_closes_the_adapter() -> None:
    h = Harness()
    await h.adapter.aclose()
    assert h.inner.closed


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        ResilienceSettings(retry_initial_backoff_seconds=2, retry_max_backoff_seconds=1)
    with pytest.raises(ValidationError):
        ResilienceSettings(breaker_failure_threshold=0)
    with pytest.raises(ValidationError):
        ResilienceSettings(unknown_knob=1)  # type: ignore[call-arg]
