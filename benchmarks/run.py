"""The benchmark run: start the regions and the gateway on loopback, measure, print a table, write JSON.

    benchmarks/run [--quick] [--soak [--soak-minutes 30]] [--workers 2] [--database-url URL]

See benchmarks/README.md for what each figure means and the figures last measured.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks import envelopes, inprocess, report
from benchmarks.cluster import (
    Gateway,
    Simulator,
    fresh_database,
    rss_kib,
    start_gateway,
    start_simulators,
    write_routing,
)
from benchmarks.envelopes import Request, Slot
from benchmarks.traffic import BOOKABLE_TIME_TYPES, Citizens, Mix, fetch_slots, post, run_loadgen

__all__ = ["main"]

RESULTS = Path(__file__).resolve().parent / "results"
ALL_REGIONS = (
    "01",
    "03",
    "04",
    "05",
    "06",
    "07",
    "08",
    "09",
    "10",
    "12",
    "13",
    "14",
    "17",
    "18",
    "19",
    "20",
    "21",
    "22",
    "23",
    "24",
    "25",
)
GROWTH_TARGETS = (10, 100, 1000)
FANOUT_SIZES = (1, 5, 21)
HUNG_CALLS = 15


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how much: the default run, or --quick."""

    quick: bool
    concurrency: int = 16
    max_seconds: float = 8.0
    half_seconds: float = 8.0
    book_seconds: float = 4.0
    growth_seconds: float = 4.0
    memory_calls: int = 100_000
    memory_warmup: int = 3_000
    memory_seconds: float = 300.0
    mixed_seconds: float = 30.0
    mixed_rate: float = 200.0
    fanout_rounds: int = 20

    @classmethod
    def build(cls, quick: bool, mixed_rate: float, memory_calls: int | None, memory_seconds: float | None) -> Plan:
        plan = cls._preset(quick, mixed_rate)
        changes: dict[str, Any] = {}
        if memory_calls is not None:
            changes["memory_calls"] = memory_calls
        if memory_seconds is not None:
            changes["memory_seconds"] = memory_seconds
        return replace(plan, **changes)

    @classmethod
    def _preset(cls, quick: bool, mixed_rate: float) -> Plan:
        if quick:
            return cls(
                quick=True,
                max_seconds=3.0,
                half_seconds=3.0,
                book_seconds=2.0,
                growth_seconds=2.0,
                memory_calls=5_000,
                memory_warmup=1_000,
                memory_seconds=60.0,
                mixed_seconds=8.0,
                mixed_rate=mixed_rate,
                fanout_rounds=5,
            )
        return cls(quick=False, mixed_rate=mixed_rate)


@dataclass
class Run:
    plan: Plan
    workdir: Path
    gateway: Gateway
    regions: list[Simulator]
    citizens: Citizens
    free: list[Slot]
    results: dict[str, Any] = field(default_factory=dict)
    national: str | None = None  # why the national calendar is skipped, or None when it answers

    @property
    def home(self) -> Simulator:
        return self.regions[0]

    @property
    def unit(self) -> str:
        return self.home.units[0]

    def take_free(self, count: int) -> list[Slot]:
        taken, self.free = self.free[:count], self.free[count:]
        return taken


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _job(port: int, requests: list[Request], **settings: Any) -> dict[str, Any]:
    return {"port": port, "requests": [r.job_entry() for r in requests], **settings}


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    latency = result["latency_ms"]
    return {
        "throughput": round(result["throughput"], 1),
        "p50_ms": round(latency["p50"], 2),
        "p90_ms": round(latency["p90"], 2),
        "p99_ms": round(latency["p99"], 2),
        "max_ms": round(latency["max"], 2),
        "calls": latency["count"],
        "outcomes": result["outcomes"],
        "items_mean": None if result.get("items_mean") is None else round(result["items_mean"], 1),
        "fault_samples": result.get("fault_samples") or [],
    }


# ---------------------------------------------------------------- direct vs gateway


def _compare(run: Run, name: str, build: Callable[[int], list[Request]], *, once: bool) -> dict[str, Any]:
    """Max throughput (closed loop) of the region alone and of the gateway in front of it, then both
    at half of the gateway's maximum (open loop): the gateway's added latency."""
    plan = run.plan
    seconds = plan.book_seconds if once else plan.max_seconds
    common = {
        "mode": "closed",
        "concurrency": plan.concurrency,
        "duration_s": seconds,
        "warmup_requests": plan.concurrency * 2,
        "order": "once" if once else "cycle",
        "item_marker": "timeslotDetail>",
    }
    out: dict[str, Any] = {}
    for side, port in (("direct", run.home.port), ("gateway", run.gateway.port)):
        _log(f"{name}: {side}, max throughput")
        out[f"{side}_max"] = _figures(run_loadgen(_job(port, build(_capacity(once, seconds)), **common)))
    gateway_max = out["gateway_max"]["throughput"]
    out["ratio"] = round(gateway_max / out["direct_max"]["throughput"], 3) if out["direct_max"]["throughput"] else None
    rate = max(1.0, gateway_max / 2)
    half = {
        "mode": "open",
        "rate": rate,
        "duration_s": plan.half_seconds,
        "order": "once" if once else "cycle",
        "max_requests": int(rate * plan.half_seconds) + 1,
        "warmup_requests": int(rate / 2),
    }
    for side, port in (("direct", run.home.port), ("gateway", run.gateway.port)):
        _log(f"{name}: {side} at {rate:.0f} req/s (half of the gateway's maximum)")
        out[f"{side}_half"] = _figures(run_loadgen(_job(port, build(half["max_requests"] if once else 0), **half)))
    out["half_rate"] = round(rate, 1)
    out["added_p50_ms"] = round(out["gateway_half"]["p50_ms"] - out["direct_half"]["p50_ms"], 2)
    out["added_p99_ms"] = round(out["gateway_half"]["p99_ms"] - out["direct_half"]["p99_ms"], 2)
    return out


def _capacity(once: bool, seconds: float) -> int:
    """How many one-off requests (bookings) to render for a closed-loop run of `seconds` (the run
    ends when they are used up: free times are finite)."""
    return int(min(600, seconds * 150)) if once else 0


def section_operations(run: Run) -> None:
    today = dt.date.today()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=16)
    searchers = run.citizens.take(50)
    seeded = [str(c["personal_number"]) for c in run.home.seed["citizens"]]

    def searches(_count: int) -> list[Request]:
        return [envelopes.available_timeslots(run.unit, c, start, end, "LAK30") for c in searchers]

    def schedules(_count: int) -> list[Request]:
        return [envelopes.schedule(run.unit, run.unit, c) for c in seeded]

    def bookings(count: int) -> list[Request]:
        slots = run.take_free(count)
        return [envelopes.make_booking(s, c) for s, c in zip(slots, run.citizens.take(len(slots)), strict=True)]

    run.results["operations"] = {
        "GetAvailableTimeslots": _compare(run, "GetAvailableTimeslots", searches, once=False),
        "GetSubjectOfCareSchedule": _compare(run, "GetSubjectOfCareSchedule", schedules, once=False),
        "MakeBooking": _compare(run, "MakeBooking", bookings, once=True),
    }
    run.results["operations"]["GetAvailableTimeslots"]["search"] = f"LAK30 at {run.unit}, {start}..{end}"


# ---------------------------------------------------------------- growth with the answer's size


def _window_for(slots: list[Slot], target: int, first: dt.date) -> tuple[str | None, int, int]:
    """The (time type, days from `first`) whose free times number closest to `target`."""
    best: tuple[int, str | None, int, int] = (sys.maxsize, None, 1, 0)
    # time types anyone may book, so that the gateway's rules pass what the region lists
    kinds: list[str | None] = [*BOOKABLE_TIME_TYPES, None]
    for kind in kinds:
        chosen = [s for s in slots if kind is None or s.time_type_id == kind]
        for days in range(1, 57):
            last = (first + dt.timedelta(days=days - 1)).strftime("%Y%m%d")
            count = sum(1 for s in chosen if s.start[:8] <= last)
            if abs(count - target) < best[0]:
                best = (abs(count - target), kind, days, count)
    return best[1], best[2], best[3]


def section_growth(run: Run) -> None:
    first = dt.date.today() + dt.timedelta(days=3)
    citizen = run.citizens.take(1)[0]
    listed = fetch_slots(run.home.port, run.unit, citizen, first, first + dt.timedelta(days=55))
    rows = []
    for target in GROWTH_TARGETS:
        kind, days, count = _window_for(listed, target, first)
        request = envelopes.available_timeslots(run.unit, citizen, first, first + dt.timedelta(days=days - 1), kind)
        row: dict[str, Any] = {"target": target, "region_lists": count, "time_type": kind, "days": days}
        for side, port in (("direct", run.home.port), ("gateway", run.gateway.port)):
            _log(f"growth: {target} slots, {side}")
            job = _job(
                port,
                [request],
                mode="closed",
                concurrency=4,
                duration_s=run.plan.growth_seconds,
                warmup_requests=4,
                item_marker="timeslotDetail>",
            )
            row[side] = _figures(run_loadgen(job))
        rows.append(row)
    run.results["growth"] = rows


# ---------------------------------------------------------------- national calendar


def probe_national(run: Run) -> None:
    citizen = str(run.home.seed["citizens"][0]["personal_number"])
    status, body = post(run.gateway.port, envelopes.schedule(envelopes.NATIONAL_ADDRESS, run.unit, citizen))
    if status == 200 and b"GetSubjectOfCareScheduleResponse" in body:
        run.national = None
        return
    start = body.find(b"<faultstring>")
    text = body[start + 13 : body.find(b"</faultstring>")].decode("utf-8", "replace") if start >= 0 else ""
    run.national = (
        f"the national logical address {envelopes.NATIONAL_ADDRESS} does not answer yet "
        f"(HTTP {status}{': ' + text[:120] if text else ''}); fan-out is being built (issue 7)"
    )


def _book_through_gateway(run: Run, slots: list[Slot], citizens: list[str]) -> dict[str, Any]:
    requests = [envelopes.make_booking(s, c) for s, c in zip(slots, citizens, strict=True)]
    job = _job(
        run.gateway.port,
        requests,
        mode="closed",
        concurrency=8,
        order="once",
        duration_s=120,
        capture="bookingId>([^<]+)<",
        track=True,
    )
    return run_loadgen(job)


def engage(run: Run, citizen: str, regions: list[Simulator]) -> int:
    """Give `citizen` a booking at the first unit of each region, booked in the region's own system
    (the rules' per-citizen limits are the gateway's, not the region's), and tell the gateway's
    engagement index with Update, as regions do (SPEC §5.3). The number of units engaged."""
    from simulators.common.regions import region_by_code

    window = (dt.date.today() + dt.timedelta(days=3), dt.date.today() + dt.timedelta(days=27))
    engaged = 0
    for region in regions:
        unit = region.units[0]
        listed = fetch_slots(region.port, unit, citizen, *window, "SSK15")
        slot = listed[len(listed) // 2]
        status, body = post(region.port, envelopes.make_booking(slot, citizen))
        found = body.find(b"bookingId>")
        if status != 200 or found < 0:
            continue
        booking_id = body[found + 10 : body.find(b"<", found)].decode()
        known = region_by_code(region.region)
        update = envelopes.engagement_update(
            citizen,
            [(unit, booking_id, slot.start)],
            source_system=known.hsa_id,
            data_controller=known.organisation_number,
        )
        status, body = post(run.gateway.port, update)
        if status != 200 or b"ResultCode>OK<" not in body:
            raise RuntimeError(f"engagement index Update refused (HTTP {status}): {body[:300]!r}")
        engaged += 1
    return engaged


def section_fanout(run: Run) -> None:
    if run.national is not None:
        run.results["fanout"] = {"skipped": run.national}
        return
    rows = []
    for size in FANOUT_SIZES:
        regions = run.regions[:size]
        citizen = run.citizens.take(1)[0]
        try:
            engaged = engage(run, citizen, regions)
        except RuntimeError as exc:
            run.results["fanout"] = {"skipped": str(exc)}
            return
        request = envelopes.schedule(envelopes.NATIONAL_ADDRESS, run.unit, citizen)
        direct = [{**envelopes.schedule(r.units[0], r.units[0], citizen).job_entry(), "port": r.port} for r in regions]
        for scenario in ("healthy", "one slow", "one hung"):
            victim = regions[-1]
            if scenario == "one slow":
                victim.set_faults(latency_ms=300)
            elif scenario == "one hung":
                victim.set_faults(hang_rate=1.0, hang_seconds=60)
            healthy = direct[:-1] if scenario == "one hung" else direct
            try:
                base = None
                if healthy:
                    base = run_loadgen(
                        {
                            "port": run.home.port,
                            "requests": healthy,
                            "mode": "rounds",
                            "rounds": run.plan.fanout_rounds,
                            "duration_s": 60,
                        }
                    )["rounds"]
                _log(f"fan-out: {size} regions, {scenario}")
                # hung: enough calls to see both the first ones, which wait for the region's timeout,
                # and those after its breaker opened (5 timeouts by default, per gateway worker)
                calls = max(run.plan.fanout_rounds, HUNG_CALLS) if scenario == "one hung" else run.plan.fanout_rounds
                through = run_loadgen(
                    _job(
                        run.gateway.port,
                        [request],
                        mode="closed",
                        concurrency=1,
                        max_requests=calls,
                        duration_s=90,
                        item_marker="timeslotDetail>",
                    )
                )
            finally:
                victim.clear_faults()
            row: dict[str, Any] = {"regions": size, "engaged_units": engaged, "scenario": scenario, **_figures(through)}
            if base is not None:
                row["slowest_healthy_p50_ms"] = round(base["p50"], 2)
                row["slowest_healthy_p99_ms"] = round(base["p99"], 2)
                row["ratio_p50"] = round(row["p50_ms"] / base["p50"], 2) if base["p50"] else None
            row["deadline_s"] = run.results["meta"]["fanout_deadline_s"]
            rows.append(row)
    run.results["fanout"] = {"rows": rows}


# ---------------------------------------------------------------- mixed traffic and soak


def _mix(run: Run) -> Mix:
    today = dt.date.today()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=16)
    searchers = run.citizens.take(40)
    units = run.home.units
    searches = [
        envelopes.available_timeslots(units[i % len(units)], c, start, end, BOOKABLE_TIME_TYPES[i % 4])
        for i, c in enumerate(searchers)
    ]
    national: list[Request] = []
    if run.national is None:
        for citizen in run.citizens.take(4):  # each with bookings at 10 units in 10 regions
            try:
                engage(run, citizen, run.regions[:10])
            except RuntimeError:
                break
            national.append(envelopes.schedule(envelopes.NATIONAL_ADDRESS, run.unit, citizen, label="national"))
    return Mix(searches=searches, national=national, free=run.take_free(len(run.free)), citizens=run.citizens)


def _segment(run: Run, mix: Mix, seconds: float, rng: random.Random) -> dict[str, Any]:
    rate = run.plan.mixed_rate
    requests, meanings = mix.segment(int(rate * seconds), rng)
    job = _job(
        run.gateway.port,
        requests,
        mode="open",
        rate=rate,
        order="once",
        duration_s=seconds + 5,
        max_requests=len(requests),
        max_in_flight=512,
        capture="bookingId>([^<]+)<",
        track=True,
    )
    result = run_loadgen(job)
    mix.settle(meanings, result["captures"], set(result["ok_indices"] or []))
    kinds: dict[str, int] = {}
    for kind, _what in meanings:
        kinds[kind] = kinds.get(kind, 0) + 1
    return {**_figures(result), "offered_rate": rate, "kinds": kinds, "by_label": result["by_label"]}


def section_mixed(run: Run, mix: Mix) -> None:
    # bookings to move and cancel in the mixed run, made through the gateway beforehand
    wanted = int(run.plan.mixed_rate * run.plan.mixed_seconds * (mix.shares["rebook"] + mix.shares["cancel"]))
    _log(f"mixed: booking {wanted} times to move and cancel")
    mix.held = []
    prepare = mix.free[:wanted]
    mix.free = mix.free[wanted:]
    citizens = run.citizens.take(len(prepare))
    booked = _book_through_gateway(run, prepare, citizens)
    ok = set(booked["ok_indices"] or [])
    from benchmarks.traffic import Held

    for index, (slot, citizen) in enumerate(zip(prepare, citizens, strict=True)):
        booking_id = booked["captures"].get(str(index))
        if index in ok and booking_id:
            mix.held.append(Held(slot, citizen, booking_id))
        else:
            mix.free.append(slot)
    _log(f"mixed: {run.plan.mixed_rate:.0f} req/s for {run.plan.mixed_seconds:.0f} s")
    result = _segment(run, mix, run.plan.mixed_seconds, random.Random(7))
    result["national"] = "included" if mix.national else f"skipped: {run.national}"
    run.results["mixed"] = result


def section_soak(run: Run, mix: Mix, minutes: float) -> None:
    _log(f"soak: {minutes:.0f} min of mixed traffic, memory sampled every minute")
    samples = []
    rng = random.Random(11)
    started = time.monotonic()
    segments = []
    while time.monotonic() - started < minutes * 60:
        segment = _segment(run, mix, 60.0, rng)
        segments.append({k: segment[k] for k in ("throughput", "p50_ms", "p99_ms", "outcomes")})
        samples.append({"minute": round((time.monotonic() - started) / 60, 1), "rss_kib": _worker_rss(run.gateway)})
        _log(f"soak: minute {samples[-1]['minute']}, p99 {segment['p99_ms']} ms, RSS {samples[-1]['rss_kib']}")
    run.results["soak"] = {"minutes": minutes, "segments": segments, "memory": samples}


# ---------------------------------------------------------------- memory


def _worker_rss(gateway: Gateway) -> dict[str, int]:
    return {str(pid): rss_kib(pid) for pid in gateway.refresh_workers()}


def memory_steps(calls: int, warmup: int) -> list[int]:
    """The warm-up, then tenths (at least a warm-up's worth each) until `calls` in all."""
    chunk = max(warmup, calls // 10)
    steps = [min(warmup, calls)]
    while sum(steps) < calls:
        steps.append(min(chunk, calls - sum(steps)))
    return steps


def section_memory(run: Run) -> None:
    plan = run.plan
    citizens = [str(c["personal_number"]) for c in run.home.seed["citizens"]]
    first = dt.date.today() + dt.timedelta(days=3)
    requests = [envelopes.schedule(run.unit, run.unit, c) for c in citizens] + [
        envelopes.available_timeslots(run.unit, c, first, first + dt.timedelta(days=1), "LAK30") for c in citizens
    ]
    samples: list[dict[str, Any]] = [{"calls": 0, "rss_kib": _worker_rss(run.gateway)}]
    deadline = time.monotonic() + plan.memory_seconds
    done = 0
    for step in memory_steps(plan.memory_calls, plan.memory_warmup):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        _log(f"memory: calls {done}..{done + step}")
        result = run_loadgen(
            _job(
                run.gateway.port,
                requests,
                mode="closed",
                concurrency=plan.concurrency,
                max_requests=step,
                duration_s=left,
            )
        )
        done += result["issued"]
        samples.append({"calls": done, "rss_kib": _worker_rss(run.gateway), "throughput": round(result["throughput"])})
    warm: dict[str, int] = samples[1]["rss_kib"] if len(samples) > 1 else samples[0]["rss_kib"]
    last: dict[str, int] = samples[-1]["rss_kib"]
    growth = {pid: last.get(pid, 0) - warm.get(pid, 0) for pid in warm}
    run.results["memory"] = {
        "calls": done,
        "planned_calls": plan.memory_calls,
        "quick": plan.quick,
        "warmup_calls": plan.memory_warmup,
        "samples": samples,
        "growth_after_warmup_kib": growth,
    }


# ---------------------------------------------------------------- set-up


def _guarded(run: Run, name: str, sections: set[str], section: Callable[[], None]) -> None:
    """Run one section; a failure is recorded (and printed) and the run goes on with the next."""
    if name not in sections:
        return
    try:
        section()
    except Exception as exc:
        _log(f"{name} FAILED: {type(exc).__name__}: {exc}")
        run.results[name] = {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 min): other work on a shared box skews every figure."""
    return [round(value, 2) for value in os.getloadavg()]


def _free_slots(home: Simulator, citizens: Citizens) -> list[Slot]:
    """Free times the harness may book: bookable online, from three days ahead (cancellable and
    movable) to the rules' horizon (eight weeks; provtagning four)."""
    today = dt.date.today()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=54)
    provtagning_until = (today + dt.timedelta(days=27)).strftime("%Y%m%d")
    asker = citizens.take(1)[0]
    found: list[Slot] = []
    for unit in home.units:
        found.extend(
            s
            for s in fetch_slots(home.port, unit, asker, start, end)
            if s.time_type_id in BOOKABLE_TIME_TYPES and (s.time_type_id != "PROV" or s.start[:8] <= provtagning_until)
        )
    random.Random(3).shuffle(found)
    return found


def _mixed_need(plan: Plan, shares: dict[str, float]) -> int:
    """Free times the mixed run uses: bookings made beforehand to move and cancel, new bookings, and
    the times moved to."""
    calls = plan.mixed_rate * plan.mixed_seconds
    return int(calls * (shares["rebook"] + shares["cancel"] + shares["book"] + shares["rebook"])) + 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, 5 000 calls for memory (said so)")
    parser.add_argument("--memory-calls", type=int, default=None, help="calls for the memory section (100 000)")
    parser.add_argument(
        "--memory-seconds", type=float, default=None, help="time bound of the memory section (300 s; 60 with --quick)"
    )
    parser.add_argument("--soak", action="store_true", help="also run the soak (mixed traffic, memory sampled)")
    parser.add_argument("--soak-minutes", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="gateway workers (uvicorn)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TIDBOK_BENCH_DATABASE_URL"),
        help="the gateway's database (default: SQLite in the run's folder); with a PostgreSQL URL a fresh database "
        "is created on that server and dropped afterwards",
    )
    parser.add_argument("--log-level", default="INFO", help="the gateway's TIDBOK_LOG_LEVEL (INFO, as in production)")
    parser.add_argument("--mixed-rate", type=float, default=200.0, help="offered rate of the mixed run (req/s)")
    parser.add_argument("--region-timeout", type=float, default=2.0, help="deadline of one region call (s)")
    parser.add_argument(
        "--fanout-deadline", type=float, default=5.0, help="the national calendar's deadline per source (s)"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="sections: codec rules operations growth fanout mixed memory"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, databases)")
    args = parser.parse_args(argv)
    if args.soak and args.soak_minutes < 30 and not args.quick:
        parser.error("a soak runs at least 30 minutes (or use --quick to try it shorter)")
    plan = Plan.build(args.quick, args.mixed_rate, args.memory_calls, args.memory_seconds)
    sections = set(args.only or ["codec", "rules", "operations", "growth", "fanout", "mixed", "memory"])
    started = time.time()
    results: dict[str, Any] = {
        "meta": {
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["benchmarks/run", *(argv if argv is not None else sys.argv[1:])]),
            "quick": plan.quick,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "gateway_workers": args.workers,
            "gateway_log_level": args.log_level,
            "region_timeout_s": args.region_timeout,
            "fanout_deadline_s": args.fanout_deadline,
            "load_generator": "benchmarks/loadgen.py (separate process, asyncio raw HTTP/1.1, keep-alive)",
            "load_average_at_start": _load(),
        }
    }
    if "codec" in sections:
        _log("codec floor (in-process)")
        results["codec"] = inprocess.codec_floor(quick=plan.quick)
    if "rules" in sections:
        _log("rule evaluation over 10 000 slots (in-process)")
        results["rules"] = inprocess.rules_filter(runs=10 if plan.quick else 30)
    served = (sections - {"codec", "rules"}) | ({"soak"} if args.soak else set())
    workdir = Path(tempfile.mkdtemp(prefix="tidbok-bench-"))
    if served:
        _log(f"starting {len(ALL_REGIONS)} simulated regions and the gateway ({args.workers} workers) in {workdir}")
        regions = start_simulators(["01"], workdir, units=6) + start_simulators(list(ALL_REGIONS[1:]), workdir, units=1)
        gateway = None
        stack = contextlib.ExitStack()
        try:
            routing = write_routing(regions, workdir / "routing.yaml", timeout_seconds=args.region_timeout)
            database = stack.enter_context(fresh_database(args.database_url, workdir))
            results["meta"]["database"] = database.split("://")[0]
            gateway = start_gateway(
                routing, database, workdir, workers=args.workers, region_timeout=args.region_timeout
            )
            citizens = Citizens(20261123, (str(c["personal_number"]) for c in regions[0].seed["citizens"]))
            run = Run(plan, workdir, gateway, regions, citizens, _free_slots(regions[0], citizens), results)
            results["meta"]["free_slots_for_writes"] = len(run.free)
            reserved = run.take_free(_mixed_need(plan, Mix.default_shares()))
            probe_national(run)
            results["meta"]["national_calendar"] = run.national or "answers"
            _guarded(run, "operations", sections, lambda: section_operations(run))
            _guarded(run, "growth", sections, lambda: section_growth(run))
            _guarded(run, "fanout", sections, lambda: section_fanout(run))
            run.free = reserved + run.free  # what the write benchmarks left, after the mixed run's share
            mix = _mix(run)
            _guarded(run, "mixed", sections, lambda: section_mixed(run, mix))
            _guarded(run, "memory", sections, lambda: section_memory(run))
            if args.soak:
                _guarded(run, "soak", {"soak"}, lambda: section_soak(run, mix, args.soak_minutes))
        finally:
            if gateway is not None:
                gateway.process.stop()
            for region in regions:
                region.process.stop()
            stack.close()
    results["meta"]["duration_s"] = round(time.time() - started, 1)
    results["meta"]["load_average_at_end"] = _load()
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{time.strftime('%Y%m%dT%H%M%S')}.json"
    target.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(report.table(results))
    print(f"\nJSON: {target}")
    if args.keep:
        print(f"logs and databases: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0
