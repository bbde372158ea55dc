"""The FHIR simulator over a database file that already holds a region: used as it is after a
restart (bookings survive, nothing is seeded twice); another region's file is refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from simulators.fhir_server import create_app


async def _listing(path: Path, region: str = "01", seed: int = 4) -> dict[str, object]:
    app = create_app(region, seed, database_path=path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fhir.test") as client:
        listing: dict[str, object] = (await client.get("/admin/seed")).json()
        return listing


async def test_a_restart_keeps_the_state(tmp_path: Path) -> None:
    path = tmp_path / "fhir.sqlite3"
    first = await _listing(path)
    again = await _listing(path)
    assert again == first and first["slots"]


async def test_a_file_of_another_region_or_seed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fhir.sqlite3"
    await _listing(path)
    with pytest.raises(ValueError, match="holds region 01 seed 4"):
        await _listing(path, region="03")
    with pytest.raises(ValueError, match="holds region 01 seed 4"):
        await _listing(path, seed=5)
