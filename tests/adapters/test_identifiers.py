"""Personal identity numbers and HSA-ids: format, check digit, masking."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity, luhn_check_digit, mask_personal_numbers


@pytest.mark.parametrize(
    "value", ["191212121212", "19121212-1212", "200001019876"[:11] + str(luhn_check_digit("000101987"))]
)
def test_valid_personnummer(value: str) -> None:
    assert len(PersonalIdentity.parse(value).value) == 12


@pytest.mark.parametrize(
    "value",
    ["191212121213", "19121212121", "1912121212123", "19121212121a", "191213011212", "19120230" + "1234", ""],
)
def test_invalid_personnummer(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        PersonalIdentity.parse(value)


def test_samordningsnummer_adds_sixty_to_the_day() -> None:
    nine = "701063" + "239"  # born 1970-10-03, coordination day 63
    number = PersonalIdentity("19" + nine + str(luhn_check_digit(nine)))
    assert number.is_coordination_number
    assert number.birth_date == dt.date(1970, 10, 3)


def test_age_on_a_day() -> None:
    number = PersonalIdentity("191212121212")
    assert number.age_on(dt.date(2026, 12, 11)) == 113
    assert number.age_on(dt.date(2026, 12, 12)) == 114


def test_never_shown_in_clear() -> None:
    number = PersonalIdentity("191212121212")
    assert "121212" not in str(number) and "121212" not in repr(number) and "121212" not in f"{number}"
    assert mask_personal_numbers("value '191212121212' and 19121212-1212 here") == (
        "value '1912********' and 1912******** here"
    )


def test_hsa_id_is_case_insensitive_and_canonical_upper() -> None:
    assert HsaId("se2321000016-1hz5") == "SE2321000016-1HZ5" == HsaId("SE2321000016-1HZ5")
    assert HsaId("SE2321000016-1hz5").organisation_number == "2321000016"
    for bad in ("2321000016-1HZ5", "SE232100001-1HZ5", "SE2321000016-", "SE2321000016-1HZ5 x"):
        with pytest.raises(InvalidIdentifier):
            HsaId(bad)
