"""The catalogue names every crm:scheduling 1.1 interaction as the WSDLs do."""

from __future__ import annotations

from lxml import etree

from contracts.catalogue import Generation, all_interactions, by_body_qname
from contracts.publish import published_wsdl, schema_file
from contracts.schemas import schema_for

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"


def test_eleven_crm_scheduling_interactions_with_wsdl_facts() -> None:
    interactions = all_interactions(Generation.CRM_SCHEDULING_1)
    assert len(interactions) == 11
    for interaction in interactions:
        wsdl = etree.parse(str(interaction.wsdl_file))
        assert wsdl.getroot().get("targetNamespace") == interaction.wsdl_target_namespace
        actions = {op.get("soapAction") for op in wsdl.iter(f"{{{SOAP}}}operation")}
        assert actions == {interaction.soap_action}
        assert by_body_qname(interaction.request_qname) is interaction
        schema_for(interaction)  # compiles from local files


def test_published_wsdl_points_at_the_endpoint_and_served_schemas() -> None:
    interaction = all_interactions(Generation.CRM_SCHEDULING_1)[0]
    document = etree.fromstring(published_wsdl(interaction, "http://gw.example:8000/"))
    address = next(document.iter(f"{{{SOAP}}}address"))
    assert address.get("location") == f"http://gw.example:8000{interaction.path}"
    for imported in document.iter("{http://www.w3.org/2001/XMLSchema}import"):
        location = imported.get("schemaLocation")
        assert location.startswith("http://gw.example:8000/contracts/wsdl/crm_scheduling_1.1/")
        assert schema_file(location.split("/contracts/wsdl/", 1)[1]) is not None


def test_schema_files_cannot_leave_the_contract_folder() -> None:
    assert schema_file("../../pyproject.toml") is None
    assert schema_file("crm_scheduling_1.1/../../catalogue.py") is None
