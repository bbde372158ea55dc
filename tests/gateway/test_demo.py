"""The demo and `simulate`: 21 regions over the four kinds of regional system, each simulator kind
runnable on its own, and the sample calls the demo prints answered by the running demo."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.domain import CatalogueQuery, RequestContext
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import ENTRY_POINT_GROUP, AdapterFactory, AdapterSettings
from gateway.demo import SIMULATOR_KINDS, demo_plan, simulator_app
from simulators.common.regions import REGIONS
from tests.support.servers import free_port, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "gateway.cli"]


def _factory(kind: str) -> AdapterFactory:
    (entry,) = [e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if e.name == kind]
    factory: AdapterFactory = entry.load()
    return factory


def test_the_demo_spreads_all_21_regions_over_the_four_kinds() -> None:
    plan = demo_plan()
    assert [region.code for region, _ in plan] == [region.code for region in REGIONS]
    assert len(plan) == 21
    counts = Counter(kind for _, kind in plan)
    assert set(counts) == {"rivta", "rivta2", "fhir", "kalendra"}
    assert min(counts.values()) >= 5


@pytest.mark.e2e
@pytest.mark.parametrize("kind", sorted(SIMULATOR_KINDS))
async def test_each_kind_is_reached_by_its_adapter_with_the_demos_options(kind: str) -> None:
    simulator = SIMULATOR_KINDS[kind]
    with serve_in_thread(simulator_app(kind, region="13", seed=2, database=":memory:")) as url:
        async with httpx.AsyncClient(timeout=10) as client:
            seed = (await client.get(f"{url}/admin/seed")).json()
        units, citizens = simulator.care_units(seed), simulator.citizens(seed)
        assert units and citizens and all(u["hsa_id"].startswith("SE2321000") for u in units)
        unit = HsaId(next(u["hsa_id"] for u in units if "LAK30" in u["time_type_ids"]))
        settings = AdapterSettings(name=f"demo-{kind}", base_url=url, options=simulator.adapter_options)
        adapter = _factory(simulator.adapter_kind)(settings)
        try:
            query = CatalogueQuery(care_unit=unit, citizen=PersonalIdentity(citizens[0]))
            found = await adapter.get_time_types(RequestContext(logical_address=unit), query)
        finally:
            await adapter.aclose()
        assert "LAK30" in {t.time_type_id for t in found}


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0][-2000:]
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    return output


@pytest.mark.e2e
@pytest.mark.parametrize("kind", sorted(SIMULATOR_KINDS))
def test_simulate_runs_every_kind(kind: str) -> None:
    port = free_port()
    command = [*CLI, "simulate", kind, "--port", str(port), "--region", "03"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/admin/seed", process)
        seed = httpx.get(f"http://127.0.0.1:{port}/admin/seed", timeout=10).json()
        assert "SE2321000024" in str(seed), "region 03 Uppsala's units"
    finally:
        output = _stop(process)
    assert SIMULATOR_KINDS[kind].protocol in output


def _demo_ports() -> int:
    """A base port p with p and p+101..p+121 free (the demo's gateway and its 21 simulators)."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 60000)
        try:
            for port in (base, *range(base + 101, base + 122)):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free run of ports for the demo")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, float]]:
    """`tidbok-gateway demo` as a process: (what it printed at start, seconds until it did)."""
    port = _demo_ports()
    command = [*CLI, "demo", "--port", str(port), "--workdir", str(tmp_path)]
    started = time.monotonic()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        assert lines and lines[-1].startswith("Ctrl-C"), "".join(lines)[-3000:]
        yield "".join(lines), time.monotonic() - started
    finally:
        rest = _stop(process)
        assert process.returncode == 0, rest[-2000:]


@pytest.mark.e2e
def test_the_demo_starts_21_regions_and_its_sample_calls_work(demo: tuple[str, float]) -> None:
    printed, seconds = demo
    regions = re.findall(r"^  region (\d\d)\s+(\w+)", printed, flags=re.MULTILINE)
    assert len(regions) == 21 and {kind for _, kind in regions} == set(SIMULATOR_KINDS)
    assert seconds < 60, f"the demo took {seconds:.1f} s to start"
    calls = [line for line in printed.splitlines() if line.startswith("curl ")]
    assert len(calls) == 5, printed  # the time types once, free times at a unit of each kind
    for call in calls:
        answer = subprocess.run(["bash", "-c", call], capture_output=True, text=True, timeout=30, check=True).stdout
        assert "Response" in answer and "Fault" not in answer, answer[:2000]
        if "GetAvailableTimeslots" in call:
            starts = re.findall(r"<c:startTimeInclusive>(\d{14})<", answer)
            assert starts, answer[:2000]
            today = dt.date.today()
            assert all(dt.datetime.strptime(s, "%Y%m%d%H%M%S").date() > today for s in starts)
