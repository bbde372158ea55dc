"""`POST /admin/slots`: staff open a time at run time, as a scheduler at the clinic would (tests
and demos publish, say, a slot at 01:30 on the night the clocks change).

Times are the legacy contracts' `YYYYMMDDhhmmss` in Swedish local time. Without `end` the slot
lasts the time type's length, counted in real minutes (01:30 + 30 min on the spring night is
03:00 summer time, not a 02:00 that does not exist). Without `performer` the first member of
staff at the unit who serves the time type takes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from contracts.timeformat import format_timestamp, parse_timestamp

__all__ = ["NewSlot", "SlotRefused", "install_slot_admin", "slot_end"]


class NewSlot(BaseModel):
    """A time to open at `healthcare_facility` (all places of the time type's capacity)."""

    healthcare_facility: str = Field(min_length=1, max_length=64)
    time_type_id: str = Field(min_length=1, max_length=64)
    start: str = Field(pattern=r"^\d{14}$", description="YYYYMMDDhhmmss, Swedish local time")
    end: str | None = Field(default=None, pattern=r"^\d{14}$", description="default: start + the time type's length")
    performer: str | None = Field(default=None, max_length=64, description="HSA-id; default: one who serves it")


class SlotRefused(Exception):
    """The slot cannot be opened: `status` 404 (unknown unit, time type, performer) or 409
    (in the past, or the performer is busy then)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def slot_end(start: str, minutes: int) -> str:
    """`start` plus `minutes` of real time, as a local time stamp."""
    begins = parse_timestamp(start).astimezone(dt.UTC)
    return format_timestamp(begins + dt.timedelta(minutes=minutes))


def install_slot_admin(app: FastAPI, publish: Callable[[NewSlot], dict[str, Any]]) -> None:
    """Add `POST /admin/slots`; `publish` opens the slot and answers what it opened."""

    @app.post("/admin/slots", status_code=201, tags=["admin"])
    async def publish_slot(body: NewSlot) -> dict[str, Any]:
        try:
            parse_timestamp(body.start)
            if body.end is not None:
                parse_timestamp(body.end)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        try:
            return publish(body)
        except SlotRefused as refused:
            raise HTTPException(status_code=refused.status, detail=refused.detail) from refused
