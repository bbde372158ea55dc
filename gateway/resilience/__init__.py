"""The resilience layer: adapter decorators that keep the gateway up when regions are not —
retries for reads, a circuit breaker per region, a catalogue cache with stale-if-error, call
metrics — and the registry the operator status page reads. `wrap` puts them together."""
