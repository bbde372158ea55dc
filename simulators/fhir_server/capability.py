"""The CapabilityStatement (`GET /metadata`): what this server does, read off its own search table."""

from __future__ import annotations

from typing import Any

from simulators.fhir_server.search import Searcher

__all__ = ["capability_statement"]

_WRITES = {
    "Appointment": ["create", "update"],
    "Patient": ["create"],
    "Slot": ["create"],
}


def capability_statement(searcher: Searcher, *, date: str, region_name: str) -> dict[str, Any]:
    resources = []
    for name, kind in searcher.types.items():
        interactions = ["read", "search-type", *_WRITES.get(name, [])]
        resource: dict[str, Any] = {
            "type": name,
            "interaction": [{"code": code} for code in interactions],
            "versioning": "versioned-update" if name == "Appointment" else "versioned",
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": name in ("Appointment", "Patient"),
            "searchInclude": sorted(kind.includes),
            "searchParam": [{"name": param, "type": _param_type(param)} for param in kind.params if param != "_id"],
        }
        resources.append(resource)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "tidbok-gateway simulators",
        "kind": "instance",
        "software": {"name": "tidbok FHIR scheduling simulator", "version": "1"},
        "implementation": {"description": f"Simulated scheduling system of {region_name}"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Paging by opaque _page_token in next links; unknown search parameters are refused.",
                "resource": resources,
            }
        ],
    }


def _param_type(name: str) -> str:
    if name in ("start", "date"):
        return "date"
    if name in ("schedule", "patient", "practitioner", "location", "actor", "slot", "organization"):
        return "reference"
    return "token"
