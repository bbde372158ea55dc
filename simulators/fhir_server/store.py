"""The simulator's own state: one SQLite database (stdlib `sqlite3`, WAL mode).

Times are stored as UTC epoch seconds. Each call opens its own connection; writes run in
`BEGIN IMMEDIATE` transactions, so concurrent bookings queue on SQLite's write lock, and the
partial unique index `appointment_holds_seat` makes a double booking impossible even for code
that forgets to check: an active appointment holds one seat (1..capacity) of its slot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ACTIVE_STATUSES", "INACTIVE_SQL", "INACTIVE_STATUSES", "Database", "refresh_slot"]

INACTIVE_STATUSES = ("cancelled", "entered-in-error")
"""Appointment statuses that hold no seat in their slot."""

INACTIVE_SQL = ", ".join(f"'{s}'" for s in INACTIVE_STATUSES)

ACTIVE_STATUSES = ("proposed", "pending", "booked", "arrived", "fulfilled", "noshow", "checked-in", "waitlist")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS organization (
    id TEXT PRIMARY KEY, hsa_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS care_type (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS time_type (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, care_type_code TEXT NOT NULL REFERENCES care_type(code),
    minutes INTEGER NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('physical', 'video', 'phone')),
    capacity INTEGER NOT NULL CHECK (capacity >= 1)
);
CREATE TABLE IF NOT EXISTS location (
    id TEXT PRIMARY KEY, hsa_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, town TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organization(id)
);
CREATE TABLE IF NOT EXISTS healthcare_service (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL REFERENCES location(id),
    care_type_code TEXT NOT NULL REFERENCES care_type(code), UNIQUE (location_id, care_type_code)
);
CREATE TABLE IF NOT EXISTS practitioner (
    id TEXT PRIMARY KEY, hsa_id TEXT NOT NULL UNIQUE, given TEXT NOT NULL, family TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule (
    id TEXT PRIMARY KEY, practitioner_id TEXT NOT NULL REFERENCES practitioner(id),
    location_id TEXT NOT NULL REFERENCES location(id), time_type_code TEXT NOT NULL REFERENCES time_type(code),
    horizon_start INTEGER NOT NULL, horizon_end INTEGER NOT NULL,
    UNIQUE (practitioner_id, location_id, time_type_code)
);
CREATE TABLE IF NOT EXISTS slot (
    id TEXT PRIMARY KEY, schedule_id TEXT NOT NULL REFERENCES schedule(id),
    start INTEGER NOT NULL, "end" INTEGER NOT NULL CHECK ("end" > start),
    status TEXT NOT NULL CHECK (status IN ('free', 'busy', 'busy-tentative', 'busy-unavailable', 'entered-in-error')),
    capacity INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1), comment TEXT,
    version INTEGER NOT NULL DEFAULT 1, last_updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS slot_by_schedule ON slot (schedule_id, start, id);
CREATE INDEX IF NOT EXISTS slot_by_start ON slot (start, id);
CREATE TABLE IF NOT EXISTS patient (
    id TEXT PRIMARY KEY, personal_number TEXT NOT NULL UNIQUE, given TEXT, family TEXT, phone TEXT, email TEXT,
    version INTEGER NOT NULL DEFAULT 1, last_updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS appointment (
    id TEXT PRIMARY KEY, identifier_system TEXT, identifier_value TEXT,
    status TEXT NOT NULL CHECK (status IN ({", ".join(f"'{s}'" for s in ACTIVE_STATUSES + INACTIVE_STATUSES)})),
    patient_id TEXT NOT NULL REFERENCES patient(id),
    slot_id TEXT REFERENCES slot(id), seat INTEGER CHECK (seat >= 1),
    start INTEGER, "end" INTEGER,
    time_type_code TEXT NOT NULL REFERENCES time_type(code), practitioner_id TEXT REFERENCES practitioner(id),
    location_id TEXT NOT NULL REFERENCES location(id),
    description TEXT, comment TEXT, reason TEXT, cancelation_reason TEXT,
    created INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1, last_updated INTEGER NOT NULL,
    CHECK ((start IS NULL) = ("end" IS NULL)),
    CHECK (start IS NOT NULL OR status IN ('proposed', 'cancelled')),
    CHECK ((slot_id IS NULL) = (seat IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS appointment_holds_seat ON appointment (slot_id, seat)
    WHERE slot_id IS NOT NULL AND status NOT IN ({INACTIVE_SQL});
CREATE INDEX IF NOT EXISTS appointment_by_patient ON appointment (patient_id, start);
CREATE INDEX IF NOT EXISTS appointment_by_identifier ON appointment (identifier_value);
CREATE TABLE IF NOT EXISTS search_page (
    token TEXT PRIMARY KEY, resource_type TEXT NOT NULL, params TEXT NOT NULL, after TEXT NOT NULL,
    created INTEGER NOT NULL
);
"""


class Database:
    """A SQLite file; `read()` and `write()` hand out a connection inside one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(_SCHEMA)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA busy_timeout = 30000")
        return connection

    def seeded_as(self) -> tuple[str, str] | None:
        """(region code, seed) the file was seeded with; None while it is empty."""
        with self.read() as db:
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('region', 'seed')").fetchall())
        return (str(meta["region"]), str(meta["seed"])) if "region" in meta else None

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        with self._transaction("BEGIN") as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """The write lock for the whole transaction: check-then-change cannot interleave."""
        with self._transaction("BEGIN IMMEDIATE") as connection:
            yield connection

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            connection.execute(begin)
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()


def refresh_slot(db: sqlite3.Connection, slot_id: str, now: int) -> None:
    """Set a slot's status from the appointments that hold its seats."""
    slot = db.execute("SELECT status, capacity FROM slot WHERE id = ?", (slot_id,)).fetchone()
    if slot["status"] in ("busy-unavailable", "entered-in-error"):
        return
    holders = [
        row["status"]
        for row in db.execute(
            f"SELECT status FROM appointment WHERE slot_id = ? AND status NOT IN ({INACTIVE_SQL})", (slot_id,)
        )
    ]
    if len(holders) < slot["capacity"]:
        status = "free"
    else:
        status = "busy-tentative" if all(s == "proposed" for s in holders) else "busy"
    if status != slot["status"]:
        db.execute(
            "UPDATE slot SET status = ?, version = version + 1, last_updated = ? WHERE id = ?", (status, now, slot_id)
        )
