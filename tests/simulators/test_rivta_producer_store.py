"""The producer's SQLite state: the seed plan, and slots held at most once even under real concurrency
(several connections to one database file, in threads)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from simulators.common.regions import region_by_code
from simulators.rivta_producer.messages import CitizenInfo
from simulators.rivta_producer.seeding import SeedPlan, SeedRole, plan_region
from simulators.rivta_producer.store import SeedMismatch, SlotRecord, Store

FIRST_DAY = dt.date(2026, 12, 1)
NOW = "20261201090000"
REGION = region_by_code("01")
T = TypeVar("T")


def plan(seed: int = 1, weeks: int = 2) -> SeedPlan:
    return plan_region(REGION, seed, FIRST_DAY, unit_count=3, weeks=weeks)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "producer.sqlite3")
    store = Store(path, "BK01")
    store.ensure_seeded("01", 1, plan, NOW)
    store.close()
    yield path


def in_threads(count: int, work: Callable[[Store, int], T], database: str) -> list[T]:
    """Run `work` in `count` threads at once, each with its own connection to `database`."""
    stores = [Store(database, "BK01") for _ in range(count)]
    barrier = threading.Barrier(count)
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(stores[index], index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for store in stores:
        store.close()
    assert not errors, errors
    return [result for result in results if result is not None]


def free_slot(store: Store, time_type_id: str = "LAK30", index: int = 0) -> SlotRecord:
    return store.free_slots(
        units=["SE2321000016-E0101"],
        first_start="20261207000000",
        last_start="20261211235959",
        time_type_ids={time_type_id},
    )[index]


ANNA = CitizenInfo(first_name="Anna", last_name="Berg")


def test_plan_is_reproducible_and_realistic() -> None:
    assert plan(1) == plan(1)
    assert plan(1) != plan(2)
    seeded = plan(1)
    days = {dt.datetime.strptime(s.start, "%Y%m%d%H%M%S") for s in seeded.slots}
    assert all(day.weekday() < 5 for day in days)
    assert all(s.start[8:] >= "080000" and s.end[8:] <= "160000" for s in seeded.slots)
    assert min(s.start for s in seeded.slots)[:8] == "20261201"
    assert max(s.start for s in seeded.slots)[:8] <= "20261214"
    roles = {b.role for b in seeded.bookings}
    assert roles == {SeedRole.BOOKING, SeedRole.TIMED_INVITATION, SeedRole.OPEN_INVITATION}
    held = [b.slot_index for b in seeded.bookings if b.slot_index is not None]
    assert len(held) == len(set(held))
    assert all(b.slot_index is None for b in seeded.bookings if b.role == SeedRole.OPEN_INVITATION)


def test_the_database_refuses_a_second_active_booking_on_one_slot(database: str) -> None:
    connection = sqlite3.connect(database)
    slot_id, subject = connection.execute(
        "SELECT slot_id, subject_of_care FROM booking WHERE slot_id IS NOT NULL"
    ).fetchone()
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute(
            "INSERT INTO booking (booking_id, subject_of_care, unit_hsa, time_type_id, slot_id, status, created_at,"
            " updated_at) SELECT 'X', ?, unit_hsa, time_type_id, id, 'active', '', '' FROM slot WHERE id = ?",
            (subject, slot_id),
        )
    connection.close()


def test_concurrent_bookings_across_connections_have_one_winner(database: str) -> None:
    with_one = Store(database, "BK01")
    slot = free_slot(with_one)
    with_one.close()

    def book(store: Store, index: int) -> str | None:
        return (
            store.book(
                [slot], subject_of_care=f"1990010199{index:02d}", citizen=ANNA, reason=None, notification=None, now=NOW
            )
            or ""
        )

    outcomes = in_threads(8, book, database)
    assert len([o for o in outcomes if o]) == 1
    assert len(outcomes) == 8


def test_concurrent_moves_to_one_slot_have_one_winner_and_keep_the_others(database: str) -> None:
    store = Store(database, "BK01")
    targets = free_slot(store, "SSK15", 0)
    originals = [free_slot(store, "SSK15", index) for index in range(1, 7)]
    booking_ids = [
        store.book(
            [slot], subject_of_care=f"19900101{index:04d}", citizen=ANNA, reason=None, notification=None, now=NOW
        )
        for index, slot in enumerate(originals)
    ]
    store.close()

    def move(other: Store, index: int) -> str:
        booking_id = booking_ids[index]
        assert booking_id is not None
        return repr(other.move(booking_id, [targets], citizen=None, notification=None, now=NOW))

    outcomes = in_threads(len(booking_ids), move, database)
    assert sorted(outcomes) == ["None"] * (len(booking_ids) - 1) + ["True"]
    store = Store(database, "BK01")
    records = [store.booking(b) for b in booking_ids if b is not None]
    held = {record.slot_id for record in records if record is not None}
    assert targets.slot_id in held and len(held) == len(booking_ids)  # the losers keep their own slot
    store.close()


def test_an_open_invitation_is_booked_once_under_concurrency(database: str) -> None:
    store = Store(database, "BK01")
    [open_invitation] = [
        b for b in store.seeded_bookings() if b.seed_role == SeedRole.OPEN_INVITATION and b.time_type_id == "VACCIN"
    ]
    candidates = [free_slot(store, "VACCIN", index) for index in range(6)]
    store.close()

    def book(other: Store, index: int) -> str:
        outcome = other.book_open_invitation(
            open_invitation.booking_id, [candidates[index]], citizen=ANNA, reason=None, notification=None, now=NOW
        )
        return repr(outcome)

    assert sorted(in_threads(6, book, database)) == ["False"] * 5 + ["True"]


def test_a_cancelled_booking_releases_its_slot_at_once(database: str) -> None:
    store = Store(database, "BK01")
    slot = free_slot(store)
    booking_id = store.book(
        [slot], subject_of_care="199001019999", citizen=ANNA, reason=None, notification=None, now=NOW
    )
    assert booking_id is not None and not store.slot_is_free(slot.slot_id)
    assert store.cancel(booking_id, message="Förhindrad", now=NOW)
    assert store.slot_is_free(slot.slot_id)
    assert not store.cancel(booking_id, message=None, now=NOW)
    assert store.book([slot], subject_of_care="199001018888", citizen=ANNA, reason=None, notification=None, now=NOW)
    store.close()


def test_a_database_file_keeps_its_state_and_refuses_another_seed(database: str) -> None:
    store = Store(database, "BK01")
    before = store.seeded_bookings()
    assert store.ensure_seeded("01", 1, lambda: pytest.fail("must not plan again"), NOW) is False
    assert store.seeded_bookings() == before
    with pytest.raises(SeedMismatch):
        store.ensure_seeded("01", 2, plan, NOW)
    with pytest.raises(SeedMismatch):
        store.ensure_seeded("12", 1, plan, NOW)
    store.close()
