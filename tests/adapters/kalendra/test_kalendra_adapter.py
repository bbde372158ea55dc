"""The Kalendra adapter against the simulator in-process (ASGI transport): every method, the error
mapping, paging, the catalogue cache, and personal numbers kept out of logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.domain import (
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    CitizenDetails,
    ErrorCode,
    RebookRequest,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import ENTRY_POINT_GROUP, AdapterSettings, RegionAdapter
from adapters.kalendra import KalendraAdapter, build_adapter
from adapters.kalendra.directory import UnknownCareUnit
from simulators.kalendra import create_app
from simulators.kalendra.store import Database
from tests.adapters.kalendra.support import CTX, KEY, REHAB, SWEDISH_TIME, VARDCENTRAL, citizen, config

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SWEDISH_TIME)  # a Tuesday
UNIT = HsaId(VARDCENTRAL)
TOLVAN = citizen("19121212", 985)
SVEN = citizen("19900101", 983)
WEEK = (dt.date(2026, 12, 7), dt.date(2026, 12, 11))  # Monday to Friday, beyond the 24-hour cut-off


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
    return create_app(config(first_day=dt.date(2026, 12, 2), database=tmp_path / "k.sqlite3"), clock=clock)


@pytest.fixture
def requests_seen() -> list[httpx.Request]:
    return []


@pytest.fixture
async def adapter(app: FastAPI, requests_seen: list[httpx.Request]) -> AsyncIterator[KalendraAdapter]:
    async def record(request: httpx.Request) -> None:
        requests_seen.append(request)

    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), event_hooks={"request": [record]})
    settings = AdapterSettings(
        name="kalendra-01", base_url="http://kalendra/", timeout=dt.timedelta(seconds=5), options={"api_key": KEY}
    )
    kalendra = build_adapter(settings, http_client=http)
    yield kalendra
    await kalendra.aclose()
    await http.aclose()


def week_query(**changes: Any) -> SlotQuery:
    return replace(SlotQuery(care_unit=UNIT, start_date=WEEK[0], end_date=WEEK[1]), **changes)


async def free_slot(adapter: KalendraAdapter, time_type: str = "LAK30", index: int = 0) -> Timeslot:
    return (await adapter.get_available_timeslots(CTX, week_query(time_type_id=time_type)))[index]


def book(slot: Timeslot, who: PersonalIdentity = TOLVAN, **changes: Any) -> BookingRequest:
    details = CitizenDetails(first_name="Tolvan", last_name="Tolvansson", phone="070-1234567")
    return replace(BookingRequest(care_unit_med=slot.care_unit, slot=slot, citizen=who, details=details), **changes)


def refused(outcome: BookingOutcome, error: ErrorCode) -> bool:
    return outcome.code is ResultCode.ERROR and outcome.error is error and bool(outcome.text)


# ---------------------------------------------------------------------------- construction


def test_the_entry_point_builds_a_region_adapter() -> None:
    (point,) = [p for p in entry_points(group=ENTRY_POINT_GROUP) if p.name == "kalendra"]
    factory = point.load()
    built = factory(AdapterSettings(name="k", base_url="http://127.0.0.1:9", options={"api_key": KEY}))
    assert isinstance(built, RegionAdapter)
    assert built.kind == "kalendra"
    with pytest.raises(ValueError, match="api_key"):
        factory(AdapterSettings(name="k", base_url="http://127.0.0.1:9"))


# ---------------------------------------------------------------------------- catalogue


async def test_care_units_are_kalendras_clinics(adapter: KalendraAdapter) -> None:
    units = await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    assert [u.hsa_id for u in units] == ["SE2321000016-E0101", "SE2321000016-E0102", "SE2321000016-E0103"]
    assert all(u.name for u in units)


async def test_time_types_are_the_national_ids_of_the_visit_kinds(adapter: KalendraAdapter) -> None:
    types = await adapter.get_time_types(CTX, CatalogueQuery(care_unit=UNIT))
    assert [t.time_type_id for t in types] == sorted(["LAK30", "SSK15", "VIDLAK", "TELSSK", "PROV", "VACCIN", "KBT"])
    assert next(t for t in types if t.time_type_id == "PROV").name == "Provtagning"
    lab = await adapter.get_time_types(CTX, CatalogueQuery(care_unit=UNIT, care_type_ids=("VT02",)))
    assert [t.time_type_id for t in lab] == ["PROV"]


async def test_care_types_are_the_visit_kind_categories(adapter: KalendraAdapter) -> None:
    care = await adapter.get_care_types(CTX, CatalogueQuery(care_unit=UNIT))
    assert [(c.care_type_id, c.name) for c in care] == [
        ("VT01", "Allmänmedicin"),
        ("VT02", "Provtagning"),
        ("VT03", "Vaccinering"),
        ("VT05", "Psykisk hälsa"),
    ]
    of_vaccine = await adapter.get_care_types(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("VACCIN",)))
    assert [c.care_type_id for c in of_vaccine] == ["VT03"]


async def test_performers_are_the_providers_with_their_hsa_ids(adapter: KalendraAdapter) -> None:
    everyone = await adapter.get_performers(CTX, CatalogueQuery(care_unit=UNIT))
    assert len(everyone) >= 4 and all(p.hsa_id.startswith("SE2321000016-P0101") for p in everyone)
    lab = await adapter.get_performers(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("PROV",)))
    assert [p.title for p in lab] == ["Biomedicinsk analytiker"]
    doctors = await adapter.get_performers(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("LAK30",)))
    assert {p.title for p in doctors} == {"Läkare"} and len(doctors) == 2


async def test_an_hsa_id_that_is_not_a_clinic_is_rejected(adapter: KalendraAdapter) -> None:
    with pytest.raises(UnknownCareUnit, match="SE2321000016-NOPE") as caught:
        await adapter.get_time_types(CTX, CatalogueQuery(care_unit=HsaId("SE2321000016-NOPE")))
    assert isinstance(caught.value, RegionRejectedRequest)


async def test_hsa_ids_compare_case_insensitively(adapter: KalendraAdapter) -> None:
    types = await adapter.get_time_types(CTX, CatalogueQuery(care_unit=HsaId(VARDCENTRAL.lower())))
    assert types


async def test_the_catalogue_is_read_once_and_kept(
    adapter: KalendraAdapter, requests_seen: list[httpx.Request]
) -> None:
    for _ in range(3):
        await adapter.get_time_types(CTX, CatalogueQuery(care_unit=UNIT))
        await adapter.get_available_dates(CTX, week_query(time_type_id="PROV"))
    catalogue_reads = [r for r in requests_seen if r.url.path.startswith("/v2/clinics")]
    assert len(catalogue_reads) == 3  # clinics, visit kinds, providers
    assert all(r.headers["X-Kalendra-Key"] == KEY for r in requests_seen)
    assert all(r.headers["X-Request-Id"] == "test-correlation" for r in requests_seen)


# ---------------------------------------------------------------------------- free times


async def test_free_timeslots_are_openings_in_swedish_time(adapter: KalendraAdapter, app: FastAPI) -> None:
    slots = await adapter.get_available_timeslots(CTX, week_query(time_type_id="LAK30"))
    assert slots
    assert {s.time_type_id for s in slots} == {"LAK30"}
    assert all(s.slot_id and s.slot_id.startswith("opn_") for s in slots)
    for slot in slots:
        assert slot.start is not None and slot.end is not None
        assert slot.start.tzinfo is not None and slot.start.utcoffset() == dt.timedelta(hours=1)  # CET in December
        assert WEEK[0] <= slot.start.date() <= WEEK[1]
        assert dt.time(8) <= slot.start.timetz().replace(tzinfo=None) < dt.time(16)
        assert slot.end - slot.start == dt.timedelta(minutes=30)
        assert slot.care_unit == UNIT and slot.performer_name and slot.performer_name.startswith("Läkare ")
    database: Database = app.state.database
    with database.read() as db:
        expected = db.execute(
            "SELECT COUNT(*) FROM opening JOIN visit_kind ON visit_kind.id = opening.visit_kind_id"
            " JOIN clinic ON clinic.id = opening.clinic_id WHERE clinic.hsa_id = ? AND external_code = 'LAK30'"
            " AND starts_at >= ? AND starts_at < ? AND NOT EXISTS (SELECT 1 FROM reservation"
            " WHERE opening_id = opening.id AND status = 'active')",
            (VARDCENTRAL, 1796598000, 1797030000),  # 2026-12-07 00:00 and 2026-12-12 00:00 Swedish time
        ).fetchone()[0]
    assert len(slots) == expected


async def test_the_search_follows_every_page(adapter: KalendraAdapter, requests_seen: list[httpx.Request]) -> None:
    query = SlotQuery(care_unit=UNIT, start_date=dt.date(2026, 12, 2), end_date=dt.date(2026, 12, 22))
    slots = await adapter.get_available_timeslots(CTX, query)
    pages = [r for r in requests_seen if r.url.path == "/v2/openings"]
    assert len(pages) >= 3
    assert [r.url.params.get("cursor") is None for r in pages] == [True] + [False] * (len(pages) - 1)
    assert len({s.slot_id for s in slots}) == len(slots) > 400


async def test_filters_by_performer_and_care_type(adapter: KalendraAdapter) -> None:
    lab_staff = await adapter.get_performers(CTX, CatalogueQuery(care_unit=UNIT, time_type_ids=("PROV",)))
    by_performer = await adapter.get_available_timeslots(CTX, week_query(performers=(lab_staff[0].hsa_id,)))
    assert by_performer and {s.performer for s in by_performer} == {lab_staff[0].hsa_id}
    by_care_type = await adapter.get_available_timeslots(CTX, week_query(care_type_id="VT03"))
    assert by_care_type and {s.time_type_id for s in by_care_type} == {"VACCIN"}
    nobody = await adapter.get_available_timeslots(CTX, week_query(performers=(HsaId("SE2321000016-X1"),)))
    assert nobody == []
    assert await adapter.get_available_timeslots(CTX, week_query(time_type_id="NOSUCH")) == []


async def test_available_dates_aggregate_the_same_openings(adapter: KalendraAdapter) -> None:
    slots = await adapter.get_available_timeslots(CTX, week_query())
    dates = await adapter.get_available_dates(CTX, week_query())
    assert sum(d.free_slots or 0 for d in dates) == len(slots)
    assert {d.date for d in dates} == {s.start.date() for s in slots if s.start}
    keys = [(d.date, d.performer, d.time_type_id) for d in dates]
    assert len(keys) == len(set(keys)) and keys == sorted(keys, key=lambda k: (k[0], k[1] or "", k[2] or ""))


async def test_a_rebooking_search_keeps_the_bookings_time_type(adapter: KalendraAdapter) -> None:
    booked = await adapter.make_booking(CTX, book(await free_slot(adapter, "SSK15")))
    slots = await adapter.get_available_timeslots(CTX, week_query(booking_id=booked.booking_id))
    assert slots and {s.time_type_id for s in slots} == {"SSK15"}


# ---------------------------------------------------------------------------- booking


async def test_book_show_list_and_the_slot_is_gone(adapter: KalendraAdapter) -> None:
    slot = await free_slot(adapter, "LAK30", 3)
    outcome = await adapter.make_booking(CTX, book(slot, reason="Ont i örat"))
    assert outcome.code is ResultCode.OK and outcome.booking_id and outcome.booking_id.startswith("res_")
    shown = await adapter.get_booking(CTX, UNIT, outcome.booking_id)
    assert shown is not None
    assert (shown.citizen, shown.reason, shown.slot) == (TOLVAN, "Ont i örat", slot)
    assert shown.cancel_allowed and shown.rebook_allowed and shown.message_allowed
    schedule = await adapter.get_schedule(CTX, UNIT, TOLVAN)
    assert [b.booking_id for b in schedule] == [outcome.booking_id]
    assert slot.slot_id not in {s.slot_id for s in await adapter.get_available_timeslots(CTX, week_query())}


async def test_a_visit_kind_with_preparation_books_with_info_for_the_citizen(adapter: KalendraAdapter) -> None:
    outcome = await adapter.make_booking(CTX, book(await free_slot(adapter, "PROV")))
    assert outcome.code is ResultCode.INFO and outcome.succeeded
    assert outcome.text and "fastande" in outcome.text and outcome.booking_id


async def test_a_slot_without_an_id_is_found_by_its_times_performer_and_time_type(adapter: KalendraAdapter) -> None:
    slot = await free_slot(adapter, "LAK30", 5)
    as_from_crm11 = replace(slot, slot_id=None, care_unit_name=None, performer_name=None, time_type_name=None)
    outcome = await adapter.make_booking(CTX, book(as_from_crm11))
    assert outcome.succeeded and outcome.booking_id
    shown = await adapter.get_booking(CTX, UNIT, outcome.booking_id)
    assert shown is not None and shown.slot.slot_id == slot.slot_id
    no_such = replace(as_from_crm11, start=slot.start + dt.timedelta(minutes=7) if slot.start else None)
    assert refused(await adapter.make_booking(CTX, book(no_such)), ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
    taken = await adapter.make_booking(CTX, book(as_from_crm11, SVEN))
    assert refused(taken, ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED)


async def test_a_retried_booking_is_the_same_reservation(adapter: KalendraAdapter, app: FastAPI) -> None:
    slot = await free_slot(adapter, "TELSSK")
    first = await adapter.make_booking(CTX, book(slot))
    retry = await adapter.make_booking(CTX, book(slot))
    assert first.succeeded and retry.booking_id == first.booking_id
    database: Database = app.state.database
    with database.read() as db:
        assert db.execute("SELECT COUNT(*) FROM reservation WHERE opening_id = ?", (slot.slot_id,)).fetchone()[0] == 1


async def test_a_callers_own_idempotency_key_is_used(
    adapter: KalendraAdapter, requests_seen: list[httpx.Request]
) -> None:
    ctx = replace(CTX, extra_headers={"idempotency-key": "gateway-chosen-key"})
    await adapter.make_booking(ctx, book(await free_slot(adapter, "TELSSK", 2)))
    (posted,) = [r for r in requests_seen if r.method == "POST"]
    assert posted.headers["Idempotency-Key"] == "gateway-chosen-key"


async def test_someone_elses_slot_is_already_reserved(adapter: KalendraAdapter) -> None:
    slot = await free_slot(adapter, "VACCIN")
    assert (await adapter.make_booking(CTX, book(slot, SVEN))).succeeded
    assert refused(await adapter.make_booking(CTX, book(slot)), ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED)


async def test_a_time_that_has_passed(adapter: KalendraAdapter, clock: FakeClock) -> None:
    slot = await free_slot(adapter, "LAK30", 1)
    assert slot.start is not None
    clock.now = slot.start + dt.timedelta(minutes=5)
    assert refused(await adapter.make_booking(CTX, book(slot)), ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED)


async def test_the_second_half_past_two_of_the_autumn_night_is_its_own_time(
    adapter: KalendraAdapter, app: FastAPI
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://kalendra", headers={"X-Kalendra-Key": KEY}
    ) as api:
        clinic = next(
            c for c in (await api.get("/v2/clinics")).json()["items"] if c["external_ref"]["value"] == VARDCENTRAL
        )
        kinds = (await api.get(f"/v2/clinics/{clinic['id']}/visit-kinds")).json()["items"]
        video = next(k for k in kinds if k["external_code"] == "VIDLAK")
        published = {}
        for utc in ("2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"):  # 02:30 CEST, then 02:30 CET
            body = {
                "clinic_id": clinic["id"],
                "provider_id": video["provider_ids"][0],
                "visit_kind_id": video["id"],
                "starts_at": utc,
            }
            published[utc] = (await api.post("/v2/openings", json=body)).json()["id"]
    night = SlotQuery(care_unit=UNIT, start_date=dt.date(2027, 10, 31), end_date=dt.date(2027, 10, 31))
    slots = await adapter.get_available_timeslots(CTX, night)
    assert [(s.start.hour, s.start.minute, s.start.fold) for s in slots if s.start] == [(2, 30, 0), (2, 30, 1)]
    second = replace(slots[1], slot_id=None)
    made = await adapter.make_booking(CTX, book(second))
    assert made.booking_id
    shown = await adapter.get_booking(CTX, UNIT, made.booking_id)
    assert shown is not None and shown.slot.slot_id == published["2027-10-31T01:30:00Z"]


async def test_kalendra_has_no_invitations_to_book(adapter: KalendraAdapter) -> None:
    outcome = await adapter.make_booking(CTX, book(await free_slot(adapter), booking_id="kallelse-1"))
    assert refused(outcome, ErrorCode.APPOINTMENT_DOES_NOT_EXIST)


# ---------------------------------------------------------------------------- rebooking and cancelling


async def test_rebook_moves_the_booking_and_frees_the_old_time(adapter: KalendraAdapter) -> None:
    old, new = await free_slot(adapter, "LAK30", 10), await free_slot(adapter, "LAK30", 20)
    booked = await adapter.make_booking(CTX, book(old))
    assert booked.booking_id
    moved = await adapter.update_booking(
        CTX, RebookRequest(booking_id=booked.booking_id, slot=new, citizen=TOLVAN, reason="Passar bättre")
    )
    assert moved.code is ResultCode.OK and moved.booking_id == booked.booking_id
    shown = await adapter.get_booking(CTX, UNIT, booked.booking_id)
    assert shown is not None and shown.slot == new and shown.reason == "Passar bättre"
    assert old.slot_id in {s.slot_id for s in await adapter.get_available_timeslots(CTX, week_query())}


async def test_rebook_to_a_slot_without_id_or_time_type_keeps_the_time_type(adapter: KalendraAdapter) -> None:
    old, new = await free_slot(adapter, "SSK15", 3), await free_slot(adapter, "SSK15", 9)
    booked = await adapter.make_booking(CTX, book(old))
    assert booked.booking_id
    bare = Timeslot(care_unit=UNIT, start=new.start, end=new.end, performer=new.performer)
    moved = await adapter.update_booking(CTX, RebookRequest(booking_id=booked.booking_id, slot=bare, citizen=TOLVAN))
    assert moved.succeeded
    shown = await adapter.get_booking(CTX, UNIT, booked.booking_id)
    assert shown is not None and shown.slot.slot_id == new.slot_id


async def test_rebook_refusals(adapter: KalendraAdapter, clock: FakeClock) -> None:
    old, taken = await free_slot(adapter, "LAK30", 12), await free_slot(adapter, "LAK30", 14)
    booked = await adapter.make_booking(CTX, book(old))
    assert booked.booking_id and (await adapter.make_booking(CTX, book(taken, SVEN))).succeeded
    request = RebookRequest(booking_id=booked.booking_id, slot=taken, citizen=TOLVAN)
    assert refused(await adapter.update_booking(CTX, request), ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED)
    not_theirs = replace(request, citizen=SVEN)
    assert refused(await adapter.update_booking(CTX, not_theirs), ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    unknown = replace(request, booking_id="res_000000000000")
    assert refused(await adapter.update_booking(CTX, unknown), ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    elsewhere = (await adapter.get_available_timeslots(CTX, replace(week_query(), care_unit=HsaId(REHAB))))[0]
    other_unit = replace(request, slot=elsewhere)
    assert refused(await adapter.update_booking(CTX, other_unit), ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED)
    assert old.start is not None
    clock.now = old.start - dt.timedelta(hours=2)
    free = replace(request, slot=await free_slot(adapter, "LAK30", 30))
    assert refused(await adapter.update_booking(CTX, free), ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT)


async def test_cancel_and_its_refusals(adapter: KalendraAdapter, clock: FakeClock) -> None:
    slot = await free_slot(adapter, "KBT")
    booked = await adapter.make_booking(CTX, book(slot))
    assert booked.booking_id
    request = CancelRequest(care_unit=UNIT, booking_id=booked.booking_id, citizen=TOLVAN, message="Förhindrad")
    assert refused(
        await adapter.cancel_booking(CTX, replace(request, citizen=SVEN)), ErrorCode.APPOINTMENT_DOES_NOT_EXIST
    )
    assert refused(
        await adapter.cancel_booking(CTX, replace(request, care_unit=HsaId(REHAB))),
        ErrorCode.APPOINTMENT_DOES_NOT_EXIST,
    )
    assert (await adapter.cancel_booking(CTX, request)).code is ResultCode.OK
    assert await adapter.get_booking(CTX, UNIT, booked.booking_id) is None
    assert await adapter.get_schedule(CTX, UNIT, TOLVAN) == []
    assert refused(await adapter.cancel_booking(CTX, request), ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED)
    missing = replace(request, booking_id="res_000000000000")
    assert refused(await adapter.cancel_booking(CTX, missing), ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    assert slot.slot_id in {s.slot_id for s in await adapter.get_available_timeslots(CTX, week_query())}
    late = await adapter.make_booking(CTX, book(slot, SVEN))
    assert late.booking_id and slot.start is not None
    clock.now = slot.start - dt.timedelta(hours=1)
    too_late = CancelRequest(care_unit=UNIT, booking_id=late.booking_id)
    assert refused(await adapter.cancel_booking(CTX, too_late), ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT)
    shown = await adapter.get_booking(CTX, UNIT, late.booking_id)
    assert shown is not None and not shown.cancel_allowed and not shown.rebook_allowed


async def test_get_booking_is_none_for_unknown_ids_and_other_units(adapter: KalendraAdapter, app: FastAPI) -> None:
    assert await adapter.get_booking(CTX, UNIT, "res_000000000000") is None
    seeded = [r for r in _seeded(app) if r["status"] == "active"]
    here = next(r for r in seeded if r["clinic_hsa_id"] == VARDCENTRAL)
    assert await adapter.get_booking(CTX, UNIT, here["id"]) is not None
    assert await adapter.get_booking(CTX, HsaId(REHAB), here["id"]) is None


async def test_the_schedule_holds_seeded_reservations(adapter: KalendraAdapter, app: FastAPI) -> None:
    seeded = [r for r in _seeded(app) if r["status"] == "active" and r["clinic_hsa_id"] == VARDCENTRAL]
    patient = PersonalIdentity(seeded[0]["personal_number"])
    schedule = await adapter.get_schedule(CTX, UNIT, patient)
    expected = {r["id"] for r in seeded if r["personal_number"] == patient.value}
    assert {b.booking_id for b in schedule} == expected
    assert all(b.citizen == patient and b.slot.care_unit == UNIT for b in schedule)


def _seeded(app: FastAPI) -> list[dict[str, Any]]:
    database: Database = app.state.database
    with database.read() as db:
        return [
            dict(row)
            for row in db.execute(
                "SELECT reservation.id, reservation.status, patient.personal_number, clinic.hsa_id AS clinic_hsa_id"
                " FROM reservation JOIN patient ON patient.id = reservation.patient_id"
                " JOIN opening ON opening.id = reservation.opening_id JOIN clinic ON clinic.id = opening.clinic_id"
                " ORDER BY opening.starts_at"
            )
        ]


# ---------------------------------------------------------------------------- failures


async def test_a_wrong_api_key_is_a_rejected_request(app: FastAPI) -> None:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    settings = AdapterSettings(name="k", base_url="http://kalendra", options={"api_key": "not-the-key"})
    wrong = build_adapter(settings, http_client=http)
    with pytest.raises(RegionRejectedRequest, match="API key"):
        await wrong.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    await http.aclose()


async def test_an_outage_and_server_errors_are_region_unavailable(adapter: KalendraAdapter, app: FastAPI) -> None:
    app.state.faults.update({"down": True})
    with pytest.raises(RegionUnavailable, match="503"):
        await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    app.state.faults.update({"down": False, "error_rate": 1.0})
    with pytest.raises(RegionUnavailable, match="500"):
        await adapter.get_booking(CTX, UNIT, "res_1")


async def test_a_hang_is_a_region_timeout(app: FastAPI) -> None:
    app.state.faults.update({"hang_rate": 1.0, "hang_seconds": 5.0})
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    settings = AdapterSettings(
        name="k", base_url="http://kalendra", timeout=dt.timedelta(seconds=0.2), options={"api_key": KEY}
    )
    hasty = build_adapter(settings, http_client=http)
    with pytest.raises(RegionTimeout, match="no answer in time"):
        await hasty.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    await http.aclose()


async def test_personal_numbers_stay_out_of_the_http_log(
    adapter: KalendraAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        await adapter.get_schedule(CTX, UNIT, TOLVAN)
    lines = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert any("/v2/reservations?patient=1912********" in line for line in lines), lines
    assert not any(TOLVAN.value in line for line in lines)
