"""RuleStore: reload without restart; a bad file never replaces a good set."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from rule_fixtures import write_rules

from rules import ReloadStatus, RuleFileError, RuleStore
from rules.times import parse_duration


def lead_of(store: RuleStore) -> str:
    lead = store.current.for_time_type("01", "SE2321000016-E0101", "TT").values.booking.min_lead
    return f"{int(lead.total_seconds() // 3600)}h"


def test_reload_replaces_the_set_when_the_files_are_good(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"TT": {"booking": {"min_lead": "3h"}}})
    store = RuleStore(directory)
    first = store.fingerprint
    assert store.reload().status is ReloadStatus.UNCHANGED
    assert not store.files_changed()

    write_rules(tmp_path, time_types={"TT": {"booking": {"min_lead": "5h"}}})
    assert store.files_changed()
    result = store.reload()
    assert (result.status, result.previous_fingerprint) == (ReloadStatus.REPLACED, first)
    assert result.fingerprint == store.fingerprint != first
    assert lead_of(store) == "5h"


def test_a_bad_file_never_replaces_a_good_set(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"TT": {"booking": {"min_lead": "3h"}}})
    store = RuleStore(directory)
    good = store.current
    region = directory / "regions" / "01.yaml"
    region.parent.mkdir()
    region.write_text('format: 1\nregion: "01"\ntime_types:\n  TT:\n    booking:\n      min_lead: 5 hours\n')

    result = store.reload()
    assert result.status is ReloadStatus.REJECTED
    assert store.current is good and result.fingerprint == good.fingerprint
    [problem] = result.problems
    assert (Path(problem.file).name, problem.line) == ("01.yaml", 6)
    assert lead_of(store) == "3h"

    region.write_text('format: 1\nregion: "01"\ntime_types:\n  TT:\n    booking:\n      min_lead: 5h\n')
    assert store.reload().status is ReloadStatus.REPLACED
    assert lead_of(store) == "5h"


def test_a_store_will_not_start_from_bad_files(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"TT": {"access": "sometimes"}})
    with pytest.raises(RuleFileError):
        RuleStore(directory)


def test_readers_always_see_a_whole_set_while_reloads_run(tmp_path: Path) -> None:
    directory = write_rules(tmp_path, time_types={"TT": {"booking": {"min_lead": "3h"}}})
    store = RuleStore(directory)
    leads = {parse_duration("3h"), parse_duration("5h")}
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            rules = store.current.for_time_type("01", "SE2321000016-E0101", "TT")
            assert rules.values.booking.min_lead in leads
            seen.add(lead_of(store))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for lead in ("5h", "3h", "5h"):
            write_rules(tmp_path, time_types={"TT": {"booking": {"min_lead": lead}}})
            assert store.reload().status is ReloadStatus.REPLACED
    finally:
        stop.set()
        reader.join(timeout=10)
    assert not reader.is_alive()
    assert seen <= {"3h", "5h"}
