"""End to end: the Kalendra adapter, built by its entry-point factory with the shared HTTP client
(aiohttp transport), against the simulator served by uvicorn on a free loopback port."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.domain import (
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    ErrorCode,
    RebookRequest,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings, RegionAdapter
from adapters.kalendra import create_adapter
from simulators.kalendra import create_app
from simulators.kalendra.store import Database
from tests.adapters.kalendra.support import CTX, KEY, SWEDISH_TIME, VARDCENTRAL, citizen, config, next_clock_changes
from tests.support.servers import free_port, serve_in_thread

pytestmark = pytest.mark.e2e

UNIT = HsaId(VARDCENTRAL)
TOLVAN = citizen("19121212", 985)
SVEN = citizen("19900101", 983)


@dataclass(frozen=True, slots=True)
class Kalendra:
    url: str
    app: FastAPI

    @property
    def database(self) -> Database:
        database: Database = self.app.state.database
        return database

    def active_reservations(self, opening_id: str | None) -> int:
        with self.database.read() as db:
            count: int = db.execute(
                "SELECT COUNT(*) FROM reservation WHERE status = 'active' AND opening_id = ?", (opening_id,)
            ).fetchone()[0]
        return count


@pytest.fixture
def kalendra(tmp_path: Path) -> Iterator[Kalendra]:
    app = create_app(config(database=tmp_path / "kalendra.sqlite3"))
    with serve_in_thread(app) as url:
        yield Kalendra(url, app)


def adapter_for(url: str, *, timeout: float = 5.0, api_key: str = KEY) -> RegionAdapter:
    settings = AdapterSettings(
        name="kalendra-e2e", base_url=url, timeout=dt.timedelta(seconds=timeout), options={"api_key": api_key}
    )
    return create_adapter(settings)


@pytest.fixture
async def adapter(kalendra: Kalendra) -> AsyncIterator[RegionAdapter]:
    built = adapter_for(kalendra.url)
    yield built
    await built.aclose()


@pytest.fixture
async def api(kalendra: Kalendra) -> AsyncIterator[httpx.AsyncClient]:
    """Kalendra's own API, for what a test checks or arranges behind the adapter's back."""
    async with httpx.AsyncClient(base_url=kalendra.url, headers={"X-Kalendra-Key": KEY}, timeout=10) as client:
        yield client


def bookable_days() -> tuple[dt.date, dt.date]:
    """Dates past the 24-hour cut-off: a booking there can be moved and cancelled."""
    today = dt.datetime.now(SWEDISH_TIME).date()
    return today + dt.timedelta(days=3), today + dt.timedelta(days=12)


def slot_query(**changes: Any) -> SlotQuery:
    first, last = bookable_days()
    return replace(SlotQuery(care_unit=UNIT, start_date=first, end_date=last, citizen=TOLVAN), **changes)


def book(slot: Timeslot, who: PersonalIdentity = TOLVAN) -> BookingRequest:
    return BookingRequest(care_unit_med=slot.care_unit, slot=slot, citizen=who)


async def test_find_book_show_rebook_and_cancel_through_every_method(adapter: RegionAdapter) -> None:
    units = await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    assert UNIT in {u.hsa_id for u in units}
    time_types = await adapter.get_time_types(CTX, CatalogueQuery(care_unit=UNIT, citizen=TOLVAN))
    assert "LAK30" in {t.time_type_id for t in time_types}
    care_types = await adapter.get_care_types(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("LAK30",)))
    assert [c.care_type_id for c in care_types] == ["VT01"]
    doctors = await adapter.get_performers(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("LAK30",)))
    assert doctors and all(d.title == "Läkare" for d in doctors)

    dates = await adapter.get_available_dates(CTX, slot_query(time_type_id="LAK30", performers=(doctors[0].hsa_id,)))
    assert dates and all(d.performer == doctors[0].hsa_id and d.time_type_id == "LAK30" for d in dates)
    day = dates[0].date
    slots = await adapter.get_available_timeslots(
        CTX, slot_query(start_date=day, end_date=day, time_type_id="LAK30", performers=(doctors[0].hsa_id,))
    )
    assert len(slots) == dates[0].free_slots
    first, second = slots[0], slots[-1]

    made = await adapter.make_booking(CTX, book(first))
    assert made.code is ResultCode.OK and made.booking_id
    shown = await adapter.get_booking(CTX, UNIT, made.booking_id)
    assert shown is not None and shown.slot == first and shown.citizen == TOLVAN
    assert [b.booking_id for b in await adapter.get_schedule(CTX, UNIT, TOLVAN)] == [made.booking_id]

    moved = await adapter.update_booking(CTX, RebookRequest(booking_id=made.booking_id, slot=second, citizen=TOLVAN))
    assert moved.code is ResultCode.OK and moved.booking_id == made.booking_id
    shown = await adapter.get_booking(CTX, UNIT, made.booking_id)
    assert shown is not None and shown.slot.slot_id == second.slot_id

    cancelled = await adapter.cancel_booking(CTX, CancelRequest(care_unit=UNIT, booking_id=made.booking_id))
    assert cancelled.code is ResultCode.OK
    assert await adapter.get_booking(CTX, UNIT, made.booking_id) is None
    assert await adapter.get_schedule(CTX, UNIT, TOLVAN) == []
    again = await adapter.cancel_booking(CTX, CancelRequest(care_unit=UNIT, booking_id=made.booking_id))
    assert again.error is ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED
    free_again = await adapter.get_available_timeslots(CTX, slot_query(start_date=day, end_date=day))
    assert {first.slot_id, second.slot_id} <= {s.slot_id for s in free_again}


async def test_a_double_booking_race_has_one_winner(adapter: RegionAdapter, kalendra: Kalendra) -> None:
    slot = (await adapter.get_available_timeslots(CTX, slot_query(time_type_id="SSK15")))[4]
    rivals = [citizen(f"19{decade}0615", 980 + decade // 10) for decade in range(30, 100, 10)]
    outcomes = await asyncio.gather(*(adapter.make_booking(CTX, book(slot, who)) for who in rivals))
    winners = [o for o in outcomes if o.succeeded]
    assert len(winners) == 1
    assert {o.error for o in outcomes if not o.succeeded} == {ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED}
    assert kalendra.active_reservations(slot.slot_id) == 1


async def test_a_retry_after_a_lost_answer_returns_the_same_reservation(kalendra: Kalendra) -> None:
    hasty = adapter_for(kalendra.url, timeout=0.5)
    try:
        slot = (await hasty.get_available_timeslots(CTX, slot_query(time_type_id="TELSSK")))[2]
        kalendra.app.state.faults.update({"delay_after_ms": 1500.0})  # Kalendra books, the answer comes late
        with pytest.raises(RegionTimeout):
            await hasty.make_booking(CTX, book(slot))
        await asyncio.sleep(1.2)  # the first attempt's answer is still being held back
        assert kalendra.active_reservations(slot.slot_id) == 1
        kalendra.app.state.faults.reset()
        retry = await hasty.make_booking(CTX, book(slot))
        assert retry.succeeded and retry.booking_id
        with kalendra.database.read() as db:
            (made,) = db.execute("SELECT id FROM reservation WHERE opening_id = ?", (slot.slot_id,)).fetchall()
        assert retry.booking_id == made["id"]
        assert kalendra.active_reservations(slot.slot_id) == 1
    finally:
        await hasty.aclose()


async def test_a_three_week_search_follows_every_page(adapter: RegionAdapter, kalendra: Kalendra) -> None:
    today = dt.datetime.now(SWEDISH_TIME).date()
    query = SlotQuery(care_unit=UNIT, start_date=today, end_date=today + dt.timedelta(days=22))
    slots = await adapter.get_available_timeslots(CTX, query)
    now = int(dt.datetime.now(dt.UTC).timestamp())
    with kalendra.database.read() as db:
        expected = db.execute(
            "SELECT COUNT(*) FROM opening JOIN clinic ON clinic.id = opening.clinic_id WHERE clinic.hsa_id = ?"
            " AND starts_at > ? AND NOT EXISTS (SELECT 1 FROM reservation WHERE opening_id = opening.id"
            " AND status = 'active')",
            (VARDCENTRAL, now),
        ).fetchone()[0]
    assert len(slots) == expected > 600  # several pages of 200
    assert len({s.slot_id for s in slots}) == len(slots)
    assert [s.start for s in slots] == sorted(s.start for s in slots if s.start)


async def _publish_night_opening(api: httpx.AsyncClient, starts_at: str) -> dict[str, Any]:
    """Staff publish a 20-minute video opening (VIDLAK) at the Vårdcentral at `starts_at` (UTC)."""
    clinics = (await api.get("/v2/clinics")).json()["items"]
    clinic = next(c for c in clinics if c["external_ref"]["value"] == VARDCENTRAL)
    kinds = (await api.get(f"/v2/clinics/{clinic['id']}/visit-kinds")).json()["items"]
    video = next(k for k in kinds if k["external_code"] == "VIDLAK")
    body = {
        "clinic_id": clinic["id"],
        "provider_id": video["provider_ids"][0],
        "visit_kind_id": video["id"],
        "starts_at": starts_at,
    }
    response = await api.post("/v2/openings", json=body)
    assert response.status_code == 201, response.text
    opening: dict[str, Any] = response.json()
    return opening


@pytest.mark.parametrize(
    ("month", "utc_of_half_past_one", "offset_hours"),
    [
        (3, "{day}T00:30:00Z", 1),  # spring forward at 02:00: 01:30 is still winter time (CET)
        (10, "{day_before}T23:30:00Z", 2),  # fall back at 03:00: 01:30 is still summer time (CEST)
    ],
)
async def test_a_booking_at_half_past_one_on_the_night_the_clocks_change(
    adapter: RegionAdapter, api: httpx.AsyncClient, month: int, utc_of_half_past_one: str, offset_hours: int
) -> None:
    spring, autumn = next_clock_changes(dt.datetime.now(SWEDISH_TIME).date())
    sunday = spring if month == 3 else autumn
    starts_at = utc_of_half_past_one.format(day=sunday, day_before=sunday - dt.timedelta(days=1))
    opening = await _publish_night_opening(api, starts_at)
    half_past_one = dt.datetime.combine(sunday, dt.time(1, 30), tzinfo=SWEDISH_TIME)

    night = SlotQuery(care_unit=UNIT, start_date=sunday, end_date=sunday, time_type_id="VIDLAK")
    (found,) = [s for s in await adapter.get_available_timeslots(CTX, night) if s.slot_id == opening["id"]]
    assert found.start == half_past_one
    assert found.start is not None and found.start.utcoffset() == dt.timedelta(hours=offset_hours)
    dates = await adapter.get_available_dates(CTX, night)
    assert sunday in {d.date for d in dates}

    as_from_crm11 = Timeslot(
        care_unit=UNIT, start=half_past_one, end=half_past_one + dt.timedelta(minutes=20), time_type_id="VIDLAK"
    )
    made = await adapter.make_booking(CTX, book(as_from_crm11))
    assert made.succeeded and made.booking_id, made
    stored = (await api.get(f"/v2/reservations/{made.booking_id}")).json()
    assert stored["opening"]["id"] == opening["id"]
    assert stored["opening"]["starts_at"] == starts_at
    shown = await adapter.get_booking(CTX, UNIT, made.booking_id)
    assert shown is not None and shown.slot.start is not None
    local = shown.slot.start.astimezone(SWEDISH_TIME)
    assert (local.date(), local.hour, local.minute) == (sunday, 1, 30)
    assert local.utcoffset() == dt.timedelta(hours=offset_hours)


async def test_the_hour_that_happens_twice_in_october_is_booked_by_the_right_instant(
    adapter: RegionAdapter, api: httpx.AsyncClient
) -> None:
    _, sunday = next_clock_changes(dt.datetime.now(SWEDISH_TIME).date())
    summer = await _publish_night_opening(api, f"{sunday}T00:30:00Z")  # 02:30 CEST
    winter = await _publish_night_opening(api, f"{sunday}T01:30:00Z")  # 02:30 CET, an hour later
    second_half_past_two = dt.datetime.combine(sunday, dt.time(2, 30), tzinfo=SWEDISH_TIME).replace(fold=1)
    slot = Timeslot(
        care_unit=UNIT,
        start=second_half_past_two,
        end=(second_half_past_two.astimezone(dt.UTC) + dt.timedelta(minutes=20)).astimezone(SWEDISH_TIME),
        time_type_id="VIDLAK",
    )
    made = await adapter.make_booking(CTX, book(slot, SVEN))
    assert made.succeeded and made.booking_id
    stored = (await api.get(f"/v2/reservations/{made.booking_id}")).json()
    assert stored["opening"]["id"] == winter["id"] != summer["id"]
    shown = await adapter.get_booking(CTX, UNIT, made.booking_id)
    assert shown is not None and shown.slot.start is not None
    assert (shown.slot.start.hour, shown.slot.start.minute, shown.slot.start.fold) == (2, 30, 1)


async def test_a_region_that_is_down_is_unavailable(adapter: RegionAdapter, kalendra: Kalendra) -> None:
    kalendra.app.state.faults.update({"down": True})
    with pytest.raises(RegionUnavailable):
        await adapter.get_available_timeslots(CTX, slot_query())
    with pytest.raises(RegionUnavailable):
        await adapter.cancel_booking(CTX, CancelRequest(care_unit=UNIT, booking_id="res_1"))


async def test_a_region_that_hangs_times_out(kalendra: Kalendra) -> None:
    kalendra.app.state.faults.update({"hang_rate": 1.0, "hang_seconds": 2.0})
    hasty = adapter_for(kalendra.url, timeout=0.5)
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(RegionTimeout):
            await hasty.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
        assert asyncio.get_running_loop().time() - started < 1.5
    finally:
        await hasty.aclose()


async def test_no_listener_is_unavailable_and_a_wrong_key_is_rejected(kalendra: Kalendra) -> None:
    nowhere = adapter_for(f"http://127.0.0.1:{free_port()}")
    wrong_key = adapter_for(kalendra.url, api_key="wrong-key-entirely")
    try:
        with pytest.raises(RegionUnavailable, match="could not connect"):
            await nowhere.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
        with pytest.raises(RegionRejectedRequest, match="API key"):
            await wrong_key.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    finally:
        await nowhere.aclose()
        await wrong_key.aclose()
