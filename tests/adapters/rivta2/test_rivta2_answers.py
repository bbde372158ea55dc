"""scheduling 2 answers → the domain. Every fixture answer validates against the 2.0 schemas first
(`response_element`), so the mapping is tested on messages a conforming producer could send."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.domain import SWEDISH_TIME, BookingStatus, ContactChannel, ErrorCode, ResultCode
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.rivta2 import answers
from adapters.rivta2.answers import CodeTables, UnreadableAnswer
from adapters.rivta2.result_texts import citizen_text
from adapters.rivta2.vocabulary import contact_channels
from tests.adapters.rivta2.answer_xml import (
    APPOINTMENT_ID,
    CITIZEN,
    SLOT_ID,
    UNIT,
    hsa,
    ok,
    practitioner,
    service,
    time_type,
    timeslot,
)
from tests.adapters.rivta2.rivta2_support import response_element

TABLES = CodeTables()


# ---------------------------------------------------------------- free times


def test_a_timeslot_becomes_a_domain_slot_with_the_producers_id() -> None:
    answer = response_element("GetAvailableTimeslots", f"<r:timeslot>{timeslot()}</r:timeslot>{ok()}")
    [slot] = answers.timeslots_from(answer, TABLES)
    assert slot.slot_id == SLOT_ID
    assert slot.care_unit == HsaId(UNIT)
    assert slot.start == dt.datetime(2026, 12, 1, 9, 30, tzinfo=SWEDISH_TIME)
    assert slot.end == dt.datetime(2026, 12, 1, 10, 0, tzinfo=SWEDISH_TIME)
    assert slot.performer == HsaId("SE2321000024-P030101")
    assert slot.performer_name == "Läkare Emma Larsson"
    assert slot.resource_name == "Rum 2"
    assert slot.time_type_id == "LAK30"
    assert slot.time_type_name == "Konsultation"
    assert (slot.care_type_id, slot.care_type_name) == ("11429006", "Konsultation")
    assert slot.channel is ContactChannel.VIDEO


def test_the_performer_is_the_first_practitioner_and_all_of_them_count_for_matching() -> None:
    both = practitioner("SE2321000024-P030101") + practitioner("SE2321000024-P030102", title=None)
    answer = response_element("GetAvailableTimeslots", f"<r:timeslot>{timeslot(practitioners=both)}</r:timeslot>{ok()}")
    [slot] = answers.timeslots_from(answer, TABLES)
    assert slot.performer == HsaId("SE2321000024-P030101")
    assert answers.slot_practitioners(answer) == {
        SLOT_ID: (HsaId("SE2321000024-P030101"), HsaId("SE2321000024-P030102"))
    }


def test_a_slot_without_end_time_ends_after_its_length_or_has_no_end() -> None:
    with_length = timeslot(end=None, length="20")
    without = timeslot(end=None, length=None, slot_id="4f323cb4-9a16-4a00-9eda-9efa4bbc377d", practitioners="")
    answer = response_element(
        "GetAvailableTimeslots", f"<r:timeslot>{with_length}</r:timeslot><r:timeslot>{without}</r:timeslot>{ok()}"
    )
    first, second = answers.timeslots_from(answer, TABLES)
    assert first.end == dt.datetime(2026, 12, 1, 9, 50, tzinfo=SWEDISH_TIME)
    assert second.end is None
    assert second.performer is None and second.performer_name is None


def test_time_type_names_come_from_the_region_then_the_service_then_its_information_then_the_code() -> None:
    kinds = [
        time_type("LAK30"),
        time_type("PROV", services=service("396550006", display=None, information="Provtagning")),
        time_type("KBT", services=""),
        time_type("SSK15"),
    ]
    inner = "".join(f"<r:timeType>{kind}</r:timeType>" for kind in kinds) + ok()
    answer = response_element("GetTimeTypes", inner)
    named = answers.time_types_from(answer, CodeTables(time_type_names={"SSK15": "Sjuksköterskebesök"}))
    assert [(t.time_type_id, t.name) for t in named] == [
        ("LAK30", "Konsultation"),
        ("PROV", "Provtagning"),
        ("KBT", "KBT"),
        ("SSK15", "Sjuksköterskebesök"),
    ]


def test_care_types_are_the_healthcare_services_each_once() -> None:
    kinds = [
        time_type("LAK30"),
        time_type("SSK15"),
        time_type("PROV", services=service("396550006", "Blodprov") + service("33879002", display=None)),
        time_type("KBT", services=""),
    ]
    answer = response_element("GetTimeTypes", "".join(f"<r:timeType>{k}</r:timeType>" for k in kinds) + ok())
    assert [(c.care_type_id, c.name) for c in answers.care_types_from(answer)] == [
        ("11429006", "Konsultation"),
        ("396550006", "Blodprov"),
        ("33879002", "33879002"),
    ]
    assert [c.care_type_id for c in answers.care_types_from(answer, ("PROV",))] == ["396550006", "33879002"]


def test_the_channel_comes_from_the_contact_code_table_and_unknown_codes_have_none() -> None:
    kinds = [time_type("A", contact="FYS"), time_type("B", contact="XYZ"), time_type("C", contact=None)]
    inner = "".join(
        f"<r:timeslot>{timeslot(slot_id=f'4f323cb4-9a16-4a00-9eda-9efa4bbc377{i}', kind=k)}</r:timeslot>"
        for i, k in enumerate(kinds)
    )
    answer = response_element("GetAvailableTimeslots", inner + ok())
    assert [s.channel for s in answers.timeslots_from(answer, TABLES)] == [ContactChannel.PHYSICAL, None, None]
    regional = CodeTables(contact_channels=contact_channels({"XYZ": "phone"}))
    assert [s.channel for s in answers.timeslots_from(answer, regional)][1] is ContactChannel.PHONE


def test_contact_channel_option_refuses_an_unknown_channel() -> None:
    with pytest.raises(ValueError, match="physical, video or phone"):
        contact_channels({"XYZ": "carrier pigeon"})


def test_available_dates_carry_the_count_of_free_times_and_the_addressed_unit() -> None:
    inner = (
        "<r:availableDate><c:date>20261201</c:date><c:noOfTimeslots>7</c:noOfTimeslots>"
        f"<c:timeType>{time_type()}</c:timeType>{practitioner()}</r:availableDate>"
        "<r:availableDate><c:date>20261202</c:date><c:noOfTimeslots>2</c:noOfTimeslots>"
        f"<c:timeType>{time_type('PROV', services='')}</c:timeType></r:availableDate>" + ok()
    )
    answer = response_element("GetAvailableDates", inner)
    first, second = answers.available_dates_from(answer, HsaId(UNIT), TABLES)
    assert (first.date, first.free_slots, first.performer) == (dt.date(2026, 12, 1), 7, HsaId("SE2321000024-P030101"))
    assert (first.care_unit, first.time_type_id, first.care_type_id) == (HsaId(UNIT), "LAK30", "11429006")
    assert (second.date, second.free_slots, second.performer, second.care_type_id) == (
        dt.date(2026, 12, 2),
        2,
        None,
        None,
    )


# ---------------------------------------------------------------- catalogue


def test_practitioners_and_facilities() -> None:
    answer = response_element("GetPractitioners", practitioner().replace("c:practitioner", "r:practitioner") + ok())
    [performer] = answers.practitioners_from(answer)
    assert (performer.hsa_id, performer.display_name) == (HsaId("SE2321000024-P030101"), "Läkare Emma Larsson")
    facilities = response_element(
        "GetHealthcareFacilities",
        f"<r:healthcareFacility>{hsa('HSAId', UNIT)}<c:name>VC Hälsan</c:name></r:healthcareFacility>"
        f"<r:healthcareFacility>{hsa('HSAId', 'SE2321000024-E0302')}</r:healthcareFacility>" + ok(),
    )
    assert [(u.hsa_id, u.name) for u in answers.facilities_from(facilities)] == [
        (HsaId(UNIT), "VC Hälsan"),
        (HsaId("SE2321000024-E0302"), None),
    ]


# ---------------------------------------------------------------- appointments


def appointment(
    status: str = "preliminary", rules: str = "", person_root: str = "1.2.752.129.2.1.3.1", person: str = CITIZEN
) -> str:
    return (
        f"<r:appointment><c:appointmentId>{APPOINTMENT_ID}</c:appointmentId>"
        f"<c:relatedAppointmentId>{SLOT_ID}</c:relatedAppointmentId>"
        f"<c:timeslot>{timeslot(kind=time_type(rules=rules))}</c:timeslot>"
        f"<c:personId><c:root>{person_root}</c:root><c:extension>{person}</c:extension></c:personId>"
        "<c:information><c:header>Tidsförslag</c:header><c:description>Bekräfta senast 1 dec.</c:description>"
        "</c:information>"
        "<c:information><c:header>Videomöte</c:header><c:link>https://video.example/x</c:link></c:information>"
        f"<c:status>{status}</c:status><c:newAppointmentReasonText>Ont i halsen</c:newAppointmentReasonText>"
        "</r:appointment>"
    )


def rule(kind: str, text: str) -> str:
    return (
        f"<c:appointmentRule><c:type>{kind}</c:type><c:reasonTextRequired>{text}</c:reasonTextRequired>"
        "<c:reasonCodeRequired>ReasonNotSupported</c:reasonCodeRequired></c:appointmentRule>"
    )


def test_an_appointment_becomes_a_booking() -> None:
    answer = response_element("GetAppointment", appointment(rules=rule("AVBOKNING", "Optional")) + ok())
    booking = answers.booking_from(answer, TABLES)
    assert booking is not None
    assert booking.booking_id == APPOINTMENT_ID
    assert booking.citizen == PersonalIdentity(CITIZEN)
    assert booking.status is BookingStatus.PRELIMINARY
    assert booking.slot.slot_id == SLOT_ID
    assert booking.reason == "Ont i halsen"
    assert booking.purpose == "Tidsförslag: Bekräfta senast 1 dec.\nVideomöte https://video.example/x"
    assert (booking.cancel_allowed, booking.rebook_allowed, booking.message_allowed) == (True, False, True)
    assert booking.is_invitation is False


def test_a_samordningsnummer_owner_is_read_from_its_own_root() -> None:
    answer = response_element(
        "GetAppointment", appointment(person_root="1.2.752.129.2.1.3.3", person="199001612390") + ok()
    )
    booking = answers.booking_from(answer, TABLES)
    assert booking is not None and booking.citizen.is_coordination_number


@pytest.mark.parametrize(
    ("rules", "allowed"),
    [
        (rule("AVBOKNING", "Mandatory"), True),
        (rule("AVBOKNING", "Optional"), True),
        (rule("AVBOKNING", "ReasonNotSupported"), False),
        (rule("NYBOKNING", "Mandatory"), False),
        ("", False),
    ],
)
def test_a_message_is_allowed_when_the_cancel_rule_takes_a_reason_text(rules: str, allowed: bool) -> None:
    answer = response_element("GetAppointment", appointment(status="confirmed", rules=rules) + ok())
    booking = answers.booking_from(answer, TABLES)
    assert booking is not None and booking.message_allowed is allowed
    assert booking.status is BookingStatus.CONFIRMED


def test_an_empty_appointment_answer_is_none() -> None:
    assert answers.booking_from(response_element("GetAppointment", ok()), TABLES) is None
    assert answers.booking_from(response_element("GetAppointment", ok("Bokningen är avbokad.", "INFO")), TABLES) is None


def test_appointment_ids_come_with_the_unit_that_holds_them() -> None:
    answer = response_element(
        "GetAppointments",
        f"<r:appointment><c:appointmentId>{APPOINTMENT_ID}</c:appointmentId>"
        f"{hsa('healthcareFacilityId', UNIT)}</r:appointment>",
    )
    assert answers.appointment_ids_from(answer) == [(APPOINTMENT_ID, HsaId(UNIT))]
    assert answers.result_of(answer).succeeded


# ---------------------------------------------------------------- outcomes


def test_ok_and_info_are_done_with_the_new_appointment_id() -> None:
    made = response_element("MakeAppointment", f"<r:appointmentId>{APPOINTMENT_ID}</r:appointmentId>{ok()}")
    outcome = answers.outcome_from(made)
    assert (outcome.code, outcome.booking_id, outcome.error, outcome.succeeded) == (
        ResultCode.OK,
        APPOINTMENT_ID,
        None,
        True,
    )
    info = answers.outcome_from(response_element("CancelAppointment", ok("Välkommen åter", "INFO")), booking_id="x")
    assert (info.code, info.text, info.booking_id) == (ResultCode.INFO, "Välkommen åter", "x")


def test_plain_error_is_a_refusal_without_a_code() -> None:
    outcome = answers.outcome_from(response_element("MakeAppointment", ok("Ange en anledning.", "ERROR")))
    assert (outcome.code, outcome.error, outcome.text) == (ResultCode.ERROR, None, "Ange en anledning.")
    bare = answers.outcome_from(response_element("MakeAppointment", ok(code="ERROR")))
    assert bare.text == citizen_text(None)


@pytest.mark.parametrize(
    ("interaction", "code"),
    [
        ("MakeAppointment", "REQUESTED_TIME_IS_ALREADY_RESERVED"),
        ("MakeAppointment", "USER_IS_ALREADY_OCCUPIED"),
        ("UpdateAppointment", "TOO_LATE_TO_UPDATE_APPOINTMENT"),
        ("CancelAppointment", "TOO_LATE_TO_CANCEL_APPOINTMENT"),
        ("CancelAppointment", "APPOINTMENT_IS_ALREADY_CANCELED"),
        ("ConfirmAppointment", "APPOINTMENT_IS_ALREADY_CONFIRMED"),
    ],
)
def test_a_specific_code_is_a_refusal_with_that_error_and_the_producers_or_our_text(
    interaction: str, code: str
) -> None:
    with_text = answers.outcome_from(response_element(interaction, ok("Producentens text", code)))
    assert (with_text.code, with_text.error, with_text.text) == (ResultCode.ERROR, ErrorCode[code], "Producentens text")
    without = answers.outcome_from(response_element(interaction, ok(code=code)))
    assert without.error is ErrorCode[code]
    assert without.text == citizen_text(ErrorCode[code])


# ---------------------------------------------------------------- unreadable answers


def test_unreadable_answers_say_what_is_wrong_without_quoting_personal_numbers() -> None:
    bad_person = response_element("GetAppointment", appointment().replace(CITIZEN, "191212121213") + ok())
    with pytest.raises(UnreadableAnswer, match="personId") as raised:
        answers.booking_from(bad_person, TABLES)
    assert "191212121213" not in str(raised.value)
    bad_slot = response_element(
        "GetAvailableTimeslots", f"<r:timeslot>{timeslot(start='20261201100000')}</r:timeslot>{ok()}"
    )
    with pytest.raises(UnreadableAnswer, match="ends before"):
        answers.timeslots_from(bad_slot, TABLES)
    bad_hsa = response_element(
        "GetHealthcareFacilities", f"<r:healthcareFacility>{hsa('HSAId', 'nope')}</r:healthcareFacility>{ok()}"
    )
    with pytest.raises(UnreadableAnswer, match="HSA-id"):
        answers.facilities_from(bad_hsa)


def test_an_unknown_result_code_is_unreadable() -> None:
    answer = response_element("MakeAppointment", ok(code="OK"))
    code = answer[0]
    code.text = "SOMETHING_NEW"
    with pytest.raises(UnreadableAnswer, match="resultCode"):
        answers.outcome_from(answer)
    del answer[0]
    with pytest.raises(UnreadableAnswer, match="lacks resultCode"):
        answers.outcome_from(answer)
