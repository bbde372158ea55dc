"""The printed table of a benchmark run (the JSON file holds everything; this is the summary)."""

from __future__ import annotations

from typing import Any

__all__ = ["table", "verdicts"]


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        cell.ljust(width) if i == 0 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def _grid(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"\n{title}", _row(header, widths), _row(["-" * w for w in widths], widths)]
    lines.extend(_row([str(c) for c in r], widths) for r in rows)
    return "\n".join(lines)


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _outcomes(figures: dict[str, Any]) -> str:
    outcomes = figures.get("outcomes") or {}
    return " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, met / not met / not measured) for each of the issue's targets."""
    out: list[tuple[str, str, str]] = []
    search = (results.get("operations") or {}).get("GetAvailableTimeslots")
    if search:
        ratio = search.get("ratio") or 0.0
        out.append(("GetAvailableTimeslots gateway ≥ 50 % of direct", f"{ratio * 100:.0f} %", _met(ratio >= 0.5)))
        worst_p50 = max(op["added_p50_ms"] for op in results["operations"].values())
        worst_p99 = max(op["added_p99_ms"] for op in results["operations"].values())
        out.append(("added latency p50 ≤ 2 ms at half load", f"{worst_p50:.1f} ms (worst op)", _met(worst_p50 <= 2)))
        out.append(("added latency p99 ≤ 10 ms at half load", f"{worst_p99:.1f} ms (worst op)", _met(worst_p99 <= 10)))
    fanout = results.get("fanout")
    if fanout is not None:
        if "skipped" in fanout:
            out.append(("21 regions, one hung: within deadline, ≤ 1.3× slowest", "skipped", "not measured"))
        else:
            hung = [r for r in fanout["rows"] if r["regions"] == 21 and r["scenario"] == "one hung"]
            if hung:
                row = hung[0]
                slowest = row.get("max_ms", row["p99_ms"])
                within = slowest <= row["deadline_s"] * 1000
                out.append(
                    ("21 regions, one hung: answered within the deadline", f"slowest {slowest:.0f} ms", _met(within))
                )
                if row.get("ratio_p50") is not None:
                    ratio = row["ratio_p50"]
                    out.append(
                        ("21 regions, one hung: ≤ 1.3× the slowest healthy (p50)", f"{ratio:.2f}×", _met(ratio <= 1.3))
                    )
            slow = [r for r in fanout["rows"] if r["regions"] == 21 and r["scenario"] == "one slow"]
            if slow and slow[0].get("ratio_p50") is not None:
                ratio = slow[0]["ratio_p50"]
                out.append(("21 regions, one slow: ≤ 1.3× the slowest source", f"{ratio:.2f}×", _met(ratio <= 1.3)))
    mixed = results.get("mixed")
    if mixed:
        sustained = mixed["throughput"] >= 0.97 * mixed["offered_rate"] and mixed["offered_rate"] >= 200
        ok = sustained and mixed["p99_ms"] <= 250
        national = "" if mixed["national"] == "included" else " (no national calls)"
        measured = f"{mixed['throughput']:.0f} req/s, p99 {mixed['p99_ms']:.0f} ms{national}"
        out.append(("mix ≥ 200 req/s with p99 ≤ 250 ms", measured, _met(ok)))
    memory = results.get("memory")
    if memory:
        growth = max(memory["growth_after_warmup_kib"].values() or [0])
        calls = memory["calls"]
        note = "" if calls >= 100_000 else f" over {calls} calls only"
        out.append(("no RSS growth after warm-up", f"{growth / 1024:+.1f} MiB{note}", _met(growth <= 2048)))
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(results: dict[str, Any]) -> str:
    failed = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    results = {k: v for k, v in results.items() if k not in failed}
    parts: list[str] = []
    meta = results["meta"]
    parts.append(
        f"tidbok-gateway benchmarks — {meta['started']}, {meta['machine']['cpus']} CPUs, Python "
        f"{meta['machine']['python']}, gateway workers {meta['gateway_workers']}, "
        f"database {meta.get('database', '-')}{' (QUICK run: shorter and fewer calls)' if meta['quick'] else ''}"
        f"\nload average at start {meta.get('load_average_at_start')} at end {meta.get('load_average_at_end')} "
        "(above ~0.5 other work on this machine skews the figures)"
    )
    operations = results.get("operations")
    if operations:
        rows = []
        for name, op in operations.items():
            for side in ("direct", "gateway"):
                top, half = op[f"{side}_max"], op[f"{side}_half"]
                rows.append(
                    [
                        f"{name} {side}",
                        _num(top["throughput"]),
                        _num(top["p50_ms"], 2),
                        _num(top["p90_ms"], 2),
                        _num(top["p99_ms"], 2),
                        _num(op["half_rate"], 0),
                        _num(half["p50_ms"], 2),
                        _num(half["p99_ms"], 2),
                        _num(top["items_mean"]) if name == "GetAvailableTimeslots" else "",
                        _outcomes(top),
                    ]
                )
            rows.append(
                [
                    f"{name} gateway/direct",
                    f"{op['ratio'] * 100:.0f} %" if op["ratio"] else "-",
                    "",
                    "",
                    "",
                    "",
                    f"+{op['added_p50_ms']:.2f}",
                    f"+{op['added_p99_ms']:.2f}",
                    "",
                    "",
                ]
            )
        parts.append(
            _grid(
                f"Through the gateway vs directly to the region (closed loop, {16} in flight; then open loop at half "
                "of the gateway's maximum)",
                ["call", "req/s", "p50 ms", "p90 ms", "p99 ms", "half @", "p50 ms", "p99 ms", "slots", "outcomes"],
                rows,
            )
        )
    codec = results.get("codec")
    if codec:
        parts.append(
            _grid(
                "Codec floor (in-process, one message at a time)",
                ["work", "per second", "µs each"],
                [[name, _num(v["per_second"], 0), _num(v["us_each"])] for name, v in codec.items()],
            )
        )
    rules = results.get("rules")
    if rules:
        parts.append(
            _grid(
                "Rule evaluation (benchmarks/rules_filter.py)",
                ["slots", "bookable", "median ms", "slowest ms", "µs/slot"],
                [
                    [
                        rules["slots"],
                        rules["bookable"],
                        _num(rules["median_ms"], 2),
                        _num(rules["slowest_ms"], 2),
                        _num(rules["us_per_slot"], 3),
                    ]
                ],
            )
        )
    growth = results.get("growth")
    if growth:
        rows = []
        for row in growth:
            for side in ("direct", "gateway"):
                f = row[side]
                rows.append(
                    [
                        f"{row['target']} ({row['region_lists']} listed) {side}",
                        _num(f["throughput"]),
                        _num(f["p50_ms"], 2),
                        _num(f["p99_ms"], 2),
                        _num(f["items_mean"]),
                    ]
                )
        parts.append(
            _grid(
                "Cost growth with the slots returned (GetAvailableTimeslots, 4 in flight)",
                ["slots", "req/s", "p50 ms", "p99 ms", "returned"],
                rows,
            )
        )
    fanout = results.get("fanout")
    if fanout is not None:
        if "skipped" in fanout:
            parts.append(f"\nFan-out (national calendar): SKIPPED — {fanout['skipped']}")
        else:
            rows = [
                [
                    f"{r['regions']} regions, {r['scenario']}",
                    _num(r["p50_ms"], 1),
                    _num(r["p99_ms"], 1),
                    _num(r.get("max_ms"), 1),
                    _num(r.get("slowest_healthy_p50_ms"), 1),
                    _num(r.get("ratio_p50"), 2),
                    _num(r["items_mean"]),
                    f"{r['deadline_s']} s",
                ]
                for r in fanout["rows"]
            ]
            parts.append(
                _grid(
                    "Fan-out: GetSubjectOfCareSchedule at the national address",
                    ["case", "p50 ms", "p99 ms", "max ms", "slowest healthy p50", "ratio", "bookings", "deadline"],
                    rows,
                )
            )
    mixed = results.get("mixed")
    if mixed:
        rows = [
            [label, _num(v["p50"], 1), _num(v["p99"], 1), v["count"], _outcomes(v)]
            for label, v in mixed["by_label"].items()
        ]
        rows.append(["all", _num(mixed["p50_ms"], 1), _num(mixed["p99_ms"], 1), mixed["calls"], _outcomes(mixed)])
        parts.append(
            _grid(
                f"Mixed traffic at {mixed['offered_rate']:.0f} req/s offered: {mixed['throughput']:.0f} "
                f"req/s answered, {_outcomes(mixed)}; national calendar {mixed['national']}",
                ["kind", "p50 ms", "p99 ms", "calls", "outcomes"],
                rows,
            )
        )
    memory = results.get("memory")
    if memory:
        rows = [[s["calls"], *(f"{kib / 1024:.1f}" for kib in s["rss_kib"].values())] for s in memory["samples"]]
        pids = list(memory["samples"][0]["rss_kib"])
        title = f"Worker RSS (MiB) over {memory['calls']} calls"
        if memory["calls"] < 100_000:
            calls, planned = memory["calls"], memory.get("planned_calls", 100_000)
            why = "--quick" if memory["quick"] else ("time bound reached" if calls < planned else "fewer planned")
            title += f" — FEWER than 100 000 ({why})"
        parts.append(_grid(title, ["calls", *(f"worker {p}" for p in pids)], rows))
    soak = results.get("soak")
    if soak:
        pids = list(soak["memory"][0]["rss_kib"]) if soak["memory"] else []
        rows = [
            [
                sample["minute"],
                _num(segment["throughput"]),
                _num(segment["p50_ms"]),
                _num(segment["p99_ms"]),
                _outcomes(segment),
                *(f"{sample['rss_kib'].get(pid, 0) / 1024:.1f}" for pid in pids),
            ]
            for sample, segment in zip(soak["memory"], soak["segments"], strict=False)
        ]
        header = ["minute", "req/s", "p50 ms", "p99 ms", "outcomes", *(f"RSS MiB {pid}" for pid in pids)]
        parts.append(_grid(f"Soak: {soak['minutes']} min of mixed traffic", header, rows))
    for name, error in failed.items():
        parts.append(f"\n{name}: FAILED — {error}")
    found = verdicts(results)
    if found:
        parts.append(_grid("Targets", ["target", "measured", "verdict"], [list(v) for v in found]))
    return "\n".join(parts)
