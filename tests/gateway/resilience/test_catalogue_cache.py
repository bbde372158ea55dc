"""The catalogue cache: TTL, stale-if-error within a window (and the caller told), LRU bound,
keys by adapter, method and query, and personal answers kept apart, only as stand-ins."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from adapters.domain import Actor, ActorRole, CatalogueQuery, RequestContext
from adapters.errors import RegionProtocolError, RegionRejectedRequest, RegionTimeout, RegionUnavailable
from adapters.identifiers import HsaId, PersonalIdentity
from gateway.resilience.catalogue_cache import (
    CATALOGUE_OPERATIONS,
    CacheServe,
    CachingAdapter,
    CatalogueCache,
    cache_report,
)
from gateway.resilience.decorator import decorate
from gateway.resilience.errors import RegionCircuitOpen
from tests.gateway.resilience.fakes import UNIT, FakeAdapter, FakeClock
from tests.gateway.resilience.requests import CITIZEN, CTX, QUERY, call


class Harness:
    def __init__(self, *, ttl: float = 60, max_stale: float = 600, max_entries: int = 100) -> None:
        self.clock = FakeClock()
        self.inner = FakeAdapter()
        self.observed: list[tuple[str, str]] = []
        self.cache = CatalogueCache(ttl=ttl, max_stale=max_stale, max_entries=max_entries, clock=self.clock)
        self.adapter = self.layer(self.inner, "sthlm")

    def layer(self, inner: FakeAdapter, name: str) -> CachingAdapter:
        return decorate(
            CachingAdapter,
            inner,
            cache=self.cache,
            adapter_name=name,
            region="01",
            observe=lambda operation, outcome: self.observed.append((operation, outcome)),
        )


def unit_query(number: int) -> CatalogueQuery:
    return CatalogueQuery(care_unit=HsaId(f"SE2321000016-{number:04d}"))


@pytest.mark.parametrize("operation", CATALOGUE_OPERATIONS)
async def test_a_fresh_answer_is_served_without_asking_the_region(operation: str) -> None:
    h = Harness(ttl=60)
    with cache_report() as report:
        first = await call(h.adapter, operation)
        h.clock.advance(59)
        h.inner.version = 2
        second = await call(h.adapter, operation)
    assert second == first
    assert h.inner.count(operation) == 1
    assert [(n.served, n.age_seconds, n.operation, n.care_unit) for n in report.notes] == [
        (CacheServe.FRESH, 59.0, operation, str(UNIT))
    ]
    assert report.from_cache and not report.stale
    assert CacheServe.FRESH.value == "DataFromCache"
    assert h.observed == [(operation, "miss"), (operation, "hit")]


async def test_after_the_ttl_the_region_is_asked_again() -> None:
    h = Harness(ttl=60)
    await call(h.adapter, "get_time_types")
    h.clock.advance(60)
    h.inner.version = 2
    with cache_report() as report:
        answer = await call(h.adapter, "get_time_types")
    assert answer[0].time_type_id == "tt-v2"
    assert h.inner.count("get_time_types") == 2
    assert report.notes == []


@pytest.mark.parametrize(
    "failure",
    [
        RegionUnavailable("down"),
        RegionTimeout("slow"),
        RegionProtocolError("garbled"),
        RegionCircuitOpen("open", breaker="01/sthlm", retry_after=10),
    ],
    ids=["unavailable", "timeout", "protocol", "circuit-open"],
)
async def test_a_stale_answer_stands_in_for_a_failed_region_and_the_caller_is_told(failure: Exception) -> None:
    h = Harness(ttl=60, max_stale=600)
    first = await call(h.adapter, "get_care_types")
    h.clock.advance(300)
    h.inner.fail_next(failure)
    with cache_report() as report:
        answer = await call(h.adapter, "get_care_types")
    assert answer == first
    assert h.inner.count("get_care_types") == 2
    (note,) = report.notes
    assert note.served is CacheServe.STALE and note.served.value == "DataFromCacheSynchFailed"
    assert note.failure == type(failure).__name__
    assert note.age_seconds == 300.0
    assert note.region == "01" and note.adapter == "sthlm"
    assert report.stale
    assert report.for_region("01") == [note] and report.for_region("02") == []
    assert h.observed[-1] == ("get_care_types", "stale")


async def test_past_the_stale_window_the_failure_is_raised_and_the_entry_dropped() -> None:
    h = Harness(ttl=60, max_stale=600)
    await call(h.adapter, "get_performers")
    h.clock.advance(660)
    h.inner.fail_next(RegionUnavailable("down"))
    with cache_report() as report, pytest.raises(RegionUnavailable):
        await call(h.adapter, "get_performers")
    assert report.notes == []
    assert len(h.cache) == 0


async def test_a_failure_with_nothing_cached_is_raised() -> None:
    h = Harness()
    h.inner.fail_next(RegionTimeout("slow"))
    with pytest.raises(RegionTimeout):
        await call(h.adapter, "get_care_units")


async def test_a_rejected_request_is_not_answered_from_cache() -> None:
    h = Harness(ttl=60)
    await call(h.adapter, "get_time_types")
    h.clock.advance(61)
    h.inner.fail_next(RegionRejectedRequest("client fault"))
    with pytest.raises(RegionRejectedRequest):
        await call(h.adapter, "get_time_types")


async def test_ttl_zero_always_asks_and_keeps_the_answer_only_for_failures() -> None:
    h = Harness(ttl=0, max_stale=600)
    await call(h.adapter, "get_time_types")
    await call(h.adapter, "get_time_types")
    assert h.inner.count("get_time_types") == 2
    h.inner.fail_next(RegionUnavailable("down"))
    with cache_report() as report:
        await call(h.adapter, "get_time_types")
    assert report.stale


async def test_the_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    h = Harness(max_entries=2)
    a, b, c = unit_query(1), unit_query(2), unit_query(3)
    await h.adapter.get_time_types(CTX, a)
    await h.adapter.get_time_types(CTX, b)
    await h.adapter.get_time_types(CTX, a)  # a is now the most recently used
    await h.adapter.get_time_types(CTX, c)  # evicts b
    assert len(h.cache) == 2
    assert h.inner.count("get_time_types") == 3
    await h.adapter.get_time_types(CTX, a)
    assert h.inner.count("get_time_types") == 3
    await h.adapter.get_time_types(CTX, b)
    assert h.inner.count("get_time_types") == 4


async def test_entries_are_keyed_by_adapter_method_and_query() -> None:
    h = Harness()
    other_inner = FakeAdapter()
    other = h.layer(other_inner, "skane")
    await h.adapter.get_time_types(CTX, QUERY)
    await h.adapter.get_care_types(CTX, QUERY)
    await h.adapter.get_time_types(CTX, dataclasses.replace(QUERY, time_type_ids=("1",)))
    await h.adapter.get_time_types(CTX, unit_query(7))
    await other.get_time_types(CTX, QUERY)
    elsewhere = RequestContext(logical_address="SE2321000016-R01")
    await h.adapter.get_time_types(elsewhere, QUERY)
    assert len(h.cache) == 6
    assert h.inner.count("get_time_types") == 4 and other_inner.count("get_time_types") == 1
    await h.adapter.get_time_types(RequestContext(logical_address=f" {str(UNIT).lower()} "), QUERY)
    assert h.inner.count("get_time_types") == 4  # logical addresses compare as HSA-ids do


OTHER_CITIZEN = PersonalIdentity.parse("194005189891")


@pytest.mark.parametrize("operation", CATALOGUE_OPERATIONS)
async def test_a_personal_answer_is_never_a_fresh_hit_but_stands_in_for_the_same_person(operation: str) -> None:
    h = Harness(ttl=60)
    mine = dataclasses.replace(QUERY, citizen=CITIZEN)
    method = getattr(h.adapter, operation)
    first = await method(CTX, mine)
    h.inner.version = 2
    second = await method(CTX, mine)
    assert h.inner.count(operation) == 2 and second != first  # the region is always asked
    h.inner.fail_next(RegionUnavailable("down"))
    with cache_report() as report:
        assert await method(CTX, mine) == second
    assert [note.served for note in report.notes] == [CacheServe.STALE]
    assert [outcome for _, outcome in h.observed] == ["miss", "miss", "stale"]


async def test_a_personal_answer_never_stands_in_for_someone_else() -> None:
    h = Harness()
    await h.adapter.get_time_types(CTX, dataclasses.replace(QUERY, citizen=CITIZEN))
    await h.adapter.get_time_types(CTX, QUERY)  # an impersonal answer is there too
    h.inner.fail_next(RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await h.adapter.get_time_types(CTX, dataclasses.replace(QUERY, citizen=OTHER_CITIZEN))


async def test_a_citizen_actor_makes_the_answer_personal_even_without_a_citizen_in_the_query() -> None:
    h = Harness()
    as_citizen = dataclasses.replace(CTX, actor=Actor(CITIZEN.value, ActorRole.CITIZEN))
    as_guardian = dataclasses.replace(CTX, actor=Actor(OTHER_CITIZEN.value, ActorRole.GUARDIAN))
    as_staff = dataclasses.replace(CTX, actor=Actor("SE2321000016-S001", ActorRole.STAFF))
    await h.adapter.get_care_types(as_citizen, QUERY)
    await h.adapter.get_care_types(as_citizen, QUERY)
    assert h.inner.count("get_care_types") == 2  # personal: asked every time
    h.inner.fail_next(RegionUnavailable("down"))
    with pytest.raises(RegionUnavailable):
        await h.adapter.get_care_types(as_guardian, QUERY)
    await h.adapter.get_care_types(as_staff, QUERY)
    await h.adapter.get_care_types(as_staff, QUERY)
    assert h.inner.count("get_care_types") == 4  # staff: the impersonal answer, a fresh hit the second time
    key_for_citizen_in_query = h.cache.key("sthlm", "get_care_types", CTX, dataclasses.replace(QUERY, citizen=CITIZEN))
    assert key_for_citizen_in_query == h.cache.key("sthlm", "get_care_types", as_citizen, QUERY)


async def test_keys_hold_no_personal_number_and_digests_are_keyed_per_cache() -> None:
    h = Harness()
    for citizen in (CITIZEN, OTHER_CITIZEN):
        await h.adapter.get_time_types(CTX, dataclasses.replace(QUERY, citizen=citizen))
        await h.adapter.get_performers(dataclasses.replace(CTX, actor=Actor(citizen.value, ActorRole.CITIZEN)), QUERY)
    keys = h.cache.keys()
    assert len(keys) == 4
    for key in keys:
        assert key.query.citizen is None and key.subject is not None
        for number in (CITIZEN.value, OTHER_CITIZEN.value):
            assert number not in repr(key) and number[2:] not in repr(key) and number not in str(key)
    other_cache = CatalogueCache(ttl=1, max_stale=1, max_entries=1, clock=FakeClock())
    personal = dataclasses.replace(QUERY, citizen=CITIZEN)
    assert other_cache.key("a", "op", CTX, personal).subject != h.cache.key("a", "op", CTX, personal).subject


async def test_logged_keys_hold_no_personal_number(caplog: pytest.LogCaptureFixture) -> None:
    h = Harness(ttl=0)
    personal = dataclasses.replace(QUERY, citizen=CITIZEN)
    await h.adapter.get_time_types(CTX, personal)
    h.inner.fail_next(RegionUnavailable(f"down for {CITIZEN.value}"))
    with caplog.at_level("DEBUG"):
        await h.adapter.get_time_types(CTX, personal)
    assert "serving sthlm:get_time_types:SE2321000016-1001 from cache" in caplog.text
    assert CITIZEN.value not in caplog.text and CITIZEN.value[2:] not in caplog.text


@pytest.mark.parametrize("operation", ["get_available_dates", "get_available_timeslots", "get_schedule", "get_booking"])
async def test_other_reads_are_not_cached(operation: str) -> None:
    h = Harness()
    await call(h.adapter, operation)
    await call(h.adapter, operation)
    assert h.inner.count(operation) == 2
    assert len(h.cache) == 0


async def test_the_report_collects_notes_from_concurrent_tasks() -> None:
    h = Harness()
    await h.adapter.get_time_types(CTX, unit_query(1))
    await h.adapter.get_time_types(CTX, unit_query(2))
    with cache_report() as report:
        await asyncio.gather(
            h.adapter.get_time_types(CTX, unit_query(1)),
            h.adapter.get_time_types(CTX, unit_query(2)),
            h.adapter.get_time_types(CTX, unit_query(3)),
        )
    assert sorted(note.care_unit for note in report.notes) == ["SE2321000016-0001", "SE2321000016-0002"]


async def test_without_a_report_nothing_is_recorded_and_reports_do_not_leak() -> None:
    h = Harness()
    await h.adapter.get_time_types(CTX, QUERY)
    await h.adapter.get_time_types(CTX, QUERY)  # a fresh hit with no report open
    with cache_report() as outer:
        with cache_report() as inner:
            await h.adapter.get_time_types(CTX, QUERY)
        await h.adapter.get_care_types(CTX, QUERY)
    assert len(inner.notes) == 1 and outer.notes == []


async def test_callers_get_their_own_list() -> None:
    h = Harness()
    first = await h.adapter.get_time_types(CTX, QUERY)
    first.clear()
    assert len(await h.adapter.get_time_types(CTX, QUERY)) == 1


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        CatalogueCache(ttl=-1, max_stale=0, max_entries=1, clock=FakeClock())
    with pytest.raises(ValueError):
        CatalogueCache(ttl=1, max_stale=0, max_entries=0, clock=FakeClock())
