"""New bookings, rule by rule: each case names the rules of one time type, the facts, and the
decision (scheduling 2 error code and our reason code)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rule_fixtures import ADULT, NOW, OTHER_UNIT, UNIT, RulesFactory, after, at

from rules import (
    ActiveBooking,
    Channel,
    CitizenFacts,
    Decision,
    ErrorCode,
    Outcome,
    ReasonCode,
    SlotFacts,
    decide_booking,
    filter_slots,
    may_see_time_type,
)

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)


def slot(start: dt.datetime, *, minutes: int = 30, unit: str = UNIT, time_type: str = "TT", **extra: Any) -> SlotFacts:
    return SlotFacts("01", unit, time_type, start, start + dt.timedelta(minutes=minutes), **extra)


def booking(start: dt.datetime, *, minutes: int = 30, unit: str = UNIT, time_type: str = "TT") -> ActiveBooking:
    return ActiveBooking(unit, time_type, start, start + dt.timedelta(minutes=minutes), f"b-{time_type}-{start:%d%H%M}")


def citizen(number: str = ADULT, *bookings: ActiveBooking) -> CitizenFacts:
    return CitizenFacts.from_personnummer(number, active_bookings=bookings)


ALLOWED = (None, None)
PASSED = (ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED, ReasonCode.RULE_TIME_PASSED)
TOO_LATE = (ErrorCode.TOO_LATE_TO_MAKE_APPOINTMENT, ReasonCode.RULE_LEAD_TIME)
TOO_EARLY = (ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, ReasonCode.RULE_HORIZON)
NOT_ONLINE = (ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, ReasonCode.RULE_NOT_ONLINE)
REFERRAL = (ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, ReasonCode.RULE_REFERRAL_REQUIRED)
AGE = (ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, ReasonCode.RULE_AGE)
CHANNEL = (ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, ReasonCode.RULE_CHANNEL)
OVERLAP = (ErrorCode.USER_IS_ALREADY_OCCUPIED, ReasonCode.RULE_OVERLAP)
MAX_ACTIVE = (ErrorCode.USER_IS_ALREADY_OCCUPIED, ReasonCode.RULE_MAX_ACTIVE)

TOMORROW = NOW + 24 * H

CASES: list[tuple[str, dict[str, Any], CitizenFacts, SlotFacts, tuple[Any, Any]]] = [
    ("an open time tomorrow", {}, citizen(), slot(TOMORROW), ALLOWED),
    ("a time that has passed", {}, citizen(), slot(NOW - H), PASSED),
    ("a time starting now", {}, citizen(), slot(NOW), PASSED),
    ("lead time: 1 µs short of 2 h", {}, citizen(), slot(NOW + 2 * H - US), TOO_LATE),
    ("lead time: exactly 2 h", {}, citizen(), slot(NOW + 2 * H), ALLOWED),
    ("lead time zero: a minute ahead", {"booking": {"min_lead": "0"}}, citizen(), slot(NOW + MIN), ALLOWED),
    ("horizon: exactly 8 weeks", {}, citizen(), slot(after(NOW, dt.timedelta(weeks=8))), ALLOWED),
    ("horizon: 1 µs past 8 weeks", {}, citizen(), slot(after(NOW, dt.timedelta(weeks=8) + US)), TOO_EARLY),
    (
        "horizon unlimited",
        {"booking": {"max_ahead": "unlimited"}},
        citizen(),
        slot(NOW + dt.timedelta(weeks=80)),
        ALLOWED,
    ),
    ("never online", {"access": "never"}, citizen(), slot(TOMORROW), NOT_ONLINE),
    ("referral only, no referral", {"access": "referral"}, citizen(), slot(TOMORROW), REFERRAL),
    ("hidden, no referral", {"hidden": True}, citizen(), slot(TOMORROW), REFERRAL),
    ("age 18+: 17 on the day", {"age": {"min": 18}}, citizen("200803040008"), slot(TOMORROW), AGE),
    ("age 18+: 18 on the day", {"age": {"min": 18}}, citizen("200803030008"), slot(TOMORROW), ALLOWED),
    (
        "age 18+: birthday is the day of the visit",
        {"age": {"min": 18}},
        citizen("200803030008"),
        slot(at(2026, 3, 3, 0, 30)),
        ALLOWED,
    ),
    ("age under 18: 17 on the day", {"age": {"max": 17}}, citizen("200803040008"), slot(TOMORROW), ALLOWED),
    ("age under 18: turns 18 that day", {"age": {"max": 17}}, citizen("200803030008"), slot(TOMORROW), AGE),
    ("age: samordningsnummer day + 60", {"age": {"max": 17}}, citizen("200803630008"), slot(TOMORROW), AGE),
    ("channel: video slot for video", {"channel": "video"}, citizen(), slot(TOMORROW, channel=Channel.VIDEO), ALLOWED),
    (
        "channel: physical slot for video",
        {"channel": "video"},
        citizen(),
        slot(TOMORROW, channel=Channel.PHYSICAL),
        CHANNEL,
    ),
    ("channel: producer does not say", {"channel": "video"}, citizen(), slot(TOMORROW), ALLOWED),
    (
        "overlap with a booking elsewhere",
        {},
        citizen(ADULT, booking(TOMORROW + 15 * MIN, unit=OTHER_UNIT, time_type="X")),
        slot(TOMORROW),
        OVERLAP,
    ),
    ("a booking ending as the slot starts", {}, citizen(ADULT, booking(TOMORROW - 30 * MIN)), slot(TOMORROW), ALLOWED),
    ("a booking starting as the slot ends", {}, citizen(ADULT, booking(TOMORROW + 30 * MIN)), slot(TOMORROW), ALLOWED),
    (
        "a booking without end at the same start",
        {},
        citizen(ADULT, ActiveBooking(OTHER_UNIT, "X", TOMORROW)),
        slot(TOMORROW),
        OVERLAP,
    ),
    (
        "per time type: one elsewhere",
        {"limits": {"per_time_type": 1}},
        citizen(ADULT, booking(TOMORROW + 48 * H, unit=OTHER_UNIT)),
        slot(TOMORROW),
        MAX_ACTIVE,
    ),
    (
        "per time type: a past one does not count",
        {"limits": {"per_time_type": 1}},
        citizen(ADULT, booking(NOW - 48 * H)),
        slot(TOMORROW),
        ALLOWED,
    ),
    (
        "per unit and time type: one elsewhere",
        {"limits": {"per_unit_time_type": 1}},
        citizen(ADULT, booking(TOMORROW + 48 * H, unit=OTHER_UNIT)),
        slot(TOMORROW),
        ALLOWED,
    ),
    (
        "per unit and time type: one here",
        {"limits": {"per_unit_time_type": 1}},
        citizen(ADULT, booking(TOMORROW + 48 * H)),
        slot(TOMORROW),
        MAX_ACTIVE,
    ),
    (
        "per unit: two of other kinds here",
        {"limits": {"per_unit": 2}},
        citizen(ADULT, booking(TOMORROW + 48 * H, time_type="X"), booking(TOMORROW + 72 * H, time_type="Y")),
        slot(TOMORROW),
        MAX_ACTIVE,
    ),
    (
        "per unit: one of another kind here",
        {"limits": {"per_unit": 2}},
        citizen(ADULT, booking(TOMORROW + 48 * H, time_type="X")),
        slot(TOMORROW),
        ALLOWED,
    ),
    ("the first failed rule is reported", {"access": "never"}, citizen(), slot(NOW - H), PASSED),
    (
        "a clash is reported before a limit",
        {"limits": {"per_time_type": 1}},
        citizen(ADULT, booking(TOMORROW)),
        slot(TOMORROW),
        OVERLAP,
    ),
]


@pytest.mark.parametrize(
    ("rules", "facts", "the_slot", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_booking_rule(
    make_rules: RulesFactory, rules: dict[str, Any], facts: CitizenFacts, the_slot: SlotFacts, expected: tuple[Any, Any]
) -> None:
    ruleset = make_rules(time_types={"TT": rules})
    decision = decide_booking(ruleset, facts, the_slot, NOW)
    assert (decision.error_code, decision.reason_code) == expected, decision.explain()
    assert decision.allowed == (expected == ALLOWED)
    # A slot list offers exactly the slots a booking would accept.
    assert filter_slots(ruleset, facts, [the_slot], NOW) == ([the_slot] if decision.allowed else [])


def failed_rules(decision: Decision) -> list[ReasonCode]:
    return [entry.rule for entry in decision.trace if entry.outcome is Outcome.FAILED]


def test_every_rule_is_weighed_and_traced_with_its_layer(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TT": {"access": "never", "booking": {"min_lead": "1d"}}})
    decision = decide_booking(ruleset, citizen(), slot(NOW + H), NOW)
    assert failed_rules(decision) == [ReasonCode.RULE_NOT_ONLINE, ReasonCode.RULE_LEAD_TIME]
    referral = next(entry for entry in decision.trace if entry.rule is ReasonCode.RULE_REFERRAL_REQUIRED)
    assert referral.outcome is Outcome.NOT_APPLICABLE
    assert decision.reason_code is ReasonCode.RULE_NOT_ONLINE
    assert {entry.rule for entry in decision.trace} >= {
        ReasonCode.RULE_TIME_PASSED,
        ReasonCode.RULE_NOT_ONLINE,
        ReasonCode.RULE_REFERRAL_REQUIRED,
        ReasonCode.RULE_AGE,
        ReasonCode.RULE_CHANNEL,
        ReasonCode.RULE_LEAD_TIME,
        ReasonCode.RULE_HORIZON,
        ReasonCode.RULE_OVERLAP,
        ReasonCode.RULE_MAX_ACTIVE,
    }
    lead = next(entry for entry in decision.trace if entry.rule is ReasonCode.RULE_LEAD_TIME)
    assert lead.setting == "booking.min_lead = 1d"
    assert lead.layer is not None and (lead.layer.file, lead.layer.time_type) == ("national.yaml", "TT")


def test_refusals_carry_texts_in_swedish_and_english(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TT": {"booking": {"min_lead": "90m"}}})
    decision = decide_booking(ruleset, citizen(), slot(NOW + H), NOW)
    assert decision.text_sv == "Tiden kan inte bokas senare än 1 timme och 30 minuter före start."
    assert decision.text_en == "The time cannot be booked later than 1 hour and 30 minutes before it starts."
    age = decide_booking(make_rules(time_types={"TT": {"age": {"max": 17}}}), citizen(), slot(TOMORROW), NOW)
    assert age.text_sv == "Den här sortens tid kan bara bokas för den som är högst 17 år på besöksdagen."
    assert decide_booking(ruleset, citizen(), slot(TOMORROW), NOW).text_sv is None


def test_the_child_is_the_subject_of_care_when_a_guardian_books(bundled: Any) -> None:
    """BVCVAC is for children: the facts are the child's, whoever is logged in."""
    child = CitizenFacts.from_personnummer("202001019802")
    parent = CitizenFacts.from_personnummer(ADULT)
    visit = slot(at(2026, 3, 10, 9, 0), time_type="BVCVAC")
    assert decide_booking(bundled, child, visit, NOW).allowed
    assert decide_booking(bundled, parent, visit, NOW).reason_code is ReasonCode.RULE_AGE


def test_may_see_a_time_type_only_if_some_slot_could_be_booked(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TEEN": {"age": {"min": 13, "max": 19}}, "NEVER": {"access": "never"}})
    # Turns 13 three weeks from now: inside the 8-week window, so the time type is listed ...
    almost_teen = CitizenFacts.from_personnummer("201303230008")
    assert may_see_time_type(ruleset, almost_teen, "01", UNIT, "TEEN", NOW).allowed
    # ... but turns 13 after the window closes: not listed.
    young = CitizenFacts.from_personnummer("201306010008")
    seen = may_see_time_type(ruleset, young, "01", UNIT, "TEEN", NOW)
    assert (seen.allowed, seen.reason_code) == (False, ReasonCode.RULE_AGE)
    assert may_see_time_type(ruleset, citizen(), "01", UNIT, "NEVER", NOW).reason_code is ReasonCode.RULE_NOT_ONLINE
    assert may_see_time_type(ruleset, None, "01", UNIT, "TEEN", NOW).allowed


def test_naive_now_is_refused(make_rules: RulesFactory) -> None:
    ruleset = make_rules()
    with pytest.raises(ValueError, match="naive datetime"):
        decide_booking(ruleset, citizen(), slot(TOMORROW), NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive datetime"):
        SlotFacts("01", UNIT, "TT", TOMORROW.replace(tzinfo=None))


def test_personal_numbers_do_not_show_in_facts_or_traces(make_rules: RulesFactory) -> None:
    facts = citizen()
    assert ADULT not in repr(facts)
    ruleset = make_rules(time_types={"TT": {"access": "referral"}})
    decision = decide_booking(ruleset, facts, slot(TOMORROW), NOW)
    assert ADULT not in decision.explain()
