"""Rebooking and cancellation: deadlines, max rebookings, invitations, and the 1.1 booking flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rule_fixtures import ADULT, NOW, OTHER_UNIT, UNIT, RulesFactory, after

from rules import (
    ActiveBooking,
    BookingFacts,
    BookingFlags,
    CitizenFacts,
    ErrorCode,
    ReasonCode,
    ReferralFacts,
    SlotFacts,
    booking_flags,
    decide_booking,
    decide_cancellation,
    decide_rebooking,
    filter_slots,
    may_rebook,
)

H = dt.timedelta(hours=1)
START = NOW + 72 * H


def existing(start: dt.datetime = START, *, rebooked: int = 0, invitation: bool = False, **slot: Any) -> BookingFacts:
    facts = SlotFacts(
        slot.get("region", "01"), slot.get("unit", UNIT), slot.get("time_type", "TT"), start, start + H / 2
    )
    return BookingFacts("b1", facts, rebooking_count=rebooked, is_invitation=invitation, referral_id=slot.get("ref"))


def holding(booking: BookingFacts, *referrals: ReferralFacts) -> CitizenFacts:
    slot = booking.slot
    active = ActiveBooking(slot.care_unit, slot.time_type_id, slot.start, slot.end, booking.booking_id)
    return CitizenFacts.from_personnummer(ADULT, active_bookings=(active,), referrals=referrals)


CANCEL_CASES: list[tuple[str, dict[str, Any], BookingFacts, dt.datetime, Any]] = [
    ("in good time", {}, existing(), NOW, None),
    ("exactly 24 h before", {}, existing(), START - 24 * H, None),
    ("a minute after the deadline", {}, existing(), START - 24 * H + H / 60, ReasonCode.RULE_CANCEL_DEADLINE),
    ("after the start", {}, existing(), START + H, ReasonCode.RULE_TIME_PASSED),
    (
        "not cancellable online",
        {"cancellation": {"allowed": False}},
        existing(),
        NOW,
        ReasonCode.RULE_CANCEL_NOT_ALLOWED,
    ),
    ("an invitation, allowed", {}, existing(invitation=True), NOW, None),
    (
        "an invitation, not allowed",
        {"cancellation": {"invitations": False}},
        existing(invitation=True),
        NOW,
        ReasonCode.RULE_INVITATION,
    ),
    ("a booking, invitations not allowed", {"cancellation": {"invitations": False}}, existing(), NOW, None),
]
CANCEL_ERRORS = {
    ReasonCode.RULE_CANCEL_DEADLINE: ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
    ReasonCode.RULE_TIME_PASSED: ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
    ReasonCode.RULE_CANCEL_NOT_ALLOWED: ErrorCode.CANCEL_IS_NOT_ALLOWED,
    ReasonCode.RULE_INVITATION: ErrorCode.CANCEL_IS_NOT_ALLOWED,
}


@pytest.mark.parametrize(
    ("rules", "booking", "now", "refused_by"), [c[1:] for c in CANCEL_CASES], ids=[c[0] for c in CANCEL_CASES]
)
def test_cancellation(
    make_rules: RulesFactory, rules: dict[str, Any], booking: BookingFacts, now: dt.datetime, refused_by: Any
) -> None:
    decision = decide_cancellation(make_rules(time_types={"TT": rules}), booking, now)
    assert decision.reason_code is refused_by, decision.explain()
    assert decision.error_code is (None if decision.reason_code is None else CANCEL_ERRORS[decision.reason_code])


REBOOK_CASES: list[tuple[str, dict[str, Any], BookingFacts, SlotFacts, dt.datetime, Any, Any]] = [
    ("a later time, same unit", {}, existing(), SlotFacts("01", UNIT, "TT", START + 24 * H), NOW, None, None),
    ("to another unit", {}, existing(), SlotFacts("01", OTHER_UNIT, "TT", START + 24 * H), NOW, None, None),
    (
        "after the deadline",
        {},
        existing(),
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        START - 23 * H,
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        ReasonCode.RULE_REBOOK_DEADLINE,
    ),
    (
        "the booking has passed",
        {},
        existing(NOW - H),
        SlotFacts("01", UNIT, "TT", START),
        NOW,
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        ReasonCode.RULE_TIME_PASSED,
    ),
    (
        "not rebookable online",
        {"rebooking": {"allowed": False}},
        existing(),
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_REBOOK_NOT_ALLOWED,
    ),
    ("rebooked once of two", {}, existing(rebooked=1), SlotFacts("01", UNIT, "TT", START + 24 * H), NOW, None, None),
    (
        "rebooked twice of two",
        {},
        existing(rebooked=2),
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_MAX_REBOOKINGS,
    ),
    (
        "no limit on rebookings",
        {"rebooking": {"max_rebookings": "unlimited"}},
        existing(rebooked=40),
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        NOW,
        None,
        None,
    ),
    (
        "an invitation, not allowed",
        {"rebooking": {"invitations": False}},
        existing(invitation=True),
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_INVITATION,
    ),
    (
        "to another time type",
        {},
        existing(),
        SlotFacts("01", UNIT, "OTHER", START + 24 * H),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_TIME_TYPE_CHANGE,
    ),
    (
        "to a time that has passed",
        {},
        existing(),
        SlotFacts("01", UNIT, "TT", NOW - H),
        NOW,
        ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED,
        ReasonCode.RULE_TIME_PASSED,
    ),
    (
        "to a time too soon",
        {},
        existing(),
        SlotFacts("01", UNIT, "TT", NOW + H),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_LEAD_TIME,
    ),
    (
        "to a time too far ahead",
        {},
        existing(),
        SlotFacts("01", UNIT, "TT", after(NOW, dt.timedelta(weeks=9))),
        NOW,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        ReasonCode.RULE_HORIZON,
    ),
    (
        "a quarter later, overlapping the booking being moved",
        {"limits": {"per_unit_time_type": 1}},
        existing(),
        SlotFacts("01", UNIT, "TT", START + H / 4, START + H * 3 / 4),
        NOW,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("rules", "booking", "new_slot", "now", "error", "refused_by"),
    [c[1:] for c in REBOOK_CASES],
    ids=[c[0] for c in REBOOK_CASES],
)
def test_rebooking(
    make_rules: RulesFactory,
    rules: dict[str, Any],
    booking: BookingFacts,
    new_slot: SlotFacts,
    now: dt.datetime,
    error: Any,
    refused_by: Any,
) -> None:
    ruleset = make_rules(time_types={"TT": rules, "OTHER": {}})
    citizen = holding(booking)
    decision = decide_rebooking(ruleset, citizen, booking, new_slot, now)
    assert (decision.error_code, decision.reason_code) == (error, refused_by), decision.explain()
    assert filter_slots(ruleset, citizen, [new_slot], now, rebooking=booking) == (
        [new_slot] if decision.allowed else []
    )


def test_the_booking_being_moved_does_not_count_against_the_limits(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TT": {"limits": {"per_time_type": 1}}})
    booking = existing()
    citizen = holding(booking)
    new_slot = SlotFacts("01", OTHER_UNIT, "TT", START + 24 * H)
    assert decide_booking(ruleset, citizen, new_slot, NOW).reason_code is ReasonCode.RULE_MAX_ACTIVE
    assert decide_rebooking(ruleset, citizen, booking, new_slot, NOW).allowed


def test_access_carries_over_within_the_unit_and_a_referral_is_needed_elsewhere(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"KBT": {"access": "referral", "hidden": True}})
    used_up = ReferralFacts(
        "R1", ADULT, NOW - 24 * H, NOW + 720 * H, time_type_ids=frozenset({"KBT"}), uses_allowed=1, uses_so_far=1
    )
    fresh = ReferralFacts("R2", ADULT, NOW - 24 * H, NOW + 720 * H, time_type_ids=frozenset({"KBT"}))
    here = SlotFacts("01", UNIT, "KBT", START + 24 * H)
    there = SlotFacts("01", OTHER_UNIT, "KBT", START + 24 * H)

    plain = existing(time_type="KBT")
    assert decide_rebooking(ruleset, holding(plain), plain, here, NOW).allowed
    moved = decide_rebooking(ruleset, holding(plain), plain, there, NOW)
    assert moved.reason_code is ReasonCode.RULE_REFERRAL_REQUIRED
    assert moved.error_code is ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED

    # The referral the booking was made with covers the move without another use ...
    under_r1 = existing(time_type="KBT", ref="R1")
    covered = decide_rebooking(ruleset, holding(under_r1, used_up), under_r1, there, NOW)
    assert (covered.allowed, covered.referral_used) == (True, None)
    # ... any other valid referral is used (and counted by the gateway).
    opened = decide_rebooking(ruleset, holding(plain, used_up, fresh), plain, there, NOW)
    assert (opened.allowed, opened.referral_used) == (True, "R2")


def test_a_rebooking_search_offers_only_what_the_rebooking_would_accept(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TT": {}, "OTHER": {}})
    booking = existing()
    candidates = [
        SlotFacts("01", UNIT, "TT", START + 24 * H),
        SlotFacts("01", UNIT, "OTHER", START + 24 * H),
        SlotFacts("01", UNIT, "TT", NOW + H),
    ]
    assert filter_slots(ruleset, holding(booking), candidates, NOW, rebooking=booking) == candidates[:1]
    too_late = START - 12 * H
    assert filter_slots(ruleset, holding(booking), candidates, too_late, rebooking=booking) == []
    with pytest.raises(ValueError, match="needs the citizen"):
        filter_slots(ruleset, None, candidates, NOW, rebooking=booking)


@pytest.mark.parametrize(
    ("rules", "booking", "now", "flags"),
    [
        ({}, existing(), NOW, BookingFlags(True, True, True)),
        ({}, existing(), START - 12 * H, BookingFlags(False, False, False)),
        ({"cancellation": {"until": "6h"}}, existing(), START - 12 * H, BookingFlags(True, False, True)),
        (
            {"processes": {"AVBOKNING": {"reason_text": "ReasonNotSupported"}}},
            existing(),
            NOW,
            BookingFlags(True, True, False),
        ),
        ({"processes": {"AVBOKNING": {"reason_text": "Mandatory"}}}, existing(), NOW, BookingFlags(True, True, True)),
        ({"rebooking": {"max_rebookings": 1}}, existing(rebooked=1), NOW, BookingFlags(True, False, True)),
        ({"cancellation": {"allowed": False}}, existing(), NOW, BookingFlags(False, True, False)),
        ({"rebooking": {"invitations": False}}, existing(invitation=True), NOW, BookingFlags(True, False, True)),
    ],
)
def test_booking_flags_follow_the_rules(
    make_rules: RulesFactory, rules: dict[str, Any], booking: BookingFacts, now: dt.datetime, flags: BookingFlags
) -> None:
    ruleset = make_rules(time_types={"TT": rules})
    assert booking_flags(ruleset, booking, now) == flags
    cancel, rebook, _ = flags
    assert decide_cancellation(ruleset, booking, now).allowed is cancel
    assert may_rebook(ruleset, booking, now).allowed is rebook


def test_a_proposal_lapses_for_confirmation_at_its_deadline() -> None:
    """A time the clinic proposed is confirmed online until `confirmation.until` before it."""
    import datetime as dt
    from pathlib import Path

    from rules import BookingFacts, SlotFacts, decide_confirmation
    from rules.ruleset import RuleSet
    from rules.times import SWEDISH_TIME

    ruleset = RuleSet.load(Path(__file__).resolve().parents[2] / "rules" / "data")
    start = dt.datetime(2026, 12, 10, 10, 0, tzinfo=SWEDISH_TIME)
    booking = BookingFacts("P1", SlotFacts("03", "SE2321000024-E0301", "LAK30", start), is_invitation=True)
    assert decide_confirmation(ruleset, booking, start - dt.timedelta(hours=25)).allowed
    late = decide_confirmation(ruleset, booking, start - dt.timedelta(hours=23))
    assert not late.allowed
    assert (late.error_code, late.reason_code) == ("TOO_LATE_TO_CONFIRM_APPOINTMENT", "RULE_CONFIRM_DEADLINE")
    assert late.text_sv and "bekräftas" in late.text_sv
    passed = decide_confirmation(ruleset, booking, start + dt.timedelta(minutes=1))
    assert passed.error_code == "TOO_LATE_TO_CONFIRM_APPOINTMENT"
