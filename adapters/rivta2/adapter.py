"""`Rivta2Adapter`: a region whose scheduling system speaks supportprocess:logistics:scheduling 2.

How the domain's calls become 2.0 calls (SPEC §8):

- catalogue: GetTimeTypes, GetPractitioners, GetHealthcareFacilities. 2.0 takes one practitioner,
  one time type and one healthcare service per request, so a query naming several is one request
  each (concurrently, bounded) and the answers are merged. Care types have no 2.0 successor
  (GetAllCareTypes was not carried over): `get_care_types` answers with the time types' healthcare
  services (SNOMED CT vårdtjänster), domain care type id = the service's code.
- free times: GetAvailableDates, GetAvailableTimeslots (`slot_id` = the producer's timeslotId).
- bookings: GetAppointments gives ids only, so `get_schedule` asks GetAppointment for each one
  (concurrently, bounded, each addressed to the unit that holds it). GetAppointment needs the
  citizen's personId: `get_booking` takes it from its `citizen` argument, else from a citizen
  actor, else refuses to guess (RegionRejectedRequest).
- writes: MakeAppointment and UpdateAppointment book a slot by its id. A slot from a
  crm:scheduling 1.1 consumer has no id, only its unit, times, performer and time type; the
  adapter then finds it with a one-day GetAvailableTimeslots search, and a slot it cannot find
  is refused as REQUESTED_TIME_IS_NO_LONGER_AVAILABLE. CancelAppointment and ConfirmAppointment
  name the appointment. A refusal is a `BookingOutcome` whose `error` is the 2.0 result code.
- the actor is a body element in 2.0 and required by every call about appointments: the
  context's actor, or, when the context has none, the citizen the call concerns acting for
  themself. Searches send an actor and personId only when known.

Booking ids are the producer's appointmentIds (UUIDs); an id of any other form cannot exist
there: `get_booking` answers None and writes APPOINTMENT_DOES_NOT_EXIST without a call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

import httpx
from lxml import etree

from adapters.domain import (
    SWEDISH_TIME,
    Actor,
    ActorRole,
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    ErrorCode,
    Performer,
    RebookRequest,
    RequestContext,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionRejectedRequest
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from adapters.rivta2 import answers, requests
from adapters.rivta2.answers import CodeTables, Result
from adapters.rivta2.client import ProducerRefusal, Scheduling2Client
from adapters.rivta2.result_texts import citizen_text
from adapters.rivta2.vocabulary import is_uuid

__all__ = ["CONSUMER_HEADER", "CORRELATION_HEADER", "Rivta2Adapter"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

CONSUMER_HEADER = "x-rivta-original-serviceconsumer-hsaid"
CORRELATION_HEADER = "x-skltp-correlation-id"

Element = etree._Element


class Rivta2Adapter:
    """Every `RegionAdapter` method (and `ConfirmingAdapter.confirm_booking`) as scheduling 2 calls."""

    kind = "rivta2"

    def __init__(
        self,
        client: Scheduling2Client,
        http_client: httpx.AsyncClient,
        *,
        tables: CodeTables | None = None,
        max_concurrent_calls: int = 8,
        owns_client: bool = True,
    ) -> None:
        if max_concurrent_calls < 1:
            raise ValueError("max_concurrent_calls must be at least 1")
        self.client = client
        self.tables = tables or CodeTables()
        self._http_client = http_client
        self._owns_client = owns_client
        self._max_concurrent = max_concurrent_calls

    @property
    def region(self) -> str:
        return self.client.region

    # ------------------------------------------------------------ plumbing

    def _build(self, name: str, build: Callable[..., Element], *args: Any, **kwargs: Any) -> Element:
        """A request element; a value the contract cannot carry is refused before sending."""
        try:
            return build(*args, **kwargs)
        except ValueError as exc:
            raise RegionRejectedRequest(f"{name} at {self.region}: {exc}", region=self.region) from exc

    async def _call(
        self, name: str, ctx: RequestContext, address: str, body: Element, read: Callable[[Element], T]
    ) -> T:
        return await self.client.call(name, address, body, read, http_headers=_http_headers(ctx))

    async def _read(
        self, name: str, ctx: RequestContext, address: str, body: Element, read: Callable[[Element], T]
    ) -> T:
        """A read: a refusal in resultCode (ERROR or a specific code) raises ProducerRefusal."""

        def checked(answer: Element) -> T:
            self._refuse_unless_success(name, answers.result_of(answer))
            return read(answer)

        return await self._call(name, ctx, address, body, checked)

    def _refuse_unless_success(self, name: str, result: Result) -> None:
        if not result.succeeded:
            raise ProducerRefusal(
                f"{name} at {self.region}: refused ({result.code}): {result.text or ''}".rstrip(": "),
                region=self.region,
                result_code=result.code,
                result_text=result.text,
            )

    async def _bounded(self, calls: Iterable[Awaitable[T]]) -> list[T]:
        """Run `calls` concurrently, at most `max_concurrent_calls` at a time; the first failure
        cancels the rest and is raised."""
        gate = asyncio.Semaphore(self._max_concurrent)

        async def gated(call: Awaitable[T]) -> T:
            async with gate:
                return await call

        tasks = [asyncio.ensure_future(gated(call)) for call in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _fan_out(
        self, name: str, ctx: RequestContext, bodies: list[Element], read: Callable[[Element], list[T]]
    ) -> list[list[T]]:
        """The same read with each of `bodies` (built first, so a refused one sends nothing)."""
        return await self._bounded(self._read(name, ctx, ctx.logical_address, body, read) for body in bodies)

    def _person(self, given: PersonalIdentity | None, ctx: RequestContext) -> PersonalIdentity | None:
        """The citizen a call concerns: given, the context's subject, or the calling citizen; None
        when unknown."""
        if given is not None:
            return given
        if ctx.subject is not None:
            return ctx.subject
        if ctx.actor is not None and ctx.actor.role is ActorRole.CITIZEN:
            try:
                return PersonalIdentity.parse(ctx.actor.actor_id)
            except InvalidIdentifier as exc:
                message = f"{self.region}: the calling citizen is not named by a personal identity number"
                raise RegionRejectedRequest(message, region=self.region) from exc
        return None

    @staticmethod
    def _actor(ctx: RequestContext, citizen: PersonalIdentity) -> Actor:
        """The context's actor, or the citizen acting for themself."""
        return ctx.actor if ctx.actor is not None else Actor(citizen.value, ActorRole.CITIZEN)

    def _required_person(self, name: str, given: PersonalIdentity | None, ctx: RequestContext) -> PersonalIdentity:
        person = self._person(given, ctx)
        if person is None:
            message = (
                f"{name} at {self.region}: scheduling 2 needs the citizen's personal identity number (personId); "
                "give the citizen, or call as the citizen"
            )
            raise RegionRejectedRequest(message, region=self.region)
        return person

    # ------------------------------------------------------------ catalogue

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        """GetTimeTypes, once per (practitioner, healthcare service) asked for; `time_type_ids` filter."""
        person = self._person(query.citizen, ctx)
        bodies = [
            self._build(
                "GetTimeTypes",
                requests.time_types_request,
                ctx.actor,
                person,
                service_code=service,
                practitioner=practitioner,
            )
            for practitioner in _or_none(query.performers)
            for service in _or_none(query.care_type_ids)
        ]
        answered = await self._fan_out(
            "GetTimeTypes", ctx, bodies, lambda answer: answers.time_types_from(answer, self.tables)
        )
        found = _merged(answered, lambda t: t.time_type_id)
        return [t for t in found if not query.time_type_ids or t.time_type_id in query.time_type_ids]

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        """The healthcare services (SNOMED CT) of the unit's time types, standing in for care types."""
        person = self._person(query.citizen, ctx)
        bodies = [
            self._build("GetTimeTypes", requests.time_types_request, ctx.actor, person, practitioner=practitioner)
            for practitioner in _or_none(query.performers)
        ]
        answered = await self._fan_out(
            "GetTimeTypes", ctx, bodies, lambda answer: answers.care_types_from(answer, query.time_type_ids)
        )
        found = _merged(answered, lambda c: c.care_type_id)
        return [c for c in found if not query.care_type_ids or c.care_type_id in query.care_type_ids]

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        """GetPractitioners, once per time type (or healthcare service) asked for."""
        person = self._person(query.citizen, ctx)
        bodies = [
            self._build(
                "GetPractitioners",
                requests.practitioners_request,
                ctx.actor,
                person,
                original_appointment_id=query.booking_id,
                time_type_code=time_type,
                service_code=service,
            )
            for time_type, service in _filters(query)
        ]
        answered = await self._fan_out("GetPractitioners", ctx, bodies, answers.practitioners_from)
        return _merged(answered, lambda p: p.hsa_id)

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        """GetHealthcareFacilities, once per time type (or healthcare service) asked for."""
        person = self._person(query.citizen, ctx)
        bodies = [
            self._build(
                "GetHealthcareFacilities",
                requests.facilities_request,
                person,
                original_appointment_id=query.booking_id,
                time_type_code=time_type,
                service_code=service,
            )
            for time_type, service in _filters(query)
        ]
        answered = await self._fan_out("GetHealthcareFacilities", ctx, bodies, answers.facilities_from)
        return _merged(answered, lambda u: u.hsa_id)

    # ------------------------------------------------------------ free times

    def _slot_searches(self, name: str, ctx: RequestContext, query: SlotQuery) -> list[Element]:
        person = self._person(query.citizen, ctx)
        return [
            self._build(name, requests.slot_search_request, name, query, ctx.actor, person, practitioner=practitioner)
            for practitioner in _or_none(query.performers)
        ]

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        """GetAvailableDates, once per performer asked for."""
        bodies = self._slot_searches("GetAvailableDates", ctx, query)
        answered = await self._fan_out(
            "GetAvailableDates",
            ctx,
            bodies,
            lambda answer: answers.available_dates_from(answer, query.care_unit, self.tables),
        )
        return sorted((date for dates in answered for date in dates), key=lambda d: d.date)

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        """GetAvailableTimeslots, once per performer asked for."""
        bodies = self._slot_searches("GetAvailableTimeslots", ctx, query)
        answered = await self._fan_out(
            "GetAvailableTimeslots", ctx, bodies, lambda answer: answers.timeslots_from(answer, self.tables)
        )
        found = _merged(answered, lambda s: s.slot_id)
        return sorted(found, key=lambda s: (s.start is None, s.start))

    async def _find_slot_id(
        self, ctx: RequestContext, slot: Timeslot, actor: Actor, citizen: PersonalIdentity
    ) -> str | None:
        """The producer's id of `slot`: its own `slot_id`, or the free slot at the same unit with
        the same start (and end, performer and time type where given), found by a one-day search."""
        if is_uuid(slot.slot_id):
            return slot.slot_id
        if slot.start is None:
            message = f"{self.region}: scheduling 2 books a slot by its id or its times; this one has neither"
            raise RegionRejectedRequest(message, region=self.region)
        day = slot.start.astimezone(SWEDISH_TIME).date()
        query = SlotQuery(care_unit=slot.care_unit, start_date=day, end_date=day, time_type_id=slot.time_type_id)
        body = self._build(
            "GetAvailableTimeslots",
            requests.slot_search_request,
            "GetAvailableTimeslots",
            query,
            actor,
            citizen,
            practitioner=slot.performer,
        )

        def read(answer: Element) -> tuple[list[Timeslot], dict[str, tuple[HsaId, ...]]]:
            return answers.timeslots_from(answer, self.tables), answers.slot_practitioners(answer)

        candidates, practitioners = await self._read("GetAvailableTimeslots", ctx, ctx.logical_address, body, read)
        for candidate in candidates:
            if (
                candidate.start == slot.start
                and (slot.end is None or candidate.end == slot.end)
                and candidate.care_unit == slot.care_unit
                and (slot.time_type_id is None or candidate.time_type_id == slot.time_type_id)
                and (slot.performer is None or slot.performer in practitioners.get(candidate.slot_id or "", ()))
            ):
                return candidate.slot_id
        return None

    # ------------------------------------------------------------ bookings

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        """GetAppointments at the addressed unit (or region), then GetAppointment for each id.
        An appointment that is gone between the two calls is left out."""
        actor = self._actor(ctx, citizen)
        body = self._build("GetAppointments", requests.appointments_request, actor, citizen)
        found = await self._read("GetAppointments", ctx, ctx.logical_address, body, answers.appointment_ids_from)
        bookings = await self._bounded(
            self._appointment(ctx, str(unit), appointment_id, actor, citizen) for appointment_id, unit in found
        )
        present = [booking for booking in bookings if booking is not None]
        return sorted(present, key=lambda b: (b.slot.start is None, b.slot.start))

    async def _appointment(
        self, ctx: RequestContext, address: str, appointment_id: str, actor: Actor, citizen: PersonalIdentity
    ) -> Booking | None:
        body = self._build("GetAppointment", requests.appointment_request, actor, appointment_id, citizen)

        def read(answer: Element) -> Booking | None:
            result = answers.result_of(answer)
            if result.code == ErrorCode.APPOINTMENT_DOES_NOT_EXIST.value:
                return None
            self._refuse_unless_success("GetAppointment", result)
            return answers.booking_from(answer, self.tables)

        return await self._call("GetAppointment", ctx, address, body, read)

    async def get_booking(
        self, ctx: RequestContext, care_unit: HsaId, booking_id: str, *, citizen: PersonalIdentity | None = None
    ) -> Booking | None:
        """GetAppointment; None when the producer holds no such appointment of this citizen (or it
        is no longer valid). `citizen` is whose booking it is; without it the calling citizen."""
        person = self._required_person("GetAppointment", citizen, ctx)
        if not is_uuid(booking_id):
            return None
        return await self._appointment(ctx, ctx.logical_address, booking_id, self._actor(ctx, person), person)

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        """MakeAppointment. The slot's id, or the slot found by its times. `request.booking_id`
        (an open invitation in 1.1) has no place in 2.0: invitations are booked as any slot."""
        actor = self._actor(ctx, request.citizen)
        slot_id = await self._find_slot_id(ctx, request.slot, actor, request.citizen)
        if slot_id is None:
            return _refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
        body = self._build(
            "MakeAppointment", requests.make_appointment_request, actor, request.citizen, slot_id, request.reason
        )
        return await self._call("MakeAppointment", ctx, ctx.logical_address, body, answers.outcome_from)

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        """UpdateAppointment to the new slot (by id, or found by its times). The outcome's
        booking id is the one the producer gives (it may issue a new one)."""
        if not is_uuid(request.booking_id):
            return _refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
        actor = self._actor(ctx, request.citizen)
        slot_id = await self._find_slot_id(ctx, request.slot, actor, request.citizen)
        if slot_id is None:
            return _refused(ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE)
        body = self._build(
            "UpdateAppointment",
            requests.update_appointment_request,
            actor,
            request.booking_id,
            slot_id,
            request.citizen,
            request.reason,
        )
        return await self._call(
            "UpdateAppointment",
            ctx,
            ctx.logical_address,
            body,
            lambda answer: answers.outcome_from(answer, booking_id=request.booking_id),
        )

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        """CancelAppointment with the message as reasonText. Needs the citizen (request or actor)."""
        person = self._required_person("CancelAppointment", request.citizen, ctx)
        if not is_uuid(request.booking_id):
            return _refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
        body = self._build(
            "CancelAppointment",
            requests.cancel_appointment_request,
            self._actor(ctx, person),
            request.booking_id,
            person,
            request.message,
        )
        return await self._call(
            "CancelAppointment",
            ctx,
            ctx.logical_address,
            body,
            lambda answer: answers.outcome_from(answer, booking_id=request.booking_id),
        )

    async def confirm_booking(
        self, ctx: RequestContext, care_unit: HsaId, booking_id: str, citizen: PersonalIdentity
    ) -> BookingOutcome:
        """ConfirmAppointment: the citizen accepts a time the clinic proposed (status preliminary)."""
        if not is_uuid(booking_id):
            return _refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST)
        body = self._build(
            "ConfirmAppointment",
            requests.confirm_appointment_request,
            self._actor(ctx, citizen),
            booking_id,
            citizen,
        )
        return await self._call(
            "ConfirmAppointment",
            ctx,
            ctx.logical_address,
            body,
            lambda answer: answers.outcome_from(answer, booking_id=booking_id),
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._http_client.aclose()


def _http_headers(ctx: RequestContext) -> dict[str, str]:
    """The platform's HTTP headers (original consumer, correlation id) plus the context's extras."""
    headers: dict[str, str] = {}
    if ctx.consumer_id:
        headers[CONSUMER_HEADER] = ctx.consumer_id
    if ctx.correlation_id:
        headers[CORRELATION_HEADER] = ctx.correlation_id
    headers.update(ctx.extra_headers)
    return headers


def _or_none(values: tuple[T, ...]) -> tuple[T | None, ...]:
    """One request per value asked for, or one without the filter."""
    return values or (None,)


def _filters(query: CatalogueQuery) -> list[tuple[str | None, str | None]]:
    """(timeTypeCode, healthcareServiceCode) per request: the time types asked for, else the
    healthcare services (care types), else no filter. 2.0 takes one or the other."""
    if query.time_type_ids:
        return [(time_type, None) for time_type in query.time_type_ids]
    if query.care_type_ids:
        return [(None, service) for service in query.care_type_ids]
    return [(None, None)]


def _merged(lists: Iterable[list[T]], key: Callable[[T], K]) -> list[T]:
    """The items of all answers, each once (by `key`), in the order first seen."""
    seen: dict[K, T] = {}
    for items in lists:
        for item in items:
            seen.setdefault(key(item), item)
    return list(seen.values())


def _refused(error: ErrorCode) -> BookingOutcome:
    return BookingOutcome.refused(error, citizen_text(error))
