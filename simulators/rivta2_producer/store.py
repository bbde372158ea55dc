"""The upgraded region's own state in SQLite: care units, staff, time types, slots (with their own
UUIDs), citizens, referrals and appointments.

A slot has one or more places (a group session has several); each active appointment holds one
place. The database enforces it with a partial UNIQUE index on (slot, place) over active
appointments, and every write that takes a place runs inside an IMMEDIATE transaction that also
checks the citizen's other appointments, so concurrent requests have one winner even across
connections. A cancelled, moved or lapsed appointment frees its place at once. HSA-ids compare
case-insensitively; UUIDs are stored in lower case; times are the contract's `YYYYMMDDhhmmss`
strings in Swedish local time, which sort and compare as text.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from simulators.rivta2_producer.seeding import SeedPlan
from simulators.rivta2_producer.vocabulary import Code

__all__ = [
    "AppointmentRecord",
    "BookingResult",
    "CitizenRecord",
    "PractitionerRecord",
    "SeedMismatch",
    "SlotRecord",
    "Store",
    "TimeTypeRecord",
    "UnitRecord",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS time_type (
    time_type_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    care_type_id TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    channel TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    position INTEGER NOT NULL
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
CREATE TABLE IF NOT EXISTS practitioner (
    hsa_id TEXT PRIMARY KEY COLLATE NOCASE,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    title TEXT
);
CREATE TABLE IF NOT EXISTS slot (
    slot_id TEXT PRIMARY KEY,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    practitioner_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES practitioner,
    time_type_id TEXT NOT NULL REFERENCES time_type,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 1),
    resource TEXT
);
CREATE INDEX IF NOT EXISTS slot_by_unit_start ON slot (unit_hsa, start);
CREATE TABLE IF NOT EXISTS citizen (
    person_id TEXT PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS referral (
    person_id TEXT NOT NULL,
    unit_hsa TEXT NOT NULL COLLATE NOCASE REFERENCES care_unit,
    time_type_id TEXT NOT NULL REFERENCES time_type,
    PRIMARY KEY (person_id, unit_hsa, time_type_id)
);
CREATE TABLE IF NOT EXISTS appointment (
    seq INTEGER PRIMARY KEY,
    appointment_id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    person_root TEXT NOT NULL,
    slot_id TEXT NOT NULL REFERENCES slot,
    place INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'cancelled', 'updated', 'expired')),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'preliminary')),
    confirm_by TEXT,
    origin TEXT NOT NULL CHECK (origin IN ('citizen', 'clinic')),
    seeded INTEGER NOT NULL DEFAULT 0,
    new_reason_text TEXT,
    new_reason_code TEXT,
    update_reason_text TEXT,
    update_reason_code TEXT,
    cancel_reason_text TEXT,
    cancel_reason_code TEXT,
    replaced_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_appointment_per_place
    ON appointment (slot_id, place) WHERE state = 'active';
CREATE INDEX IF NOT EXISTS appointment_by_person ON appointment (person_id);
CREATE TABLE IF NOT EXISTS appointment_relation (
    appointment_id TEXT NOT NULL REFERENCES appointment (appointment_id),
    related_id TEXT NOT NULL REFERENCES appointment (appointment_id),
    PRIMARY KEY (appointment_id, related_id)
);
"""

_SLOT_SELECT = """
    SELECT s.slot_id, s.unit_hsa, s.practitioner_hsa, p.first_name, p.last_name, p.title, s.time_type_id,
           s.start, s."end", s.capacity, s.resource,
           (SELECT COUNT(*) FROM appointment a WHERE a.slot_id = s.slot_id AND a.state = 'active') AS taken
    FROM slot s JOIN practitioner p ON p.hsa_id = s.practitioner_hsa JOIN care_unit u ON u.hsa_id = s.unit_hsa
"""
_APPOINTMENT_COLUMNS = """
    a.appointment_id, a.person_id, a.person_root, a.place, a.state, a.status, a.confirm_by, a.origin, a.seeded,
    a.new_reason_text, a.new_reason_code, a.update_reason_text, a.update_reason_code, a.replaced_by,
    (SELECT group_concat(r.related_id) FROM appointment_relation r WHERE r.appointment_id = a.appointment_id)
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
    minutes: int
    channel: str
    capacity: int


@dataclass(frozen=True, slots=True)
class PractitionerRecord:
    hsa_id: str
    unit_hsa: str
    first_name: str
    last_name: str
    title: str | None
    time_type_ids: tuple[str, ...]  # the time types this practitioner has slots of


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    person_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class SlotRecord:
    slot_id: str
    unit_hsa: str
    practitioner_hsa: str
    practitioner_first_name: str
    practitioner_last_name: str
    practitioner_title: str | None
    time_type_id: str
    start: str
    end: str
    capacity: int
    resource: str | None
    taken: int  # places held by active appointments

    @property
    def is_free(self) -> bool:
        return self.taken < self.capacity


@dataclass(frozen=True, slots=True)
class AppointmentRecord:
    appointment_id: str
    person_id: str
    person_root: str
    place: int
    state: str  # active | cancelled | updated | expired
    status: str  # confirmed | preliminary
    confirm_by: str | None
    origin: str  # citizen | clinic
    seeded: bool
    new_reason_text: str | None
    new_reason_code: Code | None
    update_reason_text: str | None
    update_reason_code: Code | None
    replaced_by: str | None
    related_ids: tuple[str, ...]
    slot: SlotRecord

    @property
    def is_active(self) -> bool:
        return self.state == "active"


class BookingResult(Enum):
    """Why a place could not be taken."""

    TAKEN = "taken"  # every place of the slot is held
    OCCUPIED = "occupied"  # the citizen holds another appointment at an overlapping time
    GONE = "gone"  # (move) the original appointment is no longer active


def _code_json(code: Code | None) -> str | None:
    if code is None:
        return None
    return json.dumps(
        {
            "code": code.code,
            "code_system": code.code_system,
            "display_name": code.display_name,
            "code_system_name": code.code_system_name,
        }
    )


def _code(text: str | None) -> Code | None:
    if text is None:
        return None
    value = json.loads(text)
    return Code(value["code"], value["code_system"], value.get("display_name"), value.get("code_system_name"))


def _placeholders(values: Collection[Any]) -> str:
    return ",".join("?" for _ in values)


class _Rollback(Exception):
    def __init__(self, result: BookingResult) -> None:
        super().__init__(result.value)
        self.result = result


class Store:
    """One region's database. Thread-safe: one connection, one lock, short transactions."""

    def __init__(self, database: str) -> None:
        self._connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._lock = threading.RLock()
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
            "INSERT INTO time_type (time_type_id, name, care_type_id, minutes, channel, capacity, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (t.time_type_id, t.name, t.care_type_id, t.minutes, t.channel, t.group_capacity, index)
                for index, t in enumerate(plan.time_types)
            ],
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
                "INSERT INTO practitioner (hsa_id, unit_hsa, first_name, last_name, title) VALUES (?, ?, ?, ?, ?)",
                [(p.hsa_id, unit.hsa_id, p.first_name, p.last_name, p.title) for p in unit.performers],
            )
        cursor.executemany(
            'INSERT INTO slot (slot_id, unit_hsa, practitioner_hsa, time_type_id, start, "end", capacity, resource)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (s.slot_id, s.unit_hsa, s.practitioner_hsa, s.time_type_id, s.start, s.end, s.capacity, s.resource)
                for s in plan.slots
            ],
        )
        cursor.executemany(
            "INSERT INTO citizen (person_id, first_name, last_name) VALUES (?, ?, ?)",
            [(c.person_id, c.first_name, c.last_name) for c in plan.citizens],
        )
        cursor.executemany(
            "INSERT INTO referral (person_id, unit_hsa, time_type_id) VALUES (?, ?, ?)",
            [(r.person_id, r.unit_hsa, r.time_type_id) for r in plan.referrals],
        )
        for seeded in plan.appointments:
            cursor.execute(
                "INSERT INTO appointment (appointment_id, person_id, person_root, slot_id, place, state, status,"
                " confirm_by, origin, seeded, new_reason_text, created_at, updated_at)"
                " VALUES (?, ?, '1.2.752.129.2.1.3.1', ?, 0, 'active', ?, ?, ?, 1, ?, ?, ?)",
                (
                    seeded.appointment_id,
                    seeded.person_id,
                    seeded.slot_id,
                    seeded.status,
                    seeded.confirm_by,
                    seeded.origin,
                    seeded.reason_text,
                    now,
                    now,
                ),
            )
        relations = [(a.appointment_id, a.related_to) for a in plan.appointments if a.related_to is not None]
        cursor.executemany(
            "INSERT INTO appointment_relation (appointment_id, related_id) VALUES (?, ?)",
            [*relations, *((b, a) for a, b in relations)],
        )

    # -- catalogue -------------------------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return {str(key): str(value) for key, value in self._rows("SELECT key, value FROM meta")}

    def units(self) -> list[UnitRecord]:
        offered: dict[str, list[str]] = {}
        for unit_hsa, time_type_id in self._rows(
            "SELECT ut.unit_hsa, ut.time_type_id FROM unit_time_type ut"
            " JOIN time_type t ON t.time_type_id = ut.time_type_id ORDER BY t.position"
        ):
            offered.setdefault(str(unit_hsa).upper(), []).append(str(time_type_id))
        return [
            UnitRecord(str(hsa_id), str(name), tuple(offered.get(str(hsa_id).upper(), ())))
            for hsa_id, name in self._rows("SELECT hsa_id, name FROM care_unit ORDER BY position")
        ]

    def time_types(self) -> list[TimeTypeRecord]:
        return [
            TimeTypeRecord(*row)
            for row in self._rows(
                "SELECT time_type_id, name, care_type_id, minutes, channel, capacity FROM time_type ORDER BY position"
            )
        ]

    def practitioners(self) -> list[PractitionerRecord]:
        serves: dict[str, list[str]] = {}
        for practitioner_hsa, time_type_id in self._rows(
            "SELECT DISTINCT s.practitioner_hsa, s.time_type_id FROM slot s"
            " JOIN time_type t ON t.time_type_id = s.time_type_id ORDER BY s.practitioner_hsa, t.position"
        ):
            serves.setdefault(str(practitioner_hsa).upper(), []).append(str(time_type_id))
        return [
            PractitionerRecord(
                str(hsa_id), str(unit_hsa), str(first), str(last), title, tuple(serves.get(str(hsa_id).upper(), ()))
            )
            for hsa_id, unit_hsa, first, last, title in self._rows(
                "SELECT p.hsa_id, p.unit_hsa, p.first_name, p.last_name, p.title FROM practitioner p"
                " JOIN care_unit u ON u.hsa_id = p.unit_hsa ORDER BY u.position, p.hsa_id"
            )
        ]

    def citizens(self) -> list[CitizenRecord]:
        return [
            CitizenRecord(*row)
            for row in self._rows("SELECT person_id, first_name, last_name FROM citizen ORDER BY rowid")
        ]

    def referrals(self) -> list[tuple[str, str, str]]:
        """(person, unit, time type) for every referral to a protected time type."""
        return [
            (str(p), str(u), str(t))
            for p, u, t in self._rows("SELECT person_id, unit_hsa, time_type_id FROM referral ORDER BY rowid")
        ]

    def has_referral(self, person_id: str, unit_hsa: str, time_type_id: str) -> bool:
        return bool(
            self._rows(
                "SELECT 1 FROM referral WHERE person_id = ? AND unit_hsa = ? AND time_type_id = ?",
                (person_id, unit_hsa, time_type_id),
            )
        )

    # -- slots -----------------------------------------------------------------------------------

    def slot(self, slot_id: str) -> SlotRecord | None:
        rows = self._rows(_SLOT_SELECT + " WHERE s.slot_id = ?", (slot_id,))
        return SlotRecord(*rows[0]) if rows else None

    def open_slot(self, *, unit: str, practitioner: str, time_type_id: str, start: str, end: str) -> str | None:
        """Staff open a time with all the places of the time type's capacity: its new timeslotId.
        None (nothing opened) for an unknown time type or when the practitioner already has a slot then."""
        with self._write() as cursor:
            row = cursor.execute("SELECT capacity FROM time_type WHERE time_type_id = ?", (time_type_id,)).fetchone()
            clash = cursor.execute(
                'SELECT 1 FROM slot WHERE practitioner_hsa = ? AND start < ? AND "end" > ?', (practitioner, end, start)
            ).fetchone()
            if row is None or clash is not None:
                return None
            slot_id = str(uuid.uuid4())
            cursor.execute(
                'INSERT INTO slot (slot_id, unit_hsa, practitioner_hsa, time_type_id, start, "end", capacity)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (slot_id, unit, practitioner, time_type_id, start, end, int(row[0])),
            )
            return slot_id

    def free_slots(
        self,
        *,
        units: Collection[str],
        first_start: str,
        last_start: str,
        time_type_ids: Collection[str],
        practitioner: str | None = None,
    ) -> list[SlotRecord]:
        """Slots with a free place whose start lies in [first_start, last_start]."""
        if not units or not time_type_ids:
            return []
        sql = (
            _SLOT_SELECT
            + f" WHERE s.unit_hsa IN ({_placeholders(units)}) AND s.start >= ? AND s.start <= ?"
            + f" AND s.time_type_id IN ({_placeholders(time_type_ids)})"
        )
        parameters: list[Any] = [*units, first_start, last_start, *time_type_ids]
        if practitioner is not None:
            sql += " AND s.practitioner_hsa = ?"
            parameters.append(practitioner)
        sql += " AND taken < s.capacity ORDER BY s.start, u.position, s.practitioner_hsa, s.time_type_id"
        return [SlotRecord(*row) for row in self._rows(sql, parameters)]

    # -- appointments ----------------------------------------------------------------------------

    def _appointments(self, where: str, parameters: Sequence[Any]) -> list[AppointmentRecord]:
        sql = (
            f"SELECT {_APPOINTMENT_COLUMNS}, s.slot_id, s.unit_hsa, s.practitioner_hsa, p.first_name, p.last_name,"
            ' p.title, s.time_type_id, s.start, s."end", s.capacity, s.resource,'
            " (SELECT COUNT(*) FROM appointment o WHERE o.slot_id = s.slot_id AND o.state = 'active')"
            " FROM appointment a JOIN slot s ON s.slot_id = a.slot_id"
            f" JOIN practitioner p ON p.hsa_id = s.practitioner_hsa WHERE {where} ORDER BY s.start, a.seq"
        )
        records: list[AppointmentRecord] = []
        for row in self._rows(sql, parameters):
            related = tuple(sorted(str(row[14]).split(","))) if row[14] else ()
            records.append(
                AppointmentRecord(
                    appointment_id=row[0],
                    person_id=row[1],
                    person_root=row[2],
                    place=row[3],
                    state=row[4],
                    status=row[5],
                    confirm_by=row[6],
                    origin=row[7],
                    seeded=bool(row[8]),
                    new_reason_text=row[9],
                    new_reason_code=_code(row[10]),
                    update_reason_text=row[11],
                    update_reason_code=_code(row[12]),
                    replaced_by=row[13],
                    related_ids=related,
                    slot=SlotRecord(*row[15:]),
                )
            )
        return records

    def appointment(self, appointment_id: str) -> AppointmentRecord | None:
        found = self._appointments("a.appointment_id = ?", (appointment_id,))
        return found[0] if found else None

    def appointments_of(self, person_id: str, units: Collection[str]) -> list[AppointmentRecord]:
        """A citizen's active appointments at these units, by start time."""
        if not units:
            return []
        return self._appointments(
            f"a.person_id = ? AND a.state = 'active' AND s.unit_hsa IN ({_placeholders(units)})",
            (person_id, *units),
        )

    def seeded_appointments(self) -> list[AppointmentRecord]:
        return self._appointments("a.seeded = 1", ())

    def expire_proposals(self, now: str) -> int:
        """Clinic proposals (preliminary) not confirmed by their deadline lapse; their places free up."""
        with self._write() as cursor:
            cursor.execute(
                "UPDATE appointment SET state = 'expired', updated_at = ?"
                " WHERE state = 'active' AND status = 'preliminary' AND confirm_by IS NOT NULL AND confirm_by < ?",
                (now, now),
            )
            return cursor.rowcount

    @staticmethod
    def _occupied(cursor: sqlite3.Cursor, person_id: str, slot: SlotRecord, ignore: str | None) -> bool:
        return (
            cursor.execute(
                "SELECT 1 FROM appointment a JOIN slot s ON s.slot_id = a.slot_id WHERE a.person_id = ?"
                " AND a.state = 'active' AND s.start < ? AND s.\"end\" > ? AND a.appointment_id IS NOT ? LIMIT 1",
                (person_id, slot.end, slot.start, ignore),
            ).fetchone()
            is not None
        )

    @staticmethod
    def _free_place(cursor: sqlite3.Cursor, slot: SlotRecord, *, ignore: str | None = None) -> int | None:
        held = {
            int(row[0])
            for row in cursor.execute(
                "SELECT place FROM appointment WHERE slot_id = ? AND state = 'active' AND appointment_id IS NOT ?",
                (slot.slot_id, ignore),
            ).fetchall()
        }
        return next((place for place in range(slot.capacity) if place not in held), None)

    def _insert(
        self,
        cursor: sqlite3.Cursor,
        slot: SlotRecord,
        *,
        appointment_id: str,
        person_id: str,
        person_root: str,
        status: str,
        confirm_by: str | None,
        origin: str,
        new_reason: tuple[str | None, Code | None],
        update_reason: tuple[str | None, Code | None] = (None, None),
        now: str,
    ) -> None:
        """Take a place of `slot` for the citizen, or raise _Rollback."""
        if self._occupied(cursor, person_id, slot, None):
            raise _Rollback(BookingResult.OCCUPIED)
        place = self._free_place(cursor, slot)
        if place is None:
            raise _Rollback(BookingResult.TAKEN)
        try:
            cursor.execute(
                "INSERT INTO appointment (appointment_id, person_id, person_root, slot_id, place, state, status,"
                " confirm_by, origin, new_reason_text, new_reason_code, update_reason_text, update_reason_code,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    appointment_id,
                    person_id,
                    person_root,
                    slot.slot_id,
                    place,
                    status,
                    confirm_by,
                    origin,
                    new_reason[0],
                    _code_json(new_reason[1]),
                    update_reason[0],
                    _code_json(update_reason[1]),
                    now,
                    now,
                ),
            )
        except sqlite3.IntegrityError as error:  # another connection took the place first
            raise _Rollback(BookingResult.TAKEN) from error

    def book(
        self,
        slot: SlotRecord,
        *,
        appointment_id: str,
        person_id: str,
        person_root: str,
        status: str = "confirmed",
        confirm_by: str | None = None,
        origin: str = "citizen",
        reason_text: str | None = None,
        reason_code: Code | None = None,
        now: str,
    ) -> BookingResult | None:
        """Book a place of `slot`; None when done, else why not."""
        try:
            with self._write() as cursor:
                self._insert(
                    cursor,
                    slot,
                    appointment_id=appointment_id,
                    person_id=person_id,
                    person_root=person_root,
                    status=status,
                    confirm_by=confirm_by,
                    origin=origin,
                    new_reason=(reason_text, reason_code),
                    now=now,
                )
        except _Rollback as rollback:
            return rollback.result
        return None

    def move(
        self,
        original: AppointmentRecord,
        slot: SlotRecord,
        *,
        new_id: str,
        reason_text: str | None,
        reason_code: Code | None,
        now: str,
    ) -> BookingResult | None:
        """Move an active appointment to a place of `slot` in one transaction: the original place is
        released and the new one taken together. With `new_id` equal to the original id the
        appointment keeps its id; otherwise the original is marked updated (replaced_by new_id) and
        a new appointment takes over its relations. A moved appointment is confirmed: the citizen
        chose the new time. None when done, else why not."""
        try:
            with self._write() as cursor:
                if new_id == original.appointment_id:
                    self._move_in_place(cursor, original, slot, reason_text, reason_code, now)
                else:
                    self._replace(cursor, original, slot, new_id, reason_text, reason_code, now)
        except _Rollback as rollback:
            return rollback.result
        return None

    def _move_in_place(
        self,
        cursor: sqlite3.Cursor,
        original: AppointmentRecord,
        slot: SlotRecord,
        reason_text: str | None,
        reason_code: Code | None,
        now: str,
    ) -> None:
        if self._occupied(cursor, original.person_id, slot, original.appointment_id):
            raise _Rollback(BookingResult.OCCUPIED)
        place = self._free_place(cursor, slot, ignore=original.appointment_id)
        if place is None:
            raise _Rollback(BookingResult.TAKEN)
        try:
            cursor.execute(
                "UPDATE appointment SET slot_id = ?, place = ?, status = 'confirmed', confirm_by = NULL,"
                " update_reason_text = ?, update_reason_code = ?, updated_at = ?"
                " WHERE appointment_id = ? AND state = 'active'",
                (slot.slot_id, place, reason_text, _code_json(reason_code), now, original.appointment_id),
            )
        except sqlite3.IntegrityError as error:
            raise _Rollback(BookingResult.TAKEN) from error
        if cursor.rowcount != 1:
            raise _Rollback(BookingResult.GONE)

    def _replace(
        self,
        cursor: sqlite3.Cursor,
        original: AppointmentRecord,
        slot: SlotRecord,
        new_id: str,
        reason_text: str | None,
        reason_code: Code | None,
        now: str,
    ) -> None:
        cursor.execute(
            "UPDATE appointment SET state = 'updated', replaced_by = ?, updated_at = ?"
            " WHERE appointment_id = ? AND state = 'active'",
            (new_id, now, original.appointment_id),
        )
        if cursor.rowcount != 1:
            raise _Rollback(BookingResult.GONE)
        self._insert(
            cursor,
            slot,
            appointment_id=new_id,
            person_id=original.person_id,
            person_root=original.person_root,
            status="confirmed",
            confirm_by=None,
            origin=original.origin,
            new_reason=(original.new_reason_text, original.new_reason_code),
            update_reason=(reason_text, reason_code),
            now=now,
        )
        cursor.execute(
            "INSERT INTO appointment_relation (appointment_id, related_id)"
            " SELECT ?, related_id FROM appointment_relation WHERE appointment_id = ?"
            " UNION ALL SELECT related_id, ? FROM appointment_relation WHERE appointment_id = ?",
            (new_id, original.appointment_id, new_id, original.appointment_id),
        )

    def cancel(self, appointment_id: str, *, reason_text: str | None, reason_code: Code | None, now: str) -> bool:
        """Cancel an active appointment; its place is free the moment this commits."""
        with self._write() as cursor:
            cursor.execute(
                "UPDATE appointment SET state = 'cancelled', cancel_reason_text = ?, cancel_reason_code = ?,"
                " updated_at = ? WHERE appointment_id = ? AND state = 'active'",
                (reason_text, _code_json(reason_code), now, appointment_id),
            )
            return cursor.rowcount == 1

    def confirm(self, appointment_id: str, *, now: str) -> bool:
        """Confirm an active, preliminary appointment whose deadline has not passed."""
        with self._write() as cursor:
            cursor.execute(
                "UPDATE appointment SET status = 'confirmed', confirm_by = NULL, updated_at = ?"
                " WHERE appointment_id = ? AND state = 'active' AND status = 'preliminary'"
                " AND (confirm_by IS NULL OR confirm_by >= ?)",
                (now, appointment_id, now),
            )
            return cursor.rowcount == 1
