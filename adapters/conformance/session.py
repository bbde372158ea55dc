"""One adapter, built for one test of the kit, with what the tests share: the calling context, the
search window, free times no other test has taken, and the bookings to cancel afterwards."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import replace

from adapters.conformance.target import ConformanceTarget
from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CitizenDetails,
    RequestContext,
    SlotQuery,
    Timeslot,
)
from adapters.errors import AdapterError
from adapters.identifiers import PersonalIdentity
from adapters.interface import AdapterSettings, RegionAdapter

__all__ = ["KIT_CONSUMER", "Session"]

KIT_CONSUMER = "tidbok-gateway-conformance-kit"
_DETAILS = CitizenDetails(first_name="Tolvan", last_name="Tolvansson", phone="+46701234567")


class Session:
    """The adapter under test and the scenario it is tested in. Close with `aclose`."""

    def __init__(self, target: ConformanceTarget, *, settings: AdapterSettings | None = None) -> None:
        self.target = target
        self.scenario = target.scenario
        self.unit = target.scenario.care_unit
        self.time_type_id = target.scenario.time_type_id
        self.adapter: RegionAdapter = target.factory(settings or target.settings)
        self._made: list[tuple[str, PersonalIdentity]] = []

    @property
    def citizen(self) -> PersonalIdentity:
        return self.scenario.citizens[0]

    @property
    def rival(self) -> PersonalIdentity:
        return self.scenario.citizens[1]

    def ctx(
        self,
        citizen: PersonalIdentity | None = None,
        *,
        correlation_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RequestContext:
        """A call to the unit by `citizen` (default: the first citizen) acting for themself."""
        who = citizen or self.citizen
        return RequestContext(
            logical_address=str(self.unit),
            actor=Actor(who.value, ActorRole.CITIZEN),
            consumer_id=KIT_CONSUMER,
            correlation_id=correlation_id or f"conformance-{uuid.uuid4()}",
            extra_headers=dict(extra_headers or {}),
        )

    def window(self) -> tuple[dt.date, dt.date]:
        first = self.scenario.first_day or dt.datetime.now(SWEDISH_TIME).date() + dt.timedelta(days=3)
        return first, first + dt.timedelta(days=self.scenario.days)

    def slot_query(self, citizen: PersonalIdentity | None = None, **changes: object) -> SlotQuery:
        first, last = self.window()
        query = SlotQuery(
            care_unit=self.unit,
            start_date=first,
            end_date=last,
            citizen=citizen or self.citizen,
            time_type_id=self.time_type_id,
        )
        return replace(query, **changes)  # type: ignore[arg-type]

    async def free(self, citizen: PersonalIdentity | None = None, **changes: object) -> list[Timeslot]:
        """The free times of the scenario's time type in the window, earliest first."""
        found = await self.adapter.get_available_timeslots(self.ctx(citizen), self.slot_query(citizen, **changes))
        return sorted(found, key=_order)

    async def claim(self, count: int, citizen: PersonalIdentity | None = None) -> list[Timeslot]:
        """`count` free times with distinct starts, taken for this test: ones no earlier test took
        if there are enough, else any free ones. Raises AssertionError when there are too few."""
        free = await self.free(citizen)
        fresh = [slot for slot in free if _key(slot) not in self.target.claimed]
        chosen: list[Timeslot] = []
        for slot in fresh + free:
            if len(chosen) == count:
                break
            if all(slot.start != taken.start for taken in chosen):
                chosen.append(slot)
        assert len(chosen) == count, (
            f"the scenario offers {len(free)} free times of {self.time_type_id} at {self.unit} in "
            f"{self.window()}, with {count} distinct starts needed"
        )
        self.target.claimed.update(_key(slot) for slot in chosen)
        return chosen

    def booking_request(self, slot: Timeslot, citizen: PersonalIdentity | None = None) -> BookingRequest:
        return BookingRequest(
            care_unit_med=self.unit,
            slot=slot,
            citizen=citizen or self.citizen,
            details=_DETAILS,
            reason="Konformanstest",
        )

    async def book(
        self, slot: Timeslot, citizen: PersonalIdentity | None = None, *, ctx: RequestContext | None = None
    ) -> BookingOutcome:
        """make_booking; a booking made is cancelled when the session closes."""
        who = citizen or self.citizen
        outcome = await self.adapter.make_booking(ctx or self.ctx(who), self.booking_request(slot, who))
        self.remember(outcome, who)
        return outcome

    def remember(self, outcome: BookingOutcome, citizen: PersonalIdentity) -> None:
        if outcome.succeeded and outcome.booking_id and (outcome.booking_id, citizen) not in self._made:
            self._made.append((outcome.booking_id, citizen))

    async def schedule(self, citizen: PersonalIdentity | None = None) -> list[Booking]:
        who = citizen or self.citizen
        return await self.adapter.get_schedule(self.ctx(who), self.unit, who)

    async def show(self, booking_id: str, citizen: PersonalIdentity | None = None) -> Booking | None:
        return await self.adapter.get_booking(self.ctx(citizen), self.unit, booking_id)

    async def cancel(self, booking_id: str, citizen: PersonalIdentity | None = None) -> BookingOutcome:
        who = citizen or self.citizen
        request = CancelRequest(care_unit=self.unit, booking_id=booking_id, citizen=who, message="Konformanstest")
        return await self.adapter.cancel_booking(self.ctx(who), request)

    async def aclose(self) -> None:
        """Cancel what the test booked (best effort: a test of failures may leave the system
        failing), then close the adapter."""
        for booking_id, citizen in reversed(self._made):
            with contextlib.suppress(AdapterError):
                await self.cancel(booking_id, citizen)
        await self.adapter.aclose()


def _order(slot: Timeslot) -> tuple[bool, dt.datetime, str]:
    return slot.start is None, slot.start or dt.datetime.min.replace(tzinfo=dt.UTC), str(slot.performer or "")


def _key(slot: Timeslot) -> tuple[dt.datetime, str]:
    assert slot.start is not None
    return slot.start, str(slot.slot_id or slot.performer or "")
