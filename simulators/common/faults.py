"""Fault injection, switchable at run time: added latency, an error rate, hangs (timeouts), hard
down, and a delay *after* the work is done (the region booked, but the answer comes too late).
One chosen call can be singled out too: the n-th call that matches `nth_call_match` (e.g.
`POST /vp/MakeBooking/1/rivtabp21`) fails with HTTP 500 before any work, or is done and its answer
held back `nth_call_delay_ms` — so a test can fail exactly the k-th part of a series.

Install with `install_faults(app)`: it adds an ASGI middleware and the admin endpoints
`GET /admin/faults` and `PUT /admin/faults` (JSON body, the fields of `FaultSettings`).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, fields

from fastapi import FastAPI, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["FaultInjector", "FaultSettings", "install_faults"]


@dataclass(slots=True)
class FaultSettings:
    latency_ms: float = 0.0  # added before every call
    error_rate: float = 0.0  # share of calls answered with HTTP 500
    hang_rate: float = 0.0  # share of calls that hang for hang_seconds before any answer
    hang_seconds: float = 30.0
    down: bool = False  # every call answered 503 at once
    delay_after_ms: float = 0.0  # the call runs, then its answer is held back this long
    delay_after_rate: float = 1.0  # share of calls that get delay_after_ms
    nth_call: int = 0  # 0: off; n: the n-th call matching nth_call_match gets nth_call_fault
    nth_call_match: str = ""  # "METHOD /path" exactly, e.g. "POST /v2/reservations"; "": every call
    nth_call_fault: str = "error"  # error: HTTP 500, nothing done | delay_after: done, answer held back
    nth_call_delay_ms: float = 0.0  # how long delay_after holds the singled-out call's answer


NTH_CALL_FAULTS = ("error", "delay_after")
_NTH_KEYS = ("nth_call", "nth_call_match", "nth_call_fault", "nth_call_delay_ms")


class FaultInjector:
    """Holds the current fault settings and applies them to each call."""

    def __init__(self, seed: int | None = None) -> None:
        self.settings = FaultSettings()
        self._random = random.Random(seed)
        self.calls = 0
        self.matched = 0  # calls that matched nth_call_match since the nth_call settings last changed

    def update(self, changes: dict[str, object]) -> FaultSettings:
        known = {f.name: f.type for f in fields(FaultSettings)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown fault setting {key!r}")
            if key == "down":
                if not isinstance(value, bool):
                    raise ValueError("down must be true or false")
            elif key == "nth_call":
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError("nth_call must be a whole number, 0 for off")
            elif key == "nth_call_match":
                if not isinstance(value, str):
                    raise ValueError('nth_call_match must be "METHOD /path" or ""')
            elif key == "nth_call_fault":
                if value not in NTH_CALL_FAULTS:
                    raise ValueError(f"nth_call_fault must be one of {', '.join(NTH_CALL_FAULTS)}")
            elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{key} must be a non-negative number")
            elif key.endswith("_rate") and value > 1:
                raise ValueError(f"{key} must be between 0 and 1")
        for key, value in changes.items():
            setattr(self.settings, key, value)
        if any(key in _NTH_KEYS for key in changes):
            self.matched = 0
        return self.settings

    def reset(self) -> None:
        self.settings = FaultSettings()
        self.matched = 0

    def singled_out(self, method: str, path: str) -> bool:
        """Count a call against `nth_call_match`; True for exactly the n-th matching call."""
        settings = self.settings
        if not settings.nth_call:
            return False
        if settings.nth_call_match and settings.nth_call_match != f"{method} {path}":
            return False
        self.matched += 1
        return self.matched == settings.nth_call

    def roll(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate


class _FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/admin/"):
            await self.app(scope, receive, send)
            return
        injector = self.injector
        settings = injector.settings
        injector.calls += 1
        if settings.down:
            await _plain(send, 503, b"simulated outage")
            return
        if injector.singled_out(scope["method"], scope["path"]):
            if settings.nth_call_fault == "error":
                await _plain(send, 500, b"simulated error (singled-out call)")
            else:
                await _held(self.app, scope, receive, send, settings.nth_call_delay_ms)
            return
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        if injector.roll(settings.hang_rate):
            await asyncio.sleep(settings.hang_seconds)
            await _plain(send, 504, b"simulated hang")
            return
        if injector.roll(settings.error_rate):
            await _plain(send, 500, b"simulated error")
            return
        if settings.delay_after_ms and injector.roll(settings.delay_after_rate):
            await _held(self.app, scope, receive, send, settings.delay_after_ms)
            return
        await self.app(scope, receive, send)


async def _held(app: ASGIApp, scope: Scope, receive: Receive, send: Send, delay_ms: float) -> None:
    """Run the call, then hold its answer back `delay_ms`."""
    held: list[Message] = []

    async def hold(message: Message) -> None:
        held.append(message)

    await app(scope, receive, hold)
    await asyncio.sleep(delay_ms / 1000)
    for message in held:
        await send(message)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_faults(app: FastAPI, injector: FaultInjector | None = None) -> FaultInjector:
    """Add fault injection and its admin endpoints to a simulator app."""
    injector = injector or FaultInjector()
    app.add_middleware(_FaultMiddleware, injector=injector)

    @app.get("/admin/faults", tags=["admin"])
    async def get_faults() -> dict[str, object]:
        return {**asdict(injector.settings), "calls": injector.calls, "matched": injector.matched}

    @app.put("/admin/faults", tags=["admin"])
    async def put_faults(request: Request) -> dict[str, object]:
        body = await request.json()
        if not isinstance(body, dict):
            raise HTTPException(status_code=422, detail="a JSON object of fault settings")
        try:
            injector.update(body)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return asdict(injector.settings)

    @app.delete("/admin/faults", tags=["admin"])
    async def clear_faults() -> dict[str, object]:
        injector.reset()
        return asdict(injector.settings)

    return injector
