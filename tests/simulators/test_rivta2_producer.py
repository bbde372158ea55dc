"""The upgraded region (scheduling 2 producer): every interaction, every answer validated against
our schemas and, where they are public, the official ones; each specific result code; the confirm
flow; one winner when two citizens race for a time; reproducible seed; one run on real uvicorn."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from contracts.catalogue import Generation, all_interactions, by_name
from contracts.schemas import schema_for
from contracts.soap import SOAP_ENV_NS, parse_envelope, parse_fault
from contracts.timeformat import SWEDISH_TIME, format_timestamp
from simulators.rivta2_producer import Producer2Config, create_app
from simulators.rivta2_producer.store import SeedMismatch
from tests.contracts.scheduling2_samples import CORE_NS, actor_xml, person_xml, responder_ns
from tests.support.conformance import CONFORMANCE, assert_valid, official_schema
from tests.support.servers import serve_in_thread

GEN2 = Generation.SCHEDULING_2
OFFICIAL_XSDS = {"CancelAppointment", "GetAvailableTimeslots", "GetTimeTypes", "UpdateAppointment"}
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SWEDISH_TIME)  # a Monday morning
STAFF_HSA = "SE2321000024-S0001"
C = f"{{{CORE_NS}}}"


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def to(self, moment: dt.datetime) -> None:
        self.now = moment


def envelope(name: str, inner: str, address: str | None) -> bytes:
    header = (
        f'<soap:Header><itr:LogicalAddress xmlns:itr="urn:riv:itintegration:registry:1">{address}'
        "</itr:LogicalAddress></soap:Header>"
        if address is not None
        else ""
    )
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}">{header}<soap:Body>'
        f'<r:{name} xmlns:r="{responder_ns(name)}" xmlns:c="{CORE_NS}">{inner}</r:{name}>'
        "</soap:Body></soap:Envelope>"
    ).encode()


def ts(moment: dt.datetime) -> str:
    return format_timestamp(moment)


def parse_ts(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=SWEDISH_TIME)


@dataclass
class Answer:
    name: str
    body: etree._Element

    def text(self, name: str) -> str | None:
        found = self.body.find(f"{{{responder_ns(self.name)}}}{name}")
        return None if found is None else found.text

    def all(self, name: str) -> list[etree._Element]:
        return self.body.findall(f"{{{responder_ns(self.name)}}}{name}")

    @property
    def result_code(self) -> str | None:
        return self.text("resultCode")


@dataclass
class Region:
    """One simulated region under test, spoken to over SOAP through its ASGI app."""

    client: httpx.AsyncClient
    clock: Clock
    seed: dict[str, Any]
    app: Any
    calls: list[str] = field(default_factory=list)

    @property
    def centre(self) -> str:  # the vårdcentral
        return str(self.seed["care_units"][0]["hsa_id"])

    @property
    def child_centre(self) -> str:  # the barnavårdscentral
        return str(self.seed["care_units"][1]["hsa_id"])

    def citizen(self, index: int) -> str:
        return str(self.seed["citizens"][index]["person_id"])

    def appointments_of(self, index: int) -> list[dict[str, Any]]:
        person = self.citizen(index)
        return [a for a in self.seed["appointments"] if a["person_id"] == person]

    async def raw(self, name: str, inner: str, address: str | None, *, path: str | None = None) -> httpx.Response:
        interaction = by_name(GEN2, name)
        return await self.client.post(
            path or interaction.path,
            content=envelope(name, inner, address),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{interaction.soap_action}"'},
        )

    async def call(self, name: str, inner: str = "", address: str | None = None) -> Answer:
        """Call `name`; the answer must be a valid `<name>Response` (ours and official schemas)."""
        response = await self.raw(name, inner, self.centre if address is None else address)
        body = parse_envelope(response.content).body
        fault = parse_fault(body)
        assert fault is None, f"{name}: unexpected fault {fault}"
        assert response.status_code == 200
        check_response(name, body)
        self.calls.append(name)
        return Answer(name, body)

    async def fault(self, name: str, inner: str = "", address: str | None = None, **kwargs: Any) -> tuple[str, str]:
        response = await self.raw(name, inner, address, **kwargs)
        assert response.status_code == 500
        fault = parse_fault(parse_envelope(response.content).body)
        assert fault is not None
        return fault.code, fault.detail or ""

    # -- the requests of a citizen --------------------------------------------------------------

    async def slots(
        self,
        *,
        time_type: str | None = None,
        days: int = 14,
        first: dt.date | None = None,
        address: str | None = None,
        person: str | None = None,
        extra: str = "",
    ) -> list[dict[str, str]]:
        first = first or self.clock.now.date()
        inner = (
            (actor_xml(person) + person_xml(person) if person else "")
            + f"<r:startDateInclusive>{first:%Y%m%d}</r:startDateInclusive>"
            + f"<r:endDateInclusive>{first + dt.timedelta(days=days):%Y%m%d}</r:endDateInclusive>"
            + (f"<r:timeTypeCode>{time_type}</r:timeTypeCode>" if time_type else "")
            + extra
        )
        answer = await self.call("GetAvailableTimeslots", inner, address)
        assert answer.result_code in {"OK", "INFO"}
        return [
            {
                "id": slot.findtext(f"{C}timeslotId") or "",
                "start": slot.findtext(f"{C}startTime") or "",
                "end": slot.findtext(f"{C}endTime") or "",
                "time_type": slot.findtext(f"{C}timeType/{C}code") or "",
                "practitioner": slot.findtext(f"{C}practitioner/{C}HSAId/{C}extension") or "",
                "unit": slot.findtext(f"{C}healthcareFacilityHSAId/{C}extension") or "",
            }
            for slot in answer.all("timeslot")
        ]

    async def make(
        self,
        person: str,
        slot_id: str,
        *,
        reason: str | None = "Ont i halsen",
        extra: str = "",
        address: str | None = None,
    ) -> Answer:
        inner = (
            actor_xml(person)
            + person_xml(person)
            + f"<r:timeslotId>{slot_id}</r:timeslotId>"
            + (f"<r:reasonText>{reason}</r:reasonText>" if reason else "")
            + extra
        )
        return await self.call("MakeAppointment", inner, address)

    async def update(self, person: str, original: str, slot_id: str, *, actor: str | None = None) -> Answer:
        inner = (
            actor_xml(actor or person)
            + f"<r:originalAppointmentId>{original}</r:originalAppointmentId>"
            + f"<r:timeslotId>{slot_id}</r:timeslotId>"
            + person_xml(person)
        )
        return await self.call("UpdateAppointment", inner)

    async def cancel(self, person: str, appointment_id: str, *, address: str | None = None, extra: str = "") -> Answer:
        inner = actor_xml(person) + f"<r:appointmentId>{appointment_id}</r:appointmentId>" + person_xml(person) + extra
        return await self.call("CancelAppointment", inner, address)

    async def confirm(self, person: str, appointment_id: str) -> Answer:
        inner = actor_xml(person) + f"<r:appointmentId>{appointment_id}</r:appointmentId>" + person_xml(person)
        return await self.call("ConfirmAppointment", inner)

    async def get(self, person: str, appointment_id: str, *, actor: str | None = None) -> Answer:
        inner = actor_xml(actor or person) + f"<r:appointmentId>{appointment_id}</r:appointmentId>" + person_xml(person)
        return await self.call("GetAppointment", inner)

    async def ids(self, person: str, *, address: str | None = None, extra: str = "") -> list[tuple[str, str]]:
        answer = await self.call("GetAppointments", actor_xml(person) + person_xml(person) + extra, address)
        return [
            (
                element.findtext(f"{C}appointmentId") or "",
                element.findtext(f"{C}healthcareFacilityId/{C}extension") or "",
            )
            for element in answer.all("appointment")
        ]


def check_response(name: str, body: etree._Element) -> None:
    interaction = by_name(GEN2, name)
    assert body.tag == interaction.response_qname
    assert_valid(schema_for(interaction), body)
    if name in OFFICIAL_XSDS and CONFORMANCE.is_dir():
        assert_valid(official_schema(GEN2.value, name), body)


def make_config(clock: Clock, **changes: Any) -> Producer2Config:
    return Producer2Config(**{"region_code": "03", "seed": 7, "clock": clock, **changes})


@asynccontextmanager
async def open_region(config: Producer2Config, clock: Clock) -> AsyncIterator[Region]:
    app = create_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://region03.test") as client:
        seed = (await client.get("/admin/seed")).json()
        yield Region(client, clock, seed, app)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def region(clock: Clock) -> AsyncIterator[Region]:
    async with open_region(make_config(clock), clock) as opened:
        yield opened


def seat_free_in(slots: list[dict[str, str]], slot_id: str) -> bool:
    return any(slot["id"] == slot_id for slot in slots)


# -- catalogue interactions ---------------------------------------------------------------------


async def test_get_time_types_shows_the_2_0_attributes(region: Region) -> None:
    answer = await region.call("GetTimeTypes")
    types = {t.findtext(f"{C}code"): t for t in answer.all("timeType")}
    assert answer.result_code == "OK"
    assert {"LAK30", "VIDLAK", "TELSSK", "KBT"} <= set(types), "without a person: every time type, protected ones too"
    assert types["KBT"].findtext(f"{C}hidden") == "true"
    assert types["KBT"].findtext(f"{C}cancelAppointmentAllowed") == "false"
    assert types["LAK30"].findtext(f"{C}hidden") == "false"
    assert types["VIDLAK"].findtext(f"{C}careContactCode/{C}displayName") == "Videomöte"
    assert types["TELSSK"].findtext(f"{C}careContactCode/{C}displayName") == "Telefonsamtal"
    rules = {r.findtext(f"{C}type"): r for r in types["LAK30"].findall(f"{C}appointmentRule")}
    assert set(rules) == {"NYBOKNING", "AVBOKNING", "OMBOKNING"}
    assert rules["NYBOKNING"].findtext(f"{C}reasonTextRequired") == "Mandatory"
    assert len(rules["AVBOKNING"].findall(f"{C}reasonCodes")) == 3

    group = await region.call("GetTimeTypes", address=region.child_centre)
    grpfor = next(t for t in group.all("timeType") if t.findtext(f"{C}code") == "GRPFOR")
    assert grpfor.findtext(f"{C}patientGroup") == "true"
    assert grpfor.findtext(f"{C}updateAppointmentAllowed") == "false"


async def test_protected_time_types_are_offered_only_to_referred_citizens(region: Region) -> None:
    stranger, referred = region.citizen(5), region.seed["referrals"][0]["person_id"]

    async def codes(person: str) -> set[str | None]:
        answer = await region.call("GetTimeTypes", actor_xml(person) + person_xml(person))
        return {t.findtext(f"{C}code") for t in answer.all("timeType")}

    assert "KBT" not in await codes(stranger)
    assert "KBT" in await codes(referred)


async def test_get_time_types_filters_on_practitioner_and_service(region: Region) -> None:
    nurse = next(p for p in region.seed["care_units"][0]["practitioners"] if p["title"] == "Sjuksköterska")
    practitioner = (
        f"<r:practitionerId><c:root>1.2.752.129.2.1.4.1</c:root><c:extension>{nurse['hsa_id']}</c:extension>"
        "</r:practitionerId>"
    )
    answer = await region.call("GetTimeTypes", practitioner)
    codes = {t.findtext(f"{C}code") for t in answer.all("timeType")}
    assert codes and codes <= {"SSK15", "TELSSK", "VACCIN"}
    vaccination = await region.call("GetTimeTypes", "<r:healthcareServiceCode>33879002</r:healthcareServiceCode>")
    assert [t.findtext(f"{C}code") for t in vaccination.all("timeType")] == ["VACCIN"]


async def test_get_practitioners_by_time_type(region: Region) -> None:
    answer = await region.call("GetPractitioners", "<r:timeTypeCode>LAK30</r:timeTypeCode>")
    titles = {p.findtext(f"{C}title") for p in answer.all("practitioner")}
    assert titles == {"Läkare"}
    staff = region.seed["care_units"][0]["practitioners"]
    everyone = await region.call("GetPractitioners")
    assert len(everyone.all("practitioner")) == len(staff) - 1, "the psychologist has only protected times"
    referred = region.seed["referrals"][0]["person_id"]
    for_referred = await region.call("GetPractitioners", actor_xml(referred) + person_xml(referred))
    assert len(for_referred.all("practitioner")) == len(staff)


async def test_get_healthcare_facilities_answers_for_the_region(region: Region) -> None:
    everyone = await region.call("GetHealthcareFacilities")
    assert len(everyone.all("healthcareFacility")) == 3
    group = await region.call("GetHealthcareFacilities", "<r:timeTypeCode>GRPFOR</r:timeTypeCode>")
    assert [f.findtext(f"{C}HSAId/{C}extension") for f in group.all("healthcareFacility")] == [region.child_centre]


async def test_get_healthcare_facility_is_the_addressed_unit(region: Region) -> None:
    answer = await region.call("GetHealthcareFacility", "", region.child_centre)
    facility = answer.all("healthcareFacility")[0]
    assert facility.findtext(f"{C}HSAId/{C}extension") == region.child_centre
    assert facility.findtext(f"{C}name", "").startswith("Barnavårdscentral")
    assert facility.findtext(f"{C}conditionToConfirm/{C}header") == "Villkor för bokning"
    code, detail = await region.fault("GetHealthcareFacility", "", region.seed["region"]["hsa_id"])
    assert (code, detail) == ("Client", "not-a-care-unit")


# -- free times ---------------------------------------------------------------------------------


async def test_available_timeslots_never_offer_passed_or_too_close_times(region: Region, clock: Clock) -> None:
    clock.to(START.replace(hour=11, minute=0))
    slots = await region.slots(days=0)
    assert slots, "the rest of the day has free times"
    assert all(parse_ts(s["start"]) > clock.now + dt.timedelta(minutes=30) for s in slots)
    assert {s["unit"] for s in slots} == {region.centre}


async def test_available_timeslots_filters(region: Region) -> None:
    video = await region.slots(extra="<r:careContactCode><c:code>VID</c:code><c:codeSystem/></r:careContactCode>")
    assert video and {s["time_type"] for s in video} == {"VIDLAK"}
    both = await region.slots(
        extra="<r:careContactCode><c:code>VID</c:code><c:codeSystem/></r:careContactCode>"
        "<r:careContactCode><c:code>TEL</c:code><c:codeSystem/></r:careContactCode>"
    )
    assert {s["time_type"] for s in both} == {"VIDLAK", "TELSSK"}
    unfiltered = {s["time_type"] for s in await region.slots()}
    assert "KBT" not in unfiltered, "protected times are not offered unasked"
    assert {s["time_type"] for s in await region.slots(time_type="KBT")} == {"KBT"}
    whole_region = await region.slots(address=region.seed["region"]["hsa_id"], days=7)
    assert {s["unit"] for s in whole_region} == {u["hsa_id"] for u in region.seed["care_units"]}
    code, detail = await region.fault(
        "GetAvailableTimeslots",
        "<r:startDateInclusive>20261124</r:startDateInclusive><r:endDateInclusive>20261125</r:endDateInclusive>"
        "<r:timeTypeCode>LAK30</r:timeTypeCode><r:healthcareServiceCode>11429006</r:healthcareServiceCode>",
        region.centre,
    )
    assert (code, detail) == ("Client", "time-type-and-service")


async def test_a_long_list_of_times_is_capped_with_info(region: Region) -> None:
    inner = "<r:startDateInclusive>20261123</r:startDateInclusive><r:endDateInclusive>20261207</r:endDateInclusive>"
    response = await region.raw("GetAvailableTimeslots", inner, region.centre)
    assert len(response.content) < 1_000_000
    answer = await region.call("GetAvailableTimeslots", inner)
    assert len(answer.all("timeslot")) == 400
    assert answer.result_code == "INFO" and "400" in (answer.text("resultText") or "")
    starts = [t.findtext(f"{C}startTime") or "" for t in answer.all("timeslot")]
    assert starts == sorted(starts), "the earliest times first"


async def test_available_dates_count_the_free_times(region: Region) -> None:
    first = START.date() + dt.timedelta(days=1)
    slots = await region.slots(time_type="SSK15", first=first, days=0)
    answer = await region.call(
        "GetAvailableDates",
        f"<r:startDateInclusive>{first:%Y%m%d}</r:startDateInclusive>"
        f"<r:endDateInclusive>{first:%Y%m%d}</r:endDateInclusive><r:timeTypeCode>SSK15</r:timeTypeCode>",
    )
    dates = answer.all("availableDate")
    assert dates and answer.result_code == "OK"
    assert sum(int(d.findtext(f"{C}noOfTimeslots") or 0) for d in dates) == len(slots)
    per_practitioner = {d.findtext(f"{C}practitioner/{C}HSAId/{C}extension") for d in dates}
    assert per_practitioner == {s["practitioner"] for s in slots}


# -- booking ------------------------------------------------------------------------------------


async def test_make_appointment_then_read_it_back(region: Region) -> None:
    person = region.citizen(5)
    slot = (await region.slots(time_type="LAK30"))[0]
    made = await region.make(person, slot["id"], reason="Feber sedan tre dagar")
    assert made.result_code == "OK"
    appointment_id = made.text("appointmentId")
    assert appointment_id

    answer = await region.get(person, appointment_id)
    appointment = answer.all("appointment")[0]
    assert appointment.findtext(f"{C}status") == "confirmed"
    assert appointment.findtext(f"{C}timeslot/{C}timeslotId") == slot["id"]
    assert appointment.findtext(f"{C}newAppointmentReasonText") == "Feber sedan tre dagar"
    assert appointment.findtext(f"{C}personId/{C}extension") == person
    assert (appointment_id, region.centre) in await region.ids(person)
    assert not seat_free_in(await region.slots(time_type="LAK30"), slot["id"])


async def test_make_appointment_answers_info_with_what_to_know(region: Region) -> None:
    slot = (await region.slots(time_type="PROV"))[0]
    made = await region.make(region.citizen(5), slot["id"], reason=None)
    assert made.result_code == "INFO"
    assert "fastande" in (made.text("resultText") or "")


async def test_video_appointment_carries_its_own_link(region: Region) -> None:
    video = next(a for a in region.appointments_of(1) if a["time_type_code"] == "VIDLAK")
    answer = await region.get(region.citizen(1), video["appointment_id"])
    appointment = answer.all("appointment")[0]
    assert appointment.findtext(f"{C}reference/{C}link", "").endswith(video["appointment_id"])


async def test_requested_time_is_already_reserved(region: Region) -> None:
    slot = (await region.slots(time_type="LAK30"))[0]
    assert (await region.make(region.citizen(4), slot["id"])).result_code == "OK"
    taken = await region.make(region.citizen(5), slot["id"])
    assert taken.result_code == "REQUESTED_TIME_IS_ALREADY_RESERVED"
    assert taken.text("appointmentId") is None
    assert taken.text("resultText")


async def test_double_booking_race_has_one_winner(region: Region) -> None:
    slot = (await region.slots(time_type="SSK15"))[0]
    people = [region.citizen(i) for i in range(6)]
    answers = await asyncio.gather(*(region.make(person, slot["id"]) for person in people))
    codes = sorted(a.result_code or "" for a in answers)
    assert codes.count("OK") == 1, codes
    assert set(codes) - {"OK"} <= {"REQUESTED_TIME_IS_ALREADY_RESERVED", "USER_IS_ALREADY_OCCUPIED"}
    assert codes.count("REQUESTED_TIME_IS_ALREADY_RESERVED") >= 4


async def test_group_session_has_places_and_no_seat_twice(region: Region) -> None:
    session = (await region.slots(time_type="GRPFOR", address=region.child_centre, days=10))[0]
    first, second = region.citizen(5), region.citizen(2)
    assert (await region.make(first, session["id"], address=region.child_centre)).result_code == "INFO"
    assert (await region.make(second, session["id"], address=region.child_centre)).result_code == "INFO"
    again = await region.make(first, session["id"], address=region.child_centre)
    assert again.result_code == "USER_IS_ALREADY_OCCUPIED"
    still = await region.slots(time_type="GRPFOR", address=region.child_centre, days=10)
    assert seat_free_in(still, session["id"]), "a group session stays bookable while it has places"


async def test_requested_time_has_already_passed(region: Region, clock: Clock) -> None:
    slot = (await region.slots(time_type="LAK30", days=0))[0]
    clock.to(parse_ts(slot["start"]) + dt.timedelta(minutes=1))
    answer = await region.make(region.citizen(5), slot["id"])
    assert answer.result_code == "REQUESTED_TIME_HAS_ALREADY_PASSED"


async def test_too_late_to_make_appointment(region: Region, clock: Clock) -> None:
    slot = (await region.slots(time_type="LAK30", days=0))[0]
    clock.to(parse_ts(slot["start"]) - dt.timedelta(minutes=10))
    assert (await region.make(region.citizen(5), slot["id"])).result_code == "TOO_LATE_TO_MAKE_APPOINTMENT"


async def test_unknown_time_is_no_longer_available(region: Region) -> None:
    answer = await region.make(region.citizen(5), "00000000-0000-4000-8000-000000000000")
    assert answer.result_code == "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE"
    elsewhere = (await region.slots(time_type="GRPFOR", address=region.child_centre, days=10))[0]
    assert (
        await region.make(region.citizen(5), elsewhere["id"])
    ).result_code == "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE"


async def test_user_is_already_occupied(region: Region) -> None:
    slots = await region.slots(time_type="LAK30", days=3)
    by_start: dict[str, list[dict[str, str]]] = {}
    for slot in slots:
        by_start.setdefault(slot["start"], []).append(slot)
    pair = next(group for group in by_start.values() if len(group) >= 2)
    person = region.citizen(5)
    assert (await region.make(person, pair[0]["id"])).result_code == "OK"
    assert (await region.make(person, pair[1]["id"])).result_code == "USER_IS_ALREADY_OCCUPIED"


async def test_protected_time_type_needs_a_referral(region: Region) -> None:
    slot = (await region.slots(time_type="KBT"))[0]
    refused = await region.make(region.citizen(5), slot["id"])
    assert refused.result_code == "APPOINTMENT_IS_NOT_ALLOWED"
    referred = region.seed["referrals"][0]["person_id"]
    assert (await region.make(referred, slot["id"])).result_code == "OK"


async def test_reason_rules_of_the_time_type(region: Region) -> None:
    person = region.citizen(5)
    doctor = (await region.slots(time_type="LAK30"))[0]
    missing = await region.make(person, doctor["id"], reason=None)
    assert (missing.result_code, missing.text("resultText")) == ("ERROR", "Ange en anledning.")
    vaccine = (await region.slots(time_type="VACCIN"))[0]
    wrong_code = "<r:reasonCode><c:code>XX</c:code><c:codeSystem>1.2.3</c:codeSystem></r:reasonCode>"
    assert (await region.make(person, vaccine["id"], reason=None, extra=wrong_code)).result_code == "ERROR"
    seeded = await region.call("GetTimeTypes", "<r:healthcareServiceCode>33879002</r:healthcareServiceCode>")
    offered = seeded.all("timeType")[0].find(f"{C}appointmentRule/{C}reasonCodes")
    assert offered is not None
    good = (
        f"<r:reasonCode><c:code>{offered.findtext(f'{C}code')}</c:code>"
        f"<c:codeSystem>{offered.findtext(f'{C}codeSystem')}</c:codeSystem></r:reasonCode>"
    )
    assert (await region.make(person, vaccine["id"], reason=None, extra=good)).result_code == "OK"


async def test_a_citizen_books_only_for_themself_but_staff_for_anyone(region: Region) -> None:
    slot = (await region.slots(time_type="SSK15"))[0]
    person, other = region.citizen(5), region.citizen(4)
    inner = actor_xml(other) + person_xml(person) + f"<r:timeslotId>{slot['id']}</r:timeslotId>"
    assert (await region.call("MakeAppointment", inner)).result_code == "APPOINTMENT_IS_NOT_ALLOWED"
    staff = actor_xml(STAFF_HSA, root="1.2.752.129.2.1.4.1", code="223366009")
    answer = await region.call(
        "MakeAppointment", staff + person_xml(person) + f"<r:timeslotId>{slot['id']}</r:timeslotId>"
    )
    assert answer.result_code == "OK"


# -- reading appointments -----------------------------------------------------------------------


async def test_get_appointment_is_empty_when_id_and_person_do_not_match(region: Region) -> None:
    appointment = region.appointments_of(1)[0]
    stranger = region.citizen(5)
    answer = await region.get(stranger, appointment["appointment_id"])
    assert answer.all("appointment") == [] and answer.result_code == "OK"
    unknown = await region.get(stranger, "00000000-0000-4000-8000-000000000000")
    assert unknown.all("appointment") == []


async def test_get_appointments_lists_ids_per_unit(region: Region) -> None:
    person = region.citizen(1)
    seeded = {(a["appointment_id"], a["healthcare_facility"]) for a in region.appointments_of(1)}
    assert set(await region.ids(person)) == seeded
    group_person = region.citizen(4)
    assert await region.ids(group_person) == [], "addressed to the vårdcentral: only its appointments"
    at_bvc = await region.ids(group_person, address=region.child_centre)
    assert [unit for _, unit in at_bvc] == [region.child_centre]
    for regional in (region.seed["region"]["hsa_id"], region.seed["region"]["code"]):
        assert len(await region.ids(group_person, address=regional)) == 1
    first = min(a["start"] for a in region.appointments_of(1))[:8]
    only_first_day = await region.ids(person, extra=f"<r:fromDate>{first}</r:fromDate><r:toDate>{first}</r:toDate>")
    assert len(only_first_day) == sum(1 for a in region.appointments_of(1) if a["start"].startswith(first))
    code, detail = await region.fault(
        "GetAppointments", actor_xml(region.citizen(2)) + person_xml(person), region.centre
    )
    assert (code, detail) == ("Client", "actor-not-person")


async def test_related_appointments_point_at_each_other(region: Region) -> None:
    related = [a for a in region.appointments_of(0) if a["related_appointment_ids"]]
    assert len(related) == 2
    first, second = related
    answer = await region.get(region.citizen(0), first["appointment_id"])
    assert answer.all("appointment")[0].findtext(f"{C}relatedAppointmentId") == second["appointment_id"]


# -- cancelling and rebooking -------------------------------------------------------------------


async def test_cancel_frees_the_time_at_once(region: Region) -> None:
    person = region.citizen(5)
    slot = (await region.slots(time_type="SSK15", first=START.date() + dt.timedelta(days=3)))[0]
    appointment_id = (await region.make(person, slot["id"])).text("appointmentId") or ""
    reason = "<r:reasonText>Förhinder</r:reasonText>"
    assert (await region.cancel(person, appointment_id, extra=reason)).result_code == "OK"
    again = await region.slots(time_type="SSK15", first=START.date() + dt.timedelta(days=3))
    assert seat_free_in(again, slot["id"])
    assert (await region.cancel(person, appointment_id)).result_code == "APPOINTMENT_IS_ALREADY_CANCELED"
    assert appointment_id not in {i for i, _ in await region.ids(person)}
    gone = await region.get(person, appointment_id)
    assert gone.all("appointment") == [] and gone.result_code == "INFO"


async def test_cancel_of_unknown_or_someone_elses_appointment_does_not_exist(region: Region) -> None:
    appointment = region.appointments_of(1)[0]
    stranger = region.citizen(5)
    assert (await region.cancel(stranger, appointment["appointment_id"])).result_code == "APPOINTMENT_DOES_NOT_EXIST"
    unknown = await region.cancel(stranger, "00000000-0000-4000-8000-000000000000")
    assert unknown.result_code == "APPOINTMENT_DOES_NOT_EXIST"


async def test_too_late_to_cancel(region: Region, clock: Clock) -> None:
    appointment = region.appointments_of(1)[0]
    clock.to(parse_ts(appointment["start"]) - dt.timedelta(hours=23))
    answer = await region.cancel(region.citizen(1), appointment["appointment_id"])
    assert answer.result_code == "TOO_LATE_TO_CANCEL_APPOINTMENT"
    assert "24 timmar" in (answer.text("resultText") or "")


async def test_cancel_is_not_allowed_for_some_time_types(region: Region) -> None:
    referred = region.seed["referrals"][0]["person_id"]
    slot = (await region.slots(time_type="KBT"))[0]
    appointment_id = (await region.make(referred, slot["id"])).text("appointmentId") or ""
    assert (await region.cancel(referred, appointment_id)).result_code == "CANCEL_IS_NOT_ALLOWED"


async def test_update_moves_the_appointment_under_a_new_id(region: Region) -> None:
    person = region.citizen(1)
    original = next(a for a in region.appointments_of(1) if a["time_type_code"] == "SSK15")
    target = next(s for s in await region.slots(time_type="SSK15", days=20) if s["start"] > original["end"])
    moved = await region.update(person, original["appointment_id"], target["id"])
    assert moved.result_code == "OK"
    new_id = moved.text("appointmentId")
    assert new_id and new_id != original["appointment_id"]
    appointment = (await region.get(person, new_id)).all("appointment")[0]
    assert appointment.findtext(f"{C}timeslot/{C}timeslotId") == target["id"]
    assert seat_free_in(await region.slots(time_type="SSK15", days=20), original["timeslot_id"])
    again = await region.update(person, original["appointment_id"], target["id"])
    assert again.result_code == "APPOINTMENT_IS_ALREADY_UPDATED"
    assert (await region.cancel(person, original["appointment_id"])).result_code == "APPOINTMENT_IS_ALREADY_UPDATED"
    ids = {i for i, _ in await region.ids(person)}
    assert new_id in ids and original["appointment_id"] not in ids


async def test_update_can_keep_the_id(clock: Clock) -> None:
    async with open_region(make_config(clock, new_id_on_update=False), clock) as region:
        person = region.citizen(1)
        original = next(a for a in region.appointments_of(1) if a["time_type_code"] == "SSK15")
        target = next(s for s in await region.slots(time_type="SSK15", days=20) if s["start"] > original["end"])
        moved = await region.update(person, original["appointment_id"], target["id"])
        assert (moved.result_code, moved.text("appointmentId")) == ("OK", original["appointment_id"])
        again = next(s for s in await region.slots(time_type="SSK15", days=20) if s["start"] > target["end"])
        assert (await region.update(person, original["appointment_id"], again["id"])).result_code == "OK"


async def test_update_refusals(region: Region, clock: Clock) -> None:
    person = region.citizen(1)
    original = next(a for a in region.appointments_of(1) if a["time_type_code"] == "SSK15")
    slots = await region.slots(time_type="SSK15", days=20)
    taken = next(s for s in slots if s["start"] > original["end"])
    assert (await region.make(region.citizen(5), taken["id"])).result_code == "OK"
    reserved = await region.update(person, original["appointment_id"], taken["id"])
    assert reserved.result_code == "REQUESTED_TIME_IS_ALREADY_RESERVED"
    doctor = (await region.slots(time_type="LAK30"))[0]
    other_type = await region.update(person, original["appointment_id"], doctor["id"])
    assert other_type.result_code == "UPDATE_APPOINTMENT_IS_NOT_ALLOWED"
    unknown = await region.update(person, "00000000-0000-4000-8000-000000000000", taken["id"])
    assert unknown.result_code == "APPOINTMENT_DOES_NOT_EXIST"
    clock.to(parse_ts(original["start"]) - dt.timedelta(hours=2))
    late = await region.update(person, original["appointment_id"], taken["id"])
    assert late.result_code == "TOO_LATE_TO_UPDATE_APPOINTMENT"


async def test_group_places_cannot_be_rebooked(region: Region) -> None:
    group = region.appointments_of(4)[0]
    sessions = await region.slots(time_type="GRPFOR", address=region.child_centre, days=30)
    later = next(s for s in sessions if s["start"] > group["end"])
    inner = (
        actor_xml(region.citizen(4))
        + f"<r:originalAppointmentId>{group['appointment_id']}</r:originalAppointmentId>"
        + f"<r:timeslotId>{later['id']}</r:timeslotId>"
        + person_xml(region.citizen(4))
    )
    answer = await region.call("UpdateAppointment", inner, region.child_centre)
    assert answer.result_code == "UPDATE_APPOINTMENT_IS_NOT_ALLOWED"


# -- clinic proposals and ConfirmAppointment ----------------------------------------------------


async def test_confirm_flow(region: Region) -> None:
    proposal = next(a for a in region.appointments_of(0) if a["status"] == "preliminary")
    person = region.citizen(0)
    before = (await region.get(person, proposal["appointment_id"])).all("appointment")[0]
    assert before.findtext(f"{C}status") == "preliminary"
    assert "Bekräfta tiden senast" in (before.findtext(f"{C}information/{C}description") or "")
    assert (await region.confirm(person, proposal["appointment_id"])).result_code == "OK"
    after = (await region.get(person, proposal["appointment_id"])).all("appointment")[0]
    assert after.findtext(f"{C}status") == "confirmed"
    again = await region.confirm(person, proposal["appointment_id"])
    assert again.result_code == "APPOINTMENT_IS_ALREADY_CONFIRMED"
    unknown = await region.confirm(person, "00000000-0000-4000-8000-000000000000")
    assert unknown.result_code == "APPOINTMENT_DOES_NOT_EXIST"


async def test_unconfirmed_proposal_lapses(region: Region, clock: Clock) -> None:
    proposal = region.appointments_of(2)[0]
    assert proposal["status"] == "preliminary" and proposal["confirm_by"]
    person = region.citizen(2)
    assert (await region.ids(person)) == [(proposal["appointment_id"], region.centre)]
    clock.to(parse_ts(proposal["confirm_by"]) + dt.timedelta(minutes=1))
    late = await region.confirm(person, proposal["appointment_id"])
    assert late.result_code == "TOO_LATE_TO_CONFIRM_APPOINTMENT"
    assert await region.ids(person) == []
    free = await region.slots(time_type="PROV", days=10)
    assert seat_free_in(free, proposal["timeslot_id"]), "a lapsed proposal frees its time"


async def test_clinic_proposal_through_admin_then_confirmed(region: Region) -> None:
    person = region.citizen(5)
    slot = (await region.slots(time_type="FYSIO", address=region.seed["care_units"][2]["hsa_id"], days=10))[0]
    created = await region.client.post(
        "/admin/proposals", json={"person_id": person, "timeslot_id": slot["id"], "confirm_within_hours": 24}
    )
    assert created.status_code == 200
    appointment_id = created.json()["appointment_id"]
    unit = region.seed["care_units"][2]["hsa_id"]
    inner = actor_xml(person) + f"<r:appointmentId>{appointment_id}</r:appointmentId>" + person_xml(person)
    assert (await region.call("ConfirmAppointment", inner, unit)).result_code == "OK"
    taken = await region.client.post(
        "/admin/proposals", json={"person_id": region.citizen(4), "timeslot_id": slot["id"]}
    )
    assert taken.status_code == 409


async def test_confirming_a_cancelled_proposal_is_not_allowed(region: Region) -> None:
    proposal = next(a for a in region.appointments_of(0) if a["status"] == "preliminary")
    person = region.citizen(0)
    assert (await region.cancel(person, proposal["appointment_id"])).result_code == "OK"
    answer = await region.confirm(person, proposal["appointment_id"])
    assert answer.result_code == "CONFIRM_IS_NOT_ALLOWED"


# -- technical errors ---------------------------------------------------------------------------


async def test_faults_for_requests_the_contract_does_not_allow(
    region: Region, caplog: pytest.LogCaptureFixture
) -> None:
    person = region.citizen(5)
    read = actor_xml(person) + person_xml(person)
    assert await region.fault("GetAppointments", read, None) == ("Client", "missing-logical-address")
    assert await region.fault("GetAppointments", read, "SE0000000000-XXXX") == ("Client", "unknown-logical-address")
    bad_uuid = actor_xml(person) + "<r:appointmentId>not-a-uuid</r:appointmentId>" + person_xml(person)
    with caplog.at_level(logging.DEBUG):
        response = await region.raw("CancelAppointment", bad_uuid, region.centre)
    assert response.status_code == 500
    assert person not in response.text and person not in caplog.text
    fault = parse_fault(parse_envelope(response.content).body)
    assert fault is not None and (fault.code, fault.detail) == ("Client", "invalid-message")
    wrong_place = await region.fault(
        "GetAppointments", read, region.centre, path=by_name(GEN2, "CancelAppointment").path
    )
    assert wrong_place == ("Client", "wrong-interaction")
    unknown_actor = actor_xml(person, code="999999") + person_xml(person)
    assert await region.fault("GetAppointments", unknown_actor, region.centre) == ("Client", "unknown-actor-type")
    mismatch = await region.client.post(
        by_name(GEN2, "GetAppointments").path,
        content=envelope("GetAppointments", read, region.centre),
        headers={
            "SOAPAction": '"urn:riv:supportprocess:logistics:scheduling:GetAppointmentResponder:2:GetAppointment"'
        },
    )
    assert mismatch.status_code == 500 and b"soap-action-mismatch" in mismatch.content


async def test_wsdl_and_schemas_are_served(region: Region) -> None:
    response = await region.client.get("/vp/ConfirmAppointment/1/rivtabp21?wsdl")
    assert response.status_code == 200
    wsdl = etree.fromstring(response.content)
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None and address.get("location") == "http://region03.test/vp/ConfirmAppointment/1/rivtabp21"
    for imported in wsdl.iter("{http://www.w3.org/2001/XMLSchema}import"):
        fetched = await region.client.get(imported.get("schemaLocation", ""))
        assert fetched.status_code == 200
    schema = await region.client.get(
        "/contracts/wsdl/scheduling_2.0/interactions/GetAppointmentsInteraction/GetAppointmentsResponder_2.0.xsd"
    )
    assert schema.status_code == 200 and b"GetAppointmentsResponseType" in schema.content


async def test_every_interaction_was_answered_validly(region: Region) -> None:
    """A citizen's whole journey, touching all 12 interactions; `call` validates each answer."""
    person = region.citizen(5)
    await region.call("GetHealthcareFacility")
    await region.call("GetHealthcareFacilities", person_xml(person))
    await region.call("GetTimeTypes", actor_xml(person) + person_xml(person))
    await region.call("GetPractitioners", actor_xml(person) + person_xml(person))
    first = START.date() + dt.timedelta(days=2)
    await region.call(
        "GetAvailableDates",
        actor_xml(person) + person_xml(person) + f"<r:startDateInclusive>{first:%Y%m%d}</r:startDateInclusive>"
        f"<r:endDateInclusive>{first:%Y%m%d}</r:endDateInclusive>",
    )
    slots = await region.slots(time_type="SSK15", first=first, days=0, person=person)
    made = await region.make(person, slots[0]["id"])
    appointment_id = made.text("appointmentId") or ""
    await region.get(person, appointment_id)
    await region.ids(person)
    moved = await region.update(person, appointment_id, slots[1]["id"])
    await region.cancel(person, moved.text("appointmentId") or "")
    proposal = region.appointments_of(2)[0]
    await region.confirm(region.citizen(2), proposal["appointment_id"])
    assert set(region.calls) == {i.name for i in all_interactions(GEN2)}


# -- seed and persistence -----------------------------------------------------------------------


async def test_seed_is_reproducible(clock: Clock) -> None:
    listings = []
    for seed in (7, 7, 8):
        async with open_region(make_config(clock, seed=seed), clock) as region:
            listings.append(region.seed)
    assert listings[0] == listings[1]
    assert listings[0]["appointments"] != listings[2]["appointments"]
    seeded = listings[0]
    assert {a["status"] for a in seeded["appointments"]} == {"confirmed", "preliminary"}
    assert all(a["start"] > ts(START + dt.timedelta(days=2)) for a in seeded["appointments"])
    assert [t["code"] for t in seeded["time_types"] if t["hidden"]] == ["KBT"]


async def test_state_survives_a_restart_and_belongs_to_one_seed(clock: Clock, tmp_path: Path) -> None:
    database = str(tmp_path / "region03.sqlite")
    async with open_region(make_config(clock, database=database), clock) as region:
        slot = (await region.slots(time_type="SSK15"))[0]
        appointment_id = (await region.make(region.citizen(5), slot["id"])).text("appointmentId") or ""
    async with open_region(make_config(clock, database=database), clock) as again:
        assert again.seed == region.seed
        assert (appointment_id, again.centre) in await again.ids(again.citizen(5))
    with pytest.raises(SeedMismatch):
        create_app(make_config(clock, database=database, seed=8))


# -- end to end ---------------------------------------------------------------------------------


@pytest.mark.e2e
def test_served_by_uvicorn_with_a_real_race(clock: Clock) -> None:
    clock.to(dt.datetime.now(SWEDISH_TIME).replace(microsecond=0))
    with serve_in_thread(create_app(make_config(clock))) as base_url, httpx.Client(base_url=base_url) as client:
        seed = client.get("/admin/seed").json()
        unit = seed["care_units"][0]["hsa_id"]
        first = clock.now.date() + dt.timedelta(days=2)
        search = (
            f"<r:startDateInclusive>{first:%Y%m%d}</r:startDateInclusive>"
            f"<r:endDateInclusive>{first + dt.timedelta(days=7):%Y%m%d}</r:endDateInclusive>"
            "<r:timeTypeCode>SSK15</r:timeTypeCode>"
        )
        interaction = by_name(GEN2, "GetAvailableTimeslots")
        response = client.post(
            interaction.path,
            content=envelope("GetAvailableTimeslots", search, unit),
            headers={"SOAPAction": interaction.soap_action, "Content-Type": "text/xml; charset=utf-8"},
        )
        body = parse_envelope(response.content).body
        check_response("GetAvailableTimeslots", body)
        slot_id = body.findtext(f"{{{responder_ns('GetAvailableTimeslots')}}}timeslot/{C}timeslotId")
        assert slot_id

        def book(person: str) -> str:
            inner = actor_xml(person) + person_xml(person) + f"<r:timeslotId>{slot_id}</r:timeslotId>"
            answer = httpx.post(
                f"{base_url}{by_name(GEN2, 'MakeAppointment').path}",
                content=envelope("MakeAppointment", inner, unit),
                headers={"Content-Type": "text/xml; charset=utf-8"},
                timeout=30,
            )
            answer_body = parse_envelope(answer.content).body
            check_response("MakeAppointment", answer_body)
            return answer_body.findtext(f"{{{responder_ns('MakeAppointment')}}}resultCode") or ""

        people = [c["person_id"] for c in seed["citizens"]]
        with ThreadPoolExecutor(max_workers=len(people)) as pool:
            codes = list(pool.map(book, people))
        assert codes.count("OK") == 1, codes
        assert codes.count("REQUESTED_TIME_IS_ALREADY_RESERVED") == len(people) - 1
        wsdl = client.get(f"{by_name(GEN2, 'MakeAppointment').path}?wsdl")
        assert wsdl.status_code == 200 and base_url.encode() in wsdl.content
