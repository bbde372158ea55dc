"""The simulated legacy region as an ASGI app: crm:scheduling 1.1 over SOAP 1.1 (RIVTABP21).

Every interaction is served at `/vp/<Name>/1/rivtabp21` (POST: the SOAP call; GET `?wsdl`: the WSDL
with absolute addresses); the schemas it imports are under `/contracts/wsdl/...`. A request is
read with the hardened envelope parser, routed on the Body's QName (the SOAPAction, when sent,
must agree), validated against the interaction's schema and must carry a LogicalAddress naming one
of the region's care units or the region. Technical errors are SOAP 1.1 Faults (HTTP 500) with a
Swedish fault string and a stable kind in `detail/detailString`; logical refusals in the writing
interactions are ordinary answers with resultCode ERROR.

`GET /admin/seed` lists what was seeded (units, time types, citizens, invitations) for tests and
demos; `POST /admin/slots` opens a time (`simulators.common.slot_admin`); `/admin/faults` switches
fault injection on and off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from contracts.catalogue import Generation, Interaction, all_interactions, by_body_qname
from contracts.publish import SCHEMA_PATH_PREFIX, published_wsdl, schema_file
from contracts.schemas import SchemaViolation, schema_for, validate
from contracts.soap import EnvelopeError, build_envelope, build_fault, parse_envelope
from contracts.timeformat import SWEDISH_TIME
from simulators.common.faults import FaultInjector, install_faults
from simulators.common.regions import region_by_code
from simulators.common.slot_admin import NewSlot, SlotRefused, install_slot_admin, slot_end
from simulators.rivta_producer.config import ProducerConfig
from simulators.rivta_producer.messages import Actor
from simulators.rivta_producer.operations import OPERATIONS
from simulators.rivta_producer.privacy import mask_personal_numbers
from simulators.rivta_producer.seeding import SeedRole, plan_region
from simulators.rivta_producer.service import SchedulingService, TechnicalError
from simulators.rivta_producer.store import Store
from simulators.rivta_producer.xml_codec import DecodeError

__all__ = ["create_app"]

logger = logging.getLogger("simulators.rivta_producer")

_XML = "text/xml; charset=utf-8"
_TS = "%Y%m%d%H%M%S"


def _fault(code: str, message: str, kind: str) -> Response:
    return Response(build_fault(code, message, kind), status_code=500, media_type=_XML)


def create_app(config: ProducerConfig) -> FastAPI:
    """A running region: its seeded database, its SOAP endpoints, admin and fault injection."""
    region = region_by_code(config.region_code)
    store = Store(config.database, booking_prefix=f"BK{region.code}")
    now = config.clock()
    store.ensure_seeded(
        region.code,
        config.seed,
        lambda: plan_region(region, config.seed, now.date(), unit_count=config.unit_count, weeks=config.weeks),
        now.strftime(_TS),
    )
    service = SchedulingService(store, region, clock=config.clock, cancel_deadline_hours=config.cancel_deadline_hours)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title=f"crm:scheduling 1.1 producer — {region.name}",
        description="Simulated legacy regional booking system (RIVTABP21).",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.store = store
    app.state.service = service

    for interaction in all_interactions(Generation.CRM_SCHEDULING_1):
        app.add_api_route(interaction.path, _wsdl_endpoint(interaction, config), methods=["GET"], tags=["wsdl"])
        app.add_api_route(
            interaction.path,
            _soap_endpoint(interaction, service, config),
            methods=["POST"],
            tags=["soap"],
            summary=interaction.soap_action,
        )

    @app.get(SCHEMA_PATH_PREFIX + "/{relative_path:path}", tags=["wsdl"])
    async def contract_file(relative_path: str) -> Response:
        content = schema_file(relative_path)
        if content is None:
            return PlainTextResponse("no such schema", status_code=404)
        return Response(content, media_type=_XML)

    @app.get("/admin/seed", tags=["admin"])
    async def seeded() -> dict[str, Any]:
        return _seed_listing(store, service, config)

    install_slot_admin(app, lambda body: _open_slot(store, config, body))
    install_faults(app, FaultInjector(seed=config.seed))
    return app


def _open_slot(store: Store, config: ProducerConfig, body: NewSlot) -> dict[str, Any]:
    unit = store.unit(body.healthcare_facility)
    if unit is None or body.time_type_id not in unit.time_type_ids:
        raise SlotRefused(404, "the unit does not exist or does not offer the time type")
    minutes = next(t.minutes for t in store.time_types() if t.time_type_id == body.time_type_id)
    end = body.end or slot_end(body.start, minutes)
    if end <= body.start:
        raise SlotRefused(422, "a slot ends after it starts")
    if body.start <= config.clock().astimezone(SWEDISH_TIME).strftime(_TS):
        raise SlotRefused(409, "the time has already passed")
    staff = [p for p in store.performers() if p.unit_hsa.upper() == unit.hsa_id.upper()]
    wanted = body.performer.upper() if body.performer else None
    performer = next(
        (p for p in staff if p.hsa_id.upper() == wanted or (wanted is None and body.time_type_id in p.time_type_ids)),
        None,
    )
    if performer is None:
        raise SlotRefused(404, "no such performer at the unit")
    places = store.open_slot(
        unit=unit.hsa_id, performer=performer.hsa_id, time_type_id=body.time_type_id, start=body.start, end=end
    )
    if places == 0:
        raise SlotRefused(409, "the performer already has a time then")
    return {
        "healthcare_facility": unit.hsa_id,
        "performer": performer.hsa_id,
        "time_type_id": body.time_type_id,
        "start": body.start,
        "end": end,
        "places": places,
    }


def _wsdl_endpoint(interaction: Interaction, config: ProducerConfig) -> Callable[[Request], Awaitable[Response]]:
    async def wsdl(request: Request) -> Response:
        if not any(key.lower() == "wsdl" for key in request.query_params):
            return PlainTextResponse(f"SOAP endpoint for {interaction.name}; GET ?wsdl for its WSDL.", status_code=404)
        base_url = config.public_base_url or str(request.base_url)
        return Response(published_wsdl(interaction, base_url), media_type=_XML)

    wsdl.__name__ = f"wsdl_{interaction.name}"
    return wsdl


def _soap_endpoint(
    interaction: Interaction, service: SchedulingService, config: ProducerConfig
) -> Callable[[Request], Awaitable[Response]]:
    operation = OPERATIONS[interaction.name]
    schema = schema_for(interaction)

    async def soap(request: Request) -> Response:
        started = time.perf_counter()
        try:
            response = await _serve(request)
        except TechnicalError as error:
            logger.info("%s fault %s (%.1f ms)", interaction.name, error.kind, _ms(started))
            return _fault(error.code, error.message, error.kind)
        except Exception:
            logger.exception("%s failed", interaction.name)
            return _fault("Server", "Tekniskt fel i tidboken.", "internal-error")
        logger.info("%s answered (%.1f ms)", interaction.name, _ms(started))
        return response

    async def _serve(request: Request) -> Response:
        data = await request.body()
        try:
            envelope = parse_envelope(data)
        except EnvelopeError as error:
            raise TechnicalError(error.kind, f"Meddelandet kunde inte läsas: {error}") from error
        if by_body_qname(envelope.body.tag) is not interaction:
            raise TechnicalError(
                "wrong-interaction", f"Meddelandet hör inte till tjänsten {interaction.name}.", code="Client"
            )
        soap_action = request.headers.get("soapaction", "").strip().strip('"')
        if soap_action and soap_action != interaction.soap_action:
            raise TechnicalError("soap-action-mismatch", f"SOAPAction stämmer inte med {interaction.name}.")
        try:
            validate(schema, envelope.body)
        except SchemaViolation as error:
            raise TechnicalError(
                "invalid-message", f"Meddelandet följer inte tjänstekontraktet: {mask_personal_numbers(str(error))}"
            ) from error
        service.check_logical_address(envelope.logical_address)
        actor = None if envelope.actor is None else Actor(envelope.actor.actor_id, envelope.actor.actor_type)
        try:
            answer = operation(service, interaction, envelope.body, actor)
        except DecodeError as error:
            raise TechnicalError("invalid-request", str(error)) from error
        if config.validate_responses:
            try:
                validate(schema, answer)
            except SchemaViolation as error:
                logger.error("%s: own answer invalid: %s", interaction.name, mask_personal_numbers(str(error)))
                raise TechnicalError("internal-error", "Tekniskt fel i tidboken.", code="Server") from error
        return Response(build_envelope(answer), media_type=_XML)

    soap.__name__ = f"soap_{interaction.name}"
    return soap


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _seed_listing(store: Store, service: SchedulingService, config: ProducerConfig) -> dict[str, Any]:
    """What tests and demos need to find their way in: ids, not state (bookings change, this does not)."""
    region = service.region
    performers = store.performers()
    seeded = store.seeded_bookings()
    invitations = [b for b in seeded if b.seed_role in {SeedRole.TIMED_INVITATION, SeedRole.OPEN_INVITATION}]
    return {
        "region": {"code": region.code, "name": region.name, "hsa_id": region.hsa_id},
        "seed": config.seed,
        "care_units": [
            {
                "hsa_id": unit.hsa_id,
                "name": unit.name,
                "time_type_ids": list(unit.time_type_ids),
                "performers": [
                    {"hsa_id": p.hsa_id, "first_name": p.first_name, "last_name": p.last_name, "title": p.title}
                    for p in performers
                    if p.unit_hsa.upper() == unit.hsa_id.upper()
                ],
            }
            for unit in service.units
        ],
        "time_types": [
            {
                "time_type_id": t.time_type_id,
                "name": t.name,
                "care_type_id": t.care_type_id,
                "minutes": t.minutes,
                "channel": t.channel,
                "capacity": t.capacity,
            }
            for t in store.time_types()
        ],
        "citizens": [
            {
                "personal_number": c.personal_number,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "booking_ids": [
                    b.booking_id
                    for b in seeded
                    if b.subject_of_care == c.personal_number and b.seed_role == SeedRole.BOOKING
                ],
            }
            for c in store.citizens()
        ],
        "invitations": [
            {
                "booking_id": b.booking_id,
                "kind": "timed" if b.seed_role == SeedRole.TIMED_INVITATION else "open",
                "subject_of_care": b.subject_of_care,
                "healthcare_facility": b.unit_hsa,
                "time_type_id": b.time_type_id,
            }
            for b in invitations
        ],
    }
