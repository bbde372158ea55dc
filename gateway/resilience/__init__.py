"""The resilience layer: adapter decorators that keep the gateway up when regions are not —
retries for reads, a circuit breaker per region, a catalogue cache with stale-if-error, call
metrics — and the registry the operator status page reads. `wrap` puts them together."""

from gateway.resilience.breaker import BreakerSnapshot, BreakerState, CircuitBreaker
from gateway.resilience.catalogue_cache import CacheNote, CacheReport, CacheServe, cache_report
from gateway.resilience.clock import Clock, SystemClock
from gateway.resilience.deadline import call_deadline
from gateway.resilience.errors import RegionCircuitOpen
from gateway.resilience.settings import ResilienceSettings
from gateway.resilience.stack import RegionResilience, ResilienceRegistry, wrap

__all__ = [
    "BreakerSnapshot",
    "BreakerState",
    "CacheNote",
    "CacheReport",
    "CacheServe",
    "CircuitBreaker",
    "Clock",
    "RegionCircuitOpen",
    "RegionResilience",
    "ResilienceRegistry",
    "ResilienceSettings",
    "SystemClock",
    "cache_report",
    "call_deadline",
    "wrap",
]
