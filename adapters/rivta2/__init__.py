"""The supportprocess:logistics:scheduling 2 (Tidbokning 2.0, RIVTABP21) regional adapter.

Messages are built and read with lxml (`requests`, `answers`) and sent over the shared HTTP client
(`client`): a long GetAvailableTimeslots answer is read about seven times faster than through zeep,
and 2.0 needs no WSDL at run time.

Settings (`AdapterSettings`):
- `base_url`: the producer; interaction `<Name>` is called at `<base_url>/vp/<Name>/2/rivtabp21`
  (ConfirmAppointment `/vp/ConfirmAppointment/1/rivtabp21`).
- `timeout`: the deadline of one call (and of each HTTP phase).
- `options`:
  - `endpoint_paths`: `{<Name>: <path>}` for producers that are not at the platform's paths;
  - `time_type_names`: `{<time type code>: <name>}`, the region's names for its time types (2.0
    has none on the wire);
  - `contact_channels`: `{<careContactCode code>: physical | video | phone}`, added to the default table;
  - `max_concurrent_calls` (default 8): the bound on the calls one adapter call fans out into;
  - `max_answer_bytes` (default 8 000 000): larger answers are refused as unreadable;
  - `validate_requests` (default true): check each request against the 2.0 schema before sending;
  - `transport` (`aiohttp` | `httpx`), `max_connections`, `connect_timeout` (seconds): for the HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.http import TransportKind, build_http_client
from adapters.interface import AdapterSettings, RegionAdapter
from adapters.rivta2.adapter import Rivta2Adapter
from adapters.rivta2.answers import CodeTables
from adapters.rivta2.client import DEFAULT_MAX_ANSWER_BYTES, Scheduling2Client
from adapters.rivta2.vocabulary import contact_channels

__all__ = ["Rivta2Adapter", "build_adapter", "create_adapter"]


def create_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> RegionAdapter:
    """Build the adapter. With `http_client` the adapter shares that client and leaves closing it
    to its owner; otherwise it builds one with `adapters.http.build_http_client`."""
    return build_adapter(settings, http_client=http_client)


def build_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> Rivta2Adapter:
    """`create_adapter`, typed as the concrete class."""
    options = settings.options
    seconds = settings.timeout.total_seconds()
    tables = CodeTables(
        time_type_names=_string_map(options.get("time_type_names"), "time_type_names"),
        contact_channels=contact_channels(_string_map(options.get("contact_channels"), "contact_channels")),
    )
    max_concurrent = int(options.get("max_concurrent_calls", 8))
    owns_client = http_client is None
    client = http_client or build_http_client(
        seconds,
        max_connections=int(options.get("max_connections", 100)),
        connect_timeout=_optional_float(options.get("connect_timeout")),
        transport=_transport(options.get("transport", "aiohttp")),
    )
    producer = Scheduling2Client(
        region=settings.name,
        base_url=settings.base_url,
        client=client,
        timeout=settings.timeout,
        endpoint_paths=_endpoint_paths(options.get("endpoint_paths")),
        max_answer_bytes=int(options.get("max_answer_bytes", DEFAULT_MAX_ANSWER_BYTES)),
        validate_requests=_flag(options.get("validate_requests", True), "validate_requests"),
    )
    return Rivta2Adapter(producer, client, tables=tables, max_concurrent_calls=max_concurrent, owns_client=owns_client)


def _string_map(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError(f"{name} maps strings to strings")
    return dict(value)


def _endpoint_paths(value: Any) -> dict[str, str]:
    paths = _string_map(value, "endpoint_paths")
    return {name: path if path.startswith("/") else "/" + path for name, path in paths.items()}


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{name} is true or false, not {value!r}")


def _transport(value: Any) -> TransportKind:
    if value == "aiohttp":
        return "aiohttp"
    if value == "httpx":
        return "httpx"
    raise ValueError(f"transport is aiohttp or httpx, not {value!r}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
