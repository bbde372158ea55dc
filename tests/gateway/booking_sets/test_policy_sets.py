"""The shape of group, series and combined bookings, read from the rule set by the policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from adapters.domain import SWEDISH_TIME, ErrorCode, Timeslot
from adapters.identifiers import HsaId
from gateway.policy import BookingPolicy
from gateway.rules_cli import BUNDLED_RULES
from rules.store import RuleStore
from tests.gateway.booking_sets.rules_dir import set_rules_dir

HEALTH_CENTRE = HsaId("SE2321000016-E0101")
OTHER = HsaId("SE2321000016-E0102")
MONDAY = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SWEDISH_TIME)


def slot(time_type: str, start: dt.datetime, minutes: int, unit: HsaId = HEALTH_CENTRE) -> Timeslot:
    return Timeslot(unit, start, start + dt.timedelta(minutes=minutes), time_type_id=time_type)


def weekly(time_type: str, count: int, *, days: int = 7, minutes: int = 45) -> list[Timeslot]:
    return [slot(time_type, MONDAY + dt.timedelta(days=days * n), minutes) for n in range(count)]


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> BookingPolicy:
    return BookingPolicy(RuleStore(set_rules_dir(tmp_path_factory.mktemp("sets"))))


@pytest.fixture(scope="module")
def bundled() -> BookingPolicy:
    return BookingPolicy(RuleStore(Path(BUNDLED_RULES)))


def test_a_weekly_series_within_the_rules_holds(policy: BookingPolicy) -> None:
    assert policy.decide_series("01", weekly("FYSIO", 6)) is None
    assert policy.decide_series("01", list(reversed(weekly("FYSIO", 3)))) is None  # order given does not matter


def test_series_limits_each_with_its_own_text(policy: BookingPolicy) -> None:
    too_many = policy.decide_series("01", weekly("FYSIO", 7))
    assert too_many is not None and too_many.error is ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
    assert "högst 6" in (too_many.text or "")
    too_close = policy.decide_series("01", weekly("FYSIO", 3, days=5))
    assert too_close is not None and "Tillfälle 2" in (too_close.text or "") and "6 dygn" in (too_close.text or "")
    too_far = policy.decide_series("01", weekly("FYSIO", 2, days=9))
    assert too_far is not None and "1 vecka och 1 dygn" in (too_far.text or "")
    mixed = policy.decide_series("01", [*weekly("FYSIO", 1), slot("LAK30", MONDAY + dt.timedelta(days=7), 30)])
    assert mixed is not None and "samma sorts tid" in (mixed.text or "")
    elsewhere = policy.decide_series(
        "01", [*weekly("FYSIO", 1), slot("FYSIO", MONDAY + dt.timedelta(days=7), 45, OTHER)]
    )
    assert elsewhere is not None


def test_a_time_type_without_series_rules_is_no_series_and_rebooking_gets_its_own_code(
    policy: BookingPolicy,
) -> None:
    refused = policy.decide_series("01", weekly("LAK30", 2, minutes=30))
    assert refused is not None and "kan inte bokas som en serie" in (refused.text or "")
    moved = policy.decide_series("01", weekly("FYSIO", 2, days=3), ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED)
    assert moved is not None and moved.error is ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED


def test_group_places_need_a_group_time_type_and_several_sessions_are_a_series(
    policy: BookingPolicy, bundled: BookingPolicy
) -> None:
    assert policy.group_capacity("01", HEALTH_CENTRE, "GRPFOR") == 8
    assert policy.group_capacity("01", HEALTH_CENTRE, "LAK30") == 1
    assert policy.decide_group_set("01", weekly("GRPFOR", 1, minutes=90)) is None
    assert policy.decide_group_set("01", weekly("GRPFOR", 6, minutes=90)) is None
    refused = policy.decide_group_set("01", weekly("LAK30", 1, minutes=30))
    assert refused is not None and "ingen grupptid" in (refused.text or "")
    assert policy.decide_group_set("01", weekly("GRPFOR", 7, minutes=90)) is not None
    # the bundled national file: GRPFOR is a group series of six
    assert bundled.decide_group_set("01", weekly("GRPFOR", 6, minutes=90)) is None


def test_a_combined_visit_in_order_within_the_gap(policy: BookingPolicy) -> None:
    morning = [
        slot("PROV", MONDAY, 10),
        slot("SSK15", MONDAY + dt.timedelta(minutes=30), 15),
        slot("LAK30", MONDAY + dt.timedelta(hours=2), 30),
    ]
    assert policy.decide_combined("01", morning) is None
    overlapping = [slot("PROV", MONDAY, 10), slot("SSK15", MONDAY + dt.timedelta(minutes=5), 15)]
    refused = policy.decide_combined("01", overlapping)
    assert refused is not None and "tur och ordning" in (refused.text or "")
    backwards = list(reversed(morning))
    assert policy.decide_combined("01", backwards) is not None  # LAK30 does not start a combined visit
    long_wait = [slot("PROV", MONDAY, 10), slot("LAK30", MONDAY + dt.timedelta(hours=3), 30)]
    refused = policy.decide_combined("01", long_wait)
    assert refused is not None and "högst 2 timmar" in (refused.text or "")
    other_day = [slot("PROV", MONDAY, 10), slot("SSK15", MONDAY + dt.timedelta(days=1), 15)]
    assert policy.decide_combined("01", other_day) is not None
    not_with = [slot("PROV", MONDAY, 10), slot("FYSIO", MONDAY + dt.timedelta(minutes=15), 45)]
    refused = policy.decide_combined("01", not_with)
    assert refused is not None and "kan inte ingå" in (refused.text or "")


def test_cancelling_one_part_alone(policy: BookingPolicy) -> None:
    assert policy.cancel_part_allowed(False, "01", HEALTH_CENTRE, "FYSIO")
    assert not policy.cancel_part_allowed(True, "01", HEALTH_CENTRE, "PROV")
