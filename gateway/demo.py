"""The demo: regional simulators and the gateway in one process on loopback, seeded, with a
routing table written from what the simulators say they hold. Also the `simulate` command's
catalogue of simulator kinds.

The gateway reaches the simulators over HTTP only, exactly as it reaches real regions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from gateway.settings import Settings
from simulators.common.regions import REGIONS, Region

__all__ = ["SIMULATOR_KINDS", "SimulatorKind", "demo_plan", "run_demo", "simulator_app"]


@dataclass(frozen=True, slots=True)
class SimulatorKind:
    """A kind of regional system: how to build its app, and which adapter kind speaks to it."""

    adapter_kind: str
    build: Callable[[str, int, str], Any]  # (region code, seed, database) -> ASGI app
    adapter_options: dict[str, Any]


def _rivta(region: str, seed: int, database: str) -> Any:
    from simulators.rivta_producer.app import create_app
    from simulators.rivta_producer.config import ProducerConfig

    return create_app(ProducerConfig(region_code=region, seed=seed, database=database))


SIMULATOR_KINDS: dict[str, SimulatorKind] = {
    "rivta": SimulatorKind("rivta", _rivta, {}),
}


def simulator_app(kind: str, *, region: str, seed: int, database: str) -> Any:
    return SIMULATOR_KINDS[kind].build(region, seed, database)


def demo_plan() -> list[tuple[Region, str]]:
    """Which simulator kind plays which region in the demo: all 21 regions, spread over the kinds."""
    kinds = list(SIMULATOR_KINDS)
    return [(region, kinds[index % len(kinds)]) for index, region in enumerate(REGIONS)]


async def _start(app: Any, host: str, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"server on port {port} stopped during start")
        await asyncio.sleep(0.02)
    return server, task


def _units_from_seed(seed: dict[str, Any]) -> list[dict[str, str]]:
    units = seed.get("units") or seed.get("care_units") or []
    return [{"hsa_id": str(u.get("hsa_id")), **({"name": str(u["name"])} if u.get("name") else {})} for u in units]


async def run_demo(*, host: str, port: int, seed: int, workdir: str) -> int:
    from gateway.app import create_app
    from gateway.logging_setup import configure_logging

    configure_logging("WARNING")
    folder = Path(workdir)
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    routing: dict[str, Any] = {"adapters": [], "regions": []}
    seeds: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for offset, (region, kind) in enumerate(demo_plan(), start=1):
            sim_port = port + 100 + offset
            database = str(folder / f"region-{region.code}-{kind}.sqlite3")
            app = simulator_app(kind, region=region.code, seed=seed, database=database)
            servers.append(await _start(app, host, sim_port))
            base_url = f"http://{host}:{sim_port}"
            seed_info = (await client.get(f"{base_url}/admin/seed")).raise_for_status().json()
            seeds[region.code] = {"kind": kind, "url": base_url, "seed": seed_info}
            adapter_name = f"region-{region.code}-{kind}"
            routing["adapters"].append(
                {
                    "name": adapter_name,
                    "kind": SIMULATOR_KINDS[kind].adapter_kind,
                    "base_url": base_url,
                    "timeout_seconds": 5,
                    "options": SIMULATOR_KINDS[kind].adapter_options,
                }
            )
            routing["regions"].append(
                {
                    "code": region.code,
                    "name": region.name,
                    "logical_address": region.hsa_id,
                    "adapter": adapter_name,
                    "care_units": _units_from_seed(seed_info),
                }
            )
    routing_file = folder / "routing.yaml"
    routing_file.write_text(yaml.safe_dump(routing, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "seed.json").write_text(json.dumps(seeds, ensure_ascii=False, indent=2), encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{folder / 'gateway.sqlite3'}",
        routing_file=routing_file,
        public_base_url=f"http://{host}:{port}",
    )
    servers.append(await _start(create_app(settings), host, port))
    _print_welcome(host, port, seeds, folder)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    for server, _task in reversed(servers):
        server.should_exit = True
    await asyncio.gather(*(task for _server, task in servers), return_exceptions=True)
    return 0


def _print_welcome(host: str, port: int, seeds: dict[str, Any], folder: Path) -> None:
    base = f"http://{host}:{port}"
    first = seeds[next(iter(seeds))]
    units = _units_from_seed(first["seed"])
    unit = units[0]["hsa_id"] if units else "SE…"
    citizens = first["seed"].get("citizens") or [{}]
    citizen = citizens[0].get("personal_number") or citizens[0].get("subject_of_care") or "191212121212"
    print(f"tidbok-gateway demo: gateway at {base} (SQLite in {folder})")
    print(f"  OpenAPI docs      {base}/docs")
    print(f"  a WSDL            {base}/vp/GetAllTimeTypes/1/rivtabp21?wsdl")
    for code, info in seeds.items():
        print(f"  region {code}  {info['kind']:<8} {info['url']}")
    responder = "urn:riv:crm:scheduling:GetAllTimeTypesResponder"
    print("a sample call (list the time types of one unit):")
    print(
        f"""  curl -s {base}/vp/GetAllTimeTypes/1/rivtabp21 -H 'Content-Type: text/xml' --data '<soapenv:Envelope
    xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>
    <Actor xmlns="urn:riv:interoperability:headers:1"><actorId>{citizen}</actorId>
    <actorType>subject_of_care</actorType></Actor>
    <LogicalAddress xmlns="urn:riv:itintegration:registry:1">{unit}</LogicalAddress></soapenv:Header><soapenv:Body>
    <GetAllTimeTypes xmlns="{responder}:1"><healthcare_facility>{unit}</healthcare_facility>
    <subject_of_care xmlns="{responder}:1.1">{citizen}</subject_of_care>
    </GetAllTimeTypes></soapenv:Body></soapenv:Envelope>'"""
    )
    print("seeded citizens, units and invitations per region:", folder / "seed.json")
    print("Ctrl-C stops everything.")
