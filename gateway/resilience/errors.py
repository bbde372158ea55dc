"""The one exception the resilience layer adds to `adapters.errors`."""

from __future__ import annotations

from adapters.errors import RegionUnavailable

__all__ = ["RegionCircuitOpen"]


class RegionCircuitOpen(RegionUnavailable):
    """The region's circuit breaker is open: the call failed fast and never reached the region.

    A `RegionUnavailable`, so every caller that handles an unreachable region handles this too, and
    a write that fails this way certainly did not happen."""

    def __init__(self, message: str, *, region: str | None = None, breaker: str, retry_after: float) -> None:
        super().__init__(message, region=region)
        self.breaker = breaker
        self.retry_after = retry_after
