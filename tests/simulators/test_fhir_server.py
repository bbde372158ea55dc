"""The FHIR R4 scheduling simulator, driven over ASGI (fast) and once as a real process (e2e)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from simulators.fhir_server import create_app
from simulators.fhir_server.__main__ import _MaskPersonalNumbers
from simulators.fhir_server.search import parse_date_range
from simulators.fhir_server.terminology import HSA_ID_SYSTEM, PERSONAL_NUMBER_SYSTEM
from tests.support.servers import free_port

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FHIR = {"content-type": "application/fhir+json"}


@pytest.fixture
def app() -> FastAPI:
    return create_app("01", 7)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fhir.test") as client:
        yield client


async def _seed(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/admin/seed")
    assert response.status_code == 200
    seed: dict[str, Any] = response.json()
    return seed


async def _free_slots(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/Slot", params={"status": "free", "_count": 100, **params})
    assert response.status_code == 200, response.text
    return [entry["resource"] for entry in response.json()["entry"]]


async def _first_schedule(client: httpx.AsyncClient, time_type: str) -> str:
    response = await client.get("/Schedule", params={"service-type": time_type})
    return str(response.json()["entry"][0]["resource"]["id"])


def _appointment(slot_id: str, patient_id: str, status: str = "booked") -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": status,
        "slot": [{"reference": f"Slot/{slot_id}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
    }


async def _book(client: httpx.AsyncClient, slot_id: str, patient_id: str) -> httpx.Response:
    return await client.post("/Appointment", json=_appointment(slot_id, patient_id), headers=FHIR)


def _detail(response: httpx.Response) -> str:
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["severity"] == "error" and issue["code"] and issue["details"]["text"]
    return str(issue["details"].get("coding", [{}])[0].get("code", ""))


def _free_citizen(seed: dict[str, Any]) -> dict[str, Any]:
    busy = {a["personal_number"] for a in seed["appointments"]}
    return next(c for c in seed["citizens"] if c["personal_number"] not in busy)


# catalogue and seed ---------------------------------------------------------------------------------


async def test_metadata_is_a_capability_statement(client: httpx.AsyncClient) -> None:
    response = await client.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement" and statement["fhirVersion"] == "4.0.1"
    kinds = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert {"Slot", "Schedule", "Appointment", "Patient", "Location", "Practitioner"} <= set(kinds)
    assert {"code": "update"} in kinds["Appointment"]["interaction"]
    assert "start" in {p["name"] for p in kinds["Slot"]["searchParam"]}


async def test_admin_seed_lists_units_time_types_citizens_and_bookings(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    assert seed["region"] == "01" and len(seed["units"]) == 3
    assert all(unit["hsa_id"].startswith("SE2321000016-") for unit in seed["units"])
    assert {"LAK30", "GRPFOR"} <= {t["time_type_id"] for t in seed["time_types"]}
    assert len(seed["citizens"]) == 12
    statuses = [a["status"] for a in seed["appointments"]]
    assert statuses.count("booked") >= 7 and "cancelled" in statuses and statuses.count("proposed") == 2
    open_invitation = [a for a in seed["appointments"] if a["start"] is None]
    assert len(open_invitation) == 1 and open_invitation[0]["status"] == "proposed"


async def test_the_same_seed_gives_the_same_region() -> None:
    first = create_app("12", 3)
    second = create_app("12", 3)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://a") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://b") as b,
    ):
        seed_a, seed_b = await _seed(a), await _seed(b)
    assert seed_a == seed_b
    assert seed_a["units"][0]["hsa_id"].startswith("SE2321000255-")


async def test_location_by_hsa_id_ignores_case(client: httpx.AsyncClient) -> None:
    unit = (await _seed(client))["units"][0]
    response = await client.get("/Location", params={"identifier": f"{HSA_ID_SYSTEM}|{unit['hsa_id'].lower()}"})
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset" and bundle["total"] == 1
    location = bundle["entry"][0]["resource"]
    assert location["id"] == unit["location_id"]
    assert location["identifier"] == [{"system": HSA_ID_SYSTEM, "value": unit["hsa_id"]}]
    other_system = await client.get("/Location", params={"identifier": f"urn:other|{unit['hsa_id']}"})
    assert other_system.json()["total"] == 0


async def test_schedules_include_their_actors(client: httpx.AsyncClient) -> None:
    unit = (await _seed(client))["units"][0]
    response = await client.get(
        "/Schedule", params={"actor": f"Location/{unit['location_id']}", "_include": "Schedule:actor", "_count": 200}
    )
    bundle = response.json()
    matches = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "match"]
    included = {e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "include"}
    assert len(matches) == bundle["total"] > 0 and included == {"Practitioner", "Location"}
    assert {s["serviceType"][0]["coding"][0]["code"] for s in matches} == set(unit["time_types"])


async def test_healthcare_services_carry_care_and_time_types(client: httpx.AsyncClient) -> None:
    unit = (await _seed(client))["units"][0]
    bundle = (await client.get("/HealthcareService", params={"location": f"Location/{unit['location_id']}"})).json()
    categories = {e["resource"]["category"][0]["coding"][0]["code"] for e in bundle["entry"]}
    types = {t["coding"][0]["code"] for e in bundle["entry"] for t in e["resource"]["type"]}
    assert "VT01" in categories and types == set(unit["time_types"])


# slot search ----------------------------------------------------------------------------------------


async def test_slot_search_filters_by_schedule_type_status_and_time(client: httpx.AsyncClient) -> None:
    schedule = await _first_schedule(client, "LAK30")
    low = (dt.datetime.now(STOCKHOLM) + dt.timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    high = low + dt.timedelta(days=7)
    response = await client.get(
        "/Slot",
        params=[
            ("schedule", f"Schedule/{schedule}"),
            ("service-type", "LAK30"),
            ("status", "free"),
            ("start", f"ge{low.isoformat()}"),
            ("start", f"lt{high.isoformat()}"),
            ("_count", "500"),
        ],
    )
    slots = [e["resource"] for e in response.json()["entry"]]
    assert slots
    starts = [dt.datetime.fromisoformat(s["start"]) for s in slots]
    assert starts == sorted(starts) and all(low <= start < high for start in starts)
    assert all(s["status"] == "free" and s["schedule"]["reference"] == f"Schedule/{schedule}" for s in slots)
    assert all(s["serviceType"][0]["coding"][0]["code"] == "LAK30" for s in slots)
    assert all(s["appointmentType"]["coding"][0]["code"] == "PHYSICAL" for s in slots)
    assert all(s["start"][-6:] in ("+01:00", "+02:00") for s in slots)


async def test_paging_follows_next_links_without_gaps_or_repeats(client: httpx.AsyncClient) -> None:
    schedule = await _first_schedule(client, "SSK15")
    everything = await client.get("/Slot", params={"schedule": f"Schedule/{schedule}", "_count": 500})
    expected = [e["resource"]["id"] for e in everything.json()["entry"]]
    assert len(expected) > 20
    seen: list[str] = []
    url: str | None = f"/Slot?schedule=Schedule/{schedule}&_count=7"
    pages = 0
    while url:
        page = (await client.get(url)).json()
        assert page["total"] == len(expected)
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
        pages += 1
    assert seen == expected and pages == -(-len(expected) // 7)


async def test_a_booking_between_pages_does_not_shift_the_next_page(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    schedule = await _first_schedule(client, "SSK15")
    free = [s["id"] for s in await _free_slots(client, schedule=f"Schedule/{schedule}", _count=500)]
    first = (
        await client.get("/Slot", params={"schedule": f"Schedule/{schedule}", "status": "free", "_count": 5})
    ).json()
    assert [e["resource"]["id"] for e in first["entry"]] == free[:5]
    assert (await _book(client, free[0], _free_citizen(seed)["patient_id"])).status_code == 201
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = (await client.get(next_url)).json()
    assert [e["resource"]["id"] for e in second["entry"]] == free[5:10]


async def test_unknown_or_expired_page_tokens_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/Slot", params={"_page_token": "nonsense"})
    assert response.status_code == 410 and _detail(response) == "PAGE_EXPIRED"
    response = await client.get("/Slot", params={"_page_token": "x", "status": "free"})
    assert response.status_code == 400


async def test_search_by_post_keeps_the_personal_number_out_of_urls(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    citizen = seed["citizens"][0]
    response = await client.post(
        "/Appointment/_search",
        data={"patient.identifier": f"{PERSONAL_NUMBER_SYSTEM}|{citizen['personal_number']}", "_count": "1"},
    )
    bundle = response.json()
    booked = [a for a in seed["appointments"] if a["personal_number"] == citizen["personal_number"]]
    assert bundle["total"] == len(booked)
    assert all(citizen["personal_number"] not in link["url"] for link in bundle["link"])


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2027-03-28", dt.datetime(2027, 3, 28, tzinfo=STOCKHOLM), dt.datetime(2027, 3, 29, tzinfo=STOCKHOLM)),
        ("2027-10-31T02:30:00+01:00", dt.datetime(2027, 10, 31, 1, 30, tzinfo=dt.UTC), None),
        ("2027-10-31T02:30:00+02:00", dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC), None),
        ("2027-10-31T01:30:00 02:00", dt.datetime(2027, 10, 30, 23, 30, tzinfo=dt.UTC), None),
        ("2027-10", dt.datetime(2027, 10, 1, tzinfo=STOCKHOLM), dt.datetime(2027, 11, 1, tzinfo=STOCKHOLM)),
        (
            "2027-12-24T08:00Z",
            dt.datetime(2027, 12, 24, 8, tzinfo=dt.UTC),
            dt.datetime(2027, 12, 24, 8, 1, tzinfo=dt.UTC),
        ),
    ],
)
def test_search_dates_have_their_implicit_range(text: str, low: dt.datetime, high: dt.datetime | None) -> None:
    expected_high = high or low + dt.timedelta(seconds=1)
    assert parse_date_range(text) == (int(low.timestamp()), int(expected_high.timestamp()))


def test_the_day_of_a_clock_change_is_not_24_hours() -> None:
    low, high = parse_date_range("2027-03-28")
    assert high - low == 23 * 3600
    low, high = parse_date_range("2027-10-31")
    assert high - low == 25 * 3600


# booking ------------------------------------------------------------------------------------------


async def test_booking_takes_the_slot_and_a_second_booking_is_a_conflict(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    citizens = [
        c for c in seed["citizens"] if c["personal_number"] not in {a["personal_number"] for a in seed["appointments"]}
    ]
    slot = (await _free_slots(client, **{"service-type": "LAK30"}))[0]
    response = await _book(client, slot["id"], citizens[0]["patient_id"])
    assert response.status_code == 201
    assert response.headers["etag"] == 'W/"1"'
    appointment = response.json()
    assert response.headers["location"].endswith(f"/Appointment/{appointment['id']}/_history/1")
    assert appointment["status"] == "booked" and appointment["start"] == slot["start"]
    actors = {p["actor"]["type"]: p["actor"] for p in appointment["participant"]}
    assert actors["Patient"]["identifier"]["value"] == citizens[0]["personal_number"]
    assert actors["Practitioner"]["identifier"]["system"] == HSA_ID_SYSTEM
    assert actors["Location"]["identifier"]["value"].startswith("SE2321000016-")
    assert (await client.get(f"/Slot/{slot['id']}")).json()["status"] == "busy"
    again = await _book(client, slot["id"], citizens[1]["patient_id"])
    assert again.status_code == 409 and _detail(again) == "SLOT_NOT_FREE"


async def test_concurrent_bookings_of_one_slot_have_exactly_one_winner(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    slot = (await _free_slots(client, **{"service-type": "PROV"}))[0]
    responses = await asyncio.gather(*(_book(client, slot["id"], c["patient_id"]) for c in seed["citizens"][9:]))
    responses += await asyncio.gather(*(_book(client, slot["id"], c["patient_id"]) for c in seed["citizens"][:3]))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and set(codes) == {201, 409}


async def test_the_database_refuses_a_second_active_appointment_on_a_slot(app: FastAPI) -> None:
    db = sqlite3.connect(app.state.database.path)
    try:
        taken = db.execute(
            "SELECT * FROM appointment WHERE status = 'booked' AND slot_id IS NOT NULL LIMIT 1"
        ).fetchone()
        columns = [c[1] for c in db.execute("PRAGMA table_info(appointment)")]
        row = dict(zip(columns, taken, strict=True))
        row["id"] = "intruder"
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(
                f"INSERT INTO appointment ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                list(row.values()),
            )
        row["status"] = "cancelled"
        db.execute(
            f"INSERT INTO appointment ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            list(row.values()),
        )
    finally:
        db.close()


async def test_a_group_session_takes_bookings_until_it_is_full(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    group = [a for a in seed["appointments"] if a["time_type_id"] == "GRPFOR"]
    slot_id = group[0]["slot_id"]
    holder = group[0]["personal_number"]
    others = [c for c in seed["citizens"] if c["personal_number"] != holder]
    results = [(await _book(client, slot_id, c["patient_id"])).status_code for c in others[:8]]
    assert results == [201] * 7 + [409]
    slot = (await client.get(f"/Slot/{slot_id}")).json()
    assert slot["status"] == "busy" and "8 platser" in slot["comment"]


async def test_booking_refusals_are_operation_outcomes(app: FastAPI, client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    citizen = _free_citizen(seed)
    slot = (await _free_slots(client, **{"service-type": "LAK30"}))[0]
    unknown_patient = await client.post("/Appointment", json=_appointment(slot["id"], "nobody"), headers=FHIR)
    assert unknown_patient.status_code == 422 and _detail(unknown_patient) == "PATIENT_NOT_FOUND"
    unknown_slot = await _book(client, "no-such-slot", citizen["patient_id"])
    assert unknown_slot.status_code == 422 and _detail(unknown_slot) == "SLOT_NOT_FOUND"
    not_json = await client.post("/Appointment", content=b"{", headers=FHIR)
    assert not_json.status_code == 400 and _detail(not_json) == "INVALID_JSON"
    wrong_type = await client.post("/Appointment", content=b"<Appointment/>", headers={"content-type": "text/xml"})
    assert wrong_type.status_code == 415
    no_participant = await client.post(
        "/Appointment", json={"resourceType": "Appointment", "status": "booked"}, headers=FHIR
    )
    assert no_participant.status_code == 400 and _detail(no_participant) == "INVALID_RESOURCE"
    wrong_start = _appointment(slot["id"], citizen["patient_id"]) | {
        "start": "2020-01-01T10:00:00+01:00",
        "end": slot["end"],
    }
    mismatch = await client.post("/Appointment", json=wrong_start, headers=FHIR)
    assert mismatch.status_code == 422 and _detail(mismatch) == "TIME_MISMATCH"
    assert (await client.get("/Appointment/nope")).status_code == 404
    assert (await client.get("/Nothing")).json()["resourceType"] == "OperationOutcome"
    assert (await client.delete(f"/Slot/{slot['id']}")).status_code == 405


async def test_a_citizen_cannot_be_in_two_places_at_once(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    citizen = _free_citizen(seed)
    slots = await _free_slots(client, **{"service-type": "LAK30,SSK15"})
    first = slots[0]
    clash = next(s for s in slots if s["start"] == first["start"] and s["schedule"] != first["schedule"])
    assert (await _book(client, first["id"], citizen["patient_id"])).status_code == 201
    response = await _book(client, clash["id"], citizen["patient_id"])
    assert response.status_code == 409 and _detail(response) == "PATIENT_BUSY"


async def test_a_slot_in_the_past_cannot_be_booked() -> None:
    tomorrow = dt.datetime.now(STOCKHOLM).date() + dt.timedelta(days=1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    app = create_app("01", 7, first_day=tomorrow, clock=lambda: later)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fhir.test") as client:
        seed = await _seed(client)
        slot = (await _free_slots(client))[0]
        response = await _book(client, slot["id"], _free_citizen(seed)["patient_id"])
    assert response.status_code == 422 and _detail(response) == "SLOT_IN_PAST"


async def test_conditional_create_returns_the_existing_appointment(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    slot = (await _free_slots(client))[0]
    body = _appointment(slot["id"], _free_citizen(seed)["patient_id"]) | {
        "identifier": [{"system": "urn:tidbok:request", "value": "req-1"}]
    }
    headers = FHIR | {"if-none-exist": "identifier=urn:tidbok:request|req-1"}
    first = await client.post("/Appointment", json=body, headers=headers)
    second = await client.post("/Appointment", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    found = (await client.get("/Appointment", params={"identifier": "urn:tidbok:request|req-1"})).json()
    assert found["total"] == 1


async def test_patients_are_registered_once(client: httpx.AsyncClient) -> None:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": PERSONAL_NUMBER_SYSTEM, "value": "199001019802"}],
        "name": [{"family": "Lind", "given": ["Ida"]}],
    }
    headers = FHIR | {"if-none-exist": f"identifier={PERSONAL_NUMBER_SYSTEM}|199001019802"}
    first = await client.post("/Patient", json=patient, headers=headers)
    second = await client.post("/Patient", json=patient, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200) and first.json()["id"] == second.json()["id"]
    invalid = patient | {"identifier": [{"system": PERSONAL_NUMBER_SYSTEM, "value": "199001019803"}]}
    assert (await client.post("/Patient", json=invalid, headers=FHIR)).status_code == 422


# rebook and cancel ----------------------------------------------------------------------------------


async def test_rebooking_moves_the_appointment_and_checks_the_version(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    slots = await _free_slots(client, **{"service-type": "LAK30"})
    booked = (await _book(client, slots[0]["id"], _free_citizen(seed)["patient_id"])).json()
    moved = booked | {"slot": [{"reference": f"Slot/{slots[5]['id']}"}]}
    missing = await client.put(f"/Appointment/{booked['id']}", json=moved, headers=FHIR)
    assert missing.status_code == 412 and _detail(missing) == "VERSION_REQUIRED"
    response = await client.put(f"/Appointment/{booked['id']}", json=moved, headers=FHIR | {"if-match": 'W/"1"'})
    assert response.status_code == 200 and response.headers["etag"] == 'W/"2"'
    assert response.json()["start"] == slots[5]["start"]
    assert (await client.get(f"/Slot/{slots[0]['id']}")).json()["status"] == "free"
    assert (await client.get(f"/Slot/{slots[5]['id']}")).json()["status"] == "busy"
    stale = await client.put(f"/Appointment/{booked['id']}", json=moved, headers=FHIR | {"if-match": 'W/"1"'})
    assert stale.status_code == 412 and _detail(stale) == "VERSION_CONFLICT"
    wrong_id = await client.put("/Appointment/other", json=moved, headers=FHIR | {"if-match": 'W/"2"'})
    assert wrong_id.status_code == 400
    taken = next(a for a in seed["appointments"] if a["status"] == "booked" and a["time_type_id"] != "GRPFOR")
    onto_taken = response.json() | {"slot": [{"reference": f"Slot/{taken['slot_id']}"}]}
    refused = await client.put(f"/Appointment/{booked['id']}", json=onto_taken, headers=FHIR | {"if-match": 'W/"2"'})
    assert refused.status_code == 409 and _detail(refused) == "SLOT_NOT_FREE"


async def test_cancelling_frees_the_slot_once(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    booked = next(a for a in seed["appointments"] if a["status"] == "booked" and a["time_type_id"] != "GRPFOR")
    current = await client.get(f"/Appointment/{booked['appointment_id']}")
    version = current.headers["etag"]
    cancel = current.json() | {"status": "cancelled", "cancelationReason": {"text": "Förhinder"}}
    response = await client.put(
        f"/Appointment/{booked['appointment_id']}", json=cancel, headers=FHIR | {"if-match": version}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancelationReason"]["text"] == "Förhinder"
    assert (await client.get(f"/Slot/{booked['slot_id']}")).json()["status"] == "free"
    again = await client.put(
        f"/Appointment/{booked['appointment_id']}", json=cancel, headers=FHIR | {"if-match": response.headers["etag"]}
    )
    assert again.status_code == 422 and _detail(again) == "ALREADY_CANCELLED"
    unknown = await client.put("/Appointment/nope", json=cancel | {"id": "nope"}, headers=FHIR | {"if-match": 'W/"1"'})
    assert unknown.status_code == 404 and _detail(unknown) == "APPOINTMENT_NOT_FOUND"


async def test_invitations_are_proposed_and_booked_by_update(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    timed = next(a for a in seed["appointments"] if a["status"] == "proposed" and a["start"])
    assert (await client.get(f"/Slot/{timed['slot_id']}")).json()["status"] == "busy-tentative"
    open_one = next(a for a in seed["appointments"] if a["start"] is None)
    current = await client.get(f"/Appointment/{open_one['appointment_id']}")
    invitation = current.json()
    assert "slot" not in invitation and invitation["description"].startswith("Kallelse")
    slot = (await _free_slots(client, **{"service-type": "LAK30"}))[0]
    accepted = invitation | {"status": "booked", "slot": [{"reference": f"Slot/{slot['id']}"}]}
    response = await client.put(
        f"/Appointment/{invitation['id']}", json=accepted, headers=FHIR | {"if-match": current.headers["etag"]}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "booked" and response.json()["start"] == slot["start"]
    assert (await client.get(f"/Slot/{slot['id']}")).json()["status"] == "busy"
    back = response.json() | {"status": "proposed"}
    refused = await client.put(f"/Appointment/{invitation['id']}", json=back, headers=FHIR | {"if-match": 'W/"2"'})
    assert refused.status_code == 422 and _detail(refused) == "INVALID_TRANSITION"


async def test_a_slot_on_the_night_the_clocks_go_back_keeps_its_offset(client: httpx.AsyncClient) -> None:
    seed = await _seed(client)
    schedule = await _first_schedule(client, "TELSSK")
    year = dt.date.today().year + 1
    night = max(dt.date(year, 10, day) for day in range(25, 32) if dt.date(year, 10, day).weekday() == 6)
    slots = []
    for start, end in (
        ("01:30:00+02:00", "01:40:00+02:00"),
        ("02:30:00+02:00", "02:40:00+02:00"),
        ("02:30:00+01:00", "02:40:00+01:00"),
    ):
        body = {
            "resourceType": "Slot",
            "schedule": {"reference": f"Schedule/{schedule}"},
            "status": "free",
            "start": f"{night}T{start}",
            "end": f"{night}T{end}",
        }
        response = await client.post("/Slot", json=body, headers=FHIR)
        assert response.status_code == 201, response.text
        slots.append(response.json())
    assert [s["start"] for s in slots] == [
        f"{night}T01:30:00+02:00",
        f"{night}T02:30:00+02:00",
        f"{night}T02:30:00+01:00",
    ]
    booked = await _book(client, slots[2]["id"], _free_citizen(seed)["patient_id"])
    assert booked.json()["start"] == f"{night}T02:30:00+01:00"
    overlap = await client.post(
        "/Slot",
        json={
            "resourceType": "Slot",
            "schedule": {"reference": f"Schedule/{schedule}"},
            "status": "free",
            "start": f"{night}T01:35:00+02:00",
            "end": f"{night}T01:45:00+02:00",
        },
        headers=FHIR,
    )
    assert overlap.status_code == 409 and _detail(overlap) == "SLOT_OVERLAP"
    naive = await client.post(
        "/Slot",
        json={
            "resourceType": "Slot",
            "schedule": {"reference": f"Schedule/{schedule}"},
            "status": "free",
            "start": f"{night}T04:00:00",
            "end": f"{night}T04:10:00",
        },
        headers=FHIR,
    )
    assert naive.status_code == 400


# faults ---------------------------------------------------------------------------------------------


async def test_fault_injection_is_installed(client: httpx.AsyncClient) -> None:
    assert (await client.put("/admin/faults", json={"down": True})).status_code == 200
    assert (await client.get("/metadata")).status_code == 503
    assert (await client.delete("/admin/faults")).status_code == 200
    assert (await client.get("/metadata")).status_code == 200


# the process ----------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_the_module_runs_as_a_server() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.fhir_server", "--port", str(port), "--region", "14", "--seed", "5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/admin/seed", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.1)
        assert response.json()["region"] == "14"
        bundle = httpx.get(f"http://127.0.0.1:{port}/Slot", params={"_count": 2}, timeout=5).json()
        assert bundle["total"] > 100 and len(bundle["entry"]) == 2
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_access_log_lines_do_not_carry_personal_numbers() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/Appointment?patient.identifier=urn:oid:1.2.752.129.2.1.3.1%7C199001019802",
            "1.1",
            200,
        ),
        None,
    )
    assert _MaskPersonalNumbers().filter(record)
    line = record.getMessage()
    assert "199001019802" not in line and "1990********" in line and "1.2.752.129.2.1.3.1" in line
