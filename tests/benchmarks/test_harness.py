"""A smoke test of the benchmark harness (not the benchmark): its requests are valid contract messages,
the load generator times real answers from a simulated region, the mixed traffic keeps its books,
and the report renders. Seconds, not minutes."""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks import envelopes, report
from benchmarks.cpu import cpu_seconds
from benchmarks.envelopes import Slot
from benchmarks.loadgen import percentile, summarise
from benchmarks.run import memory_steps
from benchmarks.traffic import Citizens, Held, Mix, fetch_slots, run_loadgen
from contracts.catalogue import Generation, by_name
from contracts.schemas import schema_for, validate
from contracts.soap import parse_envelope
from simulators.rivta_producer import ProducerConfig
from simulators.rivta_producer import create_app as create_region
from tests.support.conformance import assert_valid, official_schema
from tests.support.servers import serve_in_thread

UNIT = "SE2321000016-E0101"
CITIZEN = "199001012385"
SLOT = Slot(UNIT, "20261201100000", "20261201103000", "SE2321000016-P010101", "LAK30")


def _body(request: envelopes.Request) -> etree._Element:
    return parse_envelope(request.body.encode()).body


@pytest.mark.parametrize(
    "request_",
    [
        envelopes.available_timeslots(UNIT, CITIZEN, dt.date(2026, 12, 1), dt.date(2026, 12, 14), "LAK30"),
        envelopes.available_timeslots(UNIT, CITIZEN, dt.date(2026, 12, 1), dt.date(2026, 12, 1), None),
        envelopes.schedule(UNIT, UNIT, CITIZEN),
        envelopes.make_booking(SLOT, CITIZEN),
        envelopes.update_booking(SLOT, CITIZEN, "BK01-1"),
        envelopes.cancel_booking(UNIT, CITIZEN, "BK01-1"),
    ],
    ids=lambda r: r.name,
)
def test_rendered_requests_are_valid_crm_scheduling_messages(request_: envelopes.Request) -> None:
    body = _body(request_)
    assert_valid(official_schema("crm:scheduling:1", request_.name), body)
    entry = request_.job_entry()
    assert entry["path"] == f"/vp/{request_.name}/1/rivtabp21"
    headers = entry["headers"]
    assert isinstance(headers, dict)
    assert headers["SOAPAction"].strip('"') == by_name(Generation.CRM_SCHEDULING_1, request_.name).soap_action


def test_engagement_update_validates_against_the_contract() -> None:
    update = envelopes.engagement_update(
        CITIZEN, [(UNIT, "BK01-1", "20261201100000")], source_system="SE2321000016-R01", data_controller="2321000016"
    )
    interaction = by_name(Generation.ENGAGEMENT_INDEX_1, "Update")
    validate(schema_for(interaction), _body(update))
    assert update.job_entry()["headers"]["SOAPAction"].strip('"') == interaction.soap_action  # type: ignore[index]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (50.0, 99.0, 100.0)
    assert summarise([])["p99"] == 0.0


def test_mixed_traffic_moves_and_cancels_what_it_booked_and_frees_the_slots() -> None:
    free = [Slot(UNIT, f"202612{day:02d}100000", f"202612{day:02d}103000", None, "SSK15") for day in range(1, 29)]
    held = [Held(free.pop(), c, f"B{i}") for i, c in enumerate(Citizens(1).take(6))]
    mix = Mix(searches=[envelopes.schedule(UNIT, UNIT, CITIZEN)], national=[], free=free, citizens=Citizens(2))
    mix.held = held
    requests, meanings = mix.segment(40, random.Random(1))
    kinds = [kind for kind, _ in meanings]
    assert len(requests) == 40 and "national" not in kinds
    assert kinds.count("rebook") == 4 and kinds.count("cancel") == 2 and kinds.count("book") == 6
    ok = set(range(len(meanings)))
    captures = {str(i): f"NEW{i}" for i, (kind, _) in enumerate(meanings) if kind == "book"}
    slots_before = len(mix.free) + sum(1 for kind in kinds if kind in {"book", "rebook"}) + len(held)
    mix.settle(meanings, captures, ok)
    assert len(mix.held) == 6 - 2 + 6
    assert len(mix.free) + len(mix.held) == slots_before  # no slot lost or counted twice


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, Any]]]:
    import httpx

    database = str(Path(tmp_path_factory.mktemp("bench")) / "region.sqlite3")
    with serve_in_thread(create_region(ProducerConfig(region_code="01", seed=3, database=database, weeks=2))) as url:
        yield int(url.rsplit(":", 1)[1]), httpx.get(f"{url}/admin/seed", timeout=10).json()


@pytest.mark.e2e
def test_the_load_generator_times_real_answers(region: tuple[int, dict[str, Any]]) -> None:
    port, seed = region
    unit = seed["care_units"][0]["hsa_id"]
    citizen = seed["citizens"][0]["personal_number"]
    today = dt.date.today()
    slots = fetch_slots(port, unit, citizen, today + dt.timedelta(days=3), today + dt.timedelta(days=9))
    assert slots
    search = envelopes.available_timeslots(
        unit, citizen, today + dt.timedelta(days=3), today + dt.timedelta(days=9), None
    )
    job = {"port": port, "requests": [search.job_entry()], "mode": "closed", "concurrency": 2, "max_requests": 10,
           "duration_s": 20, "item_marker": "timeslotDetail>"}  # fmt: skip
    result = run_loadgen(job)
    assert result["outcomes"] == {"ok": 10}
    assert result["items_mean"] == len(slots)
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"]
    booking = envelopes.make_booking(slots[0], Citizens(7).take(1)[0])
    booked = run_loadgen({"port": port, "requests": [booking.job_entry(), booking.job_entry()], "mode": "open",
                          "rate": 20, "order": "once", "duration_s": 10, "capture": "bookingId>([^<]+)<",
                          "track": True})  # fmt: skip
    assert booked["outcomes"] == {"ok": 1, "refused": 1}  # the same time twice: the second is taken
    assert len(booked["captures"]) == 1 and len(booked["ok_indices"]) == 1


def test_the_report_renders_and_judges_the_targets() -> None:
    figures = {"throughput": 100.0, "p50_ms": 5.0, "p90_ms": 7.0, "p99_ms": 9.0, "calls": 10, "outcomes": {"ok": 10},
               "items_mean": 50.0}  # fmt: skip
    operation = {"direct_max": figures, "gateway_max": {**figures, "throughput": 40.0}, "direct_half": figures,
                 "gateway_half": {**figures, "p50_ms": 6.0, "p99_ms": 30.0}, "ratio": 0.4, "half_rate": 20.0,
                 "added_p50_ms": 1.0, "added_p99_ms": 21.0}  # fmt: skip
    results = {
        "meta": {"started": "now", "machine": {"cpus": 2, "python": "3.11"}, "gateway_workers": 2, "quick": True},
        "operations": {"GetAvailableTimeslots": operation},
        "memory": {"calls": 5000, "quick": True, "samples": [{"calls": 0, "rss_kib": {"1": 1024}}],
                   "growth_after_warmup_kib": {"1": 0}},
        "fanout": {"skipped": "not yet"},
        "growth": {"error": "RuntimeError: boom"},
    }  # fmt: skip
    text = report.table(results)
    assert "FEWER than 100 000" in text and "SKIPPED — not yet" in text and "growth: FAILED" in text
    verdicts = {target: verdict for target, _measured, verdict in report.verdicts(results)}
    assert verdicts["GetAvailableTimeslots gateway ≥ 50 % of direct"] == "NOT met"
    assert verdicts["added latency p50 ≤ 2 ms at half load"] == "met"
    assert verdicts["added latency p99 ≤ 10 ms at half load"] == "NOT met"


@pytest.mark.parametrize(("calls", "warmup"), [(100_000, 3_000), (5_000, 1_000), (2_500, 3_000), (12_345, 1_000)])
def test_the_memory_section_plans_exactly_the_calls_asked_for(calls: int, warmup: int) -> None:
    steps = memory_steps(calls, warmup)
    assert sum(steps) == calls
    assert steps[0] == min(warmup, calls) and all(step > 0 for step in steps)
    assert len(steps) <= 12


def test_cpu_accounting_reads_a_process_cpu_time_from_proc() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:  # burn 50 ms of CPU, bounded
        pass
    after = cpu_seconds(os.getpid())
    assert after - before >= 0.03  # /proc counts in clock ticks (10 ms)
