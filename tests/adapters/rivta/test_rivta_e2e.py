"""The crm:scheduling 1.1 adapter against the simulated legacy region (simulators/rivta_producer)
served by uvicorn on loopback: every adapter method, refusals, faults. Every request the adapter
sends is captured and validated against the official 1.1 schemas."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.domain import (
    Actor,
    ActorRole,
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    CitizenDetails,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionTimeout, RegionUnavailable
from adapters.http import build_http_client
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings
from adapters.rivta import RivtaAdapter, build_adapter
from simulators.rivta_producer.app import create_app
from simulators.rivta_producer.config import ProducerConfig
from tests.adapters.rivta.rivta_support import assert_request_conforms
from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Producer:
    url: str
    seed: dict[str, Any]


@pytest.fixture(scope="module")
def producer() -> Iterator[Producer]:
    app = create_app(ProducerConfig(region_code="01", seed=1))
    with serve_in_thread(app) as url:
        seed = httpx.get(url + "/admin/seed", timeout=10).json()
        yield Producer(url, seed)


@pytest.fixture
async def captured() -> AsyncIterator[list[bytes]]:
    bodies: list[bytes] = []
    yield bodies
    for body in bodies:
        assert_request_conforms(body)


def _adapter(producer: Producer, captured: list[bytes], timeout: float = 5.0) -> tuple[RivtaAdapter, httpx.AsyncClient]:
    """The adapter over a shared client from the factory, with every POSTed body captured."""

    async def capture(request: httpx.Request) -> None:
        if request.method == "POST":
            captured.append(request.content)

    client = build_http_client(timeout)
    client.event_hooks["request"].append(capture)
    settings = AdapterSettings(name="01", base_url=producer.url, timeout=dt.timedelta(seconds=timeout))
    return build_adapter(settings, http_client=client), client


@pytest.fixture
async def adapter(producer: Producer, captured: list[bytes]) -> AsyncIterator[RivtaAdapter]:
    built, client = _adapter(producer, captured)
    yield built
    await built.aclose()
    await client.aclose()


@pytest.fixture
async def faults(producer: Producer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=producer.url, timeout=10) as admin:
        try:
            yield admin
        finally:
            (await admin.delete("/admin/faults")).raise_for_status()


def _unit(producer: Producer, time_type: str = "LAK30") -> HsaId:
    return next(HsaId(u["hsa_id"]) for u in producer.seed["care_units"] if time_type in u["time_type_ids"])


def _citizen(producer: Producer, index: int) -> tuple[PersonalIdentity, CitizenDetails]:
    person = producer.seed["citizens"][index]
    return PersonalIdentity(person["personal_number"]), CitizenDetails(person["first_name"], person["last_name"])


def _ctx(unit: HsaId, citizen: PersonalIdentity) -> RequestContext:
    return RequestContext(
        logical_address=str(unit), actor=Actor(citizen.value, ActorRole.CITIZEN), correlation_id="e2e"
    )


async def _free_slots(adapter: RivtaAdapter, unit: HsaId, citizen: PersonalIdentity) -> list[Timeslot]:
    """Free LAK30 times from three days ahead (well outside the 24 h cancel deadline)."""
    today = dt.date.today()
    query = SlotQuery(
        care_unit=unit,
        start_date=today + dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=24),
        citizen=citizen,
        time_type_id="LAK30",
    )
    slots = await adapter.get_available_timeslots(_ctx(unit, citizen), query)
    assert slots, "the simulator offers no free LAK30 times"
    return slots


async def test_catalogue(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    citizen, _ = _citizen(producer, 0)
    ctx = _ctx(unit, citizen)
    query = CatalogueQuery(care_unit=unit, citizen=citizen)
    seeded_unit = next(u for u in producer.seed["care_units"] if u["hsa_id"].upper() == unit)

    time_types = await adapter.get_time_types(ctx, query)
    assert {t.time_type_id for t in time_types} <= set(seeded_unit["time_type_ids"])
    assert "LAK30" in {t.time_type_id for t in time_types}
    assert all(t.name for t in time_types)

    care_types = await adapter.get_care_types(ctx, query)
    assert care_types and all(c.care_type_id and c.name for c in care_types)

    performers = await adapter.get_performers(ctx, query)
    seeded = {HsaId(p["hsa_id"]): (p["first_name"], p["last_name"]) for p in seeded_unit["performers"]}
    assert performers
    for performer in performers:
        assert seeded[performer.hsa_id] == (performer.first_name, performer.last_name)  # `perfomer` read

    units = await adapter.get_care_units(ctx, query)
    assert unit in {u.hsa_id for u in units}
    assert all(u.name for u in units)
    # the calling citizen stands in for a missing subject of care
    assert await adapter.get_time_types(ctx, CatalogueQuery(care_unit=unit)) == time_types


async def test_free_dates_and_times(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    citizen, _ = _citizen(producer, 0)
    today = dt.date.today()
    query = SlotQuery(
        care_unit=unit,
        start_date=today,
        end_date=today + dt.timedelta(days=13),
        citizen=citizen,
        time_type_id="LAK30",
    )
    dates = await adapter.get_available_dates(_ctx(unit, citizen), query)
    assert dates
    assert all(d.care_unit == unit and d.time_type_id == "LAK30" for d in dates)
    assert all(today <= d.date <= today + dt.timedelta(days=13) for d in dates)

    first = min(d.date for d in dates)
    day = SlotQuery(care_unit=unit, start_date=first, end_date=first, citizen=citizen, time_type_id="LAK30")
    slots = await adapter.get_available_timeslots(_ctx(unit, citizen), day)
    assert slots
    now = dt.datetime.now(dt.UTC)
    for slot in slots:
        assert slot.start is not None and slot.end is not None
        assert slot.start.tzinfo is not None and slot.start > now and slot.end > slot.start
        assert slot.start.astimezone(dt.UTC).date() in {first, first - dt.timedelta(days=1)}
        assert slot.care_unit == unit and slot.time_type_id == "LAK30"


async def test_book_see_rebook_cancel(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    citizen, details = _citizen(producer, 2)
    ctx = _ctx(unit, citizen)
    slots = await _free_slots(adapter, unit, citizen)
    first, second = slots[0], slots[-1]

    booked = await adapter.make_booking(
        ctx, BookingRequest(care_unit_med=unit, slot=first, citizen=citizen, details=details, reason="Ont i ryggen")
    )
    assert booked.succeeded, booked
    assert booked.booking_id
    booking_id = booked.booking_id

    schedule = await adapter.get_schedule(ctx, unit, citizen)
    mine = next(b for b in schedule if b.booking_id == booking_id)
    assert (mine.slot.start, mine.citizen, mine.reason) == (first.start, citizen, "Ont i ryggen")
    assert mine.cancel_allowed and mine.rebook_allowed

    details_now = await adapter.get_booking(ctx, unit, booking_id)
    assert details_now is not None
    assert (details_now.booking_id, details_now.slot.start, details_now.is_invitation) == (
        booking_id,
        first.start,
        False,
    )

    moved = await adapter.update_booking(ctx, RebookRequest(booking_id=booking_id, slot=second, citizen=citizen))
    assert moved.succeeded, moved
    assert moved.booking_id == booking_id
    after_move = await adapter.get_booking(ctx, unit, booking_id)
    assert after_move is not None and after_move.slot.start == second.start

    cancelled = await adapter.cancel_booking(ctx, CancelRequest(unit, booking_id, citizen, message="Förhindrad"))
    assert cancelled.succeeded, cancelled
    assert await adapter.get_booking(ctx, unit, booking_id) is None
    assert booking_id not in {b.booking_id for b in await adapter.get_schedule(ctx, unit, citizen)}

    again = await adapter.cancel_booking(ctx, CancelRequest(unit, booking_id, citizen))
    assert (again.code, again.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED)
    assert again.text


async def test_a_taken_time_is_refused_as_already_reserved(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    first_citizen, first_details = _citizen(producer, 3)
    second_citizen, second_details = _citizen(producer, 4)
    slot = (await _free_slots(adapter, unit, first_citizen))[1]

    won = await adapter.make_booking(
        _ctx(unit, first_citizen), BookingRequest(unit, slot, first_citizen, details=first_details)
    )
    assert won.succeeded, won
    lost = await adapter.make_booking(
        _ctx(unit, second_citizen), BookingRequest(unit, slot, second_citizen, details=second_details)
    )
    assert (lost.code, lost.error) == (ResultCode.ERROR, ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED)
    assert lost.text and lost.booking_id is None
    assert slot not in await _free_slots(adapter, unit, second_citizen)


async def test_unknown_bookings(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    citizen, _ = _citizen(producer, 0)
    ctx = _ctx(unit, citizen)
    assert await adapter.get_booking(ctx, unit, "BK01-9999999") is None
    cancel = await adapter.cancel_booking(ctx, CancelRequest(unit, "BK01-9999999", citizen))
    assert (cancel.code, cancel.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    slot = (await _free_slots(adapter, unit, citizen))[0]
    move = await adapter.update_booking(ctx, RebookRequest("BK01-9999999", slot, citizen))
    assert (move.code, move.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_DOES_NOT_EXIST)


async def test_an_open_invitation(producer: Producer, adapter: RivtaAdapter) -> None:
    invitation = next(i for i in producer.seed["invitations"] if i["kind"] == "open")
    unit = HsaId(invitation["healthcare_facility"])
    citizen = PersonalIdentity(invitation["subject_of_care"])
    ctx = _ctx(unit, citizen)
    found = await adapter.get_booking(ctx, unit, invitation["booking_id"])
    assert found is not None
    assert found.is_invitation and found.slot.is_open
    assert found.slot.time_type_id == invitation["time_type_id"]
    assert found.purpose  # an invitation always says what it is about
    where = await adapter.get_care_units(
        ctx, CatalogueQuery(care_unit=unit, citizen=citizen, booking_id=invitation["booking_id"])
    )
    assert unit in {u.hsa_id for u in where}


async def test_a_producer_that_is_down_is_unavailable(
    producer: Producer, adapter: RivtaAdapter, faults: httpx.AsyncClient
) -> None:
    unit = _unit(producer)
    citizen, _ = _citizen(producer, 0)
    await adapter.get_time_types(_ctx(unit, citizen), CatalogueQuery(care_unit=unit))  # WSDL loaded while up
    (await faults.put("/admin/faults", json={"down": True})).raise_for_status()
    with pytest.raises(RegionUnavailable) as caught:
        await adapter.get_time_types(_ctx(unit, citizen), CatalogueQuery(care_unit=unit))
    assert caught.value.region == "01"
    with pytest.raises(RegionUnavailable):
        await adapter.get_schedule(_ctx(unit, citizen), unit, citizen)  # WSDL not loaded yet: also down


async def test_a_producer_that_hangs_is_a_timeout(
    producer: Producer, captured: list[bytes], faults: httpx.AsyncClient
) -> None:
    hasty, client = _adapter(producer, captured, timeout=1.0)
    try:
        unit = _unit(producer)
        citizen, _ = _citizen(producer, 0)
        await hasty.get_time_types(_ctx(unit, citizen), CatalogueQuery(care_unit=unit))
        (await faults.put("/admin/faults", json={"hang_rate": 1, "hang_seconds": 5})).raise_for_status()
        started = time.monotonic()
        with pytest.raises(RegionTimeout):
            await hasty.get_time_types(_ctx(unit, citizen), CatalogueQuery(care_unit=unit))
        assert time.monotonic() - started < 3
    finally:
        await hasty.aclose()
        await client.aclose()


async def test_calls_in_parallel(producer: Producer, adapter: RivtaAdapter) -> None:
    unit = _unit(producer)
    citizen, _ = _citizen(producer, 0)
    ctx = _ctx(unit, citizen)
    results = await asyncio.gather(*(adapter.get_schedule(ctx, unit, citizen) for _ in range(8)))
    assert all(r == results[0] for r in results)
    assert {b.booking_id for b in results[0]} >= set(producer.seed["citizens"][0]["booking_ids"])
