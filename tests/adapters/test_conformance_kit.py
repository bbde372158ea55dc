"""The adapter conformance kit, run in CI for every bundled adapter against its simulator on
loopback — the same suite a region runs against its own adapter and system."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from adapters.conformance import AdapterConformance, ConformanceTarget
from tests.adapters.conformance_faulty import PLANTED_FAILURES
from tests.adapters.conformance_targets import bundled_target
from tests.support.simulated import KINDS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=KINDS)
def conformance_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConformanceTarget]:
    with bundled_target(request.param, tmp_path_factory.mktemp(request.param)) as target:
        yield target


class TestBundledAdapters(AdapterConformance):
    """rivta, rivta2, fhir and kalendra, each against its simulator."""


def _outcomes(junit: Path) -> dict[str, str]:
    """test name (with parameters) -> passed | failed | skipped, from a JUnit XML report."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        outcome = "skipped" if "skipped" in kinds else "passed"
        found[case.attrib["name"]] = "failed" if kinds & {"failure", "error"} else outcome
    return found


def test_the_kit_run_as_the_readme_says_catches_planted_bugs(tmp_path: Path) -> None:
    """`pytest -p adapters.conformance.plugin --pyargs adapters.conformance --conformance-target=…`
    against a Kalendra adapter with two bugs: the kit fails exactly where they are."""
    junit = tmp_path / "kit.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "adapters.conformance.plugin",
        "--pyargs",
        "adapters.conformance",
        "--conformance-target=tests.adapters.conformance_faulty:kalendra_with_bugs",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={junit}",
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    outcomes = _outcomes(junit)
    failed = {name for name, outcome in outcomes.items() if outcome == "failed"}
    assert failed >= PLANTED_FAILURES, run.stdout[-3000:]
    for clean in ("test_time_types_include_the_scenarios", "test_unknown_bookings_do_not_exist", "test_care_types"):
        assert outcomes[clean] == "passed", run.stdout[-3000:]
