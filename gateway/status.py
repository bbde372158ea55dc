"""The operator's view of the regions: each region of the routing table with its adapter, whether
it is connected, its breaker and its recent calls — as a small server-rendered page (`/status`),
the same as JSON (`/status.json`), and Prometheus text for scraping (`/metrics`).

Nothing personal is shown: breakers, counts and latencies only.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from prometheus_client.exposition import choose_encoder
from pydantic import BaseModel

from gateway.resilience.breaker import BreakerState
from gateway.resilience.clock import Clock, SystemClock
from gateway.resilience.stack import RegionResilience, ResilienceRegistry
from gateway.routing import RegionInfo, RoutingTable

__all__ = ["RegionView", "StatusView", "render_status_page", "status_router", "status_view"]

REFRESH_SECONDS = 15


class AdapterView(BaseModel):
    name: str
    kind: str


class BreakerView(BaseModel):
    state: str  # closed | open | half-open
    failure_count: int
    failure_threshold: int
    opened_at: dt.datetime | None
    recovery_seconds: float
    short_circuited: int
    times_opened: int


class CallsView(BaseModel):
    total: int
    errors: int
    outcomes: dict[str, int]
    window_seconds: float
    window_calls: int
    error_rate: float | None  # over the window; None without calls in it
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None


class RegionView(BaseModel):
    code: str
    name: str
    connected: bool  # has an adapter in the routing table
    adapter: AdapterView | None
    breaker: BreakerView | None  # None until the region's adapter is first used
    calls: CallsView | None


class StatusView(BaseModel):
    generated_at: dt.datetime
    regions: list[RegionView]
    connected: int
    open_breakers: int


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _region_view(region: RegionInfo, entry: RegionResilience | None) -> RegionView:
    adapter = AdapterView(name=region.adapter.name, kind=region.adapter.kind) if region.adapter else None
    breaker = calls = None
    if entry is not None:
        snapshot = entry.breaker.snapshot()
        breaker = BreakerView(
            state=snapshot.state.value,
            failure_count=snapshot.failure_count,
            failure_threshold=snapshot.failure_threshold,
            opened_at=snapshot.opened_at,
            recovery_seconds=snapshot.recovery_seconds,
            short_circuited=snapshot.short_circuited,
            times_opened=snapshot.times_opened,
        )
        stats = entry.metrics.stats()
        window = stats.window
        calls = CallsView(
            total=stats.calls,
            errors=stats.errors,
            outcomes=stats.outcomes,
            window_seconds=window.window_seconds,
            window_calls=window.calls,
            error_rate=window.error_rate,
            p50_ms=_ms(window.p50),
            p90_ms=_ms(window.p90),
            p99_ms=_ms(window.p99),
        )
    return RegionView(
        code=region.code,
        name=region.name,
        connected=region.adapter is not None,
        adapter=adapter,
        breaker=breaker,
        calls=calls,
    )


def status_view(registry: ResilienceRegistry, routing: RoutingTable, now: dt.datetime) -> StatusView:
    regions = [
        _region_view(region, registry.get(region.code, region.adapter.name) if region.adapter else None)
        for region in sorted(routing.regions.values(), key=lambda r: r.code)
    ]
    return StatusView(
        generated_at=now,
        regions=regions,
        connected=sum(1 for r in regions if r.connected),
        open_breakers=sum(1 for r in regions if r.breaker and r.breaker.state != BreakerState.CLOSED.value),
    )


# ------------------------------------------------------------------ the page


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{unit}"


def _breaker_cell(breaker: BreakerView | None) -> str:
    if breaker is None:
        return "—"
    text = breaker.state
    if breaker.opened_at is not None:
        text += f" since {breaker.opened_at:%Y-%m-%d %H:%M:%S %Z}"
    if breaker.failure_count:
        text += f" ({breaker.failure_count} of {breaker.failure_threshold} failures)"
    return _text(text)


def _row(region: RegionView) -> str:
    state = region.breaker.state if region.breaker else ("idle" if region.connected else "unconnected")
    calls = region.calls
    rate = None if calls is None or calls.error_rate is None else calls.error_rate * 100
    cells = [
        _text(region.code),
        _text(region.name),
        _text(region.adapter.name) if region.adapter else "—",
        _text(region.adapter.kind) if region.adapter else "—",
        "yes" if region.connected else "no",
        _breaker_cell(region.breaker),
        str(calls.total) if calls else "—",
        _number(rate, " %"),
        _number(calls.p50_ms if calls else None),
        _number(calls.p90_ms if calls else None),
        _number(calls.p99_ms if calls else None),
    ]
    return f'<tr class="{_text(state)}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def render_status_page(view: StatusView) -> str:
    window = next((r.calls.window_seconds for r in view.regions if r.calls), None)
    window_text = f" (last {window:g} s)" if window else ""
    headings = [
        "Code",
        "Region",
        "Adapter",
        "Kind",
        "Connected",
        "Breaker",
        "Calls",
        f"Error rate{window_text}",
        "p50 ms",
        "p90 ms",
        "p99 ms",
    ]
    rows = "\n".join(_row(region) for region in view.regions)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>tidbok-gateway · regions</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: .3rem .7rem; border-bottom: 1px solid #ccc; text-align: left; }}
td:nth-child(n+7) {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.open td {{ background: #fdd; }}
tr.half-open td {{ background: #ffd; }}
tr.unconnected td {{ color: #888; }}
</style>
</head>
<body>
<h1>Regions</h1>
<p>{view.connected} of {len(view.regions)} regions connected · {view.open_breakers} breakers not closed ·
generated {_text(f"{view.generated_at:%Y-%m-%d %H:%M:%S %Z}")} · <a href="status.json">JSON</a> ·
<a href="metrics">Prometheus</a></p>
<table>
<thead><tr>{"".join(f"<th>{_text(h)}</th>" for h in headings)}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def status_router(registry: ResilienceRegistry, routing: RoutingTable, *, clock: Clock | None = None) -> APIRouter:
    """`GET /status`, `GET /status.json` and `GET /metrics` over the registry and routing table."""
    clock = clock or SystemClock()
    router = APIRouter(tags=["operations"])

    @router.get("/status.json", response_model=StatusView, summary="Regions, breakers and call metrics")
    async def status_json() -> StatusView:
        return status_view(registry, routing, clock.now())

    @router.get("/status", response_class=HTMLResponse, summary="The operator status page")
    async def status_page() -> HTMLResponse:
        return HTMLResponse(render_status_page(status_view(registry, routing, clock.now())))

    @router.get("/metrics", summary="Prometheus metrics of the regional calls")
    async def metrics(request: Request) -> Response:
        """Prometheus text, or OpenMetrics when the scraper asks for it (Accept)."""
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(registry.prometheus), headers={"Content-Type": content_type})

    return router
