"""The national calendar: a citizen's booked times from every unit that holds them, in one answer.

A schedule call addressed to the national logical address asks, in parallel, every unit the
engagement index names, each with its own deadline, and answers with what came back plus a
processing status per source — as the aggregating platform services do. One slow or broken
region never hides the others: it is named with its status. A region in the routing table that
has not joined yet is named too ("not connected"), never silently missing."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from enum import Enum

from adapters.domain import Booking, RequestContext
from adapters.errors import AdapterError, RegionTimeout
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import RegionAdapter
from gateway.audit import AuditEvent
from gateway.resilience.clock import SystemClock
from gateway.resilience.deadline import call_deadline
from gateway.resilience.retry import timeouts_are_final
from gateway.services.scheduling import Call, SchedulingService

__all__ = ["NationalCalendar", "SourceStatus", "StatusCode"]


class StatusCode(Enum):
    """ProcessingStatus statusCode (urn:riv:interoperability:headers:1)."""

    DATA_FROM_SOURCE = "DataFromSource"
    DATA_FROM_CACHE = "DataFromCache"
    DATA_FROM_CACHE_SYNCH_FAILED = "DataFromCacheSynchFailed"
    NO_DATA_SYNCH_FAILED = "NoDataSynchFailed"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    logical_address: str
    status: StatusCode
    last_successful_synch: dt.datetime | None
    error_code: str | None = None  # HTTP-like: 504 timed out, 503 unavailable, 404 no route, 403 not connected
    error_text: str | None = None
    region_code: str | None = None

    @property
    def from_cache(self) -> bool:
        return self.status in {StatusCode.DATA_FROM_CACHE, StatusCode.DATA_FROM_CACHE_SYNCH_FAILED}

    @property
    def in_synch(self) -> bool:
        return self.status in {StatusCode.DATA_FROM_SOURCE, StatusCode.DATA_FROM_CACHE}


@dataclass(frozen=True, slots=True)
class CalendarAnswer:
    bookings: list[tuple[str, Booking]]  # (region code, booking), sorted by start, de-duplicated
    sources: list[SourceStatus]


class _LastGood:
    """The last good answer per (unit, citizen), for stale-if-error. Bounded, in memory."""

    def __init__(self, size: int = 10_000, max_age: float = 3600.0) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[float, dt.datetime, list[Booking]]] = OrderedDict()
        self._size = size
        self._max_age = max_age

    def put(self, key: tuple[str, str], bookings: list[Booking], at: dt.datetime) -> None:
        self._items[key] = (time.monotonic(), at, bookings)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, key: tuple[str, str]) -> tuple[dt.datetime, list[Booking]] | None:
        found = self._items.get(key)
        if found is None or time.monotonic() - found[0] > self._max_age:
            return None
        return found[1], found[2]


class NationalCalendar:
    def __init__(self, service: SchedulingService, address: str, deadline_seconds: float) -> None:
        self.service = service
        self.address = address.strip().upper()
        self.deadline = deadline_seconds
        self._last_good = _LastGood()

    async def _ask(
        self, adapter: RegionAdapter, context: RequestContext, unit: HsaId, citizen: PersonalIdentity
    ) -> list[Booking]:
        """One source, within its own deadline: the cut is made beneath the region's breaker, so
        a hung region counts as a failure there and, once its breaker opens, fails fast. A source
        that timed out is not asked again within the deadline: the answer goes out without it."""
        with call_deadline(self.deadline, SystemClock()), timeouts_are_final():
            return await adapter.get_schedule(context, unit, citizen)

    def is_national(self, call: Call) -> bool:
        """Addressed to the aggregating platform rather than to one unit."""
        return call.context.logical_address.strip().upper() == self.address

    async def schedule(self, call: Call, citizen: PersonalIdentity) -> CalendarAnswer:
        service = self.service
        service.permit(call, citizen)  # a citizen sees only their own calendar
        now = service.policy.clock()
        units = await service.engagements.units_for(citizen, now)
        sources: list[SourceStatus] = []
        asked: list[tuple[str, str, asyncio.Task[list[Booking]]]] = []
        for unit in units:
            route = service.routing.lookup(unit)
            if route is None:
                sources.append(SourceStatus(unit, StatusCode.NO_DATA_SYNCH_FAILED, None, "404", "no route"))
                continue
            if route.adapter is None:
                continue  # named below with its region
            adapter = service.adapter_for(route)
            context = replace(call.context, logical_address=unit)
            task = asyncio.create_task(self._ask(adapter, context, HsaId(unit), citizen))
            asked.append((unit, route.region_code, task))
        for region in service.routing.regions.values():
            if region.adapter is None:
                sources.append(
                    SourceStatus(
                        region.logical_address or f"region-{region.code}",
                        StatusCode.NO_DATA_SYNCH_FAILED,
                        None,
                        "403",
                        f"{region.name} is not connected to the gateway yet",
                        region.code,
                    )
                )
        if asked:
            await asyncio.wait([task for _unit, _region, task in asked])
        found: dict[tuple[str, str], tuple[str, Booking]] = {}
        ref = service.engagements.reference(citizen)
        for unit, region_code, task in asked:
            key = (unit, ref)
            error = task.exception()
            if error is None:
                bookings = [b for b in task.result() if b.citizen == citizen and not b.slot.is_open]
                self._last_good.put(key, bookings, now)
                sources.append(SourceStatus(unit, StatusCode.DATA_FROM_SOURCE, now, region_code=region_code))
            else:
                code, text = _failure(error)
                cached = self._last_good.get(key)
                if cached is None:
                    sources.append(SourceStatus(unit, StatusCode.NO_DATA_SYNCH_FAILED, None, code, text, region_code))
                    continue
                at, bookings = cached
                sources.append(SourceStatus(unit, StatusCode.DATA_FROM_CACHE_SYNCH_FAILED, at, code, text, region_code))
            for booking in bookings:
                flagged = service.policy.with_flags(region_code, booking)
                found.setdefault((booking.slot.care_unit.upper(), booking.booking_id), (region_code, flagged))
        ordered = sorted(found.values(), key=lambda item: (item[1].slot.start or now, item[1].booking_id))
        summary = ", ".join(f"{s.logical_address}={s.status.value}" for s in sources)
        await service.record(
            AuditEvent(call.contract, call.context, "OK", None, citizen, None, detail=f"national: {summary}"[:2000])
        )
        return CalendarAnswer(ordered, sources)


def _failure(error: BaseException) -> tuple[str, str]:
    if isinstance(error, asyncio.TimeoutError | RegionTimeout):
        return "504", "the source did not answer within its deadline"
    if isinstance(error, AdapterError):
        return "503", type(error).__name__
    return "500", "unexpected error"
