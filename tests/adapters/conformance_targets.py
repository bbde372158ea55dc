"""Conformance targets for the four bundled adapters, each against its simulator on loopback: what
a region writes for its own adapter, and what `--conformance-target` names, e.g.

    pytest -p adapters.conformance.plugin --pyargs adapters.conformance \\
        --conformance-target=tests.adapters.conformance_targets:kalendra
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib.metadata
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

from adapters.conformance import ConformanceTarget, Scenario
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import ENTRY_POINT_GROUP, AdapterFactory, AdapterSettings
from tests.gateway.chain import Region, region_on_loopback

__all__ = ["SimulatorFaults", "bundled_target", "fhir", "kalendra", "rivta", "rivta2"]

TIME_TYPE = "LAK30"


class SimulatorFaults:
    """The kit's fault hooks over the simulators' `/admin/faults` (`simulators.common.faults`)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def _put(self, settings: dict[str, object]) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            (await client.put(f"{self.url}/admin/faults", json=settings)).raise_for_status()

    async def down(self) -> None:
        await self._put({"down": True})

    async def hang(self, seconds: float) -> None:
        await self._put({"hang_rate": 1.0, "hang_seconds": seconds})

    async def delay_answers(self, seconds: float) -> None:
        await self._put({"delay_after_ms": seconds * 1000, "delay_after_rate": 1.0})

    async def clear(self) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            (await client.delete(f"{self.url}/admin/faults")).raise_for_status()


def _factory(kind: str) -> AdapterFactory:
    (entry,) = [e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if e.name == kind]
    factory: AdapterFactory = entry.load()
    return factory


def target_for(region: Region) -> ConformanceTarget:
    """The kit's target for a running simulated region: LAK30 at a unit that offers it."""

    async def publish(unit: HsaId, time_type_id: str, start: dt.datetime) -> None:
        await asyncio.to_thread(region.open_slot, unit, time_type_id, start)

    scenario = Scenario(
        care_unit=HsaId(region.unit_offering(TIME_TYPE)),
        time_type_id=TIME_TYPE,
        citizens=tuple(PersonalIdentity(number) for number in region.free_citizens()[:3]),
        entry_point=region.kind,
    )
    settings = AdapterSettings(
        name=f"conformance-{region.kind}",
        base_url=region.url,
        timeout=dt.timedelta(seconds=10),
        options=region.options,
    )
    return ConformanceTarget(
        factory=_factory(region.kind),
        settings=settings,
        scenario=scenario,
        faults=SimulatorFaults(region.url),
        publish_slot=publish,
    )


@contextmanager
def bundled_target(kind: str, folder: Path | None = None) -> Iterator[ConformanceTarget]:
    """The simulator of `kind` on a free loopback port (state in `folder`, or a temporary one)."""
    with (
        tempfile.TemporaryDirectory(prefix=f"conformance-{kind}-") as scratch,
        region_on_loopback(folder or Path(scratch), seed=23, kind=kind) as region,
    ):
        yield target_for(region)


def rivta() -> AbstractContextManager[ConformanceTarget]:
    return bundled_target("rivta")


def rivta2() -> AbstractContextManager[ConformanceTarget]:
    return bundled_target("rivta2")


def fhir() -> AbstractContextManager[ConformanceTarget]:
    return bundled_target("fhir")


def kalendra() -> AbstractContextManager[ConformanceTarget]:
    return bundled_target("kalendra")
