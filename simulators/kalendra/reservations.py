"""Reservations: make, read, list, move and cancel, each in one SQLite transaction.

Rules Kalendra keeps:
- an opening holds at most `capacity` active reservations, one per place (checked, and enforced by
  the unique index on the place); a cancelled reservation holds nothing, so its place is free again
  in the same commit;
- an opening that has started cannot be reserved or moved to (OPENING_IN_PAST);
- a patient cannot hold two reservations that overlap in time (PATIENT_DOUBLE_BOOKED);
- a reservation moves or cancels until the clinic's cut-off before its start
  (RESCHEDULE_WINDOW_CLOSED, CANCELLATION_WINDOW_CLOSED), and only within its clinic;
- `Idempotency-Key` on create: the same key with the same body answers the reservation it made,
  another body is IDEMPOTENCY_KEY_REUSED. A key is bound to its reservation while that
  reservation holds the opening it was made for: moving or cancelling it releases the key, and
  keys expire after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from simulators.kalendra.catalogue import OPENING_COLUMNS, clinic_row, render_opening
from simulators.kalendra.errors import ErrorCode, KalendraError
from simulators.kalendra.paging import PageRequest, page_of
from simulators.kalendra.schemas import (
    PatientIn,
    PatientOut,
    Reservation,
    ReservationCancel,
    ReservationCreate,
    ReservationMove,
    ReservationPolicy,
)
from simulators.kalendra.store import Database, new_id
from simulators.kalendra.timestamps import format_utc

__all__ = ["IDEMPOTENCY_TTL_SECONDS", "Created", "ReservationStatus", "Reservations"]

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_IDEMPOTENCY_KEY_MAX = 255

ReservationStatus = Literal["active", "cancelled", "any"]

_RESERVATION_SQL = (
    "SELECT reservation.*, patient.personal_number, patient.given_name, patient.family_name,"
    " clinic.change_cutoff_minutes, opening.clinic_id, opening.starts_at, opening.ends_at,"
    " opening.provider_id, opening.visit_kind_id"
    " FROM reservation JOIN patient ON patient.id = reservation.patient_id"
    " JOIN opening ON opening.id = reservation.opening_id JOIN clinic ON clinic.id = opening.clinic_id"
)


@dataclass(frozen=True, slots=True)
class Created:
    reservation: Reservation
    replayed: bool  # True: an earlier request with the same Idempotency-Key made it


class Reservations:
    """The reservation book of one Kalendra installation. `now` gives epoch seconds."""

    def __init__(self, database: Database, now: Callable[[], int]) -> None:
        self._database = database
        self._now = now

    # ------------------------------------------------------------------ reads

    def get(self, reservation_id: str) -> Reservation:
        with self._database.read() as db:
            return self._render(db, _reservation_row(db, reservation_id))

    def search(
        self, *, personal_number: str | None, clinic_id: str | None, status: ReservationStatus, page: PageRequest
    ) -> dict[str, Any]:
        if personal_number is None and clinic_id is None:
            raise KalendraError.invalid("name a patient, a clinic or both")
        conditions: list[str] = ["1 = 1"]
        params: list[Any] = []
        if personal_number is not None:
            conditions.append("patient.personal_number = ?")
            params.append(personal_number)
        if clinic_id is not None:
            conditions.append("opening.clinic_id = ?")
            params.append(clinic_id)
        if status != "any":
            conditions.append("reservation.status = ?")
            params.append(status)
        if page.after is not None:
            if len(page.after) != 2:
                raise KalendraError.invalid("cursor belongs to another query")
            conditions.append("(opening.starts_at, reservation.id) > (?, ?)")
            params.extend(page.after)
        with self._database.read() as db:
            if clinic_id is not None:
                clinic_row(db, clinic_id)
            rows = db.execute(
                f"{_RESERVATION_SQL} WHERE {' AND '.join(conditions)}"
                " ORDER BY opening.starts_at, reservation.id LIMIT ?",
                [*params, page.limit + 1],
            ).fetchall()
            return page_of(rows, page, lambda row: (row["starts_at"], row["id"]), lambda row: self._render(db, row))

    # ------------------------------------------------------------------ writes

    def create(self, body: ReservationCreate, idempotency_key: str | None) -> Created:
        if idempotency_key is not None:
            _check_key(idempotency_key)
        fingerprint = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
        now = self._now()
        with self._database.write() as db:
            if idempotency_key is not None:
                db.execute("DELETE FROM idempotency_record WHERE created_at <= ?", (now - IDEMPOTENCY_TTL_SECONDS,))
                earlier = db.execute(
                    "SELECT request_hash, reservation_id FROM idempotency_record WHERE key = ?", (idempotency_key,)
                ).fetchone()
                if earlier is not None:
                    if earlier["request_hash"] != fingerprint:
                        raise KalendraError(
                            422,
                            ErrorCode.IDEMPOTENCY_KEY_REUSED,
                            "this Idempotency-Key was used with another request body",
                        )
                    return Created(self._render(db, _reservation_row(db, earlier["reservation_id"])), replayed=True)
            opening = _free_opening(db, body.opening_id, now)
            patient_id = _patient(db, body.patient, now)
            _check_patient_free(db, patient_id, opening, excluding=None)
            reservation_id = new_id("res")
            try:
                db.execute(
                    "INSERT INTO reservation (id, opening_id, patient_id, status, note, created_at, updated_at, place)"
                    " VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
                    (reservation_id, opening["id"], patient_id, body.note, now, now, _free_place(db, opening)),
                )
            except sqlite3.IntegrityError as exc:
                raise _taken() from exc
            if idempotency_key is not None:
                db.execute(
                    "INSERT INTO idempotency_record VALUES (?, ?, ?, ?)",
                    (idempotency_key, fingerprint, reservation_id, now),
                )
            return Created(self._render(db, _reservation_row(db, reservation_id)), replayed=False)

    def move(self, reservation_id: str, body: ReservationMove) -> Reservation:
        now = self._now()
        with self._database.write() as db:
            current = _reservation_row(db, reservation_id)
            if current["status"] == "cancelled":
                raise _already_cancelled()
            if current["opening_id"] == body.opening_id:
                if body.note is not None and body.note != current["note"]:
                    db.execute(
                        "UPDATE reservation SET note = ?, updated_at = ? WHERE id = ?", (body.note, now, reservation_id)
                    )
                return self._render(db, _reservation_row(db, reservation_id))
            if now >= _changeable_until(current):
                raise KalendraError(
                    409, ErrorCode.RESCHEDULE_WINDOW_CLOSED, "the reservation can no longer be moved online"
                )
            target = _opening_row(db, body.opening_id)
            if target["clinic_id"] != current["clinic_id"]:
                raise KalendraError(409, ErrorCode.CLINIC_MISMATCH, "a reservation moves only within its clinic")
            _check_free(target, now)
            _check_patient_free(db, current["patient_id"], target, excluding=reservation_id)
            try:
                db.execute(
                    "UPDATE reservation SET opening_id = ?, place = ?, note = coalesce(?, note),"
                    " reschedule_count = reschedule_count + 1, updated_at = ? WHERE id = ?",
                    (target["id"], _free_place(db, target), body.note, now, reservation_id),
                )
            except sqlite3.IntegrityError as exc:
                raise _taken() from exc
            db.execute("DELETE FROM idempotency_record WHERE reservation_id = ?", (reservation_id,))
            return self._render(db, _reservation_row(db, reservation_id))

    def cancel(self, reservation_id: str, body: ReservationCancel) -> Reservation:
        now = self._now()
        with self._database.write() as db:
            current = _reservation_row(db, reservation_id)
            if current["status"] == "cancelled":
                raise _already_cancelled()
            if now >= _changeable_until(current):
                raise KalendraError(
                    409, ErrorCode.CANCELLATION_WINDOW_CLOSED, "the reservation can no longer be cancelled online"
                )
            db.execute(
                "UPDATE reservation SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?, updated_at = ?"
                " WHERE id = ?",
                (now, body.reason, now, reservation_id),
            )
            db.execute("DELETE FROM idempotency_record WHERE reservation_id = ?", (reservation_id,))
            return self._render(db, _reservation_row(db, reservation_id))

    # ------------------------------------------------------------------ rendering

    def _render(self, db: sqlite3.Connection, row: sqlite3.Row) -> Reservation:
        opening = db.execute(f"SELECT {OPENING_COLUMNS} FROM opening WHERE id = ?", (row["opening_id"],)).fetchone()
        until = _changeable_until(row)
        changeable = row["status"] == "active" and self._now() < until
        return Reservation(
            id=row["id"],
            status=row["status"],
            clinic_id=row["clinic_id"],
            opening=render_opening(opening),
            patient=PatientOut(
                id=row["patient_id"],
                personal_number=row["personal_number"],
                given_name=row["given_name"],
                family_name=row["family_name"],
            ),
            note=row["note"],
            reschedule_count=row["reschedule_count"],
            created_at=format_utc(row["created_at"]),
            updated_at=format_utc(row["updated_at"]),
            cancelled_at=format_utc(row["cancelled_at"]) if row["cancelled_at"] is not None else None,
            cancel_reason=row["cancel_reason"],
            policy=ReservationPolicy(
                changeable_until=format_utc(until), can_cancel=changeable, can_reschedule=changeable
            ),
        )


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= _IDEMPOTENCY_KEY_MAX or not key.isascii() or not key.isprintable():
        raise KalendraError.invalid(f"Idempotency-Key is 1 to {_IDEMPOTENCY_KEY_MAX} printable ASCII characters")


def _changeable_until(row: sqlite3.Row) -> int:
    until: int = row["starts_at"] - 60 * row["change_cutoff_minutes"]
    return until


def _reservation_row(db: sqlite3.Connection, reservation_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(f"{_RESERVATION_SQL} WHERE reservation.id = ?", (reservation_id,)).fetchone()
    if row is None:
        raise KalendraError(404, ErrorCode.RESERVATION_NOT_FOUND, f"no reservation {reservation_id!r}")
    return row


def _opening_row(db: sqlite3.Connection, opening_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        f"SELECT {OPENING_COLUMNS} FROM opening WHERE id = ?", (opening_id,)
    ).fetchone()
    if row is None:
        raise KalendraError(404, ErrorCode.OPENING_NOT_FOUND, f"no opening {opening_id!r}")
    return row


def _check_free(opening: sqlite3.Row, now: int) -> None:
    if opening["starts_at"] <= now:
        raise KalendraError(409, ErrorCode.OPENING_IN_PAST, "the opening has already started")
    if opening["reserved"]:
        raise _taken()


def _free_opening(db: sqlite3.Connection, opening_id: str, now: int) -> sqlite3.Row:
    opening = _opening_row(db, opening_id)
    _check_free(opening, now)
    return opening


def _free_place(db: sqlite3.Connection, opening: sqlite3.Row) -> int:
    """The lowest place of the opening no active reservation holds (its caller checked one is free)."""
    held = {
        row["place"]
        for row in db.execute(
            "SELECT place FROM reservation WHERE opening_id = ? AND status = 'active'", (opening["id"],)
        )
    }
    return next(place for place in range(opening["capacity"]) if place not in held)


def _patient(db: sqlite3.Connection, patient: PatientIn, now: int) -> str:
    """The patient's id; a new patient is registered, a known one gets any contact data sent."""
    row = db.execute("SELECT id FROM patient WHERE personal_number = ?", (patient.personal_number,)).fetchone()
    if row is None:
        new_patient = new_id("pat")
        db.execute(
            "INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                new_patient,
                patient.personal_number,
                patient.given_name,
                patient.family_name,
                patient.phone,
                patient.email,
                now,
            ),
        )
        return new_patient
    db.execute(
        "UPDATE patient SET given_name = coalesce(?, given_name), family_name = coalesce(?, family_name),"
        " phone = coalesce(?, phone), email = coalesce(?, email) WHERE id = ?",
        (patient.given_name, patient.family_name, patient.phone, patient.email, row["id"]),
    )
    patient_id: str = row["id"]
    return patient_id


def _check_patient_free(db: sqlite3.Connection, patient_id: str, opening: sqlite3.Row, excluding: str | None) -> None:
    clash = db.execute(
        "SELECT reservation.id FROM reservation JOIN opening ON opening.id = reservation.opening_id"
        " WHERE reservation.patient_id = ? AND reservation.status = 'active' AND reservation.id IS NOT ?"
        " AND opening.starts_at < ? AND opening.ends_at > ?",
        (patient_id, excluding, opening["ends_at"], opening["starts_at"]),
    ).fetchone()
    if clash is not None:
        raise KalendraError(
            409, ErrorCode.PATIENT_DOUBLE_BOOKED, "the patient already holds a reservation at that time"
        )


def _taken() -> KalendraError:
    return KalendraError(409, ErrorCode.OPENING_TAKEN, "the opening is already reserved")


def _already_cancelled() -> KalendraError:
    return KalendraError(409, ErrorCode.RESERVATION_ALREADY_CANCELLED, "the reservation is already cancelled")
