"""Foundation, end to end: a 1177-style consumer (zeep, from the gateway's own WSDLs) → the gateway
→ the rivta adapter → a simulated crm:scheduling 1.1 region, and back. Every request and response
on the consumer side is validated against the official 1.1 schemas by the zeep plugin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.db.models import AuditRow, LedgerRow
from tests.gateway.chain import Chain, Region, gateway_on_loopback, next_weekday, region_on_loopback

pytestmark = pytest.mark.e2e


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Region]:
    """A fresh region per test: tests change its calendar."""
    with region_on_loopback(tmp_path) as running:
        yield running


@pytest.fixture
def chain(region: Region, database_url: str, tmp_path: Path) -> Iterator[Chain]:
    with gateway_on_loopback(tmp_path, region, database_url) as running:
        yield running


def _free_slots(
    chain: Chain, unit: str, citizen: str, time_type: str, days: int = 14, booking_id: str | None = None
) -> list[object]:
    """Free times; with `booking_id` a rebooking search (the booking being moved does not count)."""
    start = next_weekday(4)
    return list(
        chain.call(
            "GetAvailableTimeslots",
            unit,
            citizen,
            healthcare_facility=unit,
            startDateInclusive=start.strftime("%Y%m%d"),
            endDateInclusive=(start + dt.timedelta(days=days)).strftime("%Y%m%d"),
            timeTypeID=time_type,
            subject_of_care=citizen,
            bookingId=booking_id,
        ).timeslotDetail
    )


def _slot_body(slot: object, citizen: str, **extra: object) -> dict[str, object]:
    return {
        "startTimeInclusive": slot.startTimeInclusive,  # type: ignore[attr-defined]
        "endTimeExclusive": slot.endTimeExclusive,  # type: ignore[attr-defined]
        "healthcare_facility": slot.healthcare_facility,  # type: ignore[attr-defined]
        "performer": slot.performer,  # type: ignore[attr-defined]
        "subject_of_care": citizen,
        "timeTypeID": slot.timeTypeID,  # type: ignore[attr-defined]
        **extra,
    }


def _person(first: str = "Tolvan", last: str = "Tolvansson") -> dict[str, str]:
    return {"firstName": first, "lastName": last, "phone": "0701234567"}


def test_citizen_journey_through_every_interaction(chain: Chain) -> None:
    region = chain.region
    unit = region.unit_offering("LAK30")
    citizen = region.citizen(4)
    calls = 0

    time_types = chain.call("GetAllTimeTypes", unit, citizen, healthcare_facility=unit, subject_of_care=citizen)
    calls += 1
    assert "LAK30" in {t.timeTypeId for t in time_types.ListOfTimeTypes}
    care_types = chain.call("GetAllCareTypes", unit, citizen, healthcare_facility=unit, subject_of_care=citizen)
    performers = chain.call(
        "GetAllPerformers", unit, citizen, healthcare_facility=unit, timeTypeIDs=["LAK30"], subject_of_care=citizen
    )
    facilities = chain.call(
        "GetAllHealthcareFacilities", unit, citizen, healthcare_facility=unit, subject_of_care=citizen
    )
    calls += 3
    assert care_types.careTypes and performers.performerInfos
    assert all(p.perfomer for p in performers.performerInfos)
    assert unit in {f.healthcare_facility for f in facilities.healthcareFacilityInfos}

    start = next_weekday(4)
    dates = chain.call(
        "GetAvailableDates",
        unit,
        citizen,
        healthcare_facility=unit,
        startDateInclusive=start.strftime("%Y%m%d"),
        endDateInclusive=(start + dt.timedelta(days=14)).strftime("%Y%m%d"),
        timeTypeID="LAK30",
        subject_of_care=citizen,
    )
    calls += 1
    assert dates.performerAvailabilityByDate
    slots = _free_slots(chain, unit, citizen, "LAK30")
    calls += 1
    assert len(slots) >= 2
    first, second = slots[0], slots[-1]

    booked = chain.call(
        "MakeBooking",
        unit,
        citizen,
        healthcare_facility_med=unit,
        requestedTimeslot=_slot_body(first, citizen, reason="Ont i ryggen"),
        subject_of_care_info=_person(),
    )
    calls += 1
    assert booked.resultCode in {"OK", "INFO"} and booked.bookingId
    booking_id = booked.bookingId

    other = region.citizen(5)
    taken = chain.call(
        "MakeBooking",
        unit,
        other,
        healthcare_facility_med=unit,
        requestedTimeslot=_slot_body(first, other, reason="Hosta"),
        subject_of_care_info=_person("Anna", "Ek"),
    )
    calls += 1
    assert taken.resultCode == "ERROR" and taken.bookingId is None
    assert "upptagen" in (taken.resultText or "")
    offered = (taken.resultText or "").split("Närmaste lediga tider: ", 1)[1].rstrip(".").split(", ")
    assert len(offered) == 3 and all(len(time) == 16 for time in offered), taken.resultText

    schedule = chain.call("GetSubjectOfCareSchedule", unit, citizen, healthcare_facility=unit, subject_of_care=citizen)
    calls += 1
    assert booking_id in {t.bookingId for t in schedule.timeslotDetail}
    details = chain.call(
        "GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=booking_id
    ).timeslotDetail
    calls += 1
    assert details.startTimeInclusive == first.startTimeInclusive and details.cancel_booking_allowed is True

    moved = chain.call(
        "UpdateBooking",
        unit,
        citizen,
        requestedTimeslot=_slot_body(second, citizen, bookingId=booking_id),
        subject_of_care_info=_person(),
    )
    calls += 1
    assert moved.resultCode in {"OK", "INFO"}
    details = chain.call(
        "GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=booking_id
    ).timeslotDetail
    calls += 1
    assert details.startTimeInclusive == second.startTimeInclusive

    cancelled = chain.call("CancelBooking", unit, citizen, healthcare_facility=unit, bookingId=booking_id)
    calls += 1
    assert cancelled.resultCode in {"OK", "INFO"}
    schedule = chain.call("GetSubjectOfCareSchedule", unit, citizen, healthcare_facility=unit, subject_of_care=citizen)
    calls += 1
    assert booking_id not in {t.bookingId for t in schedule.timeslotDetail}
    free_again = _free_slots(chain, unit, citizen, "LAK30")
    calls += 1
    assert second.startTimeInclusive in {s.startTimeInclusive for s in free_again}

    rows = chain.audit_rows()
    assert len(rows) == calls, "every audit-relevant call leaves exactly one audit row"
    assert all("1912" not in (row.citizen_ref or "") or len(row.citizen_ref or "") == 64 for row in rows)
    assert citizen not in repr([tuple(row) for row in rows])
    assert {row.contract.split("/")[1] for row in rows} >= {"MakeBooking", "UpdateBooking", "CancelBooking"}
    assert chain.count(LedgerRow) == 4  # book, refused book, rebook, cancel
    assert set(chain.plugin.checked) >= {
        f"{name}{suffix}"
        for name in (
            "GetAllTimeTypes",
            "GetAllCareTypes",
            "GetAllPerformers",
            "GetAllHealthcareFacilities",
            "GetAvailableDates",
            "GetAvailableTimeslots",
            "MakeBooking",
            "GetSubjectOfCareSchedule",
            "GetBookingDetails",
            "UpdateBooking",
            "CancelBooking",
        )
        for suffix in ("", "Response")
    }


def test_open_invitation_is_booked_once(chain: Chain) -> None:
    invitation = chain.region.invitation("open")
    citizen, unit = invitation["subject_of_care"], invitation["healthcare_facility"]
    details = chain.call(
        "GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=invitation["booking_id"]
    ).timeslotDetail
    assert details.isInvitation is True and details.startTimeInclusive is None
    slots = _free_slots(chain, unit, citizen, invitation["time_type_id"], days=20)
    assert len(slots) >= 2

    def book(slot: object) -> object:
        return chain.call(
            "MakeBooking",
            unit,
            citizen,
            healthcare_facility_med=unit,
            requestedTimeslot=_slot_body(slot, citizen, bookingId=invitation["booking_id"]),
            subject_of_care_info=_person(),
        )

    first = book(slots[0])
    assert first.resultCode in {"OK", "INFO"}  # type: ignore[attr-defined]
    again = book(slots[1])
    assert again.resultCode == "ERROR" and again.resultText  # type: ignore[attr-defined]


def test_timed_invitation_is_moved_and_becomes_a_booking(chain: Chain) -> None:
    invitation = chain.region.invitation("timed")
    citizen, unit = invitation["subject_of_care"], invitation["healthcare_facility"]
    details = chain.call(
        "GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=invitation["booking_id"]
    ).timeslotDetail
    assert details.isInvitation is True and details.startTimeInclusive
    slot = _free_slots(chain, unit, citizen, invitation["time_type_id"], days=20, booking_id=invitation["booking_id"])[
        0
    ]
    moved = chain.call(
        "UpdateBooking",
        unit,
        citizen,
        requestedTimeslot=_slot_body(slot, citizen, bookingId=invitation["booking_id"]),
    )
    assert moved.resultCode in {"OK", "INFO"}
    details = chain.call(
        "GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=invitation["booking_id"]
    ).timeslotDetail
    assert not details.isInvitation and details.startTimeInclusive == slot.startTimeInclusive


def test_a_citizen_cannot_touch_another_citizens_booking(chain: Chain) -> None:
    region = chain.region
    owner = region.seed["citizens"][0]
    booking_id, stranger = owner["booking_ids"][0], region.citizen(5)
    unit = next(
        i["healthcare_facility"] for i in region.seed["invitations"] if i["subject_of_care"] == owner["personal_number"]
    )
    for candidate in region.units:
        result = chain.call("CancelBooking", candidate, stranger, healthcare_facility=candidate, bookingId=booking_id)
        assert result.resultCode == "ERROR"
    schedule = chain.call(
        "GetSubjectOfCareSchedule",
        unit,
        owner["personal_number"],
        healthcare_facility=unit,
        subject_of_care=owner["personal_number"],
    )
    assert schedule is not None
    assert chain.count(AuditRow) >= len(region.units)
