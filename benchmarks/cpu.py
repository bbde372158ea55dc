"""CPU per call, by process: where the machine's time goes for one kind of call.

    .venv/bin/python -m benchmarks.cpu --call search|schedule|book [--seconds 10] [--concurrency 16]
                                        [--workers 2] [--direct] [--database-url URL]

Starts one simulated region and the gateway the way `benchmarks/run` does, puts one kind of call on
it from the separate load generator (closed loop), and reads each process's CPU time (user +
system, from /proc) before and after: the region's and each gateway worker's CPU milliseconds per
call, next to the throughput and latency. With `--direct` the calls go to the region itself.
CPU time does not depend on what else the machine is doing the way throughput does, so two trees
can be compared by it (run each from its own checkout, one after the other).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from benchmarks.profile import one_kind_of_call
from benchmarks.traffic import run_loadgen

__all__ = ["main"]

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--call", choices=("search", "schedule", "book"), default="search")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--direct", action="store_true", help="call the region itself, not the gateway")
    parser.add_argument("--database-url", default=os.environ.get("TIDBOK_BENCH_DATABASE_URL"))
    args = parser.parse_args(argv)
    with one_kind_of_call(
        args.call,
        workers=args.workers,
        concurrency=args.concurrency,
        database_url=args.database_url,
        direct=args.direct,
    ) as (job, home, gateway):
        processes = {"region": home.process.popen.pid}
        processes.update({f"worker {pid}": pid for pid in gateway.refresh_workers()})
        before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        result = run_loadgen({**job, "duration_s": args.seconds})
        after = {name: cpu_seconds(pid) for name, pid in processes.items()}
    calls = max(result["latency_ms"]["count"], 1)
    per_call = {name: (after[name] - before[name]) * 1000 / calls for name in processes}
    gateway_total = sum(ms for name, ms in per_call.items() if name.startswith("worker"))
    latency = result["latency_ms"]
    print(
        f"{args.call} {'directly to the region' if args.direct else 'through the gateway'}, "
        f"{args.concurrency} in flight: {result['throughput']:.1f} req/s, p50 {latency['p50']:.1f} ms, "
        f"p99 {latency['p99']:.1f} ms, {result['outcomes']}"
    )
    print(
        "CPU ms per call: "
        + ", ".join(f"{name} {ms:.2f}" for name, ms in per_call.items())
        + ("" if args.direct else f"; the gateway's workers together {gateway_total:.2f}")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
