"""End to end: the real crm:scheduling 1.1 adapter, wrapped, against the simulated region on
loopback. The region goes down: reads fail, the breaker opens after its threshold and further
calls fail fast without reaching the region, while the catalogue is served stale. The region
recovers: after the recovery time one probe goes through and closes the breaker."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.domain import CatalogueQuery, RequestContext, SlotQuery
from adapters.errors import RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterSettings
from adapters.rivta import create_adapter
from gateway.resilience import (
    BreakerState,
    CacheServe,
    RegionCircuitOpen,
    ResilienceRegistry,
    ResilienceSettings,
    cache_report,
    wrap,
)
from gateway.routing import AdapterConfig, RegionInfo, RoutingTable
from gateway.status import status_view
from tests.gateway.chain import Region, next_weekday, region_on_loopback

pytestmark = pytest.mark.e2e

BUNDLED_WSDL = Path(__file__).resolve().parents[3] / "contracts" / "wsdl"

SETTINGS = ResilienceSettings(
    retry_attempts=2,
    retry_initial_backoff_seconds=0.01,
    retry_max_backoff_seconds=0.02,
    retry_deadline_seconds=5,
    breaker_failure_threshold=3,
    breaker_recovery_seconds=0.5,
    cache_ttl_seconds=0,  # always ask the region; keep answers only to stand in for it
    cache_max_stale_seconds=600,
)


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path) as region:
        yield region


def region_calls(region: Region) -> int:
    calls: int = httpx.get(f"{region.url}/admin/faults", timeout=5).json()["calls"]
    return calls


async def test_region_down_breaker_opens_fails_fast_then_closes_when_it_recovers(region: Region) -> None:
    config = AdapterConfig(name="sthlm", kind="rivta", base_url=region.url, timeout_seconds=3)
    routing = RoutingTable([RegionInfo("01", "Region Stockholm", None, config, ())])
    inner = create_adapter(
        AdapterSettings(
            name="sthlm", base_url=region.url, timeout=dt.timedelta(seconds=3), options={"wsdl_dir": str(BUNDLED_WSDL)}
        )
    )
    registry = ResilienceRegistry()
    adapter = wrap(inner, region_code="01", adapter_name="sthlm", settings=SETTINGS, registry=registry)
    entry = registry.get("01", "sthlm")
    assert entry is not None
    unit = HsaId(region.units[0])
    ctx = RequestContext(logical_address=str(unit), correlation_id="e2e-resilience")
    citizen = PersonalIdentity.parse(region.citizen(0))
    catalogue = CatalogueQuery(care_unit=unit, citizen=citizen)  # 1.1 names the citizen in every request
    first_day = next_weekday()
    slots = SlotQuery(care_unit=unit, start_date=first_day, end_date=first_day + dt.timedelta(days=3), citizen=citizen)
    try:
        time_types = await adapter.get_time_types(ctx, catalogue)
        assert time_types
        await adapter.get_available_dates(ctx, slots)

        await asyncio.to_thread(region.set_faults, down=True)
        before = await asyncio.to_thread(region_calls, region)
        with pytest.raises(RegionUnavailable) as first_failure:
            await adapter.get_available_dates(ctx, slots)  # two attempts, both 503
        assert not isinstance(first_failure.value, RegionCircuitOpen)
        with pytest.raises(RegionCircuitOpen):
            await adapter.get_available_timeslots(ctx, slots)  # the third failure opens it; the retry fails fast
        assert await asyncio.to_thread(region_calls, region) == before + 3
        assert entry.breaker.snapshot().state is BreakerState.OPEN
        assert status_view(registry, routing, dt.datetime.now(dt.UTC)).regions[0].breaker is not None

        started = time.monotonic()
        for _ in range(20):
            with pytest.raises(RegionCircuitOpen):
                await adapter.get_available_dates(ctx, slots)
        assert time.monotonic() - started < 0.2
        with cache_report() as report:
            assert await adapter.get_time_types(ctx, catalogue) == time_types
        assert [note.served for note in report.notes] == [CacheServe.STALE]
        assert await asyncio.to_thread(region_calls, region) == before + 3  # nothing reached the region
        view = status_view(registry, routing, dt.datetime.now(dt.UTC)).regions[0]
        assert view.breaker is not None and view.breaker.state == "open" and view.breaker.short_circuited == 22

        await asyncio.to_thread(region.clear_faults)
        await asyncio.sleep(SETTINGS.breaker_recovery_seconds + 0.1)
        assert entry.breaker.snapshot().state is BreakerState.HALF_OPEN
        assert await adapter.get_available_dates(ctx, slots) is not None  # the probe
        assert entry.breaker.snapshot().state is BreakerState.CLOSED
        assert await adapter.get_available_timeslots(ctx, slots) is not None
        with cache_report() as report:
            await adapter.get_time_types(ctx, catalogue)
        assert report.notes == []  # fresh from the region again
        outcomes = entry.metrics.stats().outcomes
        assert outcomes["unavailable"] == 3 and "circuit_open" not in outcomes
    finally:
        await adapter.aclose()
