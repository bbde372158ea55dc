"""How one simulated legacy region is set up: which region, which seed, where its state lives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.timeformat import SWEDISH_TIME

__all__ = ["ProducerConfig", "swedish_now"]


def swedish_now() -> dt.datetime:
    """The current instant in Swedish local time."""
    return dt.datetime.now(SWEDISH_TIME)


@dataclass(frozen=True, slots=True)
class ProducerConfig:
    """One crm:scheduling 1.1 producer (a region's legacy booking system).

    `database` is a file path or `:memory:`. A file that already holds this region's state is
    reused as it is (bookings survive a restart); an empty one is seeded. `clock` returns an aware
    datetime and decides what "now" is for seeding, "past" slots and deadlines (tests move it)."""

    region_code: str = "01"
    seed: int = 1
    database: str = ":memory:"
    unit_count: int = 3
    weeks: int = 8
    cancel_deadline_hours: int = 24  # local policy: cancel/rebook online until this long before start
    validate_responses: bool = True  # check every answer against the contract before sending it
    public_base_url: str | None = None  # address written into served WSDLs; None = the request's own
    clock: Callable[[], dt.datetime] = field(default=swedish_now)

    def __post_init__(self) -> None:
        if self.unit_count < 1:
            raise ValueError("unit_count must be at least 1")
        if self.weeks < 1:
            raise ValueError("weeks must be at least 1")
        if self.cancel_deadline_hours < 0:
            raise ValueError("cancel_deadline_hours must not be negative")
