"""The words rule files and decisions are written in.

Process names, reason requirements and error codes are the scheduling 2 contracts' own values
(TimeTypeRulesType, ReasonRequiredEnum, ResultCodeEnum), so one rule file feeds both contract
generations. Reason codes (`RULE_*`) are ours: stable names for why a rule said no.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Access",
    "Channel",
    "ErrorCode",
    "Process",
    "ReasonCode",
    "ReasonRequirement",
    "ReferralKind",
]


class Access(StrEnum):
    """Who may book a time type online."""

    ANYONE = "anyone"
    REFERRAL = "referral"  # only under a valid referral or invitation (hänvisning, remiss, kallelse)
    NEVER = "never"  # never online; the unit books it


class Channel(StrEnum):
    """How the visit happens (KV kontakttyp in the contracts: careContactCode)."""

    PHYSICAL = "physical"
    VIDEO = "video"
    PHONE = "phone"


class Process(StrEnum):
    """The three citizen processes a time type has rules for (ProcessEnum)."""

    NYBOKNING = "NYBOKNING"  # new booking
    OMBOKNING = "OMBOKNING"  # rebooking
    AVBOKNING = "AVBOKNING"  # cancellation


class ReasonRequirement(StrEnum):
    """Whether a reason text or code must, may or cannot be given (ReasonRequiredEnum)."""

    MANDATORY = "Mandatory"
    OPTIONAL = "Optional"
    NOT_SUPPORTED = "ReasonNotSupported"


class ReferralKind(StrEnum):
    REFERRAL = "referral"  # hänvisning/remiss after assessment, triage or the advice line
    INVITATION = "invitation"  # kallelse


class ErrorCode(StrEnum):
    """The scheduling 2 refusal codes a rule can lead to (values of `resultCode`)."""

    REQUESTED_TIME_HAS_ALREADY_PASSED = "REQUESTED_TIME_HAS_ALREADY_PASSED"
    TOO_LATE_TO_MAKE_APPOINTMENT = "TOO_LATE_TO_MAKE_APPOINTMENT"
    TOO_LATE_TO_UPDATE_APPOINTMENT = "TOO_LATE_TO_UPDATE_APPOINTMENT"
    TOO_LATE_TO_CANCEL_APPOINTMENT = "TOO_LATE_TO_CANCEL_APPOINTMENT"
    USER_IS_ALREADY_OCCUPIED = "USER_IS_ALREADY_OCCUPIED"
    APPOINTMENT_IS_NOT_ALLOWED = "APPOINTMENT_IS_NOT_ALLOWED"
    UPDATE_APPOINTMENT_IS_NOT_ALLOWED = "UPDATE_APPOINTMENT_IS_NOT_ALLOWED"
    CANCEL_IS_NOT_ALLOWED = "CANCEL_IS_NOT_ALLOWED"
    TOO_LATE_TO_CONFIRM_APPOINTMENT = "TOO_LATE_TO_CONFIRM_APPOINTMENT"


class ReasonCode(StrEnum):
    """Our stable name for each rule; every refusal carries one."""

    RULE_TIME_PASSED = "RULE_TIME_PASSED"
    RULE_NOT_ONLINE = "RULE_NOT_ONLINE"
    RULE_REFERRAL_REQUIRED = "RULE_REFERRAL_REQUIRED"
    RULE_AGE = "RULE_AGE"
    RULE_CHANNEL = "RULE_CHANNEL"
    RULE_LEAD_TIME = "RULE_LEAD_TIME"
    RULE_HORIZON = "RULE_HORIZON"
    RULE_OVERLAP = "RULE_OVERLAP"
    RULE_MAX_ACTIVE = "RULE_MAX_ACTIVE"
    RULE_REASON_REQUIRED = "RULE_REASON_REQUIRED"
    RULE_REASON_CODE = "RULE_REASON_CODE"
    RULE_TIME_TYPE_CHANGE = "RULE_TIME_TYPE_CHANGE"
    RULE_REBOOK_NOT_ALLOWED = "RULE_REBOOK_NOT_ALLOWED"
    RULE_REBOOK_DEADLINE = "RULE_REBOOK_DEADLINE"
    RULE_MAX_REBOOKINGS = "RULE_MAX_REBOOKINGS"
    RULE_CANCEL_NOT_ALLOWED = "RULE_CANCEL_NOT_ALLOWED"
    RULE_CANCEL_DEADLINE = "RULE_CANCEL_DEADLINE"
    RULE_INVITATION = "RULE_INVITATION"
    RULE_CONFIRM_DEADLINE = "RULE_CONFIRM_DEADLINE"
