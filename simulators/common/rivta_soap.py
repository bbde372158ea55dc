"""Serving RIV-TA interactions (SOAP 1.1, RIVTABP21) from a simulated regional system.

What any SOAP producer here needs, whatever its contract generation: one POST endpoint per
interaction at its catalogue path, `GET <path>?wsdl` with absolute addresses, the imported schemas
under `/contracts/wsdl/...`, the hardened envelope reader, routing on the Body's QName (a sent
SOAPAction must agree), validation of the request (and, when asked, of the answer) against the
interaction's schema, and SOAP 1.1 Faults (HTTP 500) for technical errors with a stable kind in
`detail/detailString`. Personal identity numbers never reach a fault text or a log line.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from lxml import etree

from contracts.catalogue import Interaction, by_body_qname
from contracts.publish import SCHEMA_PATH_PREFIX, published_wsdl, schema_file
from contracts.schemas import SchemaViolation, schema_for, validate
from contracts.soap import EnvelopeError, ParsedEnvelope, build_envelope, build_fault, parse_envelope

__all__ = [
    "SOAP_CONTENT_TYPE",
    "Handler",
    "SoapFault",
    "add_soap_interaction",
    "install_contract_files",
    "mask_personal_numbers",
]

SOAP_CONTENT_TYPE = "text/xml; charset=utf-8"

logger = logging.getLogger("simulators.rivta_soap")

_QUOTED_VALUE = re.compile(r"(value ')[^']*(')")
_LONG_NUMBER = re.compile(r"\d{6,}[-+]?[\dpPtTfF]?\d*")


def mask_personal_numbers(text: str) -> str:
    """Hide anything in a (libxml2) message that could be a personal identity number."""
    return _LONG_NUMBER.sub("************", _QUOTED_VALUE.sub(r"\1***\2", text))


class SoapFault(Exception):
    """A technical error, answered with a SOAP 1.1 Fault. `kind` is stable and machine-readable
    (it goes into `detail/detailString`); `message` is the fault string; `code` Client or Server."""

    def __init__(self, kind: str, message: str, *, code: str = "Client") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code


# The work of one interaction: the parsed, schema-valid request -> the response body element.
# It runs in a worker thread (it may block on the database).
Handler = Callable[[ParsedEnvelope], etree._Element]


def _fault_response(fault: SoapFault) -> Response:
    return Response(build_fault(fault.code, fault.message, fault.kind), status_code=500, media_type=SOAP_CONTENT_TYPE)


def install_contract_files(app: FastAPI) -> None:
    """`GET /contracts/wsdl/<path>`: the schemas and WSDLs that served WSDLs import."""

    @app.get(SCHEMA_PATH_PREFIX + "/{relative_path:path}", tags=["wsdl"])
    async def contract_file(relative_path: str) -> Response:
        content = schema_file(relative_path)
        if content is None:
            return PlainTextResponse("no such schema", status_code=404)
        return Response(content, media_type=SOAP_CONTENT_TYPE)


def add_soap_interaction(
    app: FastAPI,
    interaction: Interaction,
    handler: Handler,
    *,
    public_base_url: str | None = None,
    validate_responses: bool = True,
) -> None:
    """Serve `interaction` at its catalogue path: POST for calls, GET `?wsdl` for its WSDL."""
    app.add_api_route(interaction.path, _wsdl_endpoint(interaction, public_base_url), methods=["GET"], tags=["wsdl"])
    app.add_api_route(
        interaction.path,
        _soap_endpoint(interaction, handler, validate_responses),
        methods=["POST"],
        tags=["soap"],
        summary=interaction.soap_action,
    )


def _wsdl_endpoint(interaction: Interaction, public_base_url: str | None) -> Callable[[Request], Awaitable[Response]]:
    async def wsdl(request: Request) -> Response:
        if not any(key.lower() == "wsdl" for key in request.query_params):
            return PlainTextResponse(f"SOAP endpoint for {interaction.name}; GET ?wsdl for its WSDL.", status_code=404)
        base_url = public_base_url or str(request.base_url)
        return Response(published_wsdl(interaction, base_url), media_type=SOAP_CONTENT_TYPE)

    wsdl.__name__ = f"wsdl_{interaction.name}"
    return wsdl


def _soap_endpoint(
    interaction: Interaction, handler: Handler, validate_responses: bool
) -> Callable[[Request], Awaitable[Response]]:
    schema = schema_for(interaction)

    def read(data: bytes, soap_action: str) -> ParsedEnvelope:
        try:
            envelope = parse_envelope(data)
        except EnvelopeError as error:
            raise SoapFault(error.kind, f"Meddelandet kunde inte läsas: {error}") from error
        if by_body_qname(envelope.body.tag) is not interaction:
            raise SoapFault("wrong-interaction", f"Meddelandet hör inte till tjänsten {interaction.name}.")
        if soap_action and soap_action != interaction.soap_action:
            raise SoapFault("soap-action-mismatch", f"SOAPAction stämmer inte med {interaction.name}.")
        try:
            validate(schema, envelope.body)
        except SchemaViolation as error:
            raise SoapFault(
                "invalid-message", f"Meddelandet följer inte tjänstekontraktet: {mask_personal_numbers(str(error))}"
            ) from error
        return envelope

    def work(data: bytes, soap_action: str) -> bytes:
        answer = handler(read(data, soap_action))
        if validate_responses:
            try:
                validate(schema, answer)
            except SchemaViolation as error:
                logger.error("%s: own answer invalid: %s", interaction.name, mask_personal_numbers(str(error)))
                raise SoapFault("internal-error", "Tekniskt fel i tidboken.", code="Server") from error
        return build_envelope(answer)

    async def soap(request: Request) -> Response:
        started = time.perf_counter()
        data = await request.body()
        soap_action = request.headers.get("soapaction", "").strip().strip('"')
        try:
            content = await run_in_threadpool(work, data, soap_action)
        except SoapFault as fault:
            logger.info("%s fault %s (%.1f ms)", interaction.name, fault.kind, _ms(started))
            return _fault_response(fault)
        except Exception:
            logger.exception("%s failed", interaction.name)
            return _fault_response(SoapFault("internal-error", "Tekniskt fel i tidboken.", code="Server"))
        logger.info("%s answered (%.1f ms)", interaction.name, _ms(started))
        return Response(content, media_type=SOAP_CONTENT_TYPE)

    soap.__name__ = f"soap_{interaction.name}"
    return soap


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
