"""The ProcessingStatus SOAP response header of aggregated answers
(`urn:riv:interoperability:headers:1`, as the national aggregating services send it): one record
per source with its status code, whether the data came from a cache, whether it is in synch, and
the last (un)successful synch with the error."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from adapters.domain import SWEDISH_TIME
from gateway.codec.xml import add, add_bool
from gateway.services.calendar import SourceStatus

__all__ = ["HEADERS_NS", "encode_processing_status"]

HEADERS_NS = "urn:riv:interoperability:headers:1"


def _stamp(moment: dt.datetime | None) -> str:
    """`yyyyMMddHHmmss`, Swedish local time, as the platform writes it; empty when never."""
    return "" if moment is None else moment.astimezone(SWEDISH_TIME).strftime("%Y%m%d%H%M%S")


def encode_processing_status(sources: list[SourceStatus], now: dt.datetime) -> etree._Element:
    header = etree.Element(f"{{{HEADERS_NS}}}ProcessingStatus", nsmap={"ih": HEADERS_NS})
    for source in sources:
        record = etree.SubElement(header, f"{{{HEADERS_NS}}}ProcessingStatusList")
        add(record, HEADERS_NS, "logicalAddress", source.logical_address)
        add(record, HEADERS_NS, "statusCode", source.status.value)
        add_bool(record, HEADERS_NS, "isResponseFromCache", source.from_cache)
        add_bool(record, HEADERS_NS, "isResponseInSynch", source.in_synch)
        etree.SubElement(record, f"{{{HEADERS_NS}}}lastSuccessfulSynch").text = _stamp(source.last_successful_synch)
        if not source.in_synch:
            add(record, HEADERS_NS, "lastUnsuccessfulSynch", _stamp(now))
            error = etree.SubElement(record, f"{{{HEADERS_NS}}}lastUnsuccessfulSynchError")
            add(error, HEADERS_NS, "causingAgent", "service_producer" if source.error_code != "403" else "other")
            add(error, HEADERS_NS, "code", source.error_code or "43000")
            add(error, HEADERS_NS, "text", source.error_text or "unknown error")
    return header
