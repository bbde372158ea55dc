"""The region's own state in SQLite: care units, staff, time types, slots, bookings and invitations.

A slot is held by at most one active booking; the database enforces it with a partial UNIQUE index
(`booking(slot_id) WHERE status = 'active'`), and every write that takes a slot is a conditional
statement inside an IMMEDIATE transaction, so concurrent requests for one slot have one winner even
across connections. A cancelled booking stops holding its slot at once. HSA-ids compare
case-insensitively (`COLLATE NOCASE`). Times are the contract's `YYYYMMDDhhmmss` strings in Swedish
local time, which sort and compare as text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from simulators.rivta_producer.messages import CitizenInfo
from simulators.rivta_producer.seeding import SeedPlan, SeedRole

__all__ = [
    "BookingRecord",
    "CitizenRecord",
    "PerformerRecord",
    "SeedMismatch",
    "SlotRecord",
    "Store",
    "TimeTypeRecord",
    "UnitRecord",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS care_type (
    care_type_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS time_type (
    time_type_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    care_type_id TEXT NOT NULL REFERENCES care_type,
    minutes INTEGER NOT NULL,
    channel TEXT NOT NULL,
    capacity INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS care_unit (
    hsa_id TEXT PRIMARY KEY COLLATE NOCASE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_time_type (
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    time_type_id TEXT NOT NULL REFERENCES time_type,
    PRIMARY KEY (unit_hsa, time_type_id)
);
CREATE TABLE IF NOT EXISTS performer (
    hsa_id TEXT PRIMARY KEY COLLATE NOCASE,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    title TEXT
);
CREATE TABLE IF NOT EXISTS slot (
    id INTEGER PRIMARY KEY,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    performer_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES performer,
    time_type_id TEXT NOT NULL REFERENCES time_type,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    seat INTEGER NOT NULL DEFAULT 0,
    resource_id TEXT,
    resource_name TEXT,
    UNIQUE (unit_hsa, performer_hsa, time_type_id, start, seat)
);
CREATE INDEX IF NOT EXISTS slot_by_unit_start ON slot (unit_hsa, start);
CREATE TABLE IF NOT EXISTS citizen (
    personal_number TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS booking (
    seq INTEGER PRIMARY KEY,
    booking_id TEXT NOT NULL UNIQUE,
    subject_of_care TEXT NOT NULL,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    time_type_id TEXT NOT NULL REFERENCES time_type,
    slot_id INTEGER REFERENCES slot,
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    is_invitation INTEGER NOT NULL DEFAULT 0,
    from_invitation INTEGER NOT NULL DEFAULT 0,
    seed_role TEXT,
    purpose TEXT,
    reason TEXT,
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    coaddress TEXT,
    notification TEXT,
    cancel_message TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_booking_per_slot
    ON booking (slot_id) WHERE status = 'active' AND slot_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS booking_by_subject ON booking (subject_of_care);
"""

_SLOT_COLUMNS = """
    s.id, s.unit_hsa, u.name, s.performer_hsa, p.first_name, p.last_name, p.title,
    s.time_type_id, t.name, t.care_type_id, c.name, s.start, s."end", s.seat, s.resource_id, s.resource_name
"""
_SLOT_FROM = """
    FROM slot s
    JOIN care_unit u ON u.hsa_id = s.unit_hsa
    JOIN performer p ON p.hsa_id = s.performer_hsa
    JOIN time_type t ON t.time_type_id = s.time_type_id
    JOIN care_type c ON c.care_type_id = t.care_type_id
"""
_SLOT_IS_FREE = "NOT EXISTS (SELECT 1 FROM booking b WHERE b.slot_id = s.id AND b.status = 'active')"

_BOOKING_SELECT = """
    SELECT b.booking_id, b.subject_of_care, b.unit_hsa, u.name, b.slot_id, s.start, s."end",
           s.performer_hsa, p.first_name, p.last_name, p.title, s.resource_id, s.resource_name,
           b.time_type_id, t.name, t.care_type_id, c.name, b.status, b.is_invitation, b.from_invitation, b.seed_role,
           b.purpose, b.reason
    FROM booking b
    JOIN care_unit u ON u.hsa_id = b.unit_hsa
    JOIN time_type t ON t.time_type_id = b.time_type_id
    JOIN care_type c ON c.care_type_id = t.care_type_id
    LEFT JOIN slot s ON s.id = b.slot_id
    LEFT JOIN performer p ON p.hsa_id = s.performer_hsa
"""


class SeedMismatch(ValueError):
    """The database file holds another region's or seed's state."""


@dataclass(frozen=True, slots=True)
class UnitRecord:
    hsa_id: str
    name: str
    time_type_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TimeTypeRecord:
    time_type_id: str
    name: str
    care_type_id: str
    care_type_name: str
    minutes: int
    channel: str
    capacity: int


@dataclass(frozen=True, slots=True)
class PerformerRecord:
    hsa_id: str
    unit_hsa: str
    first_name: str
    last_name: str
    title: str | None
    time_type_ids: tuple[str, ...]  # the unit's time types this performer's title serves


@dataclass(frozen=True, slots=True)
class SlotRecord:
    slot_id: int
    unit_hsa: str
    unit_name: str
    performer_hsa: str
    performer_first_name: str
    performer_last_name: str
    performer_title: str | None
    time_type_id: str
    time_type_name: str
    care_type_id: str
    care_type_name: str
    start: str
    end: str
    seat: int
    resource_id: str | None
    resource_name: str | None


@dataclass(frozen=True, slots=True)
class BookingRecord:
    booking_id: str
    subject_of_care: str
    unit_hsa: str
    unit_name: str
    slot_id: int | None
    start: str | None
    end: str | None
    performer_hsa: str | None
    performer_first_name: str | None
    performer_last_name: str | None
    performer_title: str | None
    resource_id: str | None
    resource_name: str | None
    time_type_id: str
    time_type_name: str
    care_type_id: str
    care_type_name: str
    status: str  # active | cancelled
    is_invitation: bool  # a kallelse still awaiting the citizen's own choice of time
    from_invitation: bool  # created as a kallelse (it stays so after being booked or moved)
    seed_role: str | None
    purpose: str | None
    reason: str | None

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_open_invitation(self) -> bool:
        return self.is_invitation and self.start is None


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    personal_number: str
    first_name: str
    last_name: str


def _placeholders(values: Collection[Any]) -> str:
    return ",".join("?" for _ in values)


class Store:
    """One region's database. Thread-safe: one connection, one lock, short transactions."""

    def __init__(self, database: str, booking_prefix: str) -> None:
        self._connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._lock = threading.RLock()
        self._prefix = booking_prefix
        with self._lock:
            self._connection.execute("PRAGMA foreign_keys = ON")
            if database != ":memory:":
                self._connection.execute("PRAGMA journal_mode = WAL")
                self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """An IMMEDIATE transaction: the write lock is taken before anything is read."""
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._connection.execute(sql, parameters).fetchall())

    # -- seeding ---------------------------------------------------------------------------------

    def ensure_seeded(self, region_code: str, seed: int, plan: Callable[[], SeedPlan], now: str) -> bool:
        """Load the plan into an empty database; True if it did. A database that already holds this
        region and seed is left as it is; one holding another region or seed raises SeedMismatch."""
        wanted = {"region_code": region_code, "seed": str(seed)}
        with self._write() as cursor:
            existing = dict(cursor.execute("SELECT key, value FROM meta").fetchall())
            if existing:
                found = {key: existing.get(key) for key in wanted}
                if found != wanted:
                    raise SeedMismatch(f"the database holds region/seed {found}, not {wanted}")
                return False
            self._load(cursor, plan(), now)
            cursor.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [*wanted.items(), ("seeded_at", now)])
            return True

    def _load(self, cursor: sqlite3.Cursor, plan: SeedPlan, now: str) -> None:
        cursor.executemany(
            "INSERT INTO care_type (care_type_id, name) VALUES (?, ?)",
            [(c.care_type_id, c.name) for c in plan.care_types],
        )
        cursor.executemany(
            "INSERT INTO time_type (time_type_id, name, care_type_id, minutes, channel, capacity)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(t.time_type_id, t.name, t.care_type_id, t.minutes, t.channel, t.group_capacity) for t in plan.time_types],
        )
        for position, unit in enumerate(plan.units):
            cursor.execute(
                "INSERT INTO care_unit (hsa_id, name, position) VALUES (?, ?, ?)", (unit.hsa_id, unit.name, position)
            )
            cursor.executemany(
                "INSERT INTO unit_time_type (unit_hsa, time_type_id) VALUES (?, ?)",
                [(unit.hsa_id, time_type_id) for time_type_id in unit.time_type_ids],
            )
            cursor.executemany(
                "INSERT INTO performer (hsa_id, unit_hsa, first_name, last_name, title) VALUES (?, ?, ?, ?, ?)",
                [(p.hsa_id, unit.hsa_id, p.first_name, p.last_name, p.title) for p in unit.performers],
            )
        cursor.executemany(
            'INSERT INTO slot (id, unit_hsa, performer_hsa, time_type_id, start, "end", seat, resource_id,'
            " resource_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    index + 1,
                    s.unit_hsa,
                    s.performer_hsa,
                    s.time_type_id,
                    s.start,
                    s.end,
                    s.seat,
                    s.resource_id,
                    s.resource_name,
                )
                for index, s in enumerate(plan.slots)
            ],
        )
        cursor.executemany(
            "INSERT INTO citizen (personal_number, first_name, last_name) VALUES (?, ?, ?)",
            [(c.personal_number, c.first_name, c.last_name) for c in plan.citizens],
        )
        names = {c.personal_number: c for c in plan.citizens}
        for seeded in plan.bookings:
            citizen = names[seeded.subject_of_care]
            self._insert_booking(
                cursor,
                subject_of_care=seeded.subject_of_care,
                unit_hsa=seeded.unit_hsa,
                time_type_id=seeded.time_type_id,
                slot_id=None if seeded.slot_index is None else seeded.slot_index + 1,
                is_invitation=seeded.role != SeedRole.BOOKING,
                seed_role=seeded.role,
                purpose=seeded.purpose,
                reason=seeded.reason,
                citizen=CitizenInfo(first_name=citizen.first_name, last_name=citizen.last_name),
                notification=None,
                now=now,
            )

    def _insert_booking(
        self,
        cursor: sqlite3.Cursor,
        *,
        subject_of_care: str,
        unit_hsa: str,
        time_type_id: str,
        slot_id: int | None,
        is_invitation: bool,
        seed_role: str | None,
        purpose: str | None,
        reason: str | None,
        citizen: CitizenInfo | None,
        notification: str | None,
        now: str,
    ) -> str | None:
        """Insert one booking; None when `slot_id` is already held by an active booking."""
        info = citizen or CitizenInfo(first_name="", last_name="")
        try:
            row = cursor.execute(
                """
                INSERT INTO booking (booking_id, subject_of_care, unit_hsa, time_type_id, slot_id, status,
                    is_invitation, from_invitation, seed_role, purpose, reason, first_name, middle_name,
                    last_name, phone, email, address, coaddress, notification, created_at, updated_at)
                SELECT printf('%s-%07d', ?, COALESCE((SELECT MAX(seq) FROM booking), 0) + 1),
                    ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
                WHERE ? IS NULL OR NOT EXISTS
                    (SELECT 1 FROM booking WHERE slot_id = ? AND status = 'active')
                RETURNING booking_id
                """,
                (
                    self._prefix,
                    subject_of_care,
                    unit_hsa,
                    time_type_id,
                    slot_id,
                    int(is_invitation),
                    int(is_invitation),
                    seed_role,
                    purpose,
                    reason,
                    info.first_name or None,
                    info.middle_name,
                    info.last_name or None,
                    info.phone,
                    info.email,
                    info.address,
                    info.coaddress,
                    notification,
                    now,
                    now,
                    slot_id,
                    slot_id,
                ),
            ).fetchone()
        except sqlite3.IntegrityError:
            return None
        return None if row is None else str(row[0])

    # -- catalogue -------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return {str(key): str(value) for key, value in self._rows("SELECT key, value FROM meta")}

    def units(self) -> list[UnitRecord]:
        offered: dict[str, list[str]] = {}
        for unit_hsa, time_type_id in self._rows(
            "SELECT ut.unit_hsa, ut.time_type_id FROM unit_time_type ut"
            " JOIN time_type t ON t.time_type_id = ut.time_type_id ORDER BY t.rowid"
        ):
            offered.setdefault(str(unit_hsa).upper(), []).append(str(time_type_id))
        return [
            UnitRecord(str(hsa_id), str(name), tuple(offered.get(str(hsa_id).upper(), ())))
            for hsa_id, name in self._rows("SELECT hsa_id, name FROM care_unit ORDER BY position")
        ]

    def unit(self, hsa_id: str) -> UnitRecord | None:
        wanted = hsa_id.upper()
        return next((unit for unit in self.units() if unit.hsa_id.upper() == wanted), None)

    def time_types(self) -> list[TimeTypeRecord]:
        return [
            TimeTypeRecord(*row)
            for row in self._rows(
                "SELECT t.time_type_id, t.name, t.care_type_id, c.name, t.minutes, t.channel, t.capacity"
                " FROM time_type t JOIN care_type c ON c.care_type_id = t.care_type_id ORDER BY t.rowid"
            )
        ]

    def performers(self) -> list[PerformerRecord]:
        """Every performer with the unit time types they serve (those their unit has slots of)."""
        serves: dict[str, list[str]] = {}
        for performer_hsa, time_type_id in self._rows(
            "SELECT DISTINCT s.performer_hsa, s.time_type_id FROM slot s"
            " JOIN time_type t ON t.time_type_id = s.time_type_id ORDER BY s.performer_hsa, t.rowid"
        ):
            serves.setdefault(str(performer_hsa).upper(), []).append(str(time_type_id))
        return [
            PerformerRecord(
                str(hsa_id), str(unit_hsa), str(first), str(last), title, tuple(serves.get(str(hsa_id).upper(), ()))
            )
            for hsa_id, unit_hsa, first, last, title in self._rows(
                "SELECT p.hsa_id, p.unit_hsa, p.first_name, p.last_name, p.title FROM performer p"
                " JOIN care_unit u ON u.hsa_id = p.unit_hsa ORDER BY u.position, p.hsa_id"
            )
        ]

    def citizens(self) -> list[CitizenRecord]:
        return [
            CitizenRecord(*row)
            for row in self._rows("SELECT personal_number, first_name, last_name FROM citizen ORDER BY rowid")
        ]

    # -- slots -----------------------------------------------------------------------------------

    def free_slots(
        self,
        *,
        units: Collection[str],
        first_start: str,
        last_start: str,
        time_type_ids: Collection[str] | None = None,
        performers: Collection[str] = (),
    ) -> list[SlotRecord]:
        """Free slots whose start lies in [first_start, last_start], one per place (seat)."""
        if not units or (time_type_ids is not None and not time_type_ids):
            return []
        sql = [f"SELECT {_SLOT_COLUMNS} {_SLOT_FROM} WHERE s.unit_hsa IN ({_placeholders(units)})"]
        parameters: list[Any] = [*units]
        sql.append("AND s.start >= ? AND s.start <= ?")
        parameters += [first_start, last_start]
        if time_type_ids is not None:
            sql.append(f"AND s.time_type_id IN ({_placeholders(time_type_ids)})")
            parameters += [*time_type_ids]
        if performers:
            sql.append(f"AND s.performer_hsa IN ({_placeholders(performers)})")
            parameters += [*performers]
        sql.append(f"AND {_SLOT_IS_FREE} ORDER BY s.start, u.position, s.performer_hsa, s.time_type_id, s.seat")
        return [SlotRecord(*row) for row in self._rows(" ".join(sql), parameters)]

    def matching_slots(
        self, *, unit: str, start: str, end: str, performer: str | None, time_type_id: str | None
    ) -> tuple[list[SlotRecord], list[SlotRecord]]:
        """Slots with this identity: (all of them, the free ones), in seat order."""
        sql = (
            f'SELECT {_SLOT_COLUMNS}, {_SLOT_IS_FREE} {_SLOT_FROM} WHERE s.unit_hsa = ? AND s.start = ? AND s."end" = ?'
        )
        parameters: list[Any] = [unit, start, end]
        if performer is not None:
            sql += " AND s.performer_hsa = ?"
            parameters.append(performer)
        if time_type_id is not None:
            sql += " AND s.time_type_id = ?"
            parameters.append(time_type_id)
        rows = self._rows(sql + " ORDER BY s.performer_hsa, s.time_type_id, s.seat", parameters)
        every = [SlotRecord(*row[:-1]) for row in rows]
        free = [SlotRecord(*row[:-1]) for row in rows if row[-1]]
        return every, free

    def slot_is_free(self, slot_id: int) -> bool:
        rows = self._rows(f"SELECT {_SLOT_IS_FREE} FROM slot s WHERE s.id = ?", (slot_id,))
        return bool(rows and rows[0][0])

    def open_slot(self, *, unit: str, performer: str, time_type_id: str, start: str, end: str) -> int:
        """Staff open a time: one row per place of the time type's capacity; the number of places.
        0 (nothing opened) for an unknown time type or when the performer already has a slot then."""
        with self._write() as cursor:
            row = cursor.execute("SELECT capacity FROM time_type WHERE time_type_id = ?", (time_type_id,)).fetchone()
            if row is None:
                return 0
            clash = cursor.execute(
                'SELECT 1 FROM slot WHERE performer_hsa = ? AND start < ? AND "end" > ?', (performer, end, start)
            ).fetchone()
            if clash is not None:
                return 0
            places = int(row[0])
            cursor.executemany(
                'INSERT INTO slot (unit_hsa, performer_hsa, time_type_id, start, "end", seat)'
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(unit, performer, time_type_id, start, end, seat) for seat in range(places)],
            )
            return places

    # -- bookings --------------------------------------------------------------------------------

    def booking(self, booking_id: str) -> BookingRecord | None:
        rows = self._rows(_BOOKING_SELECT + " WHERE b.booking_id = ?", (booking_id,))
        return _booking(rows[0]) if rows else None

    def bookings_of(self, subject_of_care: str, *, units: Collection[str] | None = None) -> list[BookingRecord]:
        """Every booking row of a citizen (any status), by start time; open invitations last."""
        sql = _BOOKING_SELECT + " WHERE b.subject_of_care = ?"
        parameters: list[Any] = [subject_of_care]
        if units is not None:
            sql += f" AND b.unit_hsa IN ({_placeholders(units)})"
            parameters += [*units]
        sql += " ORDER BY s.start IS NULL, s.start, b.seq"
        return [_booking(row) for row in self._rows(sql, parameters)]

    def seeded_bookings(self) -> list[BookingRecord]:
        return [_booking(row) for row in self._rows(_BOOKING_SELECT + " WHERE b.seed_role IS NOT NULL ORDER BY b.seq")]

    def overlaps(self, subject_of_care: str, start: str, end: str, *, ignore_booking: str | None = None) -> bool:
        """Whether the citizen already holds an active booking that overlaps [start, end)."""
        rows = self._rows(
            "SELECT 1 FROM booking b JOIN slot s ON s.id = b.slot_id WHERE b.subject_of_care = ? AND b.status ="
            " 'active' AND s.start < ? AND s.\"end\" > ? AND b.booking_id IS NOT ? LIMIT 1",
            (subject_of_care, end, start, ignore_booking),
        )
        return bool(rows)

    def book(
        self,
        candidates: Sequence[SlotRecord],
        *,
        subject_of_care: str,
        citizen: CitizenInfo,
        reason: str | None,
        notification: str | None,
        now: str,
    ) -> str | None:
        """Take the first of `candidates` (the places of one time) still free; its new booking id,
        or None when another booking got every one of them first."""
        with self._write() as cursor:
            for slot in candidates:
                booking_id = self._insert_booking(
                    cursor,
                    subject_of_care=subject_of_care,
                    unit_hsa=slot.unit_hsa,
                    time_type_id=slot.time_type_id,
                    slot_id=slot.slot_id,
                    is_invitation=False,
                    seed_role=None,
                    purpose=None,
                    reason=reason,
                    citizen=citizen,
                    notification=notification,
                    now=now,
                )
                if booking_id is not None:
                    return booking_id
        return None

    def book_open_invitation(
        self,
        invitation_id: str,
        candidates: Sequence[SlotRecord],
        *,
        citizen: CitizenInfo,
        reason: str | None,
        notification: str | None,
        now: str,
    ) -> bool | None:
        """Give an open invitation its time, once. True: booked. False: the invitation has already
        been booked (or cancelled). None: every candidate place was taken first."""
        with self._write() as cursor:
            for slot in candidates:
                try:
                    cursor.execute(
                        "UPDATE booking SET slot_id = ?, unit_hsa = ?, is_invitation = 0, reason = COALESCE(?, reason),"
                        " first_name = ?, middle_name = ?, last_name = ?, phone = ?, email = ?, address = ?,"
                        " coaddress = ?, notification = ?, updated_at = ?"
                        " WHERE booking_id = ? AND status = 'active' AND slot_id IS NULL AND is_invitation = 1"
                        " AND NOT EXISTS (SELECT 1 FROM booking o WHERE o.slot_id = ? AND o.status = 'active')",
                        (
                            slot.slot_id,
                            slot.unit_hsa,
                            reason,
                            citizen.first_name,
                            citizen.middle_name,
                            citizen.last_name,
                            citizen.phone,
                            citizen.email,
                            citizen.address,
                            citizen.coaddress,
                            notification,
                            now,
                            invitation_id,
                            slot.slot_id,
                        ),
                    )
                except sqlite3.IntegrityError:
                    continue
                if cursor.rowcount == 1:
                    return True
                still_open = cursor.execute(
                    "SELECT 1 FROM booking WHERE booking_id = ? AND status = 'active' AND slot_id IS NULL",
                    (invitation_id,),
                ).fetchone()
                if still_open is None:
                    return False
        return None

    def move(
        self,
        booking_id: str,
        candidates: Sequence[SlotRecord],
        *,
        citizen: CitizenInfo | None,
        notification: str | None,
        now: str,
    ) -> bool | None:
        """Move an active timed booking or invitation to the first free candidate, in one statement:
        the old slot is released and the new one taken together; the id stays; an invitation
        becomes a booking. True: moved. False: the booking is no longer active. None: taken."""
        with self._write() as cursor:
            for slot in candidates:
                parameters: list[Any] = [slot.slot_id, slot.unit_hsa, now, notification]
                contact = ""
                if citizen is not None:
                    contact = (
                        ", first_name = ?, middle_name = ?, last_name = ?, phone = COALESCE(?, phone),"
                        " email = COALESCE(?, email), address = COALESCE(?, address),"
                        " coaddress = COALESCE(?, coaddress)"
                    )
                    parameters += [
                        citizen.first_name,
                        citizen.middle_name,
                        citizen.last_name,
                        citizen.phone,
                        citizen.email,
                        citizen.address,
                        citizen.coaddress,
                    ]
                parameters += [booking_id, slot.slot_id, booking_id]
                try:
                    cursor.execute(
                        "UPDATE booking SET slot_id = ?, unit_hsa = ?, is_invitation = 0, updated_at = ?,"
                        f" notification = COALESCE(?, notification){contact}"
                        " WHERE booking_id = ? AND status = 'active' AND slot_id IS NOT NULL"
                        " AND NOT EXISTS (SELECT 1 FROM booking o WHERE o.slot_id = ? AND o.status = 'active'"
                        " AND o.booking_id != ?)",
                        parameters,
                    )
                except sqlite3.IntegrityError:
                    continue
                if cursor.rowcount == 1:
                    return True
                active = cursor.execute(
                    "SELECT 1 FROM booking WHERE booking_id = ? AND status = 'active'", (booking_id,)
                ).fetchone()
                if active is None:
                    return False
        return None

    def cancel(self, booking_id: str, *, message: str | None, now: str) -> bool:
        """Cancel an active booking; its slot is free the moment this commits. False if it was not active."""
        with self._write() as cursor:
            cursor.execute(
                "UPDATE booking SET status = 'cancelled', cancel_message = ?, updated_at = ?"
                " WHERE booking_id = ? AND status = 'active'",
                (message, now, booking_id),
            )
            return cursor.rowcount == 1


def _booking(row: tuple[Any, ...]) -> BookingRecord:
    values = list(row)
    values[18] = bool(values[18])  # is_invitation
    values[19] = bool(values[19])  # from_invitation
    return BookingRecord(*values)
