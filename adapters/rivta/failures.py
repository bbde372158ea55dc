"""What went wrong in a call to the producer, as `adapters.errors` says it.

- no connection (refused, DNS, TLS, reset before an answer) → RegionUnavailable
- no answer in time (read timeout, the call's deadline, HTTP 504 from an intermediary) → RegionTimeout
- SOAP Fault: `Client` fault → RegionRejectedRequest, any other → RegionUnavailable; both keep
  the fault string, masked of personal identity numbers (libxml2 and producers quote values)
- HTTP 4xx/5xx without a SOAP answer → RegionRejectedRequest / RegionUnavailable
- an answer that cannot be read (not XML, not the contract's shape) → RegionProtocolError
"""

from __future__ import annotations

import httpx
from zeep import exceptions as zeep_errors

from adapters.errors import (
    AdapterError,
    RegionProtocolError,
    RegionRejectedRequest,
    RegionTimeout,
    RegionUnavailable,
)
from adapters.identifiers import mask_personal_numbers

__all__ = [
    "ProducerClientFault",
    "ProducerFault",
    "ProducerServerFault",
    "fault_error",
    "http_status_error",
    "translate",
]

_GATEWAY_TIMEOUT = 504


class ProducerFault(AdapterError):
    """A SOAP Fault from the producer. `fault_string` is masked; `fault_code` is as sent."""

    def __init__(self, message: str, *, region: str | None, fault_code: str | None, fault_string: str) -> None:
        super().__init__(message, region=region)
        self.fault_code = fault_code
        self.fault_string = fault_string


class ProducerClientFault(ProducerFault, RegionRejectedRequest):
    """The producer refused the request as invalid (faultcode `Client`)."""


class ProducerServerFault(ProducerFault, RegionUnavailable):
    """The producer failed to handle the request (faultcode `Server` or none)."""


def translate(exc: BaseException, *, region: str | None, interaction: str) -> AdapterError:
    """The adapter error for `exc`, raised while calling `interaction` at `region`."""
    where = f"{interaction} at {region or 'the region'}"
    if isinstance(exc, AdapterError):
        return exc
    if isinstance(exc, zeep_errors.Fault):
        return fault_error(exc.code, str(exc.message or ""), region=region, where=where)
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return RegionUnavailable(f"{where}: could not connect ({type(exc).__name__})", region=region)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return RegionTimeout(f"{where}: no answer in time", region=region)
    if isinstance(exc, httpx.TransportError):
        return RegionUnavailable(f"{where}: connection failed ({type(exc).__name__})", region=region)
    if isinstance(exc, zeep_errors.TransportError):
        return http_status_error(exc.status_code, region=region, where=where)
    if isinstance(exc, zeep_errors.Error | ValueError):
        message = mask_personal_numbers(str(exc))[:300]
        return RegionProtocolError(f"{where}: unreadable answer: {message}", region=region)
    return RegionProtocolError(f"{where}: unexpected {type(exc).__name__}", region=region)


def fault_error(code: str | None, fault_string: str, *, region: str | None, where: str) -> ProducerFault:
    """A SOAP Fault as the adapter error it means (`Client` → rejected, anything else → unavailable)."""
    text = mask_personal_numbers(fault_string).strip()
    local = (code or "").rsplit(":", 1)[-1]
    message = f"{where}: SOAP fault {local or '(no code)'}: {text}"
    if local == "Client":
        return ProducerClientFault(message, region=region, fault_code=code, fault_string=text)
    return ProducerServerFault(message, region=region, fault_code=code, fault_string=text)


def http_status_error(status: int, *, region: str | None, where: str) -> AdapterError:
    """An HTTP status without a SOAP answer as the adapter error it means."""
    if status == _GATEWAY_TIMEOUT:
        return RegionTimeout(f"{where}: HTTP {status}, no answer in time", region=region)
    if 400 <= status < 500:
        return RegionRejectedRequest(f"{where}: HTTP {status}", region=region)
    if status >= 500:
        return RegionUnavailable(f"{where}: HTTP {status}", region=region)
    return RegionProtocolError(f"{where}: HTTP {status} with an answer that is not SOAP", region=region)
