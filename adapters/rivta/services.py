"""The producer's interactions as zeep proxies: loaded once each, on first use, and called with the
RIVTABP21 headers. zeep builds and sends the request; the answer is read here with lxml (the
hardened envelope reader, then the interaction's schema): zeep's own reading of an answer cost
about 85 µs per free time, more than everything else the gateway does with it.

Each interaction has its own WSDL (`<base_url>/vp/<Name>/1/rivtabp21?wsdl`, or a local file). zeep
reads a WSDL synchronously; so the document is built in a worker thread, and every file it needs is
fetched with the adapter's own async HTTP client on the event loop (never a second, blocking
client), only from the producer's own origin. The proxy is an `AsyncServiceProxy` bound to the
interaction's binding and the configured address, whatever address the WSDL names.

Per-call HTTP headers (original consumer, correlation id) go through a zeep plugin that reads a
context variable, so concurrent calls on one event loop never see each other's headers (zeep's own
`settings(extra_http_headers=…)` is thread-local, not task-local).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from lxml import etree
from zeep import AsyncClient, Plugin, Settings
from zeep.exceptions import ExternalReferenceForbidden, TransportError
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl.utils import etree_to_string

from adapters.errors import RegionProtocolError
from adapters.identifiers import mask_personal_numbers
from adapters.rivta.failures import fault_error, http_status_error, translate
from contracts.catalogue import Generation, Interaction, by_name
from contracts.schemas import SchemaViolation, schema_for, validate
from contracts.soap import EnvelopeError, parse_envelope, parse_fault

__all__ = ["MAX_ANSWER_BYTES", "ServiceDirectory", "UnexpectedAnswer", "read_answer"]

_OK = 200
# an answer may list thousands of free times (~650 bytes each); the request limit (1 MB) is far too small
MAX_ANSWER_BYTES = 64_000_000

_call_headers: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "rivta_call_headers", default=None
)


class _CallHeaders(Plugin):
    """Adds the current call's HTTP headers to the outgoing request."""

    def egress(
        self, envelope: Any, http_headers: dict[str, str], operation: Any, binding_options: Any
    ) -> tuple[Any, dict[str, str]]:
        extra = _call_headers.get()
        if extra:
            http_headers.update(extra)
        return envelope, http_headers


class UnexpectedAnswer(ValueError):
    """The producer answered with something other than the interaction's response or a Fault."""


def read_answer(interaction: Interaction, status: int, content: bytes, *, region: str) -> etree._Element:
    """The response element of a producer's answer, checked against the interaction's schema. A
    Fault, an HTTP error and anything unreadable raise the `adapters.errors` error they mean."""
    where = f"{interaction.name} at {region}"
    if not content:
        if status == _OK:
            raise RegionProtocolError(f"{where}: an empty answer", region=region)
        raise http_status_error(status, region=region, where=where)
    try:
        envelope = parse_envelope(content, max_bytes=MAX_ANSWER_BYTES)
    except EnvelopeError as exc:
        if status != _OK:
            raise http_status_error(status, region=region, where=where) from exc
        raise RegionProtocolError(
            f"{where}: the answer is not a SOAP 1.1 envelope ({exc.kind})", region=region
        ) from exc
    fault = parse_fault(envelope.body)
    if fault is not None:
        raise fault_error(fault.code, fault.message, region=region, where=where)
    if status != _OK:
        raise http_status_error(status, region=region, where=where)
    if envelope.body.tag != interaction.response_qname:
        raise UnexpectedAnswer(f"the answer to {interaction.name} is not a {interaction.name}Response")
    try:
        validate(schema_for(interaction), envelope.body)
    except SchemaViolation as exc:
        message = mask_personal_numbers(str(exc))[:300]
        raise RegionProtocolError(f"{where}: the answer breaks the contract: {message}", region=region) from exc
    return envelope.body


@contextmanager
def _headers_for_call(headers: Mapping[str, str]) -> Iterator[None]:
    token = _call_headers.set(headers)
    try:
        yield
    finally:
        _call_headers.reset(token)


class _Transport(AsyncTransport):
    """zeep's async transport over a given client. WSDL and schema files are fetched with the same
    client on `loop` (the caller is a worker thread), from `origin` only, each once. Message bodies
    are not logged (they hold personal identity numbers)."""

    def __init__(self, client: httpx.AsyncClient, *, origin: str | None) -> None:
        # AsyncTransport.__init__ would replace the client's headers and open a second, blocking client.
        self._close_session = False
        self.cache = None
        self.client = client
        self.wsdl_client = None
        self.logger = logging.getLogger(__name__)
        self._origin = origin
        self._documents: dict[str, bytes] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def _load_remote_data(self, url: str) -> bytes:
        if url in self._documents:
            return self._documents[url]
        if self._origin is None or _origin(url) != self._origin:
            raise ExternalReferenceForbidden(f"refusing to fetch a document outside the producer: {url}")  # type: ignore[no-untyped-call]
        if self._loop is None:
            raise RuntimeError("the transport has no event loop to fetch on")
        future = asyncio.run_coroutine_threadsafe(self.client.get(url), self._loop)
        response: httpx.Response = future.result()
        if response.status_code != httpx.codes.OK:
            raise TransportError(f"HTTP {response.status_code} for {url}", status_code=response.status_code)  # type: ignore[no-untyped-call]
        self._documents[url] = response.content
        return response.content

    async def post(self, address: str, message: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.client.post(address, content=message, headers=headers)

    async def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> httpx.Response:
        """The HTTP answer as it came (zeep would copy it into a `requests.Response`)."""
        return await self.post(address, etree_to_string(envelope), headers)  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        """The client belongs to the adapter, which closes it."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ServiceDirectory:
    """One producer's crm:scheduling 1.1 interactions, each loaded once and kept."""

    def __init__(
        self,
        *,
        region: str,
        base_url: str,
        client: httpx.AsyncClient,
        timeout: dt.timedelta,
        wsdl_dir: Path | None = None,
        endpoint_paths: Mapping[str, str] | None = None,
    ) -> None:
        self.region = region
        self.base_url = base_url.rstrip("/")
        self._client = client
        self._deadline = timeout.total_seconds()
        self._wsdl_dir = wsdl_dir
        self._paths = dict(endpoint_paths or {})
        self._transport = _Transport(client, origin=None if wsdl_dir else _origin(self.base_url))
        self._call_headers = _CallHeaders()
        self._proxies: dict[str, AsyncServiceProxy] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def address(self, name: str) -> str:
        """Where the interaction is called: the base URL + its path (configurable per interaction)."""
        return self.base_url + self._paths.get(name, _interaction(name).path)

    def wsdl_location(self, name: str) -> str:
        interaction = _interaction(name)
        if self._wsdl_dir is not None:
            relative = interaction.wsdl_file.relative_to(interaction.wsdl_file.parents[2])
            return str(self._wsdl_dir / relative)
        return self.address(name) + "?wsdl"

    @property
    def loaded(self) -> frozenset[str]:
        return frozenset(self._proxies)

    async def proxy(self, name: str) -> AsyncServiceProxy:
        """The interaction's proxy, loading its WSDL the first time (concurrent first calls load once)."""
        found = self._proxies.get(name)
        if found is not None:
            return found
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            found = self._proxies.get(name)
            if found is None:
                try:
                    found = await self._load(name)
                except Exception as exc:
                    raise translate(exc, region=self.region, interaction=name) from exc
                self._proxies[name] = found
        return found

    async def _load(self, name: str) -> AsyncServiceProxy:
        self._transport.bind_loop(asyncio.get_running_loop())
        location = self.wsdl_location(name)
        # raw_response: zeep builds and sends the request; `read_answer` reads what comes back
        settings = Settings(
            strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=False, raw_response=True
        )
        interaction = _interaction(name)
        client = await asyncio.to_thread(
            AsyncClient, location, transport=self._transport, settings=settings, plugins=[self._call_headers]
        )
        binding_name = f"{{{interaction.wsdl_target_namespace}}}{name}ResponderBinding"
        binding = client.wsdl.bindings[binding_name]
        return AsyncServiceProxy(client, binding, address=self.address(name))  # type: ignore[no-untyped-call]

    async def call(
        self, name: str, body: Mapping[str, Any], *, soap_headers: Mapping[str, Any], http_headers: Mapping[str, str]
    ) -> etree._Element:
        """Call `name` with `body` (element name → value); the response element, schema-valid.
        Every failure is an `adapters.errors.AdapterError`."""
        proxy = await self.proxy(name)
        operation = proxy[name]
        try:
            with _headers_for_call(http_headers):
                async with asyncio.timeout(self._deadline):
                    response: httpx.Response = await operation(**body, _soapheaders=dict(soap_headers))
            return read_answer(_interaction(name), response.status_code, response.content, region=self.region)
        except Exception as exc:
            raise translate(exc, region=self.region, interaction=name) from exc


def _interaction(name: str) -> Interaction:
    return by_name(Generation.CRM_SCHEDULING_1, name)
