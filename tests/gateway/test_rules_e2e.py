"""The common rule set in front of real regions: files reload without a restart and a bad file
never replaces a good set; a regional override changes the outcome for that region only."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from contracts.timeformat import parse_timestamp
from gateway.rules_cli import BUNDLED_RULES
from simulators.common.regions import region_by_code
from tests.gateway.chain import Region, gateway_on_loopback, region_on_loopback
from tests.gateway.consumers import Consumer2, Consumer11

pytestmark = pytest.mark.e2e


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path) as running:
        yield running


def _eventually(check: object, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_rule_files_reload_and_a_bad_file_never_replaces_a_good_one(
    region: Region, tmp_path: Path, database_url: str
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES, rules)
    national = rules / "national.yaml"
    with gateway_on_loopback(tmp_path, region, database_url, rules_dir=rules, rules_poll_seconds=0.2) as chain:
        consumer = Consumer11(chain)
        unit, citizen = region.unit_offering("LAK30"), region.free_citizens()[0]
        assert "LAK30" in consumer.time_types(unit, citizen)

        text = national.read_text(encoding="utf-8")
        closed = text.replace("  LAK30:                    # Läkarbesök 30 min\n", "  LAK30:\n    access: never\n", 1)
        assert closed != text
        national.write_text(closed, encoding="utf-8")
        assert _eventually(lambda: "LAK30" not in consumer.time_types(unit, citizen)), "the new rules apply"

        national.write_text(closed.replace("access: never", "access: sometimes"), encoding="utf-8")
        time.sleep(1.0)
        assert "LAK30" not in consumer.time_types(unit, citizen), "a bad file is refused; the good set stays"

        national.write_text(text, encoding="utf-8")
        assert _eventually(lambda: "LAK30" in consumer.time_types(unit, citizen))


def test_a_regional_override_changes_the_outcome_for_that_region_only(tmp_path: Path, database_url: str) -> None:
    """Region 01's rules give its vårdcentral E0101 a 48 h cancellation deadline for LAK30; the
    national default elsewhere is 24 h. Cancelling 30 h before the start: refused in region 01,
    allowed in region 03."""
    with ExitStack() as stack:
        stockholm = stack.enter_context(region_on_loopback(tmp_path / "01"))
        uppsala = stack.enter_context(region_on_loopback(tmp_path / "03", region_code="03"))
        routing = tmp_path / "routing.yaml"
        routing.write_text(
            yaml.safe_dump(
                {
                    "adapters": [
                        {"name": "r01", "kind": "rivta", "base_url": stockholm.url},
                        {"name": "r03", "kind": "rivta", "base_url": uppsala.url},
                    ],
                    "regions": [
                        {
                            "code": code,
                            "name": region_by_code(code).name,
                            "adapter": f"r{code}",
                            "care_units": [{"hsa_id": u} for u in r.units],
                        }
                        for code, r in (("01", stockholm), ("03", uppsala))
                    ],
                }
            ),
            encoding="utf-8",
        )
        unit01 = "SE2321000016-E0101"
        assert unit01 in stockholm.units
        unit03 = uppsala.unit_offering("LAK30")
        citizen = stockholm.free_citizens()[0]
        chain = stack.enter_context(gateway_on_loopback(tmp_path / "gw", stockholm, database_url, routing=routing))
        consumer = Consumer2(chain)
        slots01 = {s.start: s for s in consumer.free_slots(unit01, citizen, "LAK30", days=20)}
        slots03 = {s.start: s for s in consumer.free_slots(unit03, citizen, "LAK30", days=20)}
        common = sorted(set(slots01) & set(slots03))
        assert common, "both regions offer a doctor's time at the same moment"
        # the same start at two units would overlap for one citizen: use a second citizen there
        other = stockholm.free_citizens()[1]
        slot03 = {s.start: s for s in consumer.free_slots(unit03, other, "LAK30", days=20)}[common[-1]]
        booked01 = consumer.book(unit01, citizen, slots01[common[-1]])
        booked03 = consumer.book(unit03, other, slot03)
        assert booked01.ok and booked03.ok

        late = parse_timestamp(common[-1]) - dt.timedelta(hours=30)
        with gateway_on_loopback(
            tmp_path / "late", stockholm, database_url, routing=routing, clock=lambda: late
        ) as later:
            late_consumer = Consumer2(later)
            refused = late_consumer.cancel(unit01, citizen, booked01.booking_id or "")
            assert refused.code == "TOO_LATE_TO_CANCEL_APPOINTMENT", refused
            assert late_consumer.cancel(unit03, other, booked03.booking_id or "").ok
            assert Consumer11(later).cancel(unit01, citizen, booked01.booking_id or "").code == "ERROR"
