"""The official contract schemas in ../shared/conformance, for validating what we send and accept.
Tests that need them skip, saying why, in a clone that has no ../shared beside it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from lxml import etree

__all__ = ["CONFORMANCE", "assert_valid", "official_schema", "require_conformance"]

CONFORMANCE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"

_GENERATION_FOLDERS = {
    "crm:scheduling:1": ("crm_scheduling_1.1", "{name}Responder_1.1.xsd"),
    "supportprocess:logistics:scheduling:2": ("scheduling_2.0", "{name}Responder_2.0.xsd"),
}


def require_conformance() -> Path:
    if not CONFORMANCE.is_dir():
        pytest.skip(f"official schemas not found at {CONFORMANCE} (a clone without ../shared); CI always has them")
    return CONFORMANCE


@cache
def _compile(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def official_schema(generation: str, name: str) -> etree.XMLSchema:
    """The official responder schema of interaction `name`; skips when the file is not public."""
    folder, pattern = _GENERATION_FOLDERS[generation]
    path = require_conformance() / folder / "interactions" / f"{name}Interaction" / pattern.format(name=name)
    if not path.is_file():
        pytest.skip(f"no official schema for {name} at {path}")
    return _compile(path)


def assert_valid(schema: etree.XMLSchema, element: etree._Element) -> None:
    if not schema.validate(element):
        raise AssertionError(
            f"{etree.QName(element).localname} does not validate: {schema.error_log}\n"
            + etree.tostring(element, pretty_print=True).decode()
        )
