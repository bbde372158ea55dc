"""Domain ↔ crm:scheduling 1.1 messages: what the adapter sends validates against the official
schemas, optional elements are omitted, times are Swedish local time, answers become domain objects."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from zeep import AsyncClient, Settings
from zeep.transports import AsyncTransport

from adapters.domain import (
    Actor,
    ActorRole,
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    CitizenDetails,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.rivta import mapping
from contracts.catalogue import Generation, by_name
from contracts.soap import parse_envelope
from tests.adapters.rivta.rivta_support import (
    CITIZEN,
    CRM_INTERACTIONS,
    OTHER_CITIZEN,
    PERFORMER,
    UNIT,
    assert_request_conforms,
    envelope,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = dt.UTC
citizen = PersonalIdentity(CITIZEN)
unit = HsaId(UNIT)
ctx = RequestContext(logical_address=UNIT, actor=Actor(CITIZEN, ActorRole.CITIZEN))


@cache
def _client(name: str) -> AsyncClient:
    wsdl = by_name(Generation.CRM_SCHEDULING_1, name).wsdl_file
    transport = AsyncTransport()  # type: ignore[no-untyped-call]
    settings = Settings(strict=True, forbid_dtd=True)
    return AsyncClient(str(wsdl), transport=transport, settings=settings)  # type: ignore[no-untyped-call]


def render(name: str, body: dict[str, Any], context: RequestContext = ctx) -> bytes:
    """The envelope zeep builds from a mapped request, as the adapter would send it."""
    client = _client(name)
    headers = mapping.soap_headers(context)
    message = client.create_message(client.service, name, **body, _soapheaders=headers)  # type: ignore[no-untyped-call]
    result: bytes = etree.tostring(message)
    return result


def answer(name: str, body: str) -> mapping.Answer:
    """A response body as the adapter reads it (the schema check before it is the adapter's test)."""
    parsed = parse_envelope(envelope(body))
    assert etree.QName(parsed.body).localname == f"{name}Response"
    return mapping.Answer(parsed.body)


def slot(**changes: Any) -> Timeslot:
    values: dict[str, Any] = {
        "care_unit": unit,
        "start": dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        "end": dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        "performer": HsaId(PERFORMER),
        "time_type_id": "TT1",
        "time_type_name": "Provtagning",
    }
    values.update(changes)
    return Timeslot(**values)


DETAILS = CitizenDetails(first_name="Tolvan", last_name="Tolvansson", phone="0701234567")
FULL_SEARCH = SlotQuery(
    care_unit=unit,
    start_date=dt.date(2026, 12, 1),
    end_date=dt.date(2026, 12, 7),
    citizen=citizen,
    booking_id="B1",
    performers=(HsaId(PERFORMER),),
    time_type_id="TT1",
    time_type_name="Provtagning",
    care_type_id="CT1",
    care_type_name="Vaccinering",
)
FULL_CATALOGUE = CatalogueQuery(
    care_unit=unit,
    citizen=citizen,
    time_type_ids=("TT1", "TT2"),
    care_type_ids=("CT1",),
    performers=(HsaId(PERFORMER),),
    booking_id="B1",
)


def every_request() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("GetAllTimeTypes", mapping.time_types_request(FULL_CATALOGUE, citizen)),
        ("GetAllCareTypes", mapping.care_types_request(FULL_CATALOGUE, citizen)),
        ("GetAllPerformers", mapping.performers_request(FULL_CATALOGUE, citizen)),
        ("GetAllHealthcareFacilities", mapping.care_units_request(FULL_CATALOGUE, citizen)),
        ("GetAvailableDates", mapping.slot_search_request(FULL_SEARCH, citizen)),
        ("GetAvailableTimeslots", mapping.slot_search_request(FULL_SEARCH, citizen)),
        ("GetSubjectOfCareSchedule", mapping.schedule_request(unit, citizen)),
        ("GetBookingDetails", mapping.booking_details_request(unit, "B1")),
        (
            "MakeBooking",
            mapping.make_booking_request(
                BookingRequest(
                    care_unit_med=unit,
                    slot=slot(care_unit_name="Vårdcentralen", resource_id="R1", resource_name="Rum 1"),
                    citizen=citizen,
                    details=CitizenDetails("Tolvan", "Tolvansson", "Mellan", "0701", "t@example.se", "Gatan 1", "c/o"),
                    booking_id="INV1",
                    reason="Ont i halsen",
                    notification="sms",
                )
            ),
        ),
        (
            "UpdateBooking",
            mapping.update_booking_request(
                RebookRequest(booking_id="B1", slot=slot(), citizen=citizen, details=DETAILS, reason="Krockar")
            ),
        ),
        (
            "CancelBooking",
            mapping.cancel_booking_request(CancelRequest(unit, "B1", citizen, message="Förhindrad")),
        ),
    ]


def test_every_interaction_has_a_request_builder() -> None:
    assert {name for name, _ in every_request()} == {i.name for i in CRM_INTERACTIONS}


@pytest.mark.parametrize(("name", "body"), every_request(), ids=[name for name, _ in every_request()])
def test_every_request_validates_against_the_official_schemas(name: str, body: dict[str, Any]) -> None:
    assert assert_request_conforms(render(name, body)) == name


def test_minimal_requests_validate_and_carry_no_empty_elements() -> None:
    bare_catalogue = CatalogueQuery(care_unit=unit)
    bare_search = SlotQuery(care_unit=unit, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 1))
    requests = [
        ("GetAllTimeTypes", mapping.time_types_request(bare_catalogue, citizen)),
        ("GetAllCareTypes", mapping.care_types_request(bare_catalogue, citizen)),
        ("GetAllPerformers", mapping.performers_request(bare_catalogue, citizen)),
        ("GetAllHealthcareFacilities", mapping.care_units_request(bare_catalogue, citizen)),
        ("GetAvailableTimeslots", mapping.slot_search_request(bare_search, citizen)),
        (
            "MakeBooking",
            mapping.make_booking_request(
                BookingRequest(
                    unit,
                    slot(performer=None, time_type_id=None, time_type_name=""),
                    citizen,
                    details=CitizenDetails("Tolvan", "Tolvansson", middle_name="", phone=""),
                )
            ),
        ),
        ("UpdateBooking", mapping.update_booking_request(RebookRequest("B1", slot(), citizen))),
        ("CancelBooking", mapping.cancel_booking_request(CancelRequest(unit, "B1", message=""))),
    ]
    for name, body in requests:
        sent = render(name, body)
        assert_request_conforms(sent)
        tree = etree.fromstring(sent)
        empty = [e.tag for e in tree.iter() if len(e) == 0 and not (e.text or "").strip()]
        assert empty == [], f"{name} sends empty elements {empty}"


def test_optional_values_are_omitted_not_sent_empty() -> None:
    body = mapping.make_booking_request(
        BookingRequest(unit, slot(performer=None), citizen, details=CitizenDetails("A", "B", middle_name=""))
    )
    assert "performer" not in body["requestedTimeslot"]
    assert "middleName" not in body["subject_of_care_info"]
    assert "notification" not in body
    assert "bookingId" not in body["requestedTimeslot"]


def test_subject_of_care_travels_in_the_1_1_extension_namespaces() -> None:
    catalogue = CatalogueQuery(care_unit=unit, care_type_ids=("CT1",))
    search = SlotQuery(care_unit=unit, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 2))
    cases = {
        "GetAvailableDates": mapping.slot_search_request(search, citizen),
        "GetAvailableTimeslots": mapping.slot_search_request(search, citizen),
        "GetAllTimeTypes": mapping.time_types_request(catalogue, citizen),
    }
    for name, body in cases.items():
        tree = etree.fromstring(render(name, body))
        ext = f"urn:riv:crm:scheduling:{name}Responder:1.1"
        assert tree.findtext(f".//{{{ext}}}subject_of_care") == CITIZEN
    tree = etree.fromstring(render("GetAllTimeTypes", cases["GetAllTimeTypes"]))
    assert tree.findtext(".//{urn:riv:crm:scheduling:GetAllTimeTypesResponder:1.1}careTypeIDs") == "CT1"
    # elsewhere subject_of_care is in the responder's own namespace
    tree = etree.fromstring(render("GetAllPerformers", mapping.performers_request(catalogue, citizen)))
    assert tree.findtext(".//{urn:riv:crm:scheduling:GetAllPerformersResponder:1}subject_of_care") == CITIZEN


def test_names_travel_in_the_1_1_core_extension_namespace() -> None:
    body = mapping.make_booking_request(BookingRequest(unit, slot(), citizen, details=DETAILS))
    tree = etree.fromstring(render("MakeBooking", body))
    assert tree.findtext(".//{urn:riv:crm:scheduling:1.1}firstName") == "Tolvan"
    assert tree.findtext(".//{urn:riv:crm:scheduling:1.1}lastName") == "Tolvansson"


@pytest.mark.parametrize(
    ("moment", "wire"),
    [
        (dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "20261201100000"),  # winter: UTC+1
        (dt.datetime(2026, 6, 1, 8, 0, tzinfo=UTC), "20260601100000"),  # summer: UTC+2
        (dt.datetime(2026, 12, 1, 10, 0, tzinfo=STOCKHOLM), "20261201100000"),
    ],
)
def test_times_are_sent_as_swedish_local_time(moment: dt.datetime, wire: str) -> None:
    body = mapping.make_booking_request(
        BookingRequest(unit, slot(start=moment, end=moment + dt.timedelta(minutes=30)), citizen, details=DETAILS)
    )
    assert body["requestedTimeslot"]["startTimeInclusive"] == wire


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        mapping.make_booking_request(
            BookingRequest(unit, slot(start=dt.datetime(2026, 12, 1, 10, 0)), citizen, details=DETAILS)
        )


def test_what_1_1_cannot_carry_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="first and last name"):
        mapping.make_booking_request(BookingRequest(unit, slot(), citizen))
    with pytest.raises(ValueError, match="start and end"):
        mapping.make_booking_request(BookingRequest(unit, slot(start=None, end=None), citizen, details=DETAILS))
    with pytest.raises(ValueError, match="ends before"):
        mapping.slot_search_request(
            SlotQuery(care_unit=unit, start_date=dt.date(2026, 12, 2), end_date=dt.date(2026, 12, 1)), citizen
        )


def test_the_subject_of_care_is_the_given_citizen_or_the_calling_citizen() -> None:
    assert mapping.subject_of_care(PersonalIdentity(OTHER_CITIZEN), ctx).value == OTHER_CITIZEN
    assert mapping.subject_of_care(None, ctx).value == CITIZEN
    staff = RequestContext(logical_address=UNIT, actor=Actor("SE2321000016-N001", ActorRole.STAFF))
    with pytest.raises(ValueError, match="subject of care"):
        mapping.subject_of_care(None, staff)


@pytest.mark.parametrize(
    ("role", "actor_type"),
    [
        (ActorRole.CITIZEN, "subject_of_care"),
        (ActorRole.STAFF, "subject_of_care_agent"),
        (ActorRole.GUARDIAN, "subject_of_care_agent"),
    ],
)
def test_actor_header(role: ActorRole, actor_type: str) -> None:
    headers = mapping.soap_headers(RequestContext(logical_address=UNIT, actor=Actor("x", role)))
    assert headers == {"LogicalAddress": UNIT, "actor": {"actorId": "x", "actorType": actor_type}}


def test_without_an_actor_only_the_logical_address_is_sent() -> None:
    context = RequestContext(logical_address=UNIT)
    assert mapping.soap_headers(context) == {"LogicalAddress": UNIT}
    sent = render("GetBookingDetails", mapping.booking_details_request(unit, "B1"), context)
    assert assert_request_conforms(sent) == "GetBookingDetails"


def test_platform_http_headers() -> None:
    context = RequestContext(
        logical_address=UNIT, consumer_id="SE165565594230-1000", correlation_id="c-1", extra_headers={"x-a": "1"}
    )
    assert mapping.http_headers(context) == {
        "x-rivta-original-serviceconsumer-hsaid": "SE165565594230-1000",
        "x-skltp-correlation-id": "c-1",
        "x-a": "1",
    }
    assert mapping.http_headers(RequestContext(logical_address=UNIT)) == {}


# ------------------------------------------------------------------- answers

C = 'xmlns:c="urn:riv:crm:scheduling:1" xmlns:e="urn:riv:crm:scheduling:1.1"'


def _timeslot(extra: str = "", times: bool = True) -> str:
    when = (
        "<c:startTimeInclusive>20261201100000</c:startTimeInclusive>"
        "<c:endTimeExclusive>20261201103000</c:endTimeExclusive>"
    )
    return f"{when if times else ''}<c:healthcare_facility>{UNIT.lower()}</c:healthcare_facility>{extra}"


def test_free_timeslots_become_aware_timeslots() -> None:
    body = (
        f'<r:GetAvailableTimeslotsResponse xmlns:r="urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1" {C}>'
        f"<r:timeslotDetail>{_timeslot()}<c:performer>{PERFORMER}</c:performer>"
        "<c:healthcare_facility_name>VC</c:healthcare_facility_name><c:performerName>Dr A B</c:performerName>"
        "<c:resourceID>R1</c:resourceID><c:timeTypeName>Provtagning</c:timeTypeName><c:timeTypeID>TT1</c:timeTypeID>"
        "</r:timeslotDetail>"
        f"<r:timeslotDetail>{_timeslot()}</r:timeslotDetail>"
        "</r:GetAvailableTimeslotsResponse>"
    )
    slots = mapping.timeslots_from(answer("GetAvailableTimeslots", body))
    assert len(slots) == 2
    first = slots[0]
    assert first.start == dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert first.start is not None and first.start.utcoffset() == dt.timedelta(hours=1)
    assert first.end == dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert first.care_unit == UNIT  # upper-cased: HSA-ids compare case-insensitively
    assert first.performer == PERFORMER
    assert (first.care_unit_name, first.performer_name, first.resource_id) == ("VC", "Dr A B", "R1")
    assert (first.time_type_id, first.time_type_name) == ("TT1", "Provtagning")
    assert slots[1].performer is None and slots[1].time_type_id is None


def test_no_free_times_is_an_empty_list() -> None:
    body = '<r:GetAvailableTimeslotsResponse xmlns:r="urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1"/>'
    assert mapping.timeslots_from(answer("GetAvailableTimeslots", body)) == []


def test_booking_details_with_flags_and_an_open_invitation() -> None:
    body = (
        f'<r:GetBookingDetailsResponse xmlns:r="urn:riv:crm:scheduling:GetBookingDetailsResponder:1" {C}>'
        f"<r:timeslotDetail>{_timeslot(times=False)}<c:bookingId>INV1</c:bookingId>"
        f"<c:subject_of_care>{CITIZEN}</c:subject_of_care><c:purpose>Kallelse</c:purpose>"
        "<c:cancel_booking_allowed>true</c:cancel_booking_allowed><c:rebooking_allowed>false</c:rebooking_allowed>"
        "<e:isInvitation>true</e:isInvitation></r:timeslotDetail></r:GetBookingDetailsResponse>"
    )
    booking = mapping.booking_details_from(answer("GetBookingDetails", body), "INV1")
    assert booking.booking_id == "INV1"
    assert booking.citizen == citizen
    assert booking.is_invitation and booking.slot.is_open
    assert booking.purpose == "Kallelse"
    assert booking.cancel_allowed and not booking.rebook_allowed
    assert not booking.message_allowed  # absent means false


def test_schedule_bookings_fall_back_to_the_requested_citizen() -> None:
    body = (
        f'<r:GetSubjectOfCareScheduleResponse xmlns:r="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1" {C}>'
        f"<r:timeslotDetail>{_timeslot()}<c:bookingId>B1</c:bookingId></r:timeslotDetail>"
        f"<r:timeslotDetail>{_timeslot()}<c:bookingId>B2</c:bookingId>"
        f"<c:subject_of_care>{CITIZEN}</c:subject_of_care><c:reason>Ont</c:reason></r:timeslotDetail>"
        "</r:GetSubjectOfCareScheduleResponse>"
    )
    bookings = mapping.bookings_from(answer("GetSubjectOfCareSchedule", body), citizen)
    assert [b.booking_id for b in bookings] == ["B1", "B2"]
    assert all(b.citizen == citizen for b in bookings)
    assert bookings[1].reason == "Ont"
    assert not bookings[0].is_invitation


def test_available_dates() -> None:
    ns = 'xmlns:r="urn:riv:crm:scheduling:GetAvailableDatesResponder:1"'
    body = (
        f"<r:GetAvailableDatesResponse {ns}><r:performerAvailabilityByDate>"
        f"<r:healthcare_facility>{UNIT}</r:healthcare_facility><r:performer>{PERFORMER}</r:performer>"
        "<r:date>20261201</r:date><r:timeTypeID>TT1</r:timeTypeID><r:careTypeID>CT1</r:careTypeID>"
        "</r:performerAvailabilityByDate></r:GetAvailableDatesResponse>"
    )
    (day,) = mapping.available_dates_from(answer("GetAvailableDates", body))
    assert day.date == dt.date(2026, 12, 1)
    assert (day.care_unit, day.performer, day.time_type_id, day.care_type_id) == (UNIT, PERFORMER, "TT1", "CT1")
    assert day.free_slots is None


def test_catalogue_answers_with_their_wire_names() -> None:
    time_types = answer(
        "GetAllTimeTypes",
        f'<r:GetAllTimeTypesResponse xmlns:r="urn:riv:crm:scheduling:GetAllTimeTypesResponder:1" {C}>'
        "<r:ListOfTimeTypes><c:timeTypeName>Provtagning</c:timeTypeName><c:timeTypeId>TT1</c:timeTypeId>"
        "</r:ListOfTimeTypes></r:GetAllTimeTypesResponse>",
    )
    assert [(t.time_type_id, t.name) for t in mapping.time_types_from(time_types)] == [("TT1", "Provtagning")]
    care_types = answer(
        "GetAllCareTypes",
        f'<r:GetAllCareTypesResponse xmlns:r="urn:riv:crm:scheduling:GetAllCareTypesResponder:1" {C}>'
        "<r:careTypes><c:careTypeName>Vaccinering</c:careTypeName><c:careTypeId>CT1</c:careTypeId>"
        "</r:careTypes></r:GetAllCareTypesResponse>",
    )
    assert [(t.care_type_id, t.name) for t in mapping.care_types_from(care_types)] == [("CT1", "Vaccinering")]
    performers = answer(
        "GetAllPerformers",
        f'<r:GetAllPerformersResponse xmlns:r="urn:riv:crm:scheduling:GetAllPerformersResponder:1" {C}>'
        f"<r:performerInfos><c:perfomer>{PERFORMER}</c:perfomer><c:firstName>Anna</c:firstName>"
        "<c:lastName>Berg</c:lastName><c:title>Dr</c:title></r:performerInfos></r:GetAllPerformersResponse>",
    )
    (performer,) = mapping.performers_from(performers)
    assert (performer.hsa_id, performer.display_name) == (PERFORMER, "Dr Anna Berg")
    units = answer(
        "GetAllHealthcareFacilities",
        f'<r:GetAllHealthcareFacilitiesResponse xmlns:r="urn:riv:crm:scheduling:GetAllHealthcareFacilitiesResponder:1"'
        f" {C}><r:healthcareFacilityInfos><c:healthcare_facility>{UNIT}</c:healthcare_facility>"
        "<c:healthcare_facility_name>VC Norr</c:healthcare_facility_name></r:healthcareFacilityInfos>"
        f"<r:healthcareFacilityInfos><c:healthcare_facility>{UNIT}</c:healthcare_facility></r:healthcareFacilityInfos>"
        "</r:GetAllHealthcareFacilitiesResponse>",
    )
    assert [(u.hsa_id, u.name) for u in mapping.care_units_from(units)] == [(UNIT, "VC Norr"), (UNIT, None)]


@pytest.mark.parametrize(
    "detail",
    [
        "<c:startTimeInclusive>2026120110</c:startTimeInclusive><c:endTimeExclusive>20261201103000</c:endTimeExclusive>"
        f"<c:healthcare_facility>{UNIT}</c:healthcare_facility>",
        "<c:startTimeInclusive>20261201100000</c:startTimeInclusive>"
        f"<c:healthcare_facility>{UNIT}</c:healthcare_facility>",
        "<c:startTimeInclusive>20261201100000</c:startTimeInclusive><c:endTimeExclusive>20261201090000</c:endTimeExclusive>"
        f"<c:healthcare_facility>{UNIT}</c:healthcare_facility>",
        "<c:startTimeInclusive>20261201100000</c:startTimeInclusive><c:endTimeExclusive>20261201103000</c:endTimeExclusive>"
        "<c:healthcare_facility>vårdcentralen</c:healthcare_facility>",
        f"<c:healthcare_facility>{UNIT}</c:healthcare_facility><c:performer>dr-anna</c:performer>",
    ],
    ids=["bad-timestamp", "start-without-end", "end-before-start", "bad-unit", "bad-performer"],
)
def test_unreadable_timeslots(detail: str) -> None:
    body = (
        f'<r:GetAvailableTimeslotsResponse xmlns:r="urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1" {C}>'
        f"<r:timeslotDetail>{detail}</r:timeslotDetail></r:GetAvailableTimeslotsResponse>"
    )
    for _ in range(2):  # what was read is reused (unit ids, time stamps); a failed read never is
        with pytest.raises(mapping.UnreadableAnswer):
            mapping.timeslots_from(answer("GetAvailableTimeslots", body))


def test_the_same_answer_read_twice_gives_the_same_times() -> None:
    body = (
        f'<r:GetAvailableTimeslotsResponse xmlns:r="urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1" {C}>'
        f"<r:timeslotDetail>{_timeslot()}<!-- a comment is not a field --><c:timeTypeID> TT1 </c:timeTypeID>"
        "<c:resourceName>   </c:resourceName></r:timeslotDetail></r:GetAvailableTimeslotsResponse>"
    )
    first = mapping.timeslots_from(answer("GetAvailableTimeslots", body))
    again = mapping.timeslots_from(answer("GetAvailableTimeslots", body))
    assert first == again and len(first) == 1
    assert (first[0].time_type_id, first[0].resource_name) == ("TT1", None)  # stripped; blank is absent


def test_a_booking_without_id_or_with_an_invalid_citizen_is_unreadable() -> None:
    def details(extra: str) -> mapping.Answer:
        found = answer(
            "GetBookingDetails",
            f'<r:GetBookingDetailsResponse xmlns:r="urn:riv:crm:scheduling:GetBookingDetailsResponder:1" {C}>'
            f"<r:timeslotDetail>{_timeslot()}{extra}</r:timeslotDetail></r:GetBookingDetailsResponse>",
        ).one("timeslotDetail")
        assert found is not None
        return found

    with pytest.raises(mapping.UnreadableAnswer, match="bookingId"):
        mapping.booking_from(details(f"<c:subject_of_care>{CITIZEN}</c:subject_of_care>"))
    with pytest.raises(mapping.UnreadableAnswer, match="subject_of_care") as caught:
        mapping.booking_from(
            details("<c:bookingId>B1</c:bookingId><c:subject_of_care>191212121213</c:subject_of_care>")
        )
    assert "191212121213" not in str(caught.value)
    with pytest.raises(mapping.UnreadableAnswer, match="subject_of_care"):
        mapping.booking_from(details("<c:bookingId>B1</c:bookingId>"))


def _outcome(name: str, inner: str, **kwargs: Any) -> Any:
    ns = f'xmlns:r="urn:riv:crm:scheduling:{name}Responder:1"'
    return mapping.outcome_from(answer(name, f"<r:{name}Response {ns}>{inner}</r:{name}Response>"), name, **kwargs)


def test_outcomes() -> None:
    booked = _outcome(
        "MakeBooking",
        "<r:bookingId>B9</r:bookingId><r:resultCode>INFO</r:resultCode><r:resultText>Kom fastande</r:resultText>",
    )
    assert (booked.code, booked.booking_id, booked.text, booked.error) == (ResultCode.INFO, "B9", "Kom fastande", None)
    assert booked.succeeded
    taken = _outcome(
        "MakeBooking",
        "<r:resultCode>ERROR</r:resultCode><r:resultText>Tiden har blivit upptagen av annan patient</r:resultText>",
    )
    assert not taken.succeeded
    assert taken.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED
    assert taken.text == "Tiden har blivit upptagen av annan patient"
    unknown = _outcome("CancelBooking", "<r:resultCode>ERROR</r:resultCode><r:resultText>Ring oss</r:resultText>")
    assert (unknown.code, unknown.error) == (ResultCode.ERROR, None)
    moved = _outcome("UpdateBooking", "<r:resultCode>OK</r:resultCode>", booking_id="B1")
    assert (moved.code, moved.booking_id, moved.text) == (ResultCode.OK, "B1", None)


def test_an_unknown_result_code_is_unreadable() -> None:
    with pytest.raises(mapping.UnreadableAnswer, match="resultCode"):
        _outcome("CancelBooking", "<r:resultCode>MAYBE</r:resultCode>")
