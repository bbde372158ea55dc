"""The simulated upgraded region as an ASGI app: supportprocess:logistics:scheduling 2 (Tidbokning
2.0) over SOAP 1.1 (RIVTABP21), all 12 interactions.

Every interaction is served at its catalogue path, `/vp/<Name>/2/rivtabp21` (ConfirmAppointment
`/vp/ConfirmAppointment/1/rivtabp21`): POST for the call, GET `?wsdl` for the WSDL with absolute
addresses; imported schemas under `/contracts/wsdl/...`. Requests are read, routed, validated and
faulted by `simulators.common.rivta_soap`; the LogicalAddress names a care unit or (for the
aggregating reads) the region by HSA-id or county code. 2.0 has no Actor header: the actor is in
the body. Refusals are answers whose resultCode is the specific code.

Admin: `GET /admin/seed` lists what was seeded (units, time types with their 2.0 attributes,
citizens, referrals, appointments); `POST /admin/proposals` lets the clinic propose a time
(a preliminary appointment the citizen confirms with ConfirmAppointment); `POST /admin/slots`
opens a time (`simulators.common.slot_admin`); `/admin/faults` switches fault injection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from lxml import etree
from pydantic import BaseModel, Field

from contracts.catalogue import Generation, Interaction, all_interactions
from contracts.soap import ParsedEnvelope
from contracts.timeformat import SWEDISH_TIME
from simulators.common.faults import FaultInjector, install_faults
from simulators.common.regions import region_by_code
from simulators.common.rivta_soap import add_soap_interaction, install_contract_files
from simulators.common.slot_admin import NewSlot, SlotRefused, install_slot_admin, slot_end
from simulators.rivta2_producer.codec import Decoder, Encoder
from simulators.rivta2_producer.config import Producer2Config
from simulators.rivta2_producer.messages import Outcome, WriteRequest
from simulators.rivta2_producer.seeding import plan_region
from simulators.rivta2_producer.service import Scheduling2Service
from simulators.rivta2_producer.store import Store

__all__ = ["OPERATIONS", "create_app"]

Element = etree._Element
Operation = Callable[[Scheduling2Service, Interaction, ParsedEnvelope], Element]


def _time_types(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    query = Decoder(interaction, envelope.body).catalogue()
    return Encoder(interaction).time_types(service.get_time_types(envelope.logical_address, query), Outcome("OK"))


def _dates(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    search = Decoder(interaction, envelope.body).slot_search()
    return Encoder(interaction).available_dates(*service.get_available_dates(envelope.logical_address, search))


def _timeslots(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    search = Decoder(interaction, envelope.body).slot_search()
    return Encoder(interaction).timeslots(*service.get_available_timeslots(envelope.logical_address, search))


def _practitioners(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    query = Decoder(interaction, envelope.body).catalogue()
    return Encoder(interaction).practitioners(*service.get_practitioners(envelope.logical_address, query))


def _facilities(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    query = Decoder(interaction, envelope.body).catalogue()
    return Encoder(interaction).facilities(*service.get_healthcare_facilities(envelope.logical_address, query))


def _facility(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    view = service.get_healthcare_facility(envelope.logical_address)
    return Encoder(interaction).facilities([view], Outcome("OK"))


def _appointment(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    request = Decoder(interaction, envelope.body).write()
    return Encoder(interaction).appointment(*service.get_appointment(envelope.logical_address, request))


def _appointments(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
    query = Decoder(interaction, envelope.body).appointment_query()
    return Encoder(interaction).appointment_ids(service.get_appointments(envelope.logical_address, query))


def _writer(act: Callable[[Scheduling2Service, str | None, WriteRequest], Outcome]) -> Operation:
    def operation(service: Scheduling2Service, interaction: Interaction, envelope: ParsedEnvelope) -> Element:
        request = Decoder(interaction, envelope.body).write()
        return Encoder(interaction).write_outcome(act(service, envelope.logical_address, request))

    return operation


OPERATIONS: dict[str, Operation] = {
    "GetTimeTypes": _time_types,
    "GetAvailableDates": _dates,
    "GetAvailableTimeslots": _timeslots,
    "GetPractitioners": _practitioners,
    "GetHealthcareFacilities": _facilities,
    "GetHealthcareFacility": _facility,
    "GetAppointment": _appointment,
    "GetAppointments": _appointments,
    "MakeAppointment": _writer(Scheduling2Service.make_appointment),
    "UpdateAppointment": _writer(Scheduling2Service.update_appointment),
    "CancelAppointment": _writer(Scheduling2Service.cancel_appointment),
    "ConfirmAppointment": _writer(Scheduling2Service.confirm_appointment),
}


class Proposal(BaseModel):
    """The clinic books a time for a citizen, to be confirmed by them (ConfirmAppointment)."""

    person_id: str = Field(pattern=r"^\d{12}$")
    timeslot_id: str
    confirm_within_hours: int = Field(default=48, ge=1)


def create_app(config: Producer2Config) -> FastAPI:
    """A running upgraded region: its seeded database, its SOAP endpoints, admin and fault injection."""
    region = region_by_code(config.region_code)
    store = Store(config.database)
    now = config.clock()
    store.ensure_seeded(
        region.code,
        config.seed,
        lambda: plan_region(
            region,
            config.seed,
            now,
            unit_count=config.unit_count,
            weeks=config.weeks,
            proposal_days=config.proposal_days,
        ),
        now.strftime("%Y%m%d%H%M%S"),
    )
    service = Scheduling2Service(store, region, config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title=f"scheduling 2 producer — {region.name}",
        description="Simulated upgraded regional booking system: supportprocess:logistics:scheduling 2 (RIVTABP21).",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.store = store
    app.state.service = service

    for interaction in all_interactions(Generation.SCHEDULING_2):
        add_soap_interaction(
            app,
            interaction,
            _handler(service, interaction),
            public_base_url=config.public_base_url,
            validate_responses=config.validate_responses,
        )
    install_contract_files(app)

    @app.get("/admin/seed", tags=["admin"])
    async def seeded() -> dict[str, Any]:
        return seed_listing(store, service, config)

    @app.post("/admin/proposals", tags=["admin"])
    async def propose(proposal: Proposal) -> dict[str, str | None]:
        service.housekeeping()
        outcome = service.propose(proposal.person_id, proposal.timeslot_id, proposal.confirm_within_hours)
        if not outcome.done:
            raise HTTPException(
                status_code=409, detail={"resultCode": outcome.result_code, "text": outcome.result_text}
            )
        return {"appointment_id": outcome.appointment_id, "status": "preliminary"}

    install_slot_admin(app, lambda body: _open_slot(store, config, body))
    install_faults(app, FaultInjector(seed=config.seed))
    return app


def _open_slot(store: Store, config: Producer2Config, body: NewSlot) -> dict[str, Any]:
    unit = next((u for u in store.units() if u.hsa_id.upper() == body.healthcare_facility.upper()), None)
    if unit is None or body.time_type_id not in unit.time_type_ids:
        raise SlotRefused(404, "the unit does not exist or does not offer the time type")
    minutes = next(t.minutes for t in store.time_types() if t.time_type_id == body.time_type_id)
    end = body.end or slot_end(body.start, minutes)
    if end <= body.start:
        raise SlotRefused(422, "a slot ends after it starts")
    if body.start <= config.clock().astimezone(SWEDISH_TIME).strftime("%Y%m%d%H%M%S"):
        raise SlotRefused(409, "the time has already passed")
    staff = [p for p in store.practitioners() if p.unit_hsa.upper() == unit.hsa_id.upper()]
    wanted = body.performer.upper() if body.performer else None
    practitioner = next(
        (p for p in staff if p.hsa_id.upper() == wanted or (wanted is None and body.time_type_id in p.time_type_ids)),
        None,
    )
    if practitioner is None:
        raise SlotRefused(404, "no such performer at the unit")
    slot_id = store.open_slot(
        unit=unit.hsa_id, practitioner=practitioner.hsa_id, time_type_id=body.time_type_id, start=body.start, end=end
    )
    if slot_id is None:
        raise SlotRefused(409, "the performer already has a time then")
    return {
        "timeslot_id": slot_id,
        "healthcare_facility": unit.hsa_id,
        "performer": practitioner.hsa_id,
        "time_type_id": body.time_type_id,
        "start": body.start,
        "end": end,
    }


def _handler(service: Scheduling2Service, interaction: Interaction) -> Callable[[ParsedEnvelope], Element]:
    operation = OPERATIONS[interaction.name]

    def handle(envelope: ParsedEnvelope) -> Element:
        service.housekeeping()
        return operation(service, interaction, envelope)

    return handle


def seed_listing(store: Store, service: Scheduling2Service, config: Producer2Config) -> dict[str, Any]:
    """What tests and demos need to find their way in."""
    region = service.region
    practitioners = store.practitioners()
    appointments = store.seeded_appointments()
    return {
        "region": {"code": region.code, "name": region.name, "hsa_id": region.hsa_id},
        "seed": config.seed,
        "seeded_at": store.meta().get("seeded_at"),
        "care_units": [
            {
                "hsa_id": unit.hsa_id,
                "name": unit.name,
                "time_type_codes": list(unit.time_type_ids),
                "practitioners": [
                    {"hsa_id": p.hsa_id, "first_name": p.first_name, "last_name": p.last_name, "title": p.title}
                    for p in practitioners
                    if p.unit_hsa.upper() == unit.hsa_id.upper()
                ],
            }
            for unit in service.units
        ],
        "time_types": [_time_type_listing(service, t.time_type_id) for t in store.time_types()],
        "citizens": [
            {
                "person_id": c.person_id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "appointment_ids": [a.appointment_id for a in appointments if a.person_id == c.person_id],
            }
            for c in store.citizens()
        ],
        "referrals": [
            {"person_id": person, "healthcare_facility": unit, "time_type_code": time_type}
            for person, unit, time_type in store.referrals()
        ],
        "appointments": [
            {
                "appointment_id": a.appointment_id,
                "person_id": a.person_id,
                "healthcare_facility": a.slot.unit_hsa,
                "timeslot_id": a.slot.slot_id,
                "time_type_code": a.slot.time_type_id,
                "start": a.slot.start,
                "end": a.slot.end,
                "status": a.status,
                "state": a.state,
                "origin": a.origin,
                "confirm_by": a.confirm_by,
                "related_appointment_ids": list(a.related_ids),
            }
            for a in appointments
        ],
    }


def _time_type_listing(service: Scheduling2Service, time_type_id: str) -> dict[str, Any]:
    view = service.time_type(time_type_id)
    record, profile = view.record, view.profile
    service_code = profile.healthcare_service
    return {
        "code": record.time_type_id,
        "name": record.name,
        "minutes": record.minutes,
        "channel": record.channel,
        "capacity": record.capacity,
        "hidden": profile.hidden,
        "patient_group": profile.patient_group,
        "care_contact_code": profile.contact_type.code,
        "healthcare_service_code": None if service_code is None else service_code.code,
        "cancel_allowed": profile.cancel_allowed,
        "update_allowed": profile.update_allowed,
        "rules": {rule.process.value: [rule.reason_text.value, rule.reason_code.value] for rule in profile.rules},
    }
