"""Translation between the generations, end to end: the same citizen journey in all four
combinations of consumer (crm:scheduling 1.1 | scheduling 2) and region (a 1.1 producer | a
scheduling 2 producer), the hidden time type and its referral, the specific error codes through
both kinds of region, id mappings across a restart, and ids bound to the citizen they were shown to."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.domain import SWEDISH_TIME
from contracts.timeformat import parse_timestamp
from tests.gateway.chain import Chain, Region, gateway_on_loopback, region_on_loopback
from tests.gateway.consumers import Consumer, Consumer2, Consumer11

pytestmark = pytest.mark.e2e

ISSUER = {"x-rivta-original-serviceconsumer-hsaid": "SE2321000016-TRIAGE"}


@pytest.fixture(params=["rivta", "rivta2"], ids=["region-1.1", "region-2"])
def region(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path, kind=request.param) as running:
        yield running


@pytest.fixture
def chain(region: Region, database_url: str, tmp_path: Path) -> Iterator[Chain]:
    with gateway_on_loopback(tmp_path, region, database_url) as running:
        yield running


def consumer_of(kind: str, chain: Chain) -> Consumer:
    return Consumer11(chain) if kind == "1.1" else Consumer2(chain)


@pytest.mark.parametrize("consumer_kind", ["1.1", "2"], ids=["consumer-1.1", "consumer-2"])
def test_the_same_journey_in_every_combination(chain: Chain, consumer_kind: str) -> None:
    consumer = consumer_of(consumer_kind, chain)
    region = chain.region
    unit, citizen = region.unit_offering("LAK30"), region.free_citizens()[0]

    listed = consumer.time_types(unit, citizen)
    assert "LAK30" in listed and "KBT" not in listed
    slots = consumer.free_slots(unit, citizen, "LAK30")
    assert len(slots) >= 3
    booked = consumer.book(unit, citizen, slots[0], reason="Ont i ryggen")
    assert booked.ok and booked.booking_id, booked
    assert booked.booking_id in consumer.schedule(unit, citizen)
    details = consumer.details(unit, citizen, booked.booking_id)
    assert details is not None and details["start"] == slots[0].start and details["status"] == "confirmed"

    moves = consumer.free_slots(unit, citizen, "LAK30", moving=booked.booking_id)
    target = next(s for s in moves if s.start != slots[0].start)
    moved = consumer.rebook(unit, citizen, booked.booking_id, target, reason="Tiden passar inte")
    assert moved.ok, moved
    current = moved.booking_id or booked.booking_id
    details = consumer.details(unit, citizen, current)
    assert details is not None and details["start"] == target.start
    assert current in consumer.schedule(unit, citizen)

    cancelled = consumer.cancel(unit, citizen, current)
    assert cancelled.ok, cancelled
    assert current not in consumer.schedule(unit, citizen)
    assert target.start in {s.start for s in consumer.free_slots(unit, citizen, "LAK30")}


@pytest.mark.parametrize("consumer_kind", ["1.1", "2"], ids=["consumer-1.1", "consumer-2"])
def test_hidden_time_type_needs_a_referral_and_a_single_use_is_spent_once(chain: Chain, consumer_kind: str) -> None:
    consumer = consumer_of(consumer_kind, chain)
    region = chain.region
    if region.kind == "rivta2":
        # An upgraded region keeps its own referrals too: use a citizen the region has referred,
        # so that only the gateway's rule stands between them and the time type.
        held = next(r for r in region.seed["referrals"] if r["time_type_code"] == "KBT")
        unit, citizen = held["healthcare_facility"], held["person_id"]
    else:
        unit, citizen = region.unit_offering("KBT"), region.free_citizens()[1]
    assert "KBT" not in consumer.time_types(unit, citizen)
    assert consumer.free_slots(unit, citizen, "KBT", days=20) == []

    created = httpx.post(
        f"{chain.url}/api/v1/referrals",
        json={
            "citizen": citizen,
            "time_type_ids": ["KBT"],
            "care_units": [unit],
            "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=60)).isoformat(),
            "uses_allowed": 1,
        },
        headers=ISSUER,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    assert citizen not in created.text

    assert "KBT" in consumer.time_types(unit, citizen)
    slots = consumer.free_slots(unit, citizen, "KBT", days=20)
    assert len(slots) >= 2
    first = consumer.book(unit, citizen, slots[0], reason="Efter bedömning")
    assert first.ok, first
    referral = httpx.get(f"{chain.url}/api/v1/referrals/{created.json()['id']}", headers=ISSUER, timeout=10).json()
    assert referral["uses_so_far"] == 1
    second = consumer.book(unit, citizen, slots[-1], reason="Igen")
    assert not second.ok
    if consumer_kind == "2":
        assert second.code in {"APPOINTMENT_IS_NOT_ALLOWED", "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE"}


def test_referral_api_refuses_unauthorised_and_invalid_requests(chain: Chain) -> None:
    body = {"citizen": "191212121212", "time_type_ids": ["KBT"], "valid_until": "2030-01-01T00:00:00+01:00"}
    denied = httpx.post(f"{chain.url}/api/v1/referrals", json=body, timeout=10)
    assert denied.status_code == 403 and denied.headers["content-type"].startswith("application/problem+json")
    bad = httpx.post(
        f"{chain.url}/api/v1/referrals", json={**body, "citizen": "191212121213"}, headers=ISSUER, timeout=10
    )
    assert bad.status_code == 422 and "191212121213" not in bad.text
    assert httpx.get(f"{chain.url}/api/v1/referrals/nope", headers=ISSUER, timeout=10).status_code == 404


def test_error_codes_through_the_region(chain: Chain, tmp_path: Path, database_url: str) -> None:
    consumer = Consumer2(chain)
    region = chain.region
    unit = region.unit_offering("LAK30")
    first, second = region.free_citizens()[:2]

    # A time only one free slot starts at (two performers may both be free at 15:30 some days:
    # then "the same time" would be two slots, and both citizens would rightly get one).
    listed = consumer.free_slots(unit, first, "LAK30", days=20)
    starts = Counter(s.start for s in listed)
    slot = [s for s in listed if starts[s.start] == 1][-1]
    # The second citizen sees the same time before the first one takes it: a race they lose.
    other_slot = next(s for s in consumer.free_slots(unit, second, "LAK30", days=20) if s.start == slot.start)
    booked = consumer.book(unit, first, slot)
    assert booked.ok and booked.booking_id
    taken = consumer.book(unit, second, other_slot)
    assert taken.code == "REQUESTED_TIME_IS_ALREADY_RESERVED", taken
    assert "Närmaste lediga tider:" in (taken.text or ""), "an honest conflict offers the nearest free times"

    unknown = consumer.cancel(unit, first, str(uuid.uuid4()))
    assert unknown.code == "APPOINTMENT_DOES_NOT_EXIST"
    assert consumer.cancel(unit, second, booked.booking_id).code == "APPOINTMENT_DOES_NOT_EXIST"

    start = parse_timestamp(slot.start)
    late = start - dt.timedelta(hours=2)
    with gateway_on_loopback(tmp_path / "late", region, database_url, clock=lambda: late) as restarted:
        late_consumer = Consumer2(restarted)
        assert late_consumer.details(unit, first, booked.booking_id) is not None, "ids survive a restart"
        refused = late_consumer.cancel(unit, first, booked.booking_id)
        assert refused.code == "TOO_LATE_TO_CANCEL_APPOINTMENT", refused

    assert consumer.cancel(unit, first, booked.booking_id).ok
    again = consumer.cancel(unit, first, booked.booking_id)
    assert again.code == "APPOINTMENT_IS_ALREADY_CANCELED", again


def test_ids_are_bound_to_the_citizen_and_survive_a_restart(chain: Chain, tmp_path: Path, database_url: str) -> None:
    consumer = Consumer2(chain)
    region = chain.region
    unit = region.unit_offering("LAK30")
    owner, stranger = region.free_citizens()[:2]
    slots = consumer.free_slots(unit, owner, "LAK30")
    booked = consumer.book(unit, owner, slots[0])
    assert booked.ok and booked.booking_id

    with gateway_on_loopback(tmp_path / "again", region, database_url) as restarted:
        again = Consumer2(restarted)
        assert booked.booking_id in again.schedule(unit, owner)
        assert again.details(unit, owner, booked.booking_id) is not None
        assert again.details(unit, stranger, booked.booking_id) is None
        assert again.cancel(unit, stranger, booked.booking_id).code == "APPOINTMENT_DOES_NOT_EXIST"
        stolen = again.book(unit, stranger, slots[1])
        assert stolen.code == "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE"
        assert again.details(unit, owner, booked.booking_id) is not None


def test_confirming_a_time_the_clinic_proposed(chain: Chain) -> None:
    consumer = Consumer2(chain)
    region = chain.region
    if region.kind == "rivta":
        proposal = region.invitation("timed")
        citizen, unit = proposal["subject_of_care"], proposal["healthcare_facility"]
    else:
        proposal = next(a for a in region.seed["appointments"] if a["status"] == "preliminary")
        citizen, unit = proposal["person_id"], proposal["healthcare_facility"]
    ids = consumer.schedule(unit, citizen)
    pending = [i for i in ids if (consumer.details(unit, citizen, i) or {}).get("status") == "preliminary"]
    assert pending, "the proposal is shown as preliminary"
    confirmed = consumer.confirm(unit, citizen, pending[0])
    assert confirmed.ok, confirmed
    after = consumer.details(unit, citizen, pending[0])
    assert after is not None and after["status"] == "confirmed"
    assert consumer.confirm(unit, citizen, pending[0]).code == "APPOINTMENT_IS_ALREADY_CONFIRMED"


def test_a_1_1_consumer_sees_a_proposal_as_an_invitation(chain: Chain) -> None:
    region = chain.region
    if region.kind == "rivta":
        proposal = region.invitation("timed")
        citizen, unit = proposal["subject_of_care"], proposal["healthcare_facility"]
    else:
        proposal = next(a for a in region.seed["appointments"] if a["status"] == "preliminary")
        citizen, unit = proposal["person_id"], proposal["healthcare_facility"]
    consumer = Consumer11(chain)
    statuses = [(consumer.details(unit, citizen, i) or {}).get("status") for i in consumer.schedule(unit, citizen)]
    assert "preliminary" in statuses


def test_times_are_swedish_local_time_in_both_generations(chain: Chain) -> None:
    region = chain.region
    unit, citizen = region.unit_offering("LAK30"), region.free_citizens()[0]
    old = [s.start for s in Consumer11(chain).free_slots(unit, citizen, "LAK30", days=7)]
    new = [s.start for s in Consumer2(chain).free_slots(unit, citizen, "LAK30", days=7)]
    assert old and old == new
    hours = {parse_timestamp(t).astimezone(SWEDISH_TIME).hour for t in old}
    assert hours <= set(range(7, 18)), "office hours in local time, whatever the season"


def test_a_lapsed_proposal_cannot_be_confirmed(chain: Chain, tmp_path: Path, database_url: str) -> None:
    """Proposals lapse per the rules: confirmation.until (24 h) before the start."""
    consumer = Consumer2(chain)
    region = chain.region
    if region.kind == "rivta":
        proposal = region.invitation("timed")
        citizen, unit = proposal["subject_of_care"], proposal["healthcare_facility"]
    else:
        proposal = next(a for a in region.seed["appointments"] if a["status"] == "preliminary")
        citizen, unit = proposal["person_id"], proposal["healthcare_facility"]
    pending = next(
        (i, d)
        for i in consumer.schedule(unit, citizen)
        if (d := consumer.details(unit, citizen, i)) is not None and d["status"] == "preliminary"
    )
    late = parse_timestamp(pending[1]["start"]) - dt.timedelta(hours=2)
    with gateway_on_loopback(tmp_path / "late", region, database_url, clock=lambda: late) as later:
        refused = Consumer2(later).confirm(unit, citizen, pending[0])
    assert refused.code == "TOO_LATE_TO_CONFIRM_APPOINTMENT", refused
    assert consumer.details(unit, citizen, pending[0])["status"] == "preliminary"  # type: ignore[index]
