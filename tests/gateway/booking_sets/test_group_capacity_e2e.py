"""A group session with N free places and 3N citizens booking it at the same moment ends with
exactly N bookings: in the region, in the gateway's sets and in its ledger — with the gateway on
SQLite and on PostgreSQL, in front of a crm:scheduling 1.1 and a scheduling 2 region."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from simulators.common import seed
from tests.gateway.booking_sets.support import SetConsumer, database_rows, set_gateway
from tests.gateway.chain import Chain, Region, next_weekday, region_on_loopback

pytestmark = pytest.mark.e2e

RESPONDER = "urn:riv:tidbok:scheduling:MakeGroupBookingResponder:1"
ENVELOPE = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>
<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit}</l:LogicalAddress></s:Header><s:Body>
<r:MakeGroupBooking xmlns:r="{responder}" xmlns:c="urn:riv:supportprocess:logistics:scheduling:2">
<r:actor><c:actorId><c:root>1.2.752.129.2.1.3.1</c:root><c:extension>{citizen}</c:extension></c:actorId>
<c:actorType><c:code>116154003</c:code><c:codeSystem>1.2.752.116.2.1.1</c:codeSystem></c:actorType></r:actor>
<r:personId><c:root>1.2.752.129.2.1.3.1</c:root><c:extension>{citizen}</c:extension></r:personId>
<r:timeslotId>{slot}</r:timeslotId></r:MakeGroupBooking></s:Body></s:Envelope>"""


@pytest.fixture(params=["rivta", "rivta2"])
def region(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path, kind=request.param) as found:
        yield found


def _held_in_region(tmp: Path, region: Region, unit: str, start: str) -> int:
    """Active bookings of the GRPFOR session at `start`, from the region's own database."""
    with sqlite3.connect(tmp / f"region01-{region.kind}.sqlite3") as db:
        if region.kind == "rivta":
            sql = (
                "SELECT COUNT(*) FROM booking b JOIN slot s ON s.id = b.slot_id WHERE b.status = 'active'"
                " AND s.unit_hsa = ? AND s.time_type_id = 'GRPFOR' AND s.start = ?"
            )
        else:
            sql = (
                "SELECT COUNT(*) FROM appointment a JOIN slot s ON s.slot_id = a.slot_id WHERE a.state = 'active'"
                " AND s.unit_hsa = ? AND s.time_type_id = 'GRPFOR' AND s.start = ?"
            )
        (count,) = db.execute(sql, (unit, start)).fetchone()
    return int(count)


async def _book(client: httpx.AsyncClient, url: str, unit: str, citizen: str, slot: str) -> str:
    body = ENVELOPE.format(unit=unit, responder=RESPONDER, citizen=citizen, slot=slot)
    answer = await client.post(
        f"{url}/vp/MakeGroupBooking/1/rivtabp21",
        content=body.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text
    code = etree.fromstring(answer.content).find(f".//{{{RESPONDER}}}resultCode")
    assert code is not None and code.text
    return code.text


def test_three_times_as_many_bookers_as_places(tmp_path: Path, region: Region, database_url: str) -> None:
    with set_gateway(tmp_path / "gw", region, database_url) as chain:
        _race(tmp_path, chain, region)


def _race(tmp: Path, chain: Chain, region: Region) -> None:
    consumer = SetConsumer(chain)
    unit = region.unit_offering("GRPFOR")
    first = next_weekday(3)
    probe = region.free_citizens()[0]
    sessions = consumer.group_timeslots(unit, probe, first, first + dt.timedelta(days=28), "GRPFOR")
    # a session nobody holds a place in yet: N free places of N
    session = next(s for s in sessions if _held_in_region(tmp, region, unit, s.timeslot.startTime) == 0)
    start, places = session.timeslot.startTime, session.capacity
    assert places == 8

    rng = random.Random(20261124)
    bookers: list[str] = []
    while len(bookers) < 3 * places:
        number = seed.test_personal_number(rng, born_between=(1960, 2000))
        if number not in bookers:
            bookers.append(number)
    # each citizen finds the session (slot ids are bound to whom they were shown)
    slot_ids = []
    for citizen in bookers:
        (found,) = [
            s
            for s in consumer.group_timeslots(unit, citizen, first, first + dt.timedelta(days=28), "GRPFOR")
            if s.timeslot.startTime == start
        ]
        slot_ids.append(found.timeslot.timeslotId)

    async def race() -> list[str]:
        limits = httpx.Limits(max_connections=len(bookers))
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(_book(client, chain.url, unit, c, s) for c, s in zip(bookers, slot_ids, strict=True))
            )

    codes = asyncio.run(race())
    assert sum(code in {"OK", "INFO"} for code in codes) == places, codes
    assert set(codes) - {"OK", "INFO"} <= {
        "REQUESTED_TIME_IS_ALREADY_RESERVED",
        "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE",
    }
    assert _held_in_region(tmp, region, unit, start) == places
    sets, parts, ledger = database_rows(chain.settings)
    assert sorted(s.state for s in sets) == ["booked"] * places + ["rolled_back"] * (2 * places)
    assert sum(1 for p in parts if p.state == "booked") == places
    assert sum(1 for row in ledger if (row.operation, row.status) == ("book", "done")) == places
    assert not [row for row in ledger if row.status in {"pending", "uncertain"}]
