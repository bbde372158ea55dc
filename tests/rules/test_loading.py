"""Loading rule files: the bundled set, and every kind of bad file reported as file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rule_fixtures import DATA, write_rules

from rules import RuleFileError, RuleSet
from rules.ruleset import directory_fingerprint


def line_of(path: Path, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line containing `fragment`."""
    seen = 0
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if fragment in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{fragment!r} not in {path}")


def problems_of(directory: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(RuleFileError) as caught:
        RuleSet.load(directory)
    return [(Path(p.file).name, p.line, p.message) for p in caught.value.problems]


def test_bundled_rules_load_and_name_the_seed_time_types(bundled: RuleSet) -> None:
    assert set(bundled.time_type_ids) >= {
        "LAK30",
        "SSK15",
        "VIDLAK",
        "TELSSK",
        "PROV",
        "VACCIN",
        "BVCVAC",
        "FYSIO",
        "KBT",
        "GRPFOR",
    }
    assert bundled.region_codes == ("01", "12")
    assert bundled.files == ("national.yaml", "regions/01.yaml", "regions/12.yaml")
    assert bundled.warnings == ()


def test_bundled_rules_give_kbt_referral_only_and_grpfor_a_group_of_eight(bundled: RuleSet) -> None:
    kbt = bundled.for_time_type("05", "SE2321000040-E0501", "KBT").values
    assert (kbt.access.value, kbt.hidden) == ("referral", True)
    grpfor = bundled.for_time_type("05", "SE2321000040-E0501", "GRPFOR").values
    assert (grpfor.patient_group, grpfor.group.capacity, grpfor.series.max_occurrences) == (True, 8, 6)
    assert bundled.for_time_type("05", "SE2321000040-E0501", "VIDLAK").values.channel.value == "video"


REGION_HEAD = 'format: 1\nregion: "01"\n'


@pytest.mark.parametrize(
    ("body", "marker", "fragment"),
    [
        ("time_types:\n  TT:\n    booking:\n      min_lead: 2x\n", "min_lead: 2x", "not a duration: '2x'"),
        ("time_types:\n  TT:\n    booking:\n      min_leed: 2h\n", "min_leed", "unknown key 'min_leed'"),
        ("defaults:\n  access: anyone\n  access: never\n", "access: never", "key written twice"),
        ("defaults:\n  access:\n", "access:", "empty value (null)"),
        ("time_types:\n  0123:\n    hidden: true\n", "0123", "key '0123' must be a string"),
        ("defaults:\n  access: sometimes\n", "sometimes", "'anyone', 'referral' or 'never'"),
        ("defaults:\n  hidden: 'yes'\n", "hidden", "valid boolean"),
        ("defaults:\n  limits:\n    per_unit: 0\n", "per_unit", "must be at least 1"),
        ("care_units:\n  NOT-AN-HSA-ID:\n    defaults: {}\n", "NOT-AN-HSA-ID", "should match pattern"),
        ("defaults:\n  access: a: b\n", "a: b", "YAML syntax: mapping values are not allowed here"),
        ("defaults: [unclosed\n", "unclosed", "YAML syntax: expected"),
        ("defaults:\n  processes:\n    NYBOKNING:\n      reason_text: Required\n", "Required", "'Mandatory'"),
        (
            "defaults:\n  processes:\n    NYBOKNING:\n      information:\n        - {description: x}\n",
            "description",
            "missing key 'header'",
        ),
        (
            "defaults:\n  processes:\n    AVBOKNING:\n      information:\n        - {header: h, link: 'ftp://x'}\n",
            "ftp",
            "should match pattern",
        ),
    ],
)
def test_a_bad_region_file_is_reported_with_file_and_line(
    tmp_path: Path, body: str, marker: str, fragment: str
) -> None:
    directory = write_rules(tmp_path)
    region_file = directory / "regions" / "01.yaml"
    region_file.parent.mkdir()
    region_file.write_text(REGION_HEAD + body)
    found = problems_of(directory)
    assert any(
        name == "01.yaml" and line == line_of(region_file, marker) and fragment in message
        for name, line, message in found
    ), found


def test_the_region_file_must_be_named_after_its_county_code(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    (directory / "regions").mkdir()
    (directory / "regions" / "01.yaml").write_text('format: 1\nregion: "02"\n')
    assert problems_of(directory) == [("01.yaml", 2, "region 02 must be in regions/02.yaml")]


def test_every_problem_in_every_file_is_listed_at_once(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, regions={"01": {"defaults": {"access": "nobody"}}})
    (directory / "regions" / "12.yaml").write_text('format: 1\nregion: "12"\ndefaults:\n  channel: fax\n')
    national = directory / "national.yaml"
    national.write_text(national.read_text().replace("min_lead: 2h", "min_lead: soon"))
    found = problems_of(directory)
    assert {(name, line) for name, line, _ in found} == {
        ("national.yaml", line_of(national, "min_lead: soon")),
        ("01.yaml", line_of(directory / "regions" / "01.yaml", "access")),
        ("12.yaml", 4),
    }


def test_the_national_defaults_must_set_every_rule(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    national = directory / "national.yaml"
    national.write_text(national.read_text().replace("    max_ahead: 8w\n", ""))
    assert problems_of(directory) == [
        (
            "national.yaml",
            line_of(national, "defaults:"),
            "defaults: booking.max_ahead is not set; the national defaults must set every rule",
        )
    ]


def test_a_merge_that_breaks_a_rule_is_reported_at_the_layer_that_broke_it(tmp_path: Path) -> None:
    """National max_ahead 8w is fine alone; a care unit's min_lead of 9w makes the window empty."""
    unit = "SE2321000016-E0101"
    directory = write_rules(
        tmp_path,
        regions={"01": {"care_units": {unit: {"time_types": {"TT": {"booking": {"min_lead": "9w"}}}}}}},
    )
    [(name, line, message)] = problems_of(directory)
    assert (name, line) == ("01.yaml", line_of(directory / "regions" / "01.yaml", "min_lead"))
    assert "time type TT" in message
    assert "booking.max_ahead (8w) must be longer than booking.min_lead (9w)" in message


def test_a_mandatory_reason_code_needs_codes_to_choose_from(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"TT": {"processes": {"AVBOKNING": {"reason_code": "Mandatory"}}}})
    [(name, line, message)] = problems_of(directory)
    assert (name, line) == ("national.yaml", line_of(directory / "national.yaml", "reason_code: Mandatory"))
    assert "reason_code is Mandatory but no reason_codes are listed" in message


def test_a_group_time_type_needs_more_than_one_place(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"GROUP": {"patient_group": True}})
    [(_, _, message)] = problems_of(directory)
    assert "patient_group is true but group.capacity is 1" in message


def test_missing_national_file_and_stray_files_are_problems(tmp_path: Path) -> None:
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "01.yml").write_text("format: 1\n")
    (tmp_path / "notes.yaml").write_text("x: 1\n")
    messages = {message for _, _, message in problems_of(tmp_path)}
    assert messages == {
        "the national rule file is missing",
        "rule files end in .yaml",
        "unexpected rule file: expected national.yaml and regions/NN.yaml",
    }


def test_a_care_unit_belongs_to_one_region(tmp_path: Path) -> None:
    unit = "SE2321000016-E0101"
    directory = write_rules(
        tmp_path, regions={"01": {"care_units": {unit: {}}}, "12": {"care_units": {unit.lower(): {}}}}
    )
    [(name, _, message)] = problems_of(directory)
    assert name == "12.yaml"
    assert f"care unit {unit} is also in regions/01.yaml" in message


def test_unknown_time_types_in_a_region_are_a_warning_not_an_error(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, regions={"01": {"time_types": {"TT0": {"hidden": True}}}})
    ruleset = RuleSet.load(directory)
    [warning] = ruleset.warnings
    assert warning.startswith("regions/01.yaml:") and "'TT0' is not in national.yaml" in warning


def test_yaml_anchors_and_merge_keys_work(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    national = directory / "national.yaml"
    national.write_text(
        national.read_text()
        + "  A: &shared\n    hidden: true\n    access: referral\n  B:\n    <<: *shared\n    channel: video\n"
    )
    ruleset = RuleSet.load(directory)
    b = ruleset.for_time_type("01", "SE2321000016-E0101", "B")
    assert (b.values.hidden, b.values.access.value, b.values.channel.value) == (True, "referral", "video")
    assert b.layer_of("hidden").line == line_of(national, "hidden: true")


def test_fingerprint_follows_the_content(tmp_path: Path) -> None:
    directory = write_rules(tmp_path)
    first = RuleSet.load(directory)
    assert first.fingerprint == RuleSet.load(directory).fingerprint == directory_fingerprint(directory)
    (directory / "national.yaml").write_text((directory / "national.yaml").read_text() + "# a comment\n")
    assert RuleSet.load(directory).fingerprint != first.fingerprint
    assert directory_fingerprint(directory) != first.fingerprint


def test_bundled_directory_fingerprint_is_the_loaded_one(bundled: RuleSet) -> None:
    assert directory_fingerprint(DATA) == bundled.fingerprint
