"""Profile the gateway's hot path: one region and the gateway on loopback (as `benchmarks/run` starts
them), one kind of call as load from the separate load generator, and py-spy sampling every gateway
worker meanwhile.

    .venv/bin/python -m benchmarks.profile [--call search|schedule|book] [--seconds 10] [--workers 2]

Writes the samples per worker (folded stacks: `flamegraph.pl` or speedscope draw them) under
benchmarks/results/profile-<time>-<call>/ and prints the frames that hold most of the workers'
busy time.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import envelopes
from benchmarks.cluster import Gateway, Simulator, fresh_database, start_gateway, start_simulators, write_routing
from benchmarks.envelopes import Request
from benchmarks.traffic import BOOKABLE_TIME_TYPES, Citizens, fetch_slots, run_loadgen

__all__ = ["main", "one_kind_of_call", "requests_for", "top_frames"]

RESULTS = Path(__file__).resolve().parent / "results"
_OURS = ("gateway/", "adapters/", "contracts/", "rules/")


def top_frames(folded: Path, limit: int = 40) -> list[tuple[float, str]]:
    """(share of the busy samples, frame) for the frames most often on the stack, our code and the
    libraries it calls, from a py-spy `raw` (folded) file."""
    inclusive: collections.Counter[str] = collections.Counter()
    busy = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not any(part in stack for part in _OURS):
            continue
        samples = int(count)
        busy += samples
        for frame in set(stack.split(";")):
            inclusive[frame] += samples
    if not busy:
        return []
    skip = ("starlette/", "fastapi/", "uvicorn/", "asyncio/", "multiprocessing/", "<module>", "runpy")
    ranked = [(n / busy, f) for f, n in inclusive.most_common() if not any(s in f for s in skip)]
    return ranked[:limit]


def requests_for(call: str, port: int, seed: dict[str, object], unit: str) -> list[Request]:
    """The requests of one kind of call for the profiler and the CPU accounting."""
    citizens = Citizens(99, [])
    today = dt.date.today()
    start, end = today + dt.timedelta(days=3), today + dt.timedelta(days=16)
    if call == "search":
        return [envelopes.available_timeslots(unit, c, start, end, "LAK30") for c in citizens.take(50)]
    if call == "schedule":
        seeded = seed["citizens"]
        assert isinstance(seeded, list)
        return [envelopes.schedule(unit, unit, str(c["personal_number"])) for c in seeded]
    asker = citizens.take(1)[0]
    slots = [
        s
        for s in fetch_slots(port, unit, asker, start, end + dt.timedelta(days=10))
        if s.time_type_id in BOOKABLE_TIME_TYPES
    ]
    return [envelopes.make_booking(s, c) for s, c in zip(slots, citizens.take(len(slots)), strict=True)]


@contextlib.contextmanager
def one_kind_of_call(
    call: str, *, workers: int, concurrency: int, database_url: str | None, direct: bool = False
) -> Iterator[tuple[dict[str, Any], Simulator, Gateway]]:
    """Region 01 and the gateway started as `benchmarks/run` starts them, and the load generator's
    closed-loop job for one kind of call (to the gateway, or with `direct` to the region), warmed
    up: WSDLs loaded, pools filled. Everything is stopped and removed on leaving."""
    workdir = Path(tempfile.mkdtemp(prefix=f"tidbok-{call}-"))
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        regions = start_simulators(["01"], workdir)
        for region in regions:
            stack.callback(region.process.stop)
        routing = write_routing(regions, workdir / "routing.yaml", timeout_seconds=5)
        database = stack.enter_context(fresh_database(database_url, workdir))
        gateway = start_gateway(routing, database, workdir, workers=workers, region_timeout=5)
        stack.callback(gateway.process.stop)
        home = regions[0]
        requests = requests_for(call, home.port, home.seed, home.units[0])
        job: dict[str, Any] = {
            "port": home.port if direct else gateway.port,
            "requests": [r.job_entry() for r in requests],
            "mode": "closed",
            "concurrency": concurrency,
            "order": "once" if call == "book" else "cycle",
        }
        run_loadgen({**job, "duration_s": 3.0})
        yield job, home, gateway


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--call", choices=("search", "schedule", "book"), default="search")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("TIDBOK_BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        parser.error("py-spy is not installed: pip install -e '.[bench]'")
    out = RESULTS / f"profile-{time.strftime('%Y%m%dT%H%M%S')}-{args.call}"
    out.mkdir(parents=True, exist_ok=True)
    with one_kind_of_call(
        args.call, workers=args.workers, concurrency=args.concurrency, database_url=args.database_url
    ) as (job, _region, gateway):
        samplers = []
        for pid in gateway.refresh_workers():
            command = [py_spy, "record", "-p", str(pid), "-d", str(int(args.seconds)), "-r", "200", "-f", "raw"]
            samplers.append(
                (pid, subprocess.Popen([*command, "-o", str(out / f"worker-{pid}.folded")], stderr=subprocess.DEVNULL))
            )
        result = run_loadgen({**job, "duration_s": args.seconds + 1})
        for _pid, sampler in samplers:
            sampler.wait(timeout=args.seconds + 60)
    latency = result["latency_ms"]
    print(
        f"{args.call}: {result['throughput']:.1f} req/s through the gateway, p50 {latency['p50']:.1f} ms, "
        f"p99 {latency['p99']:.1f} ms, {result['outcomes']}"
    )
    for folded in sorted(out.glob("*.folded")):
        print(f"\n{folded.name}: share of busy samples (inclusive)")
        for share, frame in top_frames(folded):
            print(f"  {share * 100:5.1f}%  {frame[:140]}")
    print(f"\nsamples (folded stacks): {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
