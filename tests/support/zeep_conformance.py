"""A zeep plugin that validates every request zeep sends and every answer it receives against the
official contract schemas, so end-to-end tests prove conformance of both directions."""

from __future__ import annotations

from typing import Any

from lxml import etree
from zeep import Plugin

from tests.support.conformance import assert_valid, official_schema

__all__ = ["ConformancePlugin"]

_SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"


class ConformancePlugin(Plugin):  # type: ignore[misc]
    def __init__(self, generation: str) -> None:
        self.generation = generation
        self.checked: list[str] = []

    def _check(self, envelope: etree._Element) -> None:
        body = envelope.find(_SOAP_BODY)
        assert body is not None and len(body), "SOAP envelope without a Body element"
        element = body[0]
        if element.tag == _FAULT:
            return
        localname = etree.QName(element).localname
        interaction = localname.removesuffix("Response")
        assert_valid(official_schema(self.generation, interaction), element)
        self.checked.append(localname)

    def egress(self, envelope: etree._Element, http_headers: Any, operation: Any, binding_options: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers

    def ingress(self, envelope: etree._Element, http_headers: Any, operation: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers
