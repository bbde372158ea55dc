"""Seed data that looks real and is reproducible from a seed number.

Identities come from the tax agency's test series (birth numbers 980-999 are reserved for test
persons), HSA-ids follow `SE<organisation number>-<local part>`, names are common Swedish ones.
Every simulator kind uses the same time-type vocabulary so that one rule set covers them all; the
ids are still each system's own strings."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from simulators.common.regions import Region

__all__ = [
    "CARE_TYPES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "TIME_TYPES",
    "SeedCareType",
    "SeedCareUnit",
    "SeedPerformer",
    "SeedTimeType",
    "care_units_for",
    "luhn_digit",
    "test_personal_number",
]


@dataclass(frozen=True, slots=True)
class SeedCareType:
    care_type_id: str
    name: str


@dataclass(frozen=True, slots=True)
class SeedTimeType:
    time_type_id: str
    name: str
    care_type_id: str
    minutes: int
    channel: str  # physical | video | phone
    performer_title: str
    group_capacity: int = 1  # > 1: a group session with this many places


CARE_TYPES: tuple[SeedCareType, ...] = (
    SeedCareType("VT01", "Allmänmedicin"),
    SeedCareType("VT02", "Provtagning"),
    SeedCareType("VT03", "Vaccinering"),
    SeedCareType("VT04", "Sjukgymnastik"),
    SeedCareType("VT05", "Psykisk hälsa"),
    SeedCareType("VT06", "Barnhälsovård"),
)

TIME_TYPES: tuple[SeedTimeType, ...] = (
    SeedTimeType("LAK30", "Läkarbesök 30 min", "VT01", 30, "physical", "Läkare"),
    SeedTimeType("SSK15", "Sjuksköterskebesök 15 min", "VT01", 15, "physical", "Sjuksköterska"),
    SeedTimeType("VIDLAK", "Videobesök läkare", "VT01", 20, "video", "Läkare"),
    SeedTimeType("TELSSK", "Telefontid sjuksköterska", "VT01", 10, "phone", "Sjuksköterska"),
    SeedTimeType("PROV", "Provtagning", "VT02", 10, "physical", "Biomedicinsk analytiker"),
    SeedTimeType("VACCIN", "Vaccination influensa", "VT03", 10, "physical", "Sjuksköterska"),
    SeedTimeType("BVCVAC", "Barnvaccination", "VT06", 20, "physical", "Sjuksköterska"),
    SeedTimeType("FYSIO", "Fysioterapi", "VT04", 45, "physical", "Fysioterapeut"),
    SeedTimeType("KBT", "KBT-samtal (efter bedömning)", "VT05", 45, "physical", "Psykolog"),
    SeedTimeType("GRPFOR", "Föräldragrupp", "VT06", 90, "physical", "Barnmorska", group_capacity=8),
)

FIRST_NAMES = (
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Kerstin",
    "Emma",
    "Ingrid",
    "Malin",
    "Lars",
    "Mikael",
    "Anders",
    "Johan",
    "Erik",
    "Per",
    "Karl",
    "Peter",
    "Thomas",
    "Jan",
)
LAST_NAMES = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Lindberg",
)

_UNIT_KINDS = (
    ("Vårdcentral", ("LAK30", "SSK15", "VIDLAK", "TELSSK", "PROV", "VACCIN", "KBT")),
    ("Barnavårdscentral", ("BVCVAC", "GRPFOR", "TELSSK")),
    ("Rehabmottagning", ("FYSIO", "VIDLAK")),
)
_DISTRICTS = ("Centrum", "Norr", "Söder", "Väster", "Öster", "Hälsan", "Citykliniken")


@dataclass(frozen=True, slots=True)
class SeedPerformer:
    hsa_id: str
    first_name: str
    last_name: str
    title: str


@dataclass(frozen=True, slots=True)
class SeedCareUnit:
    hsa_id: str
    name: str
    time_type_ids: tuple[str, ...]
    performers: tuple[SeedPerformer, ...]


def luhn_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def test_personal_number(rng: random.Random, *, born_between: tuple[int, int] = (1940, 2020)) -> str:
    """A valid 12-digit personnummer from the test series (birth number 980-999)."""
    year = rng.randint(*born_between)
    born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
    birth_number = rng.randint(980, 999)
    nine = f"{born:%y%m%d}{birth_number:03d}"
    return f"{born:%Y%m%d}{birth_number:03d}{luhn_digit(nine)}"


def care_units_for(region: Region, rng: random.Random, count: int = 3) -> list[SeedCareUnit]:
    """`count` care units of a region, with performers for their time types."""
    units: list[SeedCareUnit] = []
    titles = {t.time_type_id: t.performer_title for t in TIME_TYPES}
    for index in range(count):
        kind, time_type_ids = _UNIT_KINDS[index % len(_UNIT_KINDS)]
        town = region.towns[index % len(region.towns)]
        district = _DISTRICTS[rng.randrange(len(_DISTRICTS))]
        unit_hsa = f"SE{region.organisation_number}-E{region.code}{index + 1:02d}"
        performers: list[SeedPerformer] = []
        for title in sorted({titles[t] for t in time_type_ids}):
            for _ in range(2 if title in {"Läkare", "Sjuksköterska"} else 1):
                performers.append(
                    SeedPerformer(
                        hsa_id=f"SE{region.organisation_number}-P{region.code}{index + 1:02d}{len(performers):02d}",
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=rng.choice(LAST_NAMES),
                        title=title,
                    )
                )
        units.append(
            SeedCareUnit(
                hsa_id=unit_hsa,
                name=f"{kind} {town} {district}",
                time_type_ids=time_type_ids,
                performers=tuple(performers),
            )
        )
    return units
