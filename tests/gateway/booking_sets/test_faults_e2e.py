"""All or nothing: the region fails the k-th part of a set, for every k, and no part stays booked;
the ledger says what was booked and cancelled again, and the citizen gets one answer naming the
part. A part whose answer never comes (a timeout) is looked up in the region and cancelled too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.protection import CitizenProtector
from tests.gateway.booking_sets.support import SetConsumer, database_rows, set_gateway
from tests.gateway.booking_sets.test_journeys_e2e import combined_morning, spaced, weekly_chain, weekly_sessions
from tests.gateway.chain import Chain, Region, next_weekday, region_on_loopback
from tests.support.simulated import KINDS

pytestmark = pytest.mark.e2e

WRITE_PATH = {
    "rivta": "POST /vp/MakeBooking/1/rivtabp21",
    "rivta2": "POST /vp/MakeAppointment/2/rivtabp21",
    "fhir": "POST /Appointment",
    "kalendra": "POST /v2/reservations",
}


@pytest.fixture(params=KINDS, scope="module")
def region(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    with region_on_loopback(tmp_path_factory.mktemp("region"), kind=request.param) as found:
        yield found


@pytest.fixture(scope="module")
def chain(region: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    tmp = tmp_path_factory.mktemp("gateway")
    with set_gateway(tmp, region, f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}") as found:
        yield found


def _ledger_of(chain: Chain, citizen: str, since: int) -> list[tuple[str, str]]:
    reference = CitizenProtector(chain.settings.audit_key).reference(citizen)
    _sets, _parts, ledger = database_rows(chain.settings)
    return [(row.operation, row.status) for row in ledger[since:] if row.citizen_ref == reference]


def _fail_each_part(chain: Chain, region: Region, name: str, unit: str, citizen: str, body: dict[str, Any]) -> None:
    consumer = SetConsumer(chain)
    parts = len(body.get("timeslotId", ())) or body["recurrence"]["occurrences"]
    for k in range(1, parts + 1):
        since = len(database_rows(chain.settings)[2])
        region.set_faults(nth_call=k, nth_call_match=WRITE_PATH[region.kind], nth_call_fault="error")
        try:
            answer = consumer.make(name, unit, citizen, **body)
        finally:
            region.clear_faults()
        assert answer.resultCode not in {"OK", "INFO"}, f"part {k}: {answer}"
        assert answer.failedPartNumber == k and answer.bookingSetId is None
        assert f"Tillfälle {k}" in answer.resultText and "Ingen av tiderna är bokad" in answer.resultText
        assert not consumer.two.schedule(unit, citizen), f"part {k} failed but something stayed booked"
        ledger = _ledger_of(chain, citizen, since)
        assert ledger.count(("book", "done")) == k - 1
        assert ledger.count(("book", "failed")) == 1
        assert ledger.count(("compensate", "done")) == k - 1
        assert not [row for row in ledger if row[1] in {"pending", "uncertain"}]
        sets, parts_rows, _ledger = database_rows(chain.settings)
        latest = max(sets, key=lambda s: s.created_at)
        assert (latest.state, latest.failed_part, latest.citizen_value) == ("rolled_back", k, None)
        states = [p.state for p in parts_rows if p.set_id == latest.id]
        assert states == ["rolled_back"] * (k - 1) + ["not_booked"] * (parts - k + 1)
    # with the region well again, the same set books
    booked = consumer.make(name, unit, citizen, **body)
    assert booked.resultCode in {"OK", "INFO"}, booked.resultText
    assert consumer.cancel(unit, citizen, booked.bookingSetId).resultCode in {"OK", "INFO"}


def test_a_series_whose_kth_part_fails_leaves_nothing_booked(chain: Chain, region: Region) -> None:
    consumer, citizen = SetConsumer(chain), region.free_citizens()[0]
    unit = region.unit_offering("FYSIO")
    first = next_weekday(3)
    free = consumer.free(unit, citizen, "FYSIO", first, first + dt.timedelta(days=30))
    weekly = weekly_chain(free, 3) or spaced(free, 3)
    assert len(weekly) == 3
    _fail_each_part(chain, region, "MakeSeriesBooking", unit, citizen, {"timeslotId": [s.timeslotId for s in weekly]})


def test_a_combined_visit_whose_kth_part_fails_leaves_nothing_booked(chain: Chain, region: Region) -> None:
    consumer, citizen = SetConsumer(chain), region.free_citizens()[1]
    unit = region.unit_offering("PROV")
    found = combined_morning(consumer, unit, citizen, next_weekday(3))
    assert found is not None
    prov, nurse, doctor, _others = found
    body = {"timeslotId": [prov.timeslotId, nurse.timeslotId, doctor.timeslotId], "reasonText": "Årskontroll"}
    _fail_each_part(chain, region, "MakeCombinedBooking", unit, citizen, body)


def test_group_places_whose_kth_place_fails_leave_nothing_booked(chain: Chain, region: Region) -> None:
    consumer, citizen = SetConsumer(chain), region.free_citizens()[2]
    unit = region.unit_offering("GRPFOR")
    first = next_weekday(3)
    found = consumer.group_timeslots(unit, citizen, first, first + dt.timedelta(days=28), "GRPFOR")
    sessions = weekly_sessions(found, 3)
    assert len(sessions) == 3
    body = {"timeslotId": [s.timeslot.timeslotId for s in sessions]}
    _fail_each_part(chain, region, "MakeGroupBooking", unit, citizen, body)


def test_a_part_that_timed_out_is_found_in_the_region_and_cancelled(chain: Chain, region: Region) -> None:
    """The region books part 2 but answers after the adapter's deadline (5 s in the routing table):
    the gateway cannot know, so it asks the region, finds the booking and cancels it with the rest."""
    consumer, citizen = SetConsumer(chain), region.free_citizens()[3]
    unit = region.unit_offering("FYSIO")
    first = next_weekday(3)
    free = consumer.free(unit, citizen, "FYSIO", first, first + dt.timedelta(days=30))
    weekly = weekly_chain(free, 3) or spaced(free, 3)
    assert len(weekly) == 3
    since = len(database_rows(chain.settings)[2])
    region.set_faults(
        nth_call=2, nth_call_match=WRITE_PATH[region.kind], nth_call_fault="delay_after", nth_call_delay_ms=6500
    )
    try:
        answer = consumer.make("MakeSeriesBooking", unit, citizen, timeslotId=[s.timeslotId for s in weekly])
    finally:
        region.clear_faults()
    assert answer.resultCode not in {"OK", "INFO"} and answer.failedPartNumber == 2
    assert not consumer.two.schedule(unit, citizen)
    # part 2's row, left uncertain by the timeout, is closed with what the region says: booked
    ledger = _ledger_of(chain, citizen, since)
    assert ledger == [("book", "done"), ("book", "done"), ("compensate", "done"), ("compensate", "done")]
    sets, parts, _ledger = database_rows(chain.settings)
    latest = max(sets, key=lambda s: s.created_at)
    assert [p.state for p in parts if p.set_id == latest.id] == ["rolled_back", "rolled_back", "not_booked"]
