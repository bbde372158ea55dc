"""What the harness sends: free slots read from a region, fresh citizens, load generator jobs run as a
separate process, and the mixed traffic (searches, bookings, rebookings, cancellations, national
calendar) rendered in advance, a segment at a time."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from benchmarks import envelopes
from benchmarks.cluster import ROOT
from benchmarks.envelopes import Request, Slot

__all__ = [
    "BOOKABLE_TIME_TYPES",
    "Citizens",
    "Held",
    "Mix",
    "fetch_slots",
    "run_loadgen",
]

# Time types anyone may book online at the simulated regions' units (rules/data: no referral, no age limit).
BOOKABLE_TIME_TYPES = ("SSK15", "LAK30", "VIDLAK", "PROV")
_EXTRA_S = 60.0


def run_loadgen(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a separate load generator process; its result."""
    limit = float(job.get("duration_s", 10.0)) * max(1, int(job.get("rounds", 1))) + _EXTRA_S
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=json.dumps(job).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=limit,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def post(port: int, request: Request, timeout: float = 60.0) -> tuple[int, bytes]:
    entry = request.job_entry()
    headers = {"Content-Type": "text/xml; charset=utf-8", **entry["headers"]}  # type: ignore[dict-item]
    call = urllib.request.Request(
        f"http://127.0.0.1:{port}{entry['path']}", data=str(entry["body"]).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(call, timeout=timeout) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def _local(element: etree._Element) -> str:
    return str(element.tag).rpartition("}")[2]


def fetch_slots(
    port: int, unit: str, citizen: str, start: dt.date, end: dt.date, time_type: str | None = None
) -> list[Slot]:
    """The free times a region lists (asked directly, not through the gateway)."""
    status, body = post(port, envelopes.available_timeslots(unit, citizen, start, end, time_type))
    if status != 200:
        raise RuntimeError(f"the region did not list its free times (HTTP {status})")
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    slots = []
    for detail in root.iter():
        if not isinstance(detail.tag, str) or _local(detail) != "timeslotDetail":
            continue
        fields = {_local(child): (child.text or "").strip() for child in detail}
        slots.append(
            Slot(
                unit=fields["healthcare_facility"],
                start=fields["startTimeInclusive"],
                end=fields["endTimeExclusive"],
                performer=fields.get("performer") or None,
                time_type_id=fields.get("timeTypeID", ""),
            )
        )
    return slots


class Citizens:
    """Fresh personnummer from the tax agency's test series, never handed out twice."""

    def __init__(self, seed: int, taken: Iterable[str] = ()) -> None:
        from simulators.common.seed import test_personal_number

        self._make = test_personal_number
        self._rng = random.Random(seed)
        self._seen = set(taken)

    def take(self, count: int) -> list[str]:
        found: list[str] = []
        while len(found) < count:
            number = self._make(self._rng, born_between=(1950, 2000))
            if number not in self._seen:
                self._seen.add(number)
                found.append(number)
        return found


@dataclass(frozen=True, slots=True)
class Held:
    """A booking the harness made and may move or cancel."""

    slot: Slot
    citizen: str
    booking_id: str


@dataclass
class Mix:
    """The mixed traffic: shares of each kind of call, rendered a segment at a time so that bookings of
    one segment are moved and cancelled in the next and cancelled slots are booked again (a soak
    can go on without running out of free times)."""

    searches: list[Request]
    national: list[Request]
    free: list[Slot]
    citizens: Citizens
    shares: dict[str, float] = field(default_factory=lambda: Mix.default_shares())
    held: list[Held] = field(default_factory=list)

    @staticmethod
    def default_shares() -> dict[str, float]:
        """Searches 45 %, bookings 15 %, rebookings 10 %, cancellations 15 %, national calendar 15 %
        (as many cancelled as booked, so a soak keeps a steady number of bookings)."""
        return {"search": 0.45, "book": 0.15, "rebook": 0.10, "cancel": 0.15, "national": 0.15}

    def counts(self, total: int) -> dict[str, int]:
        shares = dict(self.shares)
        if not self.national:
            shares["search"] += shares.pop("national")
        counts = {kind: int(total * share) for kind, share in shares.items()}
        counts["rebook"] = min(counts["rebook"], len(self.held))
        counts["cancel"] = min(counts["cancel"], len(self.held) - counts["rebook"])
        counts["book"] = max(0, min(counts["book"], len(self.free) - counts["rebook"]))
        counts["search"] += total - sum(counts.values())
        return counts

    def segment(self, total: int, rng: random.Random) -> tuple[list[Request], list[tuple[str, Any]]]:
        """`total` requests in a shuffled order, and what each one stands for (to settle afterwards)."""
        counts = self.counts(total)
        plan: list[tuple[Request, tuple[str, Any]]] = []
        moving, cancelling = (
            self.held[: counts["rebook"]],
            self.held[counts["rebook"] : counts["rebook"] + counts["cancel"]],
        )
        self.held = self.held[counts["rebook"] + counts["cancel"] :]
        for held in moving:
            target = self._take_like(held.slot)
            if target is None:  # nothing free of that kind at that unit: cancel it instead
                plan.append((envelopes.cancel_booking(held.slot.unit, held.citizen, held.booking_id), ("cancel", held)))
                continue
            plan.append((envelopes.update_booking(target, held.citizen, held.booking_id), ("rebook", (held, target))))
        for held in cancelling:
            plan.append((envelopes.cancel_booking(held.slot.unit, held.citizen, held.booking_id), ("cancel", held)))
        for slot, citizen in zip(self._take_free(counts["book"]), self.citizens.take(counts["book"]), strict=True):
            plan.append((envelopes.make_booking(slot, citizen), ("book", (slot, citizen))))
        for index in range(counts["search"]):
            plan.append((self.searches[index % len(self.searches)], ("search", None)))
        for index in range(counts.get("national", 0)):
            plan.append((self.national[index % len(self.national)], ("national", None)))
        rng.shuffle(plan)
        return [request for request, _ in plan], [meaning for _, meaning in plan]

    def _take_like(self, slot: Slot) -> Slot | None:
        """A free time of the same kind at the same unit (a rebooking moves a booking in time only)."""
        for index, candidate in enumerate(self.free):
            if candidate.unit == slot.unit and candidate.time_type_id == slot.time_type_id:
                return self.free.pop(index)
        return None

    def _take_free(self, count: int) -> list[Slot]:
        taken, self.free = self.free[:count], self.free[count:]
        return taken

    def settle(self, meanings: Sequence[tuple[str, Any]], captures: dict[str, str], outcomes_ok: set[int]) -> None:
        """After a segment: new bookings are held, moved ones keep their id at the new time, the slots
        left behind (moved from, cancelled, or not booked after all) are free again."""
        for index, (kind, what) in enumerate(meanings):
            succeeded = index in outcomes_ok
            if kind == "book":
                slot, citizen = what
                booking_id = captures.get(str(index))
                if succeeded and booking_id:
                    self.held.append(Held(slot, citizen, booking_id))
                else:
                    self.free.append(slot)
            elif kind == "rebook":
                held, target = what
                if succeeded:
                    self.held.append(Held(target, held.citizen, held.booking_id))
                    self.free.append(held.slot)
                else:
                    self.held.append(held)
                    self.free.append(target)
            elif kind == "cancel":
                if succeeded:
                    self.free.append(what.slot)
                else:
                    self.held.append(what)
