"""The booking policy: the common rule set applied to the domain. The only place the gateway asks
the rule engine, so every face and every region gets the same decisions.

It turns domain objects into rule facts (`rules.facts`), asks the engine, and turns decisions back
into domain refusals (the scheduling 2 error codes, Swedish text for the citizen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import pairwise

from adapters.domain import (
    SWEDISH_TIME,
    AvailableDate,
    Booking,
    BookingOutcome,
    ContactChannel,
    ErrorCode,
    Timeslot,
    TimeType,
)
from adapters.identifiers import PersonalIdentity
from rules.decision import Decision
from rules.engine import (
    booking_flags,
    decide_booking,
    decide_cancellation,
    decide_confirmation,
    decide_rebooking,
    filter_slots,
    may_see_time_type,
)
from rules.facts import ActiveBooking, BookingFacts, CitizenFacts, ReasonFacts, ReferralFacts, SlotFacts
from rules.ruleset import RuleSet
from rules.store import RuleStore
from rules.times import format_duration
from rules.view import TimeTypeView, time_type_view
from rules.vocabulary import Channel

__all__ = ["BookingPolicy", "CitizenContext"]

# Time types the region did not name are judged by the defaults of their unit's layers.
UNNAMED_TIME_TYPE = "(unnamed)"

_CHANNELS = {
    ContactChannel.PHYSICAL: Channel.PHYSICAL,
    ContactChannel.VIDEO: Channel.VIDEO,
    ContactChannel.PHONE: Channel.PHONE,
}


def swedish_now() -> dt.datetime:
    return dt.datetime.now(SWEDISH_TIME)


@dataclass(frozen=True, slots=True)
class CitizenContext:
    """What the rules know of the citizen for one call."""

    citizen: PersonalIdentity
    facts: CitizenFacts


class BookingPolicy:
    def __init__(self, rules: RuleStore, clock: Callable[[], dt.datetime] = swedish_now) -> None:
        self.rules = rules
        self.clock = clock

    @property
    def ruleset(self) -> RuleSet:
        return self.rules.current

    # ------------------------------------------------------------------ facts

    @staticmethod
    def citizen_facts(
        citizen: PersonalIdentity, bookings: Iterable[Booking], referrals: tuple[ReferralFacts, ...]
    ) -> CitizenContext:
        active = tuple(
            ActiveBooking(
                care_unit=b.slot.care_unit,
                time_type_id=b.slot.time_type_id or UNNAMED_TIME_TYPE,
                start=b.slot.start,
                end=b.slot.end,
                booking_id=b.booking_id,
            )
            for b in bookings
            if b.slot.start is not None
        )
        facts = CitizenFacts.from_personnummer(citizen.value, active_bookings=active, referrals=referrals)
        return CitizenContext(citizen, facts)

    @staticmethod
    def slot_facts(region_code: str, slot: Timeslot) -> SlotFacts | None:
        if slot.start is None:
            return None
        return SlotFacts(
            region_code=region_code,
            care_unit=slot.care_unit,
            time_type_id=slot.time_type_id or UNNAMED_TIME_TYPE,
            start=slot.start,
            end=slot.end,
            channel=_CHANNELS.get(slot.channel) if slot.channel else None,
            slot_id=slot.slot_id,
        )

    def booking_facts(
        self, region_code: str, booking: Booking, rebooking_count: int = 0, referral_id: str | None = None
    ) -> BookingFacts | None:
        slot = self.slot_facts(region_code, booking.slot)
        if slot is None:
            return None
        return BookingFacts(
            booking_id=booking.booking_id,
            slot=slot,
            rebooking_count=rebooking_count,
            is_invitation=booking.is_invitation,
            referral_id=referral_id,
        )

    @staticmethod
    def reason(text: str | None, code: str | None = None, code_system: str | None = None) -> ReasonFacts:
        return ReasonFacts(text=text, code=code, code_system=code_system)

    # ------------------------------------------------------------------ lists

    def visible_time_types(
        self, region_code: str, care_unit: str, citizen: CitizenContext | None, time_types: list[TimeType]
    ) -> list[TimeType]:
        now = self.clock()
        facts = citizen.facts if citizen else None
        return [
            t
            for t in time_types
            if may_see_time_type(self.ruleset, facts, region_code, care_unit, t.time_type_id, now).allowed
        ]

    def bookable_slots(
        self,
        region_code: str,
        citizen: CitizenContext | None,
        slots: list[Timeslot],
        *,
        rebooking: BookingFacts | None = None,
    ) -> list[Timeslot]:
        """Exactly the slots MakeBooking (or, with `rebooking`, UpdateBooking of that booking) would
        accept for this citizen now. Without a citizen (an agent's search): the open time types."""
        judged = [(slot, self.slot_facts(region_code, slot)) for slot in slots]
        facts = [f for _slot, f in judged if f is not None]
        allowed = {
            id(f)
            for f in filter_slots(
                self.ruleset, citizen.facts if citizen else None, facts, self.clock(), rebooking=rebooking
            )
        }
        return [slot for slot, f in judged if f is not None and id(f) in allowed]

    @staticmethod
    def dates_of(slots: list[Timeslot]) -> list[AvailableDate]:
        """Free dates, one per (date, performer, resource, time type), from bookable slots."""
        counts: dict[tuple[object, ...], tuple[Timeslot, int]] = {}
        for slot in slots:
            if slot.start is None:
                continue
            day = slot.start.astimezone(SWEDISH_TIME).date()
            key = (day, slot.performer, slot.resource_id, slot.time_type_id, slot.care_type_id)
            first, count = counts.get(key, (slot, 0))
            counts[key] = (first, count + 1)
        return [
            AvailableDate(
                care_unit=first.care_unit,
                date=key[0],  # type: ignore[arg-type]
                performer=first.performer,
                resource_id=first.resource_id,
                resource_name=first.resource_name,
                time_type_id=first.time_type_id,
                time_type_name=first.time_type_name,
                care_type_id=first.care_type_id,
                care_type_name=first.care_type_name,
                free_slots=count,
            )
            for key, (first, count) in sorted(counts.items(), key=lambda item: str(item[0]))
        ]

    def with_flags(self, region_code: str, booking: Booking, rebooking_count: int = 0) -> Booking:
        """The booked-time flags from the rules, and never more than the producer allows."""
        facts = self.booking_facts(region_code, booking, rebooking_count)
        if facts is None:
            return replace(booking, cancel_allowed=False, rebook_allowed=False, message_allowed=False)
        flags = booking_flags(self.ruleset, facts, self.clock())
        return replace(
            booking,
            cancel_allowed=flags.cancel_allowed and booking.cancel_allowed,
            rebook_allowed=flags.rebook_allowed and booking.rebook_allowed,
            message_allowed=flags.message_allowed,
        )

    def time_type_view(self, region_code: str, care_unit: str, time_type_id: str | None) -> TimeTypeView:
        return time_type_view(self.ruleset, region_code, care_unit, time_type_id or UNNAMED_TIME_TYPE)

    # ------------------------------------------------------------------ decisions

    def decide_booking(
        self, region_code: str, citizen: CitizenContext, slot: Timeslot, reason: ReasonFacts
    ) -> Decision | None:
        facts = self.slot_facts(region_code, slot)
        if facts is None:
            return None
        return decide_booking(self.ruleset, citizen.facts, facts, self.clock(), reason)

    def decide_rebooking(
        self, region_code: str, citizen: CitizenContext, booking: BookingFacts, slot: Timeslot, reason: ReasonFacts
    ) -> Decision | None:
        facts = self.slot_facts(region_code, slot)
        if facts is None:
            return None
        return decide_rebooking(self.ruleset, citizen.facts, booking, facts, self.clock(), reason)

    def decide_cancellation(self, booking: BookingFacts, reason: ReasonFacts) -> Decision:
        return decide_cancellation(self.ruleset, booking, self.clock(), reason)

    def decide_confirmation(self, booking: BookingFacts) -> Decision:
        return decide_confirmation(self.ruleset, booking, self.clock())

    # ------------------------------------------------------------------ booking sets
    # Group, series and combined bookings: their shape is read from the rule set here (the engine
    # decides each part as a single booking). Each method answers None (the shape holds) or the
    # refusal to give the citizen; `error` is the code for a new booking or, when a part is moved,
    # for the rebooking.

    def group_capacity(self, region_code: str, care_unit: str, time_type_id: str | None) -> int:
        """Places in one session of the time type: 1 for any time type that is not a group."""
        rules = self.ruleset.for_time_type(region_code, care_unit, time_type_id or UNNAMED_TIME_TYPE).values
        return rules.group.capacity if rules.patient_group else 1

    def cancel_part_allowed(self, combined: bool, region_code: str, care_unit: str, time_type_id: str | None) -> bool:
        """Whether one part may be cancelled alone: a series or group occurrence when the time type's
        `series.cancel_single` says so; the parts of a combined visit never (they belong together)."""
        if combined:
            return False
        rules = self.ruleset.for_time_type(region_code, care_unit, time_type_id or UNNAMED_TIME_TYPE).values
        return rules.series.cancel_single

    def decide_group_set(
        self, region_code: str, slots: list[Timeslot], error: ErrorCode = ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
    ) -> BookingOutcome | None:
        """Places in group sessions: every slot a group time type; several sessions are a series."""
        for slot in slots:
            if self.group_capacity(region_code, slot.care_unit, slot.time_type_id) <= 1:
                return BookingOutcome.refused(error, f"{_name(slot)} är ingen grupptid.")
        return self.decide_series(region_code, slots, error) if len(slots) > 1 else None

    def decide_series(
        self, region_code: str, slots: list[Timeslot], error: ErrorCode = ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
    ) -> BookingOutcome | None:
        """Occurrences of one time type at one unit: no more than `series.max_occurrences`, each
        starting `series.min_spacing` to `series.max_spacing` after the one before."""
        first = slots[0]
        if any(s.care_unit.upper() != first.care_unit.upper() or s.time_type_id != first.time_type_id for s in slots):
            return BookingOutcome.refused(
                error, "Alla tillfällen i en serie ska vara samma sorts tid på samma mottagning."
            )
        if any(s.start is None for s in slots):
            return BookingOutcome.refused(error, "Varje tillfälle i en serie behöver en tid.")
        series = self.ruleset.for_time_type(region_code, first.care_unit, first.time_type_id or UNNAMED_TIME_TYPE)
        shape = series.values.series
        if shape.max_occurrences <= 1:
            return BookingOutcome.refused(error, f"{_name(first)} kan inte bokas som en serie.")
        if len(slots) > shape.max_occurrences:
            return BookingOutcome.refused(
                error, f"En serie av {_name(first)} kan ha högst {shape.max_occurrences} tillfällen."
            )
        ordered = sorted(slots, key=_start)
        for number, (before, after) in enumerate(pairwise(ordered), start=2):
            spacing = _start(after) - _start(before)
            if spacing < shape.min_spacing or (before.end is not None and _start(after) < before.end):
                return BookingOutcome.refused(
                    error,
                    f"Tillfälle {number} ligger för nära tillfället före: det ska gå minst "
                    f"{format_duration(shape.min_spacing, 'sv')} mellan tillfällena.",
                )
            if shape.max_spacing is not None and spacing > shape.max_spacing:
                return BookingOutcome.refused(
                    error,
                    f"Tillfälle {number} ligger för långt efter tillfället före: det får gå högst "
                    f"{format_duration(shape.max_spacing, 'sv')} mellan tillfällena.",
                )
        return None

    def decide_combined(
        self, region_code: str, slots: list[Timeslot], error: ErrorCode = ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
    ) -> BookingOutcome | None:
        """A combined visit (sammanhållet besök): parts in the given order at one unit on one day,
        none overlapping the one before, each of a time type the first part's
        `combined_visit.with_time_types` names, with at most `combined_visit.max_gap` between them."""
        first = slots[0]
        if any(s.start is None or s.end is None for s in slots):
            return BookingOutcome.refused(error, "Varje del av besöket behöver en tid med start och slut.")
        if any(s.care_unit.upper() != first.care_unit.upper() for s in slots):
            return BookingOutcome.refused(error, "Alla delar av besöket ska vara på samma mottagning.")
        if len({_start(s).astimezone(SWEDISH_TIME).date() for s in slots}) > 1:
            return BookingOutcome.refused(error, "Alla delar av besöket ska vara samma dag.")
        visit = self.ruleset.for_time_type(region_code, first.care_unit, first.time_type_id or UNNAMED_TIME_TYPE)
        combined = visit.values.combined_visit
        if not combined.with_time_types:
            return BookingOutcome.refused(error, f"{_name(first)} kan inte bokas som ett sammanhållet besök.")
        for number, (before, after) in enumerate(pairwise(slots), start=2):
            if after.time_type_id not in combined.with_time_types:
                return BookingOutcome.refused(
                    error, f"{_name(after)} kan inte ingå i ett besök som börjar med {_name(first)}."
                )
            assert before.end is not None
            gap = _start(after) - before.end
            if gap < dt.timedelta(0):
                return BookingOutcome.refused(
                    error, f"Del {number} börjar innan del {number - 1} är slut: delarna ska komma i tur och ordning."
                )
            if gap > combined.max_gap:
                return BookingOutcome.refused(
                    error,
                    f"Det får gå högst {format_duration(combined.max_gap, 'sv')} mellan delarna av besöket; "
                    f"före del {number} går det {format_duration(gap, 'sv')}.",
                )
        return None

    @staticmethod
    def refusal(decision: Decision) -> BookingOutcome:
        """A rule's no, as the contracts say it: the specific error code, the citizen's text."""
        error = ErrorCode(decision.error_code.value) if decision.error_code else ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
        return BookingOutcome.refused(error, decision.text_sv or "Bokningen är inte tillåten.")


def _start(slot: Timeslot) -> dt.datetime:
    assert slot.start is not None
    return slot.start


def _name(slot: Timeslot) -> str:
    return slot.time_type_name or slot.time_type_id or "Tiden"
