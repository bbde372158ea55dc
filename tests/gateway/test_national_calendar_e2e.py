"""The national calendar end to end: 21 simulated regions behind the gateway, one of them hung.
The schedule call to the national logical address answers within its deadline with the other
20 regions' bookings and a timed-out status for the hung one; the engagement index learns of
bookings made in a region's own system through the contract's Update."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
import yaml
from lxml import etree

from contracts.soap import parse_envelope
from gateway.app import create_app
from gateway.settings import Settings
from simulators.common.regions import REGIONS
from simulators.rivta_producer import ProducerConfig
from simulators.rivta_producer import create_app as create_region
from tests.gateway.chain import Chain, Region
from tests.gateway.consumers import Consumer11
from tests.support.conformance import assert_valid, official_schema
from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.e2e

NATIONAL = "5565594230"
HEADERS = "urn:riv:interoperability:headers:1"
DEADLINE = 2.0


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Chain, list[Region]]]:
    """21 regions (one unit each, two weeks of times) and the gateway, with one region left out
    of the routing table's adapters to show how a region that has not joined is named."""
    tmp = tmp_path_factory.mktemp("country")
    with ExitStack() as stack:
        regions: list[Region] = []
        for county in REGIONS:
            config = ProducerConfig(
                region_code=county.code, seed=3, database=str(tmp / f"r{county.code}.sqlite3"), unit_count=1, weeks=2
            )
            url = stack.enter_context(serve_in_thread(create_region(config)))
            regions.append(Region(url, httpx.get(f"{url}/admin/seed", timeout=10).json()))
        table = {
            "adapters": [
                {
                    "name": f"r{county.code}",
                    "kind": "rivta",
                    "base_url": region.url,
                    # the last region's calls time out well within the fan-out's deadline (see the last test)
                    "timeout_seconds": 10 if county is not REGIONS[-1] else DEADLINE / 2,
                }
                for county, region in zip(REGIONS, regions, strict=True)
            ],
            "regions": [
                {
                    "code": county.code,
                    "name": county.name,
                    "logical_address": county.hsa_id,
                    "adapter": f"r{county.code}",
                    "care_units": [{"hsa_id": unit} for unit in region.units],
                }
                for county, region in zip(REGIONS, regions, strict=True)
            ]
            + [{"code": "99", "name": "Region Provning (not joined)", "logical_address": "SE9999999999-R99"}],
        }
        routing = tmp / "routing.yaml"
        routing.write_text(yaml.safe_dump(table), encoding="utf-8")
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}",
            routing_file=routing,
            audit_key="test",
            fanout_deadline_seconds=DEADLINE,
        )
        url = stack.enter_context(serve_in_thread(create_app(settings)))
        yield Chain(url, settings, regions[0]), regions


def national_schedule(chain: Chain, citizen: str) -> tuple[list[str], dict[str, etree._Element], float]:
    body = (
        '<r:GetSubjectOfCareSchedule xmlns:r="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1">'
        f"<r:healthcare_facility>{NATIONAL}</r:healthcare_facility><r:subject_of_care>{citizen}</r:subject_of_care>"
        "</r:GetSubjectOfCareSchedule>"
    )
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        '<a:Actor xmlns:a="urn:riv:interoperability:headers:1">'
        f"<a:actorId>{citizen}</a:actorId><a:actorType>subject_of_care</a:actorType></a:Actor>"
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{NATIONAL}</l:LogicalAddress>'
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
    started = time.monotonic()
    response = chain.post("GetSubjectOfCareSchedule", envelope.encode())
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    parsed = parse_envelope(response.content)
    assert_valid(official_schema("crm:scheduling:1", "GetSubjectOfCareSchedule"), parsed.body)
    starts = [e.text or "" for e in parsed.body.iter("{urn:riv:crm:scheduling:1}startTimeInclusive")]
    status = next(h for h in parsed.headers if h.tag == f"{{{HEADERS}}}ProcessingStatus")
    records = {
        r.findtext(f"{{{HEADERS}}}logicalAddress") or "": r for r in status.iter(f"{{{HEADERS}}}ProcessingStatusList")
    }
    return starts, records, elapsed


def test_one_hung_region_never_hides_the_other_twenty(country: tuple[Chain, list[Region]]) -> None:
    chain, regions = country
    consumer = Consumer11(chain)
    citizen = regions[0].free_citizens()[0]
    for region in regions:
        unit = region.unit_offering("LAK30")
        slot = consumer.free_slots(unit, citizen, "LAK30", days=10)[0]
        assert consumer.book(unit, citizen, slot).ok

    starts, records, _elapsed = national_schedule(chain, citizen)
    assert len(starts) == 21 and starts == sorted(starts)
    assert {r.findtext(f"{{{HEADERS}}}statusCode") for u, r in records.items() if u.startswith("SE2")} == {
        "DataFromSource"
    }
    joined_later = records["SE9999999999-R99"]
    assert joined_later.findtext(f"{{{HEADERS}}}statusCode") == "NoDataSynchFailed"

    hung = regions[4]
    hung.set_faults(hang_rate=1.0, hang_seconds=20)
    try:
        starts, records, elapsed = national_schedule(chain, citizen)
    finally:
        hung.clear_faults()
    assert elapsed < DEADLINE + 1.5, f"answered in {elapsed:.2f} s with a {DEADLINE} s deadline"
    assert len(starts) == 21, "the hung region's booking still shows, from the last good answer"
    hung_unit = hung.units[0].upper()
    status = records[hung_unit]
    assert status.findtext(f"{{{HEADERS}}}statusCode") == "DataFromCacheSynchFailed"
    assert status.findtext(f"{{{HEADERS}}}lastUnsuccessfulSynchError/{{{HEADERS}}}code") == "504"
    others = [r for u, r in records.items() if u != hung_unit and u.startswith("SE2")]
    assert len(others) == 20 and all(r.findtext(f"{{{HEADERS}}}statusCode") == "DataFromSource" for r in others)


def test_a_hung_region_without_a_last_good_answer_is_named_timed_out(country: tuple[Chain, list[Region]]) -> None:
    chain, regions = country
    consumer = Consumer11(chain)
    citizen = regions[0].free_citizens()[1]
    for region in regions[:3]:
        unit = region.unit_offering("LAK30")
        assert consumer.book(unit, citizen, consumer.free_slots(unit, citizen, "LAK30", days=10)[0]).ok
    hung = regions[2]
    hung.set_faults(hang_rate=1.0, hang_seconds=20)
    try:
        starts, records, elapsed = national_schedule(chain, citizen)
    finally:
        hung.clear_faults()
    assert elapsed < DEADLINE + 1.5
    assert len(starts) == 2
    status = records[hung.units[0].upper()]
    assert status.findtext(f"{{{HEADERS}}}statusCode") == "NoDataSynchFailed"
    assert status.findtext(f"{{{HEADERS}}}isResponseInSynch") == "false"


def test_a_region_reports_a_booking_made_in_its_own_system(country: tuple[Chain, list[Region]]) -> None:
    chain, regions = country
    owner = regions[7].seed["citizens"][0]
    citizen, booking_id = owner["personal_number"], owner["booking_ids"][0]
    unit = regions[7].units[0]
    update = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{NATIONAL}</l:LogicalAddress></s:Header>'
        '<s:Body><u:Update xmlns:u="urn:riv:itintegration:engagementindex:UpdateResponder:1" '
        'xmlns:c="urn:riv:itintegration:engagementindex:1"><u:engagementTransaction><c:deleteFlag>false</c:deleteFlag>'
        f"<c:engagement><c:registeredResidentIdentification>{citizen}</c:registeredResidentIdentification>"
        "<c:serviceDomain>riv:crm:scheduling</c:serviceDomain><c:categorization>NA</c:categorization>"
        f"<c:logicalAddress>{unit}</c:logicalAddress>"
        f"<c:businessObjectInstanceIdentifier>{booking_id}</c:businessObjectInstanceIdentifier>"
        "<c:clinicalProcessInterestId>NA</c:clinicalProcessInterestId>"
        "<c:mostRecentContent>20991231120000</c:mostRecentContent>"
        "<c:sourceSystem>SE2321000081-SYS</c:sourceSystem><c:dataController>2321000081</c:dataController>"
        "</c:engagement></u:engagementTransaction></u:Update></s:Body></s:Envelope>"
    )
    response = httpx.post(
        f"{chain.url}/vp/Update/1/rivtabp21", content=update.encode(), headers={"Content-Type": "text/xml"}, timeout=10
    )
    assert response.status_code == 200, response.text
    assert_valid(official_schema_ei("Update"), parse_envelope(response.content).body)
    starts, records, _elapsed = national_schedule(chain, citizen)
    assert starts, "the national calendar now asks the unit the region named"
    assert records[unit.upper()].findtext(f"{{{HEADERS}}}statusCode") == "DataFromSource"


def test_a_hung_region_is_asked_once_per_call_and_not_at_all_once_its_breaker_opens(
    country: tuple[Chain, list[Region]],
) -> None:
    """No second attempt inside the fan-out's deadline (the answer goes out without the source),
    and after the breaker's threshold of timeouts the region is left alone: its last good answer
    stands in. (Kept last in this module: the region's breaker stays open for its recovery time.)"""
    chain, regions = country
    consumer = Consumer11(chain)
    citizen = regions[0].free_citizens()[2]
    hung = regions[20]
    for region in (regions[19], hung):
        unit = region.unit_offering("LAK30")
        assert consumer.book(unit, citizen, consumer.free_slots(unit, citizen, "LAK30", days=10)[0]).ok
    national_schedule(chain, citizen)  # a last good answer from both
    threshold = chain.settings.resilience.breaker_failure_threshold
    hung.set_faults(hang_rate=1.0, hang_seconds=20)
    try:
        for _ in range(threshold):
            before = _calls(hung)
            starts, records, _elapsed = national_schedule(chain, citizen)
            assert _calls(hung) - before == 1, "a source that timed out is not asked again within the deadline"
            assert len(starts) == 2
        before = _calls(hung)
        starts, records, _elapsed = national_schedule(chain, citizen)
        assert _calls(hung) == before, "the breaker is open: the hung region is not asked"
    finally:
        hung.clear_faults()
    assert len(starts) == 2, "its booking still shows, from the last good answer"
    status = records[hung.units[0].upper()]
    assert status.findtext(f"{{{HEADERS}}}statusCode") == "DataFromCacheSynchFailed"
    assert records[regions[19].units[0].upper()].findtext(f"{{{HEADERS}}}statusCode") == "DataFromSource"


def _calls(region: Region) -> int:
    return int(httpx.get(f"{region.url}/admin/faults", timeout=10).json()["calls"])


def official_schema_ei(name: str) -> etree.XMLSchema:
    from tests.support.conformance import require_conformance

    path = (
        require_conformance()
        / "engagementindex_1.0"
        / "interactions"
        / f"{name}Interaction"
        / f"{name}Responder_1.0.xsd"
    )
    return etree.XMLSchema(etree.parse(str(path)))
