"""FHIR R4 ↔ domain mapping: instants across DST, statuses, codes, participants, refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from adapters.domain import (
    SWEDISH_TIME,
    BookingStatus,
    CareUnit,
    ContactChannel,
    ErrorCode,
    ResultCode,
    Timeslot,
    TimeType,
)
from adapters.fhir import mapping
from adapters.fhir.mapping import Action
from adapters.fhir.resources import (
    Appointment,
    CodeableConcept,
    Location,
    OperationOutcome,
    Practitioner,
    Schedule,
    Slot,
)
from adapters.identifiers import HsaId, PersonalIdentity

CITIZEN = PersonalIdentity("199001019802")
UNIT = HsaId("SE2321000016-E0101")
DOCTOR = HsaId("SE2321000016-P010101")
TIME_TYPES = "https://region01.example/CodeSystem/time-type"


def _appointment(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": "a1",
        "meta": {"versionId": "3"},
        "status": "booked",
        "serviceCategory": [{"coding": [{"system": "urn:care", "code": "VT01", "display": "Allmänmedicin"}]}],
        "serviceType": [{"coding": [{"system": TIME_TYPES, "code": "LAK30", "display": "Läkarbesök 30 min"}]}],
        "appointmentType": {"coding": [{"system": mapping.CHANNEL_SYSTEM, "code": "VIDEOCONF"}]},
        "description": "Uppföljning",
        "reasonCode": [{"text": "Hosta"}],
        "start": "2027-10-31T01:30:00+02:00",
        "end": "2027-10-31T02:00:00+02:00",
        "slot": [{"reference": "Slot/s1"}],
        "participant": [
            {
                "actor": {
                    "reference": "Patient/p1",
                    "identifier": {"system": mapping.PERSONAL_NUMBER_SYSTEM, "value": CITIZEN.value},
                }
            },
            {
                "actor": {
                    "reference": "Practitioner/d1",
                    "identifier": {"system": mapping.HSA_ID_SYSTEM, "value": DOCTOR},
                    "display": "Anna Andersson",
                }
            },
            {
                "actor": {
                    "reference": "Location/l1",
                    "identifier": {"system": mapping.HSA_ID_SYSTEM, "value": UNIT.lower()},
                    "display": "Vårdcentral Centrum",
                }
            },
        ],
        "extension": [{"url": "urn:region:own", "valueString": "kept"}],
    }
    resource.update(changes)
    return resource


NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


# instants -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "local", "offset_hours"),
    [
        ("2027-10-31T01:30:00+02:00", dt.datetime(2027, 10, 31, 1, 30), 2),  # before the clocks go back
        ("2027-10-31T02:30:00+02:00", dt.datetime(2027, 10, 31, 2, 30), 2),  # the first 02:30
        ("2027-10-31T02:30:00+01:00", dt.datetime(2027, 10, 31, 2, 30), 1),  # the second 02:30
        ("2027-03-28T01:30:00+01:00", dt.datetime(2027, 3, 28, 1, 30), 1),  # before the clocks go forward
        ("2027-03-28T01:30:00Z", dt.datetime(2027, 3, 28, 3, 30), 2),  # 02:30 local does not exist
    ],
)
def test_instants_become_swedish_wall_clock_with_the_right_offset(
    text: str, local: dt.datetime, offset_hours: int
) -> None:
    value = mapping.parse_instant(text)
    assert value.replace(tzinfo=None) == local
    assert value.utcoffset() == dt.timedelta(hours=offset_hours)
    assert mapping.parse_instant(mapping.format_instant(value)) == value
    assert mapping.format_instant(value) == mapping.format_instant(value.astimezone(dt.UTC))


def test_the_second_half_hour_of_the_autumn_night_keeps_its_fold() -> None:
    second = dt.datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=SWEDISH_TIME)
    assert mapping.format_instant(second) == "2027-10-31T02:30:00+01:00"
    assert mapping.format_instant(second.replace(fold=0)) == "2027-10-31T02:30:00+02:00"


def test_an_instant_has_an_offset_and_a_datetime_a_zone() -> None:
    with pytest.raises(ValueError):
        mapping.parse_instant("2027-10-31T01:30:00")
    with pytest.raises(ValueError):
        mapping.format_instant(dt.datetime(2027, 10, 31, 1, 30))


def test_midnight_has_the_offset_of_its_day() -> None:
    assert mapping.day_start(dt.date(2027, 3, 28)) == "2027-03-28T00:00:00+01:00"
    assert mapping.day_start(dt.date(2027, 3, 29)) == "2027-03-29T00:00:00+02:00"


# statuses and codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("booked", BookingStatus.CONFIRMED),
        ("arrived", BookingStatus.CONFIRMED),
        ("fulfilled", BookingStatus.CONFIRMED),
        ("proposed", BookingStatus.PRELIMINARY),
        ("pending", BookingStatus.PRELIMINARY),
        ("waitlist", BookingStatus.PRELIMINARY),
        ("cancelled", None),
        ("entered-in-error", None),
    ],
)
def test_appointment_statuses(status: str, expected: BookingStatus | None) -> None:
    assert mapping.booking_status(status) is expected


@pytest.mark.parametrize(
    ("code", "channel"),
    [
        ("PHYSICAL", ContactChannel.PHYSICAL),
        ("FACE", ContactChannel.PHYSICAL),
        ("VIDEOCONF", ContactChannel.VIDEO),
        ("PHONE", ContactChannel.PHONE),
        ("WRITTEN", None),
    ],
)
def test_channels_are_participation_modes(code: str, channel: ContactChannel | None) -> None:
    concept = CodeableConcept.model_validate({"coding": [{"system": mapping.CHANNEL_SYSTEM, "code": code}]})
    assert mapping.channel_of(concept) is channel
    other_system = CodeableConcept.model_validate({"coding": [{"system": "urn:other", "code": code}]})
    assert mapping.channel_of(other_system) is None


def test_a_time_type_is_taken_from_the_regions_code_system_when_named() -> None:
    concepts = (
        CodeableConcept.model_validate(
            {
                "coding": [{"system": "urn:snomed", "code": "123"}, {"system": TIME_TYPES, "code": "LAK30"}],
                "text": "Läkare",
            }
        ),
    )
    assert mapping.time_type_of(concepts, TIME_TYPES) == TimeType("LAK30", "Läkare")
    assert mapping.time_type_of(concepts) == TimeType("123", "Läkare")


# appointments ---------------------------------------------------------------------------------------


def test_an_appointment_becomes_a_booking() -> None:
    booking = mapping.appointment_to_booking(Appointment.model_validate(_appointment()), now=NOW)
    assert booking is not None
    assert booking.booking_id == "a1" and booking.citizen == CITIZEN and booking.status is BookingStatus.CONFIRMED
    slot = booking.slot
    assert slot.care_unit == UNIT and slot.care_unit_name == "Vårdcentral Centrum"
    assert slot.performer == DOCTOR and slot.performer_name == "Anna Andersson"
    assert slot.start == dt.datetime(2027, 10, 31, 1, 30, tzinfo=SWEDISH_TIME)
    assert slot.start is not None and slot.start.utcoffset() == dt.timedelta(hours=2)
    assert (slot.time_type_id, slot.time_type_name) == ("LAK30", "Läkarbesök 30 min")
    assert (slot.care_type_id, slot.channel, slot.slot_id) == ("VT01", ContactChannel.VIDEO, "s1")
    assert (booking.purpose, booking.reason) == ("Uppföljning", "Hosta")
    assert booking.cancel_allowed and booking.rebook_allowed and not booking.is_invitation


def test_invitations_past_times_and_cancelled_appointments() -> None:
    open_invitation = _appointment(status="proposed")
    for key in ("start", "end", "slot"):
        del open_invitation[key]
    invitation = mapping.appointment_to_booking(Appointment.model_validate(open_invitation), now=NOW)
    assert invitation is not None and invitation.is_invitation and invitation.slot.is_open
    assert (
        invitation.status is BookingStatus.PRELIMINARY and invitation.cancel_allowed and not invitation.rebook_allowed
    )
    late = mapping.appointment_to_booking(
        Appointment.model_validate(_appointment()), now=dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    )
    assert late is not None and not late.cancel_allowed and not late.rebook_allowed
    assert mapping.appointment_to_booking(Appointment.model_validate(_appointment(status="cancelled")), now=NOW) is None


def test_participants_without_identifiers_take_what_the_caller_knows() -> None:
    bare = _appointment()
    for participant in bare["participant"]:
        participant["actor"].pop("identifier")
    appointment = Appointment.model_validate(bare)
    assert mapping.appointment_to_booking(appointment, now=NOW) is None
    unit = CareUnit(hsa_id=UNIT, name="VC")
    booking = mapping.appointment_to_booking(appointment, now=NOW, citizen=CITIZEN, care_unit=unit)
    assert booking is not None and booking.citizen == CITIZEN and booking.slot.care_unit == UNIT
    assert booking.slot.performer is None


def _slot_and_view() -> tuple[Slot, mapping.ScheduleView]:
    schedule = Schedule.model_validate(
        {
            "resourceType": "Schedule",
            "id": "sch1",
            "serviceType": [{"coding": [{"code": "LAK30", "display": "Läkarbesök 30 min"}]}],
            "serviceCategory": [{"coding": [{"code": "VT01", "display": "Allmänmedicin"}]}],
            "actor": [
                {"reference": "Practitioner/d1", "display": "A A"},
                {"reference": "Location/l1", "display": "VC"},
            ],
        }
    )
    practitioner = Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": "d1",
            "identifier": [{"system": mapping.HSA_ID_SYSTEM, "value": DOCTOR}],
            "name": [{"family": "Andersson", "given": ["Anna"]}],
            "qualification": [{"code": {"text": "Läkare"}}],
        }
    )
    location = Location.model_validate(
        {
            "resourceType": "Location",
            "id": "l1",
            "identifier": [{"system": mapping.HSA_ID_SYSTEM, "value": UNIT}],
            "name": "VC",
        }
    )
    view = mapping.schedule_view(schedule, {"Practitioner/d1": practitioner}, {"Location/l1": location})
    slot = Slot.model_validate(
        {
            "resourceType": "Slot",
            "id": "s2",
            "schedule": {"reference": "Schedule/sch1"},
            "status": "free",
            "start": "2027-03-28T01:30:00+01:00",
            "end": "2027-03-28T03:00:00+02:00",
            "appointmentType": {"coding": [{"system": mapping.CHANNEL_SYSTEM, "code": "PHONE"}]},
        }
    )
    return slot, view


def test_a_slot_becomes_a_timeslot_of_its_schedule() -> None:
    slot, view = _slot_and_view()
    assert view.performer is not None and view.performer.title == "Läkare"
    assert view.care_unit == CareUnit(hsa_id=UNIT, name="VC")
    timeslot = mapping.slot_to_timeslot(slot, view, view.care_unit)
    assert timeslot.performer == DOCTOR and timeslot.performer_name == "Anna Andersson"
    assert timeslot.time_type_id == "LAK30" and timeslot.care_type_id == "VT01"
    assert timeslot.channel is ContactChannel.PHONE and timeslot.slot_id == "s2"
    assert timeslot.end is not None and timeslot.start is not None
    # the night is an hour short: 30 minutes pass (Python subtracts same-zone datetimes as wall clocks)
    assert timeslot.end.astimezone(dt.UTC) - timeslot.start.astimezone(dt.UTC) == dt.timedelta(minutes=30)
    assert timeslot.end.utcoffset() == dt.timedelta(hours=2) and timeslot.start.utcoffset() == dt.timedelta(hours=1)


def test_the_booking_and_the_rebooking_bodies() -> None:
    slot, view = _slot_and_view()
    body = mapping.new_appointment(
        slot, view, patient_id="p1", citizen=CITIZEN, reason="Hosta", comment=None, identifier=("urn:req", "c1/s2")
    )
    assert body["status"] == "booked" and body["slot"] == [{"reference": "Slot/s2"}]
    assert (body["start"], body["end"]) == (slot.start, slot.end)
    kinds = [p["actor"]["reference"].split("/")[0] for p in body["participant"]]
    assert kinds == ["Patient", "Practitioner", "Location"]
    assert body["participant"][0]["actor"]["identifier"]["value"] == CITIZEN.value
    assert body["identifier"] == [{"system": "urn:req", "value": "c1/s2"}]
    moved = mapping.rebooked_appointment(_appointment(status="proposed"), slot, view, reason=None, comment="Tack")
    assert moved["status"] == "booked" and moved["slot"] == [{"reference": "Slot/s2"}] and "meta" not in moved
    assert moved["start"] == slot.start and moved["minutesDuration"] == 30 and moved["comment"] == "Tack"
    assert moved["extension"] == [{"url": "urn:region:own", "valueString": "kept"}]
    assert [p["actor"]["reference"] for p in moved["participant"]] == ["Patient/p1", "Practitioner/d1", "Location/l1"]
    cancelled = mapping.cancelled_appointment(_appointment(), "Förhinder")
    assert cancelled["status"] == "cancelled" and cancelled["cancelationReason"] == {"text": "Förhinder"}
    assert cancelled["extension"] and "meta" not in cancelled


def test_free_times_are_counted_per_day_performer_and_time_type() -> None:
    def at(day: int, hour: int, performer: str = DOCTOR, time_type: str = "LAK30") -> Timeslot:
        start = dt.datetime(2027, 10, day, hour, tzinfo=SWEDISH_TIME)
        return Timeslot(
            care_unit=UNIT,
            start=start,
            end=start + dt.timedelta(minutes=30),
            performer=HsaId(performer),
            time_type_id=time_type,
        )

    other = "SE2321000016-P010102"
    dates = mapping.aggregate_dates(
        [at(30, 9), at(31, 1), at(30, 10), at(30, 23), at(30, 9, other), at(30, 9, time_type="VIDLAK")]
    )
    assert [(d.date.day, d.performer, d.time_type_id, d.free_slots) for d in dates] == [
        (30, DOCTOR, "LAK30", 3),
        (30, DOCTOR, "VIDLAK", 1),
        (30, other, "LAK30", 1),
        (31, DOCTOR, "LAK30", 1),
    ]


# refusals -------------------------------------------------------------------------------------------


def _outcome(code: str, detail: str | None = None, text: str = "nej") -> OperationOutcome:
    details: dict[str, Any] = {"text": text}
    if detail:
        details["coding"] = [{"system": "urn:region:errors", "code": detail}]
    return OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "details": details}]}
    )


@pytest.mark.parametrize(
    ("status", "issue", "detail", "action", "error"),
    [
        (409, "conflict", "SLOT_NOT_FREE", Action.BOOK, ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED),
        (409, "duplicate", None, Action.REBOOK, ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED),
        (409, "conflict", "PATIENT_BUSY", Action.BOOK, ErrorCode.USER_IS_ALREADY_OCCUPIED),
        (422, "business-rule", "ALREADY_CANCELLED", Action.CANCEL, ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED),
        (422, "business-rule", "SLOT_IN_PAST", Action.BOOK, ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED),
        (422, "business-rule", "APPOINTMENT_IN_PAST", Action.CANCEL, ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT),
        (422, "business-rule", "APPOINTMENT_IN_PAST", Action.REBOOK, ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT),
        (422, "not-found", "SLOT_NOT_FOUND", Action.BOOK, ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE),
        (422, "business-rule", "INVALID_TRANSITION", Action.CANCEL, ErrorCode.CANCEL_IS_NOT_ALLOWED),
        (404, "not-found", None, Action.CANCEL, ErrorCode.APPOINTMENT_DOES_NOT_EXIST),
        (412, "conflict", "VERSION_CONFLICT", Action.REBOOK, ErrorCode.APPOINTMENT_IS_ALREADY_UPDATED),
    ],
)
def test_operation_outcomes_become_error_codes(
    status: int, issue: str, detail: str | None, action: Action, error: ErrorCode
) -> None:
    outcome = mapping.refusal(status, _outcome(issue, detail), action)
    assert outcome.code is ResultCode.ERROR and outcome.error is error and outcome.text


def test_an_unrecognised_refusal_keeps_the_regions_text_masked() -> None:
    outcome = mapping.refusal(422, _outcome("business-rule", text="199001019802 får inte boka"), Action.BOOK)
    assert outcome.code is ResultCode.ERROR and outcome.error is None
    assert outcome.text == "1990******** får inte boka"
