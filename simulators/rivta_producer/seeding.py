"""What a freshly started region holds, planned from (region, seed, first day): care units and their
staff, time types, free slots for the coming weeks, and a few citizens with bookings and
invitations (kallelser). The same inputs always give the same plan."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from simulators.common.regions import Region
from simulators.common.seed import (
    CARE_TYPES,
    FIRST_NAMES,
    LAST_NAMES,
    TIME_TYPES,
    SeedCareType,
    SeedCareUnit,
    SeedTimeType,
    care_units_for,
    test_personal_number,
)

__all__ = [
    "BookingSeed",
    "CitizenSeed",
    "SeedPlan",
    "SeedRole",
    "SlotSeed",
    "plan_region",
]

# Office hours in blocks; each block of a performer's day goes to one of their time types.
_BLOCKS = (
    (dt.time(8, 0), dt.time(10, 0)),
    (dt.time(10, 0), dt.time(12, 0)),
    (dt.time(13, 0), dt.time(14, 30)),
    (dt.time(14, 30), dt.time(16, 0)),
)
_GROUP_DAY = 2  # group sessions on Wednesdays
_GROUP_START = dt.time(13, 0)
_SHARE_ALREADY_TAKEN = 0.35  # slots other patients already hold: not generated at all
_CITIZEN_COUNT = 6
_EARLIEST_SEEDED_DAY = 3  # seeded bookings start at least this many days ahead (cancellable)
_TS = "%Y%m%d%H%M%S"


class SeedRole:
    """How a seeded booking row came to be, for the admin listing."""

    BOOKING = "booking"
    TIMED_INVITATION = "timed_invitation"
    OPEN_INVITATION = "open_invitation"


@dataclass(frozen=True, slots=True)
class SlotSeed:
    unit_hsa: str
    performer_hsa: str
    time_type_id: str
    start: str  # YYYYMMDDhhmmss, Swedish local time
    end: str
    seat: int  # 0 for ordinary slots; 0..capacity-1 for the places of a group session
    resource_id: str | None
    resource_name: str | None


@dataclass(frozen=True, slots=True)
class CitizenSeed:
    personal_number: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class BookingSeed:
    role: str  # a SeedRole value
    subject_of_care: str
    unit_hsa: str
    time_type_id: str
    slot_index: int | None  # index into SeedPlan.slots; None for an open invitation
    purpose: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SeedPlan:
    region: Region
    seed: int
    units: tuple[SeedCareUnit, ...]
    time_types: tuple[SeedTimeType, ...]
    care_types: tuple[SeedCareType, ...]
    slots: tuple[SlotSeed, ...]
    citizens: tuple[CitizenSeed, ...]
    bookings: tuple[BookingSeed, ...]


_TIMED_INVITATION_TEXT = (
    "<article><title>Kallelse till provtagning</title>"
    "<para>Du kallas till provtagning inför din årliga kontroll. Kom fastande: ät och drick inget "
    "utom vatten efter kl. 22 kvällen före.</para>"
    "<para>Passar inte tiden kan du boka om den här eller ringa mottagningen.</para></article>"
)
_OPEN_INVITATION_TEXT = "Du är välkommen att boka en tid för vaccination mot influensa. Välj en tid som passar dig."
_OPEN_INVITATION_KBT_TEXT = "Efter din bedömning erbjuds du KBT-samtal. Boka din första tid hos psykologen."


def plan_region(region: Region, seed: int, first_day: dt.date, *, unit_count: int = 3, weeks: int = 8) -> SeedPlan:
    """The region's starting state. Slots run from `first_day` for `weeks` weeks, weekdays only."""
    rng = random.Random(f"rivta-producer:{region.code}:{seed}")
    units = tuple(care_units_for(region, rng, unit_count))
    offered = {tt for unit in units for tt in unit.time_type_ids}
    time_types = tuple(t for t in TIME_TYPES if t.time_type_id in offered)
    care_type_ids = {t.care_type_id for t in time_types}
    care_types = tuple(c for c in CARE_TYPES if c.care_type_id in care_type_ids)
    slots = tuple(_plan_slots(units, first_day, weeks, rng))
    citizens, bookings = _plan_citizens(units, slots, first_day, rng)
    return SeedPlan(
        region=region,
        seed=seed,
        units=units,
        time_types=time_types,
        care_types=care_types,
        slots=slots,
        citizens=citizens,
        bookings=bookings,
    )


def _plan_slots(units: tuple[SeedCareUnit, ...], first_day: dt.date, weeks: int, rng: random.Random) -> list[SlotSeed]:
    by_id = {t.time_type_id: t for t in TIME_TYPES}
    slots: list[SlotSeed] = []
    for unit in units:
        for room, performer in enumerate(unit.performers, start=1):
            own = [by_id[t] for t in unit.time_type_ids if by_id[t].performer_title == performer.title]
            singles = [t for t in own if t.group_capacity == 1]
            groups = [t for t in own if t.group_capacity > 1]
            for offset in range(weeks * 7):
                day = first_day + dt.timedelta(days=offset)
                if day.weekday() >= 5:
                    continue
                if singles:
                    for block_index, (block_start, block_end) in enumerate(_BLOCKS):
                        time_type = singles[(block_index + offset) % len(singles)]
                        resource = _resource(time_type, room)
                        moment = dt.datetime.combine(day, block_start)
                        block_stop = dt.datetime.combine(day, block_end)
                        length = dt.timedelta(minutes=time_type.minutes)
                        while moment + length <= block_stop:
                            if rng.random() >= _SHARE_ALREADY_TAKEN:
                                slots.append(
                                    SlotSeed(
                                        unit.hsa_id,
                                        performer.hsa_id,
                                        time_type.time_type_id,
                                        moment.strftime(_TS),
                                        (moment + length).strftime(_TS),
                                        0,
                                        *resource,
                                    )
                                )
                            moment += length
                if day.weekday() == _GROUP_DAY:
                    for time_type in groups:
                        start = dt.datetime.combine(day, _GROUP_START)
                        end = start + dt.timedelta(minutes=time_type.minutes)
                        for seat in range(time_type.group_capacity):
                            slots.append(
                                SlotSeed(
                                    unit.hsa_id,
                                    performer.hsa_id,
                                    time_type.time_type_id,
                                    start.strftime(_TS),
                                    end.strftime(_TS),
                                    seat,
                                    "GRUPPRUM",
                                    "Grupprummet",
                                )
                            )
    return slots


def _resource(time_type: SeedTimeType, room: int) -> tuple[str | None, str | None]:
    if time_type.channel == "physical":
        return f"RUM{room:02d}", f"Mottagningsrum {room}"
    return None, None


def _plan_citizens(
    units: tuple[SeedCareUnit, ...], slots: tuple[SlotSeed, ...], first_day: dt.date, rng: random.Random
) -> tuple[tuple[CitizenSeed, ...], tuple[BookingSeed, ...]]:
    citizens: list[CitizenSeed] = []
    seen: set[str] = set()
    while len(citizens) < _CITIZEN_COUNT:
        number = test_personal_number(rng, born_between=(1945, 2004))
        if number in seen:
            continue
        seen.add(number)
        citizens.append(CitizenSeed(number, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))

    earliest = (first_day + dt.timedelta(days=_EARLIEST_SEEDED_DAY)).strftime(_TS)
    taken: set[int] = set()

    def pick(unit: SeedCareUnit, time_type_id: str) -> int | None:
        candidates = [
            index
            for index, slot in enumerate(slots)
            if slot.unit_hsa == unit.hsa_id
            and slot.time_type_id == time_type_id
            and slot.start >= earliest
            and slot.seat == 0
            and index not in taken
        ]
        if not candidates:
            return None
        chosen = candidates[rng.randrange(len(candidates))]
        taken.add(chosen)
        return chosen

    health_centre = units[0]  # the first unit is always a vårdcentral with the broadest offer
    bookings: list[BookingSeed] = []
    script: tuple[tuple[int, str, str, str | None, str | None], ...] = (
        (0, SeedRole.BOOKING, "LAK30", None, "Återbesök för blodtryckskontroll"),
        (0, SeedRole.BOOKING, "SSK15", None, None),
        (0, SeedRole.TIMED_INVITATION, "PROV", _TIMED_INVITATION_TEXT, None),
        (1, SeedRole.BOOKING, "VIDLAK", None, "Hudutslag sedan två veckor"),
        (1, SeedRole.OPEN_INVITATION, "VACCIN", _OPEN_INVITATION_TEXT, None),
        (2, SeedRole.TIMED_INVITATION, "PROV", _TIMED_INVITATION_TEXT, None),
        (3, SeedRole.OPEN_INVITATION, "KBT", _OPEN_INVITATION_KBT_TEXT, None),
    )
    for citizen_index, role, time_type_id, purpose, reason in script:
        subject = citizens[citizen_index].personal_number
        if role == SeedRole.OPEN_INVITATION:
            slot_index = None
        else:
            slot_index = pick(health_centre, time_type_id)
            if slot_index is None:  # a very short calendar: nothing left to seed from
                continue
        bookings.append(BookingSeed(role, subject, health_centre.hsa_id, time_type_id, slot_index, purpose, reason))
    return tuple(citizens), tuple(bookings)
