"""How one simulated upgraded region is set up: which region, which seed, its local policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.timeformat import SWEDISH_TIME

__all__ = ["Producer2Config", "swedish_now"]


def swedish_now() -> dt.datetime:
    """The current instant in Swedish local time."""
    return dt.datetime.now(SWEDISH_TIME)


@dataclass(frozen=True, slots=True)
class Producer2Config:
    """One scheduling 2 producer (a region whose booking system has been upgraded).

    `database` is a file path or `:memory:`; a file that already holds this region's state is
    reused (appointments survive a restart), an empty one is seeded. `clock` returns an aware
    datetime and decides "now" for seeding, passed times and every deadline (tests move it)."""

    region_code: str = "01"
    seed: int = 1
    database: str = ":memory:"
    unit_count: int = 3
    weeks: int = 6
    cancel_deadline_hours: int = 24  # TOO_LATE_TO_CANCEL_APPOINTMENT closer to the start than this
    update_deadline_hours: int = 24  # TOO_LATE_TO_UPDATE_APPOINTMENT closer to the original start
    booking_deadline_minutes: int = 30  # TOO_LATE_TO_MAKE_APPOINTMENT; such slots are not offered
    proposal_days: int = 5  # a clinic proposal (preliminary) must be confirmed within this many days
    max_timeslots: int = 400  # GetAvailableTimeslots answers at most this many (earliest first), then INFO
    new_id_on_update: bool = True  # UpdateAppointment issues a new appointmentId (the TKB allows both)
    validate_responses: bool = True  # check every answer against the contract before sending it
    public_base_url: str | None = None  # address written into served WSDLs; None = the request's own
    clock: Callable[[], dt.datetime] = field(default=swedish_now)

    def __post_init__(self) -> None:
        if self.unit_count < 1:
            raise ValueError("unit_count must be at least 1")
        if self.weeks < 1:
            raise ValueError("weeks must be at least 1")
        for name in ("cancel_deadline_hours", "update_deadline_hours", "booking_deadline_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_timeslots < 1:
            raise ValueError("max_timeslots must be at least 1")
        if self.proposal_days < 1:
            raise ValueError("proposal_days must be at least 1")
