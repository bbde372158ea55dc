"""Group bookings, series bookings and combined visits (the tidbok:scheduling 1 interactions) in
domain terms: find group sessions with places left, resolve a series or a combined visit into its
slots, check the set's shape with the rule set, book it all or nothing (`gateway.services.saga`),
show it with its parts linked, move one part, cancel one part or the whole.

Ids are the scheduling 2 ones: slots and appointments are UUIDs from `gateway.idmap`, so a
consumer can take a timeslotId from GetAvailableTimeslots 2.0 or GetGroupTimeslots and get
appointmentIds it can use with GetAppointment 2.0. Nothing here knows XML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select, update

from adapters.domain import (
    SWEDISH_TIME,
    Booking,
    BookingOutcome,
    CancelRequest,
    Code,
    ErrorCode,
    GroupTimeslot,
    RebookRequest,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import GroupBookingAdapter, RegionAdapter
from gateway.audit import AuditEvent
from gateway.db.models import BookingSetPartRow, BookingSetRow
from gateway.errors import FaultKind, GatewayError
from gateway.idmap import IdMap
from gateway.policy import BookingPolicy, CitizenContext
from gateway.routing import Route
from gateway.services.saga import (
    BookingSaga,
    PartState,
    SagaPlan,
    SetKind,
    SetState,
    as_gateway_error,
    occasion,
)
from gateway.services.scheduling import Call, SchedulingService
from gateway.slot_json import slot_from_json, slot_to_json
from rules.facts import ReasonFacts

__all__ = ["BookingSets", "GroupSession", "PartView", "SetAnswer", "SetView"]

NOT_FOUND_TEXT = "Bokningen finns inte."
SLOT_GONE_TEXT = "Tiden är inte längre ledig. Välj en annan tid."
_GONE = {ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED, ErrorCode.APPOINTMENT_DOES_NOT_EXIST}

# The contract's statuses (BookingSetStatusEnum, PartStatusEnum) for the saga's states.
SET_STATUS = {
    SetState.BOOKING: "inProgress",
    SetState.COMPENSATING: "inProgress",
    SetState.BOOKED: "booked",
    SetState.PARTLY_CANCELLED: "partlyCancelled",
    SetState.CANCELLED: "cancelled",
    SetState.ROLLED_BACK: "rolledBack",
}
PART_STATUS = {
    PartState.PLANNED: "planned",
    PartState.BOOKING: "inProgress",
    PartState.BOOKED: "booked",
    PartState.NOT_BOOKED: "notBooked",
    PartState.ROLLED_BACK: "rolledBack",
    PartState.CANCELLED: "cancelled",
}


@dataclass(frozen=True, slots=True)
class GroupSession:
    """A group session as answered: its timeslotId and the session."""

    timeslot_id: str
    group: GroupTimeslot


@dataclass(frozen=True, slots=True)
class SetAnswer:
    """The answer to a Make*Booking: one outcome; the set and the parts' appointment ids when booked."""

    outcome: BookingOutcome
    set_id: str | None = None
    appointment_ids: tuple[str, ...] = ()
    failed_part: int | None = None


@dataclass(frozen=True, slots=True)
class PartView:
    number: int
    status: str  # PartStatusEnum
    start: dt.datetime | None
    appointment_id: str | None = None
    booking: Booking | None = None  # present while booked
    slot_uuid: str | None = None
    related: tuple[str, ...] = ()  # the set's other booked parts


@dataclass(frozen=True, slots=True)
class SetView:
    set_id: str
    kind: SetKind
    status: str  # BookingSetStatusEnum
    region_code: str
    care_unit: HsaId
    cancel_part_allowed: bool
    parts: tuple[PartView, ...]


class BookingSets:
    def __init__(self, service: SchedulingService, ids: IdMap, saga: BookingSaga) -> None:
        self.service = service
        self.ids = ids
        self.saga = saga

    @property
    def policy(self) -> BookingPolicy:
        return self.service.policy

    # ------------------------------------------------------------------ helpers

    def region(self, call: Call) -> str:
        route, _adapter = self.service.route(call)
        return route.region_code

    @staticmethod
    def permit(call: Call, citizen: PersonalIdentity) -> None:
        """A citizen acting for themself may only book and see their own sets."""
        actor = call.context.actor
        if actor is not None and actor.is_citizen and actor.actor_id != citizen.value:
            raise GatewayError(FaultKind.ACTOR_NOT_PERMITTED)

    async def own_slot(self, slot_uuid: str, citizen: PersonalIdentity, region: str) -> Timeslot | None:
        """The slot behind a timeslotId shown to this citizen (or to nobody in particular) in this region."""
        found = await self.ids.slot(slot_uuid)
        if found is None or found.region_code != region:
            return None
        if found.citizen_ref is not None and found.citizen_ref != self.ids.citizen_ref(citizen):
            return None
        return found.slot

    async def _own_set(self, set_id: str, citizen: PersonalIdentity, region: str) -> BookingSetRow | None:
        async with self.service.database.sessions() as session:
            row = await session.get(BookingSetRow, set_id.lower())
        if row is None or row.region_code != region or row.citizen_ref != self.ids.citizen_ref(citizen):
            return None
        return row

    async def _parts(self, set_id: str) -> list[BookingSetPartRow]:
        async with self.service.database.sessions() as session:
            return list(
                await session.scalars(
                    select(BookingSetPartRow)
                    .where(BookingSetPartRow.set_id == set_id)
                    .order_by(BookingSetPartRow.part_number)
                )
            )

    async def _audit_refusal(self, call: Call, unit: str, citizen: PersonalIdentity, refusal: BookingOutcome) -> None:
        await self.service.record(
            AuditEvent(
                call.contract,
                call.context,
                "ERROR",
                unit,
                citizen,
                None,
                detail=refusal.error.value if refusal.error else None,
            )
        )

    # ------------------------------------------------------------------ group sessions

    async def group_sessions(self, call: Call, query: SlotQuery) -> list[GroupSession]:
        """Group sessions with a free place this citizen may book. A region with native group
        support says how many places are left. Otherwise the free times are grouped into sessions
        and the capacity comes from the rule set; the places left are known only when the system
        lists each free place as a time of its own (with its own id), not when it lists a session
        once while it has room (as crm:scheduling 1.1 and scheduling 2 producers do)."""
        route, adapter = self.service.route(call)
        region = route.region_code
        groups = self._native_groups(route, adapter)
        if groups is not None:
            try:
                native = await groups.get_group_timeslots(call.context, query)
            except Exception as exc:
                failure = as_gateway_error(exc)
                await self.service.record(
                    AuditEvent(
                        call.contract, call.context, "FAULT", query.care_unit, query.citizen, None, failure.kind.code
                    )
                )
                raise failure from exc
            await self.service.record(AuditEvent(call.contract, call.context, "OK", query.care_unit, query.citizen))
            bookable = self.policy.bookable_slots(
                region, await self._citizen_context(call, query), [g.slot for g in native]
            )
            allowed = {id(s) for s in bookable}
            sessions = [g for g in native if id(g.slot) in allowed]
        else:
            free = await self.service.available_timeslots(call, query)
            sessions = self._compose(region, free)
        ids = await self.ids.remember_slots(region, [g.slot for g in sessions], query.citizen)
        return [GroupSession(i, g) for i, g in zip(ids, sessions, strict=True)]

    def _native_groups(self, route: Route, adapter: RegionAdapter) -> GroupBookingAdapter | None:
        """The region's own group support, if its adapter has it. The resilience layers forward
        only the RegionAdapter methods (and ConfirmingAdapter's), so the adapter is asked directly
        when they hide the capability."""
        if isinstance(adapter, GroupBookingAdapter):
            return adapter
        if route.adapter is not None:
            raw = self.service.adapters.get(route.adapter)
            if isinstance(raw, GroupBookingAdapter):
                return raw
        return None

    async def _citizen_context(self, call: Call, query: SlotQuery) -> CitizenContext | None:
        if query.citizen is None:
            return None
        bookings = await self.service.schedule(call, query.care_unit, query.citizen)
        referrals = await self.service.referrals.facts_for(query.citizen, self.policy.clock())
        return self.policy.citizen_facts(query.citizen, bookings, referrals)

    def _compose(self, region: str, free: list[Timeslot]) -> list[GroupTimeslot]:
        sessions: dict[tuple[object, ...], list[Timeslot]] = {}
        for slot in free:
            if self.policy.group_capacity(region, slot.care_unit, slot.time_type_id) <= 1:
                continue
            key = (str(slot.care_unit).upper(), slot.start, slot.end, slot.performer, slot.time_type_id)
            sessions.setdefault(key, []).append(slot)
        groups: list[GroupTimeslot] = []
        for places in sessions.values():
            first = places[0]
            capacity = self.policy.group_capacity(region, first.care_unit, first.time_type_id)
            listed_per_place = len({p.slot_id for p in places if p.slot_id}) > 1
            left = len(places) if listed_per_place else None
            groups.append(GroupTimeslot(first, max(capacity, left or 0), left))
        return sorted(groups, key=lambda g: g.slot.start or dt.datetime.min.replace(tzinfo=dt.UTC))

    # ------------------------------------------------------------------ resolving sets

    async def slots_by_id(
        self, call: Call, citizen: PersonalIdentity, slot_ids: Sequence[str]
    ) -> tuple[list[Timeslot], BookingOutcome | None, int | None]:
        """The slots behind timeslotIds, in the order given; or the refusal and the part it names."""
        region = self.region(call)
        slots: list[Timeslot] = []
        for number, slot_id in enumerate(slot_ids, start=1):
            slot = await self.own_slot(slot_id, citizen, region)
            if slot is None:
                refusal = BookingOutcome.refused(
                    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, f"Tillfälle {number}: {SLOT_GONE_TEXT}"
                )
                return [], refusal, number
            if str(slot.care_unit).upper() != call.context.logical_address.upper():
                refusal = BookingOutcome.refused(
                    ErrorCode.APPOINTMENT_IS_NOT_ALLOWED,
                    f"Tillfälle {number} är på en annan mottagning än den bokningen görs hos.",
                )
                return [], refusal, number
            slots.append(slot)
        if len({(s.start, s.performer, s.time_type_id, s.slot_id) for s in slots}) < len(slots):
            refusal = BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, "Samma tid finns med två gånger.")
            return [], refusal, None
        return slots, None, None

    async def slots_by_recurrence(
        self,
        call: Call,
        citizen: PersonalIdentity,
        first_id: str,
        interval_days: int,
        occurrences: int,
        same_practitioner: bool,
    ) -> tuple[list[Timeslot], BookingOutcome | None, int | None]:
        """A series by rule: the first slot, then a free slot of the same time type at the same local
        time every `interval_days` days (by the same practitioner when asked, else preferably)."""
        found, refusal, number = await self.slots_by_id(call, citizen, [first_id])
        if refusal is not None:
            return [], refusal, number
        first = found[0]
        if first.start is None:
            return [], BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_NOT_ALLOWED, SLOT_GONE_TEXT), 1
        local = first.start.astimezone(SWEDISH_TIME)
        targets = [
            dt.datetime.combine(local.date() + dt.timedelta(days=interval_days * n), local.time(), tzinfo=SWEDISH_TIME)
            for n in range(1, occurrences)
        ]
        query = SlotQuery(
            care_unit=HsaId(call.context.logical_address),
            start_date=targets[0].date(),
            end_date=targets[-1].date(),
            citizen=citizen,
            performers=(first.performer,) if same_practitioner and first.performer else (),
            time_type_id=first.time_type_id,
        )
        free = await self.service.available_timeslots(call, query)
        slots = [first]
        for number, target in enumerate(targets, start=2):
            candidates = [s for s in free if s.start == target and s.time_type_id == first.time_type_id]
            if same_practitioner:
                candidates = [s for s in candidates if s.performer == first.performer]
            candidates.sort(key=lambda s: s.performer != first.performer)
            if not candidates:
                local_target = replace(first, start=target, end=None)
                refusal = BookingOutcome.refused(
                    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE,
                    f"Det finns ingen ledig tid för tillfälle {number} ({occasion(local_target)}). "
                    "Ingen av tiderna är bokad.",
                )
                return [], refusal, number
            slots.append(candidates[0])
        return slots, None, None

    # ------------------------------------------------------------------ booking

    def shape(self, kind: SetKind, region: str, slots: list[Timeslot], error: ErrorCode) -> BookingOutcome | None:
        if kind is SetKind.GROUP:
            return self.policy.decide_group_set(region, slots, error)
        if kind is SetKind.SERIES:
            return self.policy.decide_series(region, slots, error)
        return self.policy.decide_combined(region, slots, error)

    async def book(
        self,
        kind: SetKind,
        call: Call,
        citizen: PersonalIdentity,
        slots: list[Timeslot],
        reason: str | None,
        reason_code: Code | None,
    ) -> SetAnswer:
        """Check the set's shape and every part against the rules (each part seeing the ones before
        it as booked), then book it all or nothing."""
        self.permit(call, citizen)
        call = call.about(citizen)  # for regions whose reads need the citizen (scheduling 2)
        route, _adapter = self.service.route(call)
        region, unit = route.region_code, HsaId(call.context.logical_address)
        refusal = self.shape(kind, region, slots, ErrorCode.APPOINTMENT_IS_NOT_ALLOWED)
        failed_part: int | None = None
        if refusal is None:
            refusal, failed_part = await self._precheck(call, region, unit, citizen, slots, reason, reason_code)
        if refusal is not None:
            await self._audit_refusal(call, unit, citizen, refusal)
            return SetAnswer(refusal, failed_part=failed_part)
        plan = SagaPlan(kind, call, region, unit, citizen, tuple(slots), reason, reason_code)
        result = await self.saga.run(plan)
        if not result.outcome.succeeded:
            return SetAnswer(result.outcome, result.set_id, failed_part=result.failed_part)
        appointment_ids = await self.ids.remember_appointments(
            region,
            [(slot.care_unit, booking_id, citizen) for slot, booking_id in zip(slots, result.booking_ids, strict=True)],
        )
        texts = [f"{len(slots)} tider är bokade."] if len(slots) > 1 else []
        texts += result.notes
        code = ResultCode.INFO if result.notes else ResultCode.OK
        outcome = BookingOutcome(code, " ".join(texts) or None)
        return SetAnswer(outcome, result.set_id, tuple(appointment_ids))

    async def _precheck(
        self,
        call: Call,
        region: str,
        unit: HsaId,
        citizen: PersonalIdentity,
        slots: list[Timeslot],
        reason: str | None,
        reason_code: Code | None,
    ) -> tuple[BookingOutcome | None, int | None]:
        """The rules' answer for each part as if the parts before it were booked: a set that the
        rules would stop half-way never reaches the region."""
        held = await self.service.schedule(call, unit, citizen)
        referrals = await self.service.referrals.facts_for(citizen, self.policy.clock())
        facts = ReasonFacts(
            text=reason,
            code=reason_code.code if reason_code else None,
            code_system=reason_code.code_system if reason_code else None,
        )
        planned: list[Booking] = []
        for number, slot in enumerate(slots, start=1):
            context = self.policy.citizen_facts(citizen, [*held, *planned], referrals)
            decision = self.policy.decide_booking(region, context, slot, facts)
            if decision is not None and not decision.allowed:
                refused = self.policy.refusal(decision)
                why = (refused.text or "").rstrip(".")
                text = f"Tillfälle {number} ({occasion(slot)}): {why}. Ingen av tiderna är bokad."
                return replace(refused, text=text), number
            planned.append(Booking(booking_id=f"planned-{number}", citizen=citizen, slot=slot))
        return None, None

    # ------------------------------------------------------------------ seeing a set

    async def view(self, call: Call, citizen: PersonalIdentity, set_id: str) -> SetView | None:
        """The set with its parts; a booked part as the region shows it now (a part the region no
        longer has was cancelled outside the set and is shown so)."""
        self.permit(call, citizen)
        call = call.about(citizen)  # for regions whose reads need the citizen (scheduling 2)
        region = self.region(call)
        row = await self._own_set(set_id, citizen, region)
        if row is None:
            return None
        parts = await self._parts(row.id)
        live: dict[int, Booking] = {}
        for part in parts:
            if part.state != PartState.BOOKED or part.booking_id is None:
                continue
            booking = await self._booking_or_none(call, HsaId(part.care_unit), part.booking_id)
            if booking is None:
                await self._mark_part(row.id, part.part_number, PartState.CANCELLED)
                part.state = PartState.CANCELLED
            else:
                live[part.part_number] = booking
        state = await self._settle_state(row, parts)
        numbers = sorted(live)
        appointment_ids = await self.ids.remember_appointments(
            region, [(live[n].slot.care_unit, live[n].booking_id, citizen) for n in numbers]
        )
        by_number = dict(zip(numbers, appointment_ids, strict=True))
        slot_ids = await self.ids.remember_slots(region, [live[n].slot for n in numbers], citizen)
        slot_by_number = dict(zip(numbers, slot_ids, strict=True))
        views = []
        for part in parts:
            appointment_id = by_number.get(part.part_number)
            views.append(
                PartView(
                    number=part.part_number,
                    status=PART_STATUS[part.state],
                    start=part.slot_start,
                    appointment_id=appointment_id,
                    booking=live.get(part.part_number),
                    slot_uuid=slot_by_number.get(part.part_number),
                    related=tuple(a for n, a in by_number.items() if n != part.part_number),
                )
            )
        kind = SetKind(row.kind)
        first = parts[0] if parts else None
        cancel_alone = first is not None and self.policy.cancel_part_allowed(
            kind is SetKind.COMBINED, region, first.care_unit, first.time_type_id
        )
        return SetView(row.id, kind, SET_STATUS[state], region, HsaId(row.care_unit), cancel_alone, tuple(views))

    async def _booking_or_none(self, call: Call, unit: HsaId, booking_id: str) -> Booking | None:
        try:
            return await self.service.booking(call, unit, booking_id)
        except GatewayError as error:
            if error.kind is FaultKind.BOOKING_NOT_FOUND:
                return None
            raise

    async def related_appointments(self, region: str, booking_id: str) -> list[str]:
        """The appointment ids of the other booked parts of the set `booking_id` belongs to."""
        async with self.service.database.sessions() as session:
            mine = await session.scalar(
                select(BookingSetPartRow).where(
                    BookingSetPartRow.region_code == region,
                    BookingSetPartRow.booking_id == booking_id,
                    BookingSetPartRow.state == PartState.BOOKED,
                )
            )
            if mine is None:
                return []
            others = await session.scalars(
                select(BookingSetPartRow).where(
                    BookingSetPartRow.set_id == mine.set_id,
                    BookingSetPartRow.part_number != mine.part_number,
                    BookingSetPartRow.state == PartState.BOOKED,
                )
            )
            return [
                self.ids.appointment_id(region, p.care_unit, p.booking_id)
                for p in sorted(others, key=lambda p: p.part_number)
                if p.booking_id
            ]

    # ------------------------------------------------------------------ changing a set

    async def _part_of(
        self, call: Call, citizen: PersonalIdentity, set_id: str, appointment_id: str
    ) -> tuple[BookingSetRow, list[BookingSetPartRow], BookingSetPartRow] | None:
        region = self.region(call)
        row = await self._own_set(set_id, citizen, region)
        found = await self.ids.appointment(appointment_id)
        if row is None or found is None or found.region_code != region:
            return None
        parts = await self._parts(row.id)
        part = next((p for p in parts if p.booking_id == found.booking_id and p.state == PartState.BOOKED), None)
        return None if part is None else (row, parts, part)

    async def rebook_part(
        self,
        call: Call,
        citizen: PersonalIdentity,
        set_id: str,
        appointment_id: str,
        timeslot_id: str,
        reason: str | None,
        reason_code: Code | None,
    ) -> tuple[BookingOutcome, str | None]:
        """Move one part to another slot: the set's shape must hold with the part moved, then the
        move is an ordinary rebooking (its rules, ledger and audit)."""
        self.permit(call, citizen)
        call = call.about(citizen)  # for regions whose reads need the citizen (scheduling 2)
        region = self.region(call)
        found = await self._part_of(call, citizen, set_id, appointment_id)
        if found is None:
            return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT), None
        row, parts, part = found
        slot = await self.own_slot(timeslot_id, citizen, region)
        if slot is None:
            return BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, SLOT_GONE_TEXT), None
        arranged = [slot if p is part else slot_from_json(p.slot) for p in parts if p.state == PartState.BOOKED]
        refusal = self.shape(SetKind(row.kind), region, arranged, ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED)
        if refusal is not None:
            await self._audit_refusal(call, row.care_unit, citizen, refusal)
            return refusal, None
        assert part.booking_id is not None
        outcome = await self.service.update_booking(
            call, RebookRequest(part.booking_id, slot, citizen, reason=reason, reason_code=reason_code)
        )
        if not outcome.succeeded:
            return outcome, None
        booking_id = outcome.booking_id or part.booking_id
        async with self.service.database.sessions.begin() as session:
            await session.execute(
                update(BookingSetPartRow)
                .where(BookingSetPartRow.set_id == row.id, BookingSetPartRow.part_number == part.part_number)
                .values(
                    booking_id=booking_id,
                    slot=slot_to_json(slot),
                    slot_start=slot.start,
                    slot_end=slot.end,
                    time_type_id=slot.time_type_id,
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
        (new_id,) = await self.ids.remember_appointments(region, [(slot.care_unit, booking_id, citizen)])
        return outcome, new_id

    async def cancel(
        self,
        call: Call,
        citizen: PersonalIdentity,
        set_id: str,
        appointment_id: str | None,
        reason: str | None,
        reason_code: Code | None,
    ) -> BookingOutcome:
        """Cancel one part (where the rules let it go alone) or every booked part. The whole is
        checked first, so a set is not left half cancelled because one part is too late."""
        self.permit(call, citizen)
        call = call.about(citizen)  # for regions whose reads need the citizen (scheduling 2)
        region = self.region(call)
        if appointment_id is not None:
            found = await self._part_of(call, citizen, set_id, appointment_id)
            if found is None:
                return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT)
            row, parts, part = found
            kind = SetKind(row.kind)
            if not self.policy.cancel_part_allowed(kind is SetKind.COMBINED, region, part.care_unit, part.time_type_id):
                refusal = BookingOutcome.refused(
                    ErrorCode.CANCEL_IS_NOT_ALLOWED,
                    "Det går inte att avboka bara en del av besöket. Avboka hela besöket."
                    if kind is SetKind.COMBINED
                    else "Ett tillfälle kan inte avbokas ensamt. Avboka alla tillfällen.",
                )
                await self._audit_refusal(call, row.care_unit, citizen, refusal)
                return refusal
            outcome = await self._cancel_part(call, citizen, row, part, reason, reason_code)
            await self._settle_state(row, await self._parts(row.id))
            return outcome
        row_or_none = await self._own_set(set_id, citizen, region)
        if row_or_none is None:
            return BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, NOT_FOUND_TEXT)
        row = row_or_none
        parts = [p for p in await self._parts(row.id) if p.state == PartState.BOOKED and p.booking_id]
        if not parts:
            return BookingOutcome.refused(ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED, "Bokningen är redan avbokad.")
        reason_facts = ReasonFacts(
            text=reason,
            code=reason_code.code if reason_code else None,
            code_system=reason_code.code_system if reason_code else None,
        )
        for part in parts:
            assert part.booking_id is not None
            booking = await self._booking_or_none(call, HsaId(part.care_unit), part.booking_id)
            facts = self.policy.booking_facts(region, booking) if booking is not None else None
            if facts is None:
                continue
            decision = self.policy.decide_cancellation(facts, reason_facts)
            if not decision.allowed:
                refused = self.policy.refusal(decision)
                text = f"Tillfälle {part.part_number}: {(refused.text or '').rstrip('.')}. Ingen av tiderna är avbokad."
                refusal = replace(refused, text=text)
                await self._audit_refusal(call, row.care_unit, citizen, refusal)
                return refusal
        left: list[int] = []
        for part in parts:
            outcome = await self._cancel_part(call, citizen, row, part, reason, reason_code)
            if not outcome.succeeded and outcome.error not in _GONE:
                left.append(part.part_number)
        await self._settle_state(row, await self._parts(row.id))
        if left:
            names = ", ".join(str(n) for n in left)
            return BookingOutcome.refused(
                ErrorCode.CANCEL_IS_NOT_ALLOWED,
                f"Tillfälle {names} kunde inte avbokas just nu; övriga tillfällen är avbokade. Försök igen.",
            )
        return BookingOutcome(ResultCode.OK, f"{len(parts)} tider är avbokade." if len(parts) > 1 else None)

    async def _cancel_part(
        self,
        call: Call,
        citizen: PersonalIdentity,
        row: BookingSetRow,
        part: BookingSetPartRow,
        reason: str | None,
        reason_code: Code | None,
    ) -> BookingOutcome:
        assert part.booking_id is not None
        try:
            outcome = await self.service.cancel_booking(
                call,
                CancelRequest(HsaId(part.care_unit), part.booking_id, citizen, message=reason, reason_code=reason_code),
            )
        except GatewayError:
            return BookingOutcome.refused(None, "Regionens system svarade inte.")
        if outcome.succeeded or outcome.error in _GONE:
            await self._mark_part(row.id, part.part_number, PartState.CANCELLED)
        return outcome

    async def _mark_part(self, set_id: str, number: int, state: str) -> None:
        async with self.service.database.sessions.begin() as session:
            await session.execute(
                update(BookingSetPartRow)
                .where(BookingSetPartRow.set_id == set_id, BookingSetPartRow.part_number == number)
                .values(state=state, updated_at=dt.datetime.now(dt.UTC))
            )

    async def _settle_state(self, row: BookingSetRow, parts: list[BookingSetPartRow]) -> str:
        """A booked set becomes partly cancelled or cancelled as its parts go."""
        if row.state not in {SetState.BOOKED, SetState.PARTLY_CANCELLED}:
            return row.state
        booked = sum(1 for p in parts if p.state == PartState.BOOKED)
        state = (
            SetState.BOOKED
            if booked == len(parts)
            else SetState.CANCELLED
            if booked == 0
            else SetState.PARTLY_CANCELLED
        )
        if state != row.state:
            async with self.service.database.sessions.begin() as session:
                await session.execute(
                    update(BookingSetRow)
                    .where(BookingSetRow.id == row.id)
                    .values(state=state, updated_at=dt.datetime.now(dt.UTC))
                )
        return state
