"""Fixtures: the FHIR simulator, and the adapter talking to it over ASGI (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.fhir import FhirAdapter, build_adapter
from adapters.interface import AdapterSettings
from simulators.fhir_server import create_app

BASE_URL = "http://fhir.region01.test"


@pytest.fixture
def fhir_app() -> FastAPI:
    return create_app("01", 11)


@pytest.fixture
async def fhir_http(fhir_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fhir_app), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def seed(fhir_http: httpx.AsyncClient) -> dict[str, Any]:
    listing: dict[str, Any] = (await fhir_http.get("/admin/seed")).json()
    return listing


@pytest.fixture
def adapter(fhir_http: httpx.AsyncClient) -> FhirAdapter:
    settings = AdapterSettings(name="region-01", base_url=BASE_URL, options={"page_size": 25})
    return build_adapter(settings, http_client=fhir_http)
