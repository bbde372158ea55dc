"""Domain → scheduling 2 requests: every request validates against our 2.0 schema and, where the
interaction has one, the official schema; values land in the elements the contract names."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from adapters.domain import Actor, ActorRole, SlotQuery
from adapters.identifiers import HsaId, PersonalIdentity
from adapters.rivta2 import requests
from adapters.rivta2.vocabulary import ACTOR_TYPE_CODES, SNOMED_CT
from tests.adapters.rivta2.rivta2_support import CORE, assert_valid_message, conformance_present, interaction

UNIT = HsaId("SE2321000024-E0301")
PRACTITIONER = HsaId("SE2321000024-P030101")
CITIZEN = PersonalIdentity("191212121212")
COORDINATION = PersonalIdentity("199001612390")  # samordningsnummer: day 01 + 60
APPOINTMENT = "b4ae4e3c-753b-44ed-a590-b66fbda9d2a1"
SLOT = "4f323cb4-9a16-4a00-9eda-9efa4bbc377c"
ME = Actor(CITIZEN.value, ActorRole.CITIZEN)


def _ns(name: str) -> str:
    return interaction(name).responder_namespace


def _children(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def _top(element: etree._Element, name: str) -> etree._Element:
    found = element.find(f"{{{etree.QName(element).namespace}}}{name}")
    assert found is not None, f"{name} missing in {etree.QName(element).localname}"
    return found


def _core_text(element: etree._Element, path: str) -> str | None:
    return element.findtext("/".join(f"{{{CORE}}}{part}" for part in path.split("/")))


def _every_request() -> list[etree._Element]:
    query = SlotQuery(
        care_unit=UNIT,
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 14),
        citizen=CITIZEN,
        booking_id=APPOINTMENT,
        time_type_id="LAK30",
    )
    return [
        requests.time_types_request(ME, CITIZEN, service_code="11429006", practitioner=PRACTITIONER),
        requests.time_types_request(None, None),
        requests.practitioners_request(ME, CITIZEN, original_appointment_id=APPOINTMENT, time_type_code="LAK30"),
        requests.practitioners_request(None, None, service_code="11429006"),
        requests.facilities_request(CITIZEN, original_appointment_id=APPOINTMENT, time_type_code="LAK30"),
        requests.facilities_request(None),
        requests.slot_search_request("GetAvailableDates", query, ME, CITIZEN, practitioner=PRACTITIONER),
        requests.slot_search_request("GetAvailableTimeslots", query, ME, CITIZEN, practitioner=PRACTITIONER),
        requests.slot_search_request(
            "GetAvailableTimeslots",
            SlotQuery(care_unit=UNIT, start_date=dt.date(2026, 12, 1), end_date=dt.date(2026, 12, 1)),
            None,
            None,
        ),
        requests.appointments_request(ME, CITIZEN),
        requests.appointment_request(ME, APPOINTMENT, CITIZEN),
        requests.confirm_appointment_request(ME, APPOINTMENT, CITIZEN),
        requests.make_appointment_request(ME, CITIZEN, SLOT, "Ont i halsen"),
        requests.make_appointment_request(ME, CITIZEN, SLOT),
        requests.update_appointment_request(ME, APPOINTMENT, SLOT, CITIZEN, "Krockar med jobbet"),
        requests.cancel_appointment_request(ME, APPOINTMENT, CITIZEN, "Frisk igen"),
        requests.cancel_appointment_request(ME, APPOINTMENT, CITIZEN),
    ]


def test_every_request_validates_against_our_schema_and_the_official_one_where_public() -> None:
    built = _every_request()
    checked = {etree.QName(element).localname: assert_valid_message(element) for element in built}
    assert set(checked) == {
        "GetTimeTypes",
        "GetPractitioners",
        "GetHealthcareFacilities",
        "GetAvailableDates",
        "GetAvailableTimeslots",
        "GetAppointments",
        "GetAppointment",
        "ConfirmAppointment",
        "MakeAppointment",
        "UpdateAppointment",
        "CancelAppointment",
    }
    if conformance_present():
        # the interactions whose responder schema is public (SPEC §6)
        assert {name for name, sets in checked.items() if "official" in sets} == {
            "GetTimeTypes",
            "GetAvailableTimeslots",
            "UpdateAppointment",
            "CancelAppointment",
        }


@pytest.mark.parametrize(
    ("role", "actor_id", "root", "extension"),
    [
        (ActorRole.CITIZEN, "191212121212", "1.2.752.129.2.1.3.1", "191212121212"),
        (ActorRole.GUARDIAN, "19121212-1212", "1.2.752.129.2.1.3.1", "191212121212"),
        (ActorRole.TRUSTEE, "199001612390", "1.2.752.129.2.1.3.3", "199001612390"),
        (ActorRole.CUSTODIAN, "191212121212", "1.2.752.129.2.1.3.1", "191212121212"),
        (ActorRole.STAFF, "se2321000024-p030101", "1.2.752.129.2.1.4.1", "SE2321000024-P030101"),
    ],
)
def test_the_actor_is_a_body_element_with_its_snomed_ct_kind_and_ii_id(
    role: ActorRole, actor_id: str, root: str, extension: str
) -> None:
    element = requests.make_appointment_request(Actor(actor_id, role), CITIZEN, SLOT)
    assert_valid_message(element)
    actor = element[0]
    assert actor.tag == f"{{{_ns('MakeAppointment')}}}actor"
    assert _core_text(actor, "actorId/root") == root
    assert _core_text(actor, "actorId/extension") == extension
    assert _core_text(actor, "actorType/code") == ACTOR_TYPE_CODES[role]
    assert _core_text(actor, "actorType/codeSystem") == SNOMED_CT


def test_the_snomed_ct_actor_codes_are_the_ones_tkb_2_lists() -> None:
    assert {role.value: code for role, code in ACTOR_TYPE_CODES.items()} == {
        "citizen": "116154003",
        "guardian": "60101000052104",
        "trustee": "60081000052107",
        "custodian": "60121000052105",
        "staff": "223366009",
    }


def test_person_ids_carry_the_personnummer_or_samordningsnummer_root() -> None:
    for person, root in ((CITIZEN, "1.2.752.129.2.1.3.1"), (COORDINATION, "1.2.752.129.2.1.3.3")):
        element = requests.appointments_request(Actor(person.value, ActorRole.CITIZEN), person)
        assert_valid_message(element)
        person_id = _top(element, "personId")
        assert _core_text(person_id, "root") == root
        assert _core_text(person_id, "extension") == person.value
        assert _core_text(element[0], "actorId/root") == root


def test_hsa_ids_are_ii_structures_with_the_hsa_root() -> None:
    element = requests.time_types_request(None, None, practitioner=PRACTITIONER)
    practitioner = _top(element, "practitionerId")
    assert _core_text(practitioner, "root") == "1.2.752.129.2.1.4.1"
    assert _core_text(practitioner, "extension") == str(PRACTITIONER)


def test_optional_values_are_left_out_not_sent_empty() -> None:
    assert _children(requests.time_types_request(None, None)) == []
    assert _children(requests.facilities_request(None)) == []
    assert _children(requests.make_appointment_request(ME, CITIZEN, SLOT, "")) == ["actor", "personId", "timeslotId"]
    assert _children(requests.cancel_appointment_request(ME, APPOINTMENT, CITIZEN)) == [
        "actor",
        "appointmentId",
        "personId",
    ]


def test_elements_follow_the_schema_order() -> None:
    assert _children(requests.update_appointment_request(ME, APPOINTMENT, SLOT, CITIZEN, "x")) == [
        "actor",
        "originalAppointmentId",
        "timeslotId",
        "personId",
        "reasonText",
    ]
    query = SlotQuery(
        care_unit=UNIT,
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 2),
        booking_id=APPOINTMENT,
        care_type_id="11429006",
    )
    search = requests.slot_search_request("GetAvailableDates", query, ME, CITIZEN, practitioner=PRACTITIONER)
    assert _children(search) == [
        "actor",
        "originalAppointmentId",
        "personId",
        "startDateInclusive",
        "endDateInclusive",
        "practitionerId",
        "healthcareServiceCode",
    ]
    assert _top(search, "startDateInclusive").text == "20261201"
    assert _top(search, "endDateInclusive").text == "20261202"


def test_a_time_type_wins_over_a_healthcare_service_where_the_contract_takes_one() -> None:
    query = SlotQuery(
        care_unit=UNIT,
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2026, 12, 1),
        time_type_id="LAK30",
        care_type_id="11429006",
    )
    search = requests.slot_search_request("GetAvailableTimeslots", query, None, None)
    assert _top(search, "timeTypeCode").text == "LAK30"
    assert "healthcareServiceCode" not in _children(search)
    practitioners = requests.practitioners_request(None, None, time_type_code="LAK30", service_code="11429006")
    assert _children(practitioners) == ["timeTypeCode"]


def test_facilities_request_has_no_actor() -> None:
    assert "actor" not in _children(requests.facilities_request(CITIZEN, time_type_code="LAK30"))


@pytest.mark.parametrize("bad", ["", "42", "not-a-uuid", APPOINTMENT + "0"])
def test_ids_that_are_not_uuids_are_refused_before_sending(bad: str) -> None:
    with pytest.raises(ValueError, match="UUID"):
        requests.appointment_request(ME, bad, CITIZEN)
    with pytest.raises(ValueError, match="UUID"):
        requests.make_appointment_request(ME, CITIZEN, bad)
    with pytest.raises(ValueError, match="UUID"):
        requests.practitioners_request(ME, CITIZEN, original_appointment_id=bad)


def test_an_actor_without_a_valid_id_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValueError, match="personal identity number") as raised:
        requests.appointments_request(Actor("191212121213", ActorRole.GUARDIAN), CITIZEN)
    assert "191212121213" not in str(raised.value)
    with pytest.raises(ValueError, match="HSA-id"):
        requests.appointments_request(Actor("191212121212", ActorRole.STAFF), CITIZEN)


def test_a_search_that_ends_before_it_starts_is_refused() -> None:
    query = SlotQuery(care_unit=UNIT, start_date=dt.date(2026, 12, 2), end_date=dt.date(2026, 12, 1))
    with pytest.raises(ValueError, match="ends before"):
        requests.slot_search_request("GetAvailableDates", query, None, None)
    with pytest.raises(ValueError, match="not a slot search"):
        requests.slot_search_request("MakeAppointment", query, None, None)


def test_confirm_appointment_is_contract_version_1() -> None:
    element = requests.confirm_appointment_request(ME, APPOINTMENT, CITIZEN)
    namespace = "urn:riv:supportprocess:logistics:scheduling:ConfirmAppointmentResponder:1"
    assert element.tag == f"{{{namespace}}}ConfirmAppointment"
