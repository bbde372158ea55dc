"""Kalendra ↔ domain mapping: times across the clocks' changes, catalogue, openings,
reservations, the outcome of each error code, and the idempotency key."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.domain import BookingStatus, CitizenDetails, ContactChannel, ErrorCode, ResultCode
from adapters.identifiers import HsaId
from adapters.kalendra import mapping, wire
from tests.adapters.kalendra.support import SWEDISH_TIME, citizen, last_sunday, next_clock_changes

CLINIC = wire.Clinic(
    id="cln_1", name="Vårdcentral Norr", external_ref=wire.ExternalRef(scheme="HSA", value="se2321000016-e0101")
)
LAB = wire.VisitKind(
    id="vk_lab",
    clinic_id="cln_1",
    name="Provtagning",
    category=wire.Category(key="lab-tests", label="Provtagning", external_code="VT02"),
    external_code="PROV",
    duration_minutes=10,
    mode="in_person",
    preparation="Kom fastande.",
    provider_ids=("prv_bma",),
)
VIDEO = wire.VisitKind(
    id="vk_video",
    clinic_id="cln_1",
    name="Videobesök läkare",
    category=wire.Category(key="general-practice", label="Allmänmedicin", external_code="VT01"),
    external_code="VIDLAK",
    duration_minutes=20,
    mode="video",
    provider_ids=("prv_doc",),
)
LOCAL_ONLY = wire.VisitKind(
    id="vk_local",
    clinic_id="cln_1",
    name="Hörselmätning",
    category=wire.Category(key="audiology", label="Hörsel"),
    duration_minutes=30,
    mode="phone",
    provider_ids=("prv_doc",),
)
DOCTOR = wire.Provider(
    id="prv_doc",
    clinic_id="cln_1",
    given_name="Anna",
    family_name="Andersson",
    title="Läkare",
    external_ref=wire.ExternalRef(scheme="HSA", value="SE2321000016-P010100"),
    visit_kind_ids=("vk_video", "vk_local"),
)
BMA = wire.Provider(
    id="prv_bma",
    clinic_id="cln_1",
    given_name="Per",
    family_name="Persson",
    external_ref=wire.ExternalRef(scheme="HSA", value="SE2321000016-P010101"),
    visit_kind_ids=("vk_lab",),
)
CATALOGUE = mapping.ClinicCatalogue(CLINIC, (LAB, VIDEO, LOCAL_ONLY), (DOCTOR, BMA))
CITIZEN = citizen("19121212", 121)


def opening(opening_id: str, starts: str, ends: str, kind: str = "vk_video", provider: str = "prv_doc") -> wire.Opening:
    return wire.Opening(
        id=opening_id,
        clinic_id="cln_1",
        provider_id=provider,
        visit_kind_id=kind,
        starts_at=starts,
        ends_at=ends,
        status="open",
    )


# ---------------------------------------------------------------------------- time


def test_the_dst_sundays_are_the_last_sundays_of_march_and_october() -> None:
    assert last_sunday(2027, 3) == dt.date(2027, 3, 28)
    assert last_sunday(2027, 10) == dt.date(2027, 10, 31)
    assert last_sunday(2026, 10) == dt.date(2026, 10, 25)
    assert next_clock_changes(dt.date(2026, 11, 23)) == (dt.date(2027, 3, 28), dt.date(2027, 10, 31))


def test_half_past_one_on_the_spring_forward_night_is_winter_time() -> None:
    local = mapping.from_utc("2027-03-28T00:30:00Z")
    assert (local.hour, local.minute, local.utcoffset()) == (1, 30, dt.timedelta(hours=1))
    after_the_jump = mapping.from_utc("2027-03-28T01:30:00Z")
    assert (after_the_jump.hour, after_the_jump.utcoffset()) == (3, dt.timedelta(hours=2))
    assert mapping.to_utc(dt.datetime(2027, 3, 28, 1, 30, tzinfo=SWEDISH_TIME)) == "2027-03-28T00:30:00Z"


def test_half_past_one_on_the_fall_back_night_is_summer_time_and_on_the_day_before_in_utc() -> None:
    local = mapping.from_utc("2027-10-30T23:30:00Z")
    assert (local.date(), local.hour, local.minute) == (dt.date(2027, 10, 31), 1, 30)
    assert local.utcoffset() == dt.timedelta(hours=2)
    assert mapping.to_utc(dt.datetime(2027, 10, 31, 1, 30, tzinfo=SWEDISH_TIME)) == "2027-10-30T23:30:00Z"


def test_the_hour_that_happens_twice_keeps_both_instants_apart() -> None:
    first = mapping.from_utc("2027-10-31T00:30:00Z")
    second = mapping.from_utc("2027-10-31T01:30:00Z")
    assert (first.hour, first.minute, first.fold) == (2, 30, 0)
    assert (second.hour, second.minute, second.fold) == (2, 30, 1)
    assert first.utcoffset() == dt.timedelta(hours=2) and second.utcoffset() == dt.timedelta(hours=1)
    assert mapping.to_utc(first) == "2027-10-31T00:30:00Z"
    assert mapping.to_utc(second) == "2027-10-31T01:30:00Z"
    assert mapping.to_utc(dt.datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=SWEDISH_TIME)) == "2027-10-31T01:30:00Z"


def test_naive_times_and_times_with_offsets_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        mapping.to_utc(dt.datetime(2027, 1, 1, 8, 0))
    with pytest.raises(ValueError, match="Z"):
        mapping.from_utc("2027-01-01T08:00:00+01:00")
    assert mapping.to_utc(dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))) == (
        "2027-01-01T03:00:00Z"
    )


def test_a_range_of_swedish_dates_runs_from_local_midnight_to_local_midnight() -> None:
    assert mapping.day_range(dt.date(2027, 1, 15), dt.date(2027, 1, 15)) == (
        "2027-01-14T23:00:00Z",
        "2027-01-15T23:00:00Z",
    )
    assert mapping.day_range(dt.date(2027, 7, 1), dt.date(2027, 7, 2)) == (
        "2027-06-30T22:00:00Z",
        "2027-07-02T22:00:00Z",
    )
    spring = mapping.day_range(dt.date(2027, 3, 28), dt.date(2027, 3, 28))
    autumn = mapping.day_range(dt.date(2027, 10, 31), dt.date(2027, 10, 31))
    assert spring == ("2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z")  # a 23-hour day
    assert autumn == ("2027-10-30T22:00:00Z", "2027-10-31T23:00:00Z")  # a 25-hour day


# ---------------------------------------------------------------------------- catalogue


def test_clinic_visit_kinds_and_providers_become_units_time_types_care_types_and_performers() -> None:
    assert mapping.care_unit(CLINIC).hsa_id == HsaId("SE2321000016-E0101")
    assert mapping.care_unit(CLINIC).name == "Vårdcentral Norr"
    assert mapping.time_type(LAB).time_type_id == "PROV" and mapping.time_type(LAB).name == "Provtagning"
    assert mapping.time_type(LOCAL_ONLY).time_type_id == "vk_local"  # no national code: Kalendra's own id
    assert mapping.care_type(LAB.category).care_type_id == "VT02"
    assert mapping.care_type(LOCAL_ONLY.category).care_type_id == "audiology"
    doctor = mapping.performer(DOCTOR)
    assert (doctor.hsa_id, doctor.display_name) == ("SE2321000016-P010100", "Läkare Anna Andersson")


def test_visit_kinds_match_time_types_care_types_names_and_performers() -> None:
    def ids(**filters: object) -> set[str]:
        return {kind.id for kind in CATALOGUE.visit_kinds_matching(**filters)}  # type: ignore[arg-type]

    assert ids() == {"vk_lab", "vk_video", "vk_local"}
    assert ids(time_type_ids=["PROV"]) == {"vk_lab"}
    assert ids(time_type_ids=["vk_local"]) == {"vk_local"}
    assert ids(care_type_ids=["VT01"]) == {"vk_video"}
    assert ids(time_type_name="videobesök LÄKARE") == {"vk_video"}
    assert ids(care_type_name="Hörsel") == {"vk_local"}
    assert ids(performers=["se2321000016-p010100"]) == {"vk_video", "vk_local"}
    assert ids(performers=["SE2321000016-NOBODY"]) == set()
    assert ids(time_type_ids=["PROV"], performers=["SE2321000016-P010100"]) == set()
    assert CATALOGUE.hsa_id == "SE2321000016-E0101"


# ---------------------------------------------------------------------------- openings, reservations


def test_an_opening_becomes_a_timeslot_in_swedish_time_with_its_id() -> None:
    slot = mapping.timeslot(opening("opn_1", "2027-03-28T00:30:00Z", "2027-03-28T01:30:00Z"), CATALOGUE)
    assert slot.slot_id == "opn_1"
    assert slot.care_unit == "SE2321000016-E0101" and slot.care_unit_name == "Vårdcentral Norr"
    assert slot.start == dt.datetime(2027, 3, 28, 1, 30, tzinfo=SWEDISH_TIME)
    assert slot.end is not None and (slot.end.hour, slot.end.utcoffset()) == (3, dt.timedelta(hours=2))
    assert (slot.performer, slot.performer_name) == ("SE2321000016-P010100", "Läkare Anna Andersson")
    assert (slot.time_type_id, slot.time_type_name) == ("VIDLAK", "Videobesök läkare")
    assert (slot.care_type_id, slot.care_type_name) == ("VT01", "Allmänmedicin")
    assert slot.channel is ContactChannel.VIDEO
    with pytest.raises(ValueError, match="does not list"):
        mapping.timeslot(opening("opn_2", "2027-01-01T08:00:00Z", "2027-01-01T08:20:00Z", kind="vk_gone"), CATALOGUE)


def test_a_reservation_becomes_a_booking_with_kalendras_policy() -> None:
    reservation = wire.Reservation(
        id="res_1",
        status="active",
        clinic_id="cln_1",
        opening=opening("opn_1", "2027-10-30T23:30:00Z", "2027-10-30T23:50:00Z"),
        patient=wire.Patient(id="pat_1", personal_number=CITIZEN.value),
        note="Hosta",
        policy=wire.ReservationPolicy(changeable_until="2027-10-29T23:30:00Z", can_cancel=True, can_reschedule=False),
    )
    booked = mapping.booking(reservation, CATALOGUE)
    assert (booked.booking_id, booked.citizen, booked.reason) == ("res_1", CITIZEN, "Hosta")
    assert booked.slot.start == dt.datetime(2027, 10, 31, 1, 30, tzinfo=SWEDISH_TIME)
    assert booked.status is BookingStatus.CONFIRMED and not booked.is_invitation
    assert (booked.cancel_allowed, booked.rebook_allowed, booked.message_allowed) == (True, False, True)


def test_available_dates_count_openings_per_swedish_date_performer_and_time_type() -> None:
    slots = [
        mapping.timeslot(o, CATALOGUE)
        for o in (
            opening("a", "2027-10-30T21:30:00Z", "2027-10-30T21:50:00Z"),  # 23:30 on the 30th
            opening("b", "2027-10-30T22:30:00Z", "2027-10-30T22:50:00Z"),  # 00:30 on the 31st
            opening("c", "2027-10-31T00:30:00Z", "2027-10-31T00:50:00Z"),  # 02:30 (summer time) on the 31st
            opening("d", "2027-10-31T01:30:00Z", "2027-10-31T01:50:00Z"),  # 02:30 (winter time) on the 31st
            opening("e", "2027-10-31T08:00:00Z", "2027-10-31T08:10:00Z", kind="vk_lab", provider="prv_bma"),
        )
    ]
    dates = mapping.available_dates(slots)
    assert [(d.date, d.performer, d.time_type_id, d.free_slots) for d in dates] == [
        (dt.date(2027, 10, 30), "SE2321000016-P010100", "VIDLAK", 1),
        (dt.date(2027, 10, 31), "SE2321000016-P010100", "VIDLAK", 3),
        (dt.date(2027, 10, 31), "SE2321000016-P010101", "PROV", 1),
    ]
    assert all(d.care_unit == "SE2321000016-E0101" for d in dates)
    assert dates[2].care_type_id == "VT02" and dates[2].time_type_name == "Provtagning"


# ---------------------------------------------------------------------------- writes


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("OPENING_TAKEN", ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED),
        ("CANCELLATION_WINDOW_CLOSED", ErrorCode.TOO_LATE_TO_CANCEL_APPOINTMENT),
        ("RESERVATION_NOT_FOUND", ErrorCode.APPOINTMENT_DOES_NOT_EXIST),
        ("RESERVATION_ALREADY_CANCELLED", ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED),
        ("OPENING_IN_PAST", ErrorCode.REQUESTED_TIME_HAS_ALREADY_PASSED),
        ("OPENING_NOT_FOUND", ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE),
        ("RESCHEDULE_WINDOW_CLOSED", ErrorCode.TOO_LATE_TO_UPDATE_APPOINTMENT),
        ("PATIENT_DOUBLE_BOOKED", ErrorCode.USER_IS_ALREADY_OCCUPIED),
        ("CLINIC_MISMATCH", ErrorCode.UPDATE_APPOINTMENT_IS_NOT_ALLOWED),
        ("IDEMPOTENCY_KEY_REUSED", ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED),
    ],
)
def test_each_kalendra_refusal_is_an_error_outcome_with_a_swedish_text(code: str, error: ErrorCode) -> None:
    outcome = mapping.outcome_for_refusal(code)
    assert outcome is not None
    assert (outcome.code, outcome.error, outcome.succeeded) == (ResultCode.ERROR, error, False)
    assert outcome.text and outcome.text.endswith(".")


def test_technical_codes_are_not_refusals() -> None:
    for code in ("VALIDATION_FAILED", "UNAUTHORIZED", "CLINIC_NOT_FOUND", "SOMETHING_NEW"):
        assert mapping.outcome_for_refusal(code) is None


def test_the_idempotency_key_is_stable_specific_and_hides_the_personal_number() -> None:
    key = mapping.derive_idempotency_key(CITIZEN, "opn_1", "LAK30")
    assert key == mapping.derive_idempotency_key(CITIZEN, "opn_1", "LAK30")
    others = {
        mapping.derive_idempotency_key(citizen("19900101", 982), "opn_1", "LAK30"),
        mapping.derive_idempotency_key(CITIZEN, "opn_2", "LAK30"),
        mapping.derive_idempotency_key(CITIZEN, "opn_1", "SSK15"),
        mapping.derive_idempotency_key(CITIZEN, "opn_1", None),
    }
    assert key not in others and len(others) == 4
    assert CITIZEN.value not in key and CITIZEN.value[:8] not in key
    assert key.isascii() and key.isprintable() and len(key) <= 255


def test_the_patient_body_carries_what_the_citizen_gave() -> None:
    assert mapping.patient_body(CITIZEN, None) == {"personal_number": CITIZEN.value}
    details = CitizenDetails(first_name="Tolvan", middle_name="Mellan", last_name="Tolvansson", phone="070-1234567")
    assert mapping.patient_body(CITIZEN, details) == {
        "personal_number": CITIZEN.value,
        "given_name": "Tolvan Mellan",
        "family_name": "Tolvansson",
        "phone": "070-1234567",
    }
