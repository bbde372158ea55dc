"""Helpers for the rule tests: Swedish times, the bundled rule files, and small rule directories
written from Python dicts so each test states exactly the rules it depends on."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

import rules
from rules import RuleSet

STHLM = ZoneInfo("Europe/Stockholm")
DATA = Path(rules.__file__).parent / "data"

# The citizen most tests use: born 1990-05-17 (a test-series number).
ADULT = "199005179806"
UNIT = "SE2321000016-E0101"
OTHER_UNIT = "SE2321000016-E0102"
SKANE_UNIT = "SE2321000255-E1201"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """Swedish local time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=STHLM, fold=fold)


def after(moment: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """`span` of real time after `moment` (aware arithmetic on one zone would add wall-clock time)."""
    return (moment.astimezone(dt.UTC) + span).astimezone(STHLM)


NOW = at(2026, 3, 2, 12, 0)  # a Monday; tests count from here

CV = {"code_system": "1.2.752.116.2.1.1"}

BASE_NATIONAL: dict[str, Any] = {
    "format": 1,
    "contact_codes": {
        "physical": {"code": "308335008", **CV},
        "video": {"code": "448337001", **CV},
        "phone": {"code": "185317003", **CV},
    },
    "defaults": {
        "access": "anyone",
        "hidden": False,
        "channel": "physical",
        "care_services": [],
        "healthcare_team": False,
        "patient_group": False,
        "booking": {"min_lead": "2h", "max_ahead": "8w"},
        "cancellation": {"allowed": True, "until": "24h", "invitations": True},
        "confirmation": {"until": "24h"},
        "rebooking": {"allowed": True, "until": "24h", "max_rebookings": 2, "invitations": True},
        "limits": {"per_time_type": "unlimited", "per_unit_time_type": "unlimited", "per_unit": "unlimited"},
        "age": {"min": 0, "max": "unlimited"},
        "group": {"capacity": 1},
        "series": {"max_occurrences": 1, "min_spacing": "0", "max_spacing": "unlimited", "cancel_single": True},
        "combined_visit": {"with_time_types": [], "max_gap": "0"},
        "processes": {
            process: {
                "reason_text": "Optional",
                "reason_code": "ReasonNotSupported",
                "reason_codes": [],
                "information": [],
                "conditions_to_confirm": [],
            }
            for process in ("NYBOKNING", "OMBOKNING", "AVBOKNING")
        },
    },
    "time_types": {"TT": {}},
}


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def write_rules(
    directory: Path,
    *,
    national: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    time_types: Mapping[str, Any] | None = None,
    regions: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """A rule directory: BASE_NATIONAL with `defaults` merged in and `time_types` added (or the
    whole `national` dict), and one file per region code."""
    content = copy.deepcopy(dict(national)) if national is not None else copy.deepcopy(BASE_NATIONAL)
    if defaults:
        content["defaults"] = _deep_merge(content["defaults"], defaults)
    if time_types:
        content["time_types"] = {**content.get("time_types", {}), **copy.deepcopy(dict(time_types))}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "national.yaml").write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
    if regions:
        (directory / "regions").mkdir(exist_ok=True)
        for code, region in regions.items():
            body = {"format": 1, "region": code, **region}
            (directory / "regions" / f"{code}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    return directory


RulesFactory = Callable[..., RuleSet]
