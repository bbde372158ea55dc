"""The same citizen journey through the gateway for every kind of regional system: a 1.1 and a 2.0
consumer find, book, show, rebook and cancel against a region that speaks crm:scheduling 1.1,
scheduling 2, FHIR R4 or Kalendra's REST API. And on the nights the clocks change, a time at 01:30
booked through the gateway is stored by the region at that instant and shown at 01:30 local time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.conformance import clock_change_sunday
from contracts.timeformat import SWEDISH_TIME, format_timestamp, parse_timestamp
from gateway.settings import Settings
from tests.gateway.chain import Chain, Region, gateway_on_loopback, region_on_loopback
from tests.gateway.consumers import Consumer, Consumer2, Consumer11, Slot
from tests.support.simulated import KALENDRA_KEY, KINDS

pytestmark = pytest.mark.e2e

PERSONAL_NUMBER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"


@pytest.fixture(params=KINDS)
def region(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path, kind=request.param) as running:
        yield running


@pytest.fixture
def chain(region: Region, database_url: str, tmp_path: Path) -> Iterator[Chain]:
    with gateway_on_loopback(tmp_path, region, database_url) as running:
        yield running


def consumer_of(generation: str, chain: Chain) -> Consumer:
    return Consumer11(chain) if generation == "1.1" else Consumer2(chain)


@pytest.mark.parametrize("generation", ["1.1", "2"], ids=["consumer-1.1", "consumer-2"])
def test_find_book_show_rebook_cancel_through_every_kind(chain: Chain, generation: str) -> None:
    consumer = consumer_of(generation, chain)
    region = chain.region
    unit = region.unit_offering("LAK30")
    citizen, neighbour = region.free_citizens()[:2]

    assert "LAK30" in consumer.time_types(unit, citizen)
    slots = consumer.free_slots(unit, citizen, "LAK30")
    assert len(slots) >= 3
    assert all(parse_timestamp(s.start).hour in range(7, 18) for s in slots), "office hours, local time"
    booked = consumer.book(unit, citizen, slots[0], reason="Ont i ryggen")
    assert booked.ok and booked.booking_id, booked
    assert booked.booking_id in consumer.schedule(unit, citizen)
    details = consumer.details(unit, citizen, booked.booking_id)
    assert details is not None and details["start"] == slots[0].start and details["status"] == "confirmed"
    assert details["time_type"] == "LAK30"

    moves = consumer.free_slots(unit, citizen, "LAK30", moving=booked.booking_id)
    target = next(s for s in moves if s.start != slots[0].start)
    moved = consumer.rebook(unit, citizen, booked.booking_id, target, reason="Tiden passar inte")
    assert moved.ok, moved
    current = moved.booking_id or booked.booking_id
    details = consumer.details(unit, citizen, current)
    assert details is not None and details["start"] == target.start
    assert current in consumer.schedule(unit, citizen)
    # the citizen holds a LAK30 time there, so the rule set offers them no other: ask as a neighbour
    assert slots[0].start in {s.start for s in consumer.free_slots(unit, neighbour, "LAK30")}, "the old time is free"

    cancelled = consumer.cancel(unit, citizen, current)
    assert cancelled.ok, cancelled
    assert current not in consumer.schedule(unit, citizen)
    assert consumer.details(unit, citizen, current) is None
    assert target.start in {s.start for s in consumer.free_slots(unit, citizen, "LAK30")}


# --------------------------------------------------------------------------- the nights the clocks change


def _stored_starts(region: Region, unit: str, citizen: str) -> list[dt.datetime]:
    """The starts of the citizen's bookings as the region's own system keeps them, asked in its own
    protocol without the gateway: SOAP 1.1 / 2.0 local time stamps, FHIR instants with an offset,
    Kalendra UTC."""
    if region.kind in ("rivta", "rivta2"):
        direct = Chain(region.url, Settings(), region)
        consumer: Consumer = Consumer11(direct) if region.kind == "rivta" else Consumer2(direct)
        details = [consumer.details(unit, citizen, i) for i in consumer.schedule(unit, citizen)]
        return [parse_timestamp(d["start"]) for d in details if d is not None]
    if region.kind == "fhir":
        bundle = httpx.get(
            f"{region.url}/Appointment",
            params={"patient.identifier": f"{PERSONAL_NUMBER_SYSTEM}|{citizen}", "status": "booked"},
            timeout=10,
        ).json()
        return [dt.datetime.fromisoformat(entry["resource"]["start"]) for entry in bundle.get("entry", [])]
    found = httpx.get(
        f"{region.url}/v2/reservations",
        params={"patient": citizen},
        headers={"X-Kalendra-Key": KALENDRA_KEY},
        timeout=10,
    )
    reservations: list[dict[str, Any]] = found.json()["items"]
    starts = [r["opening"]["starts_at"] for r in reservations]
    assert all(s.endswith("Z") for s in starts), "Kalendra keeps UTC"
    return [dt.datetime.fromisoformat(s.replace("Z", "+00:00")) for s in starts]


@pytest.mark.parametrize("month", [3, 10], ids=["clocks-go-forward", "clocks-go-back"])
def test_a_booking_at_half_past_one_on_the_night_the_clocks_change(
    region: Region, database_url: str, tmp_path: Path, month: int
) -> None:
    sunday = clock_change_sunday(month, dt.datetime.now(SWEDISH_TIME).date())
    half_past_one = dt.datetime.combine(sunday, dt.time(1, 30), tzinfo=SWEDISH_TIME)
    offset = dt.timedelta(hours=1 if month == 3 else 2)  # still winter time / still summer time
    assert half_past_one.utcoffset() == offset
    unit = region.unit_offering("LAK30")
    citizen = region.free_citizens()[month // 5]  # a citizen of their own for each night
    region.open_slot(unit, "LAK30", half_past_one)

    # the rule set sees the night a few days ahead (LAK30 is bookable at most eight weeks ahead)
    days_before = dt.datetime.combine(sunday - dt.timedelta(days=5), dt.time(12), tzinfo=SWEDISH_TIME)
    with gateway_on_loopback(tmp_path / "gateway", region, database_url, clock=lambda: days_before) as chain:
        night = sunday.strftime("%Y%m%d")
        answer = chain.call(
            "GetAvailableTimeslots",
            unit,
            citizen,
            healthcare_facility=unit,
            startDateInclusive=night,
            endDateInclusive=night,
            timeTypeID="LAK30",
            subject_of_care=citizen,
        )
        offered = [s for s in answer.timeslotDetail if s.startTimeInclusive == format_timestamp(half_past_one)]
        assert offered, [s.startTimeInclusive for s in answer.timeslotDetail]
        old = Consumer11(chain)
        booked = old.book(unit, citizen, Slot(offered[0], offered[0].startTimeInclusive), reason="Nattbesök")
        assert booked.ok and booked.booking_id, booked

        assert _stored_starts(region, unit, citizen) == [half_past_one], "the region stores the instant"

        shown = old.details(unit, citizen, booked.booking_id)
        assert shown is not None and shown["start"] == f"{night}013000", "1.1 shows 01:30 local time"
        new = Consumer2(chain)
        (appointment,) = new.schedule(unit, citizen)
        shown2 = new.details(unit, citizen, appointment)
        assert shown2 is not None and shown2["start"] == f"{night}013000", "2.0 shows 01:30 local time"
        assert old.cancel(unit, citizen, booked.booking_id).ok
