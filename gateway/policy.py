"""The booking policy: the common rule set applied to the domain. The only place the gateway asks
the rule engine, so every face and every region gets the same decisions.

It turns domain objects into rule facts (`rules.facts`), asks the engine, and turns decisions back
into domain refusals (the scheduling 2 error codes, Swedish text for the citizen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

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
    decide_rebooking,
    filter_slots,
    may_see_time_type,
)
from rules.facts import ActiveBooking, BookingFacts, CitizenFacts, ReasonFacts, ReferralFacts, SlotFacts
from rules.ruleset import RuleSet
from rules.store import RuleStore
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

    @staticmethod
    def refusal(decision: Decision) -> BookingOutcome:
        """A rule's no, as the contracts say it: the specific error code, the citizen's text."""
        error = ErrorCode(decision.error_code.value) if decision.error_code else ErrorCode.APPOINTMENT_IS_NOT_ALLOWED
        return BookingOutcome.refused(error, decision.text_sv or "Bokningen är inte tillåten.")
