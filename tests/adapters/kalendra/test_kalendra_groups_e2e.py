"""End to end: the Kalendra adapter offers group sessions natively (`GroupBookingAdapter`) with the
places Kalendra says are left, and booking a session's slot takes one place."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.domain import SWEDISH_TIME, BookingRequest, CitizenDetails, SlotQuery
from adapters.identifiers import HsaId
from adapters.interface import AdapterSettings, GroupBookingAdapter, RegionAdapter
from adapters.kalendra import create_adapter
from simulators.kalendra import create_app
from tests.adapters.kalendra.support import CTX, KEY, VARDCENTRAL, citizen, config
from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.e2e

CHILD_HEALTH = HsaId("SE2321000016-E0102")


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    with serve_in_thread(create_app(config(database=tmp_path / "kalendra.sqlite3"))) as found:
        yield found


@pytest.fixture
async def adapter(url: str) -> AsyncIterator[RegionAdapter]:
    settings = AdapterSettings(
        name="kalendra-groups", base_url=url, timeout=dt.timedelta(seconds=5), options={"api_key": KEY}
    )
    built = create_adapter(settings)
    yield built
    await built.aclose()


async def test_group_sessions_with_places_left_and_a_booking_takes_one(adapter: RegionAdapter) -> None:
    assert isinstance(adapter, GroupBookingAdapter)
    today = dt.datetime.now(SWEDISH_TIME).date()
    query = SlotQuery(CHILD_HEALTH, today, today + dt.timedelta(days=42))
    sessions = await adapter.get_group_timeslots(CTX, query)
    assert len(sessions) >= 5
    assert all(s.capacity == 8 and s.places_left == 8 and s.slot.time_type_id == "GRPFOR" for s in sessions)
    single_visits = SlotQuery(HsaId(VARDCENTRAL), today, today + dt.timedelta(days=14))
    assert await adapter.get_available_timeslots(CTX, single_visits)
    assert await adapter.get_group_timeslots(CTX, single_visits) == []  # ordinary openings are no sessions

    session = sessions[1]
    for number in range(2):
        outcome = await adapter.make_booking(
            CTX,
            BookingRequest(
                CHILD_HEALTH,
                session.slot,
                citizen("19850101", 980 + number),
                CitizenDetails("Tolvan", "Tolvansson"),
            ),
        )
        assert outcome.succeeded, outcome.text
    again = {s.slot.slot_id: s for s in await adapter.get_group_timeslots(CTX, query)}
    assert again[session.slot.slot_id].places_left == 6
    assert all(s.places_left == 8 for key, s in again.items() if key != session.slot.slot_id)
