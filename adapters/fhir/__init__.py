"""The FHIR R4 regional adapter: a region whose scheduling system speaks FHIR R4 (Schedule, Slot,
Appointment, Patient, Location, Practitioner over REST and JSON), reached with httpx.

Settings (`AdapterSettings`):
- `base_url`: the FHIR base, e.g. `https://fhir.region.example/R4`.
- `timeout`: the deadline of one adapter call, all its requests and pages together (and of each
  HTTP phase).
- `options`:
  - `page_size` (default 100): `_count` of each search page; `max_pages` (default 50);
  - `time_type_system`, `care_type_system`: the region's CodeSystem URLs for time and care types,
    when its codings carry more than one system;
  - `transport` (`aiohttp` | `httpx`), `max_connections`, `connect_timeout` (seconds): for the HTTP client.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.fhir.adapter import FhirAdapter, FhirOptions
from adapters.fhir.client import FhirClient
from adapters.http import TransportKind, build_http_client
from adapters.interface import AdapterSettings, RegionAdapter

__all__ = ["FhirAdapter", "build_adapter", "create_adapter"]


def create_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> RegionAdapter:
    """Build the adapter. With `http_client` the adapter shares that client and leaves closing it
    to its owner; otherwise it builds one with `adapters.http.build_http_client`."""
    return build_adapter(settings, http_client=http_client)


def build_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> FhirAdapter:
    """`create_adapter`, typed as the concrete class."""
    options = settings.options
    owned = None
    if http_client is None:
        http_client = owned = build_http_client(
            settings.timeout.total_seconds(),
            max_connections=int(options.get("max_connections", 100)),
            connect_timeout=_optional_float(options.get("connect_timeout")),
            transport=_transport(options.get("transport", "aiohttp")),
        )
    client = FhirClient(
        http_client,
        settings.base_url,
        region=settings.name,
        page_size=_positive_int(options.get("page_size", 100), "page_size"),
        max_pages=_positive_int(options.get("max_pages", 50), "max_pages"),
    )
    fhir_options = FhirOptions(
        time_type_system=_optional_str(options.get("time_type_system")),
        care_type_system=_optional_str(options.get("care_type_system")),
    )
    return FhirAdapter(client, deadline=settings.timeout, options=fhir_options, owned_http_client=owned)


def _transport(value: Any) -> TransportKind:
    if value == "aiohttp":
        return "aiohttp"
    if value == "httpx":
        return "httpx"
    raise ValueError(f"transport is aiohttp or httpx, not {value!r}")


def _positive_int(value: Any, name: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be at least 1")
    return number


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
