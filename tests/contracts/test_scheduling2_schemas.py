"""supportprocess:logistics:scheduling 2 (12 interactions): our WSDL/XSD set, its catalogue entries,
and hand-written sample messages validated against our files and, where public, the official ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from contracts.catalogue import WSDL_ROOT, Generation, all_interactions, by_body_qname, by_name
from contracts.publish import published_wsdl, schema_file
from contracts.schemas import schema_for
from tests.contracts.scheduling2_samples import (
    CORE_NS,
    SAMPLES,
    actor_xml,
    element,
    person_xml,
)
from tests.support.conformance import assert_valid, official_schema, require_conformance

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
OURS = WSDL_ROOT / "scheduling_2.0"
NAMES = sorted(SAMPLES)
# The responder schemas that are public (tag 2.0_RC1); the rest are reconstructed here.
OFFICIAL_XSDS = ("CancelAppointment", "GetAvailableTimeslots", "GetTimeTypes", "UpdateAppointment")
GEN2 = Generation.SCHEDULING_2.value


def _ours(name: str) -> etree.XMLSchema:
    return schema_for(by_name(Generation.SCHEDULING_2, name))


def _invalid(schema: etree.XMLSchema, root: etree._Element) -> bool:
    return not schema.validate(root)


def test_twelve_interactions_with_wsdl_facts() -> None:
    interactions = all_interactions(Generation.SCHEDULING_2)
    assert sorted(i.name for i in interactions) == NAMES
    assert len(NAMES) == 12
    for interaction in interactions:
        wsdl = etree.parse(str(interaction.wsdl_file)).getroot()
        assert wsdl.get("targetNamespace") == interaction.wsdl_target_namespace
        assert {op.get("soapAction") for op in wsdl.iter(f"{{{SOAP_NS}}}operation")} == {interaction.soap_action}
        port_type = wsdl.find(f"{{{WSDL_NS}}}portType")
        assert port_type is not None and port_type.get("name") == f"{interaction.name}ResponderInterface"
        headers = [h.get("part") for h in wsdl.iter(f"{{{SOAP_NS}}}header")]
        assert headers == ["LogicalAddress"], "2.0 has only the LogicalAddress header (actor is in the body)"
        for imported in wsdl.iter(f"{{{XS_NS}}}import"):
            assert (interaction.wsdl_file.parent / imported.get("schemaLocation", "")).resolve().is_file()
        assert by_body_qname(interaction.request_qname) is interaction


def test_names_namespaces_and_paths_of_both_versions() -> None:
    confirm = by_name(Generation.SCHEDULING_2, "ConfirmAppointment")
    assert confirm.major_version == 1
    assert confirm.responder_namespace == "urn:riv:supportprocess:logistics:scheduling:ConfirmAppointmentResponder:1"
    assert confirm.wsdl_target_namespace == "urn:riv:supportprocess:logistics:scheduling:ConfirmAppointment:1:rivtabp21"
    assert confirm.soap_action == (
        "urn:riv:supportprocess:logistics:scheduling:ConfirmAppointmentResponder:1:ConfirmAppointment"
    )
    assert confirm.path == "/vp/ConfirmAppointment/1/rivtabp21"
    assert confirm.xsd_file.name == "ConfirmAppointmentResponder_1.0.xsd"
    dates = by_name(Generation.SCHEDULING_2, "GetAvailableDates")
    assert dates.path == "/vp/GetAvailableDates/2/rivtabp21"
    assert dates.wsdl_target_namespace == "urn:riv:supportprocess:logistics:scheduling:GetAvailableDates:2:rivtabp21"
    assert by_name(Generation.CRM_SCHEDULING_1, "GetAvailableDates").path == "/vp/GetAvailableDates/1/rivtabp21"
    paths = [i.path for i in all_interactions()]
    assert len(paths) == len(set(paths)), "an endpoint path is registered twice"
    qnames = [i.request_qname for i in all_interactions()]
    assert len(qnames) == len(set(qnames))


@pytest.mark.parametrize("name", NAMES)
def test_schema_compiles(name: str) -> None:
    assert isinstance(_ours(name), etree.XMLSchema)


@pytest.mark.parametrize("response", [False, True], ids=["request", "response"])
@pytest.mark.parametrize("name", NAMES)
def test_sample_validates_against_our_schema(name: str, response: bool) -> None:
    inner = SAMPLES[name][1 if response else 0]
    assert_valid(_ours(name), element(name, inner, response=response))


@pytest.mark.parametrize("response", [False, True], ids=["request", "response"])
@pytest.mark.parametrize("name", OFFICIAL_XSDS)
def test_sample_validates_against_official_schema(name: str, response: bool) -> None:
    inner = SAMPLES[name][1 if response else 0]
    assert_valid(official_schema(GEN2, name), element(name, inner, response=response))


def test_the_official_responder_schemas_are_the_four_we_know() -> None:
    folder = require_conformance() / "scheduling_2.0" / "interactions"
    public = sorted(p.name.removesuffix("Responder_2.0.xsd") for p in folder.glob("*/*Responder_*.xsd"))
    assert public == sorted(OFFICIAL_XSDS), "the public set changed: copy the new files and drop the reconstruction"


def test_official_files_are_copied_verbatim_and_authored_ones_are_marked() -> None:
    official_root = require_conformance() / "scheduling_2.0"
    official = {p.relative_to(official_root) for p in official_root.rglob("*") if p.suffix in {".xsd", ".wsdl"}}
    assert official, "no official files found"
    for relative in official:
        assert (OURS / relative).read_bytes() == (official_root / relative).read_bytes(), relative
    ours = {p.relative_to(OURS) for p in OURS.rglob("*") if p.suffix in {".xsd", ".wsdl"}}
    authored = ours - official
    assert len(authored) == 16  # 8 responder schemas + 8 WSDLs
    for relative in authored:
        assert b"RECONSTRUCTED FILE - NOT AN OFFICIAL" in (OURS / relative).read_bytes()[:400], relative
    for relative in official:
        assert b"RECONSTRUCTED" not in (OURS / relative).read_bytes()


def test_published_wsdl_serves_the_scheduling_2_schemas() -> None:
    interaction = by_name(Generation.SCHEDULING_2, "ConfirmAppointment")
    document = etree.fromstring(published_wsdl(interaction, "http://sim.example:9000"))
    address = next(document.iter(f"{{{SOAP_NS}}}address"))
    assert address.get("location") == "http://sim.example:9000/vp/ConfirmAppointment/1/rivtabp21"
    locations = [i.get("schemaLocation", "") for i in document.iter(f"{{{XS_NS}}}import")]
    assert len(locations) == 3
    for location in locations:
        assert location.startswith("http://sim.example:9000/contracts/wsdl/scheduling_2.0/")
        assert schema_file(location.split("/contracts/wsdl/", 1)[1]) is not None


# --- messages that must be refused -------------------------------------------------------------

# (interaction, response?, element left out) for every mandatory top-level element.
MANDATORY = [
    ("CancelAppointment", False, "actor"),
    ("CancelAppointment", False, "appointmentId"),
    ("CancelAppointment", False, "personId"),
    ("CancelAppointment", True, "resultCode"),
    ("ConfirmAppointment", False, "actor"),
    ("ConfirmAppointment", False, "appointmentId"),
    ("ConfirmAppointment", False, "personId"),
    ("ConfirmAppointment", True, "resultCode"),
    ("GetAppointment", False, "actor"),
    ("GetAppointment", False, "appointmentId"),
    ("GetAppointment", False, "personId"),
    ("GetAppointment", True, "resultCode"),
    ("GetAppointments", False, "actor"),
    ("GetAppointments", False, "personId"),
    ("GetAvailableDates", False, "startDateInclusive"),
    ("GetAvailableDates", False, "endDateInclusive"),
    ("GetAvailableDates", True, "resultCode"),
    ("GetAvailableTimeslots", False, "startDateInclusive"),
    ("GetAvailableTimeslots", True, "resultCode"),
    ("GetHealthcareFacilities", True, "resultCode"),
    ("GetHealthcareFacility", True, "healthcareFacility"),
    ("GetHealthcareFacility", True, "resultCode"),
    ("GetPractitioners", True, "resultCode"),
    ("GetTimeTypes", True, "resultCode"),
    ("MakeAppointment", False, "actor"),
    ("MakeAppointment", False, "personId"),
    ("MakeAppointment", False, "timeslotId"),
    ("MakeAppointment", True, "resultCode"),
    ("UpdateAppointment", False, "actor"),
    ("UpdateAppointment", False, "originalAppointmentId"),
    ("UpdateAppointment", False, "timeslotId"),
    ("UpdateAppointment", False, "personId"),
    ("UpdateAppointment", True, "resultCode"),
]


def _without(name: str, response: bool, local_name: str) -> etree._Element:
    root = element(name, SAMPLES[name][1 if response else 0], response=response)
    child = next(c for c in root if etree.QName(c).localname == local_name)
    root.remove(child)
    return root


@pytest.mark.parametrize(("name", "response", "missing"), MANDATORY)
def test_missing_mandatory_element_is_refused(name: str, response: bool, missing: str) -> None:
    root = _without(name, response, missing)
    assert _invalid(_ours(name), root)
    if name in OFFICIAL_XSDS:
        assert _invalid(official_schema(GEN2, name), root)


@pytest.mark.parametrize("name", ["CancelAppointment", "ConfirmAppointment", "GetAppointment"])
def test_bad_uuid_is_refused(name: str) -> None:
    inner = f"{actor_xml()}<r:appointmentId>not-a-uuid-at-all</r:appointmentId>{person_xml()}"
    root = element(name, inner)
    assert _invalid(_ours(name), root)
    if name in OFFICIAL_XSDS:
        assert _invalid(official_schema(GEN2, name), root)


def test_bad_uuid_in_make_appointment_is_refused() -> None:
    inner = f"{actor_xml()}{person_xml()}<r:timeslotId>7c9e6679-7425-40de-944b-e07fc1f90ae</r:timeslotId>"
    assert _invalid(_ours("MakeAppointment"), element("MakeAppointment", inner))


@pytest.mark.parametrize("name", ["GetTimeTypes", "GetAvailableDates"])
def test_wrong_hsa_root_is_refused(name: str) -> None:
    dates = "<r:startDateInclusive>20261201</r:startDateInclusive><r:endDateInclusive>20261202</r:endDateInclusive>"
    practitioner = (
        "<r:practitionerId><c:root>1.2.3.4</c:root><c:extension>SE2321000016-P1</c:extension></r:practitionerId>"
    )
    inner = practitioner if name == "GetTimeTypes" else dates + practitioner
    root = element(name, inner)
    assert _invalid(_ours(name), root)
    if name in OFFICIAL_XSDS:
        assert _invalid(official_schema(GEN2, name), root)


def test_wrong_hsa_root_in_a_response_is_refused() -> None:
    inner = SAMPLES["GetHealthcareFacility"][1].replace("1.2.752.129.2.1.4.1", "1.2.752.129.2.1.4.2", 1)
    assert _invalid(_ours("GetHealthcareFacility"), element("GetHealthcareFacility", inner, response=True))


@pytest.mark.parametrize("name", ["MakeAppointment", "GetAppointments"])
def test_wrong_person_id_root_is_refused(name: str) -> None:
    inner = SAMPLES[name][0].replace(person_xml(), person_xml(root="1.2.752.129.2.1.4.1"))
    assert _invalid(_ours(name), element(name, inner))


def test_get_appointments_response_has_no_result_code() -> None:
    inner = SAMPLES["GetAppointments"][1] + "<r:resultCode>OK</r:resultCode>"
    assert _invalid(_ours("GetAppointments"), element("GetAppointments", inner, response=True))


def test_get_healthcare_facilities_request_has_no_actor() -> None:
    inner = actor_xml() + SAMPLES["GetHealthcareFacilities"][0]
    assert _invalid(_ours("GetHealthcareFacilities"), element("GetHealthcareFacilities", inner))


def test_confirm_appointment_lives_in_the_version_1_namespace() -> None:
    inner = SAMPLES["ConfirmAppointment"][0]
    wrong = etree.fromstring(
        f'<r:ConfirmAppointment xmlns:r="urn:riv:supportprocess:logistics:scheduling:ConfirmAppointmentResponder:2"'
        f' xmlns:c="{CORE_NS}">{inner}</r:ConfirmAppointment>'.encode()
    )
    assert _invalid(_ours("ConfirmAppointment"), wrong)


def test_unknown_result_code_and_bad_time_are_refused() -> None:
    unknown = element("MakeAppointment", "<r:resultCode>BOOKED</r:resultCode>", response=True)
    assert _invalid(_ours("MakeAppointment"), unknown)
    bad_time = SAMPLES["GetAvailableTimeslots"][1].replace("20261201143000", "2026-12-01T14:30")
    root = element("GetAvailableTimeslots", bad_time, response=True)
    assert _invalid(_ours("GetAvailableTimeslots"), root)
    assert _invalid(official_schema(GEN2, "GetAvailableTimeslots"), root)


def test_schema_files_are_found_from_their_own_folder() -> None:
    for interaction in all_interactions(Generation.SCHEDULING_2):
        assert Path(interaction.xsd_file).parent == Path(interaction.wsdl_file).parent
