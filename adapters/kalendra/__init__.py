"""The Kalendra regional adapter: a proprietary REST/JSON booking system, translated to the domain.

Settings (`AdapterSettings`):
- `base_url`: Kalendra's address; the API is under `<base_url>/v2`.
- `timeout`: the deadline of one HTTP request to Kalendra (and of each of its phases).
- `options`:
  - `api_key` (required): sent in `X-Kalendra-Key`;
  - `catalogue_ttl` (seconds, default 60): how long clinics, visit kinds and providers are kept;
  - `transport` (`aiohttp` | `httpx`), `max_connections`, `connect_timeout` (seconds): for the
    HTTP client from `adapters.http.build_http_client`.

Writes are safe to retry: MakeBooking carries an `Idempotency-Key` derived from citizen + opening
+ time type (or the caller's own, from `RequestContext.extra_headers`), so a retry answers the
reservation the first attempt made; a move names its target state. See `adapter.py`.
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.http import TransportKind, build_http_client
from adapters.interface import AdapterSettings, RegionAdapter
from adapters.kalendra.adapter import KalendraAdapter
from adapters.kalendra.client import KalendraClient, install_log_masking
from adapters.kalendra.directory import Directory

__all__ = ["KalendraAdapter", "build_adapter", "create_adapter"]

DEFAULT_CATALOGUE_TTL = 60.0


def create_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> RegionAdapter:
    """Build the adapter. With `http_client` the adapter uses that client and leaves closing it to
    its owner; otherwise it builds one with `adapters.http.build_http_client`."""
    return build_adapter(settings, http_client=http_client)


def build_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> KalendraAdapter:
    """`create_adapter`, typed as the concrete class."""
    options = settings.options
    api_key = options.get("api_key")
    if not isinstance(api_key, str) or not api_key:
        raise ValueError(f"adapter {settings.name!r}: options.api_key (Kalendra's X-Kalendra-Key) is required")
    seconds = settings.timeout.total_seconds()
    owns_client = http_client is None
    http = http_client or build_http_client(
        seconds,
        max_connections=int(options.get("max_connections", 100)),
        connect_timeout=_optional_float(options.get("connect_timeout")),
        transport=_transport(options.get("transport", "aiohttp")),
    )
    install_log_masking()
    client = KalendraClient(http, base_url=settings.base_url, api_key=api_key, region=settings.name, deadline=seconds)
    ttl = float(options.get("catalogue_ttl", DEFAULT_CATALOGUE_TTL))
    if ttl < 0:
        raise ValueError("catalogue_ttl must not be negative")
    return KalendraAdapter(client, Directory(client, ttl=ttl), owns_client=owns_client)


def _transport(value: Any) -> TransportKind:
    if value == "aiohttp":
        return "aiohttp"
    if value == "httpx":
        return "httpx"
    raise ValueError(f"transport is aiohttp or httpx, not {value!r}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
