"""Property: a slot list offers exactly the slots a booking (or a rebooking) would accept.

Hypothesis draws a citizen (birth date, bookings, referrals), an instant (also around the DST
changes) and slots (also on the exact edges of the booking windows), against a rule set with
every kind of rule and all three layers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rule_fixtures import STHLM, write_rules

from rules import (
    ActiveBooking,
    BookingFacts,
    Channel,
    CitizenFacts,
    ReferralFacts,
    ReferralKind,
    RuleSet,
    SlotFacts,
    decide_booking,
    decide_rebooking,
    filter_slots,
    may_see_time_type,
)

U1, U2, U3 = "SE2321000016-E0101", "SE2321000016-E0102", "SE2321000255-E1201"
UNITS = (U1, U2, U3, U1.lower())
TIME_TYPES = ("OPEN", "SOON", "LATE", "VIDEO", "REF", "HID", "NEVER", "KID", "GROWN", "LIM", "UNKNOWN")
SERVICE = {"code": "C1", "code_system": "1.2.752.116.2.1.1"}


@pytest.fixture(scope="module")
def ruleset(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    directory: Path = tmp_path_factory.mktemp("property-rules")
    write_rules(
        directory,
        time_types={
            "OPEN": {},
            "SOON": {"booking": {"min_lead": "0", "max_ahead": "1d"}},
            "LATE": {"booking": {"min_lead": "1d", "max_ahead": "unlimited"}},
            "VIDEO": {"channel": "video", "booking": {"min_lead": "30m"}},
            "REF": {"access": "referral", "care_services": [SERVICE]},
            "HID": {"hidden": True},
            "NEVER": {"access": "never"},
            "KID": {"age": {"max": 17}},
            "GROWN": {"age": {"min": 18, "max": 64}},
            "LIM": {"limits": {"per_time_type": 1, "per_unit_time_type": 1, "per_unit": 2}},
        },
        regions={
            "01": {
                "defaults": {"limits": {"per_unit": 3}},
                "time_types": {"OPEN": {"booking": {"min_lead": "4h"}}},
                "care_units": {
                    U1: {"time_types": {"SOON": {"booking": {"max_ahead": "2d"}}, "VIDEO": {"channel": "phone"}}}
                },
            }
        },
    )
    return RuleSet.load(directory)


MINUTE_US = 60_000_000
EDGES_MIN = (0, 30, 120, 240, 24 * 60, 48 * 60, 8 * 7 * 24 * 60)
BASES = (
    dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # an hour before the spring change
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # inside the hour that happens twice
    dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC),
)


def _moment(now: dt.datetime, micros: int, zone: dt.tzinfo) -> dt.datetime:
    return (now + dt.timedelta(microseconds=micros)).astimezone(zone)


def _plus(start: dt.datetime, minutes: int) -> dt.datetime:
    """Real minutes later, in the same zone (wall-clock arithmetic would go wrong across DST)."""
    return (start.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(start.tzinfo)


def _later(start: dt.datetime, minutes: int | None) -> dt.datetime | None:
    return None if minutes is None else _plus(start, minutes)


offsets = st.one_of(
    st.integers(-3 * 24 * 60, 10 * 7 * 24 * 60).map(lambda minutes: minutes * MINUTE_US),
    st.tuples(st.sampled_from(EDGES_MIN), st.sampled_from((-1, 0, 1))).map(lambda e: e[0] * MINUTE_US + e[1]),
)
zones = st.sampled_from((STHLM, dt.UTC))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    now = draw(st.sampled_from(BASES)) + dt.timedelta(minutes=draw(st.integers(-90, 90)))
    today = now.astimezone(STHLM).date()
    age_years = draw(st.sampled_from((0, 5, 13, 17, 18, 19, 40, 64, 65)))
    born = dt.date(today.year - age_years, today.month, 1) + dt.timedelta(days=draw(st.integers(-60, 60)))
    day = born.day + (60 if draw(st.booleans()) else 0)  # samordningsnummer sometimes
    number = f"{born:%Y%m}{day:02d}9802"

    bookings = []
    for index in range(draw(st.integers(0, 4))):
        start = _moment(now, draw(offsets), draw(zones))
        minutes = draw(st.sampled_from((None, 0, 15, 30, 90)))
        bookings.append(
            ActiveBooking(
                draw(st.sampled_from(UNITS)),
                draw(st.sampled_from(TIME_TYPES)),
                start,
                _later(start, minutes),
                f"B{index}",
            )
        )
    referrals = []
    for index in range(draw(st.integers(0, 3))):
        valid_from = _moment(now, draw(st.integers(-10 * 24 * 60, 24 * 60)) * MINUTE_US, STHLM)
        uses_allowed = draw(st.sampled_from((None, 1, 2, 3)))
        referrals.append(
            ReferralFacts(
                f"R{index}",
                draw(st.sampled_from((number, "197001019802"))),
                valid_from,
                _plus(valid_from, draw(st.integers(0, 30 * 24 * 60))),
                time_type_ids=frozenset(draw(st.sets(st.sampled_from(("REF", "HID", "NEVER", "OPEN")), max_size=2))),
                care_service_codes=frozenset(draw(st.sets(st.sampled_from(("C1", "C9")), max_size=1))),
                care_units=frozenset(draw(st.sets(st.sampled_from((U1, U2)), max_size=1))),
                uses_allowed=uses_allowed,
                uses_so_far=draw(st.integers(0, 3)),
                kind=draw(st.sampled_from(list(ReferralKind))),
            )
        )
    citizen = CitizenFacts.from_personnummer(number, active_bookings=tuple(bookings), referrals=tuple(referrals))

    # Midnights on which the citizen crosses an age bound, to hit those edges exactly.
    birthdays = [
        dt.datetime(born.year + years, born.month, min(born.day, 28), tzinfo=STHLM) for years in (13, 18, 19, 65)
    ]
    slot_starts = st.one_of(
        offsets.map(lambda micros: _moment(now, micros, STHLM)),
        st.tuples(st.sampled_from(birthdays), st.sampled_from((-1, 0, 1))).map(
            lambda edge: edge[0] + dt.timedelta(microseconds=edge[1])
        ),
    )
    slots = []
    for _ in range(draw(st.integers(0, 30))):
        start = draw(slot_starts).astimezone(draw(zones))
        minutes = draw(st.sampled_from((None, 10, 30, 45)))
        slots.append(
            SlotFacts(
                draw(st.sampled_from(("01", "1", "12"))),
                draw(st.sampled_from(UNITS)),
                draw(st.sampled_from((*TIME_TYPES, "KID", "GROWN", "LIM"))),
                start,
                _later(start, minutes),
                draw(st.sampled_from((None, *Channel))),
            )
        )
    moving = None
    wants_rebooking = draw(st.booleans())
    if bookings and wants_rebooking:
        chosen = draw(st.sampled_from(bookings))
        moving = BookingFacts(
            chosen.booking_id or "B",
            SlotFacts("01", chosen.care_unit, chosen.time_type_id, chosen.start, chosen.end),
            rebooking_count=draw(st.integers(0, 3)),
            is_invitation=draw(st.booleans()),
            referral_id=draw(st.sampled_from((None, "R0", "R1"))),
        )
    return {"now": now.astimezone(draw(zones)), "citizen": citizen, "slots": slots, "moving": moving}


PROPERTY_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_filter_slots_is_decide_booking_for_every_slot(ruleset: RuleSet, scenario: dict[str, Any]) -> None:
    citizen, slots, now = scenario["citizen"], scenario["slots"], scenario["now"]
    accepted = [slot for slot in slots if decide_booking(ruleset, citizen, slot, now).allowed]
    assert filter_slots(ruleset, citizen, slots, now) == accepted
    for slot in slots:
        if not may_see_time_type(ruleset, citizen, slot.region_code, slot.care_unit, slot.time_type_id, now).allowed:
            assert slot not in accepted


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_a_rebooking_search_is_decide_rebooking_for_every_slot(ruleset: RuleSet, scenario: dict[str, Any]) -> None:
    citizen, slots, now, moving = scenario["citizen"], scenario["slots"], scenario["now"], scenario["moving"]
    if moving is None:
        return
    accepted = [slot for slot in slots if decide_rebooking(ruleset, citizen, moving, slot, now).allowed]
    assert filter_slots(ruleset, citizen, slots, now, rebooking=moving) == accepted
