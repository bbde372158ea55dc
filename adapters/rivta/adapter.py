"""`RivtaAdapter`: a region whose scheduling system speaks crm:scheduling 1.1 (RIVTABP21)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

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
    Performer,
    RebookRequest,
    RequestContext,
    SlotQuery,
    Timeslot,
    TimeType,
)
from adapters.errors import RegionProtocolError
from adapters.identifiers import HsaId, PersonalIdentity, mask_personal_numbers
from adapters.rivta import mapping
from adapters.rivta.failures import ProducerFault
from adapters.rivta.result_texts import recognise_error
from adapters.rivta.services import ServiceDirectory

__all__ = ["RivtaAdapter"]

T = TypeVar("T")

_GONE = frozenset({ErrorCode.APPOINTMENT_DOES_NOT_EXIST, ErrorCode.APPOINTMENT_IS_ALREADY_CANCELED})


class RivtaAdapter:
    """Every `RegionAdapter` method as one crm:scheduling 1.1 call to the producer."""

    kind = "rivta"

    def __init__(self, services: ServiceDirectory, client: httpx.AsyncClient, *, owns_client: bool = True) -> None:
        self.services = services
        self._client = client
        self._owns_client = owns_client

    @property
    def region(self) -> str:
        return self.services.region

    async def _call(
        self,
        name: str,
        ctx: RequestContext,
        body: Mapping[str, Any],
        read: Callable[[mapping.Answer], T],
    ) -> T:
        answer = await self.services.call(
            name, body, soap_headers=mapping.soap_headers(ctx), http_headers=mapping.http_headers(ctx)
        )
        try:
            return read(mapping.Answer(answer))
        except ValueError as exc:
            message = f"{name} at {self.region}: unreadable answer: {mask_personal_numbers(str(exc))}"
            raise RegionProtocolError(message, region=self.region) from exc

    # ------------------------------------------------------------ catalogue

    async def get_time_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[TimeType]:
        body = mapping.time_types_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAllTimeTypes", ctx, body, mapping.time_types_from)

    async def get_care_types(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareType]:
        body = mapping.care_types_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAllCareTypes", ctx, body, mapping.care_types_from)

    async def get_performers(self, ctx: RequestContext, query: CatalogueQuery) -> list[Performer]:
        body = mapping.performers_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAllPerformers", ctx, body, mapping.performers_from)

    async def get_care_units(self, ctx: RequestContext, query: CatalogueQuery) -> list[CareUnit]:
        body = mapping.care_units_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAllHealthcareFacilities", ctx, body, mapping.care_units_from)

    # ------------------------------------------------------------ free times

    async def get_available_dates(self, ctx: RequestContext, query: SlotQuery) -> list[AvailableDate]:
        body = mapping.slot_search_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAvailableDates", ctx, body, mapping.available_dates_from)

    async def get_available_timeslots(self, ctx: RequestContext, query: SlotQuery) -> list[Timeslot]:
        body = mapping.slot_search_request(query, mapping.subject_of_care(query.citizen, ctx))
        return await self._call("GetAvailableTimeslots", ctx, body, mapping.timeslots_from)

    # ------------------------------------------------------------ bookings

    async def get_schedule(self, ctx: RequestContext, care_unit: HsaId, citizen: PersonalIdentity) -> list[Booking]:
        body = mapping.schedule_request(care_unit, citizen)
        return await self._call(
            "GetSubjectOfCareSchedule", ctx, body, lambda answer: mapping.bookings_from(answer, citizen)
        )

    async def get_booking(self, ctx: RequestContext, care_unit: HsaId, booking_id: str) -> Booking | None:
        """The booking or invitation; None when the producer says it does not know the id, or that
        the booking is cancelled (1.1 has no empty answer for either: producers answer a SOAP Fault
        saying so, and a cancelled booking can no longer be shown)."""
        body = mapping.booking_details_request(care_unit, booking_id)
        try:
            return await self._call(
                "GetBookingDetails",
                ctx,
                body,
                lambda answer: mapping.booking_details_from(answer, booking_id),
            )
        except ProducerFault as fault:
            if recognise_error(fault.fault_string, "GetBookingDetails") in _GONE:
                return None
            raise

    async def make_booking(self, ctx: RequestContext, request: BookingRequest) -> BookingOutcome:
        body = mapping.make_booking_request(request)
        return await self._call("MakeBooking", ctx, body, lambda answer: mapping.outcome_from(answer, "MakeBooking"))

    async def update_booking(self, ctx: RequestContext, request: RebookRequest) -> BookingOutcome:
        body = mapping.update_booking_request(request)
        return await self._call(
            "UpdateBooking",
            ctx,
            body,
            lambda answer: mapping.outcome_from(answer, "UpdateBooking", booking_id=request.booking_id),
        )

    async def cancel_booking(self, ctx: RequestContext, request: CancelRequest) -> BookingOutcome:
        body = mapping.cancel_booking_request(request)
        return await self._call(
            "CancelBooking",
            ctx,
            body,
            lambda answer: mapping.outcome_from(answer, "CancelBooking", booking_id=request.booking_id),
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
