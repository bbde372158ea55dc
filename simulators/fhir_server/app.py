"""The FHIR R4 scheduling server: a FastAPI app over the simulator's SQLite state.

Reads and searches for Organization, Location, HealthcareService, Practitioner, Schedule, Slot,
Patient and Appointment (`GET /[type]`, `POST /[type]/_search`, `GET /[type]/[id]`); writes:
`POST /Appointment` (book, conditional with `If-None-Exist`), `PUT /Appointment/[id]` with
`If-Match` (rebook, accept an invitation, cancel), `POST /Patient`, `POST /Slot`. Every error is an
OperationOutcome; `GET /metadata` is the CapabilityStatement; `GET /admin/seed` lists the seeded
data; `/admin/faults` switches fault injection.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from simulators.common.faults import FaultInjector, install_faults
from simulators.common.regions import Region, region_by_code
from simulators.fhir_server.booking import Bookings, Written
from simulators.fhir_server.capability import capability_statement
from simulators.fhir_server.models import AppointmentIn, PatientIn, SlotIn
from simulators.fhir_server.outcomes import FhirError, operation_outcome
from simulators.fhir_server.resources import Renderer, instant
from simulators.fhir_server.search import Searcher
from simulators.fhir_server.seeding import seed_database
from simulators.fhir_server.store import Database
from simulators.fhir_server.terminology import SWEDISH_TIME

__all__ = ["FHIR_JSON", "FhirResponse", "create_app"]

FHIR_JSON = "application/fhir+json"
_JSON_TYPES = (FHIR_JSON, "application/json")
_Model = TypeVar("_Model", bound=BaseModel)


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


def _resource_response(resource: dict[str, Any], status: int = 200, base: str | None = None) -> FhirResponse:
    headers = {}
    version = resource.get("meta", {}).get("versionId")
    if version:
        headers["ETag"] = f'W/"{version}"'
        if status == 201 and base is not None:
            headers["Location"] = f"{base}/{resource['resourceType']}/{resource['id']}/_history/{version}"
    return FhirResponse(resource, status_code=status, headers=headers)


def _error(status: int, issue_code: str, text: str, detail_code: str | None = None) -> FhirResponse:
    return FhirResponse(operation_outcome(issue_code, text, detail_code=detail_code), status_code=status)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _parse(request: Request, model: type[_Model]) -> _Model:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES:
        raise FhirError(415, "not-supported", f"send {FHIR_JSON}", detail_code="UNSUPPORTED_MEDIA_TYPE")
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirError(400, "structure", "the body is not JSON", detail_code="INVALID_JSON") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'resource'}: {error['msg']}" for error in exc.errors()
        )
        raise FhirError(400, "structure", f"not a valid resource: {problems}", detail_code="INVALID_RESOURCE") from exc


def _conditional(request: Request) -> list[tuple[str, str]] | None:
    header = request.headers.get("if-none-exist")
    if header is None:
        return None
    params = parse_qsl(header.split("?", 1)[-1], keep_blank_values=True)
    if not params:
        raise FhirError(400, "invalid", "If-None-Exist carries search parameters, e.g. identifier=system|value")
    return params


def create_app(
    region: Region | str = "01",
    seed: int = 1,
    *,
    days: int = 21,
    units: int = 3,
    database_path: Path | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    first_day: dt.date | None = None,
    faults: FaultInjector | None = None,
) -> FastAPI:
    """A seeded FHIR server for `region` (a `Region` or its county code). Slots start on
    `first_day` (default: tomorrow in Swedish time); the database is a temporary file unless
    `database_path` names one. A file that already holds this region and seed is used as it is
    (appointments survive a restart); one seeded for another region or seed is refused."""
    region = region if isinstance(region, Region) else region_by_code(region)
    now_of = clock or (lambda: dt.datetime.now(dt.UTC))
    app = FastAPI(title=f"FHIR scheduling simulator — {region.name}", openapi_url=None)
    if database_path is None:
        app.state.tempdir = tempfile.TemporaryDirectory(prefix="fhir-sim-")  # removed with the app
        database_path = Path(app.state.tempdir.name) / "fhir.sqlite3"
    database = Database(database_path)
    today = now_of().astimezone(SWEDISH_TIME).date()
    seeded = database.seeded_as()
    if seeded is None:
        seed_database(
            database,
            region,
            seed,
            first_day=first_day or today + dt.timedelta(days=1),
            days=days,
            units=units,
            now=now_of(),
        )
    elif seeded != (region.code, str(seed)):
        raise ValueError(f"{database_path} holds region {seeded[0]} seed {seeded[1]}, not {region.code} seed {seed}")
    renderer = Renderer(region)
    searcher = Searcher(renderer)
    bookings = Bookings(database, searcher, now_of)
    app.state.database = database
    app.state.region = region
    app.state.faults = install_faults(app, faults)

    @app.exception_handler(FhirError)
    async def fhir_error(_request: Request, exc: FhirError) -> Response:
        return FhirResponse(exc.outcome(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "not-supported"}.get(exc.status_code, "processing")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, _exc: RequestValidationError) -> Response:
        return _error(400, "invalid", "the request is not valid")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _exc: Exception) -> Response:
        return _error(500, "exception", "internal error in the scheduling system")

    @app.get("/metadata")
    async def metadata() -> Response:
        statement = capability_statement(searcher, date=instant(int(now_of().timestamp())), region_name=region.name)
        return FhirResponse(statement)

    @app.get("/admin/seed", tags=["admin"])
    async def admin_seed() -> dict[str, Any]:
        return await run_in_threadpool(_seed_listing, database)

    async def _search(request: Request, resource_type: str, params: Sequence[tuple[str, str]]) -> Response:
        base = _base(request)

        def run() -> dict[str, Any]:
            now = int(now_of().timestamp())
            with database.read() as db:
                bundle, pending = searcher.search(db, resource_type, params, base, now=now)
            if pending is not None:
                with database.write() as db:
                    searcher.keep_page(db, pending)
            return bundle

        return FhirResponse(await run_in_threadpool(run))

    async def _written(request: Request, work: Callable[[], Written]) -> Response:
        status, resource = await run_in_threadpool(work)
        return _resource_response(resource, status, _base(request))

    @app.post("/Appointment")
    async def book(request: Request) -> Response:
        body = await _parse(request, AppointmentIn)
        conditional = _conditional(request)
        return await _written(request, lambda: bookings.create_appointment(body, conditional))

    @app.put("/Appointment/{appointment_id}")
    async def update(request: Request, appointment_id: str) -> Response:
        body = await _parse(request, AppointmentIn)
        if_match = request.headers.get("if-match")
        return await _written(request, lambda: bookings.update_appointment(appointment_id, body, if_match))

    @app.post("/Patient")
    async def register(request: Request) -> Response:
        body = await _parse(request, PatientIn)
        conditional = _conditional(request)
        return await _written(request, lambda: bookings.create_patient(body, conditional))

    @app.post("/Slot")
    async def publish(request: Request) -> Response:
        body = await _parse(request, SlotIn)
        return await _written(request, lambda: bookings.create_slot(body))

    @app.post("/{resource_type}/_search")
    async def search_post(request: Request, resource_type: str) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise FhirError(415, "not-supported", "_search takes application/x-www-form-urlencoded")
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        return await _search(request, resource_type, [*request.query_params.multi_items(), *form])

    @app.get("/{resource_type}/{resource_id}/_history/{version_id}")
    async def vread(resource_type: str, resource_id: str, version_id: str) -> Response:
        resource = await read(resource_type, resource_id)
        if resource.get("meta", {}).get("versionId", "1") != version_id:
            raise FhirError(404, "not-found", "only the current version is kept", detail_code="VERSION_NOT_KEPT")
        return _resource_response(resource)

    @app.get("/{resource_type}/{resource_id}")
    async def read_one(resource_type: str, resource_id: str) -> Response:
        return _resource_response(await read(resource_type, resource_id))

    async def read(resource_type: str, resource_id: str) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with database.read() as db:
                if resource_type == "CodeSystem":
                    return _code_system(db, renderer, resource_id)
                return searcher.read(db, resource_type, resource_id)

        return await run_in_threadpool(run)

    @app.get("/{resource_type}")
    async def search_get(request: Request, resource_type: str) -> Response:
        return await _search(request, resource_type, request.query_params.multi_items())

    return app


def _code_system(db: Any, renderer: Renderer, resource_id: str) -> dict[str, Any]:
    systems = renderer.code_systems(
        db.execute("SELECT code, name FROM time_type ORDER BY code").fetchall(),
        db.execute("SELECT code, name FROM care_type ORDER BY code").fetchall(),
    )
    for system in systems:
        if system["id"] == resource_id:
            return system
    raise FhirError(404, "not-found", f"CodeSystem/{resource_id} is not known", detail_code="NOT_FOUND")


def _seed_listing(database: Database) -> dict[str, Any]:
    with database.read() as db:
        region = db.execute("SELECT value FROM meta WHERE key = 'region'").fetchone()["value"]
        units = []
        for location in db.execute("SELECT * FROM location ORDER BY hsa_id"):
            schedules = db.execute(
                "SELECT schedule.id, schedule.time_type_code, practitioner.id AS practitioner_id, practitioner.hsa_id,"
                " practitioner.given, practitioner.family, practitioner.title FROM schedule JOIN practitioner"
                " ON practitioner.id = schedule.practitioner_id WHERE schedule.location_id = ?"
                " ORDER BY practitioner.hsa_id, schedule.time_type_code",
                (location["id"],),
            ).fetchall()
            performers: dict[str, dict[str, Any]] = {}
            for row in schedules:
                performers.setdefault(
                    row["hsa_id"],
                    {
                        "hsa_id": row["hsa_id"],
                        "practitioner_id": row["practitioner_id"],
                        "name": f"{row['given']} {row['family']}",
                        "title": row["title"],
                        "schedules": {},
                    },
                )["schedules"][row["time_type_code"]] = row["id"]
            units.append(
                {
                    "hsa_id": location["hsa_id"],
                    "location_id": location["id"],
                    "name": location["name"],
                    "time_types": sorted({row["time_type_code"] for row in schedules}),
                    "performers": list(performers.values()),
                }
            )
        time_types = [
            {
                "time_type_id": row["code"],
                "name": row["name"],
                "care_type_id": row["care_type_code"],
                "minutes": row["minutes"],
                "channel": row["channel"],
                "capacity": row["capacity"],
            }
            for row in db.execute("SELECT * FROM time_type ORDER BY code")
        ]
        citizens = [
            {
                "personal_number": row["personal_number"],
                "patient_id": row["id"],
                "name": f"{row['given']} {row['family']}",
            }
            for row in db.execute("SELECT * FROM patient ORDER BY personal_number")
        ]
        appointments = [
            {
                "appointment_id": row["id"],
                "personal_number": row["personal_number"],
                "status": row["status"],
                "care_unit": row["hsa_id"],
                "time_type_id": row["time_type_code"],
                "slot_id": row["slot_id"],
                "start": instant(row["start"]) if row["start"] is not None else None,
            }
            for row in db.execute(
                "SELECT appointment.*, patient.personal_number, location.hsa_id FROM appointment"
                " JOIN patient ON patient.id = appointment.patient_id"
                " JOIN location ON location.id = appointment.location_id ORDER BY appointment.start, appointment.id"
            )
        ]
        slot_count = db.execute("SELECT COUNT(*) FROM slot").fetchone()[0]
    return {
        "region": region,
        "units": units,
        "time_types": time_types,
        "citizens": citizens,
        "appointments": appointments,
        "slots": slot_count,
    }
