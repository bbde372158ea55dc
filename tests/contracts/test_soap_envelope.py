"""The hardened SOAP 1.1 reader refuses what SOAP 1.1 forbids and what attacks use."""

from __future__ import annotations

import pytest
from lxml import etree

from contracts.soap import (
    ActorHeader,
    EnvelopeError,
    build_envelope,
    build_fault,
    parse_envelope,
    parse_fault,
    request_headers,
)

ENV = "http://schemas.xmlsoap.org/soap/envelope/"

GOOD = f"""<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="{ENV}">
  <s:Header>
    <a:Actor xmlns:a="urn:riv:interoperability:headers:1"><a:actorId>191212121212</a:actorId>
      <a:actorType>subject_of_care</a:actorType></a:Actor>
    <r:LogicalAddress xmlns:r="urn:riv:itintegration:registry:1"> SE2321000016-E0101 </r:LogicalAddress>
  </s:Header>
  <s:Body><x:Ping xmlns:x="urn:example"/></s:Body>
</s:Envelope>""".encode()


def test_reads_body_logical_address_and_actor() -> None:
    envelope = parse_envelope(GOOD)
    assert envelope.body.tag == "{urn:example}Ping"
    assert envelope.logical_address == "SE2321000016-E0101"
    assert envelope.actor == ActorHeader("191212121212", "subject_of_care")


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (b"<s:Envelope", "malformed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + f'<s:Envelope xmlns:s="{ENV}"><s:Body><r>&x;</r></s:Body></s:Envelope>'.encode(),
            "forbidden-construct",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            + f'<s:Envelope xmlns:s="{ENV}"><s:Body><r>&b;</r></s:Body></s:Envelope>'.encode(),
            "forbidden-construct",
        ),
        (f'<?pi x?><s:Envelope xmlns:s="{ENV}"><s:Body><r/></s:Body></s:Envelope>'.encode(), "forbidden-construct"),
        (f'<s:Envelope xmlns:s="{ENV}"><s:Body><r><?pi x?></r></s:Body></s:Envelope>'.encode(), "forbidden-construct"),
        (
            b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><r/></s:Body></s:Envelope>',
            "not-soap11",
        ),
        (b"<plain/>", "not-soap11"),
        (f'<s:Envelope xmlns:s="{ENV}"><s:Body/></s:Envelope>'.encode(), "no-body"),
        (
            f'<s:Envelope xmlns:s="{ENV}"><s:Body>'.encode() + b"<a>" * 100 + b"</a>" * 100 + b"</s:Body></s:Envelope>",
            "too-deep",
        ),
    ],
)
def test_refuses(payload: bytes, kind: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(payload)
    assert caught.value.kind == kind


@pytest.mark.parametrize(("depth", "refused"), [(48, False), (49, True)])
def test_depth_limit_counts_the_envelope_as_level_one(depth: int, refused: bool) -> None:
    inner = depth - 3  # Envelope, Body and the operation element are three levels
    payload = (
        f'<s:Envelope xmlns:s="{ENV}"><s:Body><r>'.encode()
        + b"<a>" * inner
        + b"</a>" * inner
        + b"</r></s:Body></s:Envelope>"
    )
    if refused:
        with pytest.raises(EnvelopeError) as caught:
            parse_envelope(payload)
        assert caught.value.kind == "too-deep"
    else:
        assert parse_envelope(payload).body.tag == "r"


def test_refuses_oversized_before_parsing() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(GOOD + b" " * 2_000_000)
    assert caught.value.kind == "too-large"


def test_fault_round_trip() -> None:
    fault_xml = build_fault("Client", "TB008 No route for logical address: X", "detail text")
    body = parse_envelope(fault_xml).body
    fault = parse_fault(body)
    assert fault is not None
    assert (fault.code, fault.message, fault.detail) == (
        "Client",
        "TB008 No route for logical address: X",
        "detail text",
    )


def test_request_headers_are_read_back() -> None:
    body = etree.Element("{urn:example}Ping")
    envelope = parse_envelope(
        build_envelope(body, request_headers("SE2321000016-E0101", ActorHeader("x", "subject_of_care_agent")))
    )
    assert envelope.logical_address == "SE2321000016-E0101"
    assert envelope.actor == ActorHeader("x", "subject_of_care_agent")
