"""The common rule set: a pure rule engine and the national and regional rule files.

Imports nothing else of the product. The gateway converts its domain objects to the facts here,
asks the engine, and maps the decision back to the contracts.
"""

from rules.errors import RuleFileError, RuleFileProblem
from rules.ruleset import EffectiveRules, Layer, RuleSet, Scope, Sourced, directory_fingerprint
from rules.schema import CodedValue, Information, TimeTypeRules
from rules.vocabulary import Access, Channel, ErrorCode, Process, ReasonCode, ReasonRequirement, ReferralKind

__all__ = [
    "Access",
    "Channel",
    "CodedValue",
    "EffectiveRules",
    "ErrorCode",
    "Information",
    "Layer",
    "Process",
    "ReasonCode",
    "ReasonRequirement",
    "ReferralKind",
    "RuleFileError",
    "RuleFileProblem",
    "RuleSet",
    "Scope",
    "Sourced",
    "TimeTypeRules",
    "directory_fingerprint",
]
