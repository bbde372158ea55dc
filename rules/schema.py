"""The rule file format, as pydantic models.

`TimeTypeRules` is the complete set of rules of one time type once every layer is merged. A layer
in a file (`defaults` or one entry of `time_types`) may set any subset of its leaves; the partial
model that checks a layer is generated from the complete one (`LAYER_MODEL`), so the two cannot
drift apart. Section models (`_Section`) are walked into when layers merge; every other field is a
leaf and a more specific layer replaces it whole (lists included).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeGuard

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    create_model,
    model_validator,
)

from rules.times import format_duration, parse_duration
from rules.vocabulary import Access, Channel, ReasonRequirement

__all__ = [
    "LAYER_MODEL",
    "UNLIMITED",
    "AgeBounds",
    "BookingWindow",
    "Cancellation",
    "CareUnitFile",
    "CodedValue",
    "CombinedVisit",
    "Confirmation",
    "ContactCodes",
    "GroupRules",
    "Information",
    "Limits",
    "NationalFile",
    "ProcessRules",
    "Processes",
    "Rebooking",
    "RegionFile",
    "SeriesRules",
    "TimeTypeRules",
    "is_section",
    "leaf_paths",
]

UNLIMITED = "unlimited"


def _to_duration(value: object) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return dt.timedelta(0)
    raise ValueError(f"not a duration: {value!r} (write e.g. 30m, 2h, 1d, 8w or 1h30m)")


def _to_duration_or_unlimited(value: object) -> dt.timedelta | None:
    if value is None or value == UNLIMITED:
        return None
    return _to_duration(value)


def _to_count_or_unlimited(value: object) -> int | None:
    if value is None or value == UNLIMITED:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"not a whole number or 'unlimited': {value!r}")


def _at_least(minimum: int) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and value < minimum:
            raise ValueError(f"must be at least {minimum}")
        return value

    return BeforeValidator(check)


Duration = Annotated[dt.timedelta, BeforeValidator(_to_duration)]
DurationOrUnlimited = Annotated[dt.timedelta | None, BeforeValidator(_to_duration_or_unlimited)]
Count = Annotated[int, Strict(), Field(ge=0)]
PositiveCountOrUnlimited = Annotated[int | None, BeforeValidator(_to_count_or_unlimited), _at_least(1)]
CountOrUnlimited = Annotated[int | None, BeforeValidator(_to_count_or_unlimited), _at_least(0)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Link = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$")]
TimeTypeId = Annotated[str, StringConstraints(pattern=r"^\S(.{0,62}\S)?$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
HsaIdKey = Annotated[str, StringConstraints(pattern=r"^[Ss][Ee][0-9]{10}-[0-9A-Za-z]{1,31}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Section(_Model):
    """A group of rules that layers merge leaf by leaf."""


class CodedValue(_Model):
    """A code with its code system (CVType): reason codes, care services, contact codes."""

    code: Text
    code_system: Text
    display_name: Text | None = None


class Information(_Model):
    """A text shown to the citizen (InformationType); as a condition it must be accepted."""

    header: Text
    description: Text | None = None
    link: Link | None = None


class BookingWindow(_Section):
    """When a slot may be booked, relative to its start."""

    min_lead: Duration  # not later than this before the start
    max_ahead: DurationOrUnlimited  # not earlier than this before the start

    @model_validator(mode="after")
    def _window_is_open(self) -> BookingWindow:
        if self.max_ahead is not None and self.max_ahead <= self.min_lead:
            raise ValueError(
                f"booking.max_ahead ({format_duration(self.max_ahead)}) must be longer than "
                f"booking.min_lead ({format_duration(self.min_lead)})"
            )
        return self


class Cancellation(_Section):
    allowed: Flag
    until: Duration  # online cancellation is possible until this long before the start
    invitations: Flag  # whether invitations (kallelser) may be cancelled online


class Rebooking(_Section):
    allowed: Flag
    until: Duration
    max_rebookings: CountOrUnlimited
    invitations: Flag


class Confirmation(_Section):
    """A time the clinic proposed (preliminary) must be confirmed by the citizen this long before
    its start; after that the proposal has lapsed for online confirmation."""

    until: Duration


class Limits(_Section):
    """Active bookings a citizen may hold at once."""

    per_time_type: PositiveCountOrUnlimited  # of this time type, at any unit
    per_unit_time_type: PositiveCountOrUnlimited  # of this time type at the same unit
    per_unit: PositiveCountOrUnlimited  # of any time type at the same unit


class AgeBounds(_Section):
    """Age in whole years of the subject of care on the day of the visit, both ends inclusive."""

    min: Count
    max: CountOrUnlimited

    @model_validator(mode="after")
    def _bounds_ordered(self) -> AgeBounds:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"age.max ({self.max}) is below age.min ({self.min})")
        return self


class GroupRules(_Section):
    capacity: Annotated[int, Strict(), Field(ge=1)]  # places in one group session


class SeriesRules(_Section):
    """The shape of a series booking (seriebokning)."""

    max_occurrences: Annotated[int, Strict(), Field(ge=1)]
    min_spacing: Duration
    max_spacing: DurationOrUnlimited
    cancel_single: Flag  # whether one occurrence may be cancelled alone

    @model_validator(mode="after")
    def _spacing_ordered(self) -> SeriesRules:
        if self.max_spacing is not None and self.max_spacing < self.min_spacing:
            raise ValueError("series.max_spacing is shorter than series.min_spacing")
        return self


class CombinedVisit(_Section):
    """Time types that may be booked together at one occasion (sammanhållet besök)."""

    with_time_types: tuple[TimeTypeId, ...]
    max_gap: Duration  # longest wait between the parts


class ProcessRules(_Section):
    """The rules of one process (TimeTypeRulesType)."""

    reason_text: ReasonRequirement
    reason_code: ReasonRequirement
    reason_codes: tuple[CodedValue, ...]
    information: tuple[Information, ...]
    conditions_to_confirm: tuple[Information, ...]

    @model_validator(mode="after")
    def _codes_to_choose_from(self) -> ProcessRules:
        if self.reason_code is not ReasonRequirement.NOT_SUPPORTED and not self.reason_codes:
            raise ValueError(f"reason_code is {self.reason_code.value} but no reason_codes are listed")
        return self


class Processes(_Section):
    NYBOKNING: ProcessRules
    OMBOKNING: ProcessRules
    AVBOKNING: ProcessRules


class TimeTypeRules(_Section):
    """Every rule of one time type (tidstyp) after the layers are merged."""

    access: Access
    hidden: Flag
    channel: Channel
    care_services: tuple[CodedValue, ...]  # SNOMED CT vårdtjänster
    healthcare_team: Flag
    patient_group: Flag
    booking: BookingWindow
    cancellation: Cancellation
    rebooking: Rebooking
    confirmation: Confirmation
    limits: Limits
    age: AgeBounds
    group: GroupRules
    series: SeriesRules
    combined_visit: CombinedVisit
    processes: Processes

    @model_validator(mode="after")
    def _group_consistent(self) -> TimeTypeRules:
        if self.patient_group != (self.group.capacity > 1):
            raise ValueError(
                f"patient_group is {str(self.patient_group).lower()} but group.capacity is {self.group.capacity}: "
                "a group time type has more than one place, any other exactly one"
            )
        return self


def is_section(annotation: object) -> TypeGuard[type[_Section]]:
    return isinstance(annotation, type) and issubclass(annotation, _Section)


def leaf_paths(model: type[BaseModel] = TimeTypeRules, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every leaf of the rules, as paths (`("booking", "min_lead")`), in declaration order."""
    paths: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        if is_section(info.annotation):
            paths.extend(leaf_paths(info.annotation, (*prefix, name)))
        else:
            paths.append((*prefix, name))
    return paths


def _layer_model(model: type[BaseModel]) -> type[BaseModel]:
    """The same shape with every field optional: what one layer may say."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if is_section(annotation):
            fields[name] = (_layer_model(annotation) | None, None)
            continue
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        fields[name] = (annotation | None, None)
    return create_model(f"{model.__name__}Layer", __base__=_Model, **fields)


LAYER_MODEL = _layer_model(TimeTypeRules)


class ContactCodes(_Model):
    """The careContactCode (KV kontakttyp) to send for each channel."""

    physical: CodedValue
    video: CodedValue
    phone: CodedValue


class NationalFile(_Model):
    """`national.yaml`. The rules blocks are checked against `LAYER_MODEL` separately."""

    format: Literal[1]
    contact_codes: ContactCodes
    defaults: dict[str, Any]
    time_types: dict[TimeTypeId, dict[str, Any]] = Field(default_factory=dict)


class CareUnitFile(_Model):
    name: Text | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    time_types: dict[TimeTypeId, dict[str, Any]] = Field(default_factory=dict)


class RegionFile(_Model):
    """`regions/<county code>.yaml` with the region's layer and its care units' layers."""

    format: Literal[1]
    region: RegionCode
    name: Text | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    time_types: dict[TimeTypeId, dict[str, Any]] = Field(default_factory=dict)
    care_units: dict[HsaIdKey, CareUnitFile] = Field(default_factory=dict)
