"""Referrals and invitations open referral-only and hidden time types: valid, unexpired, not used
up, for this citizen, this time type (or its care service) and this unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rule_fixtures import ADULT, NOW, OTHER_UNIT, UNIT, RulesFactory

from rules import (
    CitizenFacts,
    Outcome,
    ReasonCode,
    ReferralFacts,
    ReferralKind,
    RuleSet,
    SlotFacts,
    decide_booking,
    filter_slots,
    may_see_time_type,
    time_type_view,
)

DAY = dt.timedelta(days=1)
SLOT = SlotFacts("01", UNIT, "KBT", NOW + 3 * DAY)
SERVICE = {"code": "228557008", "code_system": "1.2.752.116.2.1.1"}
KBT = {"access": "referral", "hidden": True, "care_services": [SERVICE]}


def referral(**changes: Any) -> ReferralFacts:
    fields: dict[str, Any] = {
        "referral_id": "R1",
        "citizen_id": ADULT,
        "valid_from": NOW - DAY,
        "valid_until": NOW + 30 * DAY,
        "time_type_ids": frozenset({"KBT"}),
        "uses_allowed": 1,
        "uses_so_far": 0,
    }
    fields.update(changes)
    return ReferralFacts(**fields)


@pytest.fixture
def ruleset(make_rules: RulesFactory) -> RuleSet:
    return make_rules(time_types={"KBT": KBT, "OPEN": {}, "SECRET": {"hidden": True}})


@pytest.mark.parametrize(
    ("referrals", "opened_by", "why_not"),
    [
        ((), None, "the citizen has none"),
        ((referral(),), "R1", None),
        ((referral(time_type_ids=frozenset(), care_service_codes=frozenset({"228557008"})),), "R1", None),
        ((referral(uses_so_far=1),), None, "is used up (1 of 1 uses)"),
        ((referral(uses_allowed=3, uses_so_far=2),), "R1", None),
        ((referral(uses_allowed=3, uses_so_far=3),), None, "is used up (3 of 3 uses)"),
        ((referral(uses_allowed=None, uses_so_far=40),), "R1", None),
        ((referral(valid_until=NOW),), None, "expired"),
        ((referral(valid_until=NOW + dt.timedelta(microseconds=1)),), "R1", None),
        ((referral(valid_from=NOW + DAY),), None, "is valid only from"),
        ((referral(citizen_id="197001019802"),), None, "is for someone else"),
        ((referral(care_units=frozenset({OTHER_UNIT})),), None, "is for another care unit"),
        ((referral(care_units=frozenset({UNIT.lower()})),), "R1", None),
        ((referral(time_type_ids=frozenset({"FYSIO"})),), None, "is for another time type or care service"),
        ((referral(kind=ReferralKind.INVITATION, referral_id="K7"),), "K7", None),
        # The one that lapses first is used; among equals the one with fewest uses left.
        (
            (
                referral(referral_id="LATE", valid_until=NOW + 60 * DAY),
                referral(referral_id="SOON", valid_until=NOW + 10 * DAY),
            ),
            "SOON",
            None,
        ),
        (
            (referral(referral_id="MANY", uses_allowed=5), referral(referral_id="LAST", uses_allowed=1)),
            "LAST",
            None,
        ),
        ((referral(referral_id="OLD", valid_until=NOW), referral(referral_id="NEW")), "NEW", None),
    ],
)
def test_a_referral_only_time_type_needs_a_valid_referral(
    ruleset: RuleSet, referrals: tuple[ReferralFacts, ...], opened_by: str | None, why_not: str | None
) -> None:
    citizen = CitizenFacts.from_personnummer(ADULT, referrals=referrals)
    decision = decide_booking(ruleset, citizen, SLOT, NOW)
    seen = may_see_time_type(ruleset, citizen, "01", UNIT, "KBT", NOW)
    listed = filter_slots(ruleset, citizen, [SLOT], NOW)
    assert decision.referral_used == opened_by
    assert decision.allowed == seen.allowed == (listed == [SLOT]) == (opened_by is not None)
    if why_not is not None:
        assert decision.reason_code is ReasonCode.RULE_REFERRAL_REQUIRED
        entry = next(e for e in decision.trace if e.rule is ReasonCode.RULE_REFERRAL_REQUIRED)
        assert entry.outcome is Outcome.FAILED and why_not in entry.detail


def test_a_hidden_time_type_is_shown_only_under_a_referral(ruleset: RuleSet) -> None:
    anyone = CitizenFacts.from_personnummer(ADULT)
    invited = CitizenFacts.from_personnummer(
        ADULT, referrals=(referral(referral_id="K1", time_type_ids=frozenset({"SECRET"})),)
    )
    assert time_type_view(ruleset, "01", UNIT, "SECRET").hidden
    assert not time_type_view(ruleset, "01", UNIT, "OPEN").hidden
    assert not may_see_time_type(ruleset, anyone, "01", UNIT, "SECRET", NOW).allowed
    assert may_see_time_type(ruleset, invited, "01", UNIT, "SECRET", NOW).allowed
    # Nobody logged in: only open time types are listed.
    assert not may_see_time_type(ruleset, None, "01", UNIT, "SECRET", NOW).allowed
    assert may_see_time_type(ruleset, None, "01", UNIT, "OPEN", NOW).allowed
    slots = [SlotFacts("01", UNIT, tt, NOW + 2 * DAY) for tt in ("OPEN", "SECRET", "KBT")]
    assert [s.time_type_id for s in filter_slots(ruleset, anyone, slots, NOW)] == ["OPEN"]
    assert [s.time_type_id for s in filter_slots(ruleset, invited, slots, NOW)] == ["OPEN", "SECRET"]
    assert [s.time_type_id for s in filter_slots(ruleset, None, slots, NOW)] == ["OPEN"]


def test_an_open_time_type_uses_no_referral(ruleset: RuleSet) -> None:
    citizen = CitizenFacts.from_personnummer(ADULT, referrals=(referral(time_type_ids=frozenset({"OPEN"})),))
    assert decide_booking(ruleset, citizen, SlotFacts("01", UNIT, "OPEN", NOW + DAY), NOW).referral_used is None


def test_a_referral_does_not_lift_the_other_rules(ruleset: RuleSet) -> None:
    citizen = CitizenFacts.from_personnummer(ADULT, referrals=(referral(),))
    too_soon = SlotFacts("01", UNIT, "KBT", NOW + dt.timedelta(minutes=30))
    decision = decide_booking(ruleset, citizen, too_soon, NOW)
    assert decision.reason_code is ReasonCode.RULE_LEAD_TIME
    assert decision.referral_used is None


def test_referral_facts_hide_the_personal_number() -> None:
    assert ADULT not in repr(referral())
