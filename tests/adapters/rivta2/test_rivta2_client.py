"""The scheduling 2 SOAP client: what it sends, and every way an answer can fail to be one."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from lxml import etree

from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.http import TransportKind, build_http_client
from adapters.rivta2 import requests
from adapters.rivta2.client import (
    DEFAULT_MAX_ANSWER_BYTES,
    ProducerClientFault,
    ProducerServerFault,
    Scheduling2Client,
)
from contracts.soap import REGISTRY_NS, SOAP_ENV_NS, parse_envelope
from tests.adapters.rivta2.rivta2_support import assert_request_conforms, interaction

Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]
BASE = "http://producer.test"
UNIT = "SE2321000024-E0301"
CITIZEN = "191212121212"
TIME_TYPES_NS = interaction("GetTimeTypes").responder_namespace
OK_ANSWER = (
    f'<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body>'
    f'<r:GetTimeTypesResponse xmlns:r="{TIME_TYPES_NS}"><r:resultCode>OK</r:resultCode></r:GetTimeTypesResponse>'
    "</s:Body></s:Envelope>"
)


def _client(
    handler: Handler,
    *,
    timeout: float = 2.0,
    endpoint_paths: dict[str, str] | None = None,
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
) -> Scheduling2Client:
    return Scheduling2Client(
        region="03",
        base_url=BASE + "/",
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        timeout=dt.timedelta(seconds=timeout),
        endpoint_paths=endpoint_paths,
        max_answer_bytes=max_answer_bytes,
    )


def _answer(text: str, status: int = 200, content_type: str = "text/xml; charset=utf-8") -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=text.encode(), headers={"content-type": content_type})

    return handler


def _fault(code: str, text: str) -> str:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body><s:Fault><faultcode>s:{code}</faultcode>'
        f"<faultstring>{text}</faultstring><detail><detailString>kind</detailString></detail></s:Fault>"
        "</s:Body></s:Envelope>"
    )


def _code(answer: etree._Element) -> str | None:
    return answer.findtext(f"{{{TIME_TYPES_NS}}}resultCode")


async def _time_types(client: Scheduling2Client, read: Callable[[etree._Element], object] = _code) -> object:
    return await client.call("GetTimeTypes", UNIT, requests.time_types_request(None, None), read)


async def test_a_call_is_posted_to_the_interactions_path_with_its_soap_action_and_logical_address() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=OK_ANSWER.encode())

    client = _client(handler)
    answer = await client.call(
        "GetTimeTypes",
        UNIT,
        requests.time_types_request(None, None),
        _code,
        http_headers={"x-skltp-correlation-id": "c1"},
    )
    assert answer == "OK"
    [request] = seen
    assert str(request.url) == f"{BASE}/vp/GetTimeTypes/2/rivtabp21"
    assert (
        request.headers["soapaction"]
        == '"urn:riv:supportprocess:logistics:scheduling:GetTimeTypesResponder:2:GetTimeTypes"'
    )
    assert request.headers["content-type"] == "text/xml; charset=UTF-8"
    assert request.headers["x-skltp-correlation-id"] == "c1"
    assert assert_request_conforms(request.content) == "GetTimeTypes"
    headers = parse_envelope(request.content).headers
    assert headers[0].tag == f"{{{REGISTRY_NS}}}LogicalAddress" and headers[0].text == UNIT


def test_confirm_appointment_is_at_contract_version_1_and_paths_can_be_configured() -> None:
    client = _client(_answer(OK_ANSWER), endpoint_paths={"GetTimeTypes": "/tidbok/GetTimeTypes"})
    assert client.address("ConfirmAppointment") == f"{BASE}/vp/ConfirmAppointment/1/rivtabp21"
    assert client.address("MakeAppointment") == f"{BASE}/vp/MakeAppointment/2/rivtabp21"
    assert client.address("GetTimeTypes") == f"{BASE}/tidbok/GetTimeTypes"


async def test_a_request_that_breaks_the_contract_is_refused_before_sending() -> None:
    sent: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=OK_ANSWER.encode())

    body = requests.time_types_request(None, None)
    etree.SubElement(body, f"{{{TIME_TYPES_NS}}}nonsense").text = CITIZEN
    with pytest.raises(RegionRejectedRequest, match="does not follow the contract") as raised:
        await _client(handler).call("GetTimeTypes", UNIT, body, _code)
    assert sent == []
    assert CITIZEN not in str(raised.value)


@pytest.mark.parametrize("status", [500, 200])
async def test_a_client_fault_is_a_rejected_request_with_the_masked_fault_string(status: int) -> None:
    client = _client(_answer(_fault("Client", f"Okänd person {CITIZEN}"), status))
    with pytest.raises(ProducerClientFault) as raised:
        await _time_types(client)
    assert isinstance(raised.value, RegionRejectedRequest)
    assert raised.value.fault_code == "Client"
    assert raised.value.fault_string == "Okänd person 1912********"
    assert CITIZEN not in str(raised.value)


async def test_a_server_fault_means_the_region_is_unavailable() -> None:
    with pytest.raises(ProducerServerFault) as raised:
        await _time_types(_client(_answer(_fault("Server", "Tekniskt fel i tidboken."), 500)))
    assert isinstance(raised.value, RegionUnavailable)
    assert raised.value.region == "03"


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, RegionUnavailable), (500, RegionUnavailable), (504, RegionTimeout), (404, RegionRejectedRequest)],
)
async def test_http_errors_without_a_soap_answer(status: int, error: type[Exception]) -> None:
    with pytest.raises(error, match=f"HTTP {status}"):
        await _time_types(_client(_answer("simulated outage", status, "text/plain")))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not xml at all", "not SOAP"),
        ("<html><body>Welcome</body></html>", "cannot be read"),
        (
            f'<!DOCTYPE x [<!ENTITY e "{CITIZEN}">]><s:Envelope xmlns:s="{SOAP_ENV_NS}"><s:Body/></s:Envelope>',
            "cannot be read",
        ),
        (OK_ANSWER.replace("GetTimeTypesResponse", "GetPractitionersResponse"), "not a GetTimeTypesResponse"),
    ],
)
async def test_an_answer_that_is_not_the_response_is_a_protocol_error(text: str, reason: str) -> None:
    with pytest.raises(RegionProtocolError, match=reason):
        await _time_types(_client(_answer(text)))


async def test_an_answer_over_the_size_limit_is_a_protocol_error() -> None:
    padded = OK_ANSWER.replace("<r:resultCode>", "<r:resultText>" + "x" * 5000 + "</r:resultText><r:resultCode>")
    with pytest.raises(RegionProtocolError, match="too-large"):
        await _time_types(_client(_answer(padded), max_answer_bytes=4000))


async def test_an_answer_the_mapping_cannot_read_is_a_protocol_error_masked() -> None:
    def unreadable(answer: etree._Element) -> object:
        raise ValueError(f"person {CITIZEN} unknown")

    with pytest.raises(RegionProtocolError, match="unreadable answer") as raised:
        await _time_types(_client(_answer(OK_ANSWER)), unreadable)
    assert CITIZEN not in str(raised.value)


async def test_large_answers_are_read_off_the_event_loop() -> None:
    padded = OK_ANSWER.replace("<r:resultCode>", "<r:resultText>" + "x" * 100_000 + "</r:resultText><r:resultCode>")
    loop_thread = threading.get_ident()
    small = await _time_types(_client(_answer(OK_ANSWER)), lambda answer: threading.get_ident())
    large = await _time_types(_client(_answer(padded)), lambda answer: threading.get_ident())
    assert small == loop_thread
    assert large != loop_thread


async def test_no_answer_within_the_deadline_is_a_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, content=OK_ANSWER.encode())

    with pytest.raises(RegionTimeout, match="no answer in time"):
        await _time_types(_client(slow, timeout=0.2))


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_refused_connection_means_the_region_is_unavailable(transport: TransportKind) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = build_http_client(2.0, transport=transport)
    client = Scheduling2Client(
        region="03", base_url=f"http://127.0.0.1:{port}", client=http, timeout=dt.timedelta(seconds=2)
    )
    try:
        with pytest.raises(RegionUnavailable, match="could not connect"):
            await _time_types(client)
    finally:
        await http.aclose()
