"""Group, series and combined bookings end to end, against a crm:scheduling 1.1 region and a
scheduling 2 region: book, see the parts linked (GetBookingSet, and GetAppointment 2.0's
relatedAppointmentId), see them in the schedule, move one part, cancel one part where the rules
allow it, cancel the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.protection import CitizenProtector
from tests.gateway.booking_sets.support import SetConsumer, database_rows, set_gateway
from tests.gateway.chain import Chain, Region, next_weekday, region_on_loopback
from tests.support.simulated import KINDS

pytestmark = pytest.mark.e2e

TS = "%Y%m%d%H%M%S"
SUCCESS = {"OK", "INFO"}


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, TS)


@pytest.fixture(params=KINDS, scope="module")
def region(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    with region_on_loopback(tmp_path_factory.mktemp("region"), kind=request.param) as found:
        yield found


@pytest.fixture(scope="module")
def chain(region: Region, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    tmp = tmp_path_factory.mktemp("gateway")
    with set_gateway(tmp, region, f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}") as found:
        yield found


@pytest.fixture(scope="module")
def citizens(region: Region) -> Iterator[str]:
    return iter(region.free_citizens())


def weekly_sessions(sessions: list[Any], count: int) -> list[Any]:
    """Up to `count` group sessions, each six to eight days after the one before."""
    chosen: list[Any] = []
    for session in sessions:
        start = at(session.timeslot.startTime)
        if not chosen or dt.timedelta(days=6) <= start - at(chosen[-1].timeslot.startTime) <= dt.timedelta(days=8):
            chosen.append(session)
        if len(chosen) == count:
            break
    return chosen


def _linked(booking_set: Any) -> dict[int, tuple[str, set[str]]]:
    """part number → (appointmentId, relatedAppointmentId) for the booked parts."""
    return {
        p.partNumber: (p.appointmentId, set(p.appointment.relatedAppointmentId))
        for p in booking_set.part
        if p.status == "booked"
    }


def _assert_linked(booking_set: Any, expected: list[str]) -> None:
    linked = _linked(booking_set)
    assert [linked[n][0] for n in sorted(linked)] == expected
    for own, related in linked.values():
        assert related == set(expected) - {own}


def test_group_places_in_three_sessions(chain: Chain, region: Region, citizens: Iterator[str]) -> None:
    consumer, citizen = SetConsumer(chain), next(citizens)
    unit = region.unit_offering("GRPFOR")
    first = next_weekday(3)
    found = consumer.group_timeslots(unit, citizen, first, first + dt.timedelta(days=42), "GRPFOR")
    assert all(s.capacity == 8 and s.timeslot.timeType.patientGroup for s in found)
    sessions = weekly_sessions(found, 4)
    assert len(sessions) == 4, "the region should hold a weekly group session four weeks running"
    chosen = [s.timeslot.timeslotId for s in sessions[:3]]

    booked = consumer.make("MakeGroupBooking", unit, citizen, timeslotId=chosen)
    assert booked.resultCode in SUCCESS, booked.resultText
    assert len(booked.appointmentId) == 3 and booked.failedPartNumber is None
    assert set(booked.appointmentId) <= set(consumer.two.schedule(unit, citizen))

    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    assert (shown.kind, shown.status, shown.cancelPartAllowed) == ("group", "booked", True)
    _assert_linked(shown, list(booked.appointmentId))
    two = consumer.two._call(
        "GetAppointment",
        unit,
        actor=consumer.two.actor(citizen),
        appointmentId=booked.appointmentId[0],
        personId=consumer.two.person(citizen),
    )
    assert set(two.appointment.relatedAppointmentId) >= set(booked.appointmentId[1:])

    # the second place moves to the fourth session: sessions 1, 3, 4 still make a group series
    moved = consumer.rebook_part(
        unit, citizen, booked.bookingSetId, booked.appointmentId[1], sessions[3].timeslot.timeslotId
    )
    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    if region.kind == "rivta2":  # this region keeps a group's times fixed itself, whatever our rules say
        assert moved.resultCode == "UPDATE_APPOINTMENT_IS_NOT_ALLOWED", moved.resultText
        assert shown.part[1].startTime == sessions[1].timeslot.startTime
        current = list(booked.appointmentId)
    else:
        assert moved.resultCode in SUCCESS, moved.resultText
        assert shown.part[1].startTime == sessions[3].timeslot.startTime
        current = [booked.appointmentId[0], moved.appointmentId, booked.appointmentId[2]]
    _assert_linked(shown, current)

    alone = consumer.cancel(unit, citizen, booked.bookingSetId, current[0])
    assert alone.resultCode in SUCCESS, alone.resultText
    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    assert shown.status == "partlyCancelled"
    assert [p.status for p in shown.part] == ["cancelled", "booked", "booked"]

    rest = consumer.cancel(unit, citizen, booked.bookingSetId)
    assert rest.resultCode in SUCCESS, rest.resultText
    assert consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet.status == "cancelled"
    assert not set(current) & set(consumer.two.schedule(unit, citizen))


def spaced(slots: list[Any], count: int) -> list[Any]:
    """Up to `count` free times, each the one nearest seven days after the one before (six to
    eight days), starting from the first that has such a follower."""
    for first in slots:
        chosen = [first]
        while len(chosen) < count:
            base = at(chosen[-1].startTime)
            candidates = [s for s in slots if dt.timedelta(days=6) <= at(s.startTime) - base <= dt.timedelta(days=8)]
            if not candidates:
                break
            chosen.append(min(candidates, key=lambda s: abs(at(s.startTime) - base - dt.timedelta(days=7))))
        if len(chosen) == count:
            return chosen
    return []


def weekly_chain(slots: list[Any], weeks: int) -> list[Any] | None:
    """The first free slot that has a free slot at the same time in each of the next weeks."""
    by_start = {s.startTime: s for s in slots}
    for slot in slots:
        start = at(slot.startTime)
        found = [by_start.get((start + dt.timedelta(days=7 * n)).strftime(TS)) for n in range(weeks)]
        if all(found):
            return found
    return None


def test_a_weekly_series_by_recurrence(chain: Chain, region: Region, citizens: Iterator[str]) -> None:
    consumer, citizen = SetConsumer(chain), next(citizens)
    unit = region.unit_offering("FYSIO")
    first = next_weekday(3)
    free = consumer.free(unit, citizen, "FYSIO", first, first + dt.timedelta(days=30))
    weekly = weekly_chain(free, 3)
    if weekly is not None:  # the same time three weeks running: a series by rule
        series: dict[str, Any] = {
            "recurrence": {"firstTimeslotId": weekly[0].timeslotId, "intervalDays": 7, "occurrences": 3}
        }
    else:  # else three times about a week apart, listed
        weekly = spaced(free, 3)
        assert len(weekly) == 3, "the region should have a FYSIO time about weekly for three weeks"
        series = {"timeslotId": [s.timeslotId for s in weekly]}
    assert region.kind not in {"rivta", "rivta2"} or "recurrence" in series

    booked = consumer.make("MakeSeriesBooking", unit, citizen, **series, reasonText="Rehabilitering efter knäoperation")
    assert booked.resultCode in SUCCESS, booked.resultText
    assert len(booked.appointmentId) == 3
    assert set(booked.appointmentId) <= set(consumer.two.schedule(unit, citizen))
    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    assert [p.startTime for p in shown.part] == [s.startTime for s in weekly]
    _assert_linked(shown, list(booked.appointmentId))

    # occurrence 2 moves to another free time the same day that keeps the series' spacing
    def fits(slot: Any) -> bool:
        spacing = dt.timedelta(days=6), dt.timedelta(days=8)
        before = at(slot.startTime) - at(weekly[0].startTime)
        after_ = at(weekly[2].startTime) - at(slot.startTime)
        return spacing[0] <= before <= spacing[1] and spacing[0] <= after_ <= spacing[1]

    day = weekly[1].startTime[:8]
    other = next(s for s in free if s.startTime[:8] == day and s.startTime != weekly[1].startTime and fits(s))
    moved = consumer.rebook_part(unit, citizen, booked.bookingSetId, booked.appointmentId[1], other.timeslotId)
    assert moved.resultCode in SUCCESS, moved.resultText
    assert consumer.two.details(unit, citizen, moved.appointmentId)["start"] == other.startTime  # type: ignore[index]

    # a move that breaks the series' spacing is refused and changes nothing
    too_close = next(
        s for s in free if at(weekly[0].startTime) < at(s.startTime) < at(weekly[0].startTime) + dt.timedelta(days=3)
    )
    refused = consumer.rebook_part(unit, citizen, booked.bookingSetId, booked.appointmentId[2], too_close.timeslotId)
    assert refused.resultCode == "UPDATE_APPOINTMENT_IS_NOT_ALLOWED"
    assert "för nära" in refused.resultText

    alone = consumer.cancel(unit, citizen, booked.bookingSetId, booked.appointmentId[2])
    assert alone.resultCode in SUCCESS, alone.resultText
    rest = consumer.cancel(unit, citizen, booked.bookingSetId)
    assert rest.resultCode in SUCCESS, rest.resultText
    assert "2 tider" in rest.resultText
    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    assert shown.status == "cancelled" and {p.status for p in shown.part} == {"cancelled"}
    assert not consumer.two.schedule(unit, citizen)


def combined_morning(
    consumer: SetConsumer, unit: str, citizen: str, first: dt.date
) -> tuple[Any, Any, Any, list[Any]] | None:
    """A PROV, then an SSK15, then a LAK30 the same day, each starting after the one before ends
    and within two hours of it; with the day's other SSK15 times."""
    window = (first, first + dt.timedelta(days=14))
    prov = consumer.free(unit, citizen, "PROV", *window)
    nurse = consumer.free(unit, citizen, "SSK15", *window)
    doctor = consumer.free(unit, citizen, "LAK30", *window)
    gap = dt.timedelta(hours=2)

    def after(slot: Any, options: list[Any]) -> list[Any]:
        end = at(slot.endTime)
        return [s for s in options if end <= at(s.startTime) <= end + gap and s.startTime[:8] == slot.startTime[:8]]

    for p in prov:
        for s in after(p, nurse):
            doctors = after(s, doctor)
            if doctors:
                others = [n for n in after(p, nurse) if n is not s and doctors[0] in after(n, doctor)]
                return p, s, doctors[0], others
    return None


def test_a_combined_visit_blood_test_nurse_doctor(chain: Chain, region: Region, citizens: Iterator[str]) -> None:
    consumer, citizen = SetConsumer(chain), next(citizens)
    unit = region.unit_offering("PROV")
    found = combined_morning(consumer, unit, citizen, next_weekday(3))
    assert found is not None, "the region should have a blood test, a nurse and a doctor on one morning"
    prov, nurse, doctor, other_nurses = found

    booked = consumer.make(
        "MakeCombinedBooking",
        unit,
        citizen,
        timeslotId=[prov.timeslotId, nurse.timeslotId, doctor.timeslotId],
        reasonText="Årskontroll diabetes",
    )
    assert booked.resultCode in SUCCESS, booked.resultText
    shown = consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet
    assert (shown.kind, shown.cancelPartAllowed) == ("combined", False)
    assert [p.appointment.timeslot.timeType.code for p in shown.part] == ["PROV", "SSK15", "LAK30"]
    _assert_linked(shown, list(booked.appointmentId))
    assert set(booked.appointmentId) <= set(consumer.two.schedule(unit, citizen))

    if other_nurses:
        moved = consumer.rebook_part(
            unit, citizen, booked.bookingSetId, booked.appointmentId[1], other_nurses[0].timeslotId
        )
        assert moved.resultCode in SUCCESS, moved.resultText

    alone = consumer.cancel(unit, citizen, booked.bookingSetId, booked.appointmentId[0])
    assert alone.resultCode == "CANCEL_IS_NOT_ALLOWED"
    assert consumer.booking_set(unit, citizen, booked.bookingSetId).bookingSet.status == "booked"

    whole = consumer.cancel(unit, citizen, booked.bookingSetId)
    assert whole.resultCode in SUCCESS, whole.resultText
    assert not consumer.two.schedule(unit, citizen)


def test_a_set_the_rules_refuse_never_reaches_the_region(chain: Chain, region: Region, citizens: Iterator[str]) -> None:
    consumer, citizen = SetConsumer(chain), next(citizens)
    unit = region.unit_offering("PROV")
    first = next_weekday(3)
    doctor = consumer.free(unit, citizen, "LAK30", first, first + dt.timedelta(days=7))
    prov = consumer.free(unit, citizen, "PROV", first, first + dt.timedelta(days=7))
    # the doctor first: LAK30 opens no combined visit
    refused = consumer.make(
        "MakeCombinedBooking", unit, citizen, timeslotId=[doctor[0].timeslotId, prov[-1].timeslotId], reasonText="x"
    )
    assert refused.resultCode == "APPOINTMENT_IS_NOT_ALLOWED"
    assert refused.bookingSetId is None
    # two doctor's times: the second is refused by the limit of one LAK30 per unit, before booking
    refused = consumer.make(
        "MakeSeriesBooking", unit, citizen, timeslotId=[doctor[0].timeslotId, doctor[-1].timeslotId], reasonText="x"
    )
    assert refused.resultCode == "APPOINTMENT_IS_NOT_ALLOWED" and "serie" in refused.resultText
    assert not consumer.two.schedule(unit, citizen)
    sets, _parts, _ledger = database_rows(chain.settings)
    reference = CitizenProtector(chain.settings.audit_key).reference(citizen)
    assert not [s for s in sets if s.citizen_ref == reference]


def test_someone_else_cannot_see_or_change_the_set(chain: Chain, region: Region, citizens: Iterator[str]) -> None:
    consumer, owner, other = SetConsumer(chain), next(citizens), next(citizens)
    unit = region.unit_offering("GRPFOR")
    first = next_weekday(3)
    sessions = consumer.group_timeslots(unit, owner, first, first + dt.timedelta(days=21), "GRPFOR")
    booked = consumer.make("MakeGroupBooking", unit, owner, timeslotId=[sessions[-1].timeslot.timeslotId])
    assert booked.resultCode in SUCCESS, booked.resultText
    assert consumer.booking_set(unit, other, booked.bookingSetId).bookingSet is None
    assert consumer.cancel(unit, other, booked.bookingSetId).resultCode == "APPOINTMENT_DOES_NOT_EXIST"
    assert consumer.cancel(unit, owner, booked.bookingSetId).resultCode in SUCCESS


def test_malformed_set_requests_are_faults_with_stable_codes(chain: Chain, region: Region) -> None:
    unit, citizen = region.unit_offering("FYSIO"), region.free_citizens()[0]
    person = f"<c:root>1.2.752.129.2.1.3.1</c:root><c:extension>{citizen}</c:extension>"
    body = (
        '<r:MakeSeriesBooking xmlns:r="urn:riv:tidbok:scheduling:MakeSeriesBookingResponder:1"'
        ' xmlns:c="urn:riv:supportprocess:logistics:scheduling:2">'
        f"<r:actor><c:actorId>{person}</c:actorId><c:actorType><c:code>116154003</c:code>"
        "<c:codeSystem>1.2.752.116.2.1.1</c:codeSystem></c:actorType></r:actor>"
        f"<r:personId>{person}</r:personId><r:timeslotId>3f2504e0-4f89-11d3-9a0c-0305e82c3301</r:timeslotId>"
        "</r:MakeSeriesBooking>"
    )

    def envelope(header: str) -> bytes:
        return (
            f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>{header}</s:Header>'
            f"<s:Body>{body}</s:Body></s:Envelope>"
        ).encode()

    address = f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{unit}</l:LogicalAddress>'
    one_part = chain.post("MakeSeriesBooking", envelope(address))
    assert one_part.status_code == 500 and b"TB006" in one_part.content  # a series has two parts or more
    assert citizen.encode() not in one_part.content
    body = body.replace(
        "</r:MakeSeriesBooking>",
        "<r:timeslotId>7c9e6679-7425-40de-944b-e07fc1f90ae7</r:timeslotId></r:MakeSeriesBooking>",
    )
    no_address = chain.post("MakeSeriesBooking", envelope(""))
    assert no_address.status_code == 500 and b"TB007" in no_address.content
