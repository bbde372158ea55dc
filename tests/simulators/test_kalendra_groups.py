"""Kalendra's group sessions: an opening with `capacity` places, each reservation holding one; the
opening stays open while a place is left, a patient takes one place, a cancelled reservation gives
its place back, and a database file from before group sessions is upgraded in place."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from simulators.kalendra import KalendraConfig, create_app
from simulators.kalendra.store import Database
from tests.simulators.test_kalendra import (
    HEADERS,
    KEY,
    START,
    FakeClock,
    all_items,
    clinic_by_hsa,
    error_code,
    personal_number,
    reservation_body,
)

CHILD_HEALTH = "SE2321000016-E0102"


def _config(tmp_path: Path) -> KalendraConfig:
    return KalendraConfig(
        api_key=SecretStr(KEY),
        region="01",
        seed=7,
        days=14,
        first_day=dt.date(2026, 12, 2),
        database=tmp_path / "k.sqlite3",
    )


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(_config(tmp_path), clock=FakeClock(START))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kalendra", headers=HEADERS) as http:
        yield http


async def _sessions(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    clinic = await clinic_by_hsa(client, CHILD_HEALTH)
    kinds = await all_items(client, f"/v2/clinics/{clinic['id']}/visit-kinds")
    group = next(k for k in kinds if k["external_code"] == "GRPFOR")
    query = {
        "clinic": clinic["id"],
        "from": "2026-12-01T00:00:00Z",
        "to": "2027-02-01T00:00:00Z",
        "visit_kind": group["id"],
        "limit": 200,
        **params,
    }
    return await all_items(client, "/v2/openings", query)


def _patients(count: int) -> list[str]:
    return [personal_number(f"1980{month:02d}15", 980 + month) for month in range(1, count + 1)]


async def test_a_weekly_group_session_with_eight_places_planned_eight_weeks_ahead(client: httpx.AsyncClient) -> None:
    sessions = await _sessions(client)
    assert len(sessions) == 8
    starts = [dt.datetime.fromisoformat(s["starts_at"].replace("Z", "+00:00")) for s in sessions]
    assert all(later - earlier == dt.timedelta(days=7) for earlier, later in itertools.pairwise(starts))
    assert all((s["capacity"], s["places_left"], s["status"]) == (8, 8, "open") for s in sessions)


async def test_each_patient_takes_one_place_until_none_is_left(client: httpx.AsyncClient) -> None:
    session = (await _sessions(client))[1]
    patients = _patients(9)
    made = []
    for number, patient in enumerate(patients[:8], start=1):
        response = await client.post("/v2/reservations", json=reservation_body(session["id"], patient))
        assert response.status_code == 201, response.text
        made.append(response.json())
        assert made[-1]["opening"]["places_left"] == 8 - number
    assert made[-1]["opening"]["status"] == "reserved"
    full = await client.post("/v2/reservations", json=reservation_body(session["id"], patients[8]))
    assert full.status_code == 409 and error_code(full) == "OPENING_TAKEN"
    assert session["id"] not in {s["id"] for s in await _sessions(client)}  # only open ones by default

    again = await client.post("/v2/reservations", json=reservation_body(session["id"], patients[0]))
    assert again.status_code == 409 and error_code(again) in {"OPENING_TAKEN", "PATIENT_DOUBLE_BOOKED"}

    cancelled = await client.post(f"/v2/reservations/{made[3]['id']}/cancel", json={})
    assert cancelled.status_code == 200
    reopened = next(s for s in await _sessions(client) if s["id"] == session["id"])
    assert (reopened["places_left"], reopened["status"]) == (1, "open")
    last = await client.post("/v2/reservations", json=reservation_body(session["id"], patients[8]))
    assert last.status_code == 201


async def test_one_patient_cannot_hold_two_places_and_can_move_to_another_session(client: httpx.AsyncClient) -> None:
    first, second = (await _sessions(client))[1:3]
    patient = _patients(1)[0]
    made = (await client.post("/v2/reservations", json=reservation_body(first["id"], patient))).json()
    twice = await client.post("/v2/reservations", json=reservation_body(first["id"], patient))
    assert twice.status_code == 409 and error_code(twice) == "PATIENT_DOUBLE_BOOKED"
    moved = await client.patch(f"/v2/reservations/{made['id']}", json={"opening_id": second["id"]})
    assert moved.status_code == 200, moved.text
    places = {s["id"]: s["places_left"] for s in await _sessions(client)}
    assert (places[first["id"]], places[second["id"]]) == (8, 7)


def test_a_database_from_before_group_sessions_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE opening (id TEXT PRIMARY KEY, clinic_id TEXT NOT NULL, provider_id TEXT NOT NULL,
                visit_kind_id TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
            CREATE TABLE reservation (id TEXT PRIMARY KEY, opening_id TEXT NOT NULL, patient_id TEXT NOT NULL,
                status TEXT NOT NULL, note TEXT, cancel_reason TEXT, reschedule_count INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, cancelled_at INTEGER);
            CREATE UNIQUE INDEX reservation_holds_opening ON reservation (opening_id) WHERE status = 'active';
            INSERT INTO opening VALUES ('opn_1', 'cln_1', 'prv_1', 'vk_1', 100, 200);
            """
        )
    Database(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT capacity FROM opening").fetchone() == (1,)
        indexes = {row[1] for row in db.execute("PRAGMA index_list(reservation)")}
    assert "reservation_holds_place" in indexes and "reservation_holds_opening" not in indexes
