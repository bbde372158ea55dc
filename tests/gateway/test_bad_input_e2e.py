"""Bad input, end to end: each gets the right SOAP Fault (stable fault string) or ResultCode,
nothing is stored, no personal number is echoed, and the server keeps serving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.soap import parse_envelope, parse_fault
from gateway.db.models import AuditRow, LedgerRow
from tests.gateway.chain import Chain, Region, gateway_on_loopback, region_on_loopback

pytestmark = pytest.mark.e2e

CITIZEN = "191212121212"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    with region_on_loopback(tmp_path_factory.mktemp("region")) as running:
        yield running


@pytest.fixture
def chain(region: Region, database_url: str, tmp_path: Path) -> Iterator[Chain]:
    with gateway_on_loopback(tmp_path, region, database_url) as running:
        yield running


def envelope(
    body: str,
    *,
    unit: str | None = "SE2321000016-E0101",
    actor: str | None = CITIZEN,
    prolog: str = '<?xml version="1.0" encoding="UTF-8"?>',
) -> bytes:
    headers = ""
    if actor is not None:
        headers += (
            '<a:Actor xmlns:a="urn:riv:interoperability:headers:1">'
            f"<a:actorId>{actor}</a:actorId><a:actorType>subject_of_care</a:actorType></a:Actor>"
        )
    if unit is not None:
        headers += f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit}</l:LogicalAddress>'
    document = f'{prolog}<s:Envelope xmlns:s="{ENV}"><s:Header>{headers}</s:Header><s:Body>{body}</s:Body></s:Envelope>'
    return document.encode()


def schedule_body(unit: str = "SE2321000016-E0101", citizen: str = CITIZEN) -> str:
    return (
        '<r:GetSubjectOfCareSchedule xmlns:r="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1">'
        f"<r:healthcare_facility>{unit}</r:healthcare_facility><r:subject_of_care>{citizen}</r:subject_of_care>"
        "</r:GetSubjectOfCareSchedule>"
    )


def make_booking_body(citizen: str) -> str:
    return (
        '<r:MakeBooking xmlns:r="urn:riv:crm:scheduling:MakeBookingResponder:1" '
        'xmlns:c="urn:riv:crm:scheduling:1" xmlns:c11="urn:riv:crm:scheduling:1.1">'
        "<r:healthcare_facility_med>SE2321000016-E0101</r:healthcare_facility_med><r:requestedTimeslot>"
        "<c:startTimeInclusive>20301202100000</c:startTimeInclusive>"
        "<c:endTimeExclusive>20301202103000</c:endTimeExclusive>"
        "<c:healthcare_facility>SE2321000016-E0101</c:healthcare_facility>"
        f"<c:subject_of_care>{citizen}</c:subject_of_care></r:requestedTimeslot>"
        "<r:subject_of_care_info><c11:firstName>T</c11:firstName><c11:lastName>T</c11:lastName>"
        "</r:subject_of_care_info></r:MakeBooking>"
    )


XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<s:Envelope xmlns:s="{ENV}"><s:Body>'
    '<r:GetSubjectOfCareSchedule xmlns:r="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1">'
    "<r:healthcare_facility>&xxe;</r:healthcare_facility></r:GetSubjectOfCareSchedule></s:Body></s:Envelope>"
).encode()

CASES = {
    "malformed XML": ("GetSubjectOfCareSchedule", b"<s:Envelope><unclosed>", "TB001"),
    "XXE payload": ("GetSubjectOfCareSchedule", XXE, "TB002"),
    "wrong namespace": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body().replace("GetSubjectOfCareScheduleResponder:1", "GetSubjectOfCareScheduleResponder:9")),
        "TB005",
    ),
    "operation sent to another endpoint": ("MakeBooking", envelope(schedule_body()), "TB005"),
    "schema-invalid body": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body(citizen="19121212121X")),
        "TB006",
    ),
    "missing LogicalAddress": ("GetSubjectOfCareSchedule", envelope(schedule_body(), unit=None), "TB007"),
    "unknown unit": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body("SE2321000016-NOPE"), unit="SE2321000016-NOPE"),
        "TB008",
    ),
    "region not connected": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body("SE2321000230-R25"), unit="SE2321000230-R25"),
        "TB014",
    ),
    "invalid personnummer (check digit)": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body(citizen="191212121213"), actor=None).replace(
            b"<s:Header>",
            b'<s:Header><a:Actor xmlns:a="urn:riv:interoperability:headers:1"><a:actorId>'
            b"SE2321000016-STAFF</a:actorId><a:actorType>subject_of_care_agent</a:actorType></a:Actor>",
        ),
        "TB010",
    ),
    "invalid personnummer in MakeBooking": (
        "MakeBooking",
        envelope(make_booking_body("191212121213"), actor=None).replace(
            b"<s:Header>",
            b'<s:Header><a:Actor xmlns:a="urn:riv:interoperability:headers:1"><a:actorId>'
            b"SE2321000016-STAFF</a:actorId><a:actorType>subject_of_care_agent</a:actorType></a:Actor>",
        ),
        "TB010",
    ),
    "missing Actor": ("GetSubjectOfCareSchedule", envelope(schedule_body(), actor=None), "TB011"),
    "citizen acting for another citizen": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body(citizen="191212121212"), actor="197001012397"),
        "TB012",
    ),
    "SOAP 1.2": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body()).replace(ENV.encode(), b"http://www.w3.org/2003/05/soap-envelope"),
        "TB004",
    ),
    "processing instruction": (
        "GetSubjectOfCareSchedule",
        envelope(schedule_body(), prolog='<?xml version="1.0"?><?evil run?>'),
        "TB002",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_request_gets_a_stable_fault_and_stores_nothing(chain: Chain, case: str) -> None:
    name, payload, code = CASES[case]
    response = chain.post(name, payload)
    assert response.status_code == 500
    fault = parse_fault(parse_envelope(response.content).body)
    assert fault is not None, response.text
    assert fault.message.startswith(code), fault.message
    assert fault.code == ("Server" if code == "TB014" else "Client")
    assert "191212121213" not in response.text and "Traceback" not in response.text
    assert chain.count(AuditRow) == 0 and chain.count(LedgerRow) == 0
    good = chain.post("GetSubjectOfCareSchedule", envelope(schedule_body()))
    assert good.status_code == 200, "the server keeps serving"


def test_ten_megabyte_body_is_refused_before_parsing(chain: Chain) -> None:
    payload = envelope(schedule_body().replace("</r:GetSub", "<!--" + "x" * 10_000_000 + "--></r:GetSub"))
    response = chain.post("GetSubjectOfCareSchedule", payload)
    fault = parse_fault(parse_envelope(response.content).body)
    assert response.status_code == 500 and fault is not None and fault.message.startswith("TB003")
    assert chain.count(AuditRow) == 0
    assert chain.post("GetSubjectOfCareSchedule", envelope(schedule_body())).status_code == 200


def test_soap_action_must_agree_with_the_body(chain: Chain) -> None:
    response = chain.post(
        "GetSubjectOfCareSchedule",
        envelope(schedule_body()),
        SOAPAction='"urn:riv:crm:scheduling:MakeBookingResponder:1:MakeBooking"',
    )
    fault = parse_fault(parse_envelope(response.content).body)
    assert fault is not None and fault.message.startswith("TB009")
    right = chain.post(
        "GetSubjectOfCareSchedule",
        envelope(schedule_body()),
        SOAPAction='"urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1:GetSubjectOfCareSchedule"',
    )
    assert right.status_code == 200


def test_region_down_is_a_server_fault_with_one_audit_row(chain: Chain) -> None:
    chain.region.set_faults(down=True)
    try:
        response = chain.post("GetSubjectOfCareSchedule", envelope(schedule_body()))
    finally:
        chain.region.clear_faults()
    fault = parse_fault(parse_envelope(response.content).body)
    assert fault is not None and fault.code == "Server" and fault.message.startswith("TB02")
    rows = chain.audit_rows()
    assert len(rows) == 1 and rows[0].outcome == "FAULT"


def test_wsdl_and_schemas_are_served(chain: Chain) -> None:
    import httpx

    wsdl = httpx.get(f"{chain.url}/vp/MakeBooking/1/rivtabp21?wsdl", timeout=10)
    assert wsdl.status_code == 200 and b"MakeBookingResponderService" in wsdl.content
    assert f"{chain.url}/vp/MakeBooking/1/rivtabp21".encode() in wsdl.content
    assert httpx.get(f"{chain.url}/contracts/wsdl/../pyproject.toml", timeout=10).status_code == 404
