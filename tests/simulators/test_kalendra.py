"""The Kalendra simulator, spoken to over its REST API (ASGI in-process; one e2e test runs the CLI)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from simulators.common.seed import luhn_digit
from simulators.kalendra import KalendraConfig, create_app
from simulators.kalendra.store import Database
from tests.support.servers import free_port

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
KEY = "test-key-for-kalendra"
HEADERS = {"X-Kalendra-Key": KEY}
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SWEDISH_TIME)  # a Tuesday; openings from the next day
PATIENT = "191212121212"
OTHER_PATIENT = "199001012385"


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def app(clock: FakeClock, tmp_path: Path) -> FastAPI:
    config = KalendraConfig(
        api_key=SecretStr(KEY),
        region="01",
        seed=7,
        days=14,
        first_day=dt.date(2026, 12, 2),
        database=tmp_path / "k.sqlite3",
    )
    return create_app(config, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kalendra", headers=HEADERS) as http:
        yield http


async def all_items(client: httpx.AsyncClient, path: str, params: dict[str, Any] | None = None) -> list[Any]:
    items: list[Any] = []
    query = dict(params or {})
    while True:
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


async def clinic_by_hsa(client: httpx.AsyncClient, hsa_id: str) -> dict[str, Any]:
    clinics = await all_items(client, "/v2/clinics")
    return next(c for c in clinics if c["external_ref"]["value"] == hsa_id)


async def free_openings(client: httpx.AsyncClient, clinic_id: str, **params: Any) -> list[dict[str, Any]]:
    query = {"clinic": clinic_id, "from": "2026-12-01T00:00:00Z", "to": "2026-12-20T00:00:00Z", "limit": 200}
    query.update(params)
    return await all_items(client, "/v2/openings", query)


async def bookable(client: httpx.AsyncClient, clinic_id: str) -> list[dict[str, Any]]:
    """Free openings far enough ahead to be moved and cancelled (the cut-off is 24 hours)."""
    return await free_openings(client, clinic_id, **{"from": "2026-12-07T00:00:00Z"})


@pytest.fixture
async def clinic(client: httpx.AsyncClient) -> dict[str, Any]:
    return await clinic_by_hsa(client, "SE2321000016-E0101")  # the Vårdcentral


def personal_number(birth_date: str, birth_number: int) -> str:
    """A valid personnummer (`birth_date` yyyymmdd) from the tax agency's test series (980-999)."""
    nine = f"{birth_date[2:]}{birth_number:03d}"
    return f"{birth_date}{birth_number:03d}{luhn_digit(nine)}"


def reservation_body(opening_id: str, patient: str = PATIENT, **extra: Any) -> dict[str, Any]:
    return {
        "opening_id": opening_id,
        "patient": {"personal_number": patient, "given_name": "Tolvan", "family_name": "Tolvansson"},
        **extra,
    }


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


# ---------------------------------------------------------------------------- authentication


async def test_a_missing_or_wrong_api_key_is_401_with_a_json_error(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v2/clinics", headers={"X-Kalendra-Key": ""})
    assert missing.status_code == 401
    assert error_code(missing) == "UNAUTHORIZED"
    wrong = await client.post("/v2/reservations", headers={"X-Kalendra-Key": "guess"}, content=b"not json")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": {"code": "UNAUTHORIZED", "message": "the API key is not valid"}}


async def test_admin_listing_needs_no_key_and_unknown_paths_are_json(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kalendra") as bare:
        seed = (await bare.get("/admin/seed")).json()
        nowhere = await bare.get("/nowhere")
    assert seed["region"] == "01"
    assert nowhere.status_code == 404
    assert error_code(nowhere) == "NOT_FOUND"


# ---------------------------------------------------------------------------- catalogue


async def test_clinics_visit_kinds_and_providers_carry_the_national_references(client: httpx.AsyncClient) -> None:
    clinics = await all_items(client, "/v2/clinics")
    assert [c["external_ref"]["value"] for c in sorted(clinics, key=lambda c: c["external_ref"]["value"])] == [
        "SE2321000016-E0101",
        "SE2321000016-E0102",
        "SE2321000016-E0103",
    ]
    assert all(c["id"].startswith("cln_") and c["external_ref"]["scheme"] == "HSA" for c in clinics)
    vardcentral = next(c for c in clinics if c["external_ref"]["value"].endswith("E0101"))
    kinds = await all_items(client, f"/v2/clinics/{vardcentral['id']}/visit-kinds")
    assert {k["external_code"] for k in kinds} == {"LAK30", "SSK15", "VIDLAK", "TELSSK", "PROV", "VACCIN", "KBT"}
    lab = next(k for k in kinds if k["external_code"] == "PROV")
    assert lab["category"] == {"key": "lab-tests", "label": "Provtagning", "external_code": "VT02"}
    assert lab["mode"] == "in_person" and lab["preparation"]
    assert next(k for k in kinds if k["external_code"] == "VIDLAK")["mode"] == "video"
    providers = await all_items(client, f"/v2/clinics/{vardcentral['id']}/providers")
    assert all(p["external_ref"]["value"].startswith("SE2321000016-P0101") for p in providers)
    offered = {kind for p in providers for kind in p["visit_kind_ids"]}
    assert offered == {k["id"] for k in kinds}


async def test_the_group_time_type_is_offered_as_group_sessions(client: httpx.AsyncClient) -> None:
    child_health = await clinic_by_hsa(client, "SE2321000016-E0102")
    kinds = await all_items(client, f"/v2/clinics/{child_health['id']}/visit-kinds")
    # the sessions themselves: tests/simulators/test_kalendra_groups.py
    assert {k["external_code"] for k in kinds} == {"BVCVAC", "TELSSK", "GRPFOR"}


async def test_unknown_clinic_is_clinic_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v2/clinics/cln_000000000000/providers")
    assert response.status_code == 404
    assert error_code(response) == "CLINIC_NOT_FOUND"


async def test_every_time_is_utc_with_z(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    openings = await free_openings(client, clinic["id"])
    assert openings
    assert all(o["starts_at"].endswith("Z") and o["ends_at"].endswith("Z") for o in openings)
    first = min(openings, key=lambda o: o["starts_at"])
    assert first["starts_at"] == "2026-12-02T07:00:00Z"  # 08:00 in Stockholm (CET)
    response = await client.post("/v2/reservations", json=reservation_body(first["id"]))
    reservation = response.json()
    stamps = [reservation[k] for k in ("created_at", "updated_at")] + [reservation["policy"]["changeable_until"]]
    assert all(stamp.endswith("Z") for stamp in stamps)


async def test_openings_refuse_times_with_an_offset_or_without_a_zone(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    for bad in ("2026-12-02T08:00:00+01:00", "2026-12-02T08:00:00", "2026-12-02"):
        response = await client.get(
            "/v2/openings", params={"clinic": clinic["id"], "from": bad, "to": "2026-12-03T00:00:00Z"}
        )
        assert response.status_code == 422, bad
        assert error_code(response) == "VALIDATION_FAILED"
    backwards = await client.get(
        "/v2/openings", params={"clinic": clinic["id"], "from": "2026-12-03T00:00:00Z", "to": "2026-12-02T00:00:00Z"}
    )
    assert error_code(backwards) == "VALIDATION_FAILED"


async def test_openings_filter_by_visit_kind_and_provider(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    everything = await free_openings(client, clinic["id"])
    kind = everything[0]["visit_kind_id"]
    provider = everything[0]["provider_id"]
    of_kind = await free_openings(client, clinic["id"], visit_kind=kind)
    assert of_kind and {o["visit_kind_id"] for o in of_kind} == {kind}
    of_both = await free_openings(client, clinic["id"], visit_kind=kind, provider=provider)
    assert of_both and {(o["visit_kind_id"], o["provider_id"]) for o in of_both} == {(kind, provider)}
    second_provider = next(o["provider_id"] for o in everything if o["provider_id"] != provider)
    two = await free_openings(client, clinic["id"], provider=[provider, second_provider])
    assert {o["provider_id"] for o in two} == {provider, second_provider}


# ---------------------------------------------------------------------------- paging


async def test_cursor_paging_walks_every_opening_once_in_order(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    whole = await free_openings(client, clinic["id"])
    assert len(whole) > 200  # needed more than one page of the largest size
    paged = await free_openings(client, clinic["id"], limit=37)
    assert [o["id"] for o in paged] == [o["id"] for o in whole]
    assert [(o["starts_at"], o["id"]) for o in paged] == sorted((o["starts_at"], o["id"]) for o in paged)


async def test_clinics_page_one_at_a_time(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v2/clinics", params={"limit": 1})).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    every = await all_items(client, "/v2/clinics", {"limit": 1})
    assert len({c["id"] for c in every}) == 3


async def test_a_cursor_only_works_for_its_own_query(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    cursor = (await client.get("/v2/clinics", params={"limit": 1})).json()["next_cursor"]
    response = await client.get(
        "/v2/openings",
        params={"clinic": clinic["id"], "from": "2026-12-01T00:00:00Z", "to": "2026-12-20T00:00:00Z", "cursor": cursor},
    )
    assert response.status_code == 422
    assert error_code(response) == "VALIDATION_FAILED"
    garbage = await client.get("/v2/clinics", params={"cursor": "!!not-a-cursor"})
    assert error_code(garbage) == "VALIDATION_FAILED"
    for limit in (0, 201):
        assert (await client.get("/v2/clinics", params={"limit": limit})).status_code == 422


# ---------------------------------------------------------------------------- reservations


async def test_reserve_show_and_the_opening_is_taken(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    opening = (await bookable(client, clinic["id"]))[10]
    made = await client.post("/v2/reservations", json=reservation_body(opening["id"], note="Ont i halsen"))
    assert made.status_code == 201, made.text
    reservation = made.json()
    assert reservation["id"].startswith("res_")
    assert made.headers["location"] == f"/v2/reservations/{reservation['id']}"
    assert reservation["status"] == "active"
    assert reservation["opening"] == {**opening, "status": "reserved", "places_left": 0}
    assert reservation["patient"]["personal_number"] == PATIENT
    assert reservation["note"] == "Ont i halsen"
    assert reservation["policy"]["can_cancel"] and reservation["policy"]["can_reschedule"]
    shown = await client.get(f"/v2/reservations/{reservation['id']}")
    assert shown.json() == reservation
    assert opening["id"] not in {o["id"] for o in await free_openings(client, clinic["id"])}
    reserved = await free_openings(client, clinic["id"], status="reserved")
    assert opening["id"] in {o["id"] for o in reserved}
    second = await client.post("/v2/reservations", json=reservation_body(opening["id"], OTHER_PATIENT))
    assert second.status_code == 409
    assert error_code(second) == "OPENING_TAKEN"


async def test_a_cancelled_opening_is_free_again_at_once(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    opening = (await bookable(client, clinic["id"]))[20]
    first = (await client.post("/v2/reservations", json=reservation_body(opening["id"]))).json()
    cancelled = await client.post(f"/v2/reservations/{first['id']}/cancel", json={"reason": "Frisk igen"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Frisk igen"
    assert cancelled.json()["cancelled_at"] == "2026-12-01T08:00:00Z"
    assert opening["id"] in {o["id"] for o in await free_openings(client, clinic["id"])}
    again = await client.post("/v2/reservations", json=reservation_body(opening["id"], OTHER_PATIENT))
    assert again.status_code == 201
    twice = await client.post(f"/v2/reservations/{first['id']}/cancel")
    assert twice.status_code == 409
    assert error_code(twice) == "RESERVATION_ALREADY_CANCELLED"


async def test_unknown_reservation_and_opening(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/v2/reservations/res_000000000000"),
        await client.post("/v2/reservations/res_000000000000/cancel"),
        await client.patch("/v2/reservations/res_000000000000", json={"opening_id": "opn_1"}),
    ):
        assert response.status_code == 404
        assert error_code(response) == "RESERVATION_NOT_FOUND"
    missing = await client.post("/v2/reservations", json=reservation_body("opn_000000000000"))
    assert (missing.status_code, error_code(missing)) == (404, "OPENING_NOT_FOUND")


async def test_an_opening_that_has_started_cannot_be_reserved(
    client: httpx.AsyncClient, clinic: dict[str, Any], clock: FakeClock
) -> None:
    opening = (await free_openings(client, clinic["id"]))[0]
    clock.now = dt.datetime.fromisoformat(opening["starts_at"]) + dt.timedelta(minutes=1)
    response = await client.post("/v2/reservations", json=reservation_body(opening["id"]))
    assert (response.status_code, error_code(response)) == (409, "OPENING_IN_PAST")
    assert opening["id"] not in {o["id"] for o in await free_openings(client, clinic["id"])}


async def test_cancelling_closes_at_the_clinics_cut_off(
    client: httpx.AsyncClient, clinic: dict[str, Any], clock: FakeClock
) -> None:
    opening = (await free_openings(client, clinic["id"]))[-1]
    reservation = (await client.post("/v2/reservations", json=reservation_body(opening["id"]))).json()
    starts = dt.datetime.fromisoformat(opening["starts_at"])
    assert reservation["policy"]["changeable_until"] == (starts - dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.now = starts - dt.timedelta(hours=23)
    shown = (await client.get(f"/v2/reservations/{reservation['id']}")).json()
    assert shown["policy"] == {**shown["policy"], "can_cancel": False, "can_reschedule": False}
    response = await client.post(f"/v2/reservations/{reservation['id']}/cancel", json={})
    assert (response.status_code, error_code(response)) == (409, "CANCELLATION_WINDOW_CLOSED")
    later = next(o for o in await free_openings(client, clinic["id"], to="2026-12-31T00:00:00Z"))
    moved = await client.patch(f"/v2/reservations/{reservation['id']}", json={"opening_id": later["id"]})
    assert (moved.status_code, error_code(moved)) == (409, "RESCHEDULE_WINDOW_CLOSED")


async def test_move_to_another_opening_frees_the_old_one(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    openings = await bookable(client, clinic["id"])
    old, new, taken = openings[30], openings[40], openings[50]
    reservation = (await client.post("/v2/reservations", json=reservation_body(old["id"]))).json()
    await client.post("/v2/reservations", json=reservation_body(taken["id"], OTHER_PATIENT))
    refused = await client.patch(f"/v2/reservations/{reservation['id']}", json={"opening_id": taken["id"]})
    assert (refused.status_code, error_code(refused)) == (409, "OPENING_TAKEN")
    moved = await client.patch(f"/v2/reservations/{reservation['id']}", json={"opening_id": new["id"], "note": "Ny"})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["id"], body["opening"]["id"], body["reschedule_count"], body["note"]) == (
        reservation["id"],
        new["id"],
        1,
        "Ny",
    )
    assert old["id"] in {o["id"] for o in await free_openings(client, clinic["id"])}
    again = await client.patch(f"/v2/reservations/{reservation['id']}", json={"opening_id": new["id"]})
    assert again.json()["reschedule_count"] == 1  # moving to where it is changes nothing


async def test_a_reservation_moves_only_within_its_clinic(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    here = (await bookable(client, clinic["id"]))[5]
    elsewhere_clinic = await clinic_by_hsa(client, "SE2321000016-E0103")
    there = (await bookable(client, elsewhere_clinic["id"]))[5]
    reservation = (await client.post("/v2/reservations", json=reservation_body(here["id"]))).json()
    response = await client.patch(f"/v2/reservations/{reservation['id']}", json={"opening_id": there["id"]})
    assert (response.status_code, error_code(response)) == (409, "CLINIC_MISMATCH")


async def test_a_patient_cannot_hold_two_reservations_at_the_same_time(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    openings = await free_openings(client, clinic["id"])
    first = openings[3]
    overlapping = next(
        o
        for o in openings
        if o["id"] != first["id"] and o["starts_at"] < first["ends_at"] and first["starts_at"] < o["ends_at"]
    )
    await client.post("/v2/reservations", json=reservation_body(first["id"]))
    response = await client.post("/v2/reservations", json=reservation_body(overlapping["id"]))
    assert (response.status_code, error_code(response)) == (409, "PATIENT_DOUBLE_BOOKED")


async def test_invalid_bodies_are_validation_failed_without_echoing_the_personal_number(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    opening = (await free_openings(client, clinic["id"]))[0]
    wrong_check_digit = "191212121213"
    for body in (
        reservation_body(opening["id"], wrong_check_digit),
        {**reservation_body(opening["id"]), "surprise": 1},
        {"patient": {"personal_number": PATIENT}},
    ):
        response = await client.post("/v2/reservations", json=body)
        assert response.status_code == 422
        assert error_code(response) == "VALIDATION_FAILED"
        assert response.json()["error"]["details"]
        assert wrong_check_digit not in response.text
    not_json = await client.post("/v2/reservations", content=b"{", headers={"content-type": "application/json"})
    assert error_code(not_json) == "VALIDATION_FAILED"


# ---------------------------------------------------------------------------- idempotency


async def test_the_same_idempotency_key_and_body_give_the_same_reservation(
    client: httpx.AsyncClient, clinic: dict[str, Any], app: FastAPI
) -> None:
    opening = (await bookable(client, clinic["id"]))[7]
    body = reservation_body(opening["id"])
    headers = {"Idempotency-Key": "attempt-1"}
    first = await client.post("/v2/reservations", json=body, headers=headers)
    retry = await client.post("/v2/reservations", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    database: Database = app.state.database
    with database.read() as db:
        assert db.execute("SELECT COUNT(*) FROM reservation WHERE opening_id = ?", (opening["id"],)).fetchone()[0] == 1
    other = await client.post("/v2/reservations", json={**body, "note": "annat"}, headers=headers)
    assert (other.status_code, error_code(other)) == (422, "IDEMPOTENCY_KEY_REUSED")


async def test_cancelling_releases_the_idempotency_key(client: httpx.AsyncClient, clinic: dict[str, Any]) -> None:
    opening = (await bookable(client, clinic["id"]))[8]
    headers = {"Idempotency-Key": "attempt-2"}
    first = (await client.post("/v2/reservations", json=reservation_body(opening["id"]), headers=headers)).json()
    await client.post(f"/v2/reservations/{first['id']}/cancel")
    again = await client.post("/v2/reservations", json=reservation_body(opening["id"]), headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first["id"] and again.json()["status"] == "active"


async def test_idempotency_keys_expire_after_a_day(
    client: httpx.AsyncClient, clinic: dict[str, Any], clock: FakeClock
) -> None:
    openings = await free_openings(client, clinic["id"], **{"from": "2026-12-10T00:00:00Z"})
    headers = {"Idempotency-Key": "attempt-3"}
    await client.post("/v2/reservations", json=reservation_body(openings[0]["id"]), headers=headers)
    clock.now += dt.timedelta(hours=25)
    later = await client.post("/v2/reservations", json=reservation_body(openings[-1]["id"]), headers=headers)
    assert later.status_code == 201


async def test_concurrent_requests_for_one_opening_have_one_winner(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    opening = (await bookable(client, clinic["id"]))[12]
    patients = [personal_number(f"19{decade}00101", 980 + decade) for decade in range(4, 10)]
    answers = await asyncio.gather(
        *(client.post("/v2/reservations", json=reservation_body(opening["id"], p)) for p in patients)
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * (len(patients) - 1)
    assert {error_code(a) for a in answers if a.status_code == 409} == {"OPENING_TAKEN"}


def test_the_database_itself_refuses_a_second_active_reservation(app: FastAPI) -> None:
    database: Database = app.state.database
    with database.read() as db:
        held = db.execute("SELECT opening_id, patient_id FROM reservation WHERE status = 'active' LIMIT 1").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), database.write() as db:
        db.execute(
            "INSERT INTO reservation (id, opening_id, patient_id, status, created_at, updated_at)"
            " VALUES ('res_dup', ?, ?, 'active', 0, 0)",
            (held["opening_id"], held["patient_id"]),
        )


# ---------------------------------------------------------------------------- listing a patient's reservations


async def test_a_patients_reservations_by_personal_number_and_clinic(client: httpx.AsyncClient, app: FastAPI) -> None:
    seed = (await client.get("/admin/seed")).json()
    active = [r for r in seed["reservations"] if r["status"] == "active"]
    busiest = max({r["personal_number"] for r in active}, key=lambda p: sum(r["personal_number"] == p for r in active))
    theirs = await all_items(client, "/v2/reservations", {"patient": busiest})
    assert len(theirs) >= 2 and {r["status"] for r in theirs} == {"active"}
    one_clinic = theirs[0]["clinic_id"]
    at_clinic = await all_items(client, "/v2/reservations", {"patient": busiest, "clinic": one_clinic})
    assert {r["id"] for r in at_clinic} == {r["id"] for r in theirs if r["clinic_id"] == one_clinic}
    cancelled = await all_items(client, "/v2/reservations", {"patient": busiest, "status": "cancelled"})
    assert [r["status"] for r in cancelled] == ["cancelled"]
    paged = await all_items(client, "/v2/reservations", {"patient": busiest, "status": "any", "limit": 1})
    assert len(paged) == len(theirs) + 1
    unnamed = await client.get("/v2/reservations")
    assert error_code(unnamed) == "VALIDATION_FAILED"


# ---------------------------------------------------------------------------- publishing openings, DST


async def test_an_opening_in_the_spring_forward_night_keeps_its_utc_instant(
    client: httpx.AsyncClient, clinic: dict[str, Any]
) -> None:
    providers = await all_items(client, f"/v2/clinics/{clinic['id']}/providers")
    provider = providers[0]
    body = {
        "clinic_id": clinic["id"],
        "provider_id": provider["id"],
        "visit_kind_id": provider["visit_kind_ids"][0],
        "starts_at": "2027-03-28T00:30:00Z",  # 01:30 CET, half an hour before the clocks go forward
    }
    made = await client.post("/v2/openings", json=body)
    assert made.status_code == 201, made.text
    opening = made.json()
    assert opening["id"].startswith("opn_") and opening["status"] == "open"
    assert opening["starts_at"] == "2027-03-28T00:30:00Z"
    local = dt.datetime.fromisoformat(opening["starts_at"]).astimezone(SWEDISH_TIME)
    assert (local.hour, local.minute, local.utcoffset()) == (1, 30, dt.timedelta(hours=1))
    clash = await client.post("/v2/openings", json={**body, "starts_at": "2027-03-28T00:35:00Z"})
    assert (clash.status_code, error_code(clash)) == (409, "OPENING_CONFLICT")
    past = await client.post("/v2/openings", json={**body, "starts_at": "2026-11-30T00:30:00Z"})
    assert (past.status_code, error_code(past)) == (409, "OPENING_IN_PAST")
    shown = await client.get(f"/v2/openings/{opening['id']}")
    assert shown.json() == opening


# ---------------------------------------------------------------------------- faults, seed


async def test_fault_injection_takes_the_api_down(client: httpx.AsyncClient) -> None:
    assert (await client.put("/admin/faults", json={"down": True})).status_code == 200
    assert (await client.get("/v2/clinics")).status_code == 503
    await client.delete("/admin/faults")
    assert (await client.get("/v2/clinics")).status_code == 200


async def test_the_same_seed_gives_the_same_system(tmp_path: Path) -> None:
    async def listing(seed: int, name: str) -> dict[str, Any]:
        config = KalendraConfig(
            api_key=SecretStr(KEY),
            seed=seed,
            days=7,
            first_day=dt.date(2026, 12, 2),
            database=tmp_path / f"{name}.sqlite3",
        )
        return await _seed(create_app(config, clock=FakeClock(START)))

    one, same, other = await listing(3, "a"), await listing(3, "b"), await listing(4, "c")
    assert one == same
    assert one["patients"] != other["patients"]
    assert {len(one["clinics"]), len(one["patients"])} == {3, 12}
    assert sum(r["status"] == "active" for r in one["reservations"]) >= 6
    assert sum(r["status"] == "cancelled" for r in one["reservations"]) == 1


async def _seed(app: FastAPI) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kalendra") as bare:
        listing: dict[str, Any] = (await bare.get("/admin/seed")).json()
    return listing


async def test_a_database_that_holds_data_is_not_seeded_again(tmp_path: Path) -> None:
    config = KalendraConfig(
        api_key=SecretStr(KEY), seed=5, days=5, first_day=dt.date(2026, 12, 2), database=tmp_path / "k.db"
    )
    first = await _seed(create_app(config, clock=FakeClock(START)))
    again = await _seed(create_app(config, clock=FakeClock(START + dt.timedelta(days=3))))
    assert again == first


# ---------------------------------------------------------------------------- the command line


@pytest.mark.e2e
def test_the_command_line_serves_kalendra_on_a_port(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "simulators.kalendra", "--port", str(port), "--region", "12", "--seed", "2"]
    process = subprocess.Popen(
        [*command, "--api-key", KEY, "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v2/clinics", headers=HEADERS, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "Kalendra did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert all(c["external_ref"]["value"].startswith("SE2321000255-") for c in response.json()["items"])
        assert httpx.get(f"http://127.0.0.1:{port}/v2/clinics", timeout=2).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_the_command_line_wants_an_api_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulators.kalendra", "--port", "1"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "API key" in result.stderr
