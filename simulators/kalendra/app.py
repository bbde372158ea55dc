"""Kalendra as a FastAPI app: the `/v2` REST API over its SQLite state, admin and fault injection.

See README.md in this folder for the API. Errors are always `{"error": {"code", "message"}}`;
`GET /admin/seed` lists the seeded clinics, visit kinds, patients and reservations (for tests and
demos); `/admin/faults` switches fault injection (`simulators.common.faults`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from simulators.common.faults import FaultInjector, install_faults
from simulators.common.regions import Region, region_by_code
from simulators.kalendra import catalogue
from simulators.kalendra.auth import ApiKeyMiddleware
from simulators.kalendra.config import KalendraConfig
from simulators.kalendra.errors import ErrorCode, KalendraError, error_body
from simulators.kalendra.paging import PageRequest
from simulators.kalendra.reservations import Reservations, ReservationStatus
from simulators.kalendra.schemas import (
    Clinic,
    Opening,
    OpeningCreate,
    Page,
    Provider,
    Reservation,
    ReservationCancel,
    ReservationCreate,
    ReservationMove,
    VisitKind,
)
from simulators.kalendra.seeding import SWEDISH_TIME, seed_database
from simulators.kalendra.store import Database
from simulators.kalendra.timestamps import format_utc, parse_utc

__all__ = ["create_app"]

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int | None, Query(ge=1, description="items per page, 1-200 (default 50)")]


def create_app(
    config: KalendraConfig,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    faults: FaultInjector | None = None,
) -> FastAPI:
    """A seeded Kalendra for `config.region`. `clock` decides what "now" is (tests move it)."""
    region: Region = region_by_code(config.region)
    now_of = clock or (lambda: dt.datetime.now(dt.UTC))

    def now() -> int:
        return int(now_of().timestamp())

    app = FastAPI(
        title=f"Kalendra booking API — {region.name}",
        description="Simulated proprietary regional booking system (REST/JSON, UTC times, cursor paging).",
        version="2",
    )
    database_path = config.database
    if database_path is None:
        app.state.tempdir = tempfile.TemporaryDirectory(prefix="kalendra-")  # removed with the app
        database_path = Path(app.state.tempdir.name) / "kalendra.sqlite3"
    database = Database(database_path)
    if database.is_empty():
        today = now_of().astimezone(SWEDISH_TIME).date()
        seed_database(
            database,
            region,
            config.seed,
            first_day=config.first_day or today + dt.timedelta(days=1),
            days=config.days,
            clinics=config.clinics,
            cancel_cutoff_hours=config.cancel_cutoff_hours,
            now=now_of(),
        )
    reservations = Reservations(database, now)
    app.state.database = database
    app.add_middleware(ApiKeyMiddleware, api_key=config.api_key.get_secret_value())
    app.state.faults = install_faults(app, faults)

    @app.exception_handler(KalendraError)
    async def kalendra_error(_request: Request, exc: KalendraError) -> Response:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return JSONResponse(error_body(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed here"), status_code=405)
        if exc.status_code == 404:
            return JSONResponse(error_body(ErrorCode.NOT_FOUND, "no such endpoint"), status_code=404)
        return JSONResponse(error_body(ErrorCode.VALIDATION_FAILED, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        # the offending input is left out: it may be a personal identity number
        details = [
            {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]} for error in exc.errors()
        ]
        return JSONResponse(error_body(ErrorCode.VALIDATION_FAILED, "the request is not valid", details), 422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _exc: Exception) -> Response:
        return JSONResponse(error_body(ErrorCode.INTERNAL_ERROR, "internal error in Kalendra"), status_code=500)

    api = APIRouter(prefix="/v2")

    @api.get("/clinics", response_model=Page[Clinic])
    def clinics(cursor: Cursor = None, limit: Limit = None) -> dict[str, Any]:
        page = PageRequest.parse(cursor, limit, "clinics")
        with database.read() as db:
            return catalogue.list_clinics(db, page)

    @api.get("/clinics/{clinic_id}", response_model=Clinic)
    def clinic(clinic_id: str) -> Clinic:
        with database.read() as db:
            return catalogue.render_clinic(catalogue.clinic_row(db, clinic_id))

    @api.get("/clinics/{clinic_id}/visit-kinds", response_model=Page[VisitKind])
    def visit_kinds(clinic_id: str, cursor: Cursor = None, limit: Limit = None) -> dict[str, Any]:
        page = PageRequest.parse(cursor, limit, ["visit-kinds", clinic_id])
        with database.read() as db:
            return catalogue.list_visit_kinds(db, clinic_id, page)

    @api.get("/clinics/{clinic_id}/providers", response_model=Page[Provider])
    def providers(clinic_id: str, cursor: Cursor = None, limit: Limit = None) -> dict[str, Any]:
        page = PageRequest.parse(cursor, limit, ["providers", clinic_id])
        with database.read() as db:
            return catalogue.list_providers(db, clinic_id, page)

    @api.get("/openings", response_model=Page[Opening])
    def openings(
        clinic: Annotated[str, Query(description="clinic id")],
        starts_from: Annotated[str, Query(alias="from", description="UTC, inclusive, e.g. 2027-01-15T00:00:00Z")],
        starts_before: Annotated[str, Query(alias="to", description="UTC, exclusive")],
        visit_kind: Annotated[list[str] | None, Query(description="visit kind id; repeat for several")] = None,
        provider: Annotated[list[str] | None, Query(description="provider id; repeat for several")] = None,
        status: Annotated[catalogue.OpeningStatus, Query()] = "open",
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> dict[str, Any]:
        lower, upper = parse_utc(starts_from, "from"), parse_utc(starts_before, "to")
        if upper <= lower:
            raise KalendraError.invalid("to must be after from")
        kinds, staff = sorted(set(visit_kind or ())), sorted(set(provider or ()))
        page = PageRequest.parse(cursor, limit, ["openings", clinic, lower, upper, kinds, staff, status])
        with database.read() as db:
            return catalogue.list_openings(
                db,
                clinic_id=clinic,
                starts_from=lower,
                starts_before=upper,
                visit_kinds=kinds,
                providers=staff,
                status=status,
                now=now(),
                page=page,
            )

    @api.get("/openings/{opening_id}", response_model=Opening)
    def opening(opening_id: str) -> Opening:
        with database.read() as db:
            return catalogue.get_opening(db, opening_id)

    @api.post("/openings", response_model=Opening, status_code=201)
    def publish_opening(body: OpeningCreate) -> Opening:
        with database.write() as db:
            return catalogue.create_opening(db, body, now())

    @api.post("/reservations", response_model=Reservation, status_code=201)
    def reserve(
        body: ReservationCreate,
        response: Response,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> Reservation:
        created = reservations.create(body, idempotency_key)
        response.headers["Location"] = f"/v2/reservations/{created.reservation.id}"
        if created.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return created.reservation

    @api.get("/reservations", response_model=Page[Reservation])
    def find_reservations(
        patient: Annotated[str | None, Query(pattern=r"^[0-9]{12}$", description="personal identity number")] = None,
        clinic: Annotated[str | None, Query(description="clinic id")] = None,
        status: Annotated[ReservationStatus, Query()] = "active",
        cursor: Cursor = None,
        limit: Limit = None,
    ) -> dict[str, Any]:
        page = PageRequest.parse(cursor, limit, ["reservations", patient, clinic, status])
        return reservations.search(personal_number=patient, clinic_id=clinic, status=status, page=page)

    @api.get("/reservations/{reservation_id}", response_model=Reservation)
    def reservation(reservation_id: str) -> Reservation:
        return reservations.get(reservation_id)

    @api.patch("/reservations/{reservation_id}", response_model=Reservation)
    def move(reservation_id: str, body: ReservationMove) -> Reservation:
        return reservations.move(reservation_id, body)

    @api.post("/reservations/{reservation_id}/cancel", response_model=Reservation)
    def cancel(reservation_id: str, body: ReservationCancel | None = None) -> Reservation:
        return reservations.cancel(reservation_id, body or ReservationCancel())

    app.include_router(api)

    @app.get("/admin/seed", tags=["admin"])
    def admin_seed() -> dict[str, Any]:
        return _seed_listing(database)

    return app


def _seed_listing(database: Database) -> dict[str, Any]:
    with database.read() as db:
        meta = {row["key"]: row["value"] for row in db.execute("SELECT key, value FROM meta")}
        clinics = []
        for clinic in db.execute("SELECT * FROM clinic ORDER BY hsa_id").fetchall():
            visit_kinds = [
                {
                    "id": row["id"],
                    "name": row["name"],
                    "external_code": row["external_code"],
                    "category": row["category_key"],
                    "mode": row["mode"],
                    "duration_minutes": row["duration_minutes"],
                }
                for row in db.execute(
                    "SELECT * FROM visit_kind WHERE clinic_id = ? ORDER BY external_code", (clinic["id"],)
                )
            ]
            providers = [
                {
                    "id": row["id"],
                    "hsa_id": row["hsa_id"],
                    "name": f"{row['given_name']} {row['family_name']}",
                    "title": row["title"],
                    "visit_kind_ids": (row["kinds"] or "").split(),
                }
                for row in db.execute(
                    "SELECT provider.*, (SELECT group_concat(visit_kind_id, ' ') FROM provider_visit_kind"
                    " WHERE provider_id = provider.id) AS kinds FROM provider WHERE clinic_id = ? ORDER BY hsa_id",
                    (clinic["id"],),
                )
            ]
            openings = db.execute("SELECT COUNT(*) FROM opening WHERE clinic_id = ?", (clinic["id"],)).fetchone()[0]
            clinics.append(
                {
                    "id": clinic["id"],
                    "hsa_id": clinic["hsa_id"],
                    "name": clinic["name"],
                    "change_cutoff_minutes": clinic["change_cutoff_minutes"],
                    "visit_kinds": visit_kinds,
                    "providers": providers,
                    "openings": openings,
                }
            )
        patients = [
            {
                "id": row["id"],
                "personal_number": row["personal_number"],
                "name": f"{row['given_name']} {row['family_name']}",
            }
            for row in db.execute("SELECT * FROM patient ORDER BY personal_number")
        ]
        reservations = [
            {
                "id": row["id"],
                "status": row["status"],
                "personal_number": row["personal_number"],
                "clinic_id": row["clinic_id"],
                "clinic_hsa_id": row["hsa_id"],
                "opening_id": row["opening_id"],
                "visit_kind_id": row["visit_kind_id"],
                "starts_at": format_utc(row["starts_at"]),
            }
            for row in db.execute(
                "SELECT reservation.*, patient.personal_number, opening.clinic_id, opening.visit_kind_id,"
                " opening.starts_at, clinic.hsa_id FROM reservation"
                " JOIN patient ON patient.id = reservation.patient_id"
                " JOIN opening ON opening.id = reservation.opening_id JOIN clinic ON clinic.id = opening.clinic_id"
                " ORDER BY opening.starts_at, reservation.id"
            )
        ]
    return {
        "region": meta.get("region"),
        "seed": int(meta["seed"]) if "seed" in meta else None,
        "first_day": meta.get("first_day"),
        "clinics": clinics,
        "patients": patients,
        "reservations": reservations,
    }
