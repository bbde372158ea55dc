"""Reasons per process: a reason text or code is Mandatory, Optional or ReasonNotSupported."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rule_fixtures import ADULT, NOW, UNIT, RulesFactory

from rules import (
    BookingFacts,
    CitizenFacts,
    Decision,
    ErrorCode,
    Process,
    ReasonCode,
    ReasonFacts,
    RuleSet,
    SlotFacts,
    decide_booking,
    decide_cancellation,
    decide_rebooking,
)

START = NOW + dt.timedelta(days=3)
CODES = [
    {"code": "SJUK", "code_system": "urn:x", "display_name": "Jag är sjuk"},
    {"code": "TID", "code_system": "urn:x", "display_name": "Tiden passar inte"},
]
ERRORS = {
    Process.NYBOKNING: ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
    Process.OMBOKNING: ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
    Process.AVBOKNING: ErrorCode.CANCEL_IS_NOT_ALLOWED,
}


def decide(ruleset: RuleSet, process: Process, reason: ReasonFacts | None) -> Decision:
    citizen = CitizenFacts.from_personnummer(ADULT)
    existing = BookingFacts("b1", SlotFacts("01", UNIT, "TT", START))
    if process is Process.NYBOKNING:
        return decide_booking(ruleset, citizen, SlotFacts("01", UNIT, "TT", START), NOW, reason)
    if process is Process.OMBOKNING:
        new_slot = SlotFacts("01", UNIT, "TT", START + dt.timedelta(hours=2))
        return decide_rebooking(ruleset, citizen, existing, new_slot, NOW, reason)
    return decide_cancellation(ruleset, existing, NOW, reason)


REQUIRED = ReasonCode.RULE_REASON_REQUIRED
UNKNOWN = ReasonCode.RULE_REASON_CODE


@pytest.mark.parametrize("process", list(Process))
@pytest.mark.parametrize(
    ("text_rule", "code_rule", "reason", "refused_by"),
    [
        ("Mandatory", "ReasonNotSupported", ReasonFacts(), REQUIRED),
        ("Mandatory", "ReasonNotSupported", ReasonFacts(text="   "), REQUIRED),
        ("Mandatory", "ReasonNotSupported", ReasonFacts(text="Ont i knät"), None),
        ("Optional", "ReasonNotSupported", ReasonFacts(), None),
        ("Optional", "ReasonNotSupported", ReasonFacts(text="Ont i knät"), None),
        ("ReasonNotSupported", "ReasonNotSupported", ReasonFacts(text="ignored", code="SJUK"), None),
        ("ReasonNotSupported", "Mandatory", ReasonFacts(), REQUIRED),
        ("ReasonNotSupported", "Mandatory", ReasonFacts(code="SJUK", code_system="urn:x"), None),
        ("ReasonNotSupported", "Mandatory", ReasonFacts(code="SJUK"), None),
        ("ReasonNotSupported", "Mandatory", ReasonFacts(code="SJUK", code_system="urn:other"), UNKNOWN),
        ("ReasonNotSupported", "Optional", ReasonFacts(), None),
        ("ReasonNotSupported", "Optional", ReasonFacts(code="HITTEPÅ"), UNKNOWN),
        ("Mandatory", "Mandatory", ReasonFacts(text="Ont"), REQUIRED),
        ("Mandatory", "Mandatory", ReasonFacts(text="Ont", code="TID"), None),
    ],
)
def test_reason_rules(
    make_rules: RulesFactory,
    process: Process,
    text_rule: str,
    code_rule: str,
    reason: ReasonFacts,
    refused_by: ReasonCode | None,
) -> None:
    process_rules: dict[str, Any] = {"reason_text": text_rule, "reason_code": code_rule}
    if code_rule != "ReasonNotSupported":
        process_rules["reason_codes"] = CODES
    ruleset = make_rules(time_types={"TT": {"processes": {process.value: process_rules}}})
    decision = decide(ruleset, process, reason)
    assert decision.reason_code is refused_by, decision.explain()
    assert decision.error_code is (None if refused_by is None else ERRORS[process])


@pytest.mark.parametrize("process", list(Process))
def test_without_a_reason_the_reason_rules_are_left_out(make_rules: RulesFactory, process: Process) -> None:
    ruleset = make_rules(time_types={"TT": {"processes": {process.value: {"reason_text": "Mandatory"}}}})
    decision = decide(ruleset, process, None)
    assert decision.allowed
    assert all(entry.rule is not REQUIRED for entry in decision.trace)


def test_an_unsupported_reason_is_allowed_but_flagged_not_to_forward(make_rules: RulesFactory) -> None:
    ruleset = make_rules(time_types={"TT": {"processes": {"NYBOKNING": {"reason_text": "ReasonNotSupported"}}}})
    decision = decide(ruleset, Process.NYBOKNING, ReasonFacts(text="hej"))
    assert decision.allowed
    [text_entry] = [e for e in decision.trace if e.setting.startswith("processes.NYBOKNING.reason_text")]
    assert "do not forward it" in text_entry.detail


def test_the_missing_reason_is_named_in_the_citizen_text(make_rules: RulesFactory) -> None:
    ruleset = make_rules(
        time_types={"TT": {"processes": {"AVBOKNING": {"reason_code": "Mandatory", "reason_codes": CODES}}}}
    )
    decision = decide(ruleset, Process.AVBOKNING, ReasonFacts(text="x"))
    assert (decision.text_sv, decision.text_en) == ("Du behöver välja en orsak.", "Please choose a reason.")
