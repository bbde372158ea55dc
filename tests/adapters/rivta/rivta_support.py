"""Helpers for the crm:scheduling 1.1 adapter tests: the official schemas, envelopes, test data."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from contracts.catalogue import Generation, Interaction, all_interactions, by_body_qname
from contracts.schemas import compile_schema
from contracts.soap import ACTOR_NS, REGISTRY_NS, parse_envelope

REPO = Path(__file__).resolve().parents[3]
OFFICIAL = REPO.parent / "shared" / "conformance" / "crm_scheduling_1.1"
BUNDLED_WSDL = REPO / "contracts" / "wsdl" / "crm_scheduling_1.1"

UNIT = "SE2321000016-15CQ"
OTHER_UNIT = "SE2321000016-16AB"
PERFORMER = "SE2321000016-P001"
CITIZEN = "191212121212"
OTHER_CITIZEN = "199001012385"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"

CRM_INTERACTIONS: list[Interaction] = all_interactions(Generation.CRM_SCHEDULING_1)


def official_schema(relative: str) -> etree.XMLSchema:
    """An official schema from ../shared/conformance; the test is skipped when it is absent."""
    path = OFFICIAL / relative
    if not path.is_file():
        pytest.skip(f"the official crm:scheduling 1.1 schemas are not here ({OFFICIAL}): ../shared is absent")
    return compile_schema(path)


def official_responder_schema(interaction: Interaction) -> etree.XMLSchema:
    return official_schema(f"interactions/{interaction.name}Interaction/{interaction.name}Responder_1.1.xsd")


def assert_request_conforms(envelope: bytes) -> str:
    """Validate a request envelope the adapter sent: the Body against the interaction's official
    responder schema, the LogicalAddress and Actor headers against theirs. Returns the interaction."""
    parsed = parse_envelope(envelope)
    interaction = by_body_qname(parsed.body.tag)
    assert interaction is not None, f"not a crm:scheduling request: {parsed.body.tag}"
    schema = official_responder_schema(interaction)
    assert schema.validate(parsed.body), schema.error_log
    headers = {element.tag: element for element in parsed.headers}
    logical = headers.get(f"{{{REGISTRY_NS}}}LogicalAddress")
    assert logical is not None, "LogicalAddress header missing"
    registry = official_schema("core_components/itintegration_registry_1.0.xsd")
    assert registry.validate(logical), registry.error_log
    actor = headers.get(f"{{{ACTOR_NS}}}Actor")
    if actor is not None:
        actor_schema = official_schema("core_components/interoperability_headers_1.0.xsd")
        assert actor_schema.validate(actor), actor_schema.error_log
    return interaction.name


def envelope(body: str) -> bytes:
    return f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>{body}</s:Body></s:Envelope>'.encode()


def fault_envelope(code: str, text: str) -> bytes:
    return envelope(f"<s:Fault><faultcode>s:{code}</faultcode><faultstring>{text}</faultstring></s:Fault>")
