"""How long the rule engine takes to filter a slot list.

    .venv/bin/python benchmarks/rules_filter.py [--slots 10000] [--runs 50]

Builds a realistic list (eight weeks of free times at three Stockholm units, every seeded time
type, some in the past and some too far ahead) for a citizen with a few bookings and a referral,
and prints the median and slowest filter time over the runs, plus what building the facts costs.
The target is well under 10 ms for 10 000 slots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules import (  # after the path set-up, so the script runs from a checkout
    ActiveBooking,
    Channel,
    CitizenFacts,
    ReferralFacts,
    RuleSet,
    SlotFacts,
    decide_booking,
    filter_slots,
)
from rules.times import SWEDISH_TIME

DATA = Path(__file__).resolve().parent.parent / "rules" / "data"
UNITS = ("SE2321000016-E0101", "SE2321000016-E0102", "SE2321000016-E0103")
TIME_TYPES = (
    ("LAK30", 30, Channel.PHYSICAL),
    ("SSK15", 15, Channel.PHYSICAL),
    ("VIDLAK", 20, Channel.VIDEO),
    ("TELSSK", 10, Channel.PHONE),
    ("PROV", 10, Channel.PHYSICAL),
    ("VACCIN", 10, Channel.PHYSICAL),
    ("BVCVAC", 20, Channel.PHYSICAL),
    ("FYSIO", 45, Channel.PHYSICAL),
    ("KBT", 45, Channel.PHYSICAL),
    ("GRPFOR", 90, Channel.PHYSICAL),
)


def build_slots(count: int, now: dt.datetime, rng: random.Random) -> list[SlotFacts]:
    slots = []
    for _ in range(count):
        time_type, minutes, channel = rng.choice(TIME_TYPES)
        start = now + dt.timedelta(minutes=15 * rng.randint(-96, 10 * 7 * 96))
        slots.append(
            SlotFacts(
                "01",
                rng.choice(UNITS),
                time_type,
                start,
                start + dt.timedelta(minutes=minutes),
                channel if rng.random() < 0.5 else None,
            )
        )
    return slots


def measure(slots: int = 10_000, runs: int = 50) -> dict[str, Any]:
    """Filter `slots` free times `runs` times; the figures (milliseconds unless named otherwise)."""
    ruleset = RuleSet.load(DATA)
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SWEDISH_TIME)
    rng = random.Random(20261123)
    number = "198504129806"
    citizen = CitizenFacts.from_personnummer(
        number,
        active_bookings=(
            ActiveBooking(UNITS[0], "LAK30", now + dt.timedelta(days=3), now + dt.timedelta(days=3, minutes=30), "b1"),
            ActiveBooking(UNITS[1], "PROV", now + dt.timedelta(days=9), now + dt.timedelta(days=9, minutes=10), "b2"),
        ),
        referrals=(
            ReferralFacts(
                "r1", number, now - dt.timedelta(days=2), now + dt.timedelta(days=60), time_type_ids=frozenset({"KBT"})
            ),
        ),
    )

    started = time.perf_counter()
    listed = build_slots(slots, now, rng)
    build_ms = (time.perf_counter() - started) * 1000

    cold_started = time.perf_counter()
    admitted = filter_slots(ruleset, citizen, listed, now)
    cold_ms = (time.perf_counter() - cold_started) * 1000

    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        filter_slots(ruleset, citizen, listed, now)
        timings.append((time.perf_counter() - started) * 1000)

    sample = listed[: min(len(listed), 500)]
    started = time.perf_counter()
    for slot in sample:
        decide_booking(ruleset, citizen, slot, now)
    decide_us = (time.perf_counter() - started) * 1_000_000 / max(1, len(sample))

    median = statistics.median(timings)
    return {
        "slots": len(listed),
        "bookable": len(admitted),
        "runs": runs,
        "median_ms": round(median, 2),
        "slowest_ms": round(max(timings), 2),
        "us_per_slot": round(median * 1000 / len(listed), 3),
        "first_call_ms": round(cold_ms, 2),
        "build_facts_ms": round(build_ms, 1),
        "decide_booking_us": round(decide_us),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    found = measure(args.slots, args.runs)
    slots = found["slots"]
    print(f"filter_slots: {slots} slots, {found['bookable']} bookable")
    median, slowest, per_slot = found["median_ms"], found["slowest_ms"], found["us_per_slot"]
    print(f"  median {median:.2f} ms ({per_slot:.3f} µs/slot), slowest {slowest:.2f} ms")
    print(f"  first call (rules merged, gates built): {found['first_call_ms']:.2f} ms")
    build = found["build_facts_ms"]
    print(f"building the SlotFacts: {build:.1f} ms ({build * 1000 / slots:.2f} µs/slot)")
    print(f"decide_booking with full trace: {found['decide_booking_us']:.0f} µs per slot")


if __name__ == "__main__":
    main()
