"""Compiled contract schemas, loaded once per interaction from local files only."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from contracts.catalogue import Interaction

__all__ = ["SchemaViolation", "compile_schema", "schema_for", "validate"]


class SchemaViolation(ValueError):
    """A message that does not validate against its contract schema. The message text is
    libxml2's first error, which may quote a value: mask it before showing it anywhere."""


def _local_only_parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


@cache
def compile_schema(xsd_file: Path) -> etree.XMLSchema:
    """Compile an XSD (and what it imports, relative to it) without touching the network."""
    document = etree.parse(str(xsd_file), _local_only_parser())
    return etree.XMLSchema(document)


def schema_for(interaction: Interaction) -> etree.XMLSchema:
    return compile_schema(interaction.xsd_file)


def validate(schema: etree.XMLSchema, element: etree._Element) -> None:
    """Raise SchemaViolation with the first error when `element` does not validate."""
    if not schema.validate(element):
        error_log: Any = schema.error_log
        first = next(iter(error_log), None)
        text = str(first.message) if first is not None else "invalid"
        raise SchemaViolation(text)
