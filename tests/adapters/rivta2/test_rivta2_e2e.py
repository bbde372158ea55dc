"""The scheduling 2 adapter against the simulated upgraded region (simulators/rivta2_producer)
served by uvicorn on loopback: every adapter method, the refusals as their 2.0 codes, confirming a
clinic's proposal, and faults. Every request the adapter sends and every answer it reads is
checked against our 2.0 schemas and, where public, the official ones."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.domain import (
    Actor,
    ActorRole,
    BookingRequest,
    BookingStatus,
    CancelRequest,
    CatalogueQuery,
    ContactChannel,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings
from adapters.rivta2 import Rivta2Adapter, build_adapter
from adapters.rivta2.client import ProducerClientFault
from simulators.rivta2_producer import Producer2Config, create_app
from tests.adapters.rivta2.rivta2_support import assert_answer_conforms, assert_request_conforms
from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.e2e

REGION = "03"
FIRST_DAY = 22  # days ahead: past every deadline and the seeded appointments of citizens 0-3 (4 has a group place)


@dataclass(frozen=True)
class Producer:
    url: str
    seed: dict[str, Any]

    def unit(self, time_type: str) -> HsaId:
        return next(HsaId(u["hsa_id"]) for u in self.seed["care_units"] if time_type in u["time_type_codes"])

    def citizen(self, index: int) -> PersonalIdentity:
        return PersonalIdentity(self.seed["citizens"][index]["person_id"])


def _serve(config: Producer2Config) -> Iterator[Producer]:
    with serve_in_thread(create_app(config)) as url:
        yield Producer(url, httpx.get(url + "/admin/seed", timeout=10).json())


@pytest.fixture(scope="module")
def producer() -> Iterator[Producer]:
    yield from _serve(Producer2Config(region_code=REGION, seed=1))


@pytest.fixture(scope="module")
def strict_producer() -> Iterator[Producer]:
    """A region that stops online cancelling a year before the visit."""
    yield from _serve(Producer2Config(region_code=REGION, seed=2, cancel_deadline_hours=24 * 365))


@dataclass
class Traffic:
    """The SOAP requests sent and the SOAP answers read (an injected fault's plain text is neither)."""

    requests: list[bytes]
    answers: list[bytes]


@pytest.fixture
def traffic() -> Iterator[Traffic]:
    seen = Traffic([], [])
    yield seen
    sent = {assert_request_conforms(body) for body in seen.requests}
    read = {assert_answer_conforms(body) for body in seen.answers}
    assert read <= {f"{name}Response" for name in sent} | {"Fault"}


def _adapter(producer: Producer, traffic: Traffic, timeout: float = 5.0) -> Rivta2Adapter:
    """The adapter with a client of its own (closed by `aclose`) that records all SOAP traffic."""

    async def on_request(request: httpx.Request) -> None:
        if request.method == "POST":
            traffic.requests.append(request.content)

    async def on_response(response: httpx.Response) -> None:
        if response.request.method == "POST" and response.headers.get("content-type", "").startswith("text/xml"):
            traffic.answers.append(await response.aread())

    settings = AdapterSettings(name=REGION, base_url=producer.url, timeout=dt.timedelta(seconds=timeout))
    built = build_adapter(settings)
    built.client.http_client.event_hooks["request"].append(on_request)
    built.client.http_client.event_hooks["response"].append(on_response)
    return built


@pytest.fixture
async def adapter(producer: Producer, traffic: Traffic) -> AsyncIterator[Rivta2Adapter]:
    built = _adapter(producer, traffic)
    yield built
    await built.aclose()


@pytest.fixture
async def faults(producer: Producer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=producer.url, timeout=10) as admin:
        try:
            yield admin
        finally:
            (await admin.delete("/admin/faults")).raise_for_status()


def _ctx(unit: HsaId, citizen: PersonalIdentity) -> RequestContext:
    return RequestContext(
        logical_address=str(unit), actor=Actor(citizen.value, ActorRole.CITIZEN), correlation_id="e2e"
    )


async def _slots_on(
    adapter: Rivta2Adapter, unit: HsaId, citizen: PersonalIdentity, time_type: str, nth_day: int
) -> list[Timeslot]:
    """The free times of `time_type` on the `nth_day`-th date that has any, from FIRST_DAY days ahead
    (each test takes its own day, so that no test's citizen is double-booked by another's)."""
    today = dt.date.today()
    query = SlotQuery(
        care_unit=unit,
        start_date=today + dt.timedelta(days=FIRST_DAY),
        end_date=today + dt.timedelta(days=FIRST_DAY + 18),
        citizen=citizen,
        time_type_id=time_type,
    )
    dates = sorted({d.date for d in await adapter.get_available_dates(_ctx(unit, citizen), query)})
    day = dates[nth_day]
    one_day = SlotQuery(care_unit=unit, start_date=day, end_date=day, citizen=citizen, time_type_id=time_type)
    slots = await adapter.get_available_timeslots(_ctx(unit, citizen), one_day)
    assert slots, f"no free {time_type} on {day}"
    return slots


def _without_id(slot: Timeslot) -> Timeslot:
    """The slot as a crm:scheduling 1.1 consumer names it: unit, times, performer, time type."""
    return Timeslot(
        care_unit=slot.care_unit,
        start=slot.start,
        end=slot.end,
        performer=slot.performer,
        time_type_id=slot.time_type_id,
    )


# ---------------------------------------------------------------- catalogue and free times


async def test_the_catalogue_is_the_units_own(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit = producer.unit("LAK30")
    citizen = producer.citizen(5)
    ctx = _ctx(unit, citizen)
    listed = next(u for u in producer.seed["care_units"] if u["hsa_id"] == unit)
    hidden = {t["code"] for t in producer.seed["time_types"] if t["hidden"]}

    time_types = await adapter.get_time_types(ctx, CatalogueQuery(care_unit=unit))
    assert {t.time_type_id for t in time_types} == set(listed["time_type_codes"]) - hidden
    assert all(t.name for t in time_types)

    services = {
        t["healthcare_service_code"]
        for t in producer.seed["time_types"]
        if t["code"] in listed["time_type_codes"] and t["code"] not in hidden
    }
    care_types = await adapter.get_care_types(ctx, CatalogueQuery(care_unit=unit))
    assert {c.care_type_id for c in care_types} == services

    doctors = await adapter.get_performers(ctx, CatalogueQuery(care_unit=unit, time_type_ids=("LAK30",)))
    assert {p.hsa_id for p in doctors} == {
        HsaId(p["hsa_id"]) for p in listed["practitioners"] if p["title"] == "Läkare"
    }

    units = await adapter.get_care_units(ctx, CatalogueQuery(care_unit=unit, time_type_ids=("LAK30",)))
    assert unit in {u.hsa_id for u in units}
    assert all(u.name for u in units)


async def test_free_dates_count_the_free_times(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("SSK15"), producer.citizen(5)
    day = dt.date.today() + dt.timedelta(days=FIRST_DAY + 1)
    query = SlotQuery(care_unit=unit, start_date=day, end_date=day + dt.timedelta(days=6), time_type_id="SSK15")
    dates = await adapter.get_available_dates(_ctx(unit, citizen), query)
    slots = await adapter.get_available_timeslots(_ctx(unit, citizen), query)
    assert dates and slots
    assert sum(d.free_slots or 0 for d in dates) == len(slots)
    slot = slots[0]
    assert slot.slot_id and slot.performer and slot.performer_name
    assert (slot.time_type_id, slot.care_type_id, slot.channel) == ("SSK15", "11429006", ContactChannel.PHYSICAL)
    assert slot.start is not None and slot.end is not None and slot.end - slot.start == dt.timedelta(minutes=15)
    assert all(d.care_unit == unit and d.time_type_id == "SSK15" for d in dates)


# ---------------------------------------------------------------- booking


async def test_book_by_slot_id_read_it_back_and_cancel(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("SSK15"), producer.citizen(5)
    ctx = _ctx(unit, citizen)
    slot = (await _slots_on(adapter, unit, citizen, "SSK15", 0))[0]

    made = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen))
    assert (made.code, made.error) == (ResultCode.OK, None)
    assert made.booking_id is not None

    booking = await adapter.get_booking(ctx, unit, made.booking_id)
    assert booking is not None
    assert (booking.booking_id, booking.citizen, booking.status) == (made.booking_id, citizen, BookingStatus.CONFIRMED)
    assert (booking.slot.slot_id, booking.slot.start, booking.slot.end) == (slot.slot_id, slot.start, slot.end)
    assert booking.cancel_allowed and booking.rebook_allowed and booking.message_allowed
    assert made.booking_id in {b.booking_id for b in await adapter.get_schedule(ctx, unit, citizen)}

    cancelled = await adapter.cancel_booking(
        ctx, CancelRequest(care_unit=unit, booking_id=made.booking_id, message="Tiden passar inte")
    )
    assert (cancelled.code, cancelled.booking_id) == (ResultCode.OK, made.booking_id)
    assert await adapter.get_booking(ctx, unit, made.booking_id) is None
    free_again = await _slots_on(adapter, unit, citizen, "SSK15", 0)
    assert slot.slot_id in {s.slot_id for s in free_again}


async def test_book_a_slot_named_only_by_its_times(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("PROV"), producer.citizen(5)
    ctx = _ctx(unit, citizen)
    slot = (await _slots_on(adapter, unit, citizen, "PROV", 1))[-1]

    made = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=_without_id(slot), citizen=citizen))
    assert made.succeeded and made.booking_id is not None
    booking = await adapter.get_booking(ctx, unit, made.booking_id)
    assert booking is not None and booking.slot.slot_id == slot.slot_id

    again = await adapter.make_booking(
        _ctx(unit, producer.citizen(3)),
        BookingRequest(care_unit_med=unit, slot=_without_id(slot), citizen=producer.citizen(3)),
    )
    assert (again.code, again.error) == (ResultCode.ERROR, ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
    assert again.text == "Tiden går inte längre att boka. Välj en annan tid."


async def test_double_booking_is_already_reserved(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit = producer.unit("SSK15")
    first, second = producer.citizen(3), producer.citizen(2)
    slot = (await _slots_on(adapter, unit, first, "SSK15", 2))[0]
    made = await adapter.make_booking(_ctx(unit, first), BookingRequest(care_unit_med=unit, slot=slot, citizen=first))
    assert made.succeeded

    taken = await adapter.make_booking(
        _ctx(unit, second), BookingRequest(care_unit_med=unit, slot=slot, citizen=second)
    )
    assert (taken.code, taken.error, taken.booking_id) == (
        ResultCode.ERROR,
        ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED,
        None,
    )
    assert taken.text  # the producer's own text


async def test_a_required_reason_missing_is_a_plain_error(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("LAK30"), producer.citizen(1)
    slot = (await _slots_on(adapter, unit, citizen, "LAK30", 3))[0]
    ctx = _ctx(unit, citizen)
    refused = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen))
    assert (refused.code, refused.error, refused.text) == (ResultCode.ERROR, None, "Ange en anledning.")
    made = await adapter.make_booking(
        ctx, BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen, reason="Ont i ryggen sedan en vecka")
    )
    assert made.succeeded and made.booking_id is not None
    booking = await adapter.get_booking(ctx, unit, made.booking_id)
    assert booking is not None and booking.reason == "Ont i ryggen sedan en vecka"


async def test_rebook_by_times_gives_a_new_appointment(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("SSK15"), producer.citizen(0)
    ctx = _ctx(unit, citizen)
    slots = await _slots_on(adapter, unit, citizen, "SSK15", 4)
    made = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slots[0], citizen=citizen))
    assert made.booking_id is not None
    later = next(s for s in slots if s.start and slots[0].end and s.start >= slots[0].end)

    moved = await adapter.update_booking(
        ctx, RebookRequest(booking_id=made.booking_id, slot=_without_id(later), citizen=citizen, reason="Krock")
    )
    assert (moved.code, moved.error) == (ResultCode.OK, None)
    assert moved.booking_id is not None and moved.booking_id != made.booking_id
    assert await adapter.get_booking(ctx, unit, made.booking_id) is None
    booking = await adapter.get_booking(ctx, unit, moved.booking_id)
    assert booking is not None and booking.slot.slot_id == later.slot_id

    stale = await adapter.update_booking(
        ctx, RebookRequest(booking_id=made.booking_id, slot=slots[-1], citizen=citizen)
    )
    assert stale.error is ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED


async def test_unknown_appointments_do_not_exist(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("SSK15"), producer.citizen(5)
    ctx = _ctx(unit, citizen)
    unknown = str(uuid.uuid4())
    cancelled = await adapter.cancel_booking(ctx, CancelRequest(care_unit=unit, booking_id=unknown))
    assert (cancelled.code, cancelled.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    assert await adapter.get_booking(ctx, unit, unknown) is None
    confirmed = await adapter.confirm_booking(ctx, unit, unknown, citizen)
    assert confirmed.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST


async def test_cancel_twice_is_already_canceled(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("SSK15"), producer.citizen(2)
    ctx = _ctx(unit, citizen)
    slot = (await _slots_on(adapter, unit, citizen, "SSK15", 5))[0]
    made = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen))
    assert made.booking_id is not None
    request = CancelRequest(care_unit=unit, booking_id=made.booking_id, citizen=citizen)
    assert (await adapter.cancel_booking(ctx, request)).code is ResultCode.OK
    twice = await adapter.cancel_booking(ctx, request)
    assert (twice.code, twice.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED)


async def test_cancelling_close_to_the_visit_is_too_late(strict_producer: Producer, traffic: Traffic) -> None:
    adapter = _adapter(strict_producer, traffic)
    try:
        unit, citizen = strict_producer.unit("SSK15"), strict_producer.citizen(5)
        ctx = _ctx(unit, citizen)
        slot = (await _slots_on(adapter, unit, citizen, "SSK15", 0))[0]
        made = await adapter.make_booking(ctx, BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen))
        assert made.booking_id is not None
        late = await adapter.cancel_booking(ctx, CancelRequest(care_unit=unit, booking_id=made.booking_id))
        assert (late.code, late.error) == (ResultCode.ERROR, ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT)
        assert late.text and "avbokas" in late.text
        assert await adapter.get_booking(ctx, unit, made.booking_id) is not None
    finally:
        await adapter.aclose()


async def test_confirm_a_time_the_clinic_proposed(producer: Producer, adapter: Rivta2Adapter) -> None:
    unit, citizen = producer.unit("PROV"), producer.citizen(5)
    ctx = _ctx(unit, citizen)
    slot = (await _slots_on(adapter, unit, citizen, "PROV", 6))[0]
    async with httpx.AsyncClient(base_url=producer.url, timeout=10) as admin:
        proposed = await admin.post(
            "/admin/proposals",
            json={"person_id": citizen.value, "timeslot_id": slot.slot_id, "confirm_within_hours": 72},
        )
    proposed.raise_for_status()
    appointment_id = proposed.json()["appointment_id"]

    before = await adapter.get_booking(ctx, unit, appointment_id)
    assert before is not None and before.status is BookingStatus.PRELIMINARY
    assert before.purpose and "Bekräfta tiden" in before.purpose

    confirmed = await adapter.confirm_booking(ctx, unit, appointment_id, citizen)
    assert (confirmed.code, confirmed.booking_id) == (ResultCode.OK, appointment_id)
    after = await adapter.get_booking(ctx, unit, appointment_id)
    assert after is not None and after.status is BookingStatus.CONFIRMED

    again = await adapter.confirm_booking(ctx, unit, appointment_id, citizen)
    assert again.error is ErrorCode.APPOINTMENT_IS_ALREADY_CONFIRMED


async def test_the_schedule_holds_the_seeded_appointments(producer: Producer, adapter: Rivta2Adapter) -> None:
    person = next(c for c in producer.seed["citizens"] if len(c["appointment_ids"]) >= 2)
    citizen = PersonalIdentity(person["person_id"])
    seeded = [a for a in producer.seed["appointments"] if a["person_id"] == citizen.value]
    unit = HsaId(seeded[0]["healthcare_facility"])
    bookings = await adapter.get_schedule(_ctx(unit, citizen), unit, citizen)
    mine = [b for b in bookings if b.booking_id in set(person["appointment_ids"])]
    assert {b.booking_id for b in mine} == {a["appointment_id"] for a in seeded if a["healthcare_facility"] == unit}
    assert [b.slot.start for b in bookings] == sorted(b.slot.start for b in bookings if b.slot.start)
    assert {b.status.value for b in mine} == {a["status"] for a in seeded if a["healthcare_facility"] == unit}


# ---------------------------------------------------------------- faults


async def test_a_region_that_is_down_is_unavailable(
    producer: Producer, adapter: Rivta2Adapter, faults: httpx.AsyncClient
) -> None:
    (await faults.put("/admin/faults", json={"down": True})).raise_for_status()
    unit, citizen = producer.unit("SSK15"), producer.citizen(5)
    with pytest.raises(RegionUnavailable, match="HTTP 503"):
        await adapter.get_time_types(_ctx(unit, citizen), CatalogueQuery(care_unit=unit))


async def test_a_region_that_hangs_times_out(producer: Producer, traffic: Traffic, faults: httpx.AsyncClient) -> None:
    (await faults.put("/admin/faults", json={"hang_rate": 1.0, "hang_seconds": 3})).raise_for_status()
    adapter = _adapter(producer, traffic, timeout=0.5)
    unit, citizen = producer.unit("SSK15"), producer.citizen(5)
    try:
        with pytest.raises(RegionTimeout):
            await adapter.get_schedule(_ctx(unit, citizen), unit, citizen)
    finally:
        await adapter.aclose()


async def test_an_unknown_logical_address_is_a_client_fault(producer: Producer, adapter: Rivta2Adapter) -> None:
    citizen = producer.citizen(5)
    ctx = _ctx(HsaId("SE2321000024-NOPE"), citizen)
    with pytest.raises(ProducerClientFault) as raised:
        await adapter.get_schedule(ctx, HsaId("SE2321000024-NOPE"), citizen)
    assert isinstance(raised.value, RegionRejectedRequest)
    assert "SE2321000024-NOPE" in raised.value.fault_string
    assert citizen.value not in str(raised.value)
