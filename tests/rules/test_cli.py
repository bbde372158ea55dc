"""`rules check` and `rules explain` as the gateway's CLI calls them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rule_fixtures import ADULT, DATA, UNIT, write_rules

from rules import ReferralFacts, RuleFileError
from rules.cli import check, explain
from rules.times import parse_time


def test_check_accepts_the_bundled_rules() -> None:
    out = io.StringIO()
    assert check(DATA, out=out) == 0
    text = out.getvalue()
    assert "OK: 3 files, 10 time types, regions 01, 12, 3 care unit layers" in text
    assert "note: regions/12.yaml:" in text


def test_check_names_file_and_line_of_every_problem(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, regions={"01": {"defaults": {"channel": "fax"}}})
    out = io.StringIO()
    assert check(directory, out=out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{directory / 'regions' / '01.yaml'}:4: defaults.channel: Input should be")
    assert lines[-1] == "1 problem; the rule files cannot be used"


def test_explain_a_refusal_shows_the_rule_and_the_layer() -> None:
    text = explain(
        DATA,
        ADULT,
        region="12",
        care_unit="SE2321000255-E1202",
        time_type="PROV",
        start="2026-03-05T09:00",
        now="2026-03-02T12:00",
    )
    assert "Decision: REFUSED APPOINTMENT_IS_NOT_ALLOWED (RULE_NOT_ONLINE)" in text
    assert "sv: Den här sortens tid kan inte bokas via nätet. Kontakta mottagningen." in text
    assert "RULE_NOT_ONLINE: access = never <- regions/12.yaml:" in text
    assert "(region 12, time type PROV)" in text
    assert "(no layer for care unit SE2321000255-E1202)" in text
    assert ADULT not in text and "1990********" in text


def test_explain_an_allowed_referral_booking() -> None:
    kbt = ReferralFacts(
        "H-42",
        ADULT,
        parse_time("2026-03-01T08:00"),
        parse_time("2026-06-01T00:00"),
        time_type_ids=frozenset({"KBT"}),
    )
    text = explain(
        DATA,
        "19900517-9806",
        region="01",
        care_unit=UNIT,
        time_type="KBT",
        start="20260310090000",
        end="20260310094500",
        channel="physical",
        now="2026-03-02T12:00",
        referrals=[kbt],
    )
    assert "Decision: ALLOWED (uses referral H-42)" in text
    assert "opened by referral H-42 (0 of 1 used)" in text
    assert "Listed for this citizen: yes" in text
    assert "hidden=true" in text
    assert "access = referral" in text and "<- national.yaml:" in text


def test_explain_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        explain(DATA, "1990", region="01", care_unit=UNIT, time_type="LAK30", start="2026-03-05T09:00")
    bad = write_rules(tmp_path, defaults={"access": "sometimes"})
    with pytest.raises(RuleFileError):
        explain(bad, ADULT, region="01", care_unit=UNIT, time_type="LAK30", start="2026-03-05T09:00")
    with pytest.raises(ValueError):
        explain(DATA, ADULT, region="01", care_unit=UNIT, time_type="LAK30", start="next tuesday")
