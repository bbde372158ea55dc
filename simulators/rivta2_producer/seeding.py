"""What a freshly started upgraded region holds, planned from (region, seed, first day): care units
and their staff, time types, bookable slots with their own UUIDs, citizens, referrals to protected
time types, and appointments, some confirmed and some proposed by the clinic (preliminary, with a
confirm-by deadline). The same inputs always give the same plan, ids included."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from simulators.common.regions import Region
from simulators.common.seed import (
    FIRST_NAMES,
    LAST_NAMES,
    TIME_TYPES,
    SeedCareUnit,
    SeedTimeType,
    care_units_for,
    test_personal_number,
)

__all__ = ["AppointmentSeed", "CitizenSeed", "ReferralSeed", "SeedPlan", "SlotSeed", "plan_region"]

_BLOCKS = (
    (dt.time(8, 0), dt.time(10, 0)),
    (dt.time(10, 0), dt.time(12, 0)),
    (dt.time(13, 0), dt.time(14, 30)),
    (dt.time(14, 30), dt.time(16, 0)),
)
_GROUP_WEEKDAY = 2  # group sessions on Wednesdays
_GROUP_START = dt.time(13, 0)
_SHARE_ALREADY_TAKEN = 0.35  # times other patients already hold: not generated at all
_CITIZEN_COUNT = 6
_EARLIEST_SEEDED_DAY = 3  # seeded appointments start at least this many days ahead
_TS = "%Y%m%d%H%M%S"


@dataclass(frozen=True, slots=True)
class SlotSeed:
    slot_id: str  # UUID, lower case
    unit_hsa: str
    practitioner_hsa: str
    time_type_id: str
    start: str  # YYYYMMDDhhmmss, Swedish local time
    end: str
    capacity: int  # places: 1, or the size of a group session
    resource: str | None


@dataclass(frozen=True, slots=True)
class CitizenSeed:
    person_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class ReferralSeed:
    """A citizen's right to book a protected (hidden) time type at a unit (remiss, bedömning)."""

    person_id: str
    unit_hsa: str
    time_type_id: str


@dataclass(frozen=True, slots=True)
class AppointmentSeed:
    appointment_id: str
    person_id: str
    slot_id: str
    status: str  # confirmed | preliminary
    confirm_by: str | None  # preliminary: the proposal lapses after this time
    origin: str  # citizen (booked it) | clinic (proposed it)
    reason_text: str | None = None
    related_to: str | None = None  # another seeded appointment this one belongs with


@dataclass(frozen=True, slots=True)
class SeedPlan:
    region: Region
    seed: int
    units: tuple[SeedCareUnit, ...]
    time_types: tuple[SeedTimeType, ...]
    slots: tuple[SlotSeed, ...]
    citizens: tuple[CitizenSeed, ...]
    referrals: tuple[ReferralSeed, ...]
    appointments: tuple[AppointmentSeed, ...]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def plan_region(
    region: Region, seed: int, now: dt.datetime, *, unit_count: int = 3, weeks: int = 6, proposal_days: int = 5
) -> SeedPlan:
    """The region's starting state. Slots run from `now`'s date for `weeks` weeks, weekdays only."""
    rng = random.Random(f"rivta2-producer:{region.code}:{seed}")
    units = tuple(care_units_for(region, rng, unit_count))
    offered = {time_type for unit in units for time_type in unit.time_type_ids}
    time_types = tuple(t for t in TIME_TYPES if t.time_type_id in offered)
    slots = tuple(_plan_slots(units, now.date(), weeks, rng))
    citizens = _plan_citizens(rng)
    referrals, appointments = _plan_appointments(units, slots, citizens, now, proposal_days, rng)
    return SeedPlan(region, seed, units, time_types, slots, citizens, referrals, appointments)


def _plan_slots(units: tuple[SeedCareUnit, ...], first_day: dt.date, weeks: int, rng: random.Random) -> list[SlotSeed]:
    by_id = {t.time_type_id: t for t in TIME_TYPES}
    slots: list[SlotSeed] = []
    for unit in units:
        for room, practitioner in enumerate(unit.performers, start=1):
            own = [by_id[t] for t in unit.time_type_ids if by_id[t].performer_title == practitioner.title]
            singles = [t for t in own if t.group_capacity == 1]
            groups = [t for t in own if t.group_capacity > 1]
            for offset in range(weeks * 7):
                day = first_day + dt.timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                for block_index, (block_start, block_end) in enumerate(_BLOCKS if singles else ()):
                    time_type = singles[(block_index + offset) % len(singles)]
                    resource = f"Mottagningsrum {room}" if time_type.channel == "physical" else None
                    moment = dt.datetime.combine(day, block_start)
                    stop = dt.datetime.combine(day, block_end)
                    length = dt.timedelta(minutes=time_type.minutes)
                    while moment + length <= stop:
                        slot_id = _uuid(rng)  # drawn for every time, so ids do not shift with the share taken
                        if rng.random() >= _SHARE_ALREADY_TAKEN:
                            slots.append(
                                SlotSeed(
                                    slot_id,
                                    unit.hsa_id,
                                    practitioner.hsa_id,
                                    time_type.time_type_id,
                                    moment.strftime(_TS),
                                    (moment + length).strftime(_TS),
                                    1,
                                    resource,
                                )
                            )
                        moment += length
                if day.weekday() == _GROUP_WEEKDAY:
                    for time_type in groups:
                        start = dt.datetime.combine(day, _GROUP_START)
                        end = start + dt.timedelta(minutes=time_type.minutes)
                        slots.append(
                            SlotSeed(
                                _uuid(rng),
                                unit.hsa_id,
                                practitioner.hsa_id,
                                time_type.time_type_id,
                                start.strftime(_TS),
                                end.strftime(_TS),
                                time_type.group_capacity,
                                "Grupprummet",
                            )
                        )
    return slots


def _plan_citizens(rng: random.Random) -> tuple[CitizenSeed, ...]:
    citizens: list[CitizenSeed] = []
    seen: set[str] = set()
    while len(citizens) < _CITIZEN_COUNT:
        number = test_personal_number(rng, born_between=(1945, 2004))
        if number not in seen:
            seen.add(number)
            citizens.append(CitizenSeed(number, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    return tuple(citizens)


def _plan_appointments(
    units: tuple[SeedCareUnit, ...],
    slots: tuple[SlotSeed, ...],
    citizens: tuple[CitizenSeed, ...],
    now: dt.datetime,
    proposal_days: int,
    rng: random.Random,
) -> tuple[tuple[ReferralSeed, ...], tuple[AppointmentSeed, ...]]:
    earliest = (now + dt.timedelta(days=_EARLIEST_SEEDED_DAY)).strftime(_TS)
    taken: set[str] = set()

    def pick(unit: SeedCareUnit, time_type_id: str, *, after: str = earliest) -> SlotSeed | None:
        candidates = [
            s
            for s in slots
            if s.unit_hsa == unit.hsa_id
            and s.time_type_id == time_type_id
            and s.start >= after
            and s.slot_id not in taken
        ]
        if not candidates:
            return None
        chosen = candidates[rng.randrange(min(len(candidates), 12))]  # within the first dozen: soon, not far
        taken.add(chosen.slot_id)
        return chosen

    def confirm_by(slot: SlotSeed, days: int) -> str:
        start = dt.datetime.strptime(slot.start, _TS).replace(tzinfo=now.tzinfo)
        deadline = min(now + dt.timedelta(days=days), start - dt.timedelta(hours=48))
        return deadline.strftime(_TS)

    health_centre = units[0]  # always a vårdcentral with the broadest offer
    appointments: list[AppointmentSeed] = []

    def add(
        person: int, unit: SeedCareUnit, time_type_id: str, *, after: str = earliest, reason_text: str | None = None
    ) -> AppointmentSeed | None:
        """A confirmed appointment the citizen booked; None when the calendar has nothing left."""
        slot = pick(unit, time_type_id, after=after)
        if slot is None:
            return None
        seeded = AppointmentSeed(
            _uuid(rng), citizens[person].person_id, slot.slot_id, "confirmed", None, "citizen", reason_text
        )
        appointments.append(seeded)
        return seeded

    # 0: a blood test the clinic proposed before a doctor's follow-up the citizen booked; related.
    test = pick(health_centre, "PROV", after=(now + dt.timedelta(days=proposal_days + 2)).strftime(_TS))
    if test is not None:
        test_id = _uuid(rng)
        follow_up = add(0, health_centre, "LAK30", after=test.end, reason_text="Återbesök för blodtryckskontroll")
        appointments.append(
            AppointmentSeed(
                test_id,
                citizens[0].person_id,
                test.slot_id,
                "preliminary",
                confirm_by(test, proposal_days),
                "clinic",
                related_to=None if follow_up is None else follow_up.appointment_id,
            )
        )
    # 1: a video visit and a nurse's visit, both booked by the citizen.
    add(1, health_centre, "VIDLAK", reason_text="Hudutslag sedan två veckor")
    add(1, health_centre, "SSK15")
    # 2: a clinic proposal that must be confirmed within a day.
    short = pick(health_centre, "PROV")
    if short is not None:
        appointments.append(
            AppointmentSeed(
                _uuid(rng), citizens[2].person_id, short.slot_id, "preliminary", confirm_by(short, 1), "clinic"
            )
        )
    # 3: a referral to the protected KBT time type (nothing booked yet), and a phone time.
    referrals = (ReferralSeed(citizens[3].person_id, health_centre.hsa_id, "KBT"),)
    add(3, health_centre, "TELSSK", reason_text="Frågor om medicinering")
    # 4: a place in a parents' group at the child health centre.
    if len(units) > 1:
        add(4, units[1], "GRPFOR")
    # 5: nobody has booked anything yet.
    return referrals, tuple(appointments)
