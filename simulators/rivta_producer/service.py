"""What the simulated region does for each crm:scheduling 1.1 interaction, and its local policy.

Refusals in MakeBooking, UpdateBooking and CancelBooking are `WriteOutcome`s with ResultCode ERROR
and a Swedish text for the citizen; requests the contract does not allow (unknown unit, missing
fields, an unknown booking in GetBookingDetails) raise `TechnicalError`, which the app turns into a
SOAP Fault. Local policy: cancel and rebook online until `cancel_deadline_hours` before the start;
a citizen (Actor `subject_of_care`) may only book, move, cancel and read their own bookings; one
citizen cannot hold two overlapping times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable

from contracts.timeformat import SWEDISH_TIME, parse_timestamp
from simulators.common.regions import Region
from simulators.rivta_producer.messages import (
    Actor,
    AvailableDate,
    CareTypeInfo,
    CatalogueRequest,
    CitizenInfo,
    FacilityInfo,
    PerformerInfo,
    RequestedTimeslot,
    ResultCode,
    SlotSearch,
    TimeslotView,
    TimeTypeInfo,
    WriteOutcome,
)
from simulators.rivta_producer.privacy import mask_personal_numbers
from simulators.rivta_producer.store import BookingRecord, SlotRecord, Store, UnitRecord

__all__ = ["SchedulingService", "TechnicalError", "Texts"]

_TS = "%Y%m%d%H%M%S"


class Texts:
    """The result texts the citizen sees (resultText), in Swedish as the region writes them."""

    SLOT_TAKEN = "Tiden har blivit upptagen av en annan patient."
    BOOKING_NOT_FOUND = "Bokningen finns inte."
    ALREADY_CANCELLED = "Bokningen är redan avbokad."
    CANCELLED_CANNOT_MOVE = "Bokningen är avbokad och kan inte ombokas."
    TIME_PASSED = "Tiden har redan passerat."
    BOOKED_TIME_PASSED = "Den bokade tiden har redan passerat."
    SLOT_UNKNOWN = "Den begärda tiden finns inte i tidboken."
    OVERLAP = "Du har redan en bokad tid som krockar med den här tiden."
    NOT_YOUR_BOOKING = "Du kan bara boka tider åt dig själv."
    INVITATION_NOT_FOUND = "Kallelsen finns inte."
    INVITATION_ALREADY_BOOKED = "Kallelsen är redan bokad. En kallelse kan bara bokas en gång."
    INVITATION_WRONG_TIME_TYPE = "Tiden gäller inte den typ av besök som kallelsen avser."
    WRONG_TIME_TYPE = "Den nya tiden gäller en annan typ av besök än bokningen."
    OPEN_INVITATION_NOT_MOVABLE = "Kallelsen har ingen tid att boka om. Boka en tid för kallelsen i stället."
    OPEN_INVITATION_NOT_CANCELLABLE = "En kallelse utan tid kan inte avbokas här. Kontakta mottagningen."
    INVITATION_CANCELLED = "Kallelsen är avbokad. Mottagningen kontaktar dig om en ny tid."

    @staticmethod
    def too_late_to_cancel(hours: int) -> str:
        return f"Tiden kan inte avbokas senare än {hours} timmar före besöket. Kontakta mottagningen."

    @staticmethod
    def too_late_to_move(hours: int) -> str:
        return f"Tiden kan inte ombokas senare än {hours} timmar före besöket. Kontakta mottagningen."


# What the citizen must know before some visits: MakeBooking answers INFO with this text.
_PREPARATION: dict[str, str] = {
    "PROV": "Kom fastande. Ät och drick inget utom vatten efter kl. 22 kvällen före provtagningen.",
    "VIDLAK": "Du får en länk till videomötet i 1177 senast 15 minuter före besöket.",
    "TELSSK": "Sjuksköterskan ringer dig på det telefonnummer du har angett.",
    "GRPFOR": "Gruppen träffas i Grupprummet. Ta gärna med ditt barn.",
}


class TechnicalError(Exception):
    """A request the contract does not allow: answered with a SOAP Fault. `kind` is stable and
    machine-readable (it goes into the fault's detail), `message` is the Swedish fault string."""

    def __init__(self, kind: str, message: str, *, code: str = "Client") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code


class SchedulingService:
    """One region's booking logic over its Store."""

    def __init__(
        self, store: Store, region: Region, *, clock: Callable[[], dt.datetime], cancel_deadline_hours: int
    ) -> None:
        self._store = store
        self._region = region
        self._clock = clock
        self._deadline = dt.timedelta(hours=cancel_deadline_hours)
        self._deadline_hours = cancel_deadline_hours
        self._units = store.units()
        self._unit_by_key = {unit.hsa_id.upper(): unit for unit in self._units}
        self._time_types = {t.time_type_id: t for t in store.time_types()}
        self._performers = store.performers()

    # -- addressing ------------------------------------------------------------------------------

    @property
    def region(self) -> Region:
        return self._region

    @property
    def units(self) -> list[UnitRecord]:
        return list(self._units)

    def check_logical_address(self, address: str | None) -> None:
        """The LogicalAddress must name one of this region's care units or the region itself."""
        if address is None:
            raise TechnicalError("missing-logical-address", "LogicalAddress saknas i SOAP-huvudet.")
        key = address.upper()
        if key != self._region.hsa_id.upper() and key not in self._unit_by_key:
            raise TechnicalError("unknown-logical-address", f"Okänd logisk adress: {_masked(address)}")

    def _scope(self, healthcare_facility: str) -> list[UnitRecord]:
        """The units a request about `healthcare_facility` covers: one unit, or all for the region id."""
        key = healthcare_facility.upper()
        if key == self._region.hsa_id.upper():
            return list(self._units)
        unit = self._unit_by_key.get(key)
        if unit is None:
            raise TechnicalError("unknown-care-unit", f"Okänd vårdenhet: {_masked(healthcare_facility)}")
        return [unit]

    def _unit(self, healthcare_facility: str) -> UnitRecord:
        unit = self._unit_by_key.get(healthcare_facility.upper())
        if unit is None:
            raise TechnicalError("unknown-care-unit", f"Okänd vårdenhet: {_masked(healthcare_facility)}")
        return unit

    # -- time ------------------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self._clock().astimezone(SWEDISH_TIME)

    def _now_text(self) -> str:
        return self._now().strftime(_TS)

    def _flags(self, booking: BookingRecord, now: dt.datetime) -> bool:
        """Whether the citizen may still cancel or move the booking online (local policy)."""
        if not booking.is_active or booking.start is None:
            return False
        return parse_timestamp(booking.start) - now >= self._deadline

    # -- reads -----------------------------------------------------------------------------------

    def get_subject_of_care_schedule(
        self, actor: Actor | None, healthcare_facility: str, subject_of_care: str
    ) -> list[TimeslotView]:
        """The citizen's coming bookings and timed invitations (not open ones, not cancelled)."""
        units = self._scope(healthcare_facility)
        if actor is not None and actor.is_citizen and actor.actor_id != subject_of_care:
            raise TechnicalError("actor-mismatch", "Aktören får bara se sina egna bokningar.")
        now = self._now()
        now_text = now.strftime(_TS)
        bookings = self._store.bookings_of(subject_of_care, units=[u.hsa_id for u in units])
        return [
            self._view(booking, now)
            for booking in bookings
            if booking.is_active and booking.end is not None and booking.end > now_text
        ]

    def get_booking_details(self, actor: Actor | None, healthcare_facility: str, booking_id: str) -> TimeslotView:
        """One booking or invitation, open invitations included. Unknown id: a fault."""
        units = self._scope(healthcare_facility)
        booking = self._store.booking(booking_id)
        if (
            booking is None
            or booking.unit_hsa.upper() not in {u.hsa_id.upper() for u in units}
            or (actor is not None and actor.is_citizen and actor.actor_id != booking.subject_of_care)
        ):
            raise TechnicalError("booking-not-found", Texts.BOOKING_NOT_FOUND)
        if not booking.is_active:
            raise TechnicalError("booking-cancelled", "Bokningen är avbokad.")
        return self._view(booking, self._now())

    def get_available_dates(self, search: SlotSearch) -> list[AvailableDate]:
        dates: dict[tuple[str, str, str, str], AvailableDate] = {}
        for slot in self._free(search):
            key = (slot.unit_hsa.upper(), slot.start[:8], slot.performer_hsa.upper(), slot.time_type_id)
            if key not in dates:
                dates[key] = AvailableDate(
                    healthcare_facility=slot.unit_hsa,
                    date=slot.start[:8],
                    performer=slot.performer_hsa,
                    resource_name=slot.resource_name,
                    resource_id=slot.resource_id,
                    time_type_name=slot.time_type_name,
                    time_type_id=slot.time_type_id,
                    care_type_name=slot.care_type_name,
                    care_type_id=slot.care_type_id,
                )
        return list(dates.values())

    def get_available_timeslots(self, search: SlotSearch) -> list[TimeslotView]:
        views: list[TimeslotView] = []
        seen: set[tuple[str, str, str, str]] = set()
        for slot in self._free(search):
            key = (slot.unit_hsa.upper(), slot.performer_hsa.upper(), slot.time_type_id, slot.start)
            if key in seen:  # the other free places of a group session
                continue
            seen.add(key)
            views.append(_slot_view(slot))
        return views

    def _free(self, search: SlotSearch) -> list[SlotRecord]:
        units = self._scope(search.healthcare_facility)
        if search.end_date < search.start_date:
            raise TechnicalError("invalid-request", "endDateInclusive ligger före startDateInclusive.")
        time_type_ids: Collection[str] | None
        if search.booking_id is not None:
            booking = self._store.booking(search.booking_id)
            if booking is None or not booking.is_active or booking.subject_of_care != search.subject_of_care:
                return []
            time_type_ids = {booking.time_type_id}  # rebooking: the original time type governs
        else:
            time_type_ids = self._time_types_matching(search)
        earliest = (self._now() + dt.timedelta(seconds=1)).strftime(_TS)
        return self._store.free_slots(
            units=[u.hsa_id for u in units],
            first_start=max(search.start_date + "000000", earliest),
            last_start=search.end_date + "235959",
            time_type_ids=time_type_ids,
            performers=search.performers,
        )

    def _time_types_matching(self, search: SlotSearch) -> set[str] | None:
        if not any((search.time_type_id, search.time_type_name, search.care_type_id, search.care_type_name)):
            return None
        return {
            t.time_type_id
            for t in self._time_types.values()
            if (search.time_type_id is None or t.time_type_id == search.time_type_id)
            and (search.time_type_name is None or t.name.casefold() == search.time_type_name.casefold())
            and (search.care_type_id is None or t.care_type_id == search.care_type_id)
            and (search.care_type_name is None or t.care_type_name.casefold() == search.care_type_name.casefold())
        }

    # -- catalogue -------------------------------------------------------------------------------

    def get_all_time_types(self, request: CatalogueRequest) -> list[TimeTypeInfo]:
        offered = _offered(self._scope(request.healthcare_facility))
        return [
            TimeTypeInfo(t.time_type_id, t.name)
            for t in self._time_types.values()
            if t.time_type_id in offered and (not request.care_type_ids or t.care_type_id in request.care_type_ids)
        ]

    def get_all_care_types(self, request: CatalogueRequest) -> list[CareTypeInfo]:
        units = self._scope(request.healthcare_facility)
        offered = _offered(units)
        if request.time_type_ids:
            offered &= set(request.time_type_ids)
        if request.performers:
            wanted = {p.upper() for p in request.performers}
            offered &= {t for p in self._performers if p.hsa_id.upper() in wanted for t in p.time_type_ids}
        care_types: dict[str, CareTypeInfo] = {}
        for t in self._time_types.values():
            if t.time_type_id in offered:
                care_types.setdefault(t.care_type_id, CareTypeInfo(t.care_type_id, t.care_type_name))
        return list(care_types.values())

    def get_all_performers(self, request: CatalogueRequest) -> list[PerformerInfo]:
        units = {u.hsa_id.upper() for u in self._scope(request.healthcare_facility)}
        care_type_of = {t.time_type_id: t.care_type_id for t in self._time_types.values()}
        return [
            PerformerInfo(p.hsa_id, p.first_name, p.last_name, p.title)
            for p in self._performers
            if p.unit_hsa.upper() in units
            and p.time_type_ids
            and (not request.time_type_ids or set(p.time_type_ids) & set(request.time_type_ids))
            and (not request.care_type_ids or {care_type_of[t] for t in p.time_type_ids} & set(request.care_type_ids))
        ]

    def get_all_healthcare_facilities(self, request: CatalogueRequest) -> list[FacilityInfo]:
        """The region's units that take bookings; with a bookingId, where that booking or invitation
        may be booked (units offering its time type). An unknown bookingId gives an empty list."""
        self._scope(request.healthcare_facility)
        if request.booking_id is None:
            return [FacilityInfo(u.hsa_id, u.name) for u in self._units if u.time_type_ids]
        booking = self._store.booking(request.booking_id)
        if booking is None or not booking.is_active or booking.subject_of_care != request.subject_of_care:
            return []
        return [FacilityInfo(u.hsa_id, u.name) for u in self._units if booking.time_type_id in u.time_type_ids]

    # -- writes ----------------------------------------------------------------------------------

    def make_booking(
        self, actor: Actor | None, requested: RequestedTimeslot, citizen: CitizenInfo, notification: str | None
    ) -> WriteOutcome:
        start, end = _required_times(requested)
        if requested.subject_of_care is None:
            raise TechnicalError("invalid-request", "subject_of_care krävs i requestedTimeslot.")
        unit = self._unit(requested.healthcare_facility)
        subject = requested.subject_of_care
        if actor is not None and actor.is_citizen and actor.actor_id != subject:
            return WriteOutcome.error(Texts.NOT_YOUR_BOOKING)
        now_text = self._now_text()
        if start <= now_text:
            return WriteOutcome.error(Texts.TIME_PASSED)

        invitation: BookingRecord | None = None
        time_type_id = requested.time_type_id
        if requested.booking_id is not None:
            invitation = self._store.booking(requested.booking_id)
            if invitation is None or invitation.subject_of_care != subject or not invitation.from_invitation:
                return WriteOutcome.error(Texts.INVITATION_NOT_FOUND)
            if not invitation.is_active or not invitation.is_open_invitation:
                return WriteOutcome.error(Texts.INVITATION_ALREADY_BOOKED)
            if time_type_id is not None and time_type_id != invitation.time_type_id:
                return WriteOutcome.error(Texts.INVITATION_WRONG_TIME_TYPE)
            time_type_id = invitation.time_type_id

        every, free = self._store.matching_slots(
            unit=unit.hsa_id, start=start, end=end, performer=requested.performer, time_type_id=time_type_id
        )
        if not every:
            return WriteOutcome.error(Texts.SLOT_UNKNOWN)
        if self._store.overlaps(subject, start, end):
            return WriteOutcome.error(Texts.OVERLAP)
        if not free:
            return WriteOutcome.error(Texts.SLOT_TAKEN)

        if invitation is not None:
            booked = self._store.book_open_invitation(
                invitation.booking_id,
                free,
                citizen=citizen,
                reason=requested.reason,
                notification=notification,
                now=now_text,
            )
            if booked is False:
                return WriteOutcome.error(Texts.INVITATION_ALREADY_BOOKED)
            booking_id: str | None = invitation.booking_id if booked else None
        else:
            booking_id = self._store.book(
                free,
                subject_of_care=subject,
                citizen=citizen,
                reason=requested.reason,
                notification=notification,
                now=now_text,
            )
        if booking_id is None:
            return WriteOutcome.error(Texts.SLOT_TAKEN)
        preparation = _PREPARATION.get(free[0].time_type_id)
        if preparation is not None:
            return WriteOutcome(ResultCode.INFO, preparation, booking_id)
        return WriteOutcome(ResultCode.OK, None, booking_id)

    def update_booking(
        self, actor: Actor | None, requested: RequestedTimeslot, citizen: CitizenInfo | None, notification: str | None
    ) -> WriteOutcome:
        """Move a booking or timed invitation to a new time; the id stays, an invitation becomes a booking."""
        if requested.booking_id is None:
            raise TechnicalError("invalid-request", "bookingId krävs i requestedTimeslot vid ombokning.")
        start, end = _required_times(requested)
        unit = self._unit(requested.healthcare_facility)
        booking = self._store.booking(requested.booking_id)
        if (
            booking is None
            or (actor is not None and actor.is_citizen and actor.actor_id != booking.subject_of_care)
            or (requested.subject_of_care is not None and requested.subject_of_care != booking.subject_of_care)
        ):
            return WriteOutcome.error(Texts.BOOKING_NOT_FOUND)
        if not booking.is_active:
            return WriteOutcome.error(Texts.CANCELLED_CANNOT_MOVE)
        if booking.is_open_invitation:
            return WriteOutcome.error(Texts.OPEN_INVITATION_NOT_MOVABLE)
        now = self._now()
        now_text = now.strftime(_TS)
        if booking.start is not None and booking.start <= now_text:
            return WriteOutcome.error(Texts.BOOKED_TIME_PASSED)
        if not self._flags(booking, now):
            return WriteOutcome.error(Texts.too_late_to_move(self._deadline_hours))
        if start <= now_text:
            return WriteOutcome.error(Texts.TIME_PASSED)
        if requested.time_type_id is not None and requested.time_type_id != booking.time_type_id:
            return WriteOutcome.error(Texts.WRONG_TIME_TYPE)
        every, free = self._store.matching_slots(
            unit=unit.hsa_id, start=start, end=end, performer=requested.performer, time_type_id=booking.time_type_id
        )
        if not every:
            return WriteOutcome.error(Texts.SLOT_UNKNOWN)
        if self._store.overlaps(booking.subject_of_care, start, end, ignore_booking=booking.booking_id):
            return WriteOutcome.error(Texts.OVERLAP)
        free_ids = {slot.slot_id for slot in free}
        candidates = [slot for slot in every if slot.slot_id in free_ids or slot.slot_id == booking.slot_id]
        if not candidates:
            return WriteOutcome.error(Texts.SLOT_TAKEN)
        moved = self._store.move(
            booking.booking_id, candidates, citizen=citizen, notification=notification, now=now_text
        )
        if moved is None:
            return WriteOutcome.error(Texts.SLOT_TAKEN)
        if moved is False:
            return WriteOutcome.error(Texts.CANCELLED_CANNOT_MOVE)
        preparation = _PREPARATION.get(booking.time_type_id)
        if preparation is not None:
            return WriteOutcome(ResultCode.INFO, preparation)
        return WriteOutcome(ResultCode.OK)

    def cancel_booking(
        self, actor: Actor | None, healthcare_facility: str, booking_id: str, message: str | None
    ) -> WriteOutcome:
        units = self._scope(healthcare_facility)
        booking = self._store.booking(booking_id)
        if (
            booking is None
            or booking.unit_hsa.upper() not in {u.hsa_id.upper() for u in units}
            or (actor is not None and actor.is_citizen and actor.actor_id != booking.subject_of_care)
        ):
            return WriteOutcome.error(Texts.BOOKING_NOT_FOUND)
        if not booking.is_active:
            return WriteOutcome.error(Texts.ALREADY_CANCELLED)
        if booking.is_open_invitation:
            return WriteOutcome.error(Texts.OPEN_INVITATION_NOT_CANCELLABLE)
        now = self._now()
        if booking.start is not None and booking.start <= now.strftime(_TS):
            return WriteOutcome.error(Texts.BOOKED_TIME_PASSED)
        if not self._flags(booking, now):
            return WriteOutcome.error(Texts.too_late_to_cancel(self._deadline_hours))
        if not self._store.cancel(booking.booking_id, message=message, now=now.strftime(_TS)):
            return WriteOutcome.error(Texts.ALREADY_CANCELLED)
        if booking.is_invitation:
            return WriteOutcome(ResultCode.INFO, Texts.INVITATION_CANCELLED)
        return WriteOutcome(ResultCode.OK)

    # -- views -----------------------------------------------------------------------------------

    def _view(self, booking: BookingRecord, now: dt.datetime) -> TimeslotView:
        allowed = self._flags(booking, now)
        return TimeslotView(
            healthcare_facility=booking.unit_hsa,
            start=booking.start,
            end=booking.end,
            performer=booking.performer_hsa,
            booking_id=booking.booking_id,
            subject_of_care=booking.subject_of_care,
            purpose=booking.purpose,
            reason=booking.reason,
            resource_name=booking.resource_name,
            healthcare_facility_name=booking.unit_name,
            performer_name=_performer_name(
                booking.performer_title, booking.performer_first_name, booking.performer_last_name
            ),
            resource_id=booking.resource_id,
            time_type_name=booking.time_type_name,
            time_type_id=booking.time_type_id,
            care_type_name=booking.care_type_name,
            care_type_id=booking.care_type_id,
            cancel_booking_allowed=allowed,
            rebooking_allowed=allowed,
            message_allowed=allowed,
            is_invitation=booking.is_invitation,
        )


def _masked(echoed: str) -> str:
    """A caller's value echoed in a fault string: cut short, anything like a personnummer hidden."""
    return mask_personal_numbers(echoed[:64])


def _required_times(requested: RequestedTimeslot) -> tuple[str, str]:
    if requested.start is None or requested.end is None:
        raise TechnicalError("invalid-request", "startTimeInclusive och endTimeExclusive krävs i requestedTimeslot.")
    if requested.end <= requested.start:
        raise TechnicalError("invalid-request", "endTimeExclusive måste ligga efter startTimeInclusive.")
    return requested.start, requested.end


def _offered(units: Iterable[UnitRecord]) -> set[str]:
    return {t for unit in units for t in unit.time_type_ids}


def _performer_name(title: str | None, first: str | None, last: str | None) -> str | None:
    name = " ".join(part for part in (title, first, last) if part)
    return name or None


def _slot_view(slot: SlotRecord) -> TimeslotView:
    return TimeslotView(
        healthcare_facility=slot.unit_hsa,
        start=slot.start,
        end=slot.end,
        performer=slot.performer_hsa,
        resource_name=slot.resource_name,
        healthcare_facility_name=slot.unit_name,
        performer_name=_performer_name(slot.performer_title, slot.performer_first_name, slot.performer_last_name),
        resource_id=slot.resource_id,
        time_type_name=slot.time_type_name,
        time_type_id=slot.time_type_id,
        care_type_name=slot.care_type_name,
        care_type_id=slot.care_type_id,
    )
