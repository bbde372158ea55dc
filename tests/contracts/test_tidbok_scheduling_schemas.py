"""The gateway's own interactions (tidbok:scheduling 1): catalogue facts, schemas that compile from
local files, and request shapes the schemas accept and refuse."""

from __future__ import annotations

from lxml import etree

from contracts.catalogue import Generation, all_interactions, by_body_qname, by_name
from contracts.publish import published_wsdl, schema_file
from contracts.schemas import schema_for

SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
S2 = "urn:riv:supportprocess:logistics:scheduling:2"
CORE = "urn:riv:tidbok:scheduling:1"
UUID1 = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
UUID2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
NAMES = {
    "GetGroupTimeslots",
    "MakeGroupBooking",
    "MakeSeriesBooking",
    "MakeCombinedBooking",
    "GetBookingSet",
    "UpdateBookingSetPart",
    "CancelBookingSet",
}


def _responder(name: str) -> str:
    return f"urn:riv:tidbok:scheduling:{name}Responder:1"


def test_seven_interactions_in_our_namespace_with_wsdl_facts() -> None:
    interactions = all_interactions(Generation.GATEWAY_EXTENSIONS_1)
    assert {i.name for i in interactions} == NAMES
    others = {i.path for i in all_interactions() if i.generation is not Generation.GATEWAY_EXTENSIONS_1}
    for interaction in interactions:
        assert interaction.responder_namespace == _responder(interaction.name)
        assert interaction.path not in others
        wsdl = etree.parse(str(interaction.wsdl_file))
        assert wsdl.getroot().get("targetNamespace") == interaction.wsdl_target_namespace
        assert {op.get("soapAction") for op in wsdl.iter(f"{{{SOAP}}}operation")} == {interaction.soap_action}
        assert by_body_qname(interaction.request_qname) is interaction
        schema_for(interaction)


def test_published_wsdl_reaches_our_schemas_and_the_scheduling_2_core() -> None:
    interaction = by_name(Generation.GATEWAY_EXTENSIONS_1, "MakeSeriesBooking")
    document = etree.fromstring(published_wsdl(interaction, "http://gw.example:8000"))
    locations = [i.get("schemaLocation") for i in document.iter("{http://www.w3.org/2001/XMLSchema}import")]
    for location in locations:
        assert location.startswith("http://gw.example:8000/contracts/wsdl/tidbok_scheduling_1/")
        assert schema_file(location.split("/contracts/wsdl/", 1)[1]) is not None
    assert schema_file("scheduling_2.0/core_components/supportprocess_logistics_scheduling_2.0.xsd") is not None


def _person(parent: etree._Element, namespace: str, name: str) -> None:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    etree.SubElement(node, f"{{{S2}}}root").text = "1.2.752.129.2.1.3.1"
    etree.SubElement(node, f"{{{S2}}}extension").text = "191212121212"


def _request(name: str) -> etree._Element:
    namespace = _responder(name)
    body = etree.Element(f"{{{namespace}}}{name}")
    actor = etree.SubElement(body, f"{{{namespace}}}actor")
    _person(actor, S2, "actorId")
    actor_type = etree.SubElement(actor, f"{{{S2}}}actorType")
    etree.SubElement(actor_type, f"{{{S2}}}code").text = "116154003"
    etree.SubElement(actor_type, f"{{{S2}}}codeSystem").text = "1.2.752.116.2.1.1"
    _person(body, namespace, "personId")
    return body


def _add(parent: etree._Element, namespace: str, name: str, text: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    node.text = text
    return node


def _valid(name: str, body: etree._Element) -> bool:
    return bool(schema_for(by_name(Generation.GATEWAY_EXTENSIONS_1, name)).validate(body))


def test_a_series_is_a_recurrence_or_a_list_of_at_least_two_timeslots_never_both() -> None:
    namespace = _responder("MakeSeriesBooking")
    by_rule = _request("MakeSeriesBooking")
    recurrence = etree.SubElement(by_rule, f"{{{namespace}}}recurrence")
    _add(recurrence, CORE, "firstTimeslotId", UUID1)
    _add(recurrence, CORE, "intervalDays", "7")
    _add(recurrence, CORE, "occurrences", "6")
    assert _valid("MakeSeriesBooking", by_rule)

    by_list = _request("MakeSeriesBooking")
    _add(by_list, namespace, "timeslotId", UUID1)
    assert not _valid("MakeSeriesBooking", by_list)  # one timeslot is not a series
    _add(by_list, namespace, "timeslotId", UUID2)
    assert _valid("MakeSeriesBooking", by_list)

    both = _request("MakeSeriesBooking")
    both.append(etree.fromstring(etree.tostring(recurrence)))
    _add(both, namespace, "timeslotId", UUID1)
    _add(both, namespace, "timeslotId", UUID2)
    assert not _valid("MakeSeriesBooking", both)


def test_recurrence_bounds_and_set_answers() -> None:
    namespace = _responder("MakeSeriesBooking")
    body = _request("MakeSeriesBooking")
    recurrence = etree.SubElement(body, f"{{{namespace}}}recurrence")
    _add(recurrence, CORE, "firstTimeslotId", UUID1)
    _add(recurrence, CORE, "intervalDays", "7")
    _add(recurrence, CORE, "occurrences", "1")
    assert not _valid("MakeSeriesBooking", body)

    answer = etree.Element(f"{{{namespace}}}MakeSeriesBookingResponse")
    _add(answer, namespace, "failedPartNumber", "2")
    _add(answer, namespace, "resultCode", "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE")
    _add(answer, namespace, "resultText", "Tillfälle 2 är inte längre ledigt. Ingen tid är bokad.")
    assert _valid("MakeSeriesBooking", answer)


def test_cancel_the_whole_set_or_one_part() -> None:
    namespace = _responder("CancelBookingSet")
    body = _request("CancelBookingSet")
    _add(body, namespace, "bookingSetId", UUID1)
    assert _valid("CancelBookingSet", body)
    _add(body, namespace, "appointmentId", UUID2)
    assert _valid("CancelBookingSet", body)
    _add(body, namespace, "appointmentId", UUID1)
    assert not _valid("CancelBookingSet", body)
