"""Helpers for the crm:scheduling 1.1 adapter tests: the official schemas, envelopes, test data."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from contracts.catalogue import Generation, Interaction, all_interactions, by_body_qname
from contracts.schemas import compile_schema
from contracts.soap import ACTOR_NS, REGISTRY_NS, parse_envelope
from tests.support.conformance import assert_valid, official_schema, require_conformance

BUNDLED_WSDL = Path(__file__).resolve().parents[3] / "contracts" / "wsdl" / "crm_scheduling_1.1"

UNIT = "SE2321000016-15CQ"
OTHER_UNIT = "SE2321000016-16AB"
PERFORMER = "SE2321000016-P001"
CITIZEN = "191212121212"
OTHER_CITIZEN = "199001012385"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

CRM_INTERACTIONS: list[Interaction] = all_interactions(Generation.CRM_SCHEDULING_1)


def official_header_schema(file_name: str) -> etree.XMLSchema:
    """A header schema of the official 1.1 set (skips, saying why, without ../shared)."""
    return compile_schema(require_conformance() / "crm_scheduling_1.1" / "core_components" / file_name)


def assert_request_conforms(envelope: bytes) -> str:
    """Validate a request envelope the adapter sent: the Body against the interaction's official
    responder schema, the LogicalAddress and Actor headers against theirs. Returns the interaction."""
    parsed = parse_envelope(envelope)
    interaction = by_body_qname(parsed.body.tag)
    assert interaction is not None, f"not a crm:scheduling request: {parsed.body.tag}"
    assert_valid(official_schema(interaction.generation.value, interaction.name), parsed.body)
    headers = {element.tag: element for element in parsed.headers}
    logical = headers.get(f"{{{REGISTRY_NS}}}LogicalAddress")
    assert logical is not None, "LogicalAddress header missing"
    assert_valid(official_header_schema("itintegration_registry_1.0.xsd"), logical)
    actor = headers.get(f"{{{ACTOR_NS}}}Actor")
    if actor is not None:
        assert_valid(official_header_schema("interoperability_headers_1.0.xsd"), actor)
    return interaction.name


def envelope(body: str) -> bytes:
    return f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>{body}</s:Body></s:Envelope>'.encode()


def fault_envelope(code: str, text: str) -> bytes:
    return envelope(f"<s:Fault><faultcode>s:{code}</faultcode><faultstring>{text}</faultstring></s:Fault>")
