"""Fill a fresh Kalendra database with one region's clinics, visit kinds, providers, openings,
patients and reservations.

Everything but the calendar is reproducible from the seed number. Clinics, providers and visit
kinds come from `simulators.common.seed` (clinics and providers carry their HSA-ids, visit kinds
the national time-type id as `external_code`, categories the national care-type id). Openings run
Monday to Friday in four blocks a day, rotating over each provider's visit kinds, with the usual
gaps; the first patients already hold reservations, one of them also a cancelled one. Group time
types (GRPFOR) become group sessions: one opening with `capacity` places every Wednesday at 13:00,
planned `_GROUP_WEEKS` ahead. They are seeded last, from a random stream of their own, so the rest
of a region's seed is the same as before group sessions existed.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from zoneinfo import ZoneInfo

from simulators.common.regions import Region
from simulators.common.seed import (
    CARE_TYPES,
    FIRST_NAMES,
    LAST_NAMES,
    TIME_TYPES,
    SeedCareUnit,
    care_units_for,
    test_personal_number,
)
from simulators.kalendra.store import Database, new_id

__all__ = ["CATEGORY_KEYS", "SWEDISH_TIME", "seed_database"]

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")

CATEGORY_KEYS = {
    "VT01": "general-practice",
    "VT02": "lab-tests",
    "VT03": "vaccination",
    "VT04": "physiotherapy",
    "VT05": "mental-health",
    "VT06": "child-health",
}
_MODES = {"physical": "in_person", "video": "video", "phone": "phone"}
_PREPARATION = {
    "PROV": "Kom fastande: ät inget efter kl. 22 kvällen före, vatten går bra.",
    "VIDLAK": "Logga in i 1177-appen fem minuter före utsatt tid.",
}
_BLOCKS = ((8 * 60, 10 * 60), (10 * 60, 12 * 60), (13 * 60, 14 * 60 + 30), (14 * 60 + 30, 16 * 60))
_SKIP_SHARE = 0.15
_PATIENTS = 12
_WITH_RESERVATIONS = 6
_GROUP_WEEKDAY = 2  # Wednesday
_GROUP_START = 13 * 60
_GROUP_WEEKS = 8  # group courses are planned further ahead than single visits


def _epoch(day: dt.date, minutes: int) -> int:
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=SWEDISH_TIME)
    return int(local.timestamp())


def seed_database(
    database: Database,
    region: Region,
    seed: int,
    *,
    first_day: dt.date,
    days: int,
    clinics: int,
    cancel_cutoff_hours: int,
    now: dt.datetime,
) -> None:
    rng = random.Random(seed)
    stamp = int(now.timestamp())
    time_types = {t.time_type_id: t for t in TIME_TYPES}
    groups: list[tuple[str, SeedCareUnit]] = []
    with database.write() as db:
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("region", region.code), ("seed", str(seed)), ("first_day", first_day.isoformat())],
        )
        db.executemany(
            "INSERT INTO category VALUES (?, ?, ?)",
            [(CATEGORY_KEYS[c.care_type_id], c.name, c.care_type_id) for c in CARE_TYPES],
        )
        for index, unit in enumerate(care_units_for(region, rng, count=clinics)):
            clinic_id = new_id("cln", rng)
            db.execute(
                "INSERT INTO clinic VALUES (?, ?, ?, ?, ?)",
                (clinic_id, unit.name, region.towns[index % len(region.towns)], unit.hsa_id, cancel_cutoff_hours * 60),
            )
            visit_kinds: dict[str, str] = {}
            if any(time_types[code].group_capacity > 1 for code in unit.time_type_ids):
                groups.append((clinic_id, unit))
            for code in unit.time_type_ids:
                kind = time_types[code]
                if kind.group_capacity > 1:
                    continue
                visit_kinds[code] = new_id("vk", rng)
                db.execute(
                    "INSERT INTO visit_kind VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        visit_kinds[code],
                        clinic_id,
                        kind.name,
                        CATEGORY_KEYS[kind.care_type_id],
                        code,
                        kind.minutes,
                        _MODES[kind.channel],
                        _PREPARATION.get(code),
                    ),
                )
            for performer in unit.performers:
                offered = [
                    (visit_kinds[code], time_types[code].minutes)
                    for code in visit_kinds
                    if time_types[code].performer_title == performer.title
                ]
                if not offered:
                    continue
                provider_id = new_id("prv", rng)
                names = (performer.first_name, performer.last_name, performer.title)
                db.execute(
                    "INSERT INTO provider VALUES (?, ?, ?, ?, ?, ?)", (provider_id, clinic_id, performer.hsa_id, *names)
                )
                db.executemany(
                    "INSERT INTO provider_visit_kind VALUES (?, ?)", [(provider_id, kind) for kind, _ in offered]
                )
                _seed_openings(db, rng, clinic_id, provider_id, offered, first_day, days)
        _seed_patients(db, rng, stamp)
        group_rng = random.Random(f"kalendra-groups:{region.code}:{seed}")
        for clinic_id, unit in groups:
            _seed_group_sessions(db, group_rng, clinic_id, unit, first_day)


def _seed_openings(
    db: sqlite3.Connection,
    rng: random.Random,
    clinic_id: str,
    provider_id: str,
    offered: list[tuple[str, int]],
    first_day: dt.date,
    days: int,
) -> None:
    rows = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for block_index, (block_start, block_end) in enumerate(_BLOCKS):
            visit_kind_id, minutes = offered[(block_index + offset) % len(offered)]
            start = block_start
            while start + minutes <= block_end:
                if rng.random() >= _SKIP_SHARE:
                    rows.append(
                        (
                            new_id("opn", rng),
                            clinic_id,
                            provider_id,
                            visit_kind_id,
                            _epoch(day, start),
                            _epoch(day, start + minutes),
                        )
                    )
                start += minutes
    db.executemany(
        "INSERT INTO opening (id, clinic_id, provider_id, visit_kind_id, starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )


def _seed_group_sessions(
    db: sqlite3.Connection, rng: random.Random, clinic_id: str, unit: SeedCareUnit, first_day: dt.date
) -> None:
    """The unit's group time types as visit kinds, their providers, and a weekly session each."""
    by_id = {t.time_type_id: t for t in TIME_TYPES}
    for code in unit.time_type_ids:
        kind = by_id[code]
        if kind.group_capacity <= 1:
            continue
        visit_kind_id = new_id("vk", rng)
        db.execute(
            "INSERT INTO visit_kind VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                visit_kind_id,
                clinic_id,
                kind.name,
                CATEGORY_KEYS[kind.care_type_id],
                code,
                kind.minutes,
                _MODES[kind.channel],
                _PREPARATION.get(code),
            ),
        )
        for performer in (p for p in unit.performers if p.title == kind.performer_title):
            known = db.execute(
                "SELECT id FROM provider WHERE clinic_id = ? AND hsa_id = ?", (clinic_id, performer.hsa_id)
            ).fetchone()
            provider_id = known["id"] if known is not None else new_id("prv", rng)
            if known is None:
                db.execute(
                    "INSERT INTO provider VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        provider_id,
                        clinic_id,
                        performer.hsa_id,
                        performer.first_name,
                        performer.last_name,
                        performer.title,
                    ),
                )
            db.execute("INSERT INTO provider_visit_kind VALUES (?, ?)", (provider_id, visit_kind_id))
            for offset in range(_GROUP_WEEKS * 7):
                day = first_day + dt.timedelta(days=offset)
                if day.weekday() != _GROUP_WEEKDAY:
                    continue
                db.execute(
                    "INSERT INTO opening (id, clinic_id, provider_id, visit_kind_id, starts_at, ends_at, capacity)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id("opn", rng),
                        clinic_id,
                        provider_id,
                        visit_kind_id,
                        _epoch(day, _GROUP_START),
                        _epoch(day, _GROUP_START + kind.minutes),
                        kind.group_capacity,
                    ),
                )
            break  # one leader per group


def _seed_patients(db: sqlite3.Connection, rng: random.Random, stamp: int) -> None:
    patients = []
    for _ in range(_PATIENTS):
        patient_id = new_id("pat", rng)
        db.execute(
            "INSERT INTO patient VALUES (?, ?, ?, ?, ?, NULL, ?)",
            (
                patient_id,
                test_personal_number(rng),
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                f"070-{rng.randint(1000000, 9999999)}",
                stamp,
            ),
        )
        patients.append(patient_id)
    openings = db.execute("SELECT id, starts_at, ends_at FROM opening ORDER BY starts_at, id").fetchall()
    picks = [openings[index] for index in sorted(rng.sample(range(len(openings)), _WITH_RESERVATIONS + 2))]
    for patient_index in range(_WITH_RESERVATIONS - 1):
        _reserve(db, rng, patients[patient_index], picks[patient_index]["id"], stamp, note=None)
    # the last of them holds two reservations and had a third one cancelled: never at the same time
    last = patients[_WITH_RESERVATIONS - 1]
    held: list[sqlite3.Row] = []
    for opening in picks[_WITH_RESERVATIONS - 1 :]:
        if any(opening["starts_at"] < other["ends_at"] and other["starts_at"] < opening["ends_at"] for other in held):
            continue
        held.append(opening)
    for opening in held[:-1]:
        _reserve(db, rng, last, opening["id"], stamp, note="Kontroll av blodtryck")
    cancelled = _reserve(db, rng, last, held[-1]["id"], stamp, note=None)
    db.execute(
        "UPDATE reservation SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE id = ?",
        (stamp, "Förhindrad", cancelled),
    )


def _reserve(
    db: sqlite3.Connection, rng: random.Random, patient_id: str, opening_id: str, stamp: int, *, note: str | None
) -> str:
    reservation_id = new_id("res", rng)
    db.execute(
        "INSERT INTO reservation (id, opening_id, patient_id, status, note, created_at, updated_at)"
        " VALUES (?, ?, ?, 'active', ?, ?, ?)",
        (reservation_id, opening_id, patient_id, note, stamp, stamp),
    )
    return reservation_id
