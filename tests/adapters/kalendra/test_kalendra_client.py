"""How the adapter reads Kalendra's answers that the simulator does not give on its own: refusals
of reads, unreadable bodies, cursors that go round in circles, HTTP errors without a body."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from adapters.domain import BookingRequest, CatalogueQuery, Timeslot
from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId
from adapters.interface import AdapterSettings
from adapters.kalendra import KalendraAdapter, build_adapter
from adapters.kalendra.client import KalendraRefusal
from tests.adapters.kalendra.support import CTX, KEY, SWEDISH_TIME, VARDCENTRAL, citizen

Handler = Callable[[httpx.Request], httpx.Response]
UNIT = HsaId(VARDCENTRAL)
CLINIC = {
    "id": "cln_1",
    "name": "Vårdcentral",
    "town": "Stockholm",
    "external_ref": {"scheme": "HSA", "value": VARDCENTRAL},
    "policy": {"change_cutoff_minutes": 60},
}


def adapter_with(handler: Handler) -> KalendraAdapter:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    settings = AdapterSettings(name="kalendra-mock", base_url="http://kalendra", options={"api_key": KEY})
    return build_adapter(settings, http_client=http)


def error(status: int, code: str, message: str = "nej") -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


async def test_a_refused_read_is_a_rejected_request_that_keeps_kalendras_code() -> None:
    adapter = adapter_with(lambda request: error(422, "VALIDATION_FAILED", "limit must be between 1 and 200"))
    with pytest.raises(RegionRejectedRequest, match="VALIDATION_FAILED") as caught:
        await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    assert isinstance(caught.value, KalendraRefusal) and caught.value.code == "VALIDATION_FAILED"
    assert caught.value.region == "kalendra-mock"


async def test_a_refusal_message_quoting_a_personal_number_is_masked() -> None:
    tolvan = citizen("19121212", 985)
    adapter = adapter_with(lambda request: error(422, "VALIDATION_FAILED", f"bad patient {tolvan.value}"))
    with pytest.raises(RegionRejectedRequest) as caught:
        await adapter.get_schedule(CTX, UNIT, tolvan)
    assert tolvan.value not in str(caught.value)
    assert "1912********" in str(caught.value)


async def test_a_write_refused_with_an_unknown_code_is_a_rejected_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/clinics":
            return httpx.Response(200, json={"items": [CLINIC], "next_cursor": None})
        if request.url.path.startswith("/v2/clinics/"):
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return error(409, "SOMETHING_NEW_IN_V3")

    adapter = adapter_with(handler)
    start = dt.datetime(2027, 1, 15, 8, 0, tzinfo=SWEDISH_TIME)
    slot = Timeslot(care_unit=UNIT, start=start, end=start + dt.timedelta(minutes=30), slot_id="opn_1")
    with pytest.raises(RegionRejectedRequest, match="SOMETHING_NEW_IN_V3"):
        await adapter.make_booking(CTX, BookingRequest(care_unit_med=UNIT, slot=slot, citizen=citizen("19121212", 985)))


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (httpx.Response(200, content=b"<html>maintenance</html>"), RegionProtocolError),
        (httpx.Response(200, json={"items": [{"id": "cln_1"}], "next_cursor": None}), RegionProtocolError),
        (httpx.Response(404, content=b"no such path"), RegionRejectedRequest),
        (httpx.Response(403, content=b""), RegionRejectedRequest),
        (httpx.Response(502, content=b"bad gateway"), RegionUnavailable),
        (httpx.Response(504, content=b"gateway timeout"), RegionTimeout),
    ],
)
async def test_answers_that_are_not_kalendras(answer: httpx.Response, raised: type[Exception]) -> None:
    adapter = adapter_with(lambda request: answer)
    with pytest.raises(raised):
        await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))


async def test_a_cursor_that_comes_back_is_a_protocol_error() -> None:
    adapter = adapter_with(lambda request: httpx.Response(200, json={"items": [CLINIC], "next_cursor": "again"}))
    with pytest.raises(RegionProtocolError, match="cursor repeats"):
        await adapter.get_care_units(CTX, CatalogueQuery(care_unit=UNIT))


async def test_paging_sends_the_cursor_it_was_given_and_the_largest_page() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        cursor = request.url.params.get("cursor")
        following = {None: "p2", "p2": "p3", "p3": None}[cursor]
        clinic = {
            **CLINIC,
            "id": f"cln_{cursor}",
            "external_ref": {"scheme": "HSA", "value": f"SE2321000016-{len(seen)}"},
        }
        return httpx.Response(200, json={"items": [clinic], "next_cursor": following})

    units = await adapter_with(handler).get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
    assert [u.hsa_id for u in units] == ["SE2321000016-1", "SE2321000016-2", "SE2321000016-3"]
    assert [url.params.get("cursor") for url in seen] == [None, "p2", "p3"]
    assert {url.params["limit"] for url in seen} == {"200"}


async def test_a_connection_error_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RegionUnavailable, match="could not connect"):
        await adapter_with(handler).get_care_units(CTX, CatalogueQuery(care_unit=UNIT))


async def test_a_read_timeout_is_a_region_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(RegionTimeout):
        await adapter_with(handler).get_care_units(CTX, CatalogueQuery(care_unit=UNIT))
