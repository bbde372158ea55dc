"""Floors measured in-process, no network: the gateway's contract codec (parse + validate + decode a
request, encode + serialize an answer), the rivta adapter reading a region's answer, and the rule
engine filtering 10 000 slots (`benchmarks/rules_filter.py`).

Codec and adapter figures are CPU time of this process (`time.process_time`), so that other work on
the machine (a shared 2-core box) slows them less than it would wall-clock figures."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import envelopes

__all__ = ["adapter_floor", "codec_floor", "rules_filter"]

_UNIT = "SE2321000016-E0101"
_CITIZEN = "199001012385"
_PERFORMER = "SE2321000016-P010101"
_WSDL = Path(__file__).resolve().parent.parent / "contracts" / "wsdl"


def _rate(work: Callable[[], object], seconds: float) -> dict[str, float]:
    """Calls per CPU second of `work` over about `seconds` (best of three rounds, after a warm-up)."""
    work()
    rounds = []
    for _ in range(3):
        count = 0
        started = time.process_time()
        deadline = started + seconds / 3
        while True:
            work()
            count += 1
            now = time.process_time()
            if now >= deadline:
                break
        rounds.append(count / (now - started))
    best = max(rounds)
    return {"per_second": round(best, 1), "us_each": round(1_000_000 / best, 1)}


def _slots(count: int) -> list[Any]:
    from adapters.domain import Timeslot
    from adapters.identifiers import HsaId
    from contracts.timeformat import SWEDISH_TIME

    first = dt.datetime(2026, 12, 1, 8, 0, tzinfo=SWEDISH_TIME)
    return [
        Timeslot(
            care_unit=HsaId(_UNIT),
            start=first + dt.timedelta(minutes=30 * i),
            end=first + dt.timedelta(minutes=30 * i + 30),
            care_unit_name="Vårdcentral Stockholm Citykliniken",
            performer=HsaId(_PERFORMER),
            performer_name="Per Persson",
            resource_id="RUM01",
            resource_name="Mottagningsrum 1",
            time_type_id="LAK30",
            time_type_name="Läkarbesök 30 min",
            care_type_id="ALLM",
            care_type_name="Allmänmedicin",
        )
        for i in range(count)
    ]


def codec_floor(*, quick: bool = False) -> dict[str, Any]:
    """Messages per second through the gateway's codec alone (GetAvailableTimeslots)."""
    from contracts.catalogue import Generation, by_name
    from contracts.schemas import schema_for, validate
    from contracts.soap import build_envelope, parse_envelope
    from gateway.codec import crm11

    seconds = 0.6 if quick else 1.5
    interaction = by_name(Generation.CRM_SCHEDULING_1, "GetAvailableTimeslots")
    schema = schema_for(interaction)
    request = envelopes.available_timeslots(_UNIT, _CITIZEN, dt.date(2026, 12, 1), dt.date(2026, 12, 14), "LAK30")
    data = request.body.encode()

    def read() -> object:
        parsed = parse_envelope(data)
        validate(schema, parsed.body)
        return crm11.decode_slot_query(parsed.body, "GetAvailableTimeslots")

    out: dict[str, Any] = {"request: parse + validate + decode": _rate(read, seconds)}
    for count in (10, 100):
        listed = _slots(count)

        def write(listed: list[Any] = listed) -> object:
            return build_envelope(crm11.encode_timeslots(listed))

        out[f"answer of {count} slots: encode + serialize"] = _rate(write, seconds)
    slots = _slots(100)

    def round_trip() -> object:
        read()
        return build_envelope(crm11.encode_timeslots(slots))

    out["one message in and out (100 slots)"] = _rate(round_trip, seconds)
    out.update(adapter_floor(seconds))
    return out


def _region_answer(count: int) -> bytes:
    from contracts.soap import build_envelope
    from gateway.codec import crm11

    return build_envelope(crm11.encode_timeslots(_slots(count)))


def adapter_floor(seconds: float) -> dict[str, Any]:
    """The rivta adapter's own cost for one GetAvailableTimeslots: build the request, read a region's
    answer of 100 slots into the domain (the HTTP exchange replaced by an in-memory transport)."""
    import httpx

    from adapters.domain import Actor, ActorRole, RequestContext, SlotQuery
    from adapters.identifiers import HsaId, PersonalIdentity
    from adapters.interface import AdapterSettings
    from adapters.rivta import build_adapter

    answers = {count: _region_answer(count) for count in (10, 100)}
    current = {"count": 100}

    def reply(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answers[current["count"]], headers={"Content-Type": "text/xml"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    settings = AdapterSettings(
        name="01", base_url="http://127.0.0.1:9", timeout=dt.timedelta(seconds=5), options={"wsdl_dir": str(_WSDL)}
    )
    adapter = build_adapter(settings, http_client=client)
    ctx = RequestContext(logical_address=_UNIT, actor=Actor(_CITIZEN, ActorRole.CITIZEN))
    query = SlotQuery(
        care_unit=HsaId(_UNIT),
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 14),
        citizen=PersonalIdentity.parse(_CITIZEN),
        time_type_id="LAK30",
    )

    async def measure() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for count in (10, 100):
            current["count"] = count
            found = await adapter.get_available_timeslots(ctx, query)
            assert len(found) == count
            timings = []
            deadline = time.process_time() + seconds
            while time.process_time() < deadline:
                started = time.process_time()
                await adapter.get_available_timeslots(ctx, query)
                timings.append(time.process_time() - started)
            best = statistics.median(timings)
            out[f"rivta adapter, answer of {count} slots: request + read"] = {
                "per_second": round(1 / best, 1),
                "us_each": round(best * 1_000_000, 1),
            }
        await client.aclose()
        return out

    return asyncio.run(measure())


def rules_filter(*, runs: int = 30) -> dict[str, Any]:
    from benchmarks.rules_filter import measure

    return measure(slots=10_000, runs=runs)
