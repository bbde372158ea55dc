"""Reading and publishing what Kalendra offers: clinics, visit kinds, providers and openings."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Literal

from simulators.kalendra.errors import ErrorCode, KalendraError
from simulators.kalendra.paging import PageRequest, page_of
from simulators.kalendra.schemas import (
    Category,
    Clinic,
    ClinicPolicy,
    ExternalRef,
    Opening,
    OpeningCreate,
    Provider,
    VisitKind,
)
from simulators.kalendra.store import new_id
from simulators.kalendra.timestamps import format_utc, parse_utc

__all__ = [
    "OPENING_COLUMNS",
    "OpeningStatus",
    "clinic_row",
    "create_opening",
    "get_opening",
    "list_clinics",
    "list_openings",
    "list_providers",
    "list_visit_kinds",
    "render_opening",
]

OpeningStatus = Literal["open", "reserved", "any"]

_HELD = "(SELECT COUNT(*) FROM reservation WHERE reservation.opening_id = opening.id AND reservation.status = 'active')"
# `reserved`: no place left (an ordinary opening has one place, a group session `capacity`).
OPENING_COLUMNS = (
    "opening.id, opening.clinic_id, opening.provider_id, opening.visit_kind_id, opening.starts_at, opening.ends_at,"
    f" opening.capacity, opening.capacity - {_HELD} AS places_left, {_HELD} >= opening.capacity AS reserved"
)


def render_clinic(row: sqlite3.Row) -> Clinic:
    return Clinic(
        id=row["id"],
        name=row["name"],
        town=row["town"],
        external_ref=ExternalRef(value=row["hsa_id"]),
        policy=ClinicPolicy(change_cutoff_minutes=row["change_cutoff_minutes"]),
    )


def render_opening(row: sqlite3.Row) -> Opening:
    return Opening(
        id=row["id"],
        clinic_id=row["clinic_id"],
        provider_id=row["provider_id"],
        visit_kind_id=row["visit_kind_id"],
        starts_at=format_utc(row["starts_at"]),
        ends_at=format_utc(row["ends_at"]),
        status="reserved" if row["reserved"] else "open",
        capacity=row["capacity"],
        places_left=max(0, row["places_left"]),
    )


def clinic_row(db: sqlite3.Connection, clinic_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute("SELECT * FROM clinic WHERE id = ?", (clinic_id,)).fetchone()
    if row is None:
        raise KalendraError(404, ErrorCode.CLINIC_NOT_FOUND, f"no clinic {clinic_id!r}")
    return row


def _after(page: PageRequest, columns: str, arity: int) -> tuple[str, list[Any]]:
    if page.after is None:
        return "", []
    if len(page.after) != arity:
        raise KalendraError.invalid("cursor belongs to another query")
    marks = ", ".join("?" * arity)
    return f" AND ({columns}) > ({marks})", list(page.after)


def list_clinics(db: sqlite3.Connection, page: PageRequest) -> dict[str, Any]:
    where, params = _after(page, "id", 1)
    rows = db.execute(f"SELECT * FROM clinic WHERE 1 = 1{where} ORDER BY id LIMIT ?", [*params, page.limit + 1])
    return page_of(rows.fetchall(), page, lambda row: (row["id"],), render_clinic)


def list_visit_kinds(db: sqlite3.Connection, clinic_id: str, page: PageRequest) -> dict[str, Any]:
    clinic_row(db, clinic_id)
    where, params = _after(page, "visit_kind.id", 1)
    rows = db.execute(
        "SELECT visit_kind.*, category.label, category.external_code AS category_code,"
        " (SELECT group_concat(provider_id, ' ') FROM (SELECT provider_id FROM provider_visit_kind"
        "  WHERE visit_kind_id = visit_kind.id ORDER BY provider_id)) AS provider_ids"
        " FROM visit_kind JOIN category ON category.key = visit_kind.category_key"
        f" WHERE visit_kind.clinic_id = ?{where} ORDER BY visit_kind.id LIMIT ?",
        [clinic_id, *params, page.limit + 1],
    ).fetchall()

    def render(row: sqlite3.Row) -> VisitKind:
        return VisitKind(
            id=row["id"],
            clinic_id=row["clinic_id"],
            name=row["name"],
            category=Category(key=row["category_key"], label=row["label"], external_code=row["category_code"]),
            external_code=row["external_code"],
            duration_minutes=row["duration_minutes"],
            mode=row["mode"],
            preparation=row["preparation"],
            provider_ids=(row["provider_ids"] or "").split(),
        )

    return page_of(rows, page, lambda row: (row["id"],), render)


def list_providers(db: sqlite3.Connection, clinic_id: str, page: PageRequest) -> dict[str, Any]:
    clinic_row(db, clinic_id)
    where, params = _after(page, "provider.id", 1)
    rows = db.execute(
        "SELECT provider.*, (SELECT group_concat(visit_kind_id, ' ') FROM (SELECT visit_kind_id"
        "  FROM provider_visit_kind WHERE provider_id = provider.id ORDER BY visit_kind_id)) AS visit_kind_ids"
        f" FROM provider WHERE provider.clinic_id = ?{where} ORDER BY provider.id LIMIT ?",
        [clinic_id, *params, page.limit + 1],
    ).fetchall()

    def render(row: sqlite3.Row) -> Provider:
        return Provider(
            id=row["id"],
            clinic_id=row["clinic_id"],
            given_name=row["given_name"],
            family_name=row["family_name"],
            title=row["title"],
            external_ref=ExternalRef(value=row["hsa_id"]),
            visit_kind_ids=(row["visit_kind_ids"] or "").split(),
        )

    return page_of(rows, page, lambda row: (row["id"],), render)


def list_openings(
    db: sqlite3.Connection,
    *,
    clinic_id: str,
    starts_from: int,
    starts_before: int,
    visit_kinds: Sequence[str],
    providers: Sequence[str],
    status: OpeningStatus,
    now: int,
    page: PageRequest,
) -> dict[str, Any]:
    """Openings of a clinic that start in [starts_from, starts_before). `open` ones have a free place
    and are still ahead; `reserved` ones have every place held by an active reservation; `any` is
    both, and the past."""
    clinic_row(db, clinic_id)
    conditions = ["opening.clinic_id = ?", "opening.starts_at >= ?", "opening.starts_at < ?"]
    params: list[Any] = [clinic_id, starts_from, starts_before]
    for column, values in (("visit_kind_id", visit_kinds), ("provider_id", providers)):
        if values:
            conditions.append(f"opening.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if status == "open":
        conditions.append("NOT reserved AND opening.starts_at > ?")
        params.append(now)
    elif status == "reserved":
        conditions.append("reserved")
    where, after = _after(page, "opening.starts_at, opening.id", 2)
    rows = db.execute(
        f"SELECT * FROM (SELECT {OPENING_COLUMNS} FROM opening) AS opening WHERE {' AND '.join(conditions)}{where}"
        " ORDER BY opening.starts_at, opening.id LIMIT ?",
        [*params, *after, page.limit + 1],
    ).fetchall()
    return page_of(rows, page, lambda row: (row["starts_at"], row["id"]), render_opening)


def get_opening(db: sqlite3.Connection, opening_id: str) -> Opening:
    row = db.execute(f"SELECT {OPENING_COLUMNS} FROM opening WHERE id = ?", (opening_id,)).fetchone()
    if row is None:
        raise KalendraError(404, ErrorCode.OPENING_NOT_FOUND, f"no opening {opening_id!r}")
    return render_opening(row)


def create_opening(db: sqlite3.Connection, body: OpeningCreate, now: int) -> Opening:
    clinic_row(db, body.clinic_id)
    provider = db.execute(
        "SELECT id FROM provider WHERE id = ? AND clinic_id = ?", (body.provider_id, body.clinic_id)
    ).fetchone()
    if provider is None:
        raise KalendraError(404, ErrorCode.PROVIDER_NOT_FOUND, f"no provider {body.provider_id!r} at this clinic")
    kind = db.execute(
        "SELECT duration_minutes FROM visit_kind WHERE id = ? AND clinic_id = ?", (body.visit_kind_id, body.clinic_id)
    ).fetchone()
    if kind is None:
        raise KalendraError(404, ErrorCode.VISIT_KIND_NOT_FOUND, f"no visit kind {body.visit_kind_id!r} at this clinic")
    offered = db.execute(
        "SELECT 1 FROM provider_visit_kind WHERE provider_id = ? AND visit_kind_id = ?",
        (body.provider_id, body.visit_kind_id),
    ).fetchone()
    if offered is None:
        raise KalendraError.invalid("the provider does not offer this visit kind")
    starts_at = parse_utc(body.starts_at, "starts_at")
    ends_at = parse_utc(body.ends_at, "ends_at") if body.ends_at else starts_at + 60 * kind["duration_minutes"]
    if ends_at <= starts_at:
        raise KalendraError.invalid("ends_at must be after starts_at")
    if starts_at <= now:
        raise KalendraError(409, ErrorCode.OPENING_IN_PAST, "an opening is published ahead of its start")
    clash = db.execute(
        "SELECT id FROM opening WHERE provider_id = ? AND starts_at < ? AND ends_at > ?",
        (body.provider_id, ends_at, starts_at),
    ).fetchone()
    if clash is not None:
        raise KalendraError(409, ErrorCode.OPENING_CONFLICT, f"the provider already has opening {clash['id']} then")
    opening_id = new_id("opn")
    db.execute(
        "INSERT INTO opening (id, clinic_id, provider_id, visit_kind_id, starts_at, ends_at, capacity)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (opening_id, body.clinic_id, body.provider_id, body.visit_kind_id, starts_at, ends_at, body.capacity),
    )
    return get_opening(db, opening_id)
