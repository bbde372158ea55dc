"""Kalendra's own state: one SQLite file (stdlib `sqlite3`, WAL mode).

Instants are stored as UTC epoch seconds. Each call opens its own connection; writes run in
`BEGIN IMMEDIATE` transactions, so concurrent reservations queue on SQLite's write lock. An opening
has `capacity` places (1, or the size of a group session); an active reservation holds one of them
(`place`, 0..capacity-1). The partial unique index `reservation_holds_place` makes a double
reservation impossible even for code that forgets to check: at most one *active* reservation per
place, and a cancelled one holds nothing, so its place is free again in the same commit.
"""

from __future__ import annotations

import random
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Database", "new_id"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clinic (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, town TEXT NOT NULL,
    hsa_id TEXT NOT NULL UNIQUE COLLATE NOCASE,
    change_cutoff_minutes INTEGER NOT NULL CHECK (change_cutoff_minutes >= 0)
);
CREATE TABLE IF NOT EXISTS category (key TEXT PRIMARY KEY, label TEXT NOT NULL, external_code TEXT);
CREATE TABLE IF NOT EXISTS visit_kind (
    id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL REFERENCES clinic(id), name TEXT NOT NULL,
    category_key TEXT NOT NULL REFERENCES category(key), external_code TEXT,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'video', 'phone')), preparation TEXT,
    UNIQUE (clinic_id, external_code)
);
CREATE TABLE IF NOT EXISTS provider (
    id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL REFERENCES clinic(id),
    hsa_id TEXT NOT NULL COLLATE NOCASE, given_name TEXT NOT NULL, family_name TEXT NOT NULL, title TEXT,
    UNIQUE (clinic_id, hsa_id)
);
CREATE TABLE IF NOT EXISTS provider_visit_kind (
    provider_id TEXT NOT NULL REFERENCES provider(id), visit_kind_id TEXT NOT NULL REFERENCES visit_kind(id),
    PRIMARY KEY (provider_id, visit_kind_id)
);
CREATE TABLE IF NOT EXISTS patient (
    id TEXT PRIMARY KEY, personal_number TEXT NOT NULL UNIQUE, given_name TEXT, family_name TEXT,
    phone TEXT, email TEXT, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS opening (
    id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL REFERENCES clinic(id),
    provider_id TEXT NOT NULL REFERENCES provider(id), visit_kind_id TEXT NOT NULL REFERENCES visit_kind(id),
    starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    capacity INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    UNIQUE (provider_id, starts_at)
);
CREATE INDEX IF NOT EXISTS opening_by_clinic ON opening (clinic_id, starts_at, id);
CREATE TABLE IF NOT EXISTS reservation (
    id TEXT PRIMARY KEY, opening_id TEXT NOT NULL REFERENCES opening(id),
    patient_id TEXT NOT NULL REFERENCES patient(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    note TEXT, cancel_reason TEXT, reschedule_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, cancelled_at INTEGER,
    place INTEGER NOT NULL DEFAULT 0 CHECK (place >= 0),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS reservation_by_patient ON reservation (patient_id, status);
CREATE TABLE IF NOT EXISTS idempotency_record (
    key TEXT PRIMARY KEY, request_hash TEXT NOT NULL,
    reservation_id TEXT NOT NULL REFERENCES reservation(id), created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_by_reservation ON idempotency_record (reservation_id);
"""
# Files written before group sessions existed get the two columns; the index follows them.
_ADDED_COLUMNS = (
    ("opening", "capacity", "INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1)"),
    ("reservation", "place", "INTEGER NOT NULL DEFAULT 0 CHECK (place >= 0)"),
)
_INDEXES = """
DROP INDEX IF EXISTS reservation_holds_opening;
CREATE UNIQUE INDEX IF NOT EXISTS reservation_holds_place ON reservation (opening_id, place) WHERE status = 'active';
"""


def new_id(prefix: str, rng: random.Random | None = None) -> str:
    """A Kalendra id: a type prefix and twelve hex digits, e.g. `res_3f9a0c1b7d2e`. Seeding passes
    its `rng` so that the same seed gives the same ids."""
    digits = f"{rng.getrandbits(48):012x}" if rng is not None else secrets.token_hex(6)
    return f"{prefix}_{digits}"


class Database:
    """A SQLite file; `read()` and `write()` hand out a connection inside one transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(_SCHEMA)
            for table, column, definition in _ADDED_COLUMNS:
                known = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
                if column not in known:
                    connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            connection.executescript(_INDEXES)
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA busy_timeout = 30000")
        return connection

    def is_empty(self) -> bool:
        with self.read() as db:
            count: int = db.execute("SELECT COUNT(*) FROM clinic").fetchone()[0]
        return count == 0

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
