"""Every served interaction: its names, namespaces, SOAPAction, files and endpoint path.

An interaction is addressed on the wire by the qualified name of the Body's first child
(`{urn:riv:crm:scheduling:MakeBookingResponder:1}MakeBooking`); the SOAPAction must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = [
    "WSDL_ROOT",
    "Generation",
    "Interaction",
    "all_interactions",
    "by_body_qname",
    "by_name",
    "register",
]

WSDL_ROOT = Path(__file__).resolve().parent / "wsdl"


class Generation(Enum):
    """A family of contracts a consumer or region speaks."""

    CRM_SCHEDULING_1 = "crm:scheduling:1"  # crm:scheduling 1.1, deployed today
    SCHEDULING_2 = "supportprocess:logistics:scheduling:2"  # the next generation
    GATEWAY_EXTENSIONS_1 = "tidbok:scheduling:1"  # our own: group, series, combined visits
    ENGAGEMENT_INDEX_1 = "itintegration:engagementindex:1"  # the engagement index (Update, FindContent)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One RIV-TA interaction (request/response) as the WSDL defines it."""

    name: str  # e.g. MakeBooking
    generation: Generation
    responder_namespace: str  # urn:riv:crm:scheduling:MakeBookingResponder:1
    major_version: int
    wsdl_file: Path
    xsd_file: Path

    @property
    def request_qname(self) -> str:
        return f"{{{self.responder_namespace}}}{self.name}"

    @property
    def response_qname(self) -> str:
        return f"{{{self.responder_namespace}}}{self.name}Response"

    @property
    def soap_action(self) -> str:
        return f"{self.responder_namespace}:{self.name}"

    @property
    def path(self) -> str:
        """Endpoint path, following the national platform's `/vp/<Contract>/<major>/rivtabp21`."""
        return f"/vp/{self.name}/{self.major_version}/rivtabp21"

    @property
    def wsdl_target_namespace(self) -> str:
        prefix = self.responder_namespace.rsplit(":", 1)[0].removesuffix("Responder")
        return f"{prefix}:{self.major_version}:rivtabp21"


_BY_QNAME: dict[str, Interaction] = {}
_BY_NAME: dict[tuple[Generation, str], Interaction] = {}


def register(interaction: Interaction) -> Interaction:
    _BY_QNAME[interaction.request_qname] = interaction
    _BY_NAME[(interaction.generation, interaction.name)] = interaction
    return interaction


def by_body_qname(qname: str) -> Interaction | None:
    return _BY_QNAME.get(qname)


def by_name(generation: Generation, name: str) -> Interaction:
    return _BY_NAME[(generation, name)]


def all_interactions(generation: Generation | None = None) -> list[Interaction]:
    return [i for i in _BY_NAME.values() if generation is None or i.generation is generation]


CRM_SCHEDULING_1_NAMES = (
    "GetSubjectOfCareSchedule",
    "GetBookingDetails",
    "GetAvailableDates",
    "GetAvailableTimeslots",
    "MakeBooking",
    "UpdateBooking",
    "CancelBooking",
    "GetAllTimeTypes",
    "GetAllHealthcareFacilities",
    "GetAllPerformers",
    "GetAllCareTypes",
)


def _register_crm_scheduling_1() -> None:
    root = WSDL_ROOT / "crm_scheduling_1.1" / "interactions"
    for name in CRM_SCHEDULING_1_NAMES:
        folder = root / f"{name}Interaction"
        register(
            Interaction(
                name=name,
                generation=Generation.CRM_SCHEDULING_1,
                responder_namespace=f"urn:riv:crm:scheduling:{name}Responder:1",
                major_version=1,
                wsdl_file=folder / f"{name}Interaction_1.1_RIVTABP21.wsdl",
                xsd_file=folder / f"{name}Responder_1.1.xsd",
            )
        )


_register_crm_scheduling_1()


SCHEDULING_2_NAMES = (
    "CancelAppointment",
    "ConfirmAppointment",
    "GetAppointment",
    "GetAppointments",
    "GetAvailableDates",
    "GetAvailableTimeslots",
    "GetHealthcareFacilities",
    "GetHealthcareFacility",
    "GetPractitioners",
    "GetTimeTypes",
    "MakeAppointment",
    "UpdateAppointment",
)
# Contracts of the 2.0 domain whose own version is not 2.0 (ConfirmAppointment is new, so 1.0).
_SCHEDULING_2_CONTRACT_VERSIONS = {"ConfirmAppointment": (1, "1.0")}


def _register_scheduling_2() -> None:
    root = WSDL_ROOT / "scheduling_2.0" / "interactions"
    for name in SCHEDULING_2_NAMES:
        major, file_version = _SCHEDULING_2_CONTRACT_VERSIONS.get(name, (2, "2.0"))
        folder = root / f"{name}Interaction"
        register(
            Interaction(
                name=name,
                generation=Generation.SCHEDULING_2,
                responder_namespace=f"urn:riv:supportprocess:logistics:scheduling:{name}Responder:{major}",
                major_version=major,
                wsdl_file=folder / f"{name}Interaction_{file_version}_RIVTABP21.wsdl",
                xsd_file=folder / f"{name}Responder_{file_version}.xsd",
            )
        )


_register_scheduling_2()


ENGAGEMENT_INDEX_NAMES = ("Update", "FindContent")


def _register_engagement_index() -> None:
    root = WSDL_ROOT / "engagementindex_1.0" / "interactions"
    for name in ENGAGEMENT_INDEX_NAMES:
        folder = root / f"{name}Interaction"
        register(
            Interaction(
                name=name,
                generation=Generation.ENGAGEMENT_INDEX_1,
                responder_namespace=f"urn:riv:itintegration:engagementindex:{name}Responder:1",
                major_version=1,
                wsdl_file=folder / f"{name}Interaction_1.0_RIVTABP21.wsdl",
                xsd_file=folder / f"{name}Responder_1.0.xsd",
            )
        )


_register_engagement_index()


GATEWAY_EXTENSIONS_NAMES = (
    "GetGroupTimeslots",
    "MakeGroupBooking",
    "MakeSeriesBooking",
    "MakeCombinedBooking",
    "GetBookingSet",
    "UpdateBookingSetPart",
    "CancelBookingSet",
)


def _register_gateway_extensions() -> None:
    """Our own interactions (group, series, combined visits), `urn:riv:tidbok:scheduling:<Name>Responder:1`."""
    root = WSDL_ROOT / "tidbok_scheduling_1" / "interactions"
    for name in GATEWAY_EXTENSIONS_NAMES:
        folder = root / f"{name}Interaction"
        register(
            Interaction(
                name=name,
                generation=Generation.GATEWAY_EXTENSIONS_1,
                responder_namespace=f"urn:riv:tidbok:scheduling:{name}Responder:1",
                major_version=1,
                wsdl_file=folder / f"{name}Interaction_1.0_RIVTABP21.wsdl",
                xsd_file=folder / f"{name}Responder_1.0.xsd",
            )
        )


_register_gateway_extensions()
