"""The facts a decision is made from. The gateway builds them from its domain objects.

Facts are frozen and check themselves on construction: times must be aware (each keeps its
instant in microseconds for the engine), HSA-ids are upper-cased, county codes get two digits.
The citizen is always the subject of care: when a guardian books for a child, the child's facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rules import personnummer
from rules.ruleset import normalise_care_unit, normalise_region
from rules.times import to_micros
from rules.vocabulary import Channel, ReferralKind

__all__ = ["ActiveBooking", "BookingFacts", "CitizenFacts", "ReasonFacts", "ReferralFacts", "SlotFacts"]


def _set(instance: object, name: str, value: object) -> None:
    object.__setattr__(instance, name, value)


@dataclass(frozen=True, slots=True)
class SlotFacts:
    """A time offered for booking, or the time of a booking (tidslucka)."""

    region_code: str
    care_unit: str
    time_type_id: str
    start: dt.datetime
    end: dt.datetime | None = None
    channel: Channel | None = None  # when the producer says how the visit happens
    slot_id: str | None = None
    start_us: int = field(init=False, repr=False, compare=False)
    end_us: int = field(init=False, repr=False, compare=False)  # == start_us when the end is unknown

    def __post_init__(self) -> None:
        _set(self, "region_code", normalise_region(self.region_code))
        _set(self, "care_unit", normalise_care_unit(self.care_unit))
        start_us = to_micros(self.start)
        end_us = start_us if self.end is None else to_micros(self.end)
        if end_us < start_us:
            raise ValueError("a slot cannot end before it starts")
        _set(self, "start_us", start_us)
        _set(self, "end_us", end_us)


@dataclass(frozen=True, slots=True)
class ActiveBooking:
    """A booking the citizen holds (not cancelled), at any unit the gateway knows of."""

    care_unit: str
    time_type_id: str
    start: dt.datetime
    end: dt.datetime | None = None
    booking_id: str | None = None
    start_us: int = field(init=False, repr=False, compare=False)
    end_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _set(self, "care_unit", normalise_care_unit(self.care_unit))
        start_us = to_micros(self.start)
        _set(self, "start_us", start_us)
        _set(self, "end_us", start_us if self.end is None else max(start_us, to_micros(self.end)))


@dataclass(frozen=True, slots=True, repr=False)
class ReferralFacts:
    """A referral (hänvisning/remiss after assessment, triage or the advice line) or an invitation
    (kallelse) that opens a referral-only or hidden time type to one citizen.

    It matches a time type by id (`time_type_ids`) or by its care service (`care_service_codes`,
    SNOMED CT); `care_units` empty means any unit. `uses_allowed` None means no limit."""

    referral_id: str
    citizen_id: str  # the subject of care's personnummer or samordningsnummer
    valid_from: dt.datetime
    valid_until: dt.datetime  # exclusive
    time_type_ids: frozenset[str] = frozenset()
    care_service_codes: frozenset[str] = frozenset()
    care_units: frozenset[str] = frozenset()
    priority: int | None = None
    uses_allowed: int | None = 1
    uses_so_far: int = 0
    kind: ReferralKind = ReferralKind.REFERRAL
    valid_from_us: int = field(init=False, compare=False)
    valid_until_us: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _set(self, "citizen_id", personnummer.normalise(self.citizen_id))
        _set(self, "time_type_ids", frozenset(self.time_type_ids))
        _set(self, "care_service_codes", frozenset(self.care_service_codes))
        _set(self, "care_units", frozenset(normalise_care_unit(unit) for unit in self.care_units))
        _set(self, "valid_from_us", to_micros(self.valid_from))
        _set(self, "valid_until_us", to_micros(self.valid_until))
        if (self.uses_allowed is not None and self.uses_allowed < 0) or self.uses_so_far < 0:
            raise ValueError("referral uses cannot be negative")

    @property
    def uses_left(self) -> int | None:
        return None if self.uses_allowed is None else max(0, self.uses_allowed - self.uses_so_far)

    def __repr__(self) -> str:
        return (
            f"ReferralFacts(referral_id={self.referral_id!r}, citizen={personnummer.mask(self.citizen_id)!r}, "
            f"kind={self.kind.value!r}, time_type_ids={sorted(self.time_type_ids)!r}, "
            f"care_service_codes={sorted(self.care_service_codes)!r}, care_units={sorted(self.care_units)!r}, "
            f"valid_from={self.valid_from.isoformat()!r}, valid_until={self.valid_until.isoformat()!r}, "
            f"uses={self.uses_so_far}/{'unlimited' if self.uses_allowed is None else self.uses_allowed})"
        )


@dataclass(frozen=True, slots=True, repr=False)
class CitizenFacts:
    """The subject of care: birth date, the bookings they hold, their referrals and invitations.
    `citizen_id` is only compared with the referrals' and never shown unmasked."""

    citizen_id: str
    birth_date: dt.date
    active_bookings: tuple[ActiveBooking, ...] = ()
    referrals: tuple[ReferralFacts, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "citizen_id", personnummer.normalise(self.citizen_id))
        _set(self, "active_bookings", tuple(self.active_bookings))
        _set(self, "referrals", tuple(self.referrals))

    @classmethod
    def from_personnummer(
        cls,
        personal_number: str,
        *,
        active_bookings: tuple[ActiveBooking, ...] = (),
        referrals: tuple[ReferralFacts, ...] = (),
    ) -> CitizenFacts:
        """Facts with the birth date read from the number (samordningsnummer: day - 60)."""
        return cls(
            citizen_id=personal_number,
            birth_date=personnummer.birth_date(personal_number),
            active_bookings=active_bookings,
            referrals=referrals,
        )

    def __repr__(self) -> str:
        return (
            f"CitizenFacts(citizen={personnummer.mask(self.citizen_id)!r}, birth_year={self.birth_date.year}, "
            f"active_bookings={len(self.active_bookings)}, referrals={len(self.referrals)})"
        )


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """A booking to cancel or rebook: its time, how often it has been rebooked, whether the unit
    made it (an invitation, kallelse) and, if it was booked under one, the referral used."""

    booking_id: str
    slot: SlotFacts
    rebooking_count: int = 0
    is_invitation: bool = False
    referral_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReasonFacts:
    """The reason a citizen gave with a request (reasonText / reasonCode)."""

    text: str | None = None
    code: str | None = None
    code_system: str | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.text and self.text.strip())

    @property
    def has_code(self) -> bool:
        return bool(self.code and self.code.strip())
