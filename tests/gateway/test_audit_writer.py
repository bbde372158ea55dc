"""Group commit of audit rows: a call returns only once its row is stored; concurrent calls share
transactions; a batch that cannot be stored fails every call in it and stores none of it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from adapters.domain import Actor, ActorRole, RequestContext
from adapters.identifiers import PersonalIdentity
from gateway.audit import AuditEvent, AuditLog
from gateway.audit_writer import AuditNotStored, AuditWriter
from gateway.db.database import Database
from gateway.db.models import AuditRow
from gateway.protection import CitizenProtector

CITIZEN = PersonalIdentity("191212121212")
UNIT = "SE2321000016-15CQ"


def _event(number: int) -> AuditEvent:
    context = RequestContext(logical_address=UNIT, actor=Actor(CITIZEN.value, ActorRole.CITIZEN), consumer_id="1177")
    return AuditEvent("crm:scheduling:1/GetAvailableTimeslots", context, "OK", UNIT, CITIZEN, f"b{number}")


@pytest_asyncio.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def _rows(database: Database) -> list[AuditRow]:
    async with database.sessions() as session:
        return list((await session.scalars(select(AuditRow).order_by(AuditRow.id))).all())


@pytest.mark.asyncio
async def test_concurrent_calls_share_transactions_and_each_returns_once_its_row_is_stored(database: Database) -> None:
    await database.migrate()
    writer = AuditWriter(database, AuditLog(CitizenProtector("k")))
    before = dt.datetime.now(dt.UTC)

    async def call(number: int) -> int:
        await writer.write(_event(number))
        async with database.sessions() as session:  # stored by the time the call goes on
            found = await session.scalar(select(func.count()).where(AuditRow.booking_id == f"b{number}"))
        return int(found or 0)

    assert await asyncio.gather(*(call(n) for n in range(40))) == [1] * 40
    rows = await _rows(database)
    assert sorted(r.booking_id or "" for r in rows) == sorted(f"b{n}" for n in range(40))
    assert writer.rows == 40 and 1 <= writer.batches < 40, writer.batches
    assert all(r.at >= before - dt.timedelta(seconds=1) for r in rows)
    assert {r.citizen_ref for r in rows} != {CITIZEN.value}  # keyed hashes, never the number


@pytest.mark.asyncio
async def test_one_call_at_a_time_is_a_batch_of_one(database: Database) -> None:
    await database.migrate()
    writer = AuditWriter(database, AuditLog(CitizenProtector("k")))
    for number in range(3):
        await writer.write(_event(number))
    assert (writer.batches, writer.rows) == (3, 3)
    assert [r.booking_id for r in await _rows(database)] == ["b0", "b1", "b2"]


@pytest.mark.asyncio
async def test_a_batch_that_cannot_be_stored_fails_every_call_in_it_and_the_next_is_tried_afresh(
    database: Database,
) -> None:
    writer = AuditWriter(database, AuditLog(CitizenProtector("k")))  # no tables yet: every insert fails
    outcomes = await asyncio.gather(*(writer.write(_event(n)) for n in range(5)), return_exceptions=True)
    assert all(isinstance(outcome, AuditNotStored) for outcome in outcomes), outcomes
    assert writer.rows == 0

    await database.migrate()
    await writer.write(_event(99))
    assert [r.booking_id for r in await _rows(database)] == ["b99"]


@pytest.mark.asyncio
async def test_a_caller_that_goes_away_does_not_take_its_row_or_the_others_with_it(database: Database) -> None:
    await database.migrate()
    writer = AuditWriter(database, AuditLog(CitizenProtector("k")))
    leaving = asyncio.create_task(writer.write(_event(1)))
    staying = asyncio.create_task(writer.write(_event(2)))
    await asyncio.sleep(0)  # both rows handed over
    leaving.cancel()
    await staying
    with pytest.raises(asyncio.CancelledError):
        await leaving
    for _ in range(500):  # the batch is committed whether or not its first caller still waits
        if writer.rows == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(r.booking_id or "" for r in await _rows(database)) == ["b1", "b2"]
