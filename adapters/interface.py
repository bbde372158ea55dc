"""The adapter interface: what the gateway asks of every regional system.

This is the regions' SDK. An adapter is an object with these coroutine methods, built by a factory
that the gateway finds through the `tidbok_gateway.adapters` entry-point group:

    [project.entry-points."tidbok_gateway.adapters"]
    myregion = "myregion_adapter:create_adapter"

    def create_adapter(settings: AdapterSettings) -> RegionAdapter: ...

Every method takes a `RequestContext` (logical address, actor, correlation id). Reads return
domain objects; writes return a `BookingOutcome` (a refusal is `ResultCode.ERROR`, not an
exception). Calls that do not complete raise `adapters.errors.AdapterError` subclasses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from adapters.domain import (
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    GroupTimeslot,
    Performer,
    RebookRequest,
    RequestContext,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdapterFactory",
    "AdapterSettings",
    "ConfirmingAdapter",
    "GroupBookingAdapter",
    "RegionAdapter",
]

ENTRY_POINT_GROUP = "tidbok_gateway.adapters"


@dataclass(frozen=True, slots=True)
class AdapterSettings:
    """One adapter instance's configuration, from the routing table."""

    name: str
    base_url: str
    timeout: dt.timedelta = dt.timedelta(seconds=10)
    options: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class RegionAdapter(Protocol):
    """A regional scheduling system, seen through the booking domain."""

    kind: str

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]: ...

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]: ...

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]: ...

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]: ...

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]: ...

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]: ...

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]: ...

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        """The booking or invitation, or None when the region does not know the id."""
        ...

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome: ...

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome: ...

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class ConfirmingAdapter(Protocol):
    """An optional capability: the citizen confirms a preliminary booking, a time the clinic
    proposed (scheduling 2 ConfirmAppointment). Test with `isinstance(adapter, ConfirmingAdapter)`."""

    async def confirm_booking(
        self, ctx: RequestContext, care_unit: HsaId, booking_id: str, citizen: PersonalIdentity
    ) -> BookingOutcome: ...


@runtime_checkable
class GroupBookingAdapter(Protocol):
    """An optional capability: the region's system knows group sessions (gruppbokning) as such and
    says how many places each has left. Test with `isinstance(adapter, GroupBookingAdapter)`.

    Without it the gateway composes group sessions from `get_available_timeslots`: free times that
    are the same session (unit, times, performer, time type) are its free places, and the capacity
    comes from the rule set. A place is always taken with `make_booking` on the session's slot and
    given back with `cancel_booking`, so no other method is needed."""

    async def get_group_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[GroupTimeslot]:
        """Group sessions in the query's window with at least one free place."""
        ...


AdapterFactory = Callable[[AdapterSettings], RegionAdapter]
