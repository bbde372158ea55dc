"""What the upgraded region does for each scheduling 2 interaction, and its local policy.

Refusals are answers: `resultCode` carries the specific code (REQUESTED_TIME_IS_ALREADY_RESERVED,
TOO_LATE_TO_CANCEL_APPOINTMENT, …, each interaction using only the codes TKB 2.0 lists for it) or
ERROR for a broken reason rule, with a Swedish `resultText`. Requests the contract does not allow
(no or unknown LogicalAddress, an unknown actor type, time type and healthcare service both given,
a citizen asking for someone else's appointment list) raise `SoapFault`.

Local policy: cancel and rebook online until `cancel_deadline_hours` / `update_deadline_hours`
before the start; no booking closer than `booking_deadline_minutes` to the start (such times are
not offered either); a protected (hidden) time type needs a referral; a citizen acting as
themself (actor type 116154003) may only act for their own person id; one citizen cannot hold two
overlapping times; a clinic's proposal (preliminary) lapses unless confirmed by its deadline.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable

from contracts.timeformat import SWEDISH_TIME, parse_timestamp
from simulators.common.regions import Region
from simulators.common.rivta_soap import SoapFault
from simulators.common.seed import TIME_TYPES
from simulators.rivta2_producer.config import Producer2Config
from simulators.rivta2_producer.messages import (
    Actor,
    AppointmentQuery,
    AppointmentView,
    AvailableDateView,
    CatalogueQuery,
    FacilityView,
    Identity,
    Outcome,
    SlotSearch,
    SlotView,
    TimeTypeView,
    WriteRequest,
)
from simulators.rivta2_producer.store import (
    AppointmentRecord,
    BookingResult,
    PractitionerRecord,
    SlotRecord,
    Store,
    UnitRecord,
)
from simulators.rivta2_producer.vocabulary import (
    ActorKind,
    Code,
    Information,
    Process,
    Requirement,
    profile_for,
    unit_profile,
)

__all__ = ["Scheduling2Service", "Texts"]

_TS = "%Y%m%d%H%M%S"


class Texts:
    """The result texts the citizen sees (resultText)."""

    RESERVED = "Tiden har precis bokats av någon annan. Välj en annan tid."
    PASSED = "Tiden har redan passerat."
    NO_LONGER_AVAILABLE = "Tiden finns inte längre i tidboken."
    OCCUPIED = "Du har redan en bokad tid som krockar med den här tiden."
    NOT_FOUND = "Bokningen finns inte."
    CANCELED = "Bokningen är avbokad."
    UPDATED = "Bokningen har redan bokats om."
    CONFIRMED = "Bokningen är redan bekräftad."
    EXPIRED = "Tidsförslaget gick ut innan det bekräftades."
    HIDDEN = "Den här typen av tid kan bara bokas efter bedömning eller kallelse."
    SELF_ONLY = "Du kan bara hantera dina egna bokningar."
    CANCEL_NOT_ALLOWED = "Den här tiden kan inte avbokas här. Kontakta mottagningen."
    UPDATE_NOT_ALLOWED = "Den här tiden kan inte bokas om här. Kontakta mottagningen."
    OTHER_TIME_TYPE = "Den nya tiden gäller en annan typ av besök än bokningen."
    REASON_TEXT_MISSING = "Ange en anledning."
    REASON_CODE_MISSING = "Välj en anledning i listan."
    REASON_CODE_UNKNOWN = "Anledningen finns inte i listan."
    ORIGINAL_NOT_FOUND = "Ursprungsbokningen finns inte."

    @staticmethod
    def too_many(limit: int) -> str:
        return f"Visar de {limit} första lediga tiderna. Välj en kortare period eller en tidstyp för att se fler."

    @staticmethod
    def too_late(action: str, limit: str) -> str:
        return f"Tiden kan inte {action} senare än {limit} före besöket. Kontakta mottagningen."


class Scheduling2Service:
    """One region's booking logic over its Store."""

    def __init__(self, store: Store, region: Region, config: Producer2Config) -> None:
        self._store = store
        self._region = region
        self._config = config
        self._units = store.units()
        self._unit_by_key = {unit.hsa_id.upper(): unit for unit in self._units}
        seeds = {t.time_type_id: t for t in TIME_TYPES}
        self._time_types = {
            t.time_type_id: TimeTypeView(t, profile_for(seeds[t.time_type_id])) for t in store.time_types()
        }
        self._practitioners = {p.hsa_id.upper(): p for p in store.practitioners()}

    @property
    def region(self) -> Region:
        return self._region

    @property
    def units(self) -> list[UnitRecord]:
        return list(self._units)

    def time_type(self, time_type_id: str) -> TimeTypeView:
        return self._time_types[time_type_id]

    # -- time and housekeeping -------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self._config.clock().astimezone(SWEDISH_TIME)

    def now_text(self) -> str:
        return self._now().strftime(_TS)

    def housekeeping(self) -> int:
        """Let unconfirmed clinic proposals lapse; run before every call."""
        return self._store.expire_proposals(self.now_text())

    def _until(self, start: str) -> dt.timedelta:
        return parse_timestamp(start) - self._now()

    # -- addressing ------------------------------------------------------------------------------

    def scope(self, address: str | None) -> list[UnitRecord]:
        """The units a call addressed to `address` covers: one unit, or all of them for the region
        (its HSA-id or county code, as an aggregating service would address it)."""
        if address is None:
            raise SoapFault("missing-logical-address", "LogicalAddress saknas i SOAP-huvudet.")
        key = address.strip().upper()
        if key in {self._region.hsa_id.upper(), self._region.code}:
            return list(self._units)
        unit = self._unit_by_key.get(key)
        if unit is None:
            raise SoapFault("unknown-logical-address", f"Okänd logisk adress: {address}")
        return [unit]

    def unit(self, address: str | None) -> UnitRecord:
        units = self.scope(address)
        if len(units) != 1 or address is None or address.strip().upper() != units[0].hsa_id.upper():
            raise SoapFault("not-a-care-unit", "Tjänsten ska adresseras till en vårdenhet, inte till regionen.")
        return units[0]

    @staticmethod
    def _keys(units: Iterable[UnitRecord]) -> list[str]:
        return [unit.hsa_id for unit in units]

    # -- the actor -------------------------------------------------------------------------------

    @staticmethod
    def _check_actor_type(actor: Actor | None) -> None:
        if actor is not None and actor.kind is None:
            raise SoapFault("unknown-actor-type", f"Okänd aktörstyp: {actor.code}")

    @classmethod
    def _acts_for(cls, actor: Actor, person: Identity) -> bool:
        """A citizen acting as themself may only act for their own person id."""
        cls._check_actor_type(actor)
        return actor.kind is not ActorKind.CITIZEN or actor.actor_id.extension == person.extension

    # -- time types --------------------------------------------------------------------------------

    def _matching_time_types(
        self,
        units: Collection[UnitRecord],
        *,
        time_type_code: str | None,
        service_code: str | None,
        contact_types: Collection[Code] = (),
        practitioner: str | None = None,
        person: Identity | None = None,
        include_hidden: bool = False,
    ) -> list[TimeTypeView]:
        """Time types offered at `units` that match the filters. A protected (hidden) time type is
        included when asked for by code, when the person has a referral to it, or on request."""
        if time_type_code is not None and service_code is not None:
            raise SoapFault("time-type-and-service", "Ange tidstyp eller vårdtjänst, inte båda.")
        offered = {t for unit in units for t in unit.time_type_ids}
        served: set[str] | None = None
        if practitioner is not None:
            found = self._practitioners.get(practitioner.upper())
            served = set(found.time_type_ids) if found is not None else set()
        matches: list[TimeTypeView] = []
        for view in self._time_types.values():
            record, profile = view.record, view.profile
            if record.time_type_id not in offered or (served is not None and record.time_type_id not in served):
                continue
            if time_type_code is not None and record.time_type_id != time_type_code:
                continue
            if service_code is not None and (
                profile.healthcare_service is None or profile.healthcare_service.code != service_code
            ):
                continue
            if contact_types and not any(_same_code(profile.contact_type, wanted) for wanted in contact_types):
                continue
            if (
                profile.hidden
                and time_type_code is None
                and not include_hidden
                and not self._referred(person, units, record.time_type_id)
            ):
                continue
            matches.append(view)
        return matches

    def _referred(self, person: Identity | None, units: Iterable[UnitRecord], time_type_id: str) -> bool:
        return person is not None and any(
            self._store.has_referral(person.extension, unit.hsa_id, time_type_id) for unit in units
        )

    def get_time_types(self, address: str | None, query: CatalogueQuery) -> list[TimeTypeView]:
        """Without a person: every time type, protected ones too (administration); with one: those
        the person may book (protected ones only with a referral)."""
        self._check_actor_type(query.actor)
        return self._matching_time_types(
            self.scope(address),
            time_type_code=None,
            service_code=query.service_code,
            practitioner=query.practitioner,
            person=query.person,
            include_hidden=query.person is None,
        )

    # -- free times ------------------------------------------------------------------------------

    def _free(self, address: str | None, search: SlotSearch) -> list[SlotRecord] | Outcome:
        self._check_actor_type(search.actor)
        units = self.scope(address)
        if search.end_date < search.start_date:
            raise SoapFault("invalid-period", "endDateInclusive ligger före startDateInclusive.")
        views = self._matching_time_types(
            units,
            time_type_code=search.time_type_code,
            service_code=search.service_code,
            contact_types=search.contact_types,
            practitioner=search.practitioner,
            person=search.person,
        )
        ignore: str | None = None
        if search.original_appointment_id is not None:
            original = self._store.appointment(search.original_appointment_id.lower())
            if (
                original is None
                or not original.is_active
                or (search.person is not None and original.person_id != search.person.extension)
            ):
                return Outcome("ERROR", Texts.ORIGINAL_NOT_FOUND)
            views = [v for v in views if v.record.time_type_id == original.slot.time_type_id]
            ignore = original.slot.slot_id
        earliest = self._now() + dt.timedelta(minutes=self._config.booking_deadline_minutes, seconds=1)
        slots = self._store.free_slots(
            units=self._keys(units),
            first_start=max(search.start_date + "000000", earliest.strftime(_TS)),
            last_start=search.end_date + "235959",
            time_type_ids=[v.record.time_type_id for v in views],
            practitioner=search.practitioner,
        )
        return [slot for slot in slots if slot.slot_id != ignore]

    def _within_guarantee(self, slot: SlotRecord, days: int | None) -> bool | None:
        if days is None:
            return None
        return slot.start[:8] <= (self._now().date() + dt.timedelta(days=days)).strftime("%Y%m%d")

    def get_available_timeslots(self, address: str | None, search: SlotSearch) -> tuple[list[SlotView], Outcome]:
        """At most `max_timeslots`, the earliest; when there are more, INFO says so."""
        free = self._free(address, search)
        if isinstance(free, Outcome):
            return [], free
        limit = self._config.max_timeslots
        views = [self._slot_view(slot) for slot in free[:limit]]
        if len(free) > limit:
            return views, Outcome("INFO", Texts.too_many(limit))
        return views, Outcome("OK")

    def _slot_view(self, slot: SlotRecord) -> SlotView:
        view = self._time_types[slot.time_type_id]
        return SlotView(slot, view, self._within_guarantee(slot, view.profile.guarantee_days))

    def get_available_dates(self, address: str | None, search: SlotSearch) -> tuple[list[AvailableDateView], Outcome]:
        """One entry per (date, time type, practitioner), as the contract asks when unfiltered."""
        free = self._free(address, search)
        if isinstance(free, Outcome):
            return [], free
        counts: dict[tuple[str, str, str], int] = {}
        for slot in free:
            key = (slot.start[:8], slot.time_type_id, slot.practitioner_hsa.upper())
            counts[key] = counts.get(key, 0) + 1
        return [
            AvailableDateView(date, count, self._time_types[time_type_id], self._practitioners[practitioner])
            for (date, time_type_id, practitioner), count in counts.items()
        ], Outcome("OK")

    # -- catalogue ---------------------------------------------------------------------------------

    def get_practitioners(self, address: str | None, query: CatalogueQuery) -> tuple[list[PractitionerRecord], Outcome]:
        self._check_actor_type(query.actor)
        units = self.scope(address)
        time_type_code = query.time_type_code
        if query.original_appointment_id is not None:
            original = self._store.appointment(query.original_appointment_id.lower())
            if original is None or not original.is_active:
                return [], Outcome("ERROR", Texts.ORIGINAL_NOT_FOUND)
            time_type_code = original.slot.time_type_id
        wanted = {
            v.record.time_type_id
            for v in self._matching_time_types(
                units, time_type_code=time_type_code, service_code=query.service_code, person=query.person
            )
        }
        keys = {unit.hsa_id.upper() for unit in units}
        return [
            p for p in self._practitioners.values() if p.unit_hsa.upper() in keys and wanted & set(p.time_type_ids)
        ], Outcome("OK")

    def get_healthcare_facilities(
        self, address: str | None, query: CatalogueQuery
    ) -> tuple[list[FacilityView], Outcome]:
        """The region's units that offer what is asked for: the addressed unit answers for all of
        them, as a 'virtual vårdcentral' does; itself included only when it offers it."""
        self.scope(address)
        time_type_code = query.time_type_code
        if query.original_appointment_id is not None:
            original = self._store.appointment(query.original_appointment_id.lower())
            if original is None or not original.is_active:
                return [], Outcome("ERROR", Texts.ORIGINAL_NOT_FOUND)
            time_type_code = original.slot.time_type_id
        units = [
            unit
            for unit in self._units
            if self._matching_time_types(
                [unit], time_type_code=time_type_code, service_code=query.service_code, person=query.person
            )
        ]
        return [FacilityView(unit, unit_profile(unit.name)) for unit in units], Outcome("OK")

    def get_healthcare_facility(self, address: str | None) -> FacilityView:
        unit = self.unit(address)
        return FacilityView(unit, unit_profile(unit.name))

    # -- appointments: reading ---------------------------------------------------------------------

    def _owned(self, address: str | None, appointment_id: str | None, person: Identity) -> AppointmentRecord | None:
        """The appointment with this id, at the addressed unit(s), of this person; else None."""
        units = {unit.hsa_id.upper() for unit in self.scope(address)}
        if appointment_id is None:
            return None
        found = self._store.appointment(appointment_id.lower())
        if found is None or found.person_id != person.extension or found.slot.unit_hsa.upper() not in units:
            return None
        return found

    def get_appointment(self, address: str | None, request: WriteRequest) -> tuple[AppointmentView | None, Outcome]:
        """Nothing (OK) when the id and person do not match; nothing (INFO) for one that is no
        longer valid; otherwise the appointment in full."""
        found = self._owned(address, request.appointment_id, request.person)
        if not self._acts_for(request.actor, request.person):
            return None, Outcome("ERROR", Texts.SELF_ONLY)
        if found is None:
            return None, Outcome("OK")
        if not found.is_active:
            return None, Outcome("INFO", _gone_text(found))
        return self._appointment_view(found), Outcome("OK")

    def _appointment_view(self, record: AppointmentRecord) -> AppointmentView:
        view = self._time_types[record.slot.time_type_id]
        information: list[Information] = []
        references: list[tuple[str, str]] = []
        if record.status == "preliminary" and record.confirm_by is not None:
            deadline = parse_timestamp(record.confirm_by).strftime("%Y-%m-%d %H:%M")
            information.append(Information("Tidsförslag från mottagningen", f"Bekräfta tiden senast {deadline}."))
        if view.profile.preparation is not None:
            information.append(view.profile.preparation)
        if view.record.channel == "video":
            link = f"https://videomote.example/{self._region.code}/{record.appointment_id}"
            information.append(Information("Länk till videomötet", "Din personliga länk till mötet.", link))
            references.append(("Videomöte", link))
        return AppointmentView(record, view, tuple(information), tuple(references))

    def get_appointments(self, address: str | None, query: AppointmentQuery) -> list[tuple[str, str]]:
        """(appointment id, unit HSA-id) of the person's valid appointments at the addressed unit(s)."""
        units = self.scope(address)
        if not self._acts_for(query.actor, query.person):
            raise SoapFault("actor-not-person", Texts.SELF_ONLY)
        found: list[tuple[str, str]] = []
        for record in self._store.appointments_of(query.person.extension, self._keys(units)):
            day = record.slot.start[:8]
            profile = self._time_types[record.slot.time_type_id].profile
            if query.from_date is not None and day < query.from_date:
                continue
            if query.to_date is not None and day > query.to_date:
                continue
            if query.time_type_code is not None and record.slot.time_type_id != query.time_type_code:
                continue
            if query.service_code is not None and (
                profile.healthcare_service is None or profile.healthcare_service.code != query.service_code
            ):
                continue
            found.append((record.appointment_id, record.slot.unit_hsa))
        return found

    # -- appointments: writing ---------------------------------------------------------------------

    def _reason(self, view: TimeTypeView, process: Process, request: WriteRequest) -> Outcome | None:
        """The time type's rule for this process: ERROR when a required reason is missing or a
        reason code is not one of the offered ones."""
        rule = view.profile.rule(process)
        if rule is None:
            return None
        if rule.reason_text is Requirement.MANDATORY and not request.reason_text:
            return Outcome("ERROR", Texts.REASON_TEXT_MISSING)
        if rule.reason_code is Requirement.MANDATORY and request.reason_code is None:
            return Outcome("ERROR", Texts.REASON_CODE_MISSING)
        if (
            request.reason_code is not None
            and rule.reason_codes
            and not any(_same_code(offered, request.reason_code) for offered in rule.reason_codes)
        ):
            return Outcome("ERROR", Texts.REASON_CODE_UNKNOWN)
        return None

    @staticmethod
    def _kept_reason(view: TimeTypeView, process: Process, request: WriteRequest) -> tuple[str | None, Code | None]:
        """The reason as stored: what the rule does not support is dropped."""
        rule = view.profile.rule(process)
        if rule is None:
            return request.reason_text, request.reason_code
        text = None if rule.reason_text is Requirement.NOT_SUPPORTED else request.reason_text
        code = None if rule.reason_code is Requirement.NOT_SUPPORTED else request.reason_code
        return text, code

    def _bookable(self, address: str | None, timeslot_id: str | None) -> SlotRecord | Outcome:
        units = {unit.hsa_id.upper() for unit in self.scope(address)}
        slot = None if timeslot_id is None else self._store.slot(timeslot_id.lower())
        if slot is None or slot.unit_hsa.upper() not in units:
            return Outcome("REQUESTED_TIME_IS_NO_LONGER_AVAILABLE", Texts.NO_LONGER_AVAILABLE)
        if self._until(slot.start) <= dt.timedelta(0):
            return Outcome("REQUESTED_TIME_HAS_ALREADY_PASSED", Texts.PASSED)
        return slot

    def make_appointment(self, address: str | None, request: WriteRequest) -> Outcome:
        slot = self._bookable(address, request.timeslot_id)
        if isinstance(slot, Outcome):
            return slot
        view = self._time_types[slot.time_type_id]
        if not self._acts_for(request.actor, request.person):
            return Outcome("APPOINTMENT_IS_NOT_ALLOWED", Texts.SELF_ONLY)
        deadline = dt.timedelta(minutes=self._config.booking_deadline_minutes)
        if self._until(slot.start) < deadline:
            limit = f"{self._config.booking_deadline_minutes} minuter"
            return Outcome("TOO_LATE_TO_MAKE_APPOINTMENT", Texts.too_late("bokas", limit))
        if view.profile.hidden and not self._store.has_referral(
            request.person.extension, slot.unit_hsa, slot.time_type_id
        ):
            return Outcome("APPOINTMENT_IS_NOT_ALLOWED", Texts.HIDDEN)
        refused = self._reason(view, Process.NEW, request)
        if refused is not None:
            return refused
        if not slot.is_free:
            return Outcome("REQUESTED_TIME_IS_ALREADY_RESERVED", Texts.RESERVED)
        text, code = self._kept_reason(view, Process.NEW, request)
        appointment_id = str(uuid.uuid4())
        result = self._store.book(
            slot,
            appointment_id=appointment_id,
            person_id=request.person.extension,
            person_root=request.person.root,
            reason_text=text,
            reason_code=code,
            now=self.now_text(),
        )
        if result is not None:
            return _refusal(result)
        if view.profile.preparation is not None and view.profile.preparation.description:
            return Outcome("INFO", view.profile.preparation.description, appointment_id)
        return Outcome("OK", appointment_id=appointment_id)

    def update_appointment(self, address: str | None, request: WriteRequest) -> Outcome:
        original = self._owned(address, request.appointment_id, request.person)
        if original is None:
            return Outcome("APPOINTMENT_DOES_NOT_EXIST", Texts.NOT_FOUND)
        if not original.is_active:
            return _inactive(original)
        view = self._time_types[original.slot.time_type_id]
        if not self._acts_for(request.actor, request.person):
            return Outcome("UPDATE_APPOINTMENT_IS_NOT_ALLOWED", Texts.SELF_ONLY)
        if not view.profile.update_allowed:
            return Outcome("UPDATE_APPOINTMENT_IS_NOT_ALLOWED", Texts.UPDATE_NOT_ALLOWED)
        if self._until(original.slot.start) < dt.timedelta(hours=self._config.update_deadline_hours):
            limit = f"{self._config.update_deadline_hours} timmar"
            return Outcome("TOO_LATE_TO_UPDATE_APPOINTMENT", Texts.too_late("bokas om", limit))
        slot = self._bookable(address, request.timeslot_id)
        if isinstance(slot, Outcome):
            return slot
        if slot.time_type_id != original.slot.time_type_id:
            return Outcome("UPDATE_APPOINTMENT_IS_NOT_ALLOWED", Texts.OTHER_TIME_TYPE)
        refused = self._reason(view, Process.UPDATE, request)
        if refused is not None:
            return refused
        text, code = self._kept_reason(view, Process.UPDATE, request)
        new_id = str(uuid.uuid4()) if self._config.new_id_on_update else original.appointment_id
        result = self._store.move(
            original, slot, new_id=new_id, reason_text=text, reason_code=code, now=self.now_text()
        )
        if result is BookingResult.GONE:
            current = self._store.appointment(original.appointment_id)
            return _inactive(current) if current is not None else Outcome("APPOINTMENT_DOES_NOT_EXIST", Texts.NOT_FOUND)
        if result is not None:
            return _refusal(result)
        return Outcome("OK", appointment_id=new_id)

    def cancel_appointment(self, address: str | None, request: WriteRequest) -> Outcome:
        found = self._owned(address, request.appointment_id, request.person)
        if found is None:
            return Outcome("APPOINTMENT_DOES_NOT_EXIST", Texts.NOT_FOUND)
        if not found.is_active:
            return _inactive(found)
        view = self._time_types[found.slot.time_type_id]
        if not self._acts_for(request.actor, request.person):
            return Outcome("CANCEL_IS_NOT_ALLOWED", Texts.SELF_ONLY)
        if not view.profile.cancel_allowed:
            return Outcome("CANCEL_IS_NOT_ALLOWED", Texts.CANCEL_NOT_ALLOWED)
        if self._until(found.slot.start) < dt.timedelta(hours=self._config.cancel_deadline_hours):
            limit = f"{self._config.cancel_deadline_hours} timmar"
            return Outcome("TOO_LATE_TO_CANCEL_APPOINTMENT", Texts.too_late("avbokas", limit))
        refused = self._reason(view, Process.CANCEL, request)
        if refused is not None:
            return refused
        text, code = self._kept_reason(view, Process.CANCEL, request)
        if not self._store.cancel(found.appointment_id, reason_text=text, reason_code=code, now=self.now_text()):
            current = self._store.appointment(found.appointment_id)
            return _inactive(current) if current is not None else Outcome("APPOINTMENT_DOES_NOT_EXIST", Texts.NOT_FOUND)
        return Outcome("OK")

    def confirm_appointment(self, address: str | None, request: WriteRequest) -> Outcome:
        """ConfirmAppointment uses only its own codes: a lapsed proposal is TOO_LATE_TO_CONFIRM,
        a cancelled or moved one CONFIRM_IS_NOT_ALLOWED (with a text saying why)."""
        found = self._owned(address, request.appointment_id, request.person)
        if found is None:
            return Outcome("APPOINTMENT_DOES_NOT_EXIST", Texts.NOT_FOUND)
        if not self._acts_for(request.actor, request.person):
            return Outcome("CONFIRM_IS_NOT_ALLOWED", Texts.SELF_ONLY)
        refused = self._confirm_refusal(found)
        if refused is not None:
            return refused
        if not self._store.confirm(found.appointment_id, now=self.now_text()):
            current = self._store.appointment(found.appointment_id)
            return (current and self._confirm_refusal(current)) or Outcome("CONFIRM_IS_NOT_ALLOWED", Texts.EXPIRED)
        return Outcome("OK")

    def _confirm_refusal(self, found: AppointmentRecord) -> Outcome | None:
        if found.state == "expired" or (found.confirm_by is not None and found.confirm_by < self.now_text()):
            return Outcome("TOO_LATE_TO_CONFIRM_APPOINTMENT", Texts.EXPIRED)
        if not found.is_active:
            return Outcome("CONFIRM_IS_NOT_ALLOWED", _gone_text(found))
        if found.status == "confirmed":
            return Outcome("APPOINTMENT_IS_ALREADY_CONFIRMED", Texts.CONFIRMED)
        if self._until(found.slot.start) <= dt.timedelta(0):
            return Outcome("TOO_LATE_TO_CONFIRM_APPOINTMENT", Texts.PASSED)
        return None

    # -- the clinic's side -------------------------------------------------------------------------

    def propose(self, person_id: str, timeslot_id: str, confirm_within_hours: int) -> Outcome:
        """The clinic books a time for a citizen; it stays preliminary until the citizen confirms."""
        slot = self._store.slot(timeslot_id.lower())
        if slot is None:
            return Outcome("REQUESTED_TIME_IS_NO_LONGER_AVAILABLE", Texts.NO_LONGER_AVAILABLE)
        now = self._now()
        if slot.start <= now.strftime(_TS):
            return Outcome("REQUESTED_TIME_HAS_ALREADY_PASSED", Texts.PASSED)
        confirm_by = min(now + dt.timedelta(hours=confirm_within_hours), parse_timestamp(slot.start))
        appointment_id = str(uuid.uuid4())
        result = self._store.book(
            slot,
            appointment_id=appointment_id,
            person_id=person_id,
            person_root="1.2.752.129.2.1.3.3" if int(person_id[6:8]) > 60 else "1.2.752.129.2.1.3.1",
            status="preliminary",
            confirm_by=confirm_by.strftime(_TS),
            origin="clinic",
            now=now.strftime(_TS),
        )
        if result is not None:
            return _refusal(result)
        return Outcome("OK", appointment_id=appointment_id)


def _same_code(a: Code, b: Code) -> bool:
    """Codes match on code, and on code system when both name one."""
    return a.code == b.code and (not a.code_system or not b.code_system or a.code_system == b.code_system)


def _gone_text(found: AppointmentRecord) -> str:
    return {"updated": Texts.UPDATED, "expired": Texts.EXPIRED}.get(found.state, Texts.CANCELED)


def _inactive(found: AppointmentRecord) -> Outcome:
    """Update/Cancel of an appointment that is no longer valid."""
    if found.state == "updated":
        return Outcome("APPOINTMENT_IS_ALREADY_UPDATED", Texts.UPDATED)
    return Outcome("APPOINTMENT_IS_ALREADY_CANCELED", _gone_text(found))


def _refusal(result: BookingResult) -> Outcome:
    if result is BookingResult.OCCUPIED:
        return Outcome("USER_IS_ALREADY_OCCUPIED", Texts.OCCUPIED)
    return Outcome("REQUESTED_TIME_IS_ALREADY_RESERVED", Texts.RESERVED)
