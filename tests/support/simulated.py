"""The four kinds of simulated regional system, seen the same way by tests: how to build one, what
its `/admin/seed` says (units with their time types, citizens and whether they hold bookings), how
to open a time at a chosen moment, and the adapter options the gateway needs to reach it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx

from contracts.timeformat import SWEDISH_TIME, format_timestamp

__all__ = [
    "KALENDRA_KEY",
    "KINDS",
    "adapter_options",
    "open_slot",
    "seed_citizens",
    "seed_units",
    "simulator_app",
]

KINDS = ("rivta", "rivta2", "fhir", "kalendra")
KALENDRA_KEY = "kalendra-test-api-key"


def simulator_app(kind: str, *, region_code: str, seed: int, database: Path) -> Any:
    """A seeded simulator of `kind` for one region, its state in `database` (a new file)."""
    if kind == "rivta":
        from simulators.rivta_producer import ProducerConfig
        from simulators.rivta_producer import create_app as create_rivta

        return create_rivta(ProducerConfig(region_code=region_code, seed=seed, database=str(database)))
    if kind == "rivta2":
        from simulators.rivta2_producer import Producer2Config
        from simulators.rivta2_producer import create_app as create_rivta2

        return create_rivta2(Producer2Config(region_code=region_code, seed=seed, database=str(database)))
    if kind == "fhir":
        from simulators.fhir_server import create_app as create_fhir

        return create_fhir(region_code, seed, database_path=database)
    if kind == "kalendra":
        from simulators.kalendra import KalendraConfig
        from simulators.kalendra import create_app as create_kalendra

        config = KalendraConfig.model_validate(
            {"api_key": KALENDRA_KEY, "region": region_code, "seed": seed, "database": database}
        )
        return create_kalendra(config)
    raise ValueError(f"no simulator of kind {kind!r}")


def adapter_options(kind: str) -> dict[str, Any]:
    """What the adapter of `kind` needs besides the address (Kalendra: its API key)."""
    return {"api_key": KALENDRA_KEY} if kind == "kalendra" else {}


def seed_units(kind: str, seed: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(care unit HSA-id, its time type ids) in the simulator's own order."""
    if kind == "kalendra":
        return [(c["hsa_id"], [k["external_code"] for k in c["visit_kinds"]]) for c in seed["clinics"]]
    if kind == "fhir":
        return [(u["hsa_id"], list(u["time_types"])) for u in seed["units"]]
    return [(u["hsa_id"], list(u.get("time_type_ids") or u.get("time_type_codes") or [])) for u in seed["care_units"]]


def seed_citizens(kind: str, seed: dict[str, Any]) -> list[tuple[str, bool]]:
    """(personal identity number, holds a seeded booking) of every seeded citizen."""
    if kind == "kalendra":
        holders = {r["personal_number"] for r in seed["reservations"] if r["status"] == "active"}
        return [(p["personal_number"], p["personal_number"] in holders) for p in seed["patients"]]
    if kind == "fhir":
        holders = {a["personal_number"] for a in seed["appointments"]}
        return [(c["personal_number"], c["personal_number"] in holders) for c in seed["citizens"]]
    return [
        (str(c.get("personal_number") or c["person_id"]), bool(c.get("booking_ids") or c.get("appointment_ids")))
        for c in seed["citizens"]
    ]


def open_slot(kind: str, url: str, seed: dict[str, Any], unit: str, time_type: str, start: dt.datetime) -> None:
    """Staff at `unit` open a free time of `time_type` at the instant `start`, through the
    simulator's own way of doing it (an admin call, FHIR `POST /Slot`, Kalendra `POST /v2/openings`)."""
    if kind in ("rivta", "rivta2"):
        body = {"healthcare_facility": unit, "time_type_id": time_type, "start": format_timestamp(start)}
        httpx.post(f"{url}/admin/slots", json=body, timeout=10).raise_for_status()
    elif kind == "fhir":
        _open_fhir_slot(url, seed, unit, time_type, start)
    elif kind == "kalendra":
        _open_kalendra_opening(url, seed, unit, time_type, start)
    else:
        raise ValueError(f"no simulator of kind {kind!r}")


def _open_fhir_slot(url: str, seed: dict[str, Any], unit: str, time_type: str, start: dt.datetime) -> None:
    listed = next(u for u in seed["units"] if u["hsa_id"].upper() == unit.upper())
    schedule = next(p["schedules"][time_type] for p in listed["performers"] if time_type in p["schedules"])
    minutes = next(t["minutes"] for t in seed["time_types"] if t["time_type_id"] == time_type)
    end = start.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)
    slot = {
        "resourceType": "Slot",
        "schedule": {"reference": f"Schedule/{schedule}"},
        "status": "free",
        "start": start.astimezone(SWEDISH_TIME).isoformat(),
        "end": end.astimezone(SWEDISH_TIME).isoformat(),
    }
    headers = {"content-type": "application/fhir+json"}
    httpx.post(f"{url}/Slot", json=slot, headers=headers, timeout=10).raise_for_status()


def _open_kalendra_opening(url: str, seed: dict[str, Any], unit: str, time_type: str, start: dt.datetime) -> None:
    clinic = next(c for c in seed["clinics"] if c["hsa_id"].upper() == unit.upper())
    kind = next(k for k in clinic["visit_kinds"] if k["external_code"] == time_type)
    provider = next(p for p in clinic["providers"] if kind["id"] in p["visit_kind_ids"])
    body = {
        "clinic_id": clinic["id"],
        "provider_id": provider["id"],
        "visit_kind_id": kind["id"],
        "starts_at": start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    headers = {"X-Kalendra-Key": KALENDRA_KEY}
    httpx.post(f"{url}/v2/openings", json=body, headers=headers, timeout=10).raise_for_status()
