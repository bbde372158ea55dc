"""Deadlines across daylight saving time in Europe/Stockholm: durations are real elapsed time.

2026: clocks go forward on 29 March (02:00 -> 03:00) and back on 25 October (03:00 -> 02:00)."""

from __future__ import annotations

import datetime as dt

import pytest
from rule_fixtures import ADULT, STHLM, UNIT, RulesFactory, after, at

from rules import BookingFacts, CitizenFacts, ReasonCode, SlotFacts, decide_booking, decide_cancellation, filter_slots

MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("start", "now", "refused_by"),
    [
        # Spring: 24 h before 29 March 10:00 (summer time) is 28 March 09:00 (winter time) by the clock.
        (at(2026, 3, 29, 10), at(2026, 3, 28, 9, 0), None),
        (at(2026, 3, 29, 10), at(2026, 3, 28, 9, 1), ReasonCode.RULE_CANCEL_DEADLINE),
        (at(2026, 3, 29, 10), at(2026, 3, 28, 9, 59), ReasonCode.RULE_CANCEL_DEADLINE),
        # Autumn: 24 h before 25 October 10:00 (winter time) is 24 October 11:00 (summer time).
        (at(2026, 10, 25, 10), at(2026, 10, 24, 10, 30), None),
        (at(2026, 10, 25, 10), at(2026, 10, 24, 11, 0), None),
        (at(2026, 10, 25, 10), at(2026, 10, 24, 11, 1), ReasonCode.RULE_CANCEL_DEADLINE),
    ],
)
def test_cancel_until_24_hours_before_across_dst(
    make_rules: RulesFactory, start: dt.datetime, now: dt.datetime, refused_by: ReasonCode | None
) -> None:
    ruleset = make_rules()
    booking = BookingFacts("b1", SlotFacts("01", UNIT, "TT", start))
    assert decide_cancellation(ruleset, booking, now).reason_code is refused_by


def test_lead_time_in_the_hour_that_happens_twice(make_rules: RulesFactory) -> None:
    """At 02:30 summer time, a slot at 02:45 winter time is 1 h 15 min away, not 15 min."""
    ruleset = make_rules(time_types={"TT": {"booking": {"min_lead": "1h"}}})
    citizen = CitizenFacts.from_personnummer(ADULT)
    now = at(2026, 10, 25, 2, 30, fold=0)
    later = SlotFacts("01", UNIT, "TT", at(2026, 10, 25, 2, 45, fold=1))
    earlier_by_clock = SlotFacts("01", UNIT, "TT", at(2026, 10, 25, 2, 15, fold=1))
    assert decide_booking(ruleset, citizen, later, now).allowed
    # 02:15 winter time is 45 minutes after 02:30 summer time: in the future, but too soon.
    assert decide_booking(ruleset, citizen, earlier_by_clock, now).reason_code is ReasonCode.RULE_LEAD_TIME
    assert filter_slots(ruleset, citizen, [later, earlier_by_clock], now) == [later]


def test_the_horizon_counts_real_weeks_across_the_spring_change(make_rules: RulesFactory) -> None:
    ruleset = make_rules()
    citizen = CitizenFacts.from_personnummer(ADULT)
    now = at(2026, 3, 20, 12)
    eight_weeks = after(now, dt.timedelta(weeks=8))
    assert eight_weeks == at(2026, 5, 15, 13)  # the clock moved an hour on the way
    assert decide_booking(ruleset, citizen, SlotFacts("01", UNIT, "TT", eight_weeks), now).allowed
    just_past = SlotFacts("01", UNIT, "TT", eight_weeks + MINUTE)
    assert decide_booking(ruleset, citizen, just_past, now).reason_code is ReasonCode.RULE_HORIZON


def test_an_age_bound_turns_at_swedish_midnight_on_a_dst_day(make_rules: RulesFactory) -> None:
    """Born 29 March 2008: 18 from 00:00 Swedish time on 29 March 2026, the night the clocks change."""
    ruleset = make_rules(time_types={"TT": {"age": {"max": 17}, "booking": {"min_lead": "0"}}})
    child = CitizenFacts.from_personnummer("200803299802")
    now = at(2026, 3, 28, 12)
    before = SlotFacts("01", UNIT, "TT", at(2026, 3, 28, 23, 59))
    after_midnight = SlotFacts("01", UNIT, "TT", dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC).astimezone(STHLM))
    last_moment = SlotFacts("01", UNIT, "TT", after(at(2026, 3, 29, 0, 0), -dt.timedelta(microseconds=1)))
    assert decide_booking(ruleset, child, before, now).allowed
    assert decide_booking(ruleset, child, last_moment, now).allowed
    assert after_midnight.start == at(2026, 3, 29, 0, 0)
    assert decide_booking(ruleset, child, after_midnight, now).reason_code is ReasonCode.RULE_AGE
    assert filter_slots(ruleset, child, [before, last_moment, after_midnight], now) == [before, last_moment]
