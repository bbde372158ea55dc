"""Fill a fresh database with one region's care units, staff, schedules, slots, citizens and bookings.

Everything but the calendar is reproducible from the seed number: the slots start on `first_day`
(tomorrow, when the simulator is started) and run for `days` days, Monday to Friday, in four blocks a
day that rotate over each practitioner's schedules. Some slots are left out (the usual gaps), some
citizens already have bookings, one a cancelled booking, one a timed and one an open invitation
(kallelse), and one a place in a group session.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import uuid

from simulators.common.regions import Region
from simulators.common.seed import (
    CARE_TYPES,
    FIRST_NAMES,
    LAST_NAMES,
    TIME_TYPES,
    SeedTimeType,
    care_units_for,
    test_personal_number,
)
from simulators.fhir_server.store import Database, refresh_slot
from simulators.fhir_server.terminology import SWEDISH_TIME

__all__ = ["seed_database"]

_BLOCKS = ((8 * 60, 10 * 60), (10 * 60, 12 * 60), (13 * 60, 14 * 60 + 30), (14 * 60 + 30, 16 * 60))
_SKIP_SHARE = 0.15
_CITIZENS = 12
_COMMENTS = {
    "physical": "Kom gärna tio minuter före utsatt tid.",
    "video": "Länk till videomötet kommer i 1177-appen.",
    "phone": "Vi ringer upp dig på angivet nummer.",
}


def _new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _epoch(day: dt.date, minutes: int) -> int:
    local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=SWEDISH_TIME)
    return int(local.timestamp())


def seed_database(
    database: Database,
    region: Region,
    seed: int,
    *,
    first_day: dt.date,
    days: int = 21,
    units: int = 3,
    now: dt.datetime | None = None,
) -> None:
    rng = random.Random(seed)
    stamp = int((now or dt.datetime.now(dt.UTC)).timestamp())
    time_types = {t.time_type_id: t for t in TIME_TYPES}
    with database.write() as db:
        db.execute("INSERT INTO meta VALUES ('region', ?), ('seed', ?)", (region.code, str(seed)))
        organization_id = _new_id(rng)
        db.execute("INSERT INTO organization VALUES (?, ?, ?)", (organization_id, region.hsa_id, region.name))
        db.executemany("INSERT INTO care_type VALUES (?, ?)", [(c.care_type_id, c.name) for c in CARE_TYPES])
        db.executemany(
            "INSERT INTO time_type VALUES (?, ?, ?, ?, ?, ?)",
            [(t.time_type_id, t.name, t.care_type_id, t.minutes, t.channel, t.group_capacity) for t in TIME_TYPES],
        )
        horizon = (_epoch(first_day, 0), _epoch(first_day + dt.timedelta(days=days), 0))
        for index, unit in enumerate(care_units_for(region, rng, count=units)):
            location_id = _new_id(rng)
            town = region.towns[index % len(region.towns)]
            db.execute(
                "INSERT INTO location VALUES (?, ?, ?, ?, ?)",
                (location_id, unit.hsa_id, unit.name, town, organization_id),
            )
            for care_type in sorted({time_types[t].care_type_id for t in unit.time_type_ids}):
                db.execute("INSERT INTO healthcare_service VALUES (?, ?, ?)", (_new_id(rng), location_id, care_type))
            for performer in unit.performers:
                practitioner_id = _new_id(rng)
                db.execute(
                    "INSERT INTO practitioner VALUES (?, ?, ?, ?, ?)",
                    (practitioner_id, performer.hsa_id, performer.first_name, performer.last_name, performer.title),
                )
                own = [time_types[t] for t in unit.time_type_ids if time_types[t].performer_title == performer.title]
                schedules = []
                for time_type in own:
                    schedule_id = _new_id(rng)
                    db.execute(
                        "INSERT INTO schedule VALUES (?, ?, ?, ?, ?, ?)",
                        (schedule_id, practitioner_id, location_id, time_type.time_type_id, *horizon),
                    )
                    schedules.append((schedule_id, time_type))
                _seed_slots(db, rng, schedules, first_day, days, stamp)
        _seed_citizens(db, rng, stamp)


def _seed_slots(
    db: sqlite3.Connection,
    rng: random.Random,
    schedules: list[tuple[str, SeedTimeType]],
    first_day: dt.date,
    days: int,
    stamp: int,
) -> None:
    rows = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        group_held = False
        for block_index, (block_start, block_end) in enumerate(_BLOCKS):
            schedule_id, time_type = schedules[(block_index + offset) % len(schedules)]
            if time_type.group_capacity > 1:
                if group_held:
                    continue
                group_held = True
            start = block_start
            while start + time_type.minutes <= block_end:
                if time_type.group_capacity > 1 or rng.random() >= _SKIP_SHARE:
                    rows.append(
                        (
                            _new_id(rng),
                            schedule_id,
                            _epoch(day, start),
                            _epoch(day, start + time_type.minutes),
                            "free",
                            time_type.group_capacity,
                            _COMMENTS[time_type.channel],
                            1,
                            stamp,
                        )
                    )
                start += time_type.minutes
    db.executemany("INSERT INTO slot VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _seed_citizens(db: sqlite3.Connection, rng: random.Random, stamp: int) -> None:
    patients = []
    for _ in range(_CITIZENS):
        patient_id = _new_id(rng)
        number = test_personal_number(rng)
        given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        phone = f"070-{rng.randint(1000000, 9999999)}"
        db.execute(
            "INSERT INTO patient VALUES (?, ?, ?, ?, ?, NULL, 1, ?)", (patient_id, number, given, family, phone, stamp)
        )
        patients.append(patient_id)
    single = [
        row
        for row in db.execute(
            "SELECT slot.id, slot.start, slot.capacity FROM slot ORDER BY slot.start, slot.id"
        ).fetchall()
        if row["capacity"] == 1
    ]
    group = db.execute("SELECT id FROM slot WHERE capacity > 1 ORDER BY start, id LIMIT 1").fetchone()
    picks = rng.sample(single, 9)
    # citizens 0-6 have a booking each, citizen 6 also a cancelled one, 7 a timed invitation, 8 an open one
    for patient_index in range(7):
        _book(db, rng, patients[patient_index], picks[patient_index]["id"], "booked", stamp)
    _book(db, rng, patients[6], picks[7]["id"], "cancelled", stamp, reason="Avbokad av patienten")
    _book(db, rng, patients[7], picks[8]["id"], "proposed", stamp, description="Kallelse: årskontroll")
    location = db.execute("SELECT location_id FROM schedule WHERE time_type_code = 'LAK30' LIMIT 1").fetchone()
    db.execute(
        "INSERT INTO appointment (id, status, patient_id, time_type_code, location_id, description, created,"
        " last_updated) VALUES (?, 'proposed', ?, 'LAK30', ?, 'Kallelse: hälsokontroll, boka en tid som passar', ?, ?)",
        (_new_id(rng), patients[8], location["location_id"], stamp, stamp),
    )
    if group is not None:
        _book(db, rng, patients[3], group["id"], "booked", stamp)


def _book(
    db: sqlite3.Connection,
    rng: random.Random,
    patient_id: str,
    slot_id: str,
    status: str,
    stamp: int,
    *,
    reason: str | None = None,
    description: str | None = None,
) -> None:
    slot = db.execute(
        "SELECT slot.*, schedule.practitioner_id, schedule.location_id, schedule.time_type_code FROM slot"
        " JOIN schedule ON schedule.id = slot.schedule_id WHERE slot.id = ?",
        (slot_id,),
    ).fetchone()
    db.execute(
        'INSERT INTO appointment (id, status, patient_id, slot_id, seat, start, "end", time_type_code,'
        " practitioner_id, location_id, description, cancelation_reason, created, last_updated)"
        " VALUES (?, ?, ?, ?, 1 + (SELECT COUNT(*) FROM appointment WHERE slot_id = ? AND status != 'cancelled'),"
        " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            _new_id(rng),
            status,
            patient_id,
            slot_id,
            slot_id,
            slot["start"],
            slot["end"],
            slot["time_type_code"],
            slot["practitioner_id"],
            slot["location_id"],
            description,
            reason,
            stamp,
            stamp,
        ),
    )
    refresh_slot(db, slot_id, stamp)
