"""The demo: regional simulators and the gateway in one process on loopback, seeded, with a
routing table written from what the simulators say they hold. Also the `simulate` command's
catalogue of simulator kinds.

The gateway reaches the simulators over HTTP only, exactly as it reaches real regions."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml

from adapters.domain import SWEDISH_TIME
from gateway.settings import Settings
from simulators.common.regions import REGIONS, Region

__all__ = [
    "DEMO_KALENDRA_KEY",
    "SIMULATOR_KINDS",
    "SampleCall",
    "SimulatorKind",
    "demo_plan",
    "run_demo",
    "sample_calls",
    "simulator_app",
]


DEMO_KALENDRA_KEY = "tidbok-demo-kalendra-key"
"""The API key the demo's Kalendra systems take, and their adapters send (`X-Kalendra-Key`)."""


@dataclass(frozen=True, slots=True)
class SimulatorKind:
    """A kind of regional system: how to build its app, which adapter kind speaks to it (with
    which options), and how to read the care units and citizens from its `GET /admin/seed`."""

    adapter_kind: str
    protocol: str
    build: Callable[[str, int, str], Any]  # (region code, seed, database or ":memory:") -> ASGI app
    adapter_options: dict[str, Any]
    care_units: Callable[[dict[str, Any]], list[dict[str, Any]]]  # {hsa_id, name, time_type_ids}
    citizens: Callable[[dict[str, Any]], list[str]]  # seeded personnummer, those without bookings first


def _rivta(region: str, seed: int, database: str) -> Any:
    from simulators.rivta_producer.app import create_app
    from simulators.rivta_producer.config import ProducerConfig

    return create_app(ProducerConfig(region_code=region, seed=seed, database=database))


def _rivta2(region: str, seed: int, database: str) -> Any:
    from simulators.rivta2_producer.app import create_app
    from simulators.rivta2_producer.config import Producer2Config

    return create_app(Producer2Config(region_code=region, seed=seed, database=database))


def _fhir(region: str, seed: int, database: str) -> Any:
    from simulators.fhir_server.app import create_app

    return create_app(region, seed, database_path=_file_or_none(database))


def _kalendra(region: str, seed: int, database: str) -> Any:
    from simulators.kalendra.app import create_app
    from simulators.kalendra.config import KalendraConfig

    config = KalendraConfig.model_validate(
        {"api_key": DEMO_KALENDRA_KEY, "region": region, "seed": seed, "database": _file_or_none(database)}
    )
    return create_app(config)


def _file_or_none(database: str) -> Path | None:
    """A file path, or None for the simulators that keep a temporary file instead of `:memory:`."""
    return None if database in ("", ":memory:") else Path(database)


def _unit(hsa_id: Any, name: Any, time_types: Any) -> dict[str, Any]:
    return {"hsa_id": str(hsa_id), "name": str(name), "time_type_ids": [str(t) for t in time_types]}


def _soap_units(seed: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _unit(u["hsa_id"], u["name"], u.get("time_type_ids") or u.get("time_type_codes") or [])
        for u in seed["care_units"]
    ]


def _soap_citizens(seed: dict[str, Any]) -> list[str]:
    entries = seed["citizens"]
    number = [str(c.get("personal_number") or c.get("person_id")) for c in entries]
    holds = [bool(c.get("booking_ids") or c.get("appointment_ids")) for c in entries]
    return _free_first(number, holds)


def _fhir_units(seed: dict[str, Any]) -> list[dict[str, Any]]:
    return [_unit(u["hsa_id"], u["name"], u["time_types"]) for u in seed["units"]]


def _fhir_citizens(seed: dict[str, Any]) -> list[str]:
    holders = {a["personal_number"] for a in seed["appointments"]}
    numbers = [str(c["personal_number"]) for c in seed["citizens"]]
    return _free_first(numbers, [n in holders for n in numbers])


def _kalendra_units(seed: dict[str, Any]) -> list[dict[str, Any]]:
    return [_unit(c["hsa_id"], c["name"], [k["external_code"] for k in c["visit_kinds"]]) for c in seed["clinics"]]


def _kalendra_citizens(seed: dict[str, Any]) -> list[str]:
    holders = {r["personal_number"] for r in seed["reservations"] if r["status"] == "active"}
    numbers = [str(p["personal_number"]) for p in seed["patients"]]
    return _free_first(numbers, [n in holders for n in numbers])


def _free_first(numbers: list[str], holds: list[bool]) -> list[str]:
    return [n for n, h in zip(numbers, holds, strict=True) if not h] + [
        n for n, h in zip(numbers, holds, strict=True) if h
    ]


SIMULATOR_KINDS: dict[str, SimulatorKind] = {
    "rivta": SimulatorKind("rivta", "crm:scheduling 1.1", _rivta, {}, _soap_units, _soap_citizens),
    "rivta2": SimulatorKind("rivta2", "scheduling 2", _rivta2, {}, _soap_units, _soap_citizens),
    "fhir": SimulatorKind("fhir", "FHIR R4", _fhir, {}, _fhir_units, _fhir_citizens),
    "kalendra": SimulatorKind(
        "kalendra", "Kalendra REST", _kalendra, {"api_key": DEMO_KALENDRA_KEY}, _kalendra_units, _kalendra_citizens
    ),
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


async def run_demo(*, host: str, port: int, seed: int, workdir: str) -> int:
    from gateway.app import create_app
    from gateway.logging_setup import configure_logging

    started = time.perf_counter()
    configure_logging("WARNING")
    folder = Path(workdir)
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []
    routing: dict[str, Any] = {"adapters": [], "regions": []}
    seeds: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for offset, (region, kind) in enumerate(demo_plan(), start=1):
            sim_port = port + 100 + offset
            simulator = SIMULATOR_KINDS[kind]
            database = str(folder / f"region-{region.code}-{kind}.sqlite3")
            app = simulator_app(kind, region=region.code, seed=seed, database=database)
            servers.append(await _start(app, host, sim_port))
            base_url = f"http://{host}:{sim_port}"
            seed_info = (await client.get(f"{base_url}/admin/seed")).raise_for_status().json()
            units = simulator.care_units(seed_info)
            seeds[region.code] = {
                "kind": kind,
                "protocol": simulator.protocol,
                "url": base_url,
                "care_units": units,
                "citizens": simulator.citizens(seed_info),
                "seed": seed_info,
            }
            adapter_name = f"region-{region.code}-{kind}"
            routing["adapters"].append(
                {
                    "name": adapter_name,
                    "kind": simulator.adapter_kind,
                    "base_url": base_url,
                    "timeout_seconds": 5,
                    "options": simulator.adapter_options,
                }
            )
            routing["regions"].append(
                {
                    "code": region.code,
                    "name": region.name,
                    "logical_address": region.hsa_id,
                    "adapter": adapter_name,
                    "care_units": [{"hsa_id": u["hsa_id"], "name": u["name"]} for u in units],
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
    _print_welcome(host, port, seeds, folder, time.perf_counter() - started)
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


@dataclass(frozen=True, slots=True)
class SampleCall:
    """A crm:scheduling 1.1 call to the demo's gateway that works on the seeded data."""

    title: str
    url: str
    soap_action: str
    envelope: str

    def curl(self) -> str:
        return (
            f"curl -s {self.url} -H 'Content-Type: text/xml; charset=utf-8' "
            f"-H 'SOAPAction: \"{self.soap_action}\"' --data '{self.envelope}'"
        )


def _envelope(name: str, unit: str, citizen: str, body: str) -> str:
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<a:Actor xmlns:a="urn:riv:interoperability:headers:1"><a:actorId>{citizen}</a:actorId>'
        "<a:actorType>subject_of_care</a:actorType></a:Actor>"
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit}</l:LogicalAddress></s:Header>'
        f'<s:Body><r:{name} xmlns:r="urn:riv:crm:scheduling:{name}Responder:1" '
        f'xmlns:r11="urn:riv:crm:scheduling:{name}Responder:1.1">{body}</r:{name}></s:Body></s:Envelope>'
    )


def sample_calls(base: str, seeds: dict[str, Any], *, today: dt.date | None = None) -> list[SampleCall]:
    """The calls the demo prints: a unit's time types, and free doctor's times (LAK30) in the coming
    two weeks at a unit of the first region of each kind."""
    first_day = (today or dt.datetime.now(SWEDISH_TIME).date()) + dt.timedelta(days=3)
    window = f"<r:startDateInclusive>{first_day:%Y%m%d}</r:startDateInclusive>" + (
        f"<r:endDateInclusive>{first_day + dt.timedelta(days=14):%Y%m%d}</r:endDateInclusive>"
    )
    calls: list[SampleCall] = []
    shown: set[str] = set()
    for code, info in seeds.items():
        unit = next((u["hsa_id"] for u in info["care_units"] if "LAK30" in u["time_type_ids"]), None)
        if info["kind"] in shown or unit is None or not info["citizens"]:
            continue
        shown.add(info["kind"])
        citizen = info["citizens"][0]
        if not calls:
            name = "GetAllTimeTypes"
            body = (
                f"<r:healthcare_facility>{unit}</r:healthcare_facility>"
                f"<r11:subject_of_care>{citizen}</r11:subject_of_care>"
            )
            calls.append(
                _sample(
                    base, name, f"the time types of {unit} (region {code}, {info['protocol']})", unit, citizen, body
                )
            )
        name = "GetAvailableTimeslots"
        body = (
            f"<r:healthcare_facility>{unit}</r:healthcare_facility>{window}<r:timeTypeID>LAK30</r:timeTypeID>"
            f"<r11:subject_of_care>{citizen}</r11:subject_of_care>"
        )
        title = f"free doctor's times (LAK30) at {unit} (region {code}, {info['protocol']})"
        calls.append(_sample(base, name, title, unit, citizen, body))
    return calls


def _sample(base: str, name: str, title: str, unit: str, citizen: str, body: str) -> SampleCall:
    return SampleCall(
        title=title,
        url=f"{base}/vp/{name}/1/rivtabp21",
        soap_action=f"urn:riv:crm:scheduling:{name}Responder:1:{name}",
        envelope=_envelope(name, unit, citizen, body),
    )


def _print_welcome(host: str, port: int, seeds: dict[str, Any], folder: Path, seconds: float) -> None:
    base = f"http://{host}:{port}"
    print(f"tidbok-gateway demo: gateway at {base} (SQLite in {folder}), started in {seconds:.1f} s")
    print(f"  OpenAPI docs      {base}/docs")
    print(f"  status            {base}/status")
    print(f"  a WSDL            {base}/vp/GetAllTimeTypes/1/rivtabp21?wsdl")
    for code, info in seeds.items():
        print(f"  region {code}  {info['kind']:<8} {info['protocol']:<18} {info['url']}")
    print("sample calls (copy and paste; the test personnummer are from var/demo/seed.json):")
    for call in sample_calls(base, seeds):
        print(f"# {call.title}")
        print(call.curl())
    print("seeded citizens, units and invitations per region:", folder / "seed.json")
    print("Ctrl-C stops everything.")
