"""The scheduling 2 TimeTypeType view of a time type."""

from __future__ import annotations

from rule_fixtures import SKANE_UNIT, UNIT

from rules import Process, ReasonRequirement, RuleSet, time_type_view


def test_video_visit_view(bundled: RuleSet) -> None:
    view = time_type_view(bundled, "01", UNIT, "VIDLAK")
    assert view.code == "VIDLAK"
    assert (view.hidden, view.healthcare_team, view.patient_group) == (False, False, False)
    assert (view.care_contact_code.code, view.care_contact_code.code_system) == ("448337001", "1.2.752.116.2.1.1")
    assert (view.cancel_appointment_allowed, view.update_appointment_allowed) == (True, True)
    assert [rule.process for rule in view.appointment_rules] == [
        Process.NYBOKNING,
        Process.OMBOKNING,
        Process.AVBOKNING,
    ]
    new_booking = view.appointment_rules[0]
    assert new_booking.reason_text_required is ReasonRequirement.MANDATORY
    assert new_booking.reason_code_required is ReasonRequirement.NOT_SUPPORTED
    assert len(new_booking.conditions_to_confirm) == 2
    assert new_booking.information[0].header == "Så går videobesöket till"


def test_referral_only_group_and_never_online_views(bundled: RuleSet) -> None:
    kbt = time_type_view(bundled, "01", UNIT, "KBT")
    assert kbt.hidden
    assert [service.code for service in kbt.healthcare_services] == ["228557008"]
    cancel = kbt.appointment_rules[2]
    assert (cancel.reason_text_required, cancel.reason_code_required) == (
        ReasonRequirement.MANDATORY,
        ReasonRequirement.OPTIONAL,
    )
    assert [code.code for code in cancel.reason_codes] == ["SJUK", "TIDEN_PASSAR_INTE", "BESVAR_BORTA"]

    group = time_type_view(bundled, "01", UNIT, "GRPFOR")
    assert (group.patient_group, group.update_appointment_allowed) == (True, False)

    # Skåne samples drop-in: PROV is hidden there, except at the unit that books it online.
    assert time_type_view(bundled, "12", "SE2321000255-E1202", "PROV").hidden
    assert not time_type_view(bundled, "12", SKANE_UNIT, "PROV").hidden


def test_a_care_unit_layer_shows_in_the_view(bundled: RuleSet) -> None:
    here = time_type_view(bundled, "01", UNIT, "LAK30").appointment_rules[0]
    neighbour = time_type_view(bundled, "01", "SE2321000016-E0103", "LAK30").appointment_rules[0]
    assert here.reason_code_required is ReasonRequirement.OPTIONAL and len(here.reason_codes) == 3
    assert neighbour.reason_code_required is ReasonRequirement.NOT_SUPPORTED and neighbour.reason_codes == ()
