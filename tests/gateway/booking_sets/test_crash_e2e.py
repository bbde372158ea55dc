"""A gateway killed (SIGKILL) half-way through a series leaves no orphan parts: the next start rolls
the set back, and the ledger says what was booked and cancelled again.

The gateway runs as a real process (`python -m gateway.cli serve`), configured like production
through TIDBOK_* variables; TIDBOK_SAGA_PART_PAUSE_SECONDS holds it between parts long enough to
kill it there. The region is a simulated crm:scheduling 1.1 system whose own database the test
reads, to see what the region holds while the gateway is down."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.protection import CitizenProtector
from tests.gateway.booking_sets.support import SetConsumer, database_rows, gateway_settings
from tests.gateway.booking_sets.test_journeys_e2e import weekly_chain
from tests.gateway.chain import Chain, Region, next_weekday, region_on_loopback
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e


@contextmanager
def gateway_process(
    tmp: Path, region: Region, *, pause: float, log: str
) -> Iterator[tuple[subprocess.Popen[bytes], Chain]]:
    """The gateway as its own process on a free port; killed (if still alive) when the block ends."""
    settings = gateway_settings(tmp, region, f"sqlite+aiosqlite:///{tmp / 'gateway.sqlite3'}")
    port = free_port()
    env = {
        **os.environ,
        "TIDBOK_DATABASE_URL": settings.database_url,
        "TIDBOK_ROUTING_FILE": str(settings.routing_file),
        "TIDBOK_RULES_DIR": str(settings.rules_dir),
        "TIDBOK_AUDIT_KEY": settings.audit_key,
        "TIDBOK_SAGA_PART_PAUSE_SECONDS": str(pause),
        "TIDBOK_LOG_LEVEL": "INFO",
    }
    with (tmp / log).open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _healthy(url), 60, f"the gateway did not start (see {tmp / log})", process)
        yield process, Chain(url, settings, region)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).json().get("status") == "ok"
    except httpx.HTTPError:
        return False


def _wait(
    condition: Callable[[], bool], seconds: float, message: str, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{message}: exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


def _region_holds(region_db: Path, citizen: str) -> int:
    """Active bookings the region's own database holds for the citizen."""
    with sqlite3.connect(region_db) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM booking WHERE subject_of_care = ? AND status = 'active'", (citizen,)
        ).fetchone()
    return int(count)


def _parts_in(chain: Chain, state: str) -> int:
    _sets, parts, _ledger = database_rows(chain.settings)
    return sum(1 for p in parts if p.state == state)


def _book_in_background(chain: Chain, unit: str, citizen: str, slot_ids: list[str]) -> threading.Thread:
    """MakeSeriesBooking from another thread; the gateway dies under it, so its answer never comes."""

    def run() -> None:
        try:
            SetConsumer(chain).make("MakeSeriesBooking", unit, citizen, timeslotId=slot_ids)
        except Exception:  # the connection is cut by the kill
            return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Region]:
    with region_on_loopback(tmp_path, kind="rivta") as found:
        yield found


def _series(tmp: Path, region: Region, citizen: str) -> tuple[str, list[Any]]:
    """A unit and four weekly FYSIO times, found through a gateway started for the purpose."""
    with gateway_process(tmp, region, pause=0, log="finder.log") as (_process, chain):
        consumer = SetConsumer(chain)
        unit = region.unit_offering("FYSIO")
        first = next_weekday(3)
        weekly = weekly_chain(consumer.free(unit, citizen, "FYSIO", first, first + dt.timedelta(days=30)), 4)
        assert weekly is not None
        return unit, weekly


def _ledger(chain: Chain, citizen: str) -> list[tuple[str, str]]:
    reference = CitizenProtector(chain.settings.audit_key).reference(citizen)
    return [(row.operation, row.status) for row in database_rows(chain.settings)[2] if row.citizen_ref == reference]


def test_killed_between_parts_the_restart_rolls_the_series_back(tmp_path: Path, region: Region) -> None:
    citizen = region.free_citizens()[0]
    region_db = tmp_path / "region01-rivta.sqlite3"
    unit, weekly = _series(tmp_path / "gw", region, citizen)

    # five seconds between parts: killed in the pause after the second
    with gateway_process(tmp_path / "gw", region, pause=5, log="first.log") as (process, chain):
        _book_in_background(chain, unit, citizen, [s.timeslotId for s in weekly])
        _wait(lambda: _parts_in(chain, "booked") == 2, 60, "the gateway did not book two parts")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert _region_holds(region_db, citizen) == 2  # half a series, with nobody to finish it

    with gateway_process(tmp_path / "gw", region, pause=0, log="second.log") as (_process, chain):
        assert _region_holds(region_db, citizen) == 0
        sets, parts, _rows = database_rows(chain.settings)
        (only,) = sets
        assert (only.state, only.citizen_value, only.actor_id) == ("rolled_back", None, None)
        assert "stoppades" in (only.result_text or "")
        assert [p.state for p in parts] == ["rolled_back", "rolled_back", "not_booked", "not_booked"]
        assert _ledger(chain, citizen) == [
            ("book", "done"),
            ("book", "done"),
            ("compensate", "done"),
            ("compensate", "done"),
        ]
        assert not SetConsumer(chain).two.schedule(unit, citizen)


def test_killed_while_the_region_answers_a_part_the_restart_finds_and_cancels_it(
    tmp_path: Path, region: Region
) -> None:
    """Part 3 is booked by the region, but its answer is held back; the gateway dies with the
    part's ledger row pending. The restart asks the region, closes the row and cancels it all."""
    citizen = region.free_citizens()[1]
    region_db = tmp_path / "region01-rivta.sqlite3"
    unit, weekly = _series(tmp_path / "gw", region, citizen)

    region.set_faults(
        nth_call=3,
        nth_call_match="POST /vp/MakeBooking/1/rivtabp21",
        nth_call_fault="delay_after",
        nth_call_delay_ms=8000,
    )
    try:
        with gateway_process(tmp_path / "gw", region, pause=0, log="first.log") as (process, chain):
            _book_in_background(chain, unit, citizen, [s.timeslotId for s in weekly])
            _wait(lambda: _region_holds(region_db, citizen) == 3, 60, "the region did not book the third part")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            assert ("book", "pending") in _ledger(chain, citizen)
    finally:
        region.clear_faults()

    with gateway_process(tmp_path / "gw", region, pause=0, log="second.log") as (_process, chain):
        assert _region_holds(region_db, citizen) == 0
        _sets, parts, _rows = database_rows(chain.settings)
        assert [p.state for p in parts] == ["rolled_back", "rolled_back", "rolled_back", "not_booked"]
        ledger = _ledger(chain, citizen)
        assert ledger.count(("book", "done")) == 3 and ledger.count(("compensate", "done")) == 3
        assert not [row for row in ledger if row[1] in {"pending", "uncertain"}]
