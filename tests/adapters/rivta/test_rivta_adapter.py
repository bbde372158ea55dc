"""The crm:scheduling 1.1 adapter against a mocked producer (respx): WSDL loading and caching,
headers, the answers it reads and how each kind of failure is reported."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from adapters.domain import (
    Actor,
    ActorRole,
    BookingRequest,
    CancelRequest,
    CitizenDetails,
    ErrorCode,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
)
from adapters.errors import (
    RegionProtocolError,
    RegionRejectedRequest,
    RegionTimeout,
    RegionUnavailable,
)
from adapters.http import build_http_client
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings, RegionAdapter
from adapters.rivta import RivtaAdapter, build_adapter, create_adapter
from contracts.catalogue import Generation, by_name
from contracts.publish import SCHEMA_PATH_PREFIX, published_wsdl, schema_file
from contracts.soap import ActorHeader, parse_envelope
from tests.adapters.rivta.rivta_support import (
    BUNDLED_WSDL,
    CITIZEN,
    UNIT,
    assert_request_conforms,
    envelope,
    fault_envelope,
)

BASE = "http://region01.test"
unit = HsaId(UNIT)
citizen = PersonalIdentity(CITIZEN)
ctx = RequestContext(
    logical_address=UNIT,
    actor=Actor(CITIZEN, ActorRole.CITIZEN),
    consumer_id="SE165565594230-1000",
    correlation_id="corr-1",
)
SEARCH = SlotQuery(care_unit=unit, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 7))
TIMESLOTS_ANSWER = envelope(
    '<r:GetAvailableTimeslotsResponse xmlns:r="urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1"'
    ' xmlns:c="urn:riv:crm:scheduling:1"><r:timeslotDetail>'
    "<c:startTimeInclusive>20261201100000</c:startTimeInclusive><c:endTimeExclusive>20261201103000</c:endTimeExclusive>"
    f"<c:healthcare_facility>{UNIT}</c:healthcare_facility><c:timeTypeID>TT1</c:timeTypeID>"
    "</r:timeslotDetail></r:GetAvailableTimeslotsResponse>"
)


def _path(name: str) -> str:
    return by_name(Generation.CRM_SCHEDULING_1, name).path


def _settings(**options: Any) -> AdapterSettings:
    return AdapterSettings(name="01", base_url=BASE, timeout=dt.timedelta(seconds=2), options=options)


@pytest.fixture
async def adapter() -> AsyncIterator[RivtaAdapter]:
    built = build_adapter(_settings(wsdl_dir=str(BUNDLED_WSDL)))
    yield built
    await built.aclose()


@pytest.fixture
def producer() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, using="httpx", assert_all_called=False) as router:
        yield router


def _booking_request(**changes: Any) -> BookingRequest:
    slot = Timeslot(
        care_unit=unit,
        start=dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
        time_type_id="TT1",
    )
    values: dict[str, Any] = {
        "care_unit_med": unit,
        "slot": slot,
        "citizen": citizen,
        "details": CitizenDetails("Tolvan", "Tolvansson"),
    }
    values.update(changes)
    return BookingRequest(**values)


def test_create_adapter_is_a_region_adapter() -> None:
    made = create_adapter(_settings())
    assert isinstance(made, RegionAdapter)
    assert made.kind == "rivta"


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="interactions"):
        build_adapter(_settings(wsdl_dir="/nonexistent"))
    with pytest.raises(ValueError, match="endpoint_paths"):
        build_adapter(_settings(endpoint_paths=["x"]))
    with pytest.raises(ValueError, match="transport"):
        build_adapter(_settings(transport="requests"))


def test_addresses_and_wsdl_locations() -> None:
    remote = build_adapter(_settings(endpoint_paths={"MakeBooking": "Schedulr/ws/MakeBooking/1"}))
    assert remote.services.address("GetBookingDetails") == f"{BASE}/vp/GetBookingDetails/1/rivtabp21"
    assert remote.services.wsdl_location("GetBookingDetails") == f"{BASE}/vp/GetBookingDetails/1/rivtabp21?wsdl"
    assert remote.services.address("MakeBooking") == f"{BASE}/Schedulr/ws/MakeBooking/1"
    # a folder holding crm_scheduling_1.1/ is accepted as well as the folder itself
    local = build_adapter(_settings(wsdl_dir=str(BUNDLED_WSDL.parent)))
    assert local.services.wsdl_location("MakeBooking") == str(
        BUNDLED_WSDL / "interactions/MakeBookingInteraction/MakeBookingInteraction_1.1_RIVTABP21.wsdl"
    )


async def test_a_call_sends_a_conforming_request_with_headers_and_reads_the_answer(
    adapter: RivtaAdapter, producer: respx.MockRouter
) -> None:
    route = producer.post(_path("GetAvailableTimeslots")).respond(200, content=TIMESLOTS_ANSWER)
    slots = await adapter.get_available_timeslots(ctx, SEARCH)
    assert [(s.start, s.time_type_id) for s in slots] == [(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), "TT1")]
    request = route.calls.last.request
    assert assert_request_conforms(request.content) == "GetAvailableTimeslots"
    assert (
        request.headers["SOAPAction"]
        == '"urn:riv:crm:scheduling:GetAvailableTimeslotsResponder:1:GetAvailableTimeslots"'
    )
    assert request.headers["content-type"].startswith("text/xml")
    assert request.headers["x-rivta-original-serviceconsumer-hsaid"] == "SE165565594230-1000"
    assert request.headers["x-skltp-correlation-id"] == "corr-1"
    sent = parse_envelope(request.content)
    assert sent.logical_address == UNIT
    assert sent.actor == ActorHeader(actor_id=CITIZEN, actor_type="subject_of_care")


async def test_each_wsdl_is_loaded_once(adapter: RivtaAdapter, producer: respx.MockRouter) -> None:
    producer.post(_path("GetAvailableTimeslots")).respond(200, content=TIMESLOTS_ANSWER)
    await asyncio.gather(*(adapter.get_available_timeslots(ctx, SEARCH) for _ in range(3)))
    first = await adapter.services.proxy("GetAvailableTimeslots")
    await adapter.get_available_timeslots(ctx, SEARCH)
    assert await adapter.services.proxy("GetAvailableTimeslots") is first
    assert adapter.services.loaded == {"GetAvailableTimeslots"}


async def test_concurrent_calls_keep_their_own_http_headers(adapter: RivtaAdapter, producer: respx.MockRouter) -> None:
    route = producer.post(_path("GetAvailableTimeslots")).respond(200, content=TIMESLOTS_ANSWER)

    async def call(correlation: str) -> None:
        context = RequestContext(logical_address=UNIT, actor=ctx.actor, correlation_id=correlation)
        await adapter.get_available_timeslots(context, SEARCH)

    await asyncio.gather(*(call(f"c{n}") for n in range(10)))
    sent = sorted(call.request.headers["x-skltp-correlation-id"] for call in route.calls)
    assert sent == sorted(f"c{n}" for n in range(10))
    await adapter.get_available_timeslots(RequestContext(logical_address=UNIT, actor=ctx.actor), SEARCH)
    assert "x-skltp-correlation-id" not in route.calls.last.request.headers


async def test_wsdls_are_read_from_the_producer_with_the_adapters_own_client(producer: respx.MockRouter) -> None:
    interaction = by_name(Generation.CRM_SCHEDULING_1, "GetAvailableTimeslots")
    wsdl = producer.get(_path("GetAvailableTimeslots"), params={"wsdl": ""}).respond(
        200, content=published_wsdl(interaction, BASE)
    )
    schemas = producer.get(url__startswith=BASE + SCHEMA_PATH_PREFIX).mock(
        side_effect=lambda request: httpx.Response(
            200, content=schema_file(request.url.path.removeprefix(SCHEMA_PATH_PREFIX + "/"))
        )
    )
    producer.post(_path("GetAvailableTimeslots")).respond(200, content=TIMESLOTS_ANSWER)
    remote = build_adapter(_settings())
    try:
        results = await asyncio.gather(*(remote.get_available_timeslots(ctx, SEARCH) for _ in range(3)))
        await remote.get_available_timeslots(ctx, SEARCH)
    finally:
        await remote.aclose()
    assert all(len(slots) == 1 for slots in results)
    assert wsdl.call_count == 1
    fetched = [call.request.url.path for call in schemas.calls]
    assert len(fetched) == len(set(fetched)) > 0  # each imported schema once


async def test_a_wsdl_importing_from_elsewhere_is_refused(producer: respx.MockRouter) -> None:
    interaction = by_name(Generation.CRM_SCHEDULING_1, "GetAvailableTimeslots")
    producer.get(_path("GetAvailableTimeslots"), params={"wsdl": ""}).respond(
        200, content=published_wsdl(interaction, "http://elsewhere.test")
    )
    remote = build_adapter(_settings())
    try:
        with pytest.raises(RegionProtocolError, match="outside the producer"):
            await remote.get_available_timeslots(ctx, SEARCH)
    finally:
        await remote.aclose()


async def test_a_failed_wsdl_load_is_reported_and_retried(producer: respx.MockRouter) -> None:
    route = producer.get(_path("GetBookingDetails"), params={"wsdl": ""})
    route.respond(503, text="down")
    remote = build_adapter(_settings())
    try:
        with pytest.raises(RegionUnavailable):
            await remote.get_booking(ctx, unit, "B1")
        assert remote.services.loaded == frozenset()
        with pytest.raises(RegionUnavailable):
            await remote.get_booking(ctx, unit, "B1")
        assert route.call_count == 2
    finally:
        await remote.aclose()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            httpx.Response(500, content=fault_envelope("Client", "Ogiltigt personnummer 191212121212")),
            RegionRejectedRequest,
        ),
        (httpx.Response(500, content=fault_envelope("Server", "Databasen svarar inte")), RegionUnavailable),
        (httpx.Response(503, text="simulated outage"), RegionUnavailable),
        (httpx.Response(504, text="simulated hang"), RegionTimeout),
        (httpx.Response(400, text="bad request"), RegionRejectedRequest),
        (httpx.Response(200, text="<html>not soap"), RegionProtocolError),
        (httpx.Response(200, content=envelope("<x:Other xmlns:x='urn:x'/>")), RegionProtocolError),
        (httpx.ConnectError("refused"), RegionUnavailable),
        (httpx.ReadTimeout("slow"), RegionTimeout),
        (httpx.RemoteProtocolError("hung up"), RegionUnavailable),
    ],
    ids=[
        "client-fault",
        "server-fault",
        "503",
        "504",
        "400",
        "not-xml",
        "wrong-shape",
        "refused",
        "read-timeout",
        "hung-up",
    ],
)
async def test_failures(
    adapter: RivtaAdapter, producer: respx.MockRouter, answer: httpx.Response | Exception, error: type[Exception]
) -> None:
    route = producer.post(_path("GetAvailableTimeslots"))
    if isinstance(answer, Exception):
        route.mock(side_effect=answer)
    else:
        route.mock(return_value=answer)
    with pytest.raises(error) as caught:
        await adapter.get_available_timeslots(ctx, SEARCH)
    assert getattr(caught.value, "region", None) == "01"
    assert "191212121212" not in str(caught.value)


async def test_a_fault_keeps_its_masked_fault_string(adapter: RivtaAdapter, producer: respx.MockRouter) -> None:
    producer.post(_path("GetAvailableTimeslots")).respond(
        500, content=fault_envelope("Client", "Ogiltigt personnummer 191212121212")
    )
    with pytest.raises(RegionRejectedRequest, match=r"Ogiltigt personnummer 1912\*{8}"):
        await adapter.get_available_timeslots(ctx, SEARCH)


async def test_an_answer_with_invalid_values_is_a_protocol_error(
    adapter: RivtaAdapter, producer: respx.MockRouter
) -> None:
    producer.post(_path("GetAvailableTimeslots")).respond(
        200, content=TIMESLOTS_ANSWER.replace(b"20261201100000", b"2026-12-01T10")
    )
    with pytest.raises(RegionProtocolError, match="startTimeInclusive"):
        await adapter.get_available_timeslots(ctx, SEARCH)


async def test_the_calls_deadline_is_a_timeout() -> None:
    settings = AdapterSettings(
        name="01", base_url=BASE, timeout=dt.timedelta(seconds=0.2), options={"wsdl_dir": str(BUNDLED_WSDL)}
    )
    slow = build_adapter(settings)

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, content=TIMESLOTS_ANSWER)

    try:
        with respx.mock(base_url=BASE, using="httpx", assert_all_called=False) as router:
            router.post(_path("GetAvailableTimeslots")).mock(side_effect=never)
            with pytest.raises(RegionTimeout):
                await slow.get_available_timeslots(ctx, SEARCH)
    finally:
        await slow.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_producer_that_is_not_there_is_unavailable() -> None:
    settings = AdapterSettings(
        name="01",
        base_url=f"http://127.0.0.1:{_closed_port()}",
        timeout=dt.timedelta(seconds=2),
        options={"wsdl_dir": str(BUNDLED_WSDL)},
    )
    absent = build_adapter(settings)
    try:
        with pytest.raises(RegionUnavailable):
            await absent.get_available_timeslots(ctx, SEARCH)
    finally:
        await absent.aclose()


def _details_answer(booking_id: str) -> bytes:
    return envelope(
        '<r:GetBookingDetailsResponse xmlns:r="urn:riv:crm:scheduling:GetBookingDetailsResponder:1"'
        ' xmlns:c="urn:riv:crm:scheduling:1"><r:timeslotDetail>'
        "<c:startTimeInclusive>20261201100000</c:startTimeInclusive>"
        "<c:endTimeExclusive>20261201103000</c:endTimeExclusive>"
        f"<c:healthcare_facility>{UNIT}</c:healthcare_facility><c:bookingId>{booking_id}</c:bookingId>"
        f"<c:subject_of_care>{CITIZEN}</c:subject_of_care><c:cancel_booking_allowed>true</c:cancel_booking_allowed>"
        "</r:timeslotDetail></r:GetBookingDetailsResponse>"
    )


async def test_get_booking(adapter: RivtaAdapter, producer: respx.MockRouter) -> None:
    route = producer.post(_path("GetBookingDetails"))
    route.respond(200, content=_details_answer("B1"))
    booking = await adapter.get_booking(ctx, unit, "B1")
    assert booking is not None
    assert (booking.booking_id, booking.citizen, booking.cancel_allowed) == ("B1", citizen, True)
    assert_request_conforms(route.calls.last.request.content)

    route.respond(500, content=fault_envelope("Client", "Bokningen finns inte."))
    assert await adapter.get_booking(ctx, unit, "B404") is None
    route.respond(500, content=fault_envelope("Client", "Bokningen är avbokad."))
    assert await adapter.get_booking(ctx, unit, "B2") is None
    route.respond(500, content=fault_envelope("Client", "Okänd vårdenhet: SE2321000016-15CQ"))
    with pytest.raises(RegionRejectedRequest, match="Okänd vårdenhet"):
        await adapter.get_booking(ctx, unit, "B1")
    route.respond(500, content=fault_envelope("Server", "Tekniskt fel i tidboken."))
    with pytest.raises(RegionUnavailable):
        await adapter.get_booking(ctx, unit, "B1")


async def test_writes_return_outcomes(adapter: RivtaAdapter, producer: respx.MockRouter) -> None:
    make = producer.post(_path("MakeBooking"))
    make.respond(
        200,
        content=envelope(
            '<r:MakeBookingResponse xmlns:r="urn:riv:crm:scheduling:MakeBookingResponder:1">'
            "<r:bookingId>B7</r:bookingId><r:resultCode>OK</r:resultCode></r:MakeBookingResponse>"
        ),
    )
    outcome = await adapter.make_booking(ctx, _booking_request())
    assert (outcome.code, outcome.booking_id) == (ResultCode.OK, "B7")
    assert assert_request_conforms(make.calls.last.request.content) == "MakeBooking"

    make.respond(
        200,
        content=envelope(
            '<r:MakeBookingResponse xmlns:r="urn:riv:crm:scheduling:MakeBookingResponder:1">'
            "<r:resultCode>ERROR</r:resultCode><r:resultText>Tiden har blivit upptagen av en annan patient."
            "</r:resultText></r:MakeBookingResponse>"
        ),
    )
    refused = await adapter.make_booking(ctx, _booking_request())
    assert refused.code is ResultCode.ERROR
    assert refused.error is ErrorCode.REQUESTED_TIME_IS_ALREADY_RESERVED
    assert refused.text == "Tiden har blivit upptagen av en annan patient."

    cancel = producer.post(_path("CancelBooking")).respond(
        200,
        content=envelope(
            '<r:CancelBookingResponse xmlns:r="urn:riv:crm:scheduling:CancelBookingResponder:1">'
            "<r:resultCode>ERROR</r:resultCode><r:resultText>Bokningen finns inte.</r:resultText>"
            "</r:CancelBookingResponse>"
        ),
    )
    gone = await adapter.cancel_booking(ctx, CancelRequest(unit, "B404", citizen))
    assert (gone.code, gone.error) == (ResultCode.ERROR, ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
    assert assert_request_conforms(cancel.calls.last.request.content) == "CancelBooking"


async def test_a_request_1_1_cannot_carry_is_refused_before_anything_is_sent(
    adapter: RivtaAdapter, producer: respx.MockRouter
) -> None:
    route = producer.post(_path("MakeBooking"))
    with pytest.raises(ValueError, match="first and last name"):
        await adapter.make_booking(ctx, _booking_request(details=None))
    assert not route.called


async def test_an_injected_client_is_shared_and_left_open() -> None:
    client = build_http_client(2.0)
    shared = create_adapter(_settings(wsdl_dir=str(BUNDLED_WSDL)), http_client=client)
    await shared.aclose()
    assert not client.is_closed
    await client.aclose()
    owned = build_adapter(_settings())
    await owned.aclose()
    assert owned.services._client.is_closed
