"""The common rule set: a pure rule engine and the national and regional rule files.

Imports nothing else of the product. The gateway converts its domain objects to the facts here,
asks the engine, and maps the decision back to the contracts.
"""

from rules.decision import BookingFlags, Decision, Outcome, RuleTrace
from rules.engine import (
    RuleSource,
    booking_flags,
    decide_booking,
    decide_cancellation,
    decide_confirmation,
    decide_rebooking,
    filter_slots,
    may_rebook,
    may_see_time_type,
)
from rules.errors import RuleFileError, RuleFileProblem
from rules.facts import ActiveBooking, BookingFacts, CitizenFacts, ReasonFacts, ReferralFacts, SlotFacts
from rules.ruleset import EffectiveRules, Layer, RuleSet, Scope, Sourced, directory_fingerprint
from rules.schema import CodedValue, Information, TimeTypeRules
from rules.store import ReloadResult, ReloadStatus, RuleStore
from rules.view import AppointmentRuleView, TimeTypeView, time_type_view
from rules.vocabulary import Access, Channel, ErrorCode, Process, ReasonCode, ReasonRequirement, ReferralKind

__all__ = [
    "Access",
    "ActiveBooking",
    "AppointmentRuleView",
    "BookingFacts",
    "BookingFlags",
    "Channel",
    "CitizenFacts",
    "CodedValue",
    "Decision",
    "EffectiveRules",
    "ErrorCode",
    "Information",
    "Layer",
    "Outcome",
    "Process",
    "ReasonCode",
    "ReasonFacts",
    "ReasonRequirement",
    "ReferralFacts",
    "ReferralKind",
    "ReloadResult",
    "ReloadStatus",
    "RuleFileError",
    "RuleFileProblem",
    "RuleSet",
    "RuleSource",
    "RuleStore",
    "RuleTrace",
    "Scope",
    "SlotFacts",
    "Sourced",
    "TimeTypeRules",
    "TimeTypeView",
    "booking_flags",
    "decide_booking",
    "decide_cancellation",
    "decide_confirmation",
    "decide_rebooking",
    "directory_fingerprint",
    "filter_slots",
    "may_rebook",
    "may_see_time_type",
    "time_type_view",
]
