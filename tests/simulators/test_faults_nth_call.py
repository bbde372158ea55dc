"""Fault injection singles out the n-th matching call: fails it before any work, or does the work
and holds the answer back. Other calls pass; the older settings behave as before."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from simulators.common.faults import install_faults


def _app() -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    done: list[str] = []

    @app.post("/book")
    async def book() -> dict[str, str]:
        done.append("book")
        return {"status": "booked"}

    @app.get("/read")
    async def read() -> dict[str, str]:
        return {"status": "read"}

    install_faults(app)
    return app, done


def test_the_nth_matching_call_fails_before_any_work_and_only_it() -> None:
    app, done = _app()
    with TestClient(app) as client:
        assert client.put("/admin/faults", json={"nth_call": 2, "nth_call_match": "POST /book"}).status_code == 200
        assert client.get("/read").status_code == 200  # not counted
        assert client.post("/book").status_code == 200
        assert client.get("/read").status_code == 200
        failed = client.post("/book")
        assert failed.status_code == 500 and b"simulated" in failed.content
        assert client.post("/book").status_code == 200
        assert done == ["book", "book"]  # the failed call did nothing
        assert client.get("/admin/faults").json()["matched"] == 3


def test_changing_the_setting_restarts_the_count_and_empty_match_counts_every_call() -> None:
    app, _done = _app()
    with TestClient(app) as client:
        client.put("/admin/faults", json={"nth_call": 1, "nth_call_match": "POST /book"})
        assert client.post("/book").status_code == 500
        client.put("/admin/faults", json={"nth_call": 2, "nth_call_match": ""})
        assert client.get("/read").status_code == 200
        assert client.post("/book").status_code == 500
        client.delete("/admin/faults")
        assert client.post("/book").status_code == 200
        assert client.get("/admin/faults").json()["nth_call"] == 0


def test_delay_after_does_the_work_then_holds_the_answer() -> None:
    app, done = _app()
    with TestClient(app) as client:
        client.put(
            "/admin/faults",
            json={
                "nth_call": 1,
                "nth_call_match": "POST /book",
                "nth_call_fault": "delay_after",
                "nth_call_delay_ms": 300,
            },
        )
        started = time.monotonic()
        assert client.post("/book").status_code == 200
        assert time.monotonic() - started >= 0.3
        assert done == ["book"]
        started = time.monotonic()
        client.post("/book")
        assert time.monotonic() - started < 0.3  # only the singled-out call waits


def test_bad_nth_settings_are_refused() -> None:
    app, _done = _app()
    with TestClient(app) as client:
        assert client.put("/admin/faults", json={"nth_call": -1}).status_code == 422
        assert client.put("/admin/faults", json={"nth_call": 1.5}).status_code == 422
        assert client.put("/admin/faults", json={"nth_call_match": 3}).status_code == 422
        assert client.put("/admin/faults", json={"nth_call_fault": "explode"}).status_code == 422
        assert client.put("/admin/faults", json={"error_rate": 0.5}).json()["error_rate"] == 0.5
