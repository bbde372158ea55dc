"""The crm:scheduling 1.1 (RIVTABP21) regional adapter, calling the producer with zeep.

Settings (`AdapterSettings`):
- `base_url`: the producer; interaction `<Name>` is called at `<base_url>/vp/<Name>/1/rivtabp21`
  and its WSDL read from there with `?wsdl`.
- `timeout`: the deadline of one call (and of each HTTP phase).
- `options`:
  - `wsdl_dir`: read the WSDLs from local files in the RIV-TA layout instead
    (`<wsdl_dir>/interactions/<Name>Interaction/<Name>Interaction_1.1_RIVTABP21.wsdl`; a folder that
    holds `crm_scheduling_1.1/`, such as `contracts/wsdl`, is accepted too);
  - `endpoint_paths`: `{<Name>: <path>}` for producers that are not at the platform's paths;
  - `transport` (`aiohttp` | `httpx`), `max_connections`, `connect_timeout` (seconds): for the HTTP client.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from adapters.http import TransportKind, build_http_client
from adapters.interface import AdapterSettings, RegionAdapter
from adapters.rivta.adapter import RivtaAdapter
from adapters.rivta.services import ServiceDirectory

__all__ = ["RivtaAdapter", "create_adapter"]

_CONTRACT_FOLDER = "crm_scheduling_1.1"


def create_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> RegionAdapter:
    """Build the adapter. With `http_client` the adapter shares that client and leaves closing it
    to its owner; otherwise it builds one with `adapters.http.build_http_client`."""
    return build_adapter(settings, http_client=http_client)


def build_adapter(settings: AdapterSettings, *, http_client: httpx.AsyncClient | None = None) -> RivtaAdapter:
    """`create_adapter`, typed as the concrete class."""
    options = settings.options
    seconds = settings.timeout.total_seconds()
    owns_client = http_client is None
    client = http_client or build_http_client(
        seconds,
        max_connections=int(options.get("max_connections", 100)),
        connect_timeout=_optional_float(options.get("connect_timeout")),
        transport=_transport(options.get("transport", "aiohttp")),
    )
    services = ServiceDirectory(
        region=settings.name,
        base_url=settings.base_url,
        client=client,
        timeout=settings.timeout,
        wsdl_dir=_wsdl_dir(options.get("wsdl_dir")),
        endpoint_paths=_endpoint_paths(options.get("endpoint_paths")),
    )
    return RivtaAdapter(services, client, owns_client=owns_client)


def _wsdl_dir(value: Any) -> Path | None:
    if value is None or value == "":
        return None
    folder = Path(value)
    if (folder / _CONTRACT_FOLDER / "interactions").is_dir():
        folder = folder / _CONTRACT_FOLDER
    if not (folder / "interactions").is_dir():
        raise ValueError(f"wsdl_dir has no interactions/ folder: {folder}")
    return folder


def _endpoint_paths(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("endpoint_paths maps interaction names to URL paths")
    return {name: path if path.startswith("/") else "/" + path for name, path in value.items()}


def _transport(value: Any) -> TransportKind:
    if value == "aiohttp":
        return "aiohttp"
    if value == "httpx":
        return "httpx"
    raise ValueError(f"transport is aiohttp or httpx, not {value!r}")


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
