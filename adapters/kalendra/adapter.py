"""`KalendraAdapter`: a region whose booking system is Kalendra (REST/JSON, API version 2).

Writes are safe to retry:
- `make_booking` sends an `Idempotency-Key`. The key is taken from the context's extra headers
  when the caller gives one. Otherwise it is derived from citizen + opening + time type, so a
  retry of the same MakeBooking gets the reservation the first attempt made, never a second one.
- `update_booking` names its target state (move reservation R to opening O), so repeating it
  changes nothing.
- `cancel_booking` repeated is refused as APPOINTMENT_IS_ALREADY_CANCELED.

Group sessions are openings with more than one place; the adapter offers them with their places
left (`GroupBookingAdapter`), and a place is booked like any opening.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from adapters.domain import (
    AvailableDate,
    Booking,
    BookingOutcome,
    BookingRequest,
    CancelRequest,
    CareType,
    CareUnit,
    CatalogueQuery,
    ErrorCode,
    GroupTimeslot,
    Performer,
    RebookRequest,
    RequestContext,
    ResultCode,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionProtocolError
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.kalendra import mapping, wire
from adapters.kalendra.client import KalendraClient, KalendraRefusal
from adapters.kalendra.directory import Directory
from adapters.kalendra.mapping import ClinicCatalogue

__all__ = ["IDEMPOTENCY_HEADER", "KalendraAdapter"]

IDEMPOTENCY_HEADER = "Idempotency-Key"

_NO_SUCH_BOOKING = BookingOutcome.refused(ErrorCode.APPOINTMENT_DOES_NOT_EXIST, "Bokningen finns inte.")
_NO_SUCH_TIME = BookingOutcome.refused(
    ErrorCode.REQUESTED_TIME_IS_NO_LONGER_AVAILABLE, "Tiden finns inte längre. Välj en annan tid."
)
_NO_INVITATIONS = BookingOutcome.refused(
    ErrorCode.APPOINTMENT_DOES_NOT_EXIST, "Kallelsen finns inte. Kontakta mottagningen."
)


class KalendraAdapter:
    """Every `RegionAdapter` method, and `GroupBookingAdapter`'s, as calls to Kalendra's `/v2` API."""

    kind = "kalendra"
    idempotent_writes = frozenset({"make_booking", "update_booking"})

    def __init__(self, client: KalendraClient, directory: Directory, *, owns_client: bool = True) -> None:
        self._client = client
        self._directory = directory
        self._owns_client = owns_client

    @property
    def region(self) -> str:
        return self._client.region

    # ------------------------------------------------------------ catalogue

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        catalogue = await self._directory.for_care_unit(query.care_unit, request_id=ctx.correlation_id)
        kinds = catalogue.visit_kinds_matching(care_type_ids=query.care_type_ids, performers=query.performers)
        found = {mapping.time_type_id(kind): mapping.time_type(kind) for kind in kinds}
        return [found[key] for key in sorted(found)]

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        """The categories of the unit's visit kinds (vårdtyper)."""
        catalogue = await self._directory.for_care_unit(query.care_unit, request_id=ctx.correlation_id)
        kinds = catalogue.visit_kinds_matching(time_type_ids=query.time_type_ids, performers=query.performers)
        found = {care.care_type_id: care for care in (mapping.care_type(kind.category) for kind in kinds)}
        return [found[key] for key in sorted(found)]

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        catalogue = await self._directory.for_care_unit(query.care_unit, request_id=ctx.correlation_id)
        kinds = {
            kind.id
            for kind in catalogue.visit_kinds_matching(
                time_type_ids=query.time_type_ids, care_type_ids=query.care_type_ids, performers=query.performers
            )
        }
        filtered = bool(query.time_type_ids or query.care_type_ids or query.performers)
        return [
            mapping.performer(provider)
            for provider in sorted(catalogue.providers, key=lambda p: p.external_ref.value)
            if not filtered or kinds.intersection(provider.visit_kind_ids)
        ]

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        """Every clinic of this Kalendra: all of them take bookings."""
        clinics = await self._directory.clinics(request_id=ctx.correlation_id)
        return sorted((mapping.care_unit(clinic) for clinic in clinics), key=lambda unit: unit.hsa_id)

    # ------------------------------------------------------------ free times

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        return await self._free_timeslots(ctx, query)

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        """Free openings counted per Swedish date, performer and time type."""
        return mapping.available_dates(await self._free_timeslots(ctx, query))

    async def get_group_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[GroupTimeslot]:
        """Group sessions (openings of more than one place) with a place left."""
        return [
            GroupTimeslot(slot, opening.capacity, opening.places_left)
            for opening, slot in await self._free(ctx, query)
            if opening.capacity > 1
        ]

    async def _free_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        return [slot for _opening, slot in await self._free(ctx, query)]

    async def _free(self, ctx: RequestContext, query: SlotQuery) -> list[tuple[wire.Opening, Timeslot]]:
        if query.end_date < query.start_date:
            return []
        catalogue = await self._directory.for_care_unit(query.care_unit, request_id=ctx.correlation_id)
        time_type_ids: tuple[str, ...] = (query.time_type_id,) if query.time_type_id else ()
        if query.booking_id and not (time_type_ids or query.time_type_name):
            # a rebooking search: the booking's own time type governs
            current = await self._reservation(ctx, query.booking_id)
            if current is None or current.clinic_id != catalogue.clinic.id:
                return []
            time_type_ids = (current.opening.visit_kind_id,)
        filtered = bool(time_type_ids or query.time_type_name or query.care_type_id or query.care_type_name)
        kinds = catalogue.visit_kinds_matching(
            time_type_ids=time_type_ids,
            time_type_name=query.time_type_name,
            care_type_ids=(query.care_type_id,) if query.care_type_id else (),
            care_type_name=query.care_type_name,
        )
        providers = [p.id for p in map(catalogue.provider_by_hsa, query.performers) if p is not None]
        if (filtered and not kinds) or (query.performers and not providers):
            return []
        start, end = mapping.day_range(query.start_date, query.end_date)
        params: list[tuple[str, str | int]] = [("clinic", catalogue.clinic.id), ("from", start), ("to", end)]
        if filtered:
            params.extend(("visit_kind", kind.id) for kind in kinds)
        params.extend(("provider", provider) for provider in providers)
        openings = await self._client.get_all("/v2/openings", wire.Opening, params, request_id=ctx.correlation_id)
        catalogue = await self._directory.covering(catalogue, openings, request_id=ctx.correlation_id)
        return [(opening, self._timeslot(opening, catalogue)) for opening in openings]

    # ------------------------------------------------------------ bookings

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        catalogue = await self._directory.for_care_unit(care_unit, request_id=ctx.correlation_id)
        params = [("patient", citizen.value), ("clinic", catalogue.clinic.id), ("status", "active")]
        reservations = await self._client.get_all(
            "/v2/reservations", wire.Reservation, params, request_id=ctx.correlation_id
        )
        catalogue = await self._directory.covering(
            catalogue, [r.opening for r in reservations], request_id=ctx.correlation_id
        )
        return [self._booking(reservation, catalogue) for reservation in reservations]

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        """The active reservation at `care_unit`; None when Kalendra does not know the id, when the
        reservation is cancelled (the domain has no cancelled bookings) or is at another unit."""
        reservation = await self._reservation(ctx, booking_id)
        if reservation is None or reservation.status != "active":
            return None
        catalogue = await self._catalogue_of(ctx, reservation)
        if catalogue.hsa_id != HsaId(care_unit):
            return None
        return self._booking(reservation, catalogue)

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        if request.booking_id:
            return _NO_INVITATIONS  # Kalendra has no invitations (kallelser) to book against
        catalogue = await self._directory.for_care_unit(request.slot.care_unit, request_id=ctx.correlation_id)
        opening_id = request.slot.slot_id or await self._find_opening(ctx, catalogue, request.slot)
        if opening_id is None:
            return _NO_SUCH_TIME
        key = _explicit_idempotency_key(ctx) or mapping.derive_idempotency_key(
            request.citizen, opening_id, request.slot.time_type_id
        )
        body: dict[str, Any] = {
            "opening_id": opening_id,
            "patient": mapping.patient_body(request.citizen, request.details),
        }
        if request.reason:
            body["note"] = request.reason
        try:
            reservation = await self._client.post(
                "/v2/reservations",
                wire.Reservation,
                body,
                headers={IDEMPOTENCY_HEADER: key},
                request_id=ctx.correlation_id,
            )
        except KalendraRefusal as refusal:
            return _refused(refusal)
        catalogue = await self._directory.covering(catalogue, [reservation.opening], request_id=ctx.correlation_id)
        kind = catalogue.visit_kind(reservation.opening.visit_kind_id)
        if kind is not None and kind.preparation:
            return BookingOutcome(code=ResultCode.INFO, text=kind.preparation, booking_id=reservation.id)
        return BookingOutcome(code=ResultCode.OK, booking_id=reservation.id)

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        current = await self._reservation(ctx, request.booking_id)
        if current is None or current.patient.personal_number != request.citizen.value:
            return _NO_SUCH_BOOKING
        catalogue = await self._catalogue_of(ctx, current)
        if catalogue.hsa_id != HsaId(request.slot.care_unit):
            return _outcome("CLINIC_MISMATCH")
        opening_id = request.slot.slot_id
        if opening_id is None:
            kind = catalogue.visit_kind(current.opening.visit_kind_id)
            wanted = request.slot
            if wanted.time_type_id is None and kind is not None:
                wanted = _with_time_type(wanted, mapping.time_type_id(kind))
            opening_id = await self._find_opening(ctx, catalogue, wanted)
        if opening_id is None:
            return _NO_SUCH_TIME
        body: dict[str, Any] = {"opening_id": opening_id}
        if request.reason:
            body["note"] = request.reason
        path = f"/v2/reservations/{request.booking_id}"
        try:
            moved = await self._client.patch(path, wire.Reservation, body, request_id=ctx.correlation_id)
        except KalendraRefusal as refusal:
            return _refused(refusal)
        return BookingOutcome(code=ResultCode.OK, booking_id=moved.id)

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        current = await self._reservation(ctx, request.booking_id)
        if current is None:
            return _NO_SUCH_BOOKING
        if request.citizen is not None and current.patient.personal_number != request.citizen.value:
            return _NO_SUCH_BOOKING
        catalogue = await self._catalogue_of(ctx, current)
        if catalogue.hsa_id != HsaId(request.care_unit):
            return _NO_SUCH_BOOKING
        path = f"/v2/reservations/{request.booking_id}/cancel"
        body = {"reason": request.message} if request.message else {}
        try:
            await self._client.post(path, wire.Reservation, body, request_id=ctx.correlation_id)
        except KalendraRefusal as refusal:
            return _refused(refusal)
        return BookingOutcome(code=ResultCode.OK, booking_id=request.booking_id)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # ------------------------------------------------------------ helpers

    async def _reservation(self, ctx: RequestContext, reservation_id: str) -> wire.Reservation | None:
        path = f"/v2/reservations/{reservation_id}"
        try:
            return await self._client.get(path, wire.Reservation, request_id=ctx.correlation_id)
        except KalendraRefusal as refusal:
            if refusal.code == "RESERVATION_NOT_FOUND":
                return None
            raise

    async def _catalogue_of(self, ctx: RequestContext, reservation: wire.Reservation) -> ClinicCatalogue:
        catalogue = await self._directory.for_clinic_id(reservation.clinic_id, request_id=ctx.correlation_id)
        return await self._directory.covering(catalogue, [reservation.opening], request_id=ctx.correlation_id)

    async def _find_opening(self, ctx: RequestContext, catalogue: ClinicCatalogue, slot: Timeslot) -> str | None:
        """The opening a Timeslot without `slot_id` means (a crm:scheduling 1.1 consumer identifies a
        slot by unit, start, end, performer and time type). A free one is preferred; a reserved or
        past one is returned too, so that Kalendra itself says why it cannot be had."""
        if slot.start is None:
            return None
        kinds = catalogue.visit_kinds_matching(time_type_ids=(slot.time_type_id,) if slot.time_type_id else ())
        provider = catalogue.provider_by_hsa(slot.performer) if slot.performer else None
        if not kinds or (slot.performer and provider is None):
            return None
        start = mapping.to_utc(slot.start)
        # in UTC: wall-clock arithmetic on an aware datetime drops `fold` (the autumn hour's second 02:30)
        after = mapping.to_utc(slot.start.astimezone(dt.UTC) + dt.timedelta(seconds=1))
        params: list[tuple[str, str | int]] = [
            ("clinic", catalogue.clinic.id),
            ("from", start),
            ("to", after),
            ("status", "any"),
        ]
        if slot.time_type_id:
            params.extend(("visit_kind", kind.id) for kind in kinds)
        if provider is not None:
            params.append(("provider", provider.id))
        openings = await self._client.get_all("/v2/openings", wire.Opening, params, request_id=ctx.correlation_id)
        end = mapping.to_utc(slot.end) if slot.end is not None else None
        matching = [o for o in openings if o.starts_at == start and (end is None or o.ends_at == end)]
        matching.sort(key=lambda opening: opening.status != "open")
        return matching[0].id if matching else None

    def _timeslot(self, opening: wire.Opening, catalogue: ClinicCatalogue) -> Timeslot:
        try:
            return mapping.timeslot(opening, catalogue)
        except ValueError as exc:
            raise RegionProtocolError(f"opening at {self.region}: {exc}", region=self.region) from exc

    def _booking(self, reservation: wire.Reservation, catalogue: ClinicCatalogue) -> Booking:
        try:
            return mapping.booking(reservation, catalogue)
        except ValueError as exc:  # also a personal number that is not one (InvalidIdentifier)
            raise RegionProtocolError(f"reservation at {self.region}: {exc}", region=self.region) from exc


def _refused(refusal: KalendraRefusal) -> BookingOutcome:
    """The citizen's answer to a refusal Kalendra gave; a code that is no refusal is re-raised."""
    outcome = mapping.outcome_for_refusal(refusal.code)
    if outcome is None:
        raise refusal
    return outcome


def _outcome(code: str) -> BookingOutcome:
    outcome = mapping.outcome_for_refusal(code)
    if outcome is None:
        raise KeyError(code)
    return outcome


def _explicit_idempotency_key(ctx: RequestContext) -> str | None:
    for name, value in ctx.extra_headers.items():
        if name.lower() == IDEMPOTENCY_HEADER.lower() and value:
            return value
    return None


def _with_time_type(slot: Timeslot, time_type_id: str) -> Timeslot:
    return replace(slot, time_type_id=time_type_id)
