"""One ready-made argument set per adapter method, for tests that call every method."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from typing import Any

from adapters.domain import (
    BookingRequest,
    CancelRequest,
    CatalogueQuery,
    RebookRequest,
    RequestContext,
    SlotQuery,
    Timeslot,
)
from adapters.identifiers import PersonalIdentity
from tests.gateway.resilience.fakes import START, UNIT

__all__ = ["CITIZEN", "CTX", "QUERY", "READS", "WRITES", "call"]

CTX = RequestContext(logical_address=str(UNIT), correlation_id="test")
CITIZEN = PersonalIdentity.parse("191212121212")
QUERY = CatalogueQuery(care_unit=UNIT)
_SLOTS = SlotQuery(care_unit=UNIT, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 3, 6))
_SLOT = Timeslot(UNIT, START, START + dt.timedelta(minutes=15))

_ARGS: dict[str, tuple[Any, ...]] = {
    "get_time_types": (QUERY,),
    "get_care_types": (QUERY,),
    "get_performers": (QUERY,),
    "get_care_units": (QUERY,),
    "get_available_dates": (_SLOTS,),
    "get_available_timeslots": (_SLOTS,),
    "get_schedule": (UNIT, CITIZEN),
    "get_booking": (UNIT, "B1"),
    "make_booking": (BookingRequest(care_unit_med=UNIT, slot=_SLOT, citizen=CITIZEN),),
    "update_booking": (RebookRequest(booking_id="B1", slot=_SLOT, citizen=CITIZEN),),
    "cancel_booking": (CancelRequest(care_unit=UNIT, booking_id="B1"),),
    "confirm_booking": (UNIT, "B1", CITIZEN),
}

READS = [name for name in _ARGS if name.startswith("get_")]
WRITES = ["make_booking", "update_booking", "cancel_booking"]


def call(adapter: object, operation: str) -> Coroutine[Any, Any, Any]:
    method: Callable[..., Coroutine[Any, Any, Any]] = getattr(adapter, operation)
    return method(CTX, *_ARGS[operation])
