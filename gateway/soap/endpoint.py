"""SOAP endpoints: every interaction at its own path, `?wsdl` on GET, hardened parsing, schema
validation, dispatch by Body element, and SOAP 1.1 Faults with stable fault strings."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from fastapi import APIRouter, Request, Response
from lxml import etree

from adapters.domain import Actor, ActorRole, RequestContext
from adapters.identifiers import InvalidIdentifier, PersonalIdentity, mask_personal_numbers
from contracts.catalogue import Generation, Interaction, by_body_qname
from contracts.publish import SCHEMA_PATH_PREFIX, published_wsdl, schema_file
from contracts.schemas import SchemaViolation, schema_for, validate
from contracts.soap import ActorHeader, EnvelopeError, ParsedEnvelope, build_envelope, build_fault, parse_envelope
from gateway.codec.xml import DecodeError
from gateway.errors import FaultKind, GatewayError
from gateway.idempotency import IDEMPOTENCY_HEADER
from gateway.services.scheduling import Call, SchedulingService
from gateway.soap.operation import Answer, Operation

__all__ = ["Answer", "SoapEndpoints", "fault_response"]

log = logging.getLogger("tidbok.soap")

_XML = "text/xml; charset=utf-8"
_ENVELOPE_ERRORS = {
    "malformed": FaultKind.MALFORMED,
    "forbidden-construct": FaultKind.FORBIDDEN_CONSTRUCT,
    "too-large": FaultKind.TOO_LARGE,
    "too-deep": FaultKind.FORBIDDEN_CONSTRUCT,
    "not-soap11": FaultKind.NOT_SOAP11,
    "no-body": FaultKind.NOT_SOAP11,
}
_ACTOR_TYPES = {"subject_of_care": ActorRole.CITIZEN, "subject_of_care_agent": ActorRole.STAFF}
CONSUMER_HEADERS = ("x-rivta-original-serviceconsumer-hsaid", "x-vp-sender-id")


def fault_response(error: GatewayError) -> Response:
    body = build_fault(error.kind.soap_fault_code, error.fault_string)
    return Response(body, status_code=500, media_type=_XML)


class SoapEndpoints:
    """Builds the router for a set of interactions and their operations."""

    def __init__(
        self,
        service: SchedulingService,
        operations: Mapping[Interaction, Operation],
        *,
        max_request_bytes: int,
        public_base_url: str | None = None,
    ) -> None:
        self.service = service
        self.operations = dict(operations)
        self.max_request_bytes = max_request_bytes
        self.public_base_url = public_base_url

    def router(self) -> APIRouter:
        router = APIRouter()
        for interaction in self.operations:
            self._add(router, interaction)

        @router.get(SCHEMA_PATH_PREFIX + "/{relative:path}", include_in_schema=False)
        async def contract_file(relative: str) -> Response:
            content = schema_file(relative)
            if content is None:
                return Response("no such contract file", status_code=404, media_type="text/plain")
            return Response(content, media_type=_XML)

        return router

    def _add(self, router: APIRouter, interaction: Interaction) -> None:
        async def post(request: Request) -> Response:
            return await self.handle(request, interaction)

        async def get(request: Request) -> Response:
            if "wsdl" not in {key.lower() for key in request.query_params}:
                return Response("append ?wsdl for the service description", status_code=404, media_type="text/plain")
            base = self.public_base_url or str(request.base_url)
            return Response(published_wsdl(interaction, base), media_type=_XML)

        router.add_api_route(interaction.path, post, methods=["POST"], include_in_schema=False)
        router.add_api_route(interaction.path, get, methods=["GET"], include_in_schema=False)

    async def handle(self, request: Request, interaction: Interaction) -> Response:
        try:
            body = await self._read_body(request)
            envelope = self._parse(body, request, interaction)
            context = self._context(envelope, request, interaction)
            operation = self.operations[interaction]
            call = Call(f"{interaction.generation.value}/{interaction.name}", context)
            try:
                result = await operation(self.service, call, envelope.body)
            except DecodeError as exc:
                raise GatewayError(FaultKind.INVALID_VALUE, mask_personal_numbers(str(exc))) from exc
            answer = result if isinstance(result, Answer) else Answer(result, ())
        except GatewayError as error:
            log.info("fault %s on %s", error.kind.code, interaction.name)
            return fault_response(error)
        except Exception:  # never a stack trace to the consumer
            log.exception("internal error on %s", interaction.name)
            return fault_response(GatewayError(FaultKind.INTERNAL))
        return Response(build_envelope(answer.body, answer.headers), media_type=_XML)

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_request_bytes:
            raise GatewayError(FaultKind.TOO_LARGE, f"limit {self.max_request_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_request_bytes:
                raise GatewayError(FaultKind.TOO_LARGE, f"limit {self.max_request_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, body: bytes, request: Request, interaction: Interaction) -> ParsedEnvelope:
        try:
            envelope = parse_envelope(body, max_bytes=self.max_request_bytes)
        except EnvelopeError as exc:
            raise GatewayError(_ENVELOPE_ERRORS[exc.kind], str(exc)) from exc
        if by_body_qname(envelope.body.tag) is not interaction:
            namespace = etree.QName(envelope.body).namespace or "(none)"
            raise GatewayError(
                FaultKind.UNKNOWN_CONTRACT,
                f"{etree.QName(envelope.body).localname} in {namespace}; this endpoint serves "
                f"{interaction.name} in {interaction.responder_namespace}",
            )
        action = request.headers.get("soapaction", "").strip().strip('"')
        if action and action != interaction.soap_action:
            raise GatewayError(FaultKind.SOAP_ACTION_MISMATCH, f"expected {interaction.soap_action}")
        try:
            validate(schema_for(interaction), envelope.body)
        except SchemaViolation as exc:
            raise GatewayError(FaultKind.SCHEMA_INVALID, mask_personal_numbers(str(exc))) from exc
        return envelope

    def _context(self, envelope: ParsedEnvelope, request: Request, interaction: Interaction) -> RequestContext:
        if not envelope.logical_address:
            raise GatewayError(FaultKind.MISSING_LOGICAL_ADDRESS)
        actor = None
        if interaction.generation is Generation.CRM_SCHEDULING_1:
            actor = _actor(envelope.actor)
        consumer = next((request.headers[h] for h in CONSUMER_HEADERS if h in request.headers), None)
        correlation = request.headers.get("x-skltp-correlation-id") or uuid.uuid4().hex
        extra = {}
        if idempotency_key := request.headers.get(IDEMPOTENCY_HEADER):
            extra[IDEMPOTENCY_HEADER] = idempotency_key.strip()[:100]
        return RequestContext(
            logical_address=envelope.logical_address,
            actor=actor,
            consumer_id=consumer[:64] if consumer else None,
            correlation_id=correlation[:64],
            extra_headers=extra,
        )


def _actor(header: ActorHeader | None) -> Actor:
    """crm:scheduling 1.1 makes the Actor header mandatory; a citizen actor is a valid personnummer."""
    if header is None:
        raise GatewayError(FaultKind.MISSING_ACTOR, "crm:scheduling 1.1 requires the Actor header")
    role = _ACTOR_TYPES.get(header.actor_type)
    if role is None:
        raise GatewayError(FaultKind.MISSING_ACTOR, "actorType must be subject_of_care or subject_of_care_agent")
    if role is ActorRole.CITIZEN:
        try:
            return Actor(PersonalIdentity.parse(header.actor_id).value, role)
        except InvalidIdentifier as exc:
            raise GatewayError(FaultKind.MISSING_ACTOR, f"actorId: {exc}") from exc
    return Actor(header.actor_id[:64], role)
