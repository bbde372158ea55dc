"""The FHIR client's paging and failure model, against scripted answers (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.domain import CatalogueQuery, RequestContext
from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.fhir import build_adapter
from adapters.fhir.client import FhirClient, FhirRefusal
from adapters.identifiers import HsaId
from adapters.interface import AdapterSettings

BASE = "http://fhir.test/R4"
UNIT = HsaId("SE2321000016-E0101")


def _client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> FhirClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return FhirClient(http, BASE, region="test", **kwargs)


def _bundle(ids: list[str], next_url: str | None = None) -> dict[str, Any]:
    links = [{"relation": "self", "url": f"{BASE}/Slot"}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": {"resourceType": "Slot", "id": i}, "search": {"mode": "match"}} for i in ids],
    }


async def test_a_search_follows_next_links_to_the_end() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        page = int(request.url.params.get("page", "0"))
        next_url = f"{BASE}/Slot?page={page + 1}" if page < 2 else None
        return httpx.Response(200, json=_bundle([f"s{page}a", f"s{page}b"], next_url))

    result = await _client(handler, page_size=2).search("Slot", [("status", "free")], {})
    assert [m["id"] for m in result.matches] == ["s0a", "s0b", "s1a", "s1b", "s2a", "s2b"]
    assert "_count=2" in seen[0] and "status=free" in seen[0] and len(seen) == 3


@pytest.mark.parametrize(
    "next_url",
    [f"{BASE}/Slot?page=0", "http://elsewhere.test/R4/Slot?page=1"],
    ids=["a loop", "another host"],
)
async def test_a_next_link_that_loops_or_leaves_the_server_is_not_followed(next_url: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=_bundle(["x"], next_url))

    with pytest.raises(RegionProtocolError):
        await _client(handler).search("Slot", [], {})


async def test_pages_are_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "0"))
        return httpx.Response(200, json=_bundle([str(page)], f"{BASE}/Slot?page={page + 1}"))

    with pytest.raises(RegionProtocolError, match="more than 3 pages"):
        await _client(handler, max_pages=3).search("Slot", [], {})


async def test_a_search_by_post_sends_a_form() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/R4/Appointment/_search"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert "199001019802" in request.content.decode().replace("%7C", "|") and "199001019802" not in str(request.url)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    result = await _client(handler).search(
        "Appointment", [("patient.identifier", "urn:oid:1.2.752.129.2.1.3.1|199001019802")], {}, by_post=True
    )
    assert result.matches == []


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(503, text="simulated outage"), RegionUnavailable),
        (httpx.Response(500, json={"resourceType": "OperationOutcome", "issue": []}), RegionUnavailable),
        (httpx.Response(504, text="gateway timeout"), RegionTimeout),
        (httpx.Response(400, json={"resourceType": "OperationOutcome", "issue": []}), RegionRejectedRequest),
        (httpx.Response(401), RegionRejectedRequest),
        (httpx.Response(200, text="<html>"), RegionProtocolError),
        (httpx.Response(200, json=["not", "a", "resource"]), RegionProtocolError),
        (httpx.Response(200, json={"resourceType": "Bundle", "entry": "nonsense"}), RegionProtocolError),
    ],
)
async def test_answers_that_are_not_results(response: httpx.Response, error: type[Exception]) -> None:
    with pytest.raises(error):
        await _client(lambda request: response).search("Slot", [], {})


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError("refused"), RegionUnavailable),
        (httpx.ConnectTimeout("no route"), RegionUnavailable),
        (httpx.ReadTimeout("slow"), RegionTimeout),
        (httpx.RemoteProtocolError("hung up"), RegionUnavailable),
    ],
)
async def test_transport_failures(failure: Exception, error: type[Exception]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with pytest.raises(error):
        await _client(handler).read("Appointment/a1", {})


async def test_a_refusal_keeps_status_and_outcome_and_masks_personal_numbers() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "conflict", "details": {"text": "199001019802 har redan en tid"}}],
    }
    with pytest.raises(FhirRefusal) as caught:
        await _client(lambda request: httpx.Response(409, json=outcome)).create({"resourceType": "Appointment"}, {})
    assert caught.value.status == 409 and caught.value.outcome is not None
    assert "199001019802" not in str(caught.value) and "1990********" in str(caught.value)


async def test_a_missing_resource_reads_as_none() -> None:
    answer = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}
    assert await _client(lambda request: httpx.Response(404, json=answer)).read("Appointment/x", {}) is None


async def test_writes_carry_fhir_json_the_version_and_the_context_headers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "PUT" and request.url.path == "/R4/Appointment/a1"
        assert request.headers["if-match"] == 'W/"4"'
        assert request.headers["content-type"] == "application/fhir+json"
        assert request.headers["accept"] == "application/fhir+json"
        assert request.headers["x-correlation-id"] == "corr-1"
        assert json.loads(request.content)["status"] == "cancelled"
        return httpx.Response(200, json={"resourceType": "Appointment", "id": "a1", "status": "cancelled"})

    written = await _client(handler).update(
        {"resourceType": "Appointment", "id": "a1", "status": "cancelled"}, "4", {"X-Correlation-ID": "corr-1"}
    )
    assert written.status == 200 and written.resource["status"] == "cancelled"


async def test_the_adapter_keeps_to_its_deadline() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"resourceType": "Bundle"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    adapter = build_adapter(
        AdapterSettings(name="slow", base_url=BASE, timeout=dt.timedelta(milliseconds=200)), http_client=http
    )
    with pytest.raises(RegionTimeout):
        await adapter.get_time_types(RequestContext(logical_address=UNIT), CatalogueQuery(care_unit=UNIT))


async def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        build_adapter(AdapterSettings(name="x", base_url=BASE, options={"transport": "carrier-pigeon"}))
    with pytest.raises(ValueError):
        build_adapter(AdapterSettings(name="x", base_url=BASE, options={"page_size": 0}))
    adapter = build_adapter(AdapterSettings(name="x", base_url=BASE, options={"transport": "httpx"}))
    await adapter.aclose()
