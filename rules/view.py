"""A time type as the scheduling 2 contracts describe it (TimeTypeType), from the rules.

This is what crm:scheduling 1.1 cannot say and the gateway adds when it answers in scheduling 2:
hidden, careContactCode, healthcareService, healthcareTeam, patientGroup, the cancel/update flags
and one appointmentRule per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.engine import RuleSource
from rules.schema import CodedValue, Information, ProcessRules
from rules.vocabulary import Access, Process, ReasonRequirement

__all__ = ["AppointmentRuleView", "TimeTypeView", "time_type_view"]


@dataclass(frozen=True, slots=True)
class AppointmentRuleView:
    """TimeTypeRulesType: the rules of one process."""

    process: Process  # type
    reason_text_required: ReasonRequirement
    reason_code_required: ReasonRequirement
    reason_codes: tuple[CodedValue, ...]
    information: tuple[Information, ...]
    conditions_to_confirm: tuple[Information, ...]  # conditionToConfirm


@dataclass(frozen=True, slots=True)
class TimeTypeView:
    """TimeTypeType's fields, in its element order."""

    code: str
    hidden: bool
    care_contact_code: CodedValue
    healthcare_services: tuple[CodedValue, ...]  # healthcareService/code (SNOMED CT)
    healthcare_team: bool
    patient_group: bool
    cancel_appointment_allowed: bool
    update_appointment_allowed: bool
    appointment_rules: tuple[AppointmentRuleView, ...]  # NYBOKNING, OMBOKNING, AVBOKNING


def _rule(process: Process, rules: ProcessRules) -> AppointmentRuleView:
    return AppointmentRuleView(
        process=process,
        reason_text_required=rules.reason_text,
        reason_code_required=rules.reason_code,
        reason_codes=rules.reason_codes,
        information=rules.information,
        conditions_to_confirm=rules.conditions_to_confirm,
    )


def time_type_view(source: RuleSource, region_code: str, care_unit: str, time_type_id: str) -> TimeTypeView:
    """The time type's contract view. `hidden` is true for hidden, referral-only and never-online
    time types alike: none of them is listed for new booking without a referral."""
    rules = source.for_time_type(region_code, care_unit, time_type_id)
    values = rules.values
    return TimeTypeView(
        code=time_type_id,
        hidden=values.hidden or values.access is not Access.ANYONE,
        care_contact_code=rules.contact_code,
        healthcare_services=values.care_services,
        healthcare_team=values.healthcare_team,
        patient_group=values.patient_group,
        cancel_appointment_allowed=values.cancellation.allowed,
        update_appointment_allowed=values.rebooking.allowed,
        appointment_rules=tuple(_rule(process, getattr(values.processes, process.value)) for process in Process),
    )
