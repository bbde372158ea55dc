"""The rule engine: may this citizen see, book, rebook or cancel this time, now?

Pure functions of (rules, facts, now): no I/O, no clock, no state. Every decision weighs every rule
that applies and keeps a trace of each; the refusal reported is the first failed rule in a fixed
order (see `_PRIORITY`). `filter_slots` answers the same question as `decide_booking` for many
slots at once: the rules that do not depend on the slot are weighed once per time type and unit
(a `_Gate`), and a slot then only has its start compared with one precomputed interval.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from rules.decision import BookingFlags, Decision, Outcome, RuleTrace
from rules.facts import ActiveBooking, BookingFacts, CitizenFacts, ReasonFacts, ReferralFacts, SlotFacts
from rules.ruleset import EffectiveRules, Layer, normalise_care_unit
from rules.schema import ProcessRules
from rules.texts import age_phrase, channel_name, duration_words, refusal_texts, show_value
from rules.times import add_years, format_duration, from_micros, start_of_day_micros, to_micros
from rules.vocabulary import Access, ErrorCode, Process, ReasonCode, ReasonRequirement

__all__ = [
    "RuleSource",
    "booking_flags",
    "decide_booking",
    "decide_cancellation",
    "decide_confirmation",
    "decide_rebooking",
    "filter_slots",
    "may_rebook",
    "may_see_time_type",
]

_MICROS_PER_SECOND = 1_000_000
_NEVER = 1 << 62  # an instant later than any slot

_PRIORITY = {
    rule: index
    for index, rule in enumerate(
        [
            ReasonCode.RULE_REBOOK_NOT_ALLOWED,
            ReasonCode.RULE_CANCEL_NOT_ALLOWED,
            ReasonCode.RULE_INVITATION,
            ReasonCode.RULE_TIME_PASSED,
            ReasonCode.RULE_REBOOK_DEADLINE,
            ReasonCode.RULE_CANCEL_DEADLINE,
            ReasonCode.RULE_CONFIRM_DEADLINE,
            ReasonCode.RULE_MAX_REBOOKINGS,
            ReasonCode.RULE_TIME_TYPE_CHANGE,
            ReasonCode.RULE_NOT_ONLINE,
            ReasonCode.RULE_REFERRAL_REQUIRED,
            ReasonCode.RULE_AGE,
            ReasonCode.RULE_CHANNEL,
            ReasonCode.RULE_LEAD_TIME,
            ReasonCode.RULE_HORIZON,
            ReasonCode.RULE_OVERLAP,
            ReasonCode.RULE_MAX_ACTIVE,
            ReasonCode.RULE_REASON_REQUIRED,
            ReasonCode.RULE_REASON_CODE,
        ]
    )
}

# Where the new slot's refusals land in each process: (slot already passed, citizen occupied, any other).
_SLOT_ERRORS = {
    Process.NYBOKNING: (
        ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED,
        ErrorCode.USER_IS_ALREADY_OCCUPIED,
        ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
    ),
    Process.OMBOKNING: (
        ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED,
        ErrorCode.USER_IS_ALREADY_OCCUPIED,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
    ),
}
_LEAD_TIME_ERROR = {
    Process.NYBOKNING: ErrorCode.TOO_LATE_TO_MAKE_APPOINTMENT,
    Process.OMBOKNING: ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
}
_REASON_ERROR = {
    Process.NYBOKNING: ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
    Process.OMBOKNING: ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
    Process.AVBOKNING: ErrorCode.CANCEL_IS_NOT_ALLOWED,
}


class RuleSource(Protocol):
    """Where the engine gets a time type's rules; `RuleSet` is one."""

    def for_time_type(self, region_code: str, care_unit_hsa_id: str, time_type_id: str) -> EffectiveRules: ...


# --- the trace --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Refusal:
    rule: ReasonCode
    error: ErrorCode
    params: dict[str, object]


@dataclass(slots=True)
class _Entry:
    phase: int
    trace: RuleTrace
    refusal: _Refusal | None


class _Evaluation:
    """Collects the weighed rules; the decision is the first failure in (phase, priority) order."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.phase = 0
        self.referral_used: str | None = None

    def record(
        self,
        rule: ReasonCode,
        outcome: Outcome,
        detail: str,
        *,
        rules: EffectiveRules | None = None,
        paths: tuple[str, ...] = (),
        setting: str | None = None,
        refusal: _Refusal | None = None,
    ) -> None:
        layer: Layer | None = None
        if rules is not None and paths:
            setting = setting or ", ".join(f"{path} = {show_value(rules.value_of(path))}" for path in paths)
            layer = rules.layer_of(paths[0])
        trace = RuleTrace(rule=rule, outcome=outcome, setting=setting or "built in", layer=layer, detail=detail)
        self.entries.append(_Entry(self.phase, trace, refusal if outcome is Outcome.FAILED else None))

    def fail(
        self,
        rule: ReasonCode,
        error: ErrorCode,
        detail: str,
        *,
        rules: EffectiveRules | None = None,
        paths: tuple[str, ...] = (),
        setting: str | None = None,
        **params: object,
    ) -> None:
        self.record(
            rule,
            Outcome.FAILED,
            detail,
            rules=rules,
            paths=paths,
            setting=setting,
            refusal=_Refusal(rule, error, params),
        )

    def check(
        self,
        ok: bool,
        rule: ReasonCode,
        error: ErrorCode,
        detail: str,
        *,
        rules: EffectiveRules | None = None,
        paths: tuple[str, ...] = (),
        setting: str | None = None,
        **params: object,
    ) -> None:
        if ok:
            self.record(rule, Outcome.PASSED, detail, rules=rules, paths=paths, setting=setting)
        else:
            self.fail(rule, error, detail, rules=rules, paths=paths, setting=setting, **params)

    def decision(self) -> Decision:
        ordered = sorted(self.entries, key=lambda entry: (entry.phase, _PRIORITY[entry.trace.rule]))
        trace = tuple(entry.trace for entry in ordered)
        for entry in ordered:
            if entry.refusal is not None:
                sv, en = refusal_texts(entry.refusal.rule, **entry.refusal.params)
                return Decision(False, entry.refusal.error, entry.refusal.rule, sv, en, trace)
        return Decision(True, None, None, None, None, trace, referral_used=self.referral_used)


# --- the citizen, once per call ---------------------------------------------------------------------


@dataclass(slots=True)
class _CitizenView:
    """The citizen's bookings counted and bounded once per call. In a rebooking the booking being
    moved is left out: it will not exist beside the new one."""

    facts: CitizenFacts
    bookings: tuple[ActiveBooking, ...]
    per_time_type: Counter[str]
    per_unit_time_type: Counter[tuple[str, str]]
    per_unit: Counter[str]
    busy_from: int
    busy_until: int

    @classmethod
    def of(cls, citizen: CitizenFacts, now_us: int, moving: BookingFacts | None = None) -> _CitizenView:
        bookings = tuple(b for b in citizen.active_bookings if moving is None or not _is_same_booking(b, moving))
        upcoming = [b for b in bookings if b.start_us > now_us]
        return cls(
            facts=citizen,
            bookings=bookings,
            per_time_type=Counter(b.time_type_id for b in upcoming),
            per_unit_time_type=Counter((b.care_unit, b.time_type_id) for b in upcoming),
            per_unit=Counter(b.care_unit for b in upcoming),
            busy_from=min((b.start_us for b in bookings), default=_NEVER),
            busy_until=max((b.end_us for b in bookings), default=-_NEVER),
        )

    def overlapping(self, start_us: int, end_us: int) -> ActiveBooking | None:
        """A booking that clashes with [start, end): same start, or the intervals intersect."""
        if start_us > self.busy_until or end_us < self.busy_from:
            return None
        for booking in self.bookings:
            if booking.start_us == start_us or (start_us < booking.end_us and booking.start_us < end_us):
                return booking
        return None


def _is_same_booking(active: ActiveBooking, booking: BookingFacts) -> bool:
    if active.booking_id is not None:
        return active.booking_id == booking.booking_id
    slot = booking.slot
    return (active.care_unit, active.time_type_id, active.start_us) == (
        slot.care_unit,
        slot.time_type_id,
        slot.start_us,
    )


# --- rules that do not depend on the slot ------------------------------------------------------------


@dataclass(slots=True)
class _Gate:
    """What one time type at one unit demands of a slot, for one citizen at one instant.

    A slot passes the gate when no static rule failed, `low <= start <= high`, its channel (if
    known) is the time type's, and it does not clash with the citizen's bookings."""

    rules: EffectiveRules
    process: Process
    evaluation: _Evaluation
    closed: bool
    now_us: int
    lead_from: int  # earliest start the lead time allows
    ahead_until: int  # latest start the horizon allows
    age_from: int  # the subject of care reaches age.min (first instant)
    age_until: int  # the subject of care passes age.max (first instant too old)
    low: int = field(init=False)
    high: int = field(init=False)

    def __post_init__(self) -> None:
        self.low = max(self.now_us + 1, self.lead_from, self.age_from)
        self.high = min(self.ahead_until, self.age_until - 1)


def _referral_problem(
    referral: ReferralFacts,
    citizen: CitizenFacts,
    rules: EffectiveRules,
    care_unit: str,
    now_us: int,
    carried_referral: str | None,
) -> str | None:
    """Why `referral` does not open this time type at this unit now, or None when it does."""
    if referral.citizen_id != citizen.citizen_id:
        return "is for someone else"
    services = {service.code for service in rules.values.care_services}
    if rules.time_type_id not in referral.time_type_ids and not services & referral.care_service_codes:
        return "is for another time type or care service"
    if referral.care_units and care_unit not in referral.care_units:
        return "is for another care unit"
    if now_us < referral.valid_from_us:
        return f"is valid only from {from_micros(referral.valid_from_us):%Y-%m-%d %H:%M}"
    if now_us >= referral.valid_until_us:
        return f"expired {from_micros(referral.valid_until_us):%Y-%m-%d %H:%M}"
    uses_left = referral.uses_left
    if referral.referral_id != carried_referral and uses_left is not None and uses_left <= 0:
        return f"is used up ({referral.uses_so_far} of {referral.uses_allowed} uses)"
    return None


def _access_rules(
    evaluation: _Evaluation,
    rules: EffectiveRules,
    citizen: CitizenFacts | None,
    care_unit: str,
    now_us: int,
    *,
    error: ErrorCode,
    carried_from: BookingFacts | None = None,
) -> None:
    """RULE_NOT_ONLINE and RULE_REFERRAL_REQUIRED."""
    values = rules.values
    if carried_from is not None and carried_from.slot.care_unit == care_unit:
        detail = f"access carried over from booking {carried_from.booking_id} at the same care unit"
        evaluation.record(ReasonCode.RULE_NOT_ONLINE, Outcome.NOT_APPLICABLE, detail, rules=rules, paths=("access",))
        evaluation.record(
            ReasonCode.RULE_REFERRAL_REQUIRED, Outcome.NOT_APPLICABLE, detail, rules=rules, paths=("access", "hidden")
        )
        return
    evaluation.check(
        values.access is not Access.NEVER,
        ReasonCode.RULE_NOT_ONLINE,
        error,
        "bookable online" if values.access is not Access.NEVER else "never bookable online",
        rules=rules,
        paths=("access",),
    )
    if values.access is Access.NEVER:
        evaluation.record(
            ReasonCode.RULE_REFERRAL_REQUIRED,
            Outcome.NOT_APPLICABLE,
            "never bookable online, not even with a referral",
            rules=rules,
            paths=("access",),
        )
        return
    if values.access is Access.ANYONE and not values.hidden:
        evaluation.record(
            ReasonCode.RULE_REFERRAL_REQUIRED,
            Outcome.PASSED,
            "open to anyone; no referral needed",
            rules=rules,
            paths=("access", "hidden"),
        )
        return
    paths = ("hidden", "access") if values.hidden else ("access", "hidden")
    if citizen is None:
        evaluation.fail(
            ReasonCode.RULE_REFERRAL_REQUIRED, error, "needs a referral; no citizen given", rules=rules, paths=paths
        )
        return
    carried = None if carried_from is None else carried_from.referral_id
    candidates: list[ReferralFacts] = []
    rejected: list[str] = []
    for referral in citizen.referrals:
        problem = _referral_problem(referral, citizen, rules, care_unit, now_us, carried)
        if problem is None:
            candidates.append(referral)
        else:
            rejected.append(f"{referral.kind.value} {referral.referral_id} {problem}")
    if not candidates:
        detail = "needs a valid referral or invitation; " + (
            "; ".join(rejected) if rejected else "the citizen has none"
        )
        evaluation.fail(ReasonCode.RULE_REFERRAL_REQUIRED, error, detail, rules=rules, paths=paths)
        return
    # Use the one that lapses first, then the one with fewest uses left; the id breaks ties.
    chosen = min(
        candidates,
        key=lambda r: (r.valid_until_us, _NEVER if r.uses_left is None else r.uses_left, r.referral_id),
    )
    if chosen.referral_id == carried:
        detail = f"{chosen.kind.value} {chosen.referral_id} of the booking being moved covers it (no new use)"
    else:
        evaluation.referral_used = chosen.referral_id
        uses = "unlimited" if chosen.uses_allowed is None else f"{chosen.uses_so_far} of {chosen.uses_allowed} used"
        detail = f"opened by {chosen.kind.value} {chosen.referral_id} ({uses})"
    evaluation.record(ReasonCode.RULE_REFERRAL_REQUIRED, Outcome.PASSED, detail, rules=rules, paths=paths)


def _limit_rules(evaluation: _Evaluation, rules: EffectiveRules, view: _CitizenView, care_unit: str) -> None:
    """RULE_MAX_ACTIVE, once per limit."""
    limits = rules.values.limits
    tt = rules.time_type_id
    checks = (
        ("limits.per_time_type", limits.per_time_type, view.per_time_type[tt], f"of time type {tt} at any unit"),
        (
            "limits.per_unit_time_type",
            limits.per_unit_time_type,
            view.per_unit_time_type[(care_unit, tt)],
            f"of time type {tt} at {care_unit}",
        ),
        ("limits.per_unit", limits.per_unit, view.per_unit[care_unit], f"of any time type at {care_unit}"),
    )
    scopes = {
        "limits.per_time_type": ("av den här sorten", "of this kind"),
        "limits.per_unit_time_type": ("av den här sorten på mottagningen", "of this kind at the clinic"),
        "limits.per_unit": ("på mottagningen", "at the clinic"),
    }
    for path, limit, count, what in checks:
        scope_sv, scope_en = scopes[path]
        evaluation.check(
            limit is None or count < limit,
            ReasonCode.RULE_MAX_ACTIVE,
            ErrorCode.USER_IS_ALREADY_OCCUPIED,
            f"{count} upcoming booking(s) {what}",
            rules=rules,
            paths=(path,),
            count=count,
            scope_sv=scope_sv,
            scope_en=scope_en,
        )


def _age_bounds(rules: EffectiveRules, citizen: CitizenFacts | None) -> tuple[int, int]:
    """[first instant old enough, first instant too old) for the subject of care."""
    if citizen is None:
        return -_NEVER, _NEVER
    age = rules.values.age
    born = citizen.birth_date
    age_from = start_of_day_micros(add_years(born, age.min))
    age_until = _NEVER if age.max is None else start_of_day_micros(add_years(born, age.max + 1))
    return age_from, age_until


def _gate(
    rules: EffectiveRules,
    citizen: CitizenFacts | None,
    view: _CitizenView | None,
    care_unit: str,
    now_us: int,
    process: Process,
    carried_from: BookingFacts | None = None,
) -> _Gate:
    """Weigh the rules that do not depend on the slot's time; precompute the rest."""
    evaluation = _Evaluation()
    _, _, other_error = _SLOT_ERRORS[process]
    _access_rules(evaluation, rules, citizen, care_unit, now_us, error=other_error, carried_from=carried_from)
    if view is not None:
        _limit_rules(evaluation, rules, view, care_unit)
    window = rules.values.booking
    age_from, age_until = _age_bounds(rules, citizen)
    return _Gate(
        rules=rules,
        process=process,
        evaluation=evaluation,
        closed=any(entry.refusal is not None for entry in evaluation.entries),
        now_us=now_us,
        lead_from=now_us + _micros(window.min_lead),
        ahead_until=_NEVER if window.max_ahead is None else now_us + _micros(window.max_ahead),
        age_from=age_from,
        age_until=age_until,
    )


def _micros(span: dt.timedelta) -> int:
    return span // dt.timedelta(microseconds=1)


def _slot_rules(gate: _Gate, slot: SlotFacts, view: _CitizenView | None) -> None:
    """The rules that depend on the slot, traced; `filter_slots` makes the same tests at speed."""
    evaluation, rules, values = gate.evaluation, gate.rules, gate.rules.values
    passed_error, occupied_error, other_error = _SLOT_ERRORS[gate.process]
    start = slot.start_us
    when = f"{from_micros(start):%Y-%m-%d %H:%M}"
    evaluation.check(
        start > gate.now_us,
        ReasonCode.RULE_TIME_PASSED,
        passed_error,
        f"starts {when}, now is {from_micros(gate.now_us):%Y-%m-%d %H:%M}",
        setting="the slot must start after now",
    )
    if gate.age_from == -_NEVER:
        evaluation.record(
            ReasonCode.RULE_AGE, Outcome.NOT_APPLICABLE, "no citizen given", rules=rules, paths=("age.min", "age.max")
        )
    else:
        evaluation.check(
            gate.age_from <= start < gate.age_until,
            ReasonCode.RULE_AGE,
            other_error,
            _age_detail(gate, start),
            rules=rules,
            paths=("age.min", "age.max"),
            setting=f"age {values.age.min}..{show_value(values.age.max)} years on the day of the visit",
            **age_phrase(values.age.min, values.age.max),
        )
    if slot.channel is None:
        evaluation.record(
            ReasonCode.RULE_CHANNEL, Outcome.NOT_APPLICABLE, "the producer did not say", rules=rules, paths=("channel",)
        )
    else:
        sv, en = channel_name(values.channel)
        evaluation.check(
            slot.channel == values.channel,
            ReasonCode.RULE_CHANNEL,
            other_error,
            f"the slot is {slot.channel.value}",
            rules=rules,
            paths=("channel",),
            channel_sv=sv,
            channel_en=en,
        )
    lead = values.booking.min_lead
    evaluation.check(
        start >= gate.lead_from,
        ReasonCode.RULE_LEAD_TIME,
        _LEAD_TIME_ERROR[gate.process],
        f"{_span(start - gate.now_us)} before the start",
        rules=rules,
        paths=("booking.min_lead",),
        **duration_words(lead),
    )
    ahead = values.booking.max_ahead
    evaluation.check(
        start <= gate.ahead_until,
        ReasonCode.RULE_HORIZON,
        other_error,
        f"{_span(start - gate.now_us)} ahead",
        rules=rules,
        paths=("booking.max_ahead",),
        **duration_words(ahead if ahead is not None else dt.timedelta(0)),
    )
    if view is None:
        evaluation.record(ReasonCode.RULE_OVERLAP, Outcome.NOT_APPLICABLE, "no citizen given")
        return
    clash = view.overlapping(start, slot.end_us)
    if clash is None:
        detail = "no clash with the citizen's bookings"
    else:
        detail = f"clashes with {clash.time_type_id} at {clash.care_unit} {from_micros(clash.start_us):%Y-%m-%d %H:%M}"
    evaluation.check(clash is None, ReasonCode.RULE_OVERLAP, occupied_error, detail, setting="no two bookings at once")


def _age_detail(gate: _Gate, start: int) -> str:
    day = from_micros(start).date()
    old_enough = from_micros(gate.age_from).date()
    if gate.age_until >= _NEVER:
        return f"visit on {day}; old enough from {old_enough}"
    return f"visit on {day}; within the bounds from {old_enough} until {from_micros(gate.age_until).date()}"


def _span(micros: int) -> str:
    sign = "-" if micros < 0 else ""
    minutes = abs(micros) // (60 * _MICROS_PER_SECOND)
    return sign + format_duration(dt.timedelta(minutes=minutes))


# --- reasons -----------------------------------------------------------------------------------------


def _reason_rules(evaluation: _Evaluation, rules: EffectiveRules, process: Process, reason: ReasonFacts) -> None:
    process_rules: ProcessRules = getattr(rules.values.processes, process.value)
    error = _REASON_ERROR[process]
    prefix = f"processes.{process.value}"
    text_rule = process_rules.reason_text
    evaluation.check(
        text_rule is not ReasonRequirement.MANDATORY or reason.has_text,
        ReasonCode.RULE_REASON_REQUIRED,
        error,
        _given("reason text", reason.has_text, text_rule),
        rules=rules,
        paths=(f"{prefix}.reason_text",),
        what_sv="skriva en orsak",
        what_en="write a reason",
    )
    code_rule = process_rules.reason_code
    evaluation.check(
        code_rule is not ReasonRequirement.MANDATORY or reason.has_code,
        ReasonCode.RULE_REASON_REQUIRED,
        error,
        _given("reason code", reason.has_code, code_rule),
        rules=rules,
        paths=(f"{prefix}.reason_code",),
        what_sv="välja en orsak",
        what_en="choose a reason",
    )
    if reason.has_code and code_rule is not ReasonRequirement.NOT_SUPPORTED:
        known = any(
            option.code == reason.code and (reason.code_system is None or option.code_system == reason.code_system)
            for option in process_rules.reason_codes
        )
        evaluation.check(
            known,
            ReasonCode.RULE_REASON_CODE,
            error,
            f"code {reason.code!r} is {'one' if known else 'not one'} of the listed reason codes",
            rules=rules,
            paths=(f"{prefix}.reason_codes",),
        )


def _given(what: str, given: bool, requirement: ReasonRequirement) -> str:
    if requirement is ReasonRequirement.NOT_SUPPORTED:
        return f"{what} {'given but not supported here: do not forward it' if given else 'not given; not supported'}"
    return f"{what} {'given' if given else 'not given'}"


# --- public functions --------------------------------------------------------------------------------


def may_see_time_type(
    source: RuleSource,
    citizen: CitizenFacts | None,
    region_code: str,
    care_unit: str,
    time_type_id: str,
    now: dt.datetime,
) -> Decision:
    """Whether the time type is listed for this citizen (GetTimeTypes / GetAllTimeTypes): allowed
    exactly when some slot inside its booking window could be booked by them now, as far as the
    rules that do not depend on the slot can tell. Without a citizen only open time types show."""
    rules = source.for_time_type(region_code, care_unit, time_type_id)
    now_us = to_micros(now)
    view = None if citizen is None else _CitizenView.of(citizen, now_us)
    gate = _gate(rules, citizen, view, normalise_care_unit(care_unit), now_us, Process.NYBOKNING)
    evaluation = gate.evaluation
    if citizen is None:
        evaluation.record(
            ReasonCode.RULE_AGE, Outcome.NOT_APPLICABLE, "no citizen given", rules=rules, paths=("age.min",)
        )
    else:
        age = rules.values.age
        evaluation.check(
            gate.low <= gate.high,
            ReasonCode.RULE_AGE,
            ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
            "within the bounds on some day of the booking window"
            if gate.low <= gate.high
            else "outside the bounds on every day of the booking window",
            rules=rules,
            paths=("age.min", "age.max"),
            setting=f"age {age.min}..{show_value(age.max)} years on the day of the visit",
            **age_phrase(age.min, age.max),
        )
    return evaluation.decision()


def decide_booking(
    source: RuleSource,
    citizen: CitizenFacts,
    slot: SlotFacts,
    now: dt.datetime,
    reason: ReasonFacts | None = None,
) -> Decision:
    """May the citizen book this slot now (MakeBooking / MakeAppointment)? With `reason` None the
    slot's eligibility is decided and the reason rules are left out (what `filter_slots` decides);
    pass the request's reason, even an empty `ReasonFacts()`, when deciding a real booking."""
    rules = source.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    now_us = to_micros(now)
    view = _CitizenView.of(citizen, now_us)
    gate = _gate(rules, citizen, view, slot.care_unit, now_us, Process.NYBOKNING)
    _slot_rules(gate, slot, view)
    if reason is not None:
        _reason_rules(gate.evaluation, rules, Process.NYBOKNING, reason)
    return gate.evaluation.decision()


def _rebooking_of_booking(evaluation: _Evaluation, rules: EffectiveRules, booking: BookingFacts, now_us: int) -> None:
    """The rules on the booking being moved (phase 0)."""
    values = rules.values.rebooking
    evaluation.check(
        values.allowed,
        ReasonCode.RULE_REBOOK_NOT_ALLOWED,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        "rebookable online" if values.allowed else "not rebookable online",
        rules=rules,
        paths=("rebooking.allowed",),
    )
    if booking.is_invitation:
        evaluation.check(
            values.invitations,
            ReasonCode.RULE_INVITATION,
            ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
            "the booking is an invitation",
            rules=rules,
            paths=("rebooking.invitations",),
            verb_sv="ombokas",
            verb_en="rebooked",
        )
    start = booking.slot.start_us
    evaluation.check(
        start > now_us,
        ReasonCode.RULE_TIME_PASSED,
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        f"the booking starts {from_micros(start):%Y-%m-%d %H:%M}",
        setting="the booking must not have started",
    )
    evaluation.check(
        now_us <= start - _micros(values.until),
        ReasonCode.RULE_REBOOK_DEADLINE,
        ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT,
        f"{_span(start - now_us)} before the start",
        rules=rules,
        paths=("rebooking.until",),
        **duration_words(values.until),
    )
    limit = values.max_rebookings
    evaluation.check(
        limit is None or booking.rebooking_count < limit,
        ReasonCode.RULE_MAX_REBOOKINGS,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        f"rebooked {booking.rebooking_count} time(s) so far",
        rules=rules,
        paths=("rebooking.max_rebookings",),
        count=booking.rebooking_count,
    )


def may_rebook(source: RuleSource, booking: BookingFacts, now: dt.datetime) -> Decision:
    """Whether the booking may be moved at all (the rebooking flag; the start of a rebooking search)."""
    slot = booking.slot
    rules = source.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    evaluation = _Evaluation()
    _rebooking_of_booking(evaluation, rules, booking, to_micros(now))
    return evaluation.decision()


def _rebooking_gate(
    source: RuleSource,
    citizen: CitizenFacts,
    view: _CitizenView,
    booking: BookingFacts,
    new_slot_key: tuple[str, str, str],
    now_us: int,
    booking_side: _Evaluation,
) -> _Gate:
    region_code, care_unit, time_type_id = new_slot_key
    rules = source.for_time_type(region_code, care_unit, time_type_id)
    gate = _gate(rules, citizen, view, care_unit, now_us, Process.OMBOKNING, carried_from=booking)
    evaluation = gate.evaluation
    for entry in evaluation.entries:
        entry.phase = 2
    evaluation.phase = 2
    for entry in booking_side.entries:
        evaluation.entries.append(_Entry(0, entry.trace, entry.refusal))
    same_type = time_type_id == booking.slot.time_type_id
    evaluation.phase = 1
    evaluation.check(
        same_type,
        ReasonCode.RULE_TIME_TYPE_CHANGE,
        ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED,
        f"from {booking.slot.time_type_id} to {time_type_id}",
        setting="a rebooking keeps the time type",
    )
    evaluation.phase = 2
    gate.closed = any(entry.refusal is not None for entry in evaluation.entries)
    return gate


def decide_rebooking(
    source: RuleSource,
    citizen: CitizenFacts,
    booking: BookingFacts,
    new_slot: SlotFacts,
    now: dt.datetime,
    reason: ReasonFacts | None = None,
) -> Decision:
    """May the citizen move the booking to `new_slot` now (UpdateBooking / UpdateAppointment)?
    The booking's own rules decide whether it may move; the new slot's rules decide whether it
    may be booked, with the booking being moved left out of the citizen's bookings. Access
    (referral-only, hidden, never online) carries over within the same care unit."""
    now_us = to_micros(now)
    old = booking.slot
    booking_side = _Evaluation()
    _rebooking_of_booking(
        booking_side, source.for_time_type(old.region_code, old.care_unit, old.time_type_id), booking, now_us
    )
    view = _CitizenView.of(citizen, now_us, moving=booking)
    key = (new_slot.region_code, new_slot.care_unit, new_slot.time_type_id)
    gate = _rebooking_gate(source, citizen, view, booking, key, now_us, booking_side)
    _slot_rules(gate, new_slot, view)
    if reason is not None:
        _reason_rules(gate.evaluation, gate.rules, Process.OMBOKNING, reason)
    return gate.evaluation.decision()


def decide_cancellation(
    source: RuleSource,
    booking: BookingFacts,
    now: dt.datetime,
    reason: ReasonFacts | None = None,
) -> Decision:
    """May the booking be cancelled now (CancelBooking / CancelAppointment)? With `reason` None the
    reason rules are left out (what the cancel flag shows)."""
    slot = booking.slot
    rules = source.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    values = rules.values.cancellation
    now_us = to_micros(now)
    evaluation = _Evaluation()
    evaluation.check(
        values.allowed,
        ReasonCode.RULE_CANCEL_NOT_ALLOWED,
        ErrorCode.CANCEL_IS_NOT_ALLOWED,
        "cancellable online" if values.allowed else "not cancellable online",
        rules=rules,
        paths=("cancellation.allowed",),
    )
    if booking.is_invitation:
        evaluation.check(
            values.invitations,
            ReasonCode.RULE_INVITATION,
            ErrorCode.CANCEL_IS_NOT_ALLOWED,
            "the booking is an invitation",
            rules=rules,
            paths=("cancellation.invitations",),
            verb_sv="avbokas",
            verb_en="cancelled",
        )
    start = slot.start_us
    evaluation.check(
        start > now_us,
        ReasonCode.RULE_TIME_PASSED,
        ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
        f"the booking starts {from_micros(start):%Y-%m-%d %H:%M}",
        setting="the booking must not have started",
    )
    evaluation.check(
        now_us <= start - _micros(values.until),
        ReasonCode.RULE_CANCEL_DEADLINE,
        ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT,
        f"{_span(start - now_us)} before the start",
        rules=rules,
        paths=("cancellation.until",),
        **duration_words(values.until),
    )
    if reason is not None:
        _reason_rules(evaluation, rules, Process.AVBOKNING, reason)
    return evaluation.decision()


def decide_confirmation(source: RuleSource, booking: BookingFacts, now: dt.datetime) -> Decision:
    """May the citizen confirm a time the clinic proposed now (ConfirmAppointment)? A proposal
    lapses for online confirmation `confirmation.until` before its start."""
    slot = booking.slot
    rules = source.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    until = rules.values.confirmation.until
    now_us = to_micros(now)
    evaluation = _Evaluation()
    evaluation.check(
        slot.start_us > now_us,
        ReasonCode.RULE_TIME_PASSED,
        ErrorCode.TOO_LATE_TO_CONFIRM_APPOINTMENT,
        f"the time starts {from_micros(slot.start_us):%Y-%m-%d %H:%M}",
        setting="the time must not have started",
    )
    evaluation.check(
        now_us <= slot.start_us - _micros(until),
        ReasonCode.RULE_CONFIRM_DEADLINE,
        ErrorCode.TOO_LATE_TO_CONFIRM_APPOINTMENT,
        f"{_span(slot.start_us - now_us)} before the start",
        rules=rules,
        paths=("confirmation.until",),
        **duration_words(until),
    )
    return evaluation.decision()


def booking_flags(source: RuleSource, booking: BookingFacts, now: dt.datetime) -> BookingFlags:
    """crm:scheduling 1.1's `cancel_booking_allowed`, `rebooking_allowed`, `message_allowed`.
    A message may go with a cancellation when the cancellation is allowed and its reason text is
    not ReasonNotSupported."""
    cancel = decide_cancellation(source, booking, now).allowed
    rebook = may_rebook(source, booking, now).allowed
    slot = booking.slot
    rules = source.for_time_type(slot.region_code, slot.care_unit, slot.time_type_id)
    message = cancel and rules.values.processes.AVBOKNING.reason_text is not ReasonRequirement.NOT_SUPPORTED
    return BookingFlags(cancel_allowed=cancel, rebook_allowed=rebook, message_allowed=message)


def filter_slots(
    source: RuleSource,
    citizen: CitizenFacts | None,
    slots: Iterable[SlotFacts],
    now: dt.datetime,
    *,
    rebooking: BookingFacts | None = None,
) -> list[SlotFacts]:
    """The slots the citizen may book now, in their order: exactly those `decide_booking` (or,
    with `rebooking`, `decide_rebooking` for that booking) would accept without a reason. Without
    a citizen, the slots of open time types inside their booking windows."""
    now_us = to_micros(now)
    if rebooking is not None and citizen is None:
        raise ValueError("a rebooking search needs the citizen")
    view = None if citizen is None else _CitizenView.of(citizen, now_us, moving=rebooking)
    booking_side: _Evaluation | None = None
    if rebooking is not None:
        old = rebooking.slot
        booking_side = _Evaluation()
        old_rules = source.for_time_type(old.region_code, old.care_unit, old.time_type_id)
        _rebooking_of_booking(booking_side, old_rules, rebooking, now_us)
        if any(entry.refusal is not None for entry in booking_side.entries):
            return []
    gates: dict[tuple[str, str, str], _Gate] = {}
    admitted: list[SlotFacts] = []
    for slot in slots:
        key = (slot.region_code, slot.care_unit, slot.time_type_id)
        gate = gates.get(key)
        if gate is None:
            if rebooking is not None and citizen is not None and view is not None and booking_side is not None:
                gate = _rebooking_gate(source, citizen, view, rebooking, key, now_us, booking_side)
            else:
                rules = source.for_time_type(*key)
                gate = _gate(rules, citizen, view, slot.care_unit, now_us, Process.NYBOKNING)
            gates[key] = gate
        if gate.closed:
            continue
        start = slot.start_us
        if start < gate.low or start > gate.high:
            continue
        if slot.channel is not None and slot.channel != gate.rules.values.channel:
            continue
        if view is not None and view.bookings and view.overlapping(start, slot.end_us) is not None:
            continue
        admitted.append(slot)
    return admitted
