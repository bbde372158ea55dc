"""`POST /admin/slots` in both SOAP simulators: staff open a time at run time, in Swedish local
time, lasting the time type's length in real minutes (across the night the clocks change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts.timeformat import SWEDISH_TIME
from simulators.rivta2_producer import Producer2Config
from simulators.rivta2_producer import create_app as create_region2
from simulators.rivta_producer import ProducerConfig
from simulators.rivta_producer import create_app as create_region

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SWEDISH_TIME)


Free = list[tuple[str, str, str]]  # (start, end, performer) of the free places of one day


def _legacy_free(app: FastAPI, unit: str, day: str) -> Free:
    slots = app.state.store.free_slots(units=[unit], first_start=f"{day}000000", last_start=f"{day}235959")
    return [(s.start, s.end, s.performer_hsa) for s in slots]


def _upgraded_free(app: FastAPI, unit: str, day: str) -> Free:
    slots = app.state.store.free_slots(
        units=[unit], first_start=f"{day}000000", last_start=f"{day}235959", time_type_ids=["LAK30"]
    )
    return [(s.start, s.end, s.practitioner_hsa) for s in slots]


@dataclass
class Simulator:
    app: FastAPI
    client: httpx.AsyncClient
    free: Callable[[FastAPI, str, str], Free]


@pytest.fixture(params=["rivta", "rivta2"])
async def simulator(request: pytest.FixtureRequest) -> AsyncIterator[Simulator]:
    if request.param == "rivta":
        app, free = create_region(ProducerConfig(region_code="01", seed=5, clock=lambda: NOW)), _legacy_free
    else:
        app, free = create_region2(Producer2Config(region_code="01", seed=5, clock=lambda: NOW)), _upgraded_free
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://region.test") as client:
        yield Simulator(app, client, free)


def _unit_offering(seed: dict[str, Any], time_type: str) -> str:
    return next(
        u["hsa_id"]
        for u in seed["care_units"]
        if time_type in (u.get("time_type_ids") or u.get("time_type_codes") or [])
    )


async def test_a_slot_at_half_past_one_on_the_spring_night_lasts_real_minutes(
    simulator: Simulator,
) -> None:
    client = simulator.client
    unit = _unit_offering((await client.get("/admin/seed")).json(), "LAK30")
    opened = await client.post(
        "/admin/slots", json={"healthcare_facility": unit, "time_type_id": "LAK30", "start": "20270328013000"}
    )
    assert opened.status_code == 201, opened.text
    body = opened.json()
    # 01:30 CET + 30 minutes is 03:00 CEST: the hour 02:00-03:00 does not exist that night
    assert (body["start"], body["end"]) == ("20270328013000", "20270328030000")
    assert simulator.free(simulator.app, unit, "20270328") == [("20270328013000", "20270328030000", body["performer"])]

    again = await client.post(
        "/admin/slots",
        json={
            "healthcare_facility": unit,
            "time_type_id": "LAK30",
            "start": "20270328014500",
            "performer": body["performer"],
        },
    )
    assert again.status_code == 409, "the performer is busy then"


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"healthcare_facility": "SE2321000016-NOSUCH"}, 404),
        ({"time_type_id": "NOSUCH"}, 404),
        ({"performer": "SE2321000016-NOBODY"}, 404),
        ({"start": "20261101100000"}, 409),  # before the simulator's now
        ({"start": "20270231100000"}, 422),  # no such day
        ({"start": "2027-03-28T01:30"}, 422),
        ({"end": "20270328010000"}, 422),  # ends before it starts
    ],
)
async def test_what_cannot_be_opened(simulator: Simulator, changes: dict[str, str], status: int) -> None:
    client = simulator.client
    unit = _unit_offering((await client.get("/admin/seed")).json(), "LAK30")
    body = {"healthcare_facility": unit, "time_type_id": "LAK30", "start": "20270328013000", **changes}
    answer = await client.post("/admin/slots", json=body)
    assert answer.status_code == status, answer.text
