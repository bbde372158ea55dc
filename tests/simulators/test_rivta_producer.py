"""The crm:scheduling 1.1 producer simulator, spoken to over SOAP as a consumer would.

Requests are built here with lxml, independently of the simulator's codec; every request sent and
every answer received is validated against the official schemas in ../shared/conformance.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from contracts.catalogue import CRM_SCHEDULING_1_NAMES, Generation, by_name
from contracts.soap import ACTOR_NS, REGISTRY_NS, SOAP_ENV_NS
from contracts.timeformat import SWEDISH_TIME
from simulators.rivta_producer import ProducerConfig, create_app
from simulators.rivta_producer.privacy import mask_personal_numbers

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO.parent / "shared" / "conformance" / "crm_scheduling_1.1"
CORE = "urn:riv:crm:scheduling:1"
CORE11 = "urn:riv:crm:scheduling:1.1"
TS = "%Y%m%d%H%M%S"

pytestmark = pytest.mark.skipif(
    not CONFORMANCE.is_dir(), reason=f"official crm:scheduling 1.1 schemas not found at {CONFORMANCE}"
)

TAKEN = "Tiden har blivit upptagen av en annan patient."


# -- official schemas -------------------------------------------------------------------------------

_SCHEMAS: dict[str, etree.XMLSchema] = {}


def official_schema(name: str) -> etree.XMLSchema:
    if name not in _SCHEMAS:
        path = CONFORMANCE / "interactions" / f"{name}Interaction" / f"{name}Responder_1.1.xsd"
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        _SCHEMAS[name] = etree.XMLSchema(etree.parse(str(path), parser))
    return _SCHEMAS[name]


def assert_valid(name: str, element: etree._Element) -> None:
    schema = official_schema(name)
    assert schema.validate(element), f"{name}: {schema.error_log}\n{etree.tostring(element).decode()}"


# -- a clock tests can move -----------------------------------------------------------------------


class FakeClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SWEDISH_TIME)  # a Tuesday


# -- requests, built the way a consumer would -----------------------------------------------------


def ns(name: str) -> str:
    return by_name(Generation.CRM_SCHEDULING_1, name).responder_namespace


def element(tag: str, *children: etree._Element | None, text: str | None = None) -> etree._Element:
    node = etree.Element(tag)
    node.text = text
    node.extend(child for child in children if child is not None)
    return node


def leaf(namespace: str, name: str, value: str | None) -> etree._Element | None:
    return None if value is None else element(f"{{{namespace}}}{name}", text=value)


def leaves(namespace: str, name: str, values: tuple[str, ...]) -> list[etree._Element]:
    return [element(f"{{{namespace}}}{name}", text=value) for value in values]


def schedule_request(unit: str, subject: str) -> etree._Element:
    r = ns("GetSubjectOfCareSchedule")
    return element(
        f"{{{r}}}GetSubjectOfCareSchedule", leaf(r, "healthcare_facility", unit), leaf(r, "subject_of_care", subject)
    )


def details_request(unit: str, booking_id: str) -> etree._Element:
    r = ns("GetBookingDetails")
    return element(f"{{{r}}}GetBookingDetails", leaf(r, "healthcare_facility", unit), leaf(r, "bookingId", booking_id))


def search_request(
    name: str,
    unit: str,
    start: str,
    end: str,
    subject: str,
    *,
    booking_id: str | None = None,
    performers: tuple[str, ...] = (),
    time_type_id: str | None = None,
    time_type_name: str | None = None,
    care_type_id: str | None = None,
    care_type_name: str | None = None,
) -> etree._Element:
    r = ns(name)
    return element(
        f"{{{r}}}{name}",
        leaf(r, "healthcare_facility", unit),
        leaf(r, "bookingId", booking_id),
        leaf(r, "startDateInclusive", start),
        leaf(r, "endDateInclusive", end),
        *leaves(r, "performer", performers),
        leaf(r, "timeTypeName", time_type_name),
        leaf(r, "timeTypeID", time_type_id),
        leaf(r, "careTypeName", care_type_name),
        leaf(r, "careTypeID", care_type_id),
        leaf(r + ".1", "subject_of_care", subject),
    )


def timeslot(
    tag: str,
    unit: str,
    start: str,
    end: str,
    subject: str,
    *,
    performer: str | None = None,
    booking_id: str | None = None,
    time_type_id: str | None = None,
    reason: str | None = None,
) -> etree._Element:
    return element(
        tag,
        leaf(CORE, "startTimeInclusive", start),
        leaf(CORE, "endTimeExclusive", end),
        leaf(CORE, "healthcare_facility", unit),
        leaf(CORE, "performer", performer),
        leaf(CORE, "bookingId", booking_id),
        leaf(CORE, "subject_of_care", subject),
        leaf(CORE, "reason", reason),
        leaf(CORE, "timeTypeID", time_type_id),
    )


def citizen_info(tag: str, first: str = "Anna", last: str = "Berg", phone: str | None = "0701234567") -> etree._Element:
    return element(tag, leaf(CORE, "phone", phone), leaf(CORE11, "firstName", first), leaf(CORE11, "lastName", last))


def make_request(slot: dict[str, str], subject: str, *, booking_id: str | None = None) -> etree._Element:
    r = ns("MakeBooking")
    return element(
        f"{{{r}}}MakeBooking",
        leaf(r, "healthcare_facility_med", slot["healthcare_facility"]),
        timeslot(
            f"{{{r}}}requestedTimeslot",
            slot["healthcare_facility"],
            slot["startTimeInclusive"],
            slot["endTimeExclusive"],
            subject,
            performer=slot.get("performer"),
            booking_id=booking_id,
            time_type_id=slot.get("timeTypeID"),
            reason="Ont i ryggen",
        ),
        citizen_info(f"{{{r}}}subject_of_care_info"),
        leaf(r, "notification", "SMS-påminnelse"),
    )


def update_request(booking_id: str, slot: dict[str, str], subject: str, *, with_info: bool = False) -> etree._Element:
    r = ns("UpdateBooking")
    return element(
        f"{{{r}}}UpdateBooking",
        timeslot(
            f"{{{r}}}requestedTimeslot",
            slot["healthcare_facility"],
            slot["startTimeInclusive"],
            slot["endTimeExclusive"],
            subject,
            performer=slot.get("performer"),
            booking_id=booking_id,
            time_type_id=slot.get("timeTypeID"),
        ),
        citizen_info(f"{{{r}}}subject_of_care_info", phone="0739876543") if with_info else None,
        leaf(r, "notification", "Ombokad via 1177") if with_info else None,
    )


def cancel_request(unit: str, booking_id: str, message: str | None = None) -> etree._Element:
    r = ns("CancelBooking")
    return element(
        f"{{{r}}}CancelBooking",
        leaf(r, "healthcare_facility", unit),
        leaf(r, "bookingId", booking_id),
        leaf(r, "message", message),
    )


def catalogue_request(
    name: str,
    unit: str,
    subject: str,
    *,
    time_type_ids: tuple[str, ...] = (),
    care_type_ids: tuple[str, ...] = (),
    performers: tuple[str, ...] = (),
    booking_id: str | None = None,
) -> etree._Element:
    r = ns(name)
    if name == "GetAllTimeTypes":
        return element(
            f"{{{r}}}{name}",
            leaf(r, "healthcare_facility", unit),
            *leaves(r + ".1", "careTypeIDs", care_type_ids),
            leaf(r + ".1", "subject_of_care", subject),
        )
    if name == "GetAllCareTypes":
        children = [*leaves(r, "timeTypeIDs", time_type_ids), *leaves(r, "performer", performers)]
    elif name == "GetAllPerformers":
        children = [*leaves(r, "timeTypeIDs", time_type_ids), *leaves(r, "careTypeIDs", care_type_ids)]
    else:
        children = []
    return element(
        f"{{{r}}}{name}",
        leaf(r, "healthcare_facility", unit),
        *children,
        leaf(r, "subject_of_care", subject),
        leaf(r, "bookingId", booking_id),
    )


def envelope(body: etree._Element, logical_address: str | None, actor: tuple[str, str] | None) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soapenv": SOAP_ENV_NS})
    header = etree.SubElement(root, f"{{{SOAP_ENV_NS}}}Header")
    if actor is not None:
        actor_element = etree.SubElement(header, f"{{{ACTOR_NS}}}Actor")
        etree.SubElement(actor_element, f"{{{ACTOR_NS}}}actorId").text = actor[0]
        etree.SubElement(actor_element, f"{{{ACTOR_NS}}}actorType").text = actor[1]
    if logical_address is not None:
        etree.SubElement(header, f"{{{REGISTRY_NS}}}LogicalAddress").text = logical_address
    etree.SubElement(root, f"{{{SOAP_ENV_NS}}}Body").append(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- answers --------------------------------------------------------------------------------------


@dataclass
class Fault:
    code: str
    message: str
    kind: str


def flat(node: etree._Element) -> dict[str, str]:
    """A core-type element's children by local name (the namespace is checked by the schema)."""
    return {etree.QName(child).localname: child.text or "" for child in node}


def children(node: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in node if etree.QName(child).localname == name]


def text(node: etree._Element, name: str) -> str | None:
    found = children(node, name)
    return found[0].text if found else None


class Consumer:
    """Speaks to the simulator like a national e-service: SOAP over HTTP, schema-checked both ways."""

    def __init__(self, client: httpx.AsyncClient, seed: dict[str, Any]) -> None:
        self.client = client
        self.seed = seed
        self.unit = seed["care_units"][0]["hsa_id"]

    async def raw(self, name: str, payload: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        path = by_name(Generation.CRM_SCHEDULING_1, name).path
        sent = {"Content-Type": "text/xml; charset=utf-8", **(headers or {})}
        return await self.client.post(path, content=payload, headers=sent)

    async def call(
        self,
        body: etree._Element,
        *,
        logical_address: str | None = "",
        actor: tuple[str, str] | None = None,
    ) -> etree._Element:
        name = etree.QName(body).localname
        assert_valid(name, body)
        address = self.unit if logical_address == "" else logical_address
        interaction = by_name(Generation.CRM_SCHEDULING_1, name)
        response = await self.raw(name, envelope(body, address, actor), {"SOAPAction": f'"{interaction.soap_action}"'})
        assert response.status_code == 200, response.text
        envelope_body = etree.fromstring(response.content).find(f"{{{SOAP_ENV_NS}}}Body")
        assert envelope_body is not None and len(envelope_body) == 1
        answer = envelope_body[0]
        assert etree.QName(answer).localname == f"{name}Response"
        assert_valid(name, answer)
        return answer

    async def fault(self, name: str, payload: bytes, headers: dict[str, str] | None = None) -> Fault:
        response = await self.raw(name, payload, headers)
        assert response.status_code == 500, response.text
        body = etree.fromstring(response.content).find(f"{{{SOAP_ENV_NS}}}Body")
        assert body is not None
        fault = body.find(f"{{{SOAP_ENV_NS}}}Fault")
        assert fault is not None, response.text
        return Fault(
            fault.findtext("faultcode") or "",
            fault.findtext("faultstring") or "",
            fault.findtext("detail/detailString") or "",
        )

    async def slots(
        self, subject: str, *, days: tuple[int, int] = (3, 10), unit: str | None = None, **filters: Any
    ) -> list[dict[str, str]]:
        first = (START.date() + dt.timedelta(days=days[0])).strftime("%Y%m%d")
        last = (START.date() + dt.timedelta(days=days[1])).strftime("%Y%m%d")
        answer = await self.call(
            search_request("GetAvailableTimeslots", unit or self.unit, first, last, subject, **filters)
        )
        return [flat(node) for node in children(answer, "timeslotDetail")]

    async def book(self, slot: dict[str, str], subject: str, **kwargs: Any) -> tuple[str, str | None, str | None]:
        answer = await self.call(make_request(slot, subject, **kwargs), actor=(subject, "subject_of_care"))
        return text(answer, "resultCode") or "", text(answer, "resultText"), text(answer, "bookingId")

    async def schedule(self, subject: str) -> list[dict[str, str]]:
        answer = await self.call(schedule_request(self.unit, subject), actor=(subject, "subject_of_care"))
        return [flat(node) for node in children(answer, "timeslotDetail")]

    async def details(self, booking_id: str) -> dict[str, str]:
        answer = await self.call(details_request(self.unit, booking_id))
        [detail] = children(answer, "timeslotDetail")
        return flat(detail)

    async def cancel(self, booking_id: str, subject: str | None = None) -> tuple[str, str | None]:
        actor = None if subject is None else (subject, "subject_of_care")
        answer = await self.call(cancel_request(self.unit, booking_id, "Förhindrad"), actor=actor)
        return text(answer, "resultCode") or "", text(answer, "resultText")

    async def update(
        self, booking_id: str, slot: dict[str, str], subject: str, *, with_info: bool = False
    ) -> tuple[str, str | None]:
        answer = await self.call(
            update_request(booking_id, slot, subject, with_info=with_info), actor=(subject, "subject_of_care")
        )
        return text(answer, "resultCode") or "", text(answer, "resultText")


def citizen(seed: dict[str, Any], index: int) -> str:
    return str(seed["citizens"][index]["personal_number"])


def invitation(seed: dict[str, Any], kind: str) -> dict[str, str]:
    return next(i for i in seed["invitations"] if i["kind"] == kind)


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def producer_app(clock: FakeClock, **settings: Any) -> Any:
    return create_app(ProducerConfig(region_code="01", seed=1, clock=clock, weeks=3, **settings))


@pytest.fixture
async def consumer(clock: FakeClock) -> AsyncIterator[Consumer]:
    app = producer_app(clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://producer.test") as client:
        seed = (await client.get("/admin/seed")).json()
        yield Consumer(client, seed)
    app.state.store.close()


# -- WSDL and schemas -----------------------------------------------------------------------------


async def test_every_interaction_serves_its_wsdl_with_absolute_addresses(consumer: Consumer) -> None:
    for name in CRM_SCHEDULING_1_NAMES:
        interaction = by_name(Generation.CRM_SCHEDULING_1, name)
        response = await consumer.client.get(f"{interaction.path}?wsdl")
        assert response.status_code == 200
        wsdl = etree.fromstring(response.content)
        [address] = wsdl.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
        assert address.get("location") == f"http://producer.test{interaction.path}"
        locations = [i.get("schemaLocation") or "" for i in wsdl.iter("{http://www.w3.org/2001/XMLSchema}import")]
        assert locations and all(loc.startswith("http://producer.test/contracts/wsdl/") for loc in locations)
        for location in locations:
            fetched = await consumer.client.get(location.removeprefix("http://producer.test"))
            assert fetched.status_code == 200
            etree.fromstring(fetched.content)


async def test_schema_files_do_not_leave_their_folder(consumer: Consumer) -> None:
    assert (await consumer.client.get("/contracts/wsdl/../../pyproject.toml")).status_code == 404
    assert (await consumer.client.get("/contracts/wsdl/crm_scheduling_1.1/nothing.xsd")).status_code == 404
    assert (await consumer.client.get(by_name(Generation.CRM_SCHEDULING_1, "MakeBooking").path)).status_code == 404


# -- catalogue interactions -----------------------------------------------------------------------


async def test_get_all_time_types_lists_the_units_time_types_and_filters_by_care_type(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    answer = await consumer.call(catalogue_request("GetAllTimeTypes", consumer.unit, subject))
    listed = [flat(node) for node in children(answer, "ListOfTimeTypes")]
    assert [t["timeTypeId"] for t in listed] == consumer.seed["care_units"][0]["time_type_ids"]
    assert {"timeTypeName": "Läkarbesök 30 min", "timeTypeId": "LAK30"} in listed

    answer = await consumer.call(catalogue_request("GetAllTimeTypes", consumer.unit, subject, care_type_ids=("VT02",)))
    assert [flat(node)["timeTypeId"] for node in children(answer, "ListOfTimeTypes")] == ["PROV"]


async def test_get_all_care_types_filters_by_time_type_and_performer(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    answer = await consumer.call(catalogue_request("GetAllCareTypes", consumer.unit, subject))
    assert {flat(n)["careTypeId"] for n in children(answer, "careTypes")} == {"VT01", "VT02", "VT03", "VT05"}

    answer = await consumer.call(catalogue_request("GetAllCareTypes", consumer.unit, subject, time_type_ids=("KBT",)))
    assert [flat(n) for n in children(answer, "careTypes")] == [{"careTypeName": "Psykisk hälsa", "careTypeId": "VT05"}]

    analyst = next(p for p in consumer.seed["care_units"][0]["performers"] if p["title"] == "Biomedicinsk analytiker")
    answer = await consumer.call(
        catalogue_request("GetAllCareTypes", consumer.unit, subject, performers=(analyst["hsa_id"],))
    )
    assert [flat(n)["careTypeId"] for n in children(answer, "careTypes")] == ["VT02"]


async def test_get_all_performers_uses_the_contracts_perfomer_spelling(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    answer = await consumer.call(catalogue_request("GetAllPerformers", consumer.unit, subject))
    performers = [flat(n) for n in children(answer, "performerInfos")]
    assert {p["perfomer"] for p in performers} == {p["hsa_id"] for p in consumer.seed["care_units"][0]["performers"]}
    assert all(p["firstName"] and p["lastName"] and p["title"] for p in performers)

    answer = await consumer.call(
        catalogue_request("GetAllPerformers", consumer.unit, subject, time_type_ids=("LAK30",))
    )
    assert {flat(n)["title"] for n in children(answer, "performerInfos")} == {"Läkare"}
    answer = await consumer.call(catalogue_request("GetAllPerformers", consumer.unit, subject, care_type_ids=("VT05",)))
    assert {flat(n)["title"] for n in children(answer, "performerInfos")} == {"Psykolog"}


async def test_get_all_healthcare_facilities_lists_units_and_where_an_invitation_may_be_booked(
    consumer: Consumer,
) -> None:
    subject = citizen(consumer.seed, 4)
    answer = await consumer.call(catalogue_request("GetAllHealthcareFacilities", consumer.unit, subject))
    units = [flat(n) for n in children(answer, "healthcareFacilityInfos")]
    assert [u["healthcare_facility"] for u in units] == [u["hsa_id"] for u in consumer.seed["care_units"]]
    assert all(u["healthcare_facility_name"] for u in units)

    open_invitation = invitation(consumer.seed, "open")
    owner = open_invitation["subject_of_care"]
    answer = await consumer.call(
        catalogue_request("GetAllHealthcareFacilities", consumer.unit, owner, booking_id=open_invitation["booking_id"])
    )
    offering = [
        u["hsa_id"] for u in consumer.seed["care_units"] if open_invitation["time_type_id"] in u["time_type_ids"]
    ]
    assert [flat(n)["healthcare_facility"] for n in children(answer, "healthcareFacilityInfos")] == offering

    answer = await consumer.call(
        catalogue_request("GetAllHealthcareFacilities", consumer.unit, owner, booking_id="BK01-9999999")
    )
    assert children(answer, "healthcareFacilityInfos") == []


# -- searching free times -------------------------------------------------------------------------


async def test_available_timeslots_are_future_free_and_filtered(consumer: Consumer, clock: FakeClock) -> None:
    subject = citizen(consumer.seed, 4)
    today = START.strftime("%Y%m%d")
    answer = await consumer.call(search_request("GetAvailableTimeslots", consumer.unit, today, today, subject))
    todays = [flat(n) for n in children(answer, "timeslotDetail")]
    assert todays and all(s["startTimeInclusive"] > START.strftime(TS) for s in todays)
    assert all(s["startTimeInclusive"][8:] >= "080000" and s["endTimeExclusive"][8:] <= "160000" for s in todays)

    slots = await consumer.slots(subject, time_type_id="LAK30")
    assert slots and {s["timeTypeID"] for s in slots} == {"LAK30"}
    assert all(s["timeTypeName"] == "Läkarbesök 30 min" and s["careTypeID"] == "VT01" for s in slots)
    assert all("subject_of_care" not in s and "bookingId" not in s for s in slots)
    assert {s["timeTypeID"] for s in await consumer.slots(subject, time_type_name="provtagning")} == {"PROV"}
    assert {s["timeTypeID"] for s in await consumer.slots(subject, care_type_name="Vaccinering")} == {"VACCIN"}
    assert {s["timeTypeID"] for s in await consumer.slots(subject, care_type_id="VT05")} == {"KBT"}
    doctor = slots[0]["performer"]
    assert {s["performer"] for s in await consumer.slots(subject, performers=(doctor,))} == {doctor}
    assert await consumer.slots(subject, time_type_id="NO-SUCH-TYPE") == []

    taken = slots[0]
    assert (await consumer.book(taken, subject))[0] == "OK"
    again = await consumer.slots(subject, time_type_id="LAK30")
    assert taken["startTimeInclusive"] not in {
        s["startTimeInclusive"] for s in again if s["performer"] == taken["performer"]
    }


async def test_available_dates_group_free_times_by_date_performer_and_time_type(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    first, last = "20261204", "20261210"
    answer = await consumer.call(
        search_request("GetAvailableDates", consumer.unit, first, last, subject, time_type_id="SSK15")
    )
    dates = [flat(n) for n in children(answer, "performerAvailabilityByDate")]
    assert dates and {d["timeTypeID"] for d in dates} == {"SSK15"}
    assert all(first <= d["date"] <= last and d["healthcare_facility"] == consumer.unit for d in dates)
    keys = [(d["date"], d["performer"]) for d in dates]
    assert len(keys) == len(set(keys))
    slots = await consumer.slots(subject, days=(3, 9), time_type_id="SSK15")
    assert {(s["startTimeInclusive"][:8], s["performer"]) for s in slots} == set(keys)


async def test_rebooking_search_is_governed_by_the_original_time_type(consumer: Consumer) -> None:
    owner = citizen(consumer.seed, 0)
    booking_id = consumer.seed["citizens"][0]["booking_ids"][0]
    original = await consumer.details(booking_id)
    slots = await consumer.slots(owner, booking_id=booking_id, time_type_id="PROV")
    assert slots and {s["timeTypeID"] for s in slots} == {original["timeTypeID"]}


async def test_search_with_end_before_start_is_a_fault(consumer: Consumer) -> None:
    body = search_request("GetAvailableTimeslots", consumer.unit, "20261210", "20261201", citizen(consumer.seed, 4))
    fault = await consumer.fault("GetAvailableTimeslots", envelope(body, consumer.unit, None))
    assert fault.kind == "invalid-request"


# -- booking, rebooking, cancelling ---------------------------------------------------------------


async def test_make_booking_then_schedule_details_update_and_cancel(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    first, second = (await consumer.slots(subject, time_type_id="LAK30"))[:2]
    code, result_text, booking_id = await consumer.book(first, subject)
    assert (code, result_text) == ("OK", None)
    assert booking_id

    [booked] = await consumer.schedule(subject)
    assert booked["bookingId"] == booking_id
    assert booked["startTimeInclusive"] == first["startTimeInclusive"]
    assert booked["subject_of_care"] == subject
    assert booked["reason"] == "Ont i ryggen"
    assert booked["isInvitation"] == "false"

    details = await consumer.details(booking_id)
    assert details["cancel_booking_allowed"] == details["rebooking_allowed"] == details["message_allowed"] == "true"

    assert await consumer.update(booking_id, second, subject) == ("OK", None)
    moved = await consumer.details(booking_id)
    assert (moved["startTimeInclusive"], moved["performer"]) == (second["startTimeInclusive"], second["performer"])
    assert first["startTimeInclusive"] in {
        s["startTimeInclusive"]
        for s in await consumer.slots(subject, time_type_id="LAK30", performers=(first["performer"],))
    }

    assert await consumer.cancel(booking_id, subject) == ("OK", None)
    assert await consumer.schedule(subject) == []
    assert await consumer.cancel(booking_id, subject) == ("ERROR", "Bokningen är redan avbokad.")


async def test_make_booking_answers_info_when_the_citizen_must_prepare(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    slot = (await consumer.slots(subject, time_type_id="PROV"))[0]
    code, result_text, booking_id = await consumer.book(slot, subject)
    assert code == "INFO" and result_text and "fastande" in result_text and booking_id


async def test_a_slot_is_booked_at_most_once(consumer: Consumer) -> None:
    first, second = citizen(consumer.seed, 4), citizen(consumer.seed, 5)
    slot = (await consumer.slots(first, time_type_id="SSK15"))[0]
    assert (await consumer.book(slot, first))[0] == "OK"
    assert await consumer.book(slot, second) == ("ERROR", TAKEN, None)


async def test_concurrent_bookings_of_one_slot_have_exactly_one_winner(consumer: Consumer) -> None:
    slot = (await consumer.slots(citizen(consumer.seed, 4), time_type_id="LAK30"))[0]
    subjects = [c["personal_number"] for c in consumer.seed["citizens"]]
    outcomes = await asyncio.gather(*(consumer.book(slot, subject) for subject in subjects))
    winners = [o for o in outcomes if o[0] == "OK"]
    assert len(winners) == 1
    assert all(o == ("ERROR", TAKEN, None) for o in outcomes if o[0] != "OK")


async def test_a_cancelled_time_is_free_again_at_once(consumer: Consumer) -> None:
    first, second = citizen(consumer.seed, 4), citizen(consumer.seed, 5)
    slot = (await consumer.slots(first, time_type_id="VIDLAK"))[0]
    _, _, booking_id = await consumer.book(slot, first)
    assert booking_id is not None
    assert await consumer.cancel(booking_id, first) == ("OK", None)
    free = await consumer.slots(second, time_type_id="VIDLAK", performers=(slot["performer"],))
    assert slot["startTimeInclusive"] in {s["startTimeInclusive"] for s in free}
    assert (await consumer.book(slot, second))[0] == "INFO"


async def test_overlapping_times_for_one_citizen_are_refused(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    slots = await consumer.slots(subject, time_type_id="LAK30")
    first, clash = next(
        (a, b)
        for a in slots
        for b in slots
        if a["startTimeInclusive"] == b["startTimeInclusive"] and a["performer"] != b["performer"]
    )
    assert (await consumer.book(first, subject))[0] == "OK"
    assert await consumer.book(clash, subject) == (
        "ERROR",
        "Du har redan en bokad tid som krockar med den här tiden.",
        None,
    )


async def test_group_sessions_take_one_booking_per_place(consumer: Consumer) -> None:
    bvc = consumer.seed["care_units"][1]["hsa_id"]
    subjects = [c["personal_number"] for c in consumer.seed["citizens"]]
    [session, *_] = await consumer.slots(subjects[0], days=(0, 20), unit=bvc, time_type_id="GRPFOR")
    for subject in subjects:
        answer = await consumer.call(make_request(session, subject), logical_address=bvc)
        assert text(answer, "resultCode") == "INFO"
    later = await consumer.slots(subjects[0], days=(0, 20), unit=bvc, time_type_id="GRPFOR")
    assert session["startTimeInclusive"] in {s["startTimeInclusive"] for s in later}  # 8 places, 6 taken


async def test_booking_a_time_that_has_passed_is_refused(consumer: Consumer, clock: FakeClock) -> None:
    subject = citizen(consumer.seed, 4)
    slot = (await consumer.slots(subject, time_type_id="TELSSK"))[0]
    clock.now = dt.datetime.strptime(slot["startTimeInclusive"], TS).replace(tzinfo=SWEDISH_TIME)
    assert await consumer.book(slot, subject) == ("ERROR", "Tiden har redan passerat.", None)


async def test_booking_an_unknown_time_is_refused(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    slot = dict((await consumer.slots(subject, time_type_id="LAK30"))[0])
    slot["startTimeInclusive"] = slot["startTimeInclusive"][:8] + "031500"
    assert await consumer.book(slot, subject) == ("ERROR", "Den begärda tiden finns inte i tidboken.", None)


async def test_a_citizen_books_and_cancels_only_their_own(consumer: Consumer) -> None:
    me, other = citizen(consumer.seed, 4), citizen(consumer.seed, 0)
    slot = (await consumer.slots(me, time_type_id="LAK30"))[0]
    answer = await consumer.call(make_request(slot, other), actor=(me, "subject_of_care"))
    assert (text(answer, "resultCode"), text(answer, "resultText")) == ("ERROR", "Du kan bara boka tider åt dig själv.")
    booking_id = consumer.seed["citizens"][0]["booking_ids"][0]
    assert await consumer.cancel(booking_id, me) == ("ERROR", "Bokningen finns inte.")
    agent = ("SE2321000016-1177", "subject_of_care_agent")
    answer = await consumer.call(make_request(slot, other), actor=agent)
    assert text(answer, "resultCode") == "OK"


async def test_unknown_bookings(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    assert await consumer.cancel("BK01-9999999", subject) == ("ERROR", "Bokningen finns inte.")
    slot = (await consumer.slots(subject, time_type_id="LAK30"))[0]
    assert await consumer.update("BK01-9999999", slot, subject) == ("ERROR", "Bokningen finns inte.")
    fault = await consumer.fault(
        "GetBookingDetails", envelope(details_request(consumer.unit, "BK01-9999999"), consumer.unit, None)
    )
    assert (fault.code, fault.message, fault.kind) == ("soap:Client", "Bokningen finns inte.", "booking-not-found")


async def test_cancel_and_rebook_close_to_the_start_are_refused(consumer: Consumer, clock: FakeClock) -> None:
    owner = citizen(consumer.seed, 0)
    booking_id = consumer.seed["citizens"][0]["booking_ids"][0]
    start = dt.datetime.strptime((await consumer.details(booking_id))["startTimeInclusive"], TS)
    clock.now = start.replace(tzinfo=SWEDISH_TIME) - dt.timedelta(hours=23)
    details = await consumer.details(booking_id)
    assert details["cancel_booking_allowed"] == details["rebooking_allowed"] == "false"
    code, result_text = await consumer.cancel(booking_id, owner)
    assert code == "ERROR" and result_text and "24 timmar" in result_text
    slot = (await consumer.slots(owner, days=(10, 20), booking_id=booking_id))[0]
    code, result_text = await consumer.update(booking_id, slot, owner)
    assert code == "ERROR" and result_text and "24 timmar" in result_text


# -- invitations (kallelser) ----------------------------------------------------------------------


async def test_open_invitation_is_booked_once(consumer: Consumer) -> None:
    open_invitation = invitation(consumer.seed, "open")
    owner, invitation_id = open_invitation["subject_of_care"], open_invitation["booking_id"]
    details = await consumer.details(invitation_id)
    assert details["isInvitation"] == "true" and details["purpose"]
    assert "startTimeInclusive" not in details and "endTimeExclusive" not in details
    assert details["cancel_booking_allowed"] == "false"
    assert invitation_id not in {b["bookingId"] for b in await consumer.schedule(owner)}

    slots = await consumer.slots(owner, booking_id=invitation_id)
    assert slots and {s["timeTypeID"] for s in slots} == {open_invitation["time_type_id"]}
    code, _, booking_id = await consumer.book(slots[0], owner, booking_id=invitation_id)
    assert code in {"OK", "INFO"} and booking_id == invitation_id
    booked = await consumer.details(invitation_id)
    assert booked["startTimeInclusive"] == slots[0]["startTimeInclusive"]
    assert invitation_id in {b["bookingId"] for b in await consumer.schedule(owner)}

    code, result_text, booking_id = await consumer.book(slots[1], owner, booking_id=invitation_id)
    assert (code, booking_id) == ("ERROR", None)
    assert result_text == "Kallelsen är redan bokad. En kallelse kan bara bokas en gång."


async def test_open_invitation_needs_its_own_time_type(consumer: Consumer) -> None:
    open_invitation = invitation(consumer.seed, "open")
    owner = open_invitation["subject_of_care"]
    other = next(
        s
        for s in await consumer.slots(owner, time_type_id="LAK30")
        if s["timeTypeID"] != open_invitation["time_type_id"]
    )
    code, result_text, _ = await consumer.book(other, owner, booking_id=open_invitation["booking_id"])
    assert (code, result_text) == ("ERROR", "Tiden gäller inte den typ av besök som kallelsen avser.")


async def test_timed_invitation_moved_becomes_a_booking(consumer: Consumer) -> None:
    timed = invitation(consumer.seed, "timed")
    owner, invitation_id = timed["subject_of_care"], timed["booking_id"]
    [listed] = [b for b in await consumer.schedule(owner) if b["bookingId"] == invitation_id]
    assert listed["isInvitation"] == "true" and listed["purpose"].startswith("<article>")

    new_slot = (await consumer.slots(owner, booking_id=invitation_id))[0]
    code, _ = await consumer.update(invitation_id, new_slot, owner, with_info=True)
    assert code in {"OK", "INFO"}
    moved = await consumer.details(invitation_id)
    assert moved["isInvitation"] == "false"
    assert moved["startTimeInclusive"] == new_slot["startTimeInclusive"]
    old_free = await consumer.slots(owner, days=(0, 21), time_type_id=timed["time_type_id"])
    assert listed["startTimeInclusive"] in {
        s["startTimeInclusive"] for s in old_free if s["performer"] == listed["performer"]
    }


async def test_an_open_invitation_cannot_be_moved_or_cancelled(consumer: Consumer) -> None:
    open_invitation = invitation(consumer.seed, "open")
    owner, invitation_id = open_invitation["subject_of_care"], open_invitation["booking_id"]
    slot = (await consumer.slots(owner, booking_id=invitation_id))[0]
    code, _ = await consumer.update(invitation_id, slot, owner)
    assert code == "ERROR"
    code, _ = await consumer.cancel(invitation_id, owner)
    assert code == "ERROR"


# -- technical errors are SOAP Faults -------------------------------------------------------------


async def test_bad_input_gives_soap_faults(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 4)
    good = schedule_request(consumer.unit, subject)

    fault = await consumer.fault("GetSubjectOfCareSchedule", b"<soapenv:Envelope")
    assert (fault.code, fault.kind) == ("soap:Client", "malformed")

    doctype = (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        + envelope(good, consumer.unit, None).split(b"?>", 1)[1]
    )
    assert (await consumer.fault("GetSubjectOfCareSchedule", doctype)).kind == "forbidden-construct"

    missing = await consumer.fault("GetSubjectOfCareSchedule", envelope(good, None, None))
    assert missing.kind == "missing-logical-address"
    unknown = await consumer.fault("GetSubjectOfCareSchedule", envelope(good, "SE0000000000-XXXX", None))
    assert unknown.kind == "unknown-logical-address" and "SE0000000000-XXXX" in unknown.message

    wrong_place = await consumer.fault("MakeBooking", envelope(good, consumer.unit, None))
    assert wrong_place.kind == "wrong-interaction"
    action = await consumer.fault(
        "GetSubjectOfCareSchedule", envelope(good, consumer.unit, None), {"SOAPAction": '"urn:something:else"'}
    )
    assert action.kind == "soap-action-mismatch"

    invalid = schedule_request(consumer.unit, "19121212121X")
    fault = await consumer.fault("GetSubjectOfCareSchedule", envelope(invalid, consumer.unit, None))
    assert fault.kind == "invalid-message" and "19121212121" not in fault.message

    other_unit = await consumer.fault(
        "GetSubjectOfCareSchedule", envelope(schedule_request("SE2321000016-NOPE", subject), consumer.unit, None)
    )
    assert other_unit.kind == "unknown-care-unit"

    soap12 = b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x/></e:Body></e:Envelope>'
    assert (await consumer.fault("GetSubjectOfCareSchedule", soap12)).kind == "not-soap11"


async def test_hsa_ids_compare_case_insensitively_and_the_region_id_addresses_every_unit(consumer: Consumer) -> None:
    owner = citizen(consumer.seed, 0)
    lower = consumer.unit.lower()
    answer = await consumer.call(schedule_request(lower, owner), logical_address=lower)
    assert children(answer, "timeslotDetail")
    region = consumer.seed["region"]["hsa_id"]
    answer = await consumer.call(catalogue_request("GetAllTimeTypes", region, owner), logical_address=region)
    assert "FYSIO" in {flat(n)["timeTypeId"] for n in children(answer, "ListOfTimeTypes")}


async def test_a_citizen_cannot_read_someone_elses_schedule(consumer: Consumer) -> None:
    me, other = citizen(consumer.seed, 4), citizen(consumer.seed, 0)
    body = schedule_request(consumer.unit, other)
    fault = await consumer.fault("GetSubjectOfCareSchedule", envelope(body, consumer.unit, (me, "subject_of_care")))
    assert fault.kind == "actor-mismatch"


def test_personal_numbers_are_masked_in_schema_messages() -> None:
    message = "Element 'subject_of_care': [facet 'pattern'] The value '19121212121X' is not accepted"
    assert "191212" not in mask_personal_numbers(message)
    assert "191212" not in mask_personal_numbers("saw 191212121212 here")
    assert "121212" not in mask_personal_numbers("saw 121212-1212 and 19121212+1212")
    assert mask_personal_numbers("Okänd vårdenhet: SE2321000016-E0101") == "Okänd vårdenhet: SE2321000016-E0101"


async def test_faults_do_not_echo_personal_numbers(consumer: Consumer) -> None:
    subject = citizen(consumer.seed, 0)
    body = schedule_request(consumer.unit, subject)
    fault = await consumer.fault("GetSubjectOfCareSchedule", envelope(body, subject, None))
    assert fault.kind == "unknown-logical-address" and subject not in fault.message
    fault = await consumer.fault(
        "GetSubjectOfCareSchedule", envelope(schedule_request(subject, subject), consumer.unit, None)
    )
    assert fault.kind == "unknown-care-unit" and subject not in fault.message


# -- fault injection ------------------------------------------------------------------------------


async def test_fault_injection_switches_on_and_off(consumer: Consumer) -> None:
    body = envelope(schedule_request(consumer.unit, citizen(consumer.seed, 0)), consumer.unit, None)
    assert (await consumer.client.put("/admin/faults", json={"down": True})).status_code == 200
    assert (await consumer.raw("GetSubjectOfCareSchedule", body)).status_code == 503
    assert (await consumer.client.get("/admin/seed")).status_code == 200  # admin stays reachable
    await consumer.client.put("/admin/faults", json={"down": False, "error_rate": 1.0})
    assert (await consumer.raw("GetSubjectOfCareSchedule", body)).status_code == 500
    await consumer.client.delete("/admin/faults")
    assert (await consumer.raw("GetSubjectOfCareSchedule", body)).status_code == 200
    assert (await consumer.client.get("/admin/faults")).json()["calls"] == 3


# -- seed -----------------------------------------------------------------------------------------


async def _seed_and_slots(app: Any) -> tuple[dict[str, Any], bytes]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as client:
        seed = (await client.get("/admin/seed")).json()
        consumer = Consumer(client, seed)
        body = search_request("GetAvailableTimeslots", consumer.unit, "20261201", "20261222", citizen(seed, 0))
        response = await client.post(
            by_name(Generation.CRM_SCHEDULING_1, "GetAvailableTimeslots").path,
            content=envelope(body, consumer.unit, None),
        )
    app.state.store.close()
    return seed, response.content


async def test_seed_is_reproducible(clock: FakeClock) -> None:
    first = await _seed_and_slots(producer_app(clock))
    again = await _seed_and_slots(producer_app(clock))
    assert first == again
    other_seed = await _seed_and_slots(create_app(ProducerConfig(seed=2, clock=clock, weeks=3)))
    assert other_seed[0]["citizens"] != first[0]["citizens"]
    assert other_seed[1] != first[1]


async def test_seed_lists_what_tests_need(consumer: Consumer) -> None:
    seed = consumer.seed
    assert seed["region"] == {"code": "01", "name": "Region Stockholm", "hsa_id": "SE2321000016-R01"}
    assert len(seed["care_units"]) == 3 and all(u["performers"] for u in seed["care_units"])
    assert {t["time_type_id"] for t in seed["time_types"]} >= {"LAK30", "PROV", "VACCIN"}
    numbers = [c["personal_number"] for c in seed["citizens"]]
    assert len(set(numbers)) == len(numbers) == 6 and all(len(n) == 12 for n in numbers)
    assert seed["citizens"][0]["booking_ids"]
    assert {i["kind"] for i in seed["invitations"]} == {"timed", "open"}


# -- end to end: the command line, a real server and zeep ---------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def running_producer(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulators.rivta_producer",
            "--port",
            str(port),
            "--region",
            "12",
            "--seed",
            "7",
            "--db",
            str(tmp_path / "region.sqlite3"),
            "--units",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=REPO,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/admin/seed", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the producer did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.e2e
def test_zeep_books_against_a_running_producer(running_producer: str) -> None:
    zeep = pytest.importorskip("zeep")
    seed = httpx.get(f"{running_producer}/admin/seed").json()
    assert seed["region"]["code"] == "12" and len(seed["care_units"]) == 2
    unit = seed["care_units"][0]["hsa_id"]
    subject = seed["citizens"][4]["personal_number"]
    headers = {"LogicalAddress": unit, "actor": {"actorId": subject, "actorType": "subject_of_care"}}

    def service(name: str) -> Any:
        return zeep.Client(f"{running_producer}/vp/{name}/1/rivtabp21?wsdl").service

    time_types = service("GetAllTimeTypes").GetAllTimeTypes(
        healthcare_facility=unit, subject_of_care=subject, _soapheaders=headers
    )
    assert "LAK30" in {t.timeTypeId for t in time_types.ListOfTimeTypes}

    now = dt.datetime.now(SWEDISH_TIME)
    found = service("GetAvailableTimeslots").GetAvailableTimeslots(
        healthcare_facility=unit,
        startDateInclusive=(now + dt.timedelta(days=2)).strftime("%Y%m%d"),
        endDateInclusive=(now + dt.timedelta(days=14)).strftime("%Y%m%d"),
        timeTypeID="LAK30",
        subject_of_care=subject,
        _soapheaders=headers,
    )
    slot = found.timeslotDetail[0]
    request = {
        "startTimeInclusive": slot.startTimeInclusive,
        "endTimeExclusive": slot.endTimeExclusive,
        "healthcare_facility": unit,
        "performer": slot.performer,
        "subject_of_care": subject,
        "timeTypeID": slot.timeTypeID,
    }
    make = service("MakeBooking").MakeBooking
    booked = make(
        healthcare_facility_med=unit,
        requestedTimeslot=request,
        subject_of_care_info={"firstName": "Anna", "lastName": "Berg"},
        _soapheaders=headers,
    )
    assert booked.resultCode == "OK" and booked.bookingId
    again = make(
        healthcare_facility_med=unit,
        requestedTimeslot=request,
        subject_of_care_info={"firstName": "Anna", "lastName": "Berg"},
        _soapheaders=headers,
    )
    assert again.resultCode == "ERROR"

    with pytest.raises(zeep.exceptions.Fault) as raised:
        service("GetBookingDetails").GetBookingDetails(healthcare_facility=unit, bookingId="nope", _soapheaders=headers)
    assert raised.value.message == "Bokningen finns inte."

    assert httpx.put(f"{running_producer}/admin/faults", json={"down": True}).status_code == 200
    response = httpx.post(f"{running_producer}/vp/GetAllTimeTypes/1/rivtabp21", content=b"<x/>")
    assert response.status_code == 503
