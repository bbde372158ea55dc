"""What a schedule read costs the database: the engagement index is written only for bookings it
lacks (or holds at another time), and the rebooking counts come in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import event, select

from adapters.domain import Booking, Timeslot
from adapters.identifiers import HsaId, PersonalIdentity
from gateway.db.database import Database
from gateway.db.models import EngagementRow, LedgerRow
from gateway.engagement import EngagementIndex
from gateway.ledger import Ledger, LedgerStatus
from gateway.protection import CitizenProtector

CITIZEN = PersonalIdentity("191212121212")
OTHER = PersonalIdentity("198503199922")
UNIT = HsaId("SE2321000016-15CQ")
NINE = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _booking(booking_id: str, start: dt.datetime | None, citizen: PersonalIdentity = CITIZEN) -> Booking:
    end = start + dt.timedelta(minutes=20) if start else None
    return Booking(booking_id, citizen, Timeslot(care_unit=UNIT, start=start, end=end))


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.migrate()
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def index(database: Database) -> EngagementIndex:
    return EngagementIndex(database, CitizenProtector("test-key"), "TIDBOK")


async def _unrecorded(database: Database, index: EngagementIndex, bookings: list[Booking]) -> set[str]:
    async with database.sessions() as session:
        return {b.booking_id for b in await index.unrecorded(session, CITIZEN, bookings)}


async def _see(database: Database, index: EngagementIndex, bookings: list[Booking]) -> None:
    async with database.sessions.begin() as session:
        await index.seen(session, bookings)


@pytest.mark.asyncio
async def test_the_index_is_written_only_for_bookings_it_lacks_or_holds_at_another_time(
    database: Database, index: EngagementIndex
) -> None:
    read = [
        _booking("b1", NINE),
        _booking("b2", NINE + dt.timedelta(days=1)),
        _booking("open", None),  # an open invitation has no time to index
        _booking("theirs", NINE, citizen=OTHER),  # not this citizen's: never indexed under them
    ]
    assert await _unrecorded(database, index, read) == {"b1", "b2"}

    await _see(database, index, await _unrecorded_bookings(database, index, read))
    assert await _unrecorded(database, index, read) == set()

    moved = [_booking("b1", NINE + dt.timedelta(hours=3)), read[1]]  # b1 moved in the region's own system
    assert await _unrecorded(database, index, moved) == {"b1"}
    await _see(database, index, await _unrecorded_bookings(database, index, moved))
    async with database.sessions() as session:
        starts = dict(
            (await session.execute(select(EngagementRow.business_object_id, EngagementRow.most_recent_content))).all()
        )
    assert starts == {"b1": NINE + dt.timedelta(hours=3), "b2": NINE + dt.timedelta(days=1)}


@pytest.mark.asyncio
async def test_a_read_the_index_already_knows_issues_no_write(database: Database, index: EngagementIndex) -> None:
    read = [_booking("b1", NINE), _booking("b2", NINE + dt.timedelta(days=1))]
    await _see(database, index, read)
    statements: list[str] = []

    def capture(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", capture)
    try:
        assert await _unrecorded(database, index, read) == set()
        async with database.sessions.begin() as session:
            await index.seen(session, [])
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", capture)
    assert statements == ["SELECT"], statements


async def _unrecorded_bookings(database: Database, index: EngagementIndex, bookings: list[Booking]) -> list[Booking]:
    async with database.sessions() as session:
        return await index.unrecorded(session, CITIZEN, bookings)


@pytest.mark.asyncio
async def test_rebooking_counts_come_in_one_query(database: Database) -> None:
    def row(booking_id: str, operation: str, status: str, region: str = "01") -> LedgerRow:
        return LedgerRow(
            operation=operation, status=status, region_code=region, care_unit=str(UNIT), booking_id=booking_id
        )

    async with database.sessions.begin() as session:
        session.add_all(
            [
                row("b1", "rebook", LedgerStatus.DONE),
                row("b1", "rebook", LedgerStatus.DONE),
                row("b1", "book", LedgerStatus.DONE),
                row("b2", "rebook", LedgerStatus.FAILED),  # a move that did not happen does not count
                row("b3", "rebook", LedgerStatus.DONE, region="12"),  # another region's b3
                row("b3", "rebook", LedgerStatus.DONE),
            ]
        )
    async with database.sessions() as session:
        counts = await Ledger.rebooking_counts(session, "01", ["b1", "b2", "b3", "b4", "b1"])
        each = {b: await Ledger.rebooking_count(session, "01", b) for b in ("b1", "b2", "b3", "b4")}
        none = await Ledger.rebooking_counts(session, "01", [])
    assert counts == {"b1": 2, "b3": 1}
    assert {b: counts.get(b, 0) for b in each} == each
    assert none == {}
