"""The routing table: validated file → database → memory; unknown and unconnected addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.db.database import Database
from gateway.routing import RegionNotConnected, RoutingFileError, RoutingTable, UnknownLogicalAddress

TABLE = """
adapters:
  - {name: sthlm, kind: rivta, base_url: "http://127.0.0.1:1", timeout_seconds: 3, options: {x: 1}}
regions:
  - code: "01"
    name: Region Stockholm
    logical_address: SE2321000016-R01
    adapter: sthlm
    care_units:
      - {hsa_id: se2321000016-e0101, name: Vårdcentral Solna}
      - {hsa_id: SE2321000016-E0102}
  - {code: "25", name: Region Norrbotten}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_resolves_units_case_insensitively_and_region_addresses(tmp_path: Path) -> None:
    table = RoutingTable.from_yaml(_write(tmp_path, TABLE))
    route = table.resolve("se2321000016-E0101")
    assert (route.region_code, route.care_unit_name, route.adapter and route.adapter.kind) == (
        "01",
        "Vårdcentral Solna",
        "rivta",
    )
    assert table.resolve("SE2321000016-R01").is_region_address
    with pytest.raises(UnknownLogicalAddress, match="SE0000000000-X"):
        table.resolve("SE0000000000-X")


def test_region_without_adapter_is_known_but_not_connected(tmp_path: Path) -> None:
    text = TABLE.replace(
        '{code: "25", name: Region Norrbotten}',
        '{code: "25", name: Region Norrbotten, logical_address: SE2321000230-R25}',
    )
    table = RoutingTable.from_yaml(_write(tmp_path, text))
    assert table.lookup("SE2321000230-R25") is not None
    with pytest.raises(RegionNotConnected, match="not connected"):
        table.resolve("SE2321000230-R25")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (TABLE.replace("adapter: sthlm", "adapter: nowhere"), "unknown adapter"),
        (TABLE.replace("se2321000016-e0101", "E0101"), "HSA-id"),
        (TABLE.replace('code: "01"', 'code: "1"'), "code"),
        (TABLE + "extra: 1\n", "extra"),
        ("regions: [", "routing.yaml"),
    ],
)
def test_bad_files_are_refused_with_the_problem_named(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(RoutingFileError, match=problem):
        RoutingTable.from_yaml(_write(tmp_path, text))


async def test_round_trip_through_the_database(tmp_path: Path, database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        table = RoutingTable.from_yaml(_write(tmp_path, TABLE))
        for _ in range(2):  # loading twice replaces, never duplicates
            async with database.sessions.begin() as session:
                await table.save(session)
        async with database.sessions() as session:
            loaded = await RoutingTable.load(session)
    finally:
        await database.dispose()
    assert loaded.resolve("SE2321000016-E0102").adapter == table.resolve("SE2321000016-E0102").adapter
    assert loaded.regions["25"].adapter is None
    assert {r.logical_address for r in loaded.care_units()} == {"SE2321000016-E0101", "SE2321000016-E0102"}
