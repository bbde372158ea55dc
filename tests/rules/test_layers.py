"""The layers: national defaults -> region -> care unit -> time type; the most specific wins, and
every merged rule knows the layer (file, line) it came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rule_fixtures import SKANE_UNIT, UNIT, RulesFactory, write_rules

from rules import RuleSet, Scope
from rules.times import parse_duration

OTHER_STOCKHOLM_UNIT = "SE2321000016-E0109"
UPPSALA_UNIT = "SE2321000024-E0301"


@pytest.mark.parametrize(
    ("region", "unit", "time_type", "path", "value", "scope", "file"),
    [
        # Skåne does not book sampling online; one Skåne unit does; other regions follow the nation.
        ("12", "SE2321000255-E1299", "PROV", "access", "never", Scope.REGION, "regions/12.yaml"),
        ("12", SKANE_UNIT, "PROV", "access", "anyone", Scope.CARE_UNIT, "regions/12.yaml"),
        ("01", UNIT, "PROV", "access", "anyone", Scope.NATIONAL, "national.yaml"),
        ("03", UPPSALA_UNIT, "PROV", "access", "anyone", Scope.NATIONAL, "national.yaml"),
        # Stockholm's video visits close 15 minutes before; elsewhere the national hour.
        ("01", OTHER_STOCKHOLM_UNIT, "VIDLAK", "booking.min_lead", "15m", Scope.REGION, "regions/01.yaml"),
        ("12", SKANE_UNIT, "VIDLAK", "booking.min_lead", "1h", Scope.NATIONAL, "national.yaml"),
        # One Stockholm unit keeps doctors' times until 48 h before; its neighbours 24 h.
        ("01", UNIT, "LAK30", "cancellation.until", "48h", Scope.CARE_UNIT, "regions/01.yaml"),
        ("01", OTHER_STOCKHOLM_UNIT, "LAK30", "cancellation.until", "24h", Scope.NATIONAL, "national.yaml"),
        # A region default reaches time types the nation has no own value for ...
        ("12", SKANE_UNIT, "LAK30", "limits.per_time_type", 1, Scope.REGION, "regions/12.yaml"),
        # ... but not those it has (the time type is the most specific layer).
        ("12", SKANE_UNIT, "GRPFOR", "limits.per_time_type", 6, Scope.NATIONAL, "national.yaml"),
        ("01", UNIT, "KBT", "access", "referral", Scope.NATIONAL, "national.yaml"),
        # A time type nobody wrote rules for gets the defaults.
        ("01", UNIT, "NOSUCH", "access", "anyone", Scope.NATIONAL, "national.yaml"),
    ],
)
def test_the_most_specific_layer_wins(
    bundled: RuleSet, region: str, unit: str, time_type: str, path: str, value: Any, scope: Scope, file: str
) -> None:
    rules = bundled.for_time_type(region, unit, time_type)
    expected = parse_duration(value) if path.endswith(("min_lead", "until")) else value
    assert rules.value_of(path) == expected
    layer = rules.layer_of(path)
    assert (layer.scope, layer.file) == (scope, file)


def test_provenance_names_the_line_the_rule_is_written_on(bundled: RuleSet) -> None:
    rules = bundled.for_time_type("01", UNIT, "LAK30")
    layer = rules.layer_of("cancellation.until")
    text = (Path(bundled.directory) / layer.file).read_text().splitlines()
    assert text[layer.line - 1].strip().startswith("until: 48h")
    assert (layer.key, layer.time_type) == (UNIT, "LAK30")
    assert str(layer).startswith(f"regions/01.yaml:{layer.line} (care unit {UNIT}, time type LAK30)")


def test_every_rule_has_a_layer_and_the_layers_are_listed_general_to_specific(bundled: RuleSet) -> None:
    rules = bundled.for_time_type("01", UNIT, "LAK30")
    assert {path for path, _, _ in rules.items()} == set(rules.provenance)
    assert [(layer.scope, layer.time_type) for layer in rules.layers] == [
        (Scope.NATIONAL, None),
        (Scope.REGION, None),
        (Scope.CARE_UNIT, None),
        (Scope.NATIONAL, "LAK30"),
        (Scope.CARE_UNIT, "LAK30"),
    ]


def test_lookups_normalise_county_codes_and_hsa_ids(bundled: RuleSet) -> None:
    assert bundled.for_time_type("1", UNIT.lower(), "LAK30") is bundled.for_time_type("01", UNIT, "LAK30")
    rules = bundled.for_time_type("01", UNIT.lower(), "LAK30")
    assert (rules.region_code, rules.care_unit) == ("01", UNIT)
    unknown = bundled.for_time_type("25", "SE2321000230-E2501", "LAK30")
    assert (unknown.region_code, unknown.care_unit) == (None, None)


@pytest.mark.parametrize(
    ("layers", "expected_lead", "expected_scope"),
    [
        ({}, "2h", Scope.NATIONAL),
        ({"national_tt": "3h"}, "3h", Scope.NATIONAL),
        ({"region_defaults": "4h"}, "4h", Scope.REGION),
        ({"national_tt": "3h", "region_defaults": "4h"}, "3h", Scope.NATIONAL),
        ({"region_defaults": "4h", "unit_defaults": "5h"}, "5h", Scope.CARE_UNIT),
        ({"region_tt": "6h", "unit_defaults": "5h"}, "6h", Scope.REGION),
        ({"region_tt": "6h", "unit_tt": "7h"}, "7h", Scope.CARE_UNIT),
        ({"national_tt": "3h", "region_tt": "6h", "unit_defaults": "5h"}, "6h", Scope.REGION),
    ],
)
def test_merge_order_table(
    make_rules: RulesFactory, layers: dict[str, str], expected_lead: str, expected_scope: Scope
) -> None:
    def lead(key: str) -> dict[str, Any]:
        return {"booking": {"min_lead": layers[key]}} if key in layers else {}

    ruleset = make_rules(
        time_types={"TT": lead("national_tt")},
        regions={
            "01": {
                "defaults": lead("region_defaults"),
                "time_types": {"TT": lead("region_tt")},
                "care_units": {UNIT: {"defaults": lead("unit_defaults"), "time_types": {"TT": lead("unit_tt")}}},
            }
        },
    )
    rules = ruleset.for_time_type("01", UNIT, "TT")
    assert rules.values.booking.min_lead == parse_duration(expected_lead)
    assert rules.layer_of("booking.min_lead").scope is expected_scope
    # The neighbouring unit and the neighbouring region do not see the care unit's layer.
    neighbour = ruleset.for_time_type("01", OTHER_STOCKHOLM_UNIT, "TT")
    assert neighbour.layer_of("booking.min_lead").scope is not Scope.CARE_UNIT
    elsewhere = ruleset.for_time_type("12", "SE2321000255-E1201", "TT")
    assert elsewhere.layer_of("booking.min_lead").scope is Scope.NATIONAL


def test_lists_are_replaced_whole_and_other_leaves_of_a_section_still_inherit(make_rules: RulesFactory) -> None:
    codes = [{"code": "A", "code_system": "x"}, {"code": "B", "code_system": "x"}]
    ruleset = make_rules(
        time_types={"TT": {"processes": {"AVBOKNING": {"reason_code": "Optional", "reason_codes": codes}}}},
        regions={"01": {"time_types": {"TT": {"processes": {"AVBOKNING": {"reason_codes": codes[:1]}}}}}},
    )
    national = ruleset.for_time_type("03", UNIT, "TT").values.processes.AVBOKNING
    regional = ruleset.for_time_type("01", UNIT, "TT").values.processes.AVBOKNING
    assert [c.code for c in national.reason_codes] == ["A", "B"]
    assert [c.code for c in regional.reason_codes] == ["A"]
    assert regional.reason_code.value == "Optional"  # inherited from the national entry


def test_shadowed_region_defaults_are_noted(tmp_path: Path) -> None:
    directory = write_rules(
        tmp_path,
        time_types={"TT": {"booking": {"min_lead": "3h"}}, "OTHER": {}},
        regions={"01": {"defaults": {"booking": {"min_lead": "4h"}}}},
    )
    ruleset = RuleSet.load(directory)
    [note] = ruleset.notes
    assert note.startswith("regions/01.yaml:") and "booking.min_lead does not apply to TT" in note
