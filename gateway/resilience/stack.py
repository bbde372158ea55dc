"""The layers put together around one region's adapter, and the registry the operator view reads.

    wrap(adapter) = Caching(Retrying(Breaking(Measured(Deadline(adapter)))))

Applied in the order metrics → breaker → retry → cache, i.e. from the inside out, with the retry
layer's deadline enforced beneath them all:

- deadline, innermost: the retry layer (or any caller, with `call_deadline`) publishes when a call
  must end; the cut is made here and raised as `RegionTimeout`, so the layers above see a region
  that did not answer in time rather than a cancellation that says nothing about it.
- metrics: it times what the region itself does, each attempt a call of its own, so latency and
  error rate describe the region, not our retries, waits or cache hits.
- breaker, around it: every attempt is a call to the region, so every failed attempt counts
  towards opening, and an open breaker stops a retry loop at once (`RegionCircuitOpen` is not
  retried) instead of spending the deadline on a region known to be down.
- retry, around the breaker: one read becomes a few attempts, all within one deadline.
- cache, outermost: a fresh answer is served without touching the region, the breaker or the
  retry budget; and stale-if-error sees the final failure — after retries, and also when the
  breaker is open, which is exactly when a stale catalogue is most useful.

Writes pass through retry and cache untouched; they are measured and guarded by the breaker (an
open breaker fails a write fast, and the write certainly did not happen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.interface import RegionAdapter
from gateway.resilience.breaker import BreakerState, BreakingAdapter, CircuitBreaker
from gateway.resilience.catalogue_cache import CachingAdapter, CatalogueCache
from gateway.resilience.clock import Clock, SystemClock
from gateway.resilience.deadline import DeadlineAdapter
from gateway.resilience.decorator import decorate
from gateway.resilience.metrics import AdapterMetrics, MeasuredAdapter, PrometheusFamilies
from gateway.resilience.retry import RetryingAdapter
from gateway.resilience.settings import ResilienceSettings

__all__ = ["RegionResilience", "ResilienceRegistry", "wrap"]


@dataclass(frozen=True, slots=True)
class RegionResilience:
    """One wrapped adapter: what it wraps, what it is, and its breaker, metrics and cache."""

    region: str
    adapter_name: str
    kind: str
    inner: RegionAdapter
    adapter: RegionAdapter
    breaker: CircuitBreaker
    metrics: AdapterMetrics
    cache: CatalogueCache


class ResilienceRegistry:
    """Every wrapped adapter by (region code, adapter name), and the Prometheus registry their
    metrics live in (a registry of its own unless one is given, never the global default)."""

    def __init__(self, prometheus: CollectorRegistry | None = None) -> None:
        self.prometheus = prometheus if prometheus is not None else CollectorRegistry()
        self.families = PrometheusFamilies(self.prometheus)
        self._entries: dict[tuple[str, str], RegionResilience] = {}
        self.prometheus.register(_BreakerCollector(self))

    def get(self, region: str, adapter_name: str) -> RegionResilience | None:
        return self._entries.get((region, adapter_name))

    def register(self, entry: RegionResilience) -> None:
        self._entries[(entry.region, entry.adapter_name)] = entry

    def __iter__(self) -> Iterator[RegionResilience]:
        return iter(sorted(self._entries.values(), key=lambda e: (e.region, e.adapter_name)))

    def __len__(self) -> int:
        return len(self._entries)


def wrap(
    adapter: RegionAdapter,
    *,
    region_code: str,
    adapter_name: str,
    settings: ResilienceSettings,
    registry: ResilienceRegistry,
    clock: Clock | None = None,
) -> RegionAdapter:
    """`adapter` behind metrics, breaker, retry and cache, registered under (region_code, adapter_name).

    Idempotent: wrapping the same adapter object for the same region and name again returns the
    wrapper already registered (with its breaker state and cache), so it is cheap to call on every
    request. A different adapter object under the same key replaces the entry."""
    existing = registry.get(region_code, adapter_name)
    if existing is not None and existing.inner is adapter:
        return existing.adapter
    clock = clock or SystemClock()
    metrics = AdapterMetrics(
        region=region_code,
        adapter=adapter_name,
        families=registry.families,
        window_seconds=settings.metrics_window_seconds,
        max_samples=settings.metrics_window_max_samples,
        clock=clock,
    )
    breaker = CircuitBreaker(
        f"{region_code}/{adapter_name}",
        failure_threshold=settings.breaker_failure_threshold,
        recovery_seconds=settings.breaker_recovery_seconds,
        clock=clock,
        region=region_code,
    )
    cache = CatalogueCache(
        ttl=settings.cache_ttl_seconds,
        max_stale=settings.cache_max_stale_seconds,
        max_entries=settings.cache_max_entries,
        clock=clock,
    )
    cut = decorate(DeadlineAdapter, adapter, clock=clock, region=region_code)
    measured = decorate(MeasuredAdapter, cut, metrics=metrics, clock=clock)
    guarded = decorate(BreakingAdapter, measured, breaker=breaker)
    retried = decorate(
        RetryingAdapter,
        guarded,
        attempts=settings.retry_attempts,
        initial_backoff=settings.retry_initial_backoff_seconds,
        max_backoff=settings.retry_max_backoff_seconds,
        deadline=settings.retry_deadline_seconds,
        clock=clock,
        region=region_code,
    )
    cached = decorate(
        CachingAdapter, retried, cache=cache, adapter_name=adapter_name, region=region_code, observe=metrics.count_cache
    )
    registry.register(
        RegionResilience(region_code, adapter_name, adapter.kind, adapter, cached, breaker, metrics, cache)
    )
    return cached


class _BreakerCollector(Collector):
    """Breaker state read at scrape time, so an open breaker past its recovery time shows half-open."""

    def __init__(self, registry: ResilienceRegistry) -> None:
        self._registry = registry

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        labels = ["region", "adapter"]
        state = GaugeMetricFamily(
            "tidbok_region_breaker_state",
            "1 for the breaker's current state (closed, open, half-open), 0 for the others.",
            labels=[*labels, "state"],
        )
        failures = GaugeMetricFamily(
            "tidbok_region_breaker_consecutive_failures",
            "Consecutive failed calls counted by the breaker.",
            labels=labels,
        )
        short_circuits = CounterMetricFamily(
            "tidbok_region_breaker_short_circuits", "Calls failed fast by an open breaker.", labels=labels
        )
        opened = CounterMetricFamily("tidbok_region_breaker_opened", "Times the breaker opened.", labels=labels)
        for entry in self._registry:
            snapshot = entry.breaker.snapshot()
            key = [entry.region, entry.adapter_name]
            for candidate in BreakerState:
                state.add_metric([*key, candidate.value], 1.0 if snapshot.state is candidate else 0.0)
            failures.add_metric(key, snapshot.failure_count)
            short_circuits.add_metric(key, snapshot.short_circuited)
            opened.add_metric(key, snapshot.times_opened)
        return [state, failures, short_circuits, opened]
