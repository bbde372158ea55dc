"""The scheduling 2 adapter over a scripted producer: which calls each method makes, with what,
and what it makes of the answers. Every request it sends is checked against the schemas."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import httpx
import pytest
from lxml import etree

from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    ErrorCode,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import RegionRejectedRequest, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import ENTRY_POINT_GROUP, AdapterSettings, ConfirmingAdapter, RegionAdapter
from adapters.rivta2 import Rivta2Adapter, build_adapter, create_adapter
from adapters.rivta2.client import ProducerRefusal
from adapters.rivta2.result_texts import citizen_text
from contracts.soap import SOAP_ENV_NS, parse_envelope
from tests.adapters.rivta2.answer_xml import hsa, ok, practitioner, service, time_type, timeslot
from tests.adapters.rivta2.rivta2_support import CORE, assert_request_conforms, interaction

UNIT = HsaId("SE2321000024-E0301")
OTHER_UNIT = HsaId("SE2321000024-E0302")
P1 = HsaId("SE2321000024-P030101")
P2 = HsaId("SE2321000024-P030102")
CITIZEN = PersonalIdentity("191212121212")
GUARDIAN = PersonalIdentity("198001012387")
SLOT_A = "4f323cb4-9a16-4a00-9eda-9efa4bbc377a"
SLOT_B = "4f323cb4-9a16-4a00-9eda-9efa4bbc377b"
APPOINTMENT = "b4ae4e3c-753b-44ed-a590-b66fbda9d2a1"
NEW_APPOINTMENT = "b4ae4e3c-753b-44ed-a590-b66fbda9d2a2"
AS_CITIZEN = RequestContext(logical_address=str(UNIT), actor=Actor(CITIZEN.value, ActorRole.CITIZEN))

Answer = Callable[["Sent"], Awaitable[str] | str]


@dataclass
class Sent:
    """One request the adapter sent, as the producer read it."""

    name: str
    address: str
    body: etree._Element
    headers: httpx.Headers

    def top(self, name: str) -> str | None:
        return self.body.findtext(f"{{{interaction(self.name).responder_namespace}}}{name}")

    def core(self, path: str) -> str | None:
        namespace = interaction(self.name).responder_namespace
        first, *rest = path.split("/")
        return self.body.findtext("/".join([f"{{{namespace}}}{first}", *(f"{{{CORE}}}{p}" for p in rest)]))


@dataclass
class Producer:
    """Answers each interaction with a scripted inner XML (or a function of the request)."""

    answers: dict[str, Answer] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        assert_request_conforms(request.content)
        envelope = parse_envelope(request.content)
        name = etree.QName(envelope.body).localname
        sent = Sent(name, envelope.logical_address or "", envelope.body, request.headers)
        self.sent.append(sent)
        answer = self.answers[name](sent)
        inner = await answer if not isinstance(answer, str) else answer
        namespace = interaction(name).responder_namespace
        body = f'<r:{name}Response xmlns:r="{namespace}" xmlns:c="{CORE}">{inner}</r:{name}Response>'
        return httpx.Response(200, content=f'<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body>{body}</s:Body></s:Envelope>')

    def names(self) -> list[str]:
        return [sent.name for sent in self.sent]


def _adapter(producer: Producer, **options: object) -> Rivta2Adapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(producer.handle))
    settings = AdapterSettings(name="03", base_url="http://producer.test", options=options)
    return build_adapter(settings, http_client=http)


def _start(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=SWEDISH_TIME)


def _free_xml(*slots: str) -> str:
    return "".join(f"<r:timeslot>{slot}</r:timeslot>" for slot in slots) + ok()


def _free(*slots: str) -> Answer:
    return lambda sent: _free_xml(*slots)


def _slot(slot_id: str, start: str, end: str, who: HsaId = P1) -> str:
    return timeslot(slot_id=slot_id, start=start, end=end, practitioners=practitioner(str(who)))


# ---------------------------------------------------------------- the adapter as the gateway sees it


def test_the_adapter_is_a_region_adapter_that_can_confirm_and_is_found_by_its_entry_point() -> None:
    adapter = create_adapter(AdapterSettings(name="03", base_url="http://producer.test"))
    assert isinstance(adapter, RegionAdapter)
    assert isinstance(adapter, ConfirmingAdapter)
    assert adapter.kind == "rivta2"
    [found] = [e for e in entry_points(group=ENTRY_POINT_GROUP) if e.name == "rivta2"]
    assert found.load() is create_adapter


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"transport": "carrier"}, "aiohttp or httpx"),
        ({"contact_channels": {"VID": "hologram"}}, "physical, video or phone"),
        ({"time_type_names": ["LAK30"]}, "maps strings to strings"),
        ({"validate_requests": "yes"}, "true or false"),
        ({"max_concurrent_calls": 0}, "at least 1"),
    ],
)
def test_bad_options_are_refused_when_the_adapter_is_built(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_adapter(AdapterSettings(name="03", base_url="http://producer.test", options=options))


# ---------------------------------------------------------------- catalogue


async def test_time_types_are_asked_once_per_practitioner_and_service_and_merged() -> None:
    def answer(sent: Sent) -> str:
        kinds = [time_type("LAK30"), time_type("SSK15")] if sent.core("practitionerId/extension") == P1 else []
        return "".join(f"<r:timeType>{kind}</r:timeType>" for kind in [*kinds, time_type("PROV")]) + ok()

    producer = Producer({"GetTimeTypes": answer})
    query = CatalogueQuery(care_unit=UNIT, performers=(P1, P2), care_type_ids=("11429006", "396550006"))
    found = await _adapter(producer).get_time_types(AS_CITIZEN, query)
    assert [t.time_type_id for t in found] == ["LAK30", "SSK15", "PROV"]
    asked = {(s.core("practitionerId/extension"), s.top("healthcareServiceCode")) for s in producer.sent}
    assert asked == {(P1, "11429006"), (P1, "396550006"), (P2, "11429006"), (P2, "396550006")}
    assert {s.core("personId/extension") for s in producer.sent} == {CITIZEN.value}
    only = await _adapter(producer).get_time_types(AS_CITIZEN, CatalogueQuery(care_unit=UNIT, time_type_ids=("PROV",)))
    assert [t.time_type_id for t in only] == ["PROV"]


async def test_without_a_known_citizen_catalogue_calls_send_neither_actor_nor_person() -> None:
    producer = Producer({"GetTimeTypes": lambda sent: ok()})
    await _adapter(producer).get_time_types(RequestContext(logical_address=str(UNIT)), CatalogueQuery(care_unit=UNIT))
    [sent] = producer.sent
    assert sent.top("actor") is None and sent.top("personId") is None


async def test_care_types_are_the_healthcare_services_of_the_time_types() -> None:
    kinds = [time_type("LAK30"), time_type("PROV", services=service("396550006", "Blodprov"))]
    producer = Producer({"GetTimeTypes": lambda sent: "".join(f"<r:timeType>{k}</r:timeType>" for k in kinds) + ok()})
    found = await _adapter(producer).get_care_types(AS_CITIZEN, CatalogueQuery(care_unit=UNIT))
    assert [(c.care_type_id, c.name) for c in found] == [("11429006", "Konsultation"), ("396550006", "Blodprov")]
    chosen = CatalogueQuery(care_unit=UNIT, care_type_ids=("396550006",))
    assert [c.care_type_id for c in await _adapter(producer).get_care_types(AS_CITIZEN, chosen)] == ["396550006"]


async def test_performers_and_units_are_asked_once_per_time_type() -> None:
    producer = Producer(
        {
            "GetPractitioners": lambda sent: practitioner(str(P1)).replace("c:practitioner", "r:practitioner") + ok(),
            "GetHealthcareFacilities": lambda sent: (
                f"<r:healthcareFacility>{hsa('HSAId', str(UNIT))}</r:healthcareFacility>" + ok()
            ),
        }
    )
    query = CatalogueQuery(care_unit=UNIT, time_type_ids=("LAK30", "SSK15"), care_type_ids=("11429006",))
    adapter = _adapter(producer)
    assert [p.hsa_id for p in await adapter.get_performers(AS_CITIZEN, query)] == [P1]
    assert [u.hsa_id for u in await adapter.get_care_units(AS_CITIZEN, query)] == [UNIT]
    assert [(s.name, s.top("timeTypeCode"), s.top("healthcareServiceCode")) for s in producer.sent] == [
        ("GetPractitioners", "LAK30", None),
        ("GetPractitioners", "SSK15", None),
        ("GetHealthcareFacilities", "LAK30", None),
        ("GetHealthcareFacilities", "SSK15", None),
    ]
    by_service = CatalogueQuery(care_unit=UNIT, care_type_ids=("11429006",), booking_id=APPOINTMENT)
    await adapter.get_performers(AS_CITIZEN, by_service)
    assert (producer.sent[-1].top("healthcareServiceCode"), producer.sent[-1].top("originalAppointmentId")) == (
        "11429006",
        APPOINTMENT,
    )


async def test_fan_out_is_concurrent_but_bounded() -> None:
    running = 0
    most = 0

    async def answer(sent: Sent) -> str:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)
        running -= 1
        return ok()

    producer = Producer({"GetAvailableTimeslots": answer})
    performers = tuple(HsaId(f"SE2321000024-P03010{i}") for i in range(6))
    query = SlotQuery(
        care_unit=UNIT, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 2), performers=performers
    )
    await _adapter(producer, max_concurrent_calls=2).get_available_timeslots(AS_CITIZEN, query)
    assert len(producer.sent) == 6
    assert most == 2


async def test_the_first_failure_of_a_fan_out_is_raised_and_the_rest_cancelled() -> None:
    finished: list[str] = []

    async def answer(sent: Sent) -> str:
        if sent.core("practitionerId/extension") == P1:
            return ok("Ursprungsbokningen finns inte.", "ERROR")
        await asyncio.sleep(0.5)
        finished.append(sent.name)
        return ok()

    producer = Producer({"GetAvailableDates": answer})
    query = SlotQuery(
        care_unit=UNIT, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 2), performers=(P1, P2)
    )
    with pytest.raises(ProducerRefusal) as raised:
        await _adapter(producer).get_available_dates(AS_CITIZEN, query)
    assert isinstance(raised.value, RegionRejectedRequest)
    assert (raised.value.result_code, raised.value.result_text) == ("ERROR", "Ursprungsbokningen finns inte.")
    await asyncio.sleep(0.6)
    assert finished == []


# ---------------------------------------------------------------- free times


async def test_timeslots_are_merged_across_performers_and_sorted() -> None:
    def answer(sent: Sent) -> str:
        later = _slot(SLOT_B, "20261201100000", "20261201103000")
        if sent.core("practitionerId/extension") == P1:
            return _free_xml(later)
        return _free_xml(_slot(SLOT_A, "20261201090000", "20261201093000", P2), later)

    producer = Producer({"GetAvailableTimeslots": answer})
    query = SlotQuery(
        care_unit=UNIT, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 1), performers=(P1, P2)
    )
    found = await _adapter(producer).get_available_timeslots(AS_CITIZEN, query)
    assert [s.slot_id for s in found] == [SLOT_A, SLOT_B]


# ---------------------------------------------------------------- booking by slot id or by times


async def test_a_slot_with_the_producers_id_is_booked_by_it() -> None:
    producer = Producer({"MakeAppointment": lambda sent: f"<r:appointmentId>{NEW_APPOINTMENT}</r:appointmentId>{ok()}"})
    slot = Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30), slot_id=SLOT_A)
    outcome = await _adapter(producer).make_booking(
        AS_CITIZEN, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=CITIZEN, reason="Ont i halsen")
    )
    assert (outcome.code, outcome.booking_id) == (ResultCode.OK, NEW_APPOINTMENT)
    [sent] = producer.sent
    assert (sent.top("timeslotId"), sent.top("reasonText"), sent.address) == (SLOT_A, "Ont i halsen", str(UNIT))


async def test_a_slot_named_by_its_times_is_found_with_a_one_day_search() -> None:
    producer = Producer(
        {
            "GetAvailableTimeslots": _free(
                _slot(SLOT_A, "20261201090000", "20261201093000", P2),
                _slot(SLOT_B, "20261201090000", "20261201093000", P1),
            ),
            "MakeAppointment": lambda sent: f"<r:appointmentId>{NEW_APPOINTMENT}</r:appointmentId>{ok()}",
        }
    )
    slot = Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30), performer=P1, time_type_id="LAK30")
    outcome = await _adapter(producer).make_booking(
        AS_CITIZEN, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=CITIZEN)
    )
    assert outcome.booking_id == NEW_APPOINTMENT
    search, booking = producer.sent
    assert (search.top("startDateInclusive"), search.top("endDateInclusive")) == ("20261201", "20261201")
    assert (search.top("timeTypeCode"), search.core("practitionerId/extension")) == ("LAK30", P1)
    assert booking.top("timeslotId") == SLOT_B


@pytest.mark.parametrize(
    "slot",
    [
        Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30), performer=P2),  # another performer
        Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 45)),  # another end
        Timeslot(care_unit=UNIT, start=_start(9, 15), end=None),  # another start
        Timeslot(care_unit=OTHER_UNIT, start=_start(9), end=_start(9, 30)),  # another unit
    ],
)
async def test_a_slot_that_cannot_be_found_is_no_longer_available(slot: Timeslot) -> None:
    producer = Producer({"GetAvailableTimeslots": _free(_slot(SLOT_A, "20261201090000", "20261201093000"))})
    outcome = await _adapter(producer).make_booking(
        AS_CITIZEN, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=CITIZEN)
    )
    assert (outcome.code, outcome.error) == (ResultCode.ERROR, ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
    assert outcome.text == citizen_text(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
    assert producer.names() == ["GetAvailableTimeslots"]


async def test_an_open_slot_without_id_or_times_cannot_be_booked() -> None:
    producer = Producer()
    slot = Timeslot(care_unit=UNIT, start=None, end=None)
    with pytest.raises(RegionRejectedRequest, match="by its id or its times"):
        await _adapter(producer).make_booking(
            AS_CITIZEN, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=CITIZEN)
        )
    assert producer.sent == []


async def test_without_an_actor_in_the_context_the_citizen_acts_for_themself() -> None:
    producer = Producer({"MakeAppointment": lambda sent: ok("Välkommen", "INFO")})
    slot = Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30), slot_id=SLOT_A)
    ctx = RequestContext(logical_address=str(UNIT), consumer_id="SE165565594230-1000", correlation_id="c-9")
    outcome = await _adapter(producer).make_booking(ctx, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=CITIZEN))
    assert (outcome.code, outcome.text, outcome.booking_id) == (ResultCode.INFO, "Välkommen", None)
    [sent] = producer.sent
    assert sent.core("actor/actorType/code") == "116154003"
    assert sent.core("actor/actorId/extension") == CITIZEN.value
    assert sent.headers["x-rivta-original-serviceconsumer-hsaid"] == "SE165565594230-1000"
    assert sent.headers["x-skltp-correlation-id"] == "c-9"


async def test_a_guardian_acts_for_the_citizen() -> None:
    producer = Producer({"CancelAppointment": lambda sent: ok()})
    ctx = RequestContext(logical_address=str(UNIT), actor=Actor(GUARDIAN.value, ActorRole.GUARDIAN))
    outcome = await _adapter(producer).cancel_booking(
        ctx, CancelRequest(care_unit=UNIT, booking_id=APPOINTMENT, citizen=CITIZEN, message="Sjuk")
    )
    assert (outcome.code, outcome.booking_id) == (ResultCode.OK, APPOINTMENT)
    [sent] = producer.sent
    assert (sent.core("actor/actorType/code"), sent.core("actor/actorId/extension")) == (
        "60101000052104",
        GUARDIAN.value,
    )
    assert (sent.core("personId/extension"), sent.top("reasonText")) == (CITIZEN.value, "Sjuk")


async def test_rebooking_moves_to_the_slot_found_and_keeps_the_producers_new_id() -> None:
    producer = Producer(
        {
            "GetAvailableTimeslots": _free(_slot(SLOT_A, "20261201090000", "20261201093000")),
            "UpdateAppointment": lambda sent: f"<r:appointmentId>{NEW_APPOINTMENT}</r:appointmentId>{ok()}",
        }
    )
    slot = Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30))
    outcome = await _adapter(producer).update_booking(
        AS_CITIZEN, RebookRequest(booking_id=APPOINTMENT, slot=slot, citizen=CITIZEN, reason="Krock")
    )
    assert outcome.booking_id == NEW_APPOINTMENT
    update = producer.sent[-1]
    assert (update.top("originalAppointmentId"), update.top("timeslotId"), update.top("reasonText")) == (
        APPOINTMENT,
        SLOT_A,
        "Krock",
    )


async def test_ids_that_are_not_uuids_do_not_exist_at_a_scheduling_2_producer() -> None:
    producer = Producer()
    adapter = _adapter(producer)
    slot = Timeslot(care_unit=UNIT, start=_start(9), end=_start(9, 30), slot_id=SLOT_A)
    outcomes = [
        await adapter.update_booking(AS_CITIZEN, RebookRequest(booking_id="BK-1", slot=slot, citizen=CITIZEN)),
        await adapter.cancel_booking(AS_CITIZEN, CancelRequest(care_unit=UNIT, booking_id="BK-1")),
        await adapter.confirm_booking(AS_CITIZEN, UNIT, "BK-1", CITIZEN),
    ]
    assert {o.error for o in outcomes} == {ErrorCode.APPOINTMENT_DOES_NOT_EXIST}
    assert await adapter.get_booking(AS_CITIZEN, UNIT, "BK-1") is None
    assert producer.sent == []


# ---------------------------------------------------------------- reading bookings


def _appointment_xml(appointment_id: str, start: str, end: str) -> str:
    return (
        f"<r:appointment><c:appointmentId>{appointment_id}</c:appointmentId>"
        f"<c:timeslot>{timeslot(start=start, end=end)}</c:timeslot>"
        f"<c:personId><c:root>1.2.752.129.2.1.3.1</c:root><c:extension>{CITIZEN.value}</c:extension></c:personId>"
        "<c:status>confirmed</c:status></r:appointment>"
    )


async def test_get_booking_needs_to_know_whose_booking_it_is() -> None:
    producer = Producer(
        {"GetAppointment": lambda sent: _appointment_xml(APPOINTMENT, "20261201090000", "20261201093000") + ok()}
    )
    staff = RequestContext(logical_address=str(UNIT), actor=Actor("SE2321000024-P030101", ActorRole.STAFF))
    with pytest.raises(RegionRejectedRequest, match="personId"):
        await _adapter(producer).get_booking(staff, UNIT, APPOINTMENT)
    assert producer.sent == []
    found = await _adapter(producer).get_booking(staff, UNIT, APPOINTMENT, citizen=CITIZEN)
    assert found is not None and found.booking_id == APPOINTMENT
    assert producer.sent[-1].core("actor/actorType/code") == "223366009"
    assert producer.sent[-1].core("personId/extension") == CITIZEN.value
    mine = await _adapter(producer).get_booking(AS_CITIZEN, UNIT, APPOINTMENT)
    assert mine is not None and producer.sent[-1].core("personId/extension") == CITIZEN.value


@pytest.mark.parametrize(
    "answer", [ok(), ok("Bokningen är avbokad.", "INFO"), ok("Finns inte", "APPOINTMENT_DOES_NOT_EXIST")]
)
async def test_get_booking_of_an_appointment_the_producer_does_not_hold_is_none(answer: str) -> None:
    producer = Producer({"GetAppointment": lambda sent: answer})
    assert await _adapter(producer).get_booking(AS_CITIZEN, UNIT, APPOINTMENT) is None


async def test_get_booking_refused_by_the_producer_raises() -> None:
    producer = Producer({"GetAppointment": lambda sent: ok("Du kan bara hantera dina egna bokningar.", "ERROR")})
    with pytest.raises(ProducerRefusal, match="egna bokningar"):
        await _adapter(producer).get_booking(AS_CITIZEN, UNIT, APPOINTMENT)


async def test_the_schedule_asks_each_unit_for_each_appointment_and_leaves_out_the_gone() -> None:
    ids = [
        (APPOINTMENT, UNIT),
        (NEW_APPOINTMENT, OTHER_UNIT),
        ("b4ae4e3c-753b-44ed-a590-b66fbda9d2a3", UNIT),
    ]
    starts = {APPOINTMENT: "20261203090000", NEW_APPOINTMENT: "20261201090000"}

    def appointment(sent: Sent) -> str:
        wanted = sent.top("appointmentId") or ""
        if wanted not in starts:
            return ok("Bokningen är avbokad.", "INFO")
        return _appointment_xml(wanted, starts[wanted], starts[wanted][:8] + "093000") + ok()

    producer = Producer(
        {
            "GetAppointments": lambda sent: "".join(
                f"<r:appointment><c:appointmentId>{i}</c:appointmentId>{hsa('healthcareFacilityId', str(u))}"
                "</r:appointment>"
                for i, u in ids
            ),
            "GetAppointment": appointment,
        }
    )
    region = RequestContext(logical_address="SE2321000024-R03", actor=Actor(CITIZEN.value, ActorRole.CITIZEN))
    bookings = await _adapter(producer).get_schedule(region, UNIT, CITIZEN)
    assert [b.booking_id for b in bookings] == [NEW_APPOINTMENT, APPOINTMENT]
    assert producer.sent[0].address == "SE2321000024-R03"
    assert {(s.top("appointmentId"), s.address) for s in producer.sent[1:]} == {(i, str(u)) for i, u in ids}


async def test_a_failure_while_reading_the_schedule_is_raised() -> None:
    async def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down")

    adapter = build_adapter(
        AdapterSettings(name="03", base_url="http://producer.test"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(broken)),
    )
    with pytest.raises(RegionUnavailable):
        await adapter.get_schedule(AS_CITIZEN, UNIT, CITIZEN)


async def test_confirm_sends_confirm_appointment_and_reads_its_codes() -> None:
    producer = Producer({"ConfirmAppointment": lambda sent: ok(code="APPOINTMENT_IS_ALREADY_CONFIRMED")})
    outcome = await _adapter(producer).confirm_booking(AS_CITIZEN, UNIT, APPOINTMENT, CITIZEN)
    assert (outcome.error, outcome.text) == (
        ErrorCode.APPOINTMENT_IS_ALREADY_CONFIRMED,
        citizen_text(ErrorCode.APPOINTMENT_IS_ALREADY_CONFIRMED),
    )
    [sent] = producer.sent
    assert (sent.top("appointmentId"), sent.core("personId/extension")) == (APPOINTMENT, CITIZEN.value)


async def test_aclose_closes_only_a_client_the_adapter_built() -> None:
    shared = httpx.AsyncClient()
    adapter = build_adapter(AdapterSettings(name="03", base_url="http://producer.test"), http_client=shared)
    await adapter.aclose()
    assert not shared.is_closed
    await shared.aclose()
    own = build_adapter(AdapterSettings(name="03", base_url="http://producer.test"))
    await own.aclose()
