"""The base of every resilience layer: a `RegionAdapter` that forwards to an inner adapter and
routes each call through one of two hooks, `_read` (every `get_*`) or `_write` (make, update,
cancel, confirm). A layer overrides the hooks, or single methods where it needs the arguments.

`decorate` builds a layer; when the inner adapter has the optional `ConfirmingAdapter`
capability the layer gets it too (and only then, so `isinstance` checks keep telling the truth).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from adapters.domain import (
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    Performer,
    RebookRequest,
    RequestContext,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import ConfirmingAdapter, RegionAdapter

__all__ = ["READ_OPERATIONS", "WRITE_OPERATIONS", "AdapterDecorator", "decorate"]

T = TypeVar("T")
D = TypeVar("D", bound="AdapterDecorator")

READ_OPERATIONS = (
    "get_time_types",
    "get_care_types",
    "get_performers",
    "get_care_units",
    "get_available_dates",
    "get_available_timeslots",
    "get_schedule",
    "get_booking",
)
WRITE_OPERATIONS = ("make_booking", "update_booking", "cancel_booking", "confirm_booking")


class AdapterDecorator:
    """Forwards every `RegionAdapter` method to `inner` through `_read` / `_write`."""

    def __init__(self, inner: RegionAdapter) -> None:
        self.inner = inner
        self.kind = inner.kind

    async def _read(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        return await call()

    async def _write(self, operation: str, call: Callable[[], Awaitable[BookingOutcome]]) -> BookingOutcome:
        return await call()

    # ------------------------------------------------------------ reads

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        return await self._read("get_time_types", lambda: self.inner.get_time_types(ctx, query))

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        return await self._read("get_care_types", lambda: self.inner.get_care_types(ctx, query))

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        return await self._read("get_performers", lambda: self.inner.get_performers(ctx, query))

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        return await self._read("get_care_units", lambda: self.inner.get_care_units(ctx, query))

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        return await self._read("get_available_dates", lambda: self.inner.get_available_dates(ctx, query))

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        return await self._read("get_available_timeslots", lambda: self.inner.get_available_timeslots(ctx, query))

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        return await self._read("get_schedule", lambda: self.inner.get_schedule(ctx, care_unit, citizen))

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        return await self._read("get_booking", lambda: self.inner.get_booking(ctx, care_unit, booking_id))

    # ------------------------------------------------------------ writes

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        return await self._write("make_booking", lambda: self.inner.make_booking(ctx, request))

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        return await self._write("update_booking", lambda: self.inner.update_booking(ctx, request))

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        return await self._write("cancel_booking", lambda: self.inner.cancel_booking(ctx, request))

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Confirming(AdapterDecorator):
    """A layer over an inner adapter that can confirm a preliminary booking."""

    async def confirm_booking(
        self, ctx: RequestContext, care_unit: HsaId, booking_id: str, citizen: PersonalIdentity
    ) -> BookingOutcome:
        inner = cast(ConfirmingAdapter, self.inner)
        return await self._write("confirm_booking", lambda: inner.confirm_booking(ctx, care_unit, booking_id, citizen))


_confirming_variants: dict[type[AdapterDecorator], type[AdapterDecorator]] = {}


def _confirming_variant(layer: type[AdapterDecorator]) -> type[AdapterDecorator]:
    variant = _confirming_variants.get(layer)
    if variant is None:
        variant = type(f"Confirming{layer.__name__}", (layer, _Confirming), {"__module__": layer.__module__})
        _confirming_variants[layer] = variant
    return variant


def decorate(layer: type[D], inner: RegionAdapter, /, **options: Any) -> D:
    """`layer(inner, **options)`, with `confirm_booking` when `inner` has it."""
    if isinstance(inner, ConfirmingAdapter):
        return cast(D, _confirming_variant(layer)(inner, **options))
    return layer(inner, **options)
