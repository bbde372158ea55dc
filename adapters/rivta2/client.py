"""The scheduling 2 producer over HTTP: SOAP 1.1 (RIVTABP21) calls built and read with lxml.

One call: the request element is checked against the interaction's schema (our 2.0 XSDs), put in
an envelope with the `LogicalAddress` header (2.0 has no Actor header: the actor is in the body)
and POSTed with its SOAPAction to `<base_url>/vp/<Name>/<major>/rivtabp21`, all within the call's
deadline. The answer is read with the hardened envelope reader of `contracts.soap` (no DOCTYPE, no
processing instructions, bounded size and depth); the Body's first child must be the interaction's
response or a Fault. Large answers are parsed and mapped in a worker thread, so that a long list
of free times does not hold up the event loop.

Failures, as `adapters.errors` says them:
- no connection (refused, DNS, TLS, reset before an answer) → RegionUnavailable
- no answer in time (the call's deadline, an HTTP phase timeout, HTTP 504) → RegionTimeout
- SOAP Fault: `Client` → ProducerClientFault (a RegionRejectedRequest), else ProducerServerFault
  (a RegionUnavailable); the fault string is kept, masked of personal identity numbers
- HTTP 4xx / 5xx without a SOAP answer → RegionRejectedRequest / RegionUnavailable
- an answer that cannot be read (not XML, not the response, not the contract's shape) → RegionProtocolError
- a request that does not follow the contract → RegionRejectedRequest, before anything is sent
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import httpx
from lxml import etree

from adapters.errors import (
    AdapterError,
    RegionProtocolError,
    RegionRejectedRequest,
    RegionTimeout,
    RegionUnavailable,
)
from adapters.identifiers import mask_personal_numbers
from contracts.catalogue import Generation, Interaction, by_name
from contracts.schemas import SchemaViolation, schema_for, validate
from contracts.soap import EnvelopeError, Fault, build_envelope, parse_envelope, parse_fault, request_headers

__all__ = [
    "DEFAULT_MAX_ANSWER_BYTES",
    "ProducerClientFault",
    "ProducerFault",
    "ProducerRefusal",
    "ProducerServerFault",
    "Scheduling2Client",
]

T = TypeVar("T")

DEFAULT_MAX_ANSWER_BYTES = 8_000_000
_IN_THREAD_FROM_BYTES = 64 * 1024
_GATEWAY_TIMEOUT = 504
_OK = 200

logger = logging.getLogger(__name__)


class ProducerFault(AdapterError):
    """A SOAP Fault from the producer. `fault_string` is masked; `fault_code` is its local name."""

    def __init__(self, message: str, *, region: str | None, fault_code: str, fault_string: str) -> None:
        super().__init__(message, region=region)
        self.fault_code = fault_code
        self.fault_string = fault_string


class ProducerClientFault(ProducerFault, RegionRejectedRequest):
    """The producer refused the request as invalid (faultcode `Client`)."""


class ProducerServerFault(ProducerFault, RegionUnavailable):
    """The producer failed to handle the request (faultcode `Server` or another)."""


class ProducerRefusal(RegionRejectedRequest):
    """A read that the producer answered with a refusal: `resultCode` ERROR or a specific code,
    with its `resultText` (masked). Writes never raise it: their refusals are `BookingOutcome`s."""

    def __init__(self, message: str, *, region: str | None, result_code: str, result_text: str | None) -> None:
        super().__init__(message, region=region)
        self.result_code = result_code
        self.result_text = result_text


class Scheduling2Client:
    """One producer's scheduling 2 interactions, called over a shared `httpx.AsyncClient`."""

    def __init__(
        self,
        *,
        region: str,
        base_url: str,
        client: httpx.AsyncClient,
        timeout: dt.timedelta,
        endpoint_paths: Mapping[str, str] | None = None,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        validate_requests: bool = True,
    ) -> None:
        if timeout.total_seconds() <= 0:
            raise ValueError("timeout must be positive")
        self.region = region
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._deadline = timeout.total_seconds()
        self._paths = dict(endpoint_paths or {})
        self._max_answer_bytes = max_answer_bytes
        self._validate_requests = validate_requests

    @property
    def http_client(self) -> httpx.AsyncClient:
        """The shared client calls go through (its event hooks see every call)."""
        return self._client

    def address(self, name: str) -> str:
        """Where `name` is called: the base URL + its catalogue path (or a configured one)."""
        return self.base_url + self._paths.get(name, _interaction(name).path)

    async def call(
        self,
        name: str,
        logical_address: str,
        body: etree._Element,
        read: Callable[[etree._Element], T],
        *,
        http_headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send `body` to interaction `name` addressed to `logical_address`; `read` turns the
        response element into the result. Every failure is an `adapters.errors.AdapterError`."""
        interaction = _interaction(name)
        where = f"{name} at {self.region}"
        if body.tag != interaction.request_qname:
            raise ValueError(f"the body is not a {name} request")
        if self._validate_requests:
            try:
                validate(schema_for(interaction), body)
            except SchemaViolation as exc:
                message = f"{where}: the request does not follow the contract: {mask_personal_numbers(str(exc))}"
                raise RegionRejectedRequest(message, region=self.region) from exc
        envelope = build_envelope(body, request_headers(logical_address, None))
        headers = {
            "Content-Type": "text/xml; charset=UTF-8",
            "SOAPAction": f'"{interaction.soap_action}"',
            **(http_headers or {}),
        }
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._client.post(self.address(name), content=envelope, headers=headers)
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            raise _transport_failure(exc, region=self.region, where=where) from exc
        logger.debug("%s answered HTTP %s in %.1f ms", where, response.status_code, _ms(started))
        content = response.content
        if len(content) >= _IN_THREAD_FROM_BYTES:
            return await asyncio.to_thread(self._read, response.status_code, content, interaction, read, where)
        return self._read(response.status_code, content, interaction, read, where)

    def _read(
        self,
        status: int,
        content: bytes,
        interaction: Interaction,
        read: Callable[[etree._Element], T],
        where: str,
    ) -> T:
        answer = self._answer(status, content, interaction, where)
        try:
            return read(answer)
        except ValueError as exc:
            message = f"{where}: unreadable answer: {mask_personal_numbers(str(exc))[:300]}"
            raise RegionProtocolError(message, region=self.region) from exc

    def _answer(self, status: int, content: bytes, interaction: Interaction, where: str) -> etree._Element:
        """The response element, or the error that the HTTP status, a Fault or the content says."""
        problem = "an answer that is not SOAP"
        if content.lstrip()[:1] == b"<":
            try:
                envelope = parse_envelope(content, max_bytes=self._max_answer_bytes)
            except EnvelopeError as exc:
                problem = f"an answer that cannot be read ({exc.kind})"
            else:
                fault = parse_fault(envelope.body)
                if fault is not None:
                    raise _fault(fault, region=self.region, where=where)
                if status == _OK and envelope.body.tag == interaction.response_qname:
                    return envelope.body
                problem = f"an answer that is not a {interaction.name}Response"
        if status == _GATEWAY_TIMEOUT:
            raise RegionTimeout(f"{where}: HTTP {status}, no answer in time", region=self.region)
        if 400 <= status < 500:
            raise RegionRejectedRequest(f"{where}: HTTP {status}", region=self.region)
        if status >= 500:
            raise RegionUnavailable(f"{where}: HTTP {status}", region=self.region)
        raise RegionProtocolError(f"{where}: HTTP {status} with {problem}", region=self.region)


def _interaction(name: str) -> Interaction:
    return by_name(Generation.SCHEDULING_2, name)


def _transport_failure(exc: BaseException, *, region: str, where: str) -> AdapterError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        return RegionUnavailable(f"{where}: could not connect ({type(exc).__name__})", region=region)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return RegionTimeout(f"{where}: no answer in time", region=region)
    return RegionUnavailable(f"{where}: connection failed ({type(exc).__name__})", region=region)


def _fault(fault: Fault, *, region: str, where: str) -> ProducerFault:
    text = mask_personal_numbers(fault.message).strip()
    message = f"{where}: SOAP fault {fault.code or '(no code)'}: {text}"
    if fault.code == "Client":
        return ProducerClientFault(message, region=region, fault_code=fault.code, fault_string=text)
    return ProducerServerFault(message, region=region, fault_code=fault.code, fault_string=text)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
