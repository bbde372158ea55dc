"""A rule directory for the booking-set tests: the bundled national and regional files, plus the
set rules these tests rely on (the bundled files only make GRPFOR a group series):

- FYSIO: a series of up to 6, one every 6–8 days, one occurrence may be cancelled alone;
- PROV: the first part of a combined visit with SSK15 and LAK30, at most 2 hours between parts;
- GRPFOR: a place may be moved to another session (the bundled file keeps the group's times fixed).

Region 01's `limits.per_unit: 4` would stop a series of more than four at one unit (also the
bundled six-session GRPFOR group); these two time types lift it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from gateway.rules_cli import BUNDLED_RULES

__all__ = ["SET_RULES", "set_rules_dir"]

SET_RULES: dict[str, dict[str, Any]] = {
    "FYSIO": {
        "series": {"max_occurrences": 6, "min_spacing": "6d", "max_spacing": "8d", "cancel_single": True},
        "limits": {"per_time_type": 6, "per_unit_time_type": 6, "per_unit": "unlimited"},
        "rebooking": {"max_rebookings": 2},
    },
    "PROV": {"combined_visit": {"with_time_types": ["SSK15", "LAK30"], "max_gap": "2h"}},
    "GRPFOR": {"rebooking": {"allowed": True}, "limits": {"per_unit": "unlimited"}},
}


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def set_rules_dir(tmp: Path) -> Path:
    target = tmp / "rules"
    if target.exists():
        return target
    shutil.copytree(BUNDLED_RULES, target)
    national_file = target / "national.yaml"
    national = yaml.safe_load(national_file.read_text(encoding="utf-8"))
    for time_type, rules in SET_RULES.items():
        _merge(national.setdefault("time_types", {}).setdefault(time_type, {}), rules)
    national_file.write_text(yaml.safe_dump(national, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
