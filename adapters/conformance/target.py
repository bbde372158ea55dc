"""What a region hands the conformance kit: its adapter, how to build it, and a scenario in its
system — a care unit, a bookable time type, citizens who hold nothing there — plus, where the
system allows, hooks to make it fail and to open a time at a chosen moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from adapters.identifiers import HsaId, PersonalIdentity
from adapters.interface import AdapterFactory, AdapterSettings

__all__ = ["ConformanceTarget", "FaultHooks", "Scenario", "SlotPublisher"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """Where in the region's system the kit books.

    - `care_unit` offers `time_type_id` with at least `minimum_free_slots` free times between
      `first_day` and `first_day + days` (Swedish dates). `first_day` defaults to three days from
      today, past every usual cancellation and rebooking deadline.
    - `citizens`: at least two personal identity numbers (test series) that hold no bookings at the
      unit; the kit books for them and cancels what it booked.
    - `unknown_booking_id`: an id in the system's own form that it does not hold (default: a new
      UUID each time).
    - `entry_point`: the adapter's name in the `tidbok_gateway.adapters` group, checked to build
      the same adapter as `ConformanceTarget.factory` (None: not checked).
    """

    care_unit: HsaId
    time_type_id: str
    citizens: tuple[PersonalIdentity, ...]
    first_day: dt.date | None = None
    days: int = 10
    minimum_free_slots: int = 6
    unknown_booking_id: str | None = None
    entry_point: str | None = None

    def __post_init__(self) -> None:
        if len(self.citizens) < 2:
            raise ValueError("the scenario needs at least two citizens who hold nothing at the unit")
        if self.days < 1 or self.minimum_free_slots < 4:
            raise ValueError("the scenario needs a window of days with at least four free times")


class FaultHooks(Protocol):
    """Make the region's system (or its simulator) fail on purpose. A hook the system cannot offer
    raises NotImplementedError and the test that needs it is skipped."""

    async def down(self) -> None:
        """Every call is answered at once with a failure (e.g. HTTP 503) until `clear`."""

    async def hang(self, seconds: float) -> None:
        """Every call waits `seconds` before any answer until `clear`."""

    async def delay_answers(self, seconds: float) -> None:
        """Every call is carried out, then its answer held back `seconds` (a lost answer)."""

    async def clear(self) -> None:
        """Back to normal."""


SlotPublisher = Callable[[HsaId, str, dt.datetime], Awaitable[None]]
"""Open a free time of (care unit, time type) starting at an aware instant, for whoever at the
unit serves the time type, lasting the time type's usual length."""


@dataclass(slots=True)
class ConformanceTarget:
    """One adapter and the system it speaks to, as the kit's fixture `conformance_target` returns it.

    `factory(settings)` builds the adapter (the entry point's `create_adapter`); `settings` points
    it at the system. `faults` and `publish_slot` are optional: tests that need them are skipped
    with the reason. Hooks are awaited on the kit's own event loop, so they must not hold
    resources bound to another loop (create HTTP clients inside the call)."""

    factory: AdapterFactory
    settings: AdapterSettings
    scenario: Scenario
    faults: FaultHooks | None = None
    publish_slot: SlotPublisher | None = None
    claimed: set[tuple[dt.datetime, str]] = field(default_factory=set)
    """Free times the kit's tests have taken, so that tests sharing one system do not collide."""
