"""crm:scheduling 1.1 codec: what it writes validates against the official schemas, and what it
reads lands in the right domain fields."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from adapters.domain import (
    SWEDISH_TIME,
    AvailableDate,
    Booking,
    BookingOutcome,
    CareType,
    CareUnit,
    ErrorCode,
    Performer,
    ResultCode,
    Timeslot,
    TimeType,
)
from adapters.identifiers import HsaId, PersonalIdentity
from gateway.codec import crm11
from gateway.codec.xml import DecodeError
from tests.support.conformance import assert_valid, official_schema

CITIZEN = PersonalIdentity("191212121212")
UNIT = HsaId("SE2321000016-E0101")
START = dt.datetime(2026, 12, 1, 14, 0, tzinfo=SWEDISH_TIME)
SLOT = Timeslot(
    care_unit=UNIT,
    start=START,
    end=START + dt.timedelta(minutes=30),
    care_unit_name="Vårdcentral Solna",
    performer=HsaId("SE2321000016-P010100"),
    performer_name="Läkare Anna Andersson",
    time_type_id="LAK30",
    time_type_name="Läkarbesök 30 min",
    care_type_id="VT01",
    care_type_name="Allmänmedicin",
)
BOOKING = Booking("B1", CITIZEN, SLOT, purpose="Kontroll", cancel_allowed=True, rebook_allowed=True)
INVITATION = Booking(
    "K1", CITIZEN, Timeslot(care_unit=UNIT, start=None, end=None), purpose="Kallelse", is_invitation=True
)

G11 = "crm:scheduling:1"


def _validate(name: str, element: etree._Element) -> None:
    assert_valid(official_schema(G11, name), element)


@pytest.mark.parametrize(
    ("name", "element"),
    [
        ("GetSubjectOfCareSchedule", crm11.encode_schedule([BOOKING, BOOKING])),
        ("GetSubjectOfCareSchedule", crm11.encode_schedule([])),
        ("GetBookingDetails", crm11.encode_booking_details(BOOKING)),
        ("GetBookingDetails", crm11.encode_booking_details(INVITATION)),
        ("GetAvailableTimeslots", crm11.encode_timeslots([SLOT])),
        (
            "GetAvailableDates",
            crm11.encode_available_dates([AvailableDate(UNIT, START.date(), time_type_id="LAK30", free_slots=3)]),
        ),
        ("GetAllTimeTypes", crm11.encode_time_types([TimeType("LAK30", "Läkarbesök")])),
        ("GetAllCareTypes", crm11.encode_care_types([CareType("VT01", "Allmänmedicin")])),
        ("GetAllPerformers", crm11.encode_performers([Performer(HsaId("SE2321000016-P1"), "Anna", "Ek", "Läkare")])),
        ("GetAllHealthcareFacilities", crm11.encode_care_units([CareUnit(UNIT, "Vårdcentral Solna"), CareUnit(UNIT)])),
        ("MakeBooking", crm11.encode_outcome("MakeBooking", BookingOutcome(ResultCode.OK, booking_id="B9"))),
        (
            "MakeBooking",
            crm11.encode_outcome(
                "MakeBooking", BookingOutcome.refused(ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED, "Tiden är tagen.")
            ),
        ),
        ("UpdateBooking", crm11.encode_outcome("UpdateBooking", BookingOutcome(ResultCode.INFO, "Kom fastande"))),
        ("CancelBooking", crm11.encode_outcome("CancelBooking", BookingOutcome(ResultCode.OK))),
    ],
)
def test_responses_validate_against_the_official_schema(name: str, element: etree._Element) -> None:
    _validate(name, element)


def test_refused_booking_carries_no_booking_id() -> None:
    element = crm11.encode_outcome("MakeBooking", BookingOutcome.refused(None, "Nej"))
    assert element.find(f"{{{crm11.responder('MakeBooking')}}}bookingId") is None


def test_open_invitation_omits_times_and_flags_invitation() -> None:
    element = crm11.encode_booking_details(INVITATION)
    slot = element[0]
    assert slot.find(f"{{{crm11.CORE}}}startTimeInclusive") is None
    assert slot.findtext(f"{{{crm11.EXT}}}isInvitation") == "true"
    assert slot.findtext(f"{{{crm11.CORE}}}cancel_booking_allowed") == "false"


def _request(name: str, inner: str) -> etree._Element:
    ns = crm11.responder(name)
    xml = (
        f'<r:{name} xmlns:r="{ns}" xmlns:r11="{crm11.responder(name, extension=True)}" '
        f'xmlns:c="{crm11.CORE}" xmlns:c11="{crm11.EXT}">{inner}</r:{name}>'
    )
    element = etree.fromstring(xml)
    _validate(name, element)
    return element


def test_decodes_slot_query_with_extension_namespace() -> None:
    body = _request(
        "GetAvailableTimeslots",
        "<r:healthcare_facility>se2321000016-e0101</r:healthcare_facility><r:startDateInclusive>20261201"
        "</r:startDateInclusive><r:endDateInclusive>20261207</r:endDateInclusive>"
        "<r:performer>SE2321000016-P1</r:performer><r:performer>SE2321000016-P2</r:performer>"
        "<r:timeTypeID>LAK30</r:timeTypeID><r11:subject_of_care>191212121212</r11:subject_of_care>",
    )
    query = crm11.decode_slot_query(body, "GetAvailableTimeslots")
    assert query.care_unit == UNIT
    assert (query.start_date, query.end_date) == (dt.date(2026, 12, 1), dt.date(2026, 12, 7))
    assert query.performers == (HsaId("SE2321000016-P1"), HsaId("SE2321000016-P2"))
    assert query.time_type_id == "LAK30" and query.citizen == CITIZEN


def test_decodes_make_booking() -> None:
    body = _request(
        "MakeBooking",
        "<r:healthcare_facility_med>SE2321000016-E0101</r:healthcare_facility_med><r:requestedTimeslot>"
        "<c:startTimeInclusive>20261201140000</c:startTimeInclusive><c:endTimeExclusive>20261201143000"
        "</c:endTimeExclusive><c:healthcare_facility>SE2321000016-E0101</c:healthcare_facility>"
        "<c:bookingId>K1</c:bookingId><c:subject_of_care>191212121212</c:subject_of_care>"
        "<c:reason>Ont i ryggen</c:reason><c:timeTypeID>LAK30</c:timeTypeID></r:requestedTimeslot>"
        "<r:subject_of_care_info><c:phone>0701234567</c:phone><c11:firstName>Tolvan</c11:firstName>"
        "<c11:lastName>Tolvansson</c11:lastName></r:subject_of_care_info>",
    )
    request = crm11.decode_make_booking(body)
    assert request.slot.start == START and request.slot.time_type_id == "LAK30"
    assert request.booking_id == "K1" and request.reason == "Ont i ryggen" and request.citizen == CITIZEN
    assert request.details is not None and request.details.first_name == "Tolvan"
    assert request.details.phone == "0701234567"


@pytest.mark.parametrize(
    ("inner", "field"),
    [
        (
            "<r:healthcare_facility>SE2321000016-E0101</r:healthcare_facility>"
            "<r:subject_of_care>191212121213</r:subject_of_care>",
            "subject_of_care",
        ),
        (
            "<r:healthcare_facility>not-an-hsa-id</r:healthcare_facility>"
            "<r:subject_of_care>191212121212</r:subject_of_care>",
            "healthcare_facility",
        ),
        (
            "<r:healthcare_facility>SE2321000016-E0101</r:healthcare_facility>"
            "<r:subject_of_care>191213321212</r:subject_of_care>",
            "subject_of_care",
        ),
    ],
)
def test_meaningless_values_are_refused_with_the_field_named(inner: str, field: str) -> None:
    body = _request("GetSubjectOfCareSchedule", inner)
    with pytest.raises(DecodeError) as caught:
        crm11.decode_schedule_query(body)
    assert caught.value.field == field
    assert "191212121213" not in str(caught.value)


def test_end_before_start_is_refused() -> None:
    body = _request(
        "GetAvailableDates",
        "<r:healthcare_facility>SE2321000016-E0101</r:healthcare_facility><r:startDateInclusive>20261207"
        "</r:startDateInclusive><r:endDateInclusive>20261201</r:endDateInclusive>"
        "<r11:subject_of_care>191212121212</r11:subject_of_care>",
    )
    with pytest.raises(DecodeError):
        crm11.decode_slot_query(body, "GetAvailableDates")
