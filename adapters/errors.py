"""Exceptions an adapter raises. A refusal by the region (slot taken, too late) is not an exception:
it is a `BookingOutcome` with `ResultCode.ERROR`. These are for calls that did not complete."""

from __future__ import annotations

__all__ = [
    "AdapterError",
    "RegionProtocolError",
    "RegionRejectedRequest",
    "RegionTimeout",
    "RegionUnavailable",
]


class AdapterError(Exception):
    """Base class: the region's system could not answer the call."""

    def __init__(self, message: str, *, region: str | None = None) -> None:
        super().__init__(message)
        self.region = region


class RegionUnavailable(AdapterError):
    """The region's system could not be reached (connection refused, DNS, TLS, 5xx)."""


class RegionTimeout(AdapterError):
    """The region's system did not answer in time. A write may or may not have happened."""


class RegionProtocolError(AdapterError):
    """The region answered something the adapter cannot read (bad XML, unexpected shape)."""


class RegionRejectedRequest(AdapterError):
    """The region refused the request as technically invalid (SOAP client fault, HTTP 4xx)."""
