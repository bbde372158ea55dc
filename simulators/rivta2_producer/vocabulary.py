"""The codes and texts an upgraded region puts into scheduling 2 messages, and the scheduling 2
attributes (Tidbokning 2.0 TimeTypeType) of the shared seed time types.

Two code tables are this project's own placeholders, under UUID-derived OIDs (arc 2.25) so that
they can never be mistaken for a national code system:

- contact types (careContactCode). The contract points at the national code list "KV kontakttyp"
  (kv_kontakttyp.xlsx on inera.atlassian.net); its real values could not be retrieved here, so the
  codes below only follow its idea (physical visit, video meeting, phone call).
- reason codes (reasonCodes / reasonCode): the contract leaves these to each booking system.

Healthcare services (vårdtjänster) are SNOMED CT concepts (Swedish edition, 1.2.752.116.2.1.1):
common international concept ids picked for illustration, not a vetted national mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from simulators.common.seed import SeedTimeType

__all__ = [
    "CONTACT_TYPES",
    "CONTACT_TYPE_SYSTEM",
    "HEALTHCARE_SERVICES",
    "HSA_OID",
    "PERSON_OIDS",
    "REASON_CODE_SYSTEM",
    "SNOMED_CT",
    "ActorKind",
    "Code",
    "Information",
    "Process",
    "Requirement",
    "Rule",
    "TimeTypeProfile",
    "UnitProfile",
    "actor_kind",
    "profile_for",
    "unit_profile",
]

SNOMED_CT = "1.2.752.116.2.1.1"
HSA_OID = "1.2.752.129.2.1.4.1"
PERSONNUMMER_OID = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "1.2.752.129.2.1.3.3"
PERSON_OIDS = (PERSONNUMMER_OID, SAMORDNINGSNUMMER_OID)
CONTACT_TYPE_SYSTEM = "2.25.219357471333949239448786003956480930127"
REASON_CODE_SYSTEM = "2.25.179010476025925748603038690195707992527"


@dataclass(frozen=True, slots=True)
class Code:
    """A CVType value."""

    code: str
    code_system: str
    display_name: str | None = None
    code_system_name: str | None = None


@dataclass(frozen=True, slots=True)
class Information:
    """An InformationType value: a text to show, or (as a condition) one the citizen must accept."""

    header: str
    description: str | None = None
    link: str | None = None


class ActorKind(Enum):
    """Who calls (ActorType.actorType, SNOMED CT codes as TKB 2.0 lists them)."""

    CITIZEN = "116154003"  # the citizen themself
    GUARDIAN = "60101000052104"  # vårdnadshavare
    TRUSTEE = "60081000052107"  # god man
    CUSTODIAN = "60121000052105"  # förmyndare
    STAFF = "223366009"  # healthcare staff


def actor_kind(code: str) -> ActorKind | None:
    try:
        return ActorKind(code)
    except ValueError:
        return None


class Process(Enum):
    """ProcessEnum: which flow a rule governs."""

    NEW = "NYBOKNING"
    CANCEL = "AVBOKNING"
    UPDATE = "OMBOKNING"


class Requirement(Enum):
    """ReasonRequiredEnum."""

    MANDATORY = "Mandatory"
    OPTIONAL = "Optional"
    NOT_SUPPORTED = "ReasonNotSupported"


@dataclass(frozen=True, slots=True)
class Rule:
    """One appointmentRule (TimeTypeRulesType)."""

    process: Process
    reason_text: Requirement
    reason_code: Requirement
    reason_codes: tuple[Code, ...] = ()
    information: tuple[Information, ...] = ()
    conditions: tuple[Information, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeTypeProfile:
    """What scheduling 2 says about a time type beyond its code."""

    contact_type: Code
    healthcare_service: Code | None
    hidden: bool  # protected: bookable only with a referral (remiss) or after triage
    patient_group: bool
    healthcare_team: bool
    cancel_allowed: bool
    update_allowed: bool
    rules: tuple[Rule, ...]
    preparation: Information | None  # shown with the appointment (GetAppointment information)
    alternative_location: str | None = None
    guarantee_days: int | None = None  # vårdgaranti: a medical assessment within this many days

    def rule(self, process: Process) -> Rule | None:
        return next((rule for rule in self.rules if rule.process is process), None)


CONTACT_TYPES: dict[str, Code] = {
    "physical": Code("FYS", CONTACT_TYPE_SYSTEM, "Fysiskt besök", "kontakttyp (platshållare)"),
    "video": Code("VID", CONTACT_TYPE_SYSTEM, "Videomöte", "kontakttyp (platshållare)"),
    "phone": Code("TEL", CONTACT_TYPE_SYSTEM, "Telefonsamtal", "kontakttyp (platshållare)"),
}

# Care type (seed) -> healthcare service, SNOMED CT.
HEALTHCARE_SERVICES: dict[str, Code] = {
    "VT01": Code("11429006", SNOMED_CT, "Konsultation"),
    "VT02": Code("396550006", SNOMED_CT, "Blodprov"),
    "VT03": Code("33879002", SNOMED_CT, "Vaccination"),
    "VT04": Code("91251008", SNOMED_CT, "Fysioterapi"),
    "VT05": Code("304891004", SNOMED_CT, "Kognitiv beteendeterapi"),
    "VT06": Code("410620009", SNOMED_CT, "Barnhälsovårdsbesök"),
}


def _reason(code: str, text: str) -> Code:
    return Code(code, REASON_CODE_SYSTEM, text, "orsakskoder (simulator)")


_CANCEL_REASONS = (
    _reason("AV01", "Tiden passar inte längre"),
    _reason("AV02", "Besöket behövs inte längre"),
    _reason("AV03", "Jag är sjuk"),
)
_CANCEL_RULE = Rule(Process.CANCEL, Requirement.OPTIONAL, Requirement.OPTIONAL, _CANCEL_REASONS)
_UPDATE_RULE = Rule(Process.UPDATE, Requirement.OPTIONAL, Requirement.NOT_SUPPORTED)
_SYMPTOMS_RULE = Rule(
    Process.NEW,
    Requirement.MANDATORY,
    Requirement.NOT_SUPPORTED,
    information=(
        Information("Beskriv dina besvär", "Skriv kort varför du söker vård och hur länge du haft besvären."),
    ),
)
_VACCINE_RULE = Rule(
    Process.NEW,
    Requirement.NOT_SUPPORTED,
    Requirement.MANDATORY,
    (_reason("NY01", "Första dosen"), _reason("NY02", "Påfyllnadsdos")),
    conditions=(Information("Hälsodeklaration", "Jag har inte feber och mår bra i dag."),),
)
_KBT_RULE = Rule(
    Process.NEW,
    Requirement.OPTIONAL,
    Requirement.NOT_SUPPORTED,
    conditions=(Information("Behandlingsavtal", "Jag har tagit del av hur behandlingen går till."),),
)
_KBT_CANCEL_RULE = Rule(Process.CANCEL, Requirement.MANDATORY, Requirement.NOT_SUPPORTED)


@dataclass(frozen=True, slots=True)
class _Special:
    hidden: bool = False
    cancel_allowed: bool = True
    update_allowed: bool = True
    new_rule: Rule | None = None
    cancel_rule: Rule = _CANCEL_RULE
    preparation: Information | None = None
    alternative_location: str | None = None
    guarantee_days: int | None = None


_SPECIAL: dict[str, _Special] = {
    "LAK30": _Special(new_rule=_SYMPTOMS_RULE, guarantee_days=3),
    "VIDLAK": _Special(
        new_rule=_SYMPTOMS_RULE,
        guarantee_days=3,
        preparation=Information("Videomöte", "Logga in via länken i bokningen tidigast 15 minuter före besöket."),
    ),
    "TELSSK": _Special(
        new_rule=_SYMPTOMS_RULE,
        preparation=Information("Telefontid", "Sjuksköterskan ringer upp dig. Ha telefonen på."),
    ),
    "PROV": _Special(
        preparation=Information(
            "Inför provtagningen", "Kom fastande: ät och drick inget utom vatten efter kl. 22 kvällen före."
        ),
    ),
    "VACCIN": _Special(new_rule=_VACCINE_RULE),
    "KBT": _Special(hidden=True, cancel_allowed=False, new_rule=_KBT_RULE, cancel_rule=_KBT_CANCEL_RULE),
    "GRPFOR": _Special(
        update_allowed=False,
        preparation=Information("Föräldragruppen", "Gruppen träffas i Grupprummet. Ta gärna med ditt barn."),
        alternative_location="Familjecentralen, plan 2",
    ),
}


def profile_for(time_type: SeedTimeType) -> TimeTypeProfile:
    """The scheduling 2 attributes of a seed time type."""
    special = _SPECIAL.get(time_type.time_type_id, _Special())
    rules: list[Rule] = []
    if special.new_rule is not None:
        rules.append(special.new_rule)
    if special.cancel_allowed:
        rules.append(special.cancel_rule)
    if special.update_allowed:
        rules.append(_UPDATE_RULE)
    return TimeTypeProfile(
        contact_type=CONTACT_TYPES[time_type.channel],
        healthcare_service=HEALTHCARE_SERVICES.get(time_type.care_type_id),
        hidden=special.hidden,
        patient_group=time_type.group_capacity > 1,
        healthcare_team=False,
        cancel_allowed=special.cancel_allowed,
        update_allowed=special.update_allowed,
        rules=tuple(rules),
        preparation=special.preparation,
        alternative_location=special.alternative_location,
        guarantee_days=special.guarantee_days,
    )


@dataclass(frozen=True, slots=True)
class UnitProfile:
    """What GetHealthcareFacility tells about a unit beyond its name."""

    information: tuple[Information, ...]
    conditions: tuple[Information, ...]
    alternative_location: str | None = None


def unit_profile(name: str) -> UnitProfile:
    opening = Information("Öppettider", "Vardagar 08.00–17.00. Telefontid 08.00–10.00.")
    terms = Information(
        "Villkor för bokning",
        "Av- och ombokning senast 24 timmar före besöket. Uteblivet besök debiteras enligt regionens avgifter.",
    )
    if name.startswith("Barnavårdscentral"):
        return UnitProfile((opening,), (terms,), "Familjecentralen, ingång B")
    return UnitProfile((opening,), (terms,))
