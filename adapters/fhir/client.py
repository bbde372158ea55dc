"""The FHIR REST calls the adapter makes, over the shared httpx client, and what their failures mean.

- no connection → RegionUnavailable; no answer in time (or HTTP 504) → RegionTimeout;
- HTTP 5xx → RegionUnavailable;
- HTTP 404/409/412/422 with an OperationOutcome → `FhirRefusal` (a `RegionRejectedRequest` that the
  write methods turn into a `BookingOutcome`); other 4xx → RegionRejectedRequest;
- a body that is not the FHIR JSON expected → RegionProtocolError.

Searches follow `next` links to the end (same origin as the base URL only, at most `max_pages`).
Searches that name a citizen go by `POST [type]/_search`, so the personnummer is not in a URL.
Error texts are masked of personal identity numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.fhir.resources import Bundle, OperationOutcome
from adapters.identifiers import mask_personal_numbers

__all__ = ["FHIR_JSON", "FhirClient", "FhirRefusal", "SearchResult", "Written"]

FHIR_JSON = "application/fhir+json"
_REFUSALS = frozenset({404, 409, 410, 412, 422})
_GATEWAY_TIMEOUT = 504
_Model = TypeVar("_Model", bound=BaseModel)


class FhirRefusal(RegionRejectedRequest):
    """The region said no with a status and (usually) an OperationOutcome."""

    def __init__(self, message: str, *, region: str | None, status: int, outcome: OperationOutcome | None) -> None:
        super().__init__(message, region=region)
        self.status = status
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Every match of a search (all pages), and the included resources by `Type/id`."""

    matches: list[dict[str, Any]]
    included: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Written:
    status: int
    resource: dict[str, Any]


class FhirClient:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        region: str,
        page_size: int = 100,
        max_pages: int = 50,
    ) -> None:
        self._client = client
        self.base_url = base_url.rstrip("/")
        self.region = region
        self.page_size = page_size
        self.max_pages = max_pages
        self._origin = urlsplit(self.base_url)[:2]

    # reads ---------------------------------------------------------------------------------------

    async def read(self, path: str, headers: Mapping[str, str]) -> dict[str, Any] | None:
        """`GET [base]/[type]/[id]`; None when the region does not know it (404/410)."""
        try:
            return await self._json("GET", f"{self.base_url}/{path}", headers=headers)
        except FhirRefusal as refusal:
            if refusal.status in (404, 410):
                return None
            raise

    async def search(
        self,
        resource_type: str,
        params: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        *,
        by_post: bool = False,
    ) -> SearchResult:
        query = [*params, ("_count", str(self.page_size))]
        if by_post:
            bundle = await self._bundle("POST", f"{self.base_url}/{resource_type}/_search", headers=headers, form=query)
        else:
            bundle = await self._bundle("GET", f"{self.base_url}/{resource_type}", headers=headers, params=query)
        matches: list[dict[str, Any]] = []
        included: dict[str, dict[str, Any]] = {}
        seen_links: set[str] = set()
        for page in range(self.max_pages):
            for entry in bundle.entry:
                resource = entry.resource
                if resource is None:
                    continue
                if entry.search is not None and entry.search.mode == "include":
                    included[f"{resource.get('resourceType')}/{resource.get('id')}"] = resource
                elif resource.get("resourceType") == resource_type:
                    matches.append(resource)
            link = bundle.next_url()
            if link is None:
                return SearchResult(matches, included)
            if link in seen_links or urlsplit(link)[:2] != self._origin:
                raise RegionProtocolError(
                    f"{resource_type} search at {self.region}: a next link that cannot be followed", region=self.region
                )
            seen_links.add(link)
            if page + 1 < self.max_pages:
                bundle = await self._bundle("GET", link, headers=headers)
        raise RegionProtocolError(
            f"{resource_type} search at {self.region}: more than {self.max_pages} pages", region=self.region
        )

    # writes --------------------------------------------------------------------------------------

    async def create(
        self, resource: dict[str, Any], headers: Mapping[str, str], *, if_none_exist: str | None = None
    ) -> Written:
        extra = {"If-None-Exist": if_none_exist} if if_none_exist else {}
        return await self._write("POST", f"{self.base_url}/{resource['resourceType']}", resource, {**headers, **extra})

    async def update(self, resource: dict[str, Any], version: str, headers: Mapping[str, str]) -> Written:
        url = f"{self.base_url}/{resource['resourceType']}/{resource['id']}"
        return await self._write("PUT", url, resource, {**headers, "If-Match": f'W/"{version}"'})

    # the HTTP exchange ---------------------------------------------------------------------------

    async def _write(self, method: str, url: str, resource: dict[str, Any], headers: Mapping[str, str]) -> Written:
        response = await self._send(
            method,
            url,
            headers={**headers, "Content-Type": FHIR_JSON},
            content=json.dumps(resource, ensure_ascii=False).encode(),
        )
        return Written(response.status_code, self._body(response, method, url))

    async def _bundle(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]] | None = None,
        form: Sequence[tuple[str, str]] | None = None,
    ) -> Bundle:
        return self._parse(Bundle, await self._json(method, url, headers=headers, params=params, form=form))

    async def _json(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]] | None = None,
        form: Sequence[tuple[str, str]] | None = None,
    ) -> dict[str, Any]:
        response = await self._send(method, url, headers=headers, params=params, data=form)
        return self._body(response, method, url)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        where = f"{method} {_path(url)} at {self.region}"
        headers = {"Accept": FHIR_JSON, **kwargs.pop("headers")}
        data = kwargs.pop("data", None)
        if data is not None:
            kwargs["content"] = urlencode(list(data)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            response = await self._client.request(method, url, headers=headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RegionUnavailable(f"{where}: could not connect ({type(exc).__name__})", region=self.region) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise RegionTimeout(f"{where}: no answer in time", region=self.region) from exc
        except httpx.TransportError as exc:
            raise RegionUnavailable(f"{where}: connection failed ({type(exc).__name__})", region=self.region) from exc
        if response.status_code < 400:
            return response
        outcome = _outcome(response)
        text = mask_personal_numbers(outcome.text()) if outcome else ""
        message = f"{where}: HTTP {response.status_code}{': ' + text if text else ''}"
        if response.status_code == _GATEWAY_TIMEOUT:
            raise RegionTimeout(message, region=self.region)
        if response.status_code >= 500:
            raise RegionUnavailable(message, region=self.region)
        if response.status_code in _REFUSALS:
            raise FhirRefusal(message, region=self.region, status=response.status_code, outcome=outcome)
        raise RegionRejectedRequest(message, region=self.region)

    def _body(self, response: httpx.Response, method: str, url: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise RegionProtocolError(
                f"{method} {_path(url)} at {self.region}: the answer is not JSON", region=self.region
            ) from exc
        if not isinstance(body, dict) or "resourceType" not in body:
            raise RegionProtocolError(
                f"{method} {_path(url)} at {self.region}: the answer is not a FHIR resource", region=self.region
            )
        return body

    def _parse(self, model: type[_Model], data: Mapping[str, Any]) -> _Model:
        return parse(model, data, region=self.region)


def parse(model: type[_Model], data: Mapping[str, Any], *, region: str | None) -> _Model:
    """Validate a resource; an unexpected shape is the region's protocol error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'resource'}: {error['msg']}" for error in exc.errors()[:3]
        )
        raise RegionProtocolError(f"unexpected {model.__name__} from {region}: {problems}", region=region) from exc


def _outcome(response: httpx.Response) -> OperationOutcome | None:
    try:
        return OperationOutcome.model_validate(response.json())
    except (ValueError, ValidationError):
        return None


def _path(url: str) -> str:
    return urlsplit(url).path
