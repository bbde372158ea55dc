"""What the engine answers: a decision with the trace of every rule it weighed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from rules.ruleset import Layer
from rules.vocabulary import ErrorCode, ReasonCode

__all__ = ["BookingFlags", "Decision", "Outcome", "RuleTrace"]


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """One rule as it was weighed: the setting, the layer it came from, and the facts."""

    rule: ReasonCode
    outcome: Outcome
    setting: str  # e.g. "booking.min_lead = 2h"
    layer: Layer | None  # None for rules that are not configurable (a passed time)
    detail: str  # the facts behind the outcome, in English

    def __str__(self) -> str:
        source = "built in" if self.layer is None else str(self.layer)
        return f"[{self.outcome.value:>14}] {self.rule.value}: {self.setting} <- {source}; {self.detail}"


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed, or refused with a scheduling 2 error code, our reason code and texts for the citizen.

    `referral_used` names the referral or invitation that opened the time type; the gateway counts
    one use of it when the write succeeds."""

    allowed: bool
    error_code: ErrorCode | None
    reason_code: ReasonCode | None
    text_sv: str | None
    text_en: str | None
    trace: tuple[RuleTrace, ...]
    referral_used: str | None = None

    def explain(self) -> str:
        head = "ALLOWED" if self.allowed else f"REFUSED {self.error_code} ({self.reason_code}): {self.text_en}"
        return "\n".join([head, *(f"  {entry}" for entry in self.trace)])


class BookingFlags(NamedTuple):
    """The crm:scheduling 1.1 per-booking flags."""

    cancel_allowed: bool
    rebook_allowed: bool
    message_allowed: bool
