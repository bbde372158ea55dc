"""The catalogue calls (time types, care types, performers, care units) cached per adapter, with
stale-if-error: when the region fails and an older answer is still within its stale window, that
answer is returned instead of the failure, and the caller is told.

Freshness: an answer is fresh for `ttl` seconds after it was fetched (served without asking the
region: ProcessingStatus `DataFromCache`), then stale for `max_stale` seconds more (the region is
asked; only if that fails is the stale answer served: `DataFromCacheSynchFailed`); after that it is
dropped. Bounded: at most `max_entries` answers per cache, least recently used evicted first.

Telling the caller: open `cache_report()` around the adapter calls; every answer served from cache
adds a `CacheNote` to it (a context variable holding a shared report, so it works across
`asyncio.gather` too). No report open: nothing is recorded.

Personal answers: in crm:scheduling 1.1 every catalogue request names the citizen
(`subject_of_care` 1..1) and the region applies its business rules to them; an adapter also fills
the citizen in from a citizen actor when the query has none. Such an answer belongs to that person
and changes when they book through this gateway (a referral used, a limit reached), which this
layer does not see. So an answer whose subject is a person — the query's citizen, or else a
non-staff actor — is keyed by a keyed digest of that identity (HMAC-SHA256 under a random key that
lives and dies with the cache, so digests cannot be reversed by trying every personal number, nor
matched with anything outside this process), is never served as a fresh hit (the region is always
asked while it answers), and stands in only for that same person when the region fails. Keys never
hold a personal identity number; their printed form holds adapter, operation and care unit only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from adapters.domain import ActorRole, CareType, CareUnit, CatalogueQuery, Performer, RequestContext, TimeType
from adapters.errors import RegionProtocolError, RegionTimeout, RegionUnavailable
from adapters.interface import RegionAdapter
from gateway.resilience.clock import Clock
from gateway.resilience.decorator import AdapterDecorator

__all__ = [
    "CATALOGUE_OPERATIONS",
    "CacheEntry",
    "CacheKey",
    "CacheNote",
    "CacheReport",
    "CacheServe",
    "CachingAdapter",
    "CatalogueCache",
    "cache_report",
]

T = TypeVar("T")

log = logging.getLogger("tidbok.resilience.cache")

CATALOGUE_OPERATIONS = ("get_time_types", "get_care_types", "get_performers", "get_care_units")

STALE_ON = (RegionUnavailable, RegionTimeout, RegionProtocolError)
"""Failures a stale answer may stand in for: the region's, not the request's."""


class CacheServe(Enum):
    """How a cached answer was served, named as the ProcessingStatus codes name it."""

    FRESH = "DataFromCache"  # within its TTL; the region was not asked
    STALE = "DataFromCacheSynchFailed"  # the region failed; an older answer was returned


@dataclass(frozen=True, slots=True)
class CacheNote:
    adapter: str
    region: str | None
    operation: str
    care_unit: str
    served: CacheServe
    age_seconds: float
    failure: str | None = None  # the failure's class name when served stale


@dataclass(slots=True)
class CacheReport:
    """The cache notes of the calls made while it was open."""

    notes: list[CacheNote] = field(default_factory=list)

    @property
    def from_cache(self) -> bool:
        return bool(self.notes)

    @property
    def stale(self) -> bool:
        return any(note.served is CacheServe.STALE for note in self.notes)

    def for_region(self, region: str) -> list[CacheNote]:
        return [note for note in self.notes if note.region == region]


_current_report: ContextVar[CacheReport | None] = ContextVar("tidbok_cache_report", default=None)


@contextmanager
def cache_report() -> Iterator[CacheReport]:
    """Collect the cache notes of the adapter calls made inside the block."""
    report = CacheReport()
    token = _current_report.set(report)
    try:
        yield report
    finally:
        _current_report.reset(token)


class CacheKey(NamedTuple):
    adapter: str
    operation: str
    logical_address: str
    query: CatalogueQuery  # with `citizen` left out: the subject is in `subject`
    subject: str | None  # keyed digest of the person the answer is for; None: not personal

    def __str__(self) -> str:
        return f"{self.adapter}:{self.operation}:{self.query.care_unit}"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    value: tuple[Any, ...]
    stored_at: float


class CatalogueCache:
    """A bounded LRU of catalogue answers with a TTL and a stale window."""

    def __init__(self, *, ttl: float, max_stale: float, max_entries: int, clock: Clock) -> None:
        if ttl < 0 or max_stale < 0 or max_entries < 1:
            raise ValueError("ttl and max_stale must not be negative; max_entries must be at least 1")
        self.ttl = ttl
        self.max_stale = max_stale
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, CacheEntry] = OrderedDict()
        self._subject_key = secrets.token_bytes(32)

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[CacheKey]:
        return list(self._entries)

    def key(self, adapter: str, operation: str, ctx: RequestContext, query: CatalogueQuery) -> CacheKey:
        """The key of one catalogue call; see the module notes on personal answers."""
        subject = subject_of(ctx, query)
        digest = None
        if subject is not None:
            digest = hmac.new(self._subject_key, subject.encode(), hashlib.sha256).hexdigest()
        return CacheKey(
            adapter,
            operation,
            ctx.logical_address.strip().upper(),
            dataclasses.replace(query, citizen=None),
            digest,
        )

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def age(self, entry: CacheEntry) -> float:
        return self._clock.monotonic() - entry.stored_at

    def is_fresh(self, entry: CacheEntry) -> bool:
        return self.age(entry) < self.ttl

    def is_usable(self, entry: CacheEntry) -> bool:
        return self.age(entry) < self.ttl + self.max_stale

    def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry, fresh or still usable as stale; None (and dropped) when past its stale window."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if not self.is_usable(entry):
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: CacheKey, value: Sequence[Any]) -> None:
        self._entries[key] = CacheEntry(tuple(value), self._clock.monotonic())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def subject_of(ctx: RequestContext, query: CatalogueQuery) -> str | None:
    """The person a catalogue answer may be for: the query's citizen, else a citizen-side actor."""
    if query.citizen is not None:
        return query.citizen.value
    actor = ctx.actor
    if actor is not None and actor.role is not ActorRole.STAFF:
        return actor.actor_id.strip()
    return None


class CachingAdapter(AdapterDecorator):
    """The four catalogue reads through a `CatalogueCache`; everything else passes through.

    `observe(operation, outcome)` hears each catalogue call's cache outcome: `hit` (fresh, the
    region not asked), `miss` (asked and stored) or `stale` (the region failed; an older answer
    served)."""

    def __init__(
        self,
        inner: RegionAdapter,
        *,
        cache: CatalogueCache,
        adapter_name: str,
        region: str | None = None,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(inner)
        self.cache = cache
        self.adapter_name = adapter_name
        self.region = region
        self._observe = observe or (lambda operation, outcome: None)

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        return await self._cached("get_time_types", ctx, query, lambda: self.inner.get_time_types(ctx, query))

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        return await self._cached("get_care_types", ctx, query, lambda: self.inner.get_care_types(ctx, query))

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        return await self._cached("get_performers", ctx, query, lambda: self.inner.get_performers(ctx, query))

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        return await self._cached("get_care_units", ctx, query, lambda: self.inner.get_care_units(ctx, query))

    async def _cached(
        self,
        operation: str,
        ctx: RequestContext,
        query: CatalogueQuery,
        call: Callable[[], Awaitable[list[T]]],
    ) -> list[T]:
        key = self.cache.key(self.adapter_name, operation, ctx, query)
        entry = self.cache.get(key)
        if entry is not None and key.subject is None and self.cache.is_fresh(entry):
            self._note(key, CacheServe.FRESH, self.cache.age(entry))
            self._observe(operation, "hit")
            return list(entry.value)
        try:
            value = await call()
        except STALE_ON as exc:
            if entry is None or not self.cache.is_usable(entry):
                raise
            age = self.cache.age(entry)
            log.warning(
                "serving %s from cache (%.0f s old): region %s failed with %s",
                key,
                age,
                self.region,
                type(exc).__name__,
            )
            self._note(key, CacheServe.STALE, age, type(exc).__name__)
            self._observe(operation, "stale")
            return list(entry.value)
        self.cache.put(key, value)
        self._observe(operation, "miss")
        return list(value)

    def _note(self, key: CacheKey, served: CacheServe, age: float, failure: str | None = None) -> None:
        report = _current_report.get()
        if report is not None:
            report.notes.append(
                CacheNote(self.adapter_name, self.region, key.operation, str(key.query.care_unit), served, age, failure)
            )
