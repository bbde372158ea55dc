"""Helpers for the scheduling 2 adapter tests: every message checked against our 2.0 schemas and,
where the interaction has one, the official schema in ../shared/conformance/scheduling_2.0."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from contracts.catalogue import Generation, Interaction, by_body_qname, by_name
from contracts.schemas import compile_schema, schema_for
from contracts.soap import REGISTRY_NS, SOAP_ENV_NS, parse_envelope
from tests.support.conformance import CONFORMANCE, assert_valid

__all__ = [
    "CORE",
    "assert_answer_conforms",
    "assert_request_conforms",
    "assert_valid_message",
    "official_schema_or_none",
    "response_element",
]

CORE = "urn:riv:supportprocess:logistics:scheduling:2"
OFFICIAL_2_0 = CONFORMANCE / "scheduling_2.0"


def interaction(name: str) -> Interaction:
    return by_name(Generation.SCHEDULING_2, name)


@cache
def official_schema_or_none(name: str) -> etree.XMLSchema | None:
    """The official responder schema of `name`, when it is public and ../shared is present."""
    path = OFFICIAL_2_0 / "interactions" / f"{name}Interaction" / f"{name}Responder_2.0.xsd"
    return compile_schema(path) if path.is_file() else None


def _official_header_schema() -> etree.XMLSchema | None:
    path = OFFICIAL_2_0 / "core_components" / "itintegration_registry_1.0.xsd"
    return compile_schema(path) if path.is_file() else None


def assert_valid_message(element: etree._Element) -> list[str]:
    """Validate a request or response element against our schema and the official one (if any).
    Returns the names of the schema sets it was checked against."""
    name = etree.QName(element).localname.removesuffix("Response")
    found = interaction(name)
    assert element.tag in {found.request_qname, found.response_qname}, f"not a 2.0 message: {element.tag}"
    assert_valid(schema_for(found), element)
    checked = ["ours"]
    official = official_schema_or_none(name)
    if official is not None:
        assert_valid(official, element)
        checked.append("official")
    return checked


def assert_request_conforms(envelope: bytes) -> str:
    """A request envelope as sent: the Body against the schemas, the LogicalAddress header (and no
    Actor header: 2.0 carries the actor in the body). Returns the interaction's name."""
    parsed = parse_envelope(envelope)
    found = by_body_qname(parsed.body.tag)
    assert found is not None and found.generation is Generation.SCHEDULING_2, parsed.body.tag
    assert_valid_message(parsed.body)
    tags = [element.tag for element in parsed.headers]
    assert tags == [f"{{{REGISTRY_NS}}}LogicalAddress"], tags
    header_schema = _official_header_schema()
    if header_schema is not None:
        assert_valid(header_schema, parsed.headers[0])
    return found.name


def assert_answer_conforms(envelope: bytes) -> str:
    """An answer envelope as received (Faults pass): its Body against the schemas."""
    parsed = parse_envelope(envelope, max_bytes=10_000_000)
    if parsed.body.tag == f"{{{SOAP_ENV_NS}}}Fault":
        return "Fault"
    assert_valid_message(parsed.body)
    return etree.QName(parsed.body).localname


def response_element(name: str, inner: str) -> etree._Element:
    """`<NameResponse>` with `inner` (prefixes r: responder, c: core), checked against the schemas
    so that every fixture answer is one a conforming producer could send."""
    namespace = interaction(name).responder_namespace
    text = f'<r:{name}Response xmlns:r="{namespace}" xmlns:c="{CORE}">{inner}</r:{name}Response>'
    element = etree.fromstring(text)
    assert_valid_message(element)
    return element


def conformance_present() -> bool:
    return Path(OFFICIAL_2_0).is_dir()
