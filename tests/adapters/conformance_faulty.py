"""A Kalendra adapter with two bugs planted, for proving that the conformance kit catches them:
it shows booked times as if Sweden were always at +01:00 (right all winter, an hour off on
summer-time dates), and it loses the specific error code of a refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from adapters.conformance import ConformanceTarget
from adapters.domain import SWEDISH_TIME, Booking, BookingOutcome, BookingRequest, RequestContext
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings, RegionAdapter
from tests.adapters.conformance_targets import bundled_target

__all__ = ["PLANTED_FAILURES", "kalendra_with_bugs"]

PLANTED_FAILURES = {
    "test_half_past_one_on_the_night_the_clocks_change[clocks-go-forward]",  # the end, 03:00 CEST, shown at +01:00
    "test_half_past_one_on_the_night_the_clocks_change[clocks-go-back]",  # 01:30 CEST shown as 01:30 +01:00
    "test_a_taken_time_is_already_reserved",  # the refusal without REQUESTED_TIME_IS_ALREADY_RESERVED
}
_WINTER = dt.timezone(dt.timedelta(hours=1))


def _fixed_offset(booking: Booking) -> Booking:
    start, end = booking.slot.start, booking.slot.end
    wall = {
        "start": None if start is None else start.astimezone(SWEDISH_TIME).replace(tzinfo=_WINTER),
        "end": None if end is None else end.astimezone(SWEDISH_TIME).replace(tzinfo=_WINTER),
    }
    return replace(booking, slot=replace(booking.slot, **wall))


class _Buggy:
    def __init__(self, inner: RegionAdapter) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        found = await self._inner.get_booking(ctx, care_unit, booking_id)
        return None if found is None else _fixed_offset(found)

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        return [_fixed_offset(b) for b in await self._inner.get_schedule(ctx, care_unit, citizen)]

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        outcome = await self._inner.make_booking(ctx, request)
        return outcome if outcome.succeeded else replace(outcome, error=None)


@contextmanager
def kalendra_with_bugs() -> Iterator[ConformanceTarget]:
    with bundled_target("kalendra") as target:
        real = target.factory

        def factory(settings: AdapterSettings) -> RegionAdapter:
            return _Buggy(real(settings))  # type: ignore[return-value]

        yield replace(target, factory=factory, scenario=replace(target.scenario, entry_point=None))
