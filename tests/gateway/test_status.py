"""The operator status page, its JSON and the Prometheus text, over a real registry of wrapped
fake adapters and a routing table with connected, idle and unconnected regions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from adapters.errors import RegionUnavailable
from gateway.resilience import ResilienceRegistry, ResilienceSettings, wrap
from gateway.routing import AdapterConfig, RegionInfo, RoutingTable
from gateway.status import status_router
from tests.gateway.resilience.fakes import FakeAdapter, FakeClock
from tests.gateway.resilience.requests import call

HOSTILE = '<script>alert("x")</script> & co'
SETTINGS = ResilienceSettings(breaker_failure_threshold=2, breaker_recovery_seconds=60, retry_attempts=1)


@dataclass
class Operator:
    client: httpx.AsyncClient
    clock: FakeClock


def routing() -> RoutingTable:
    sthlm = AdapterConfig(name="sthlm", kind="rivta", base_url="http://127.0.0.1:1")
    skane = AdapterConfig(name="skane", kind="fhir", base_url="http://127.0.0.1:2")
    upps = AdapterConfig(name=f"upps {HOSTILE}", kind="kalendra", base_url="http://127.0.0.1:3")
    return RoutingTable(
        [
            RegionInfo("12", "Region Skåne", None, skane, ()),
            RegionInfo("01", "Region Stockholm", None, sthlm, ()),
            RegionInfo("03", f"Region Uppsala {HOSTILE}", None, upps, ()),
            RegionInfo("25", "Region Norrbotten", None, None, ()),
        ]
    )


@pytest.fixture
async def operator() -> AsyncIterator[Operator]:
    clock = FakeClock()
    registry = ResilienceRegistry()
    sthlm_inner = FakeAdapter(clock, latency=0.010)
    skane_inner = FakeAdapter(clock, latency=0.100)
    sthlm = wrap(sthlm_inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=registry, clock=clock)
    skane = wrap(skane_inner, region_code="12", adapter_name="skane", settings=SETTINGS, registry=registry, clock=clock)
    for _ in range(9):
        await call(sthlm, "get_available_timeslots")
    sthlm_inner.latency = 0.5
    await call(sthlm, "get_available_timeslots")
    sthlm_inner.latency = 0.010
    sthlm_inner.fail_next(RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await call(sthlm, "get_booking")  # the run is ended by the next success: the breaker stays closed
    await call(sthlm, "get_booking")
    skane_inner.fail_always(lambda: RegionUnavailable("down"))
    for _ in range(3):
        with pytest.raises(RegionUnavailable):
            await call(skane, "get_available_dates")
    app = FastAPI()
    app.include_router(status_router(registry, routing(), clock=clock))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway") as client:
        yield Operator(client, clock)


async def test_status_json_lists_every_region_with_breaker_and_latency(operator: Operator) -> None:
    response = await operator.client.get("/status.json")
    assert response.status_code == 200
    body = response.json()
    assert [r["code"] for r in body["regions"]] == ["01", "03", "12", "25"]
    assert body["connected"] == 3 and body["open_breakers"] == 1
    assert body["generated_at"] == operator.clock.now().isoformat().replace("+00:00", "Z")
    sthlm, upps, skane, norrbotten = body["regions"]
    assert sthlm["adapter"] == {"name": "sthlm", "kind": "rivta"} and sthlm["connected"] is True
    assert sthlm["breaker"]["state"] == "closed" and sthlm["breaker"]["failure_count"] == 0
    assert sthlm["breaker"]["opened_at"] is None
    calls = sthlm["calls"]
    assert (calls["total"], calls["errors"], calls["window_calls"]) == (12, 1, 12)
    assert calls["outcomes"] == {"ok": 11, "unavailable": 1}
    assert calls["error_rate"] == pytest.approx(1 / 12)
    assert (calls["p50_ms"], calls["p90_ms"], calls["p99_ms"]) == pytest.approx((10.0, 10.0, 500.0))
    assert skane["breaker"]["state"] == "open"
    assert skane["breaker"]["failure_count"] == 2 and skane["breaker"]["short_circuited"] == 1
    assert skane["breaker"]["opened_at"] is not None
    assert skane["calls"]["outcomes"] == {"unavailable": 2}  # the third call never reached the region
    assert upps["connected"] is True and upps["breaker"] is None and upps["calls"] is None
    assert norrbotten == {
        "code": "25",
        "name": "Region Norrbotten",
        "connected": False,
        "adapter": None,
        "breaker": None,
        "calls": None,
    }


async def test_the_breaker_shows_half_open_when_its_recovery_time_is_over(operator: Operator) -> None:
    operator.clock.advance(60)
    body = (await operator.client.get("/status.json")).json()
    assert body["regions"][2]["breaker"]["state"] == "half-open"


async def test_status_page_is_server_rendered_html_with_all_text_escaped(operator: Operator) -> None:
    response = await operator.client.get("/status")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script" not in page.lower() and HOSTILE not in page
    assert "Region Uppsala &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    rows = re.findall(r'<tr class="([^"]+)">(.*?)</tr>', page)
    assert [css for css, _ in rows] == ["closed", "idle", "open", "unconnected"]
    cells = [re.findall(r"<td>(.*?)</td>", row) for _, row in rows]
    assert cells[0] == [
        "01",
        "Region Stockholm",
        "sthlm",
        "rivta",
        "yes",
        "closed",
        "12",
        "8.3 %",
        "10.0",
        "10.0",
        "500.0",
    ]
    assert cells[2][:5] == ["12", "Region Skåne", "skane", "fhir", "yes"]
    assert cells[2][5] == "open since 2026-03-02 08:00:00 UTC (2 of 2 failures)"
    assert cells[2][6:] == ["2", "100.0 %", "100.0", "100.0", "100.0"]
    assert cells[3] == ["25", "Region Norrbotten", "—", "—", "no", "—", "—", "—", "—", "—", "—"]
    assert "Error rate (last 300 s)" in page
    assert "3 of 4 regions connected · 1 breakers not closed" in page


async def test_metrics_are_prometheus_text_from_the_registry(operator: Operator) -> None:
    response = await operator.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert (
        'tidbok_region_calls_total{adapter="sthlm",operation="get_available_timeslots",outcome="ok",region="01"} 10.0'
        in text
    )
    assert 'tidbok_region_breaker_state{adapter="skane",region="12",state="open"} 1.0' in text
    assert "tidbok_region_call_duration_seconds_bucket" in text
    assert "python_gc" not in text  # not the process-global default registry


async def test_metrics_speak_openmetrics_when_asked(operator: Operator) -> None:
    response = await operator.client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
