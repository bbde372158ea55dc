"""The FHIR adapter against the FHIR simulator over ASGI: every RegionAdapter method, fast."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from adapters.domain import (
    SWEDISH_TIME,
    BookingRequest,
    BookingStatus,
    CancelRequest,
    CatalogueQuery,
    CitizenDetails,
    ContactChannel,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.fhir import FhirAdapter
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import RegionAdapter

TODAY = dt.datetime.now(SWEDISH_TIME).date()


def _ctx(unit: str, correlation_id: str | None = None) -> RequestContext:
    return RequestContext(logical_address=unit, correlation_id=correlation_id)


def _unit(seed: dict[str, Any], index: int = 0) -> HsaId:
    return HsaId(seed["units"][index]["hsa_id"])


def _without_bookings(seed: dict[str, Any]) -> list[PersonalIdentity]:
    busy = {a["personal_number"] for a in seed["appointments"]}
    return [PersonalIdentity(c["personal_number"]) for c in seed["citizens"] if c["personal_number"] not in busy]


def _fortnight(unit: HsaId, **kwargs: Any) -> SlotQuery:
    return SlotQuery(care_unit=unit, start_date=TODAY, end_date=TODAY + dt.timedelta(days=13), **kwargs)


def test_it_is_a_region_adapter(adapter: FhirAdapter) -> None:
    assert isinstance(adapter, RegionAdapter) and adapter.kind == "fhir"


async def test_the_catalogue_of_a_unit(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = _unit(seed)
    ctx = _ctx(unit)
    time_types = await adapter.get_time_types(ctx, CatalogueQuery(care_unit=unit))
    assert [t.time_type_id for t in time_types] == seed["units"][0]["time_types"]
    assert next(t for t in time_types if t.time_type_id == "LAK30").name == "Läkarbesök 30 min"
    only_tests = await adapter.get_time_types(ctx, CatalogueQuery(care_unit=unit, care_type_ids=("VT02",)))
    assert [t.time_type_id for t in only_tests] == ["PROV"]
    care_types = await adapter.get_care_types(ctx, CatalogueQuery(care_unit=unit))
    assert {"VT01", "VT02", "VT03", "VT05"} == {c.care_type_id for c in care_types}
    doctors = await adapter.get_performers(ctx, CatalogueQuery(care_unit=unit, time_type_ids=("LAK30",)))
    expected = {p["hsa_id"] for p in seed["units"][0]["performers"] if "LAK30" in p["schedules"]}
    assert {p.hsa_id for p in doctors} == expected and all(p.title == "Läkare" for p in doctors)
    units = await adapter.get_care_units(ctx, CatalogueQuery(care_unit=unit, time_type_ids=("FYSIO",)))
    assert [u.hsa_id for u in units] == [_unit(seed, 2)]
    assert units[0].name == seed["units"][2]["name"]


async def test_free_times_of_a_unit(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = _unit(seed)
    slots = await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="VIDLAK"))
    assert len(slots) > 25  # more than one page of 25
    assert all(s.time_type_id == "VIDLAK" and s.channel is ContactChannel.VIDEO and s.slot_id for s in slots)
    assert all(s.care_unit == unit and s.care_unit_name == seed["units"][0]["name"] for s in slots)
    assert [s.start for s in slots] == sorted(s.start for s in slots if s.start)
    assert all(s.start and s.start.tzinfo is SWEDISH_TIME for s in slots)
    assert len({s.slot_id for s in slots}) == len(slots)
    last_day = TODAY + dt.timedelta(days=13)
    assert all(s.start and TODAY <= s.start.date() <= last_day for s in slots)
    doctor = slots[0].performer
    assert doctor is not None
    theirs = await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, performers=(doctor,)))
    assert theirs and all(s.performer == doctor for s in theirs)
    by_name = await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_name="videobesök LÄKARE"))
    assert [s.slot_id for s in by_name] == [s.slot_id for s in slots]
    assert await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="FYSIO")) == []


async def test_free_dates_add_up_to_the_free_times(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = _unit(seed)
    query = _fortnight(unit, care_type_id="VT01")
    slots = await adapter.get_available_timeslots(_ctx(unit), query)
    dates = await adapter.get_available_dates(_ctx(unit), query)
    assert sum(d.free_slots or 0 for d in dates) == len(slots)
    assert {d.date for d in dates} == {s.start.date() for s in slots if s.start}
    assert all(d.care_type_id == "VT01" and d.performer and d.time_type_id for d in dates)


async def test_a_citizens_bookings_at_a_unit(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    for appointment in seed["appointments"]:
        if appointment["status"] == "cancelled":
            continue
        citizen = PersonalIdentity(appointment["personal_number"])
        unit = HsaId(appointment["care_unit"])
        bookings = await adapter.get_schedule(_ctx(unit), unit, citizen)
        mine = [b for b in bookings if b.booking_id == appointment["appointment_id"]]
        assert len(mine) == 1 and mine[0].citizen == citizen and mine[0].slot.care_unit == unit
        if appointment["status"] == "proposed":
            assert mine[0].is_invitation and mine[0].status is BookingStatus.PRELIMINARY
            assert mine[0].slot.is_open == (appointment["start"] is None)
        else:
            assert mine[0].status is BookingStatus.CONFIRMED and not mine[0].is_invitation
    cancelled = next(a for a in seed["appointments"] if a["status"] == "cancelled")
    unit = HsaId(cancelled["care_unit"])
    listed = await adapter.get_schedule(_ctx(unit), unit, PersonalIdentity(cancelled["personal_number"]))
    assert cancelled["appointment_id"] not in {b.booking_id for b in listed}
    assert await adapter.get_booking(_ctx(unit), unit, cancelled["appointment_id"]) is None


async def test_book_show_rebook_cancel(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = _unit(seed)
    citizen = PersonalIdentity("199001019802")  # not known to the region yet: registered on booking
    slots = await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="LAK30"))
    details = CitizenDetails(first_name="Ida", last_name="Lind", phone="070-1234567")
    booked = await adapter.make_booking(
        _ctx(unit),
        BookingRequest(care_unit_med=unit, slot=slots[0], citizen=citizen, details=details, reason="Hosta"),
    )
    assert booked.code is ResultCode.OK and booked.booking_id
    shown = await adapter.get_booking(_ctx(unit), unit, booked.booking_id)
    assert shown is not None and shown.citizen == citizen and shown.reason == "Hosta"
    assert (shown.slot.start, shown.slot.slot_id, shown.slot.performer) == (
        slots[0].start,
        slots[0].slot_id,
        slots[0].performer,
    )
    assert booked.booking_id in {b.booking_id for b in await adapter.get_schedule(_ctx(unit), unit, citizen)}
    assert slots[0].slot_id not in {
        s.slot_id for s in await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="LAK30"))
    }
    moved = await adapter.update_booking(
        _ctx(unit), RebookRequest(booking_id=booked.booking_id, slot=slots[4], citizen=citizen)
    )
    assert moved.code is ResultCode.OK and moved.booking_id == booked.booking_id
    shown = await adapter.get_booking(_ctx(unit), unit, booked.booking_id)
    assert shown is not None and shown.slot.start == slots[4].start and shown.slot.slot_id == slots[4].slot_id
    someone_else = PersonalIdentity(seed["citizens"][0]["personal_number"])
    stranger = await adapter.cancel_booking(
        _ctx(unit), CancelRequest(care_unit=unit, booking_id=booked.booking_id, citizen=someone_else)
    )
    assert stranger.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST
    cancelled = await adapter.cancel_booking(
        _ctx(unit), CancelRequest(care_unit=unit, booking_id=booked.booking_id, citizen=citizen, message="Förhinder")
    )
    assert cancelled.code is ResultCode.OK
    again = await adapter.cancel_booking(_ctx(unit), CancelRequest(care_unit=unit, booking_id=booked.booking_id))
    assert again.code is ResultCode.ERROR and again.error is ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED
    assert await adapter.get_booking(_ctx(unit), unit, booked.booking_id) is None
    after = await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="LAK30"))
    assert slots[4].slot_id in {s.slot_id for s in after}
    rebook_cancelled = await adapter.update_booking(
        _ctx(unit), RebookRequest(booking_id=booked.booking_id, slot=slots[6], citizen=citizen)
    )
    assert rebook_cancelled.error is ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED


async def test_a_timeslot_without_slot_id_is_found_by_its_attributes(
    adapter: FhirAdapter, seed: dict[str, Any]
) -> None:
    """As a crm:scheduling 1.1 consumer sends it: times, unit, performer and time type only."""
    unit = _unit(seed)
    citizen = _without_bookings(seed)[0]
    free = (await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="SSK15")))[3]
    bare = Timeslot(
        care_unit=unit, start=free.start, end=free.end, performer=free.performer, time_type_id=free.time_type_id
    )
    booked = await adapter.make_booking(_ctx(unit), BookingRequest(care_unit_med=unit, slot=bare, citizen=citizen))
    assert booked.code is ResultCode.OK
    shown = await adapter.get_booking(_ctx(unit), unit, booked.booking_id or "")
    assert shown is not None and shown.slot.slot_id == free.slot_id
    taken = await adapter.make_booking(
        _ctx(unit), BookingRequest(care_unit_med=unit, slot=bare, citizen=_without_bookings(seed)[1])
    )
    assert taken.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED
    assert free.start is not None
    nowhere = Timeslot(care_unit=unit, start=free.start + dt.timedelta(minutes=7), end=None, time_type_id="SSK15")
    missing = await adapter.make_booking(_ctx(unit), BookingRequest(care_unit_med=unit, slot=nowhere, citizen=citizen))
    assert missing.error is ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE


async def test_a_retried_booking_with_the_same_correlation_id_books_once(
    adapter: FhirAdapter, seed: dict[str, Any]
) -> None:
    unit = _unit(seed)
    citizen, other = _without_bookings(seed)[:2]
    slot = (await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="PROV")))[0]
    request = BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen)
    first = await adapter.make_booking(_ctx(unit, "req-42"), request)
    retry = await adapter.make_booking(_ctx(unit, "req-42"), request)
    assert first.code is retry.code is ResultCode.OK and first.booking_id == retry.booking_id
    assert len(await adapter.get_schedule(_ctx(unit), unit, citizen)) == 1
    fresh = await adapter.make_booking(
        _ctx(unit, "req-43"), BookingRequest(care_unit_med=unit, slot=slot, citizen=other)
    )
    assert fresh.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED


async def test_concurrent_bookings_of_one_time_have_one_winner(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit = _unit(seed)
    slot = (await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="LAK30")))[2]
    citizens = _without_bookings(seed)
    outcomes = await asyncio.gather(
        *(
            adapter.make_booking(_ctx(unit), BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen))
            for citizen in citizens
        )
    )
    assert [o.code for o in outcomes].count(ResultCode.OK) == 1
    assert {o.error for o in outcomes if o.code is ResultCode.ERROR} == {ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED}


async def test_invitations_are_booked_and_moved(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    open_one = next(a for a in seed["appointments"] if a["start"] is None)
    unit = HsaId(open_one["care_unit"])
    citizen = PersonalIdentity(open_one["personal_number"])
    invitation = await adapter.get_booking(_ctx(unit), unit, open_one["appointment_id"])
    assert invitation is not None and invitation.is_invitation and invitation.slot.is_open
    units = await adapter.get_care_units(_ctx(unit), CatalogueQuery(care_unit=unit, booking_id=invitation.booking_id))
    assert unit in {u.hsa_id for u in units}
    slot = (await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit, time_type_id="LAK30")))[0]
    request = BookingRequest(care_unit_med=unit, slot=slot, citizen=citizen, booking_id=invitation.booking_id)
    booked = await adapter.make_booking(_ctx(unit), request)
    assert booked.code is ResultCode.OK and booked.booking_id == invitation.booking_id
    shown = await adapter.get_booking(_ctx(unit), unit, invitation.booking_id)
    assert shown is not None and not shown.is_invitation and shown.slot.start == slot.start
    twice = await adapter.make_booking(_ctx(unit), request)
    assert twice.error is ErrorCode.APPOINTMENT_IS_NOT_ALLOWED

    timed = next(a for a in seed["appointments"] if a["status"] == "proposed" and a["start"])
    unit = HsaId(timed["care_unit"])
    current = await adapter.get_booking(_ctx(unit), unit, timed["appointment_id"])
    assert current is not None and current.is_invitation and current.rebook_allowed
    query = _fortnight(unit, booking_id=current.booking_id)
    choices = await adapter.get_available_timeslots(_ctx(unit), query)
    assert choices and {s.time_type_id for s in choices} == {current.slot.time_type_id}
    moved = await adapter.update_booking(
        _ctx(unit),
        RebookRequest(
            booking_id=current.booking_id, slot=choices[0], citizen=PersonalIdentity(timed["personal_number"])
        ),
    )
    assert moved.code is ResultCode.OK
    confirmed = await adapter.get_booking(_ctx(unit), unit, current.booking_id)
    assert confirmed is not None and confirmed.status is BookingStatus.CONFIRMED and not confirmed.is_invitation


async def test_refusals_for_unknown_and_foreign_bookings(adapter: FhirAdapter, seed: dict[str, Any]) -> None:
    unit, other_unit = _unit(seed), _unit(seed, 1)
    assert await adapter.get_booking(_ctx(unit), unit, "no-such-booking") is None
    gone = await adapter.cancel_booking(_ctx(unit), CancelRequest(care_unit=unit, booking_id="no-such-booking"))
    assert gone.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST
    booked = next(a for a in seed["appointments"] if a["status"] == "booked" and a["care_unit"] == unit)
    assert await adapter.get_booking(_ctx(other_unit), other_unit, booked["appointment_id"]) is None
    elsewhere = await adapter.cancel_booking(
        _ctx(other_unit), CancelRequest(care_unit=other_unit, booking_id=booked["appointment_id"])
    )
    assert elsewhere.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST
    slot = (await adapter.get_available_timeslots(_ctx(unit), _fortnight(unit)))[0]
    wrong = await adapter.update_booking(
        _ctx(unit),
        RebookRequest(booking_id="no-such-booking", slot=slot, citizen=PersonalIdentity(booked["personal_number"])),
    )
    assert wrong.error is ErrorCode.APPOINTMENT_DOES_NOT_EXIST


async def test_a_cancel_that_races_an_update_reads_again(
    adapter: FhirAdapter, seed: dict[str, Any], fhir_http: httpx.AsyncClient
) -> None:
    booked = next(a for a in seed["appointments"] if a["status"] == "booked" and a["time_type_id"] != "GRPFOR")
    unit = HsaId(booked["care_unit"])
    original = adapter.fhir.read
    raced = False

    async def read_then_change(path: str, headers: Any) -> Any:
        nonlocal raced
        resource = await original(path, headers)
        if not raced and resource is not None and path.startswith("Appointment/"):
            raced = True  # someone else changes the appointment between our read and our write
            changed = dict(resource) | {"comment": "ändrad av mottagningen"}
            version = resource["meta"]["versionId"]
            answer = await fhir_http.put(
                f"/Appointment/{resource['id']}",
                json=changed,
                headers={"content-type": "application/fhir+json", "if-match": f'W/"{version}"'},
            )
            assert answer.status_code == 200
        return resource

    adapter.fhir.read = read_then_change  # type: ignore[method-assign]
    outcome = await adapter.cancel_booking(
        _ctx(unit), CancelRequest(care_unit=unit, booking_id=booked["appointment_id"])
    )
    assert raced and outcome.code is ResultCode.OK
    assert await adapter.get_booking(_ctx(unit), unit, booked["appointment_id"]) is None
