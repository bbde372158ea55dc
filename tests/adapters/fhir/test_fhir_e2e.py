"""End to end: the FHIR adapter, with the shared HTTP client factory, against the FHIR simulator
served by uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from adapters.domain import (
    SWEDISH_TIME,
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionTimeout, RegionUnavailable
from adapters.fhir import FhirAdapter, build_adapter
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings
from simulators.common.seed import test_personal_number as make_personal_number
from simulators.fhir_server import create_app
from tests.support.servers import free_port, serve_in_thread

pytestmark = pytest.mark.e2e

TODAY = dt.datetime.now(SWEDISH_TIME).date()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_in_thread(create_app("03", 21, days=14)) as base_url:
        yield base_url


@pytest.fixture
async def admin(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        yield client
        await client.delete("/admin/faults")


@pytest.fixture
async def seed(admin: httpx.AsyncClient) -> dict[str, Any]:
    listing: dict[str, Any] = (await admin.get("/admin/seed")).json()
    return listing


@pytest.fixture
async def adapter(server: str) -> AsyncIterator[FhirAdapter]:
    settings = AdapterSettings(
        name="region-03", base_url=server, timeout=dt.timedelta(seconds=5), options={"page_size": 10}
    )
    adapter = build_adapter(settings)
    yield adapter
    await adapter.aclose()


def _ctx(unit: str) -> RequestContext:
    return RequestContext(logical_address=unit, correlation_id=None)


def _new_citizens(count: int, seed: int) -> list[PersonalIdentity]:
    rng = random.Random(seed)
    return [PersonalIdentity(make_personal_number(rng, born_between=(1950, 1999))) for _ in range(count)]


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def _next_change(month: int) -> dt.date:
    change = _last_sunday(TODAY.year, month)
    return change if change > TODAY else _last_sunday(TODAY.year + 1, month)


async def test_find_book_show_rebook_cancel(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = HsaId(seed["units"][0]["hsa_id"])
    ctx = _ctx(unit)
    time_types = await adapter.get_time_types(ctx, CatalogueQuery(care_unit=unit))
    assert "LAK30" in {t.time_type_id for t in time_types}
    performers = await adapter.get_performers(ctx, CatalogueQuery(care_unit=unit, time_type_ids=("LAK30",)))
    query = SlotQuery(care_unit=unit, start_date=TODAY, end_date=TODAY + dt.timedelta(days=10), time_type_id="LAK30")
    slots = await adapter.get_available_timeslots(ctx, query)
    assert len(slots) > 10 and {s.performer for s in slots} <= {p.hsa_id for p in performers}
    dates = await adapter.get_available_dates(ctx, query)
    assert sum(d.free_slots or 0 for d in dates) == len(slots)
    citizen = _new_citizens(1, 1)[0]
    booked = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slots[1], citizen=citizen))
    assert booked.code is ResultCode.OK and booked.booking_id
    shown = await adapter.get_booking(ctx, unit, booked.booking_id)
    assert shown is not None and shown.slot.start == slots[1].start
    moved = await adapter.update_booking(
        ctx, RebookRequest(booking_id=booked.booking_id, slot=slots[2], citizen=citizen)
    )
    assert moved.code is ResultCode.OK
    schedule = await adapter.get_schedule(ctx, unit, citizen)
    assert [(b.booking_id, b.slot.start) for b in schedule] == [(booked.booking_id, slots[2].start)]
    cancelled = await adapter.cancel_booking(ctx, CancelRequest(care_unit=unit, booking_id=booked.booking_id))
    assert cancelled.code is ResultCode.OK
    assert await adapter.get_schedule(ctx, unit, citizen) == []


async def test_a_double_booking_race_has_one_winner(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = HsaId(seed["units"][0]["hsa_id"])
    query = SlotQuery(care_unit=unit, start_date=TODAY, end_date=TODAY + dt.timedelta(days=10), time_type_id="SSK15")
    slot = (await adapter.get_available_timeslots(_ctx(unit), query))[5]
    citizens = _new_citizens(8, 2)
    outcomes = await asyncio.gather(
        *(adapter.make_booking(_ctx(unit), BookingRequest(care_unit_med=unit, slot=slot, citizen=c)) for c in citizens)
    )
    winners = [o for o in outcomes if o.code is ResultCode.OK]
    assert len(winners) == 1
    assert {o.error for o in outcomes if o is not winners[0]} == {ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED}


async def test_free_times_across_many_pages(
    adapter: FhirAdapter, seed: dict[str, Any], admin: httpx.AsyncClient
) -> None:
    unit = seed["units"][1]
    hsa = HsaId(unit["hsa_id"])
    query = SlotQuery(care_unit=hsa, start_date=TODAY, end_date=TODAY + dt.timedelta(days=7))
    slots = await adapter.get_available_timeslots(_ctx(hsa), query)
    schedules = ",".join(f"Schedule/{s}" for p in unit["performers"] for s in p["schedules"].values())
    low = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    high = dt.datetime.combine(query.end_date + dt.timedelta(days=1), dt.time(), tzinfo=SWEDISH_TIME).isoformat()
    expected = await admin.get(
        "/Slot",
        params=[
            ("schedule", schedules),
            ("status", "free"),
            ("start", f"ge{low}"),
            ("start", f"lt{high}"),
            ("_count", "0"),
        ],
    )
    assert len(slots) == expected.json()["total"] > 5 * 10  # page_size 10: many pages followed
    assert len({s.slot_id for s in slots}) == len(slots)


@pytest.mark.parametrize("month", [10, 3], ids=["clocks go back", "clocks go forward"])
async def test_a_booking_at_half_past_one_on_the_night_the_clocks_change(
    adapter: FhirAdapter, seed: dict[str, Any], admin: httpx.AsyncClient, month: int
) -> None:
    night = _next_change(month)
    unit = seed["units"][0]
    hsa = HsaId(unit["hsa_id"])
    nurse = next(p for p in unit["performers"] if "TELSSK" in p["schedules"])
    start = dt.datetime.combine(night, dt.time(1, 30), tzinfo=SWEDISH_TIME)
    end = start + dt.timedelta(minutes=10)
    offset = "+02:00" if month == 10 else "+01:00"
    published = await admin.post(
        "/Slot",
        json={
            "resourceType": "Slot",
            "schedule": {"reference": f"Schedule/{nurse['schedules']['TELSSK']}"},
            "status": "free",
            "start": f"{night}T01:30:00{offset}",
            "end": f"{night}T01:40:00{offset}",
        },
        headers={"content-type": "application/fhir+json"},
    )
    assert published.status_code == 201, published.text
    found = await adapter.get_available_timeslots(
        _ctx(hsa), SlotQuery(care_unit=hsa, start_date=night, end_date=night, time_type_id="TELSSK")
    )
    assert [(s.start, s.slot_id) for s in found] == [(start, published.json()["id"])]
    citizen = _new_citizens(1, 3 + month)[0]
    bare = Timeslot(care_unit=hsa, start=start, end=end, performer=HsaId(nurse["hsa_id"]), time_type_id="TELSSK")
    booked = await adapter.make_booking(_ctx(hsa), BookingRequest(care_unit_med=hsa, slot=bare, citizen=citizen))
    assert booked.code is ResultCode.OK and booked.booking_id
    stored = (await admin.get(f"/Appointment/{booked.booking_id}")).json()
    assert stored["start"] == f"{night}T01:30:00{offset}"
    shown = await adapter.get_booking(_ctx(hsa), hsa, booked.booking_id)
    assert shown is not None and shown.slot.start is not None
    assert (shown.slot.start.date(), shown.slot.start.hour, shown.slot.start.minute) == (night, 1, 30)
    assert shown.slot.start.utcoffset() == dt.timedelta(hours=2 if month == 10 else 1)
    assert shown.slot.start == start


async def test_a_region_that_is_down_is_unavailable(
    adapter: FhirAdapter, seed: dict[str, Any], admin: httpx.AsyncClient
) -> None:
    unit = HsaId(seed["units"][2]["hsa_id"])
    assert (await admin.put("/admin/faults", json={"down": True})).status_code == 200
    with pytest.raises(RegionUnavailable):
        await adapter.get_time_types(_ctx(unit), CatalogueQuery(care_unit=unit))


async def test_a_region_that_hangs_times_out(server: str, seed: dict[str, Any], admin: httpx.AsyncClient) -> None:
    unit = HsaId(seed["units"][2]["hsa_id"])
    settings = AdapterSettings(name="region-03", base_url=server, timeout=dt.timedelta(milliseconds=500))
    adapter = build_adapter(settings)
    try:
        assert (await admin.put("/admin/faults", json={"hang_rate": 1.0, "hang_seconds": 2})).status_code == 200
        with pytest.raises(RegionTimeout):
            await adapter.get_care_types(_ctx(unit), CatalogueQuery(care_unit=unit))
    finally:
        await adapter.aclose()


async def test_a_region_with_nobody_listening_is_unavailable() -> None:
    settings = AdapterSettings(
        name="nowhere", base_url=f"http://127.0.0.1:{free_port()}", timeout=dt.timedelta(seconds=2)
    )
    adapter = build_adapter(settings)
    unit = HsaId("SE2321000024-E0301")
    try:
        with pytest.raises(RegionUnavailable):
            await adapter.get_time_types(_ctx(unit), CatalogueQuery(care_unit=unit))
    finally:
        await adapter.aclose()
