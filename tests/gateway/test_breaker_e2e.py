"""A region goes down: after the breaker's threshold the gateway fails fast for that region only,
the other region is unaffected, the operator view shows it; the region recovers and the breaker
closes after a probe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import yaml

from contracts.soap import parse_envelope, parse_fault
from gateway.resilience.settings import ResilienceSettings
from tests.gateway.chain import Chain, Region, gateway_on_loopback, region_on_loopback
from tests.gateway.consumers import Consumer11

pytestmark = pytest.mark.e2e

THRESHOLD = 3
RECOVERY = 4.0


@pytest.fixture
def two_regions(tmp_path: Path) -> Iterator[tuple[Chain, Region, Region]]:
    with ExitStack() as stack:
        first = stack.enter_context(region_on_loopback(tmp_path / "01", region_code="01"))
        second = stack.enter_context(region_on_loopback(tmp_path / "03", region_code="03"))
        routing = tmp_path / "routing.yaml"
        routing.write_text(
            yaml.safe_dump(
                {
                    "adapters": [
                        {"name": "r01", "kind": "rivta", "base_url": first.url, "timeout_seconds": 2},
                        {"name": "r03", "kind": "rivta", "base_url": second.url, "timeout_seconds": 2},
                    ],
                    "regions": [
                        {
                            "code": code,
                            "name": f"Region {code}",
                            "adapter": f"r{code}",
                            "care_units": [{"hsa_id": u} for u in region.units],
                        }
                        for code, region in (("01", first), ("03", second))
                    ],
                }
            ),
            encoding="utf-8",
        )
        chain = stack.enter_context(
            gateway_on_loopback(
                tmp_path / "gw",
                first,
                f"sqlite+aiosqlite:///{tmp_path / 'gw.sqlite3'}",
                routing=routing,
                resilience=ResilienceSettings(
                    breaker_failure_threshold=THRESHOLD, breaker_recovery_seconds=RECOVERY, retry_attempts=1
                ),
            )
        )
        yield chain, first, second


def breaker_of(chain: Chain, code: str) -> str | None:
    view = httpx.get(f"{chain.url}/status.json", timeout=5).json()
    region = next(r for r in view["regions"] if r["code"] == code)
    return region["breaker"]["state"] if region["breaker"] else None


def test_a_region_down_fails_fast_alone_and_recovers(two_regions: tuple[Chain, Region, Region]) -> None:
    chain, down, healthy = two_regions
    consumer = Consumer11(chain)
    unit_down, unit_ok = down.unit_offering("LAK30"), healthy.unit_offering("LAK30")
    citizen = down.free_citizens()[0]
    assert consumer.time_types(unit_down, citizen) and breaker_of(chain, "01") == "closed"

    down.set_faults(down=True)
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        '<a:Actor xmlns:a="urn:riv:interoperability:headers:1">'
        f"<a:actorId>{citizen}</a:actorId><a:actorType>subject_of_care</a:actorType></a:Actor>"
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit_down}</l:LogicalAddress>'
        "</s:Header><s:Body><r:GetSubjectOfCareSchedule "
        'xmlns:r="urn:riv:crm:scheduling:GetSubjectOfCareScheduleResponder:1">'
        f"<r:healthcare_facility>{unit_down}</r:healthcare_facility><r:subject_of_care>{citizen}"
        "</r:subject_of_care></r:GetSubjectOfCareSchedule></s:Body></s:Envelope>"
    ).encode()
    try:
        for _ in range(THRESHOLD):
            fault = parse_fault(parse_envelope(chain.post("GetSubjectOfCareSchedule", envelope).content).body)
            assert fault is not None and fault.message.startswith("TB020")
        assert breaker_of(chain, "01") == "open"
        calls_before = httpx.get(f"{down.url}/admin/faults", timeout=5).json()["calls"]
        started = time.monotonic()
        fault = parse_fault(parse_envelope(chain.post("GetSubjectOfCareSchedule", envelope).content).body)
        assert fault is not None and fault.message.startswith("TB020")
        assert time.monotonic() - started < 0.5, "an open breaker fails fast"
        assert httpx.get(f"{down.url}/admin/faults", timeout=5).json()["calls"] == calls_before, "nothing sent"

        assert consumer.schedule(unit_ok, citizen) == [], "the other region is unaffected"
        assert breaker_of(chain, "03") == "closed"
        assert "open" in httpx.get(f"{chain.url}/status", timeout=5).text
        metrics = httpx.get(f"{chain.url}/metrics", timeout=5).text
        assert 'tidbok_region_breaker_state{adapter="r01",region="01",state="open"} 1.0' in metrics
    finally:
        down.clear_faults()

    time.sleep(RECOVERY + 0.2)
    assert consumer.schedule(unit_down, citizen) == [], "the probe goes through"
    assert breaker_of(chain, "01") == "closed"
