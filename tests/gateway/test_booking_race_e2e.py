"""Many clients racing for few slots, with the region answering too late after it has booked and
the clients retrying under their idempotency keys: exactly one booking per slot, every client
told the truth, the ledger and the region agree — on SQLite with one gateway process, and on
PostgreSQL with a gateway of two worker processes.

Size: TIDBOK_RACE_CLIENTS (default 1000) clients for TIDBOK_RACE_SLOTS (default 100) slots."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from contracts.soap import parse_envelope, parse_fault
from gateway.db.models import LedgerRow
from simulators.common.seed import test_personal_number as new_personal_number
from tests.gateway.chain import Chain, Region, region_on_loopback, routing_file
from tests.gateway.consumers import Consumer11
from tests.support.databases import database_url_for
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

CLIENTS = int(os.environ.get("TIDBOK_RACE_CLIENTS", "1000"))
SLOTS = int(os.environ.get("TIDBOK_RACE_SLOTS", "100"))
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
CLIENT_PATIENCE = 300.0  # seconds a client keeps retrying one booking


@contextmanager
def gateway_process(tmp: Path, region: Region, database_url: str, workers: int) -> Iterator[str]:
    """`tidbok-gateway serve` as a real process (several workers share one database)."""
    port = free_port()
    env = {
        **os.environ,
        "TIDBOK_DATABASE_URL": database_url,
        "TIDBOK_ROUTING_FILE": str(routing_file(tmp, region, timeout_seconds=1)),
        "TIDBOK_AUDIT_KEY": "race",
        "TIDBOK_LOG_LEVEL": "WARNING",
        # A quarter of this region's answers come late on purpose: the race is about idempotency,
        # so its breaker must not open on them (breakers have tests of their own).
        "TIDBOK_RESILIENCE__BREAKER_FAILURE_THRESHOLD": "1000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"gateway did not start: {process.stderr.read().decode()[-2000:] if process.stderr else ''}"
                )
            time.sleep(0.2)
        time.sleep(1.0 if workers > 1 else 0)  # let every worker finish its start-up
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def make_booking(unit: str, citizen: str, slot: object) -> bytes:
    s = slot
    return (
        f'<s:Envelope xmlns:s="{ENV}"><s:Header>'
        '<a:Actor xmlns:a="urn:riv:interoperability:headers:1">'
        f"<a:actorId>{citizen}</a:actorId><a:actorType>subject_of_care</a:actorType></a:Actor>"
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit}</l:LogicalAddress></s:Header><s:Body>'
        '<r:MakeBooking xmlns:r="urn:riv:crm:scheduling:MakeBookingResponder:1" xmlns:c="urn:riv:crm:scheduling:1" '
        'xmlns:c11="urn:riv:crm:scheduling:1.1">'
        f"<r:healthcare_facility_med>{unit}</r:healthcare_facility_med><r:requestedTimeslot>"
        f"<c:startTimeInclusive>{s.startTimeInclusive}</c:startTimeInclusive>"  # type: ignore[attr-defined]
        f"<c:endTimeExclusive>{s.endTimeExclusive}</c:endTimeExclusive>"  # type: ignore[attr-defined]
        f"<c:healthcare_facility>{unit}</c:healthcare_facility><c:performer>{s.performer}</c:performer>"  # type: ignore[attr-defined]
        f"<c:subject_of_care>{citizen}</c:subject_of_care><c:reason>Ont</c:reason>"
        f"<c:timeTypeID>{s.timeTypeID}</c:timeTypeID></r:requestedTimeslot>"  # type: ignore[attr-defined]
        "<r:subject_of_care_info><c11:firstName>Test</c11:firstName><c11:lastName>Person</c11:lastName>"
        "</r:subject_of_care_info></r:MakeBooking></s:Body></s:Envelope>"
    ).encode()


async def race(url: str, requests: list[tuple[str, bytes]]) -> list[tuple[str, str | None, int]]:
    """Every client posts at once and retries after a fault with the same idempotency key.
    Returns (resultCode, bookingId, attempts) per client."""
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(key: str, body: bytes) -> tuple[str, str | None, int]:
            """Retry after a fault or a dropped connection, under the same key, until answered or
            the client's patience (CLIENT_PATIENCE seconds) runs out."""
            give_up_at = time.monotonic() + CLIENT_PATIENCE
            attempt = 0
            while time.monotonic() < give_up_at:
                attempt += 1
                try:
                    response = await client.post(
                        f"{url}/vp/MakeBooking/1/rivtabp21",
                        content=body,
                        headers={"Content-Type": "text/xml; charset=utf-8", "Idempotency-Key": key},
                    )
                except httpx.TransportError:
                    await asyncio.sleep(min(0.1 * attempt, 1.0))
                    continue
                envelope = parse_envelope(response.content)
                if parse_fault(envelope.body) is None:
                    ns = "{urn:riv:crm:scheduling:MakeBookingResponder:1}"
                    code = envelope.body.findtext(f"{ns}resultCode") or ""
                    return code, envelope.body.findtext(f"{ns}bookingId"), attempt
                await asyncio.sleep(min(0.1 * attempt, 1.0))
            return "GAVE-UP", None, attempt

        return await asyncio.gather(*(one(key, body) for key, body in requests))


def ledger_bookings(database_url: str) -> int:
    url = make_url(database_url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}[url.drivername]
    engine = create_engine(url.set(drivername=driver))
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(LedgerRow)
                    .where(LedgerRow.operation == "book", LedgerRow.status == "done")
                ).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("kind", "workers"), [("sqlite", 1), pytest.param("postgresql", 2, marks=pytest.mark.postgres)]
)
def test_clients_racing_for_slots_with_timeouts_and_retries(tmp_path: Path, kind: str, workers: int) -> None:
    with (
        region_on_loopback(tmp_path) as region,
        database_url_for(kind, tmp_path) as database_url,
        gateway_process(tmp_path, region, database_url, workers) as url,
    ):
        unit = region.unit_offering("LAK30")
        looker = Consumer11(Chain(url, None, region))  # type: ignore[arg-type]
        seen = looker.free_slots(unit, region.free_citizens()[0], "LAK30", days=40)
        assert len(seen) >= SLOTS, f"the region offers {len(seen)} slots; the race needs {SLOTS}"
        slots = [s.handle for s in seen[:SLOTS]]
        rng = random.Random(99)
        citizens: list[str] = []
        while len(citizens) < CLIENTS:
            candidate = new_personal_number(rng, born_between=(1940, 2005))
            if candidate not in citizens:
                citizens.append(candidate)
        requests = [(f"race-{i}", make_booking(unit, citizen, slots[i % SLOTS])) for i, citizen in enumerate(citizens)]
        # The region does the work, then answers after the adapter's 1 s deadline, for a quarter of the calls.
        region.set_faults(delay_after_ms=1500, delay_after_rate=0.25)
        try:
            results = asyncio.run(race(url, requests))
        finally:
            region.clear_faults()

        winners = [(citizens[i], r[1]) for i, r in enumerate(results) if r[0] in {"OK", "INFO"}]
        losers = [citizens[i] for i, r in enumerate(results) if r[0] == "ERROR"]
        assert [r for r in results if r[0] not in {"OK", "INFO", "ERROR"}] == [], "every client got an answer"
        assert len(winners) == SLOTS, f"{len(winners)} bookings for {SLOTS} slots"
        assert len({booking_id for _c, booking_id in winners}) == SLOTS
        assert len(losers) == CLIENTS - SLOTS
        assert any(r[2] > 1 for r in results), "some clients had to retry"

        still_free = {s.start for s in looker.free_slots(unit, region.free_citizens()[0], "LAK30", days=40)}
        assert not still_free & {s.startTimeInclusive for s in slots}, "every raced slot is taken"
        for citizen, booking_id in winners[:: max(1, SLOTS // 20)]:
            assert booking_id in Consumer11(Chain(url, None, region)).schedule(unit, citizen)  # type: ignore[arg-type]
        for citizen in losers[:: max(1, len(losers) // 20)]:
            assert Consumer11(Chain(url, None, region)).schedule(unit, citizen) == []  # type: ignore[arg-type]
        assert ledger_bookings(database_url) == SLOTS
