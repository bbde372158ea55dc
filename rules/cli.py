"""What `tidbok-gateway rules check` and `rules explain` print. The gateway's CLI parses the
arguments and calls these; they return the exit code or the text."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rules import personnummer
from rules.engine import decide_booking, may_see_time_type
from rules.errors import RuleFileError
from rules.facts import ActiveBooking, CitizenFacts, ReferralFacts, SlotFacts
from rules.ruleset import RuleSet
from rules.texts import show_value
from rules.times import SWEDISH_TIME, parse_time
from rules.view import time_type_view
from rules.vocabulary import Channel

__all__ = ["check", "explain"]


def check(directory: Path | str, *, out: TextIO | None = None) -> int:
    """Validate the rule files. Prints every problem as `file:line: message` and returns 1, or a
    summary (and any warnings) and returns 0."""
    stream = sys.stdout if out is None else out
    try:
        ruleset = RuleSet.load(directory)
    except RuleFileError as exc:
        for problem in exc.problems:
            print(problem, file=stream)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; the rule files cannot be used", file=stream)
        return 1
    for warning in ruleset.warnings:
        print(f"warning: {warning}", file=stream)
    for note in ruleset.notes:
        print(f"note: {note}", file=stream)
    regions = ", ".join(ruleset.region_codes) or "none"
    units = sum(len(ruleset.care_units(code)) for code in ruleset.region_codes)
    print(
        f"OK: {len(ruleset.files)} files, {len(ruleset.time_type_ids)} time types, regions {regions}, "
        f"{units} care unit layers; fingerprint {ruleset.fingerprint[:16]}",
        file=stream,
    )
    return 0


def _moment(value: dt.datetime | str) -> dt.datetime:
    return parse_time(value) if isinstance(value, str) else value


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(SWEDISH_TIME):%Y-%m-%d %H:%M}"


def explain(
    directory: Path | str,
    personal_number: str,
    *,
    region: str,
    care_unit: str,
    time_type: str,
    start: dt.datetime | str,
    end: dt.datetime | str | None = None,
    channel: Channel | str | None = None,
    now: dt.datetime | str | None = None,
    referrals: Sequence[ReferralFacts] = (),
    active_bookings: Sequence[ActiveBooking] = (),
) -> str:
    """Why the citizen may or may not book the slot: the decision, every rule weighed with the
    layer it came from, the layers merged and the full effective rules. Times given as text are
    ISO 8601 or `YYYYMMDDhhmmss`, Swedish local time unless they carry an offset; `now` defaults
    to the current time. The personal number is shown masked. Raises `RuleFileError` for bad
    files and `ValueError` for a bad number or time."""
    ruleset = RuleSet.load(directory)
    citizen = CitizenFacts.from_personnummer(
        personal_number, active_bookings=tuple(active_bookings), referrals=tuple(referrals)
    )
    moment = dt.datetime.now(SWEDISH_TIME) if now is None else _moment(now)
    slot = SlotFacts(
        region_code=region,
        care_unit=care_unit,
        time_type_id=time_type,
        start=_moment(start),
        end=None if end is None else _moment(end),
        channel=None if channel is None else Channel(channel),
    )
    rules = ruleset.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    decision = decide_booking(ruleset, citizen, slot, moment)
    visible = may_see_time_type(ruleset, citizen, slot.region_code, slot.care_unit, slot.time_type_id, moment)
    view = time_type_view(ruleset, slot.region_code, slot.care_unit, slot.time_type_id)

    born = citizen.birth_date
    visit = slot.start.astimezone(SWEDISH_TIME).date()
    age = visit.year - born.year - ((visit.month, visit.day) < (born.month, born.day))
    lines = [
        f"Rules: {ruleset.directory} (fingerprint {ruleset.fingerprint[:16]})",
        f"Citizen: {personnummer.mask(citizen.citizen_id)}, {age} years old on {visit}, "
        f"{len(citizen.active_bookings)} active booking(s), {len(citizen.referrals)} referral(s)",
        f"Slot: region {slot.region_code}, care unit {slot.care_unit}, time type {slot.time_type_id}, "
        f"{_local(slot.start)}{'' if slot.end is None else '–' + _local(slot.end)[11:]}"
        f"{'' if slot.channel is None else ', ' + slot.channel.value}",
        f"Now: {_local(moment)}",
        "",
    ]
    if decision.allowed:
        used = "" if decision.referral_used is None else f" (uses referral {decision.referral_used})"
        lines.append(f"Decision: ALLOWED{used}")
    else:
        lines += [
            f"Decision: REFUSED {decision.error_code} ({decision.reason_code})",
            f"  sv: {decision.text_sv}",
            f"  en: {decision.text_en}",
        ]
    lines.append(f"Listed for this citizen: {'yes' if visible.allowed else f'no ({visible.reason_code})'}")
    lines += ["", "Rules weighed:", *(f"  {entry}" for entry in decision.trace)]
    lines += ["", "Layers merged (general to specific):"]
    lines += [f"  {layer}" for layer in rules.layers]
    if rules.region_code is None:
        lines.append(f"  (no rule file for region {slot.region_code})")
    elif rules.care_unit is None:
        lines.append(f"  (no layer for care unit {slot.care_unit})")
    lines += ["", "Effective rules:"]
    for path, value, layer in rules.items():
        shown = show_value(value)
        lines.append(f"  {path} = {shown}".ljust(60) + f" <- {layer}")
    lines += [
        "",
        "As a scheduling 2 TimeTypeType:",
        f"  hidden={str(view.hidden).lower()} careContactCode={view.care_contact_code.code}"
        f"@{view.care_contact_code.code_system} healthcareTeam={str(view.healthcare_team).lower()} "
        f"patientGroup={str(view.patient_group).lower()} "
        f"cancelAppointmentAllowed={str(view.cancel_appointment_allowed).lower()} "
        f"updateAppointmentAllowed={str(view.update_appointment_allowed).lower()}",
    ]
    for rule in view.appointment_rules:
        lines.append(
            f"  appointmentRule {rule.process}: reasonText {rule.reason_text_required}, "
            f"reasonCode {rule.reason_code_required}, {len(rule.reason_codes)} reason code(s), "
            f"{len(rule.information)} information, {len(rule.conditions_to_confirm)} condition(s) to confirm"
        )
    return "\n".join(lines) + "\n"
