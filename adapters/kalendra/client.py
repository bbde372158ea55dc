"""The HTTP side of the adapter: Kalendra's requests, its paging, and its failures.

What goes wrong, as `adapters.errors` says it:
- no connection (refused, reset, DNS) → RegionUnavailable
- no answer in time (a read timeout, the call's deadline, HTTP 504) → RegionTimeout
- HTTP 401/403 (the API key) → RegionRejectedRequest
- HTTP 5xx → RegionUnavailable
- HTTP 4xx with Kalendra's error body → `KalendraRefusal`, a RegionRejectedRequest that keeps the
  code (the adapter turns the codes it knows into a BookingOutcome or None)
- an answer that cannot be read → RegionProtocolError

Personal identity numbers travel in one query string (`GET /v2/reservations?patient=…`); httpx
logs request lines at INFO, so `install_log_masking` masks them in the `httpx` logger.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from adapters.errors import (
    RegionProtocolError,
    RegionRejectedRequest,
    RegionTimeout,
    RegionUnavailable,
)
from adapters.identifiers import mask_personal_numbers
from adapters.kalendra import wire

__all__ = ["API_KEY_HEADER", "KalendraClient", "KalendraRefusal", "install_log_masking"]

API_KEY_HEADER = "X-Kalendra-Key"
PAGE_LIMIT = 200
MAX_PAGES = 1000

Model = TypeVar("Model", bound=BaseModel)
Params = Sequence[tuple[str, str | int]]


class KalendraRefusal(RegionRejectedRequest):
    """Kalendra answered a 4xx with its own error code. For the codes the adapter knows it answers
    a BookingOutcome (or None) instead; any other code stays what it is, a rejected request."""

    def __init__(self, where: str, *, region: str, status: int, code: str, message: str) -> None:
        text = mask_personal_numbers(message)[:300]
        super().__init__(f"{where} at {region}: HTTP {status} {code}: {text}", region=region)
        self.status = status
        self.code = code


class KalendraClient:
    """Kalendra's `/v2` API over one pooled `httpx.AsyncClient` (from `adapters.http`)."""

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str, region: str, deadline: float) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._headers = {API_KEY_HEADER: api_key, "Accept": "application/json"}
        self.region = region
        self._deadline = deadline

    async def get(self, path: str, model: type[Model], params: Params = (), *, request_id: str | None = None) -> Model:
        return self._read(await self._send("GET", path, params=params, request_id=request_id), model, path)

    async def get_all(
        self, path: str, model: type[Model], params: Params = (), *, request_id: str | None = None
    ) -> list[Model]:
        """Every item of a paged list: follows `next_cursor` to the end."""
        items: list[Model] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            query = [*params, ("limit", PAGE_LIMIT)] + ([("cursor", cursor)] if cursor else [])
            page = self._read(await self._send("GET", path, params=query, request_id=request_id), wire.Page, path)
            items.extend(self._parse(item, model, path) for item in page.items)
            if page.next_cursor is None:
                return items
            if page.next_cursor in seen:
                raise RegionProtocolError(f"GET {path} at {self.region}: the paging cursor repeats", region=self.region)
            seen.add(page.next_cursor)
            cursor = page.next_cursor
        raise RegionProtocolError(f"GET {path} at {self.region}: more than {MAX_PAGES} pages", region=self.region)

    async def post(
        self,
        path: str,
        model: type[Model],
        body: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> Model:
        response = await self._send("POST", path, json=body, headers=headers, request_id=request_id)
        return self._read(response, model, path)

    async def patch(
        self, path: str, model: type[Model], body: Mapping[str, Any], *, request_id: str | None = None
    ) -> Model:
        return self._read(await self._send("PATCH", path, json=body, request_id=request_id), model, path)

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params = (),
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> httpx.Response:
        where = f"{method} {path}"
        sent = dict(self._headers)
        if request_id:
            sent["X-Request-Id"] = request_id
        sent.update(headers or {})
        try:
            async with asyncio.timeout(self._deadline):
                response = await self._http.request(
                    method, f"{self._base}{path}", params=list(params), json=json, headers=sent
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RegionUnavailable(f"{where} at {self.region}: could not connect", region=self.region) from exc
        except (httpx.TimeoutException, TimeoutError) as exc:
            raise RegionTimeout(f"{where} at {self.region}: no answer in time", region=self.region) from exc
        except httpx.TransportError as exc:
            message = f"{where} at {self.region}: connection failed ({type(exc).__name__})"
            raise RegionUnavailable(message, region=self.region) from exc
        self._check(response, where)
        return response

    def _check(self, response: httpx.Response, where: str) -> None:
        status = response.status_code
        if status < 400:
            return
        if status in (401, 403):
            raise RegionRejectedRequest(f"{where} at {self.region}: the API key was refused", region=self.region)
        if status == 504:
            raise RegionTimeout(f"{where} at {self.region}: HTTP 504, no answer in time", region=self.region)
        if status >= 500:
            raise RegionUnavailable(f"{where} at {self.region}: HTTP {status}", region=self.region)
        try:
            error = wire.ErrorBody.model_validate_json(response.content).error
        except ValidationError as exc:
            raise RegionRejectedRequest(f"{where} at {self.region}: HTTP {status}", region=self.region) from exc
        raise KalendraRefusal(where, region=self.region, status=status, code=error.code, message=error.message)

    def _read(self, response: httpx.Response, model: type[Model], path: str) -> Model:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._unreadable(path, exc) from exc

    def _parse(self, item: object, model: type[Model], path: str) -> Model:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            raise self._unreadable(path, exc) from exc

    def _unreadable(self, path: str, exc: ValidationError) -> RegionProtocolError:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
        message = f"{path} at {self.region}: unreadable answer: {mask_personal_numbers(problems)}"
        return RegionProtocolError(message, region=self.region)


class MaskPersonalNumbers(logging.Filter):
    """Masks personal identity numbers in a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_personal_numbers(str(arg)) if isinstance(arg, str | httpx.URL) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = mask_personal_numbers(record.msg)
        return True


def install_log_masking(logger_name: str = "httpx") -> None:
    """Add `MaskPersonalNumbers` to the logger once (httpx logs every request's URL at INFO)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, MaskPersonalNumbers) for existing in logger.filters):
        logger.addFilter(MaskPersonalNumbers())
