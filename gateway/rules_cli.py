"""`tidbok-gateway rules check | explain`: argument parsing around `rules.cli`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from rules.cli import check, explain
from rules.errors import RuleFileError
from rules.facts import ReferralFacts
from rules.times import SWEDISH_TIME

__all__ = ["BUNDLED_RULES", "parse_slot", "run_rules_command"]

BUNDLED_RULES = Path(__file__).resolve().parent.parent / "rules" / "data"


def parse_slot(text: str) -> tuple[str, str, str, str]:
    """`REGION:UNIT-HSA-ID:TIME-TYPE:YYYYMMDDhhmm[ss]` → (region, unit, time type, time stamp)."""
    parts = text.split(":")
    if len(parts) != 4 or len(parts[3]) not in (12, 14) or not parts[3].isdigit():
        raise ValueError(
            "--slot is REGION:UNIT-HSA-ID:TIME-TYPE:YYYYMMDDhhmm, e.g. 01:SE2321000016-E0101:LAK30:202612011000"
        )
    region, unit, time_type, moment = parts
    return region, unit, time_type, moment if len(moment) == 14 else moment + "00"


def _referrals(values: list[str], citizen: str, now: dt.datetime) -> list[ReferralFacts]:
    referrals = []
    for index, value in enumerate(values, start=1):
        time_type, _, uses = value.partition(":")
        referrals.append(
            ReferralFacts(
                referral_id=f"cli-{index}",
                citizen_id=citizen,
                valid_from=now - dt.timedelta(days=1),
                valid_until=now + dt.timedelta(days=90),
                time_type_ids=frozenset({time_type}),
                uses_allowed=int(uses) if uses else 1,
            )
        )
    return referrals


def run_rules_command(args: argparse.Namespace) -> int:
    directory = Path(args.dir) if args.dir else BUNDLED_RULES
    if args.rules_command == "check":
        return check(directory)
    try:
        region, unit, time_type, start = parse_slot(args.slot)
        now = (
            dt.datetime.strptime(args.now + ("00" if len(args.now) == 12 else ""), "%Y%m%d%H%M%S").replace(
                tzinfo=SWEDISH_TIME
            )
            if args.now
            else dt.datetime.now(SWEDISH_TIME)
        )
        print(
            explain(
                directory,
                args.citizen,
                region=region,
                care_unit=unit,
                time_type=time_type,
                start=start,
                now=now,
                referrals=_referrals(args.referral, args.citizen, now),
            )
        )
    except RuleFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
