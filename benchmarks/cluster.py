"""The processes a benchmark run needs, on loopback: simulated regions and the gateway, each a process
of its own started the way an operator would (`python -m simulators.rivta_producer`,
`tidbok-gateway serve --workers N`, i.e. uvicorn with uvloop and httptools), and stopped by their
own process ids when the run ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Gateway", "Process", "Simulator", "free_port", "rss_kib", "start_gateway", "start_simulators"]

ROOT = Path(__file__).resolve().parent.parent
_STOP_WAIT_S = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, timeout: float = 5.0) -> Any:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks talk to 127.0.0.1 only")
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def _request(url: str, method: str, payload: Mapping[str, Any] | None = None) -> Any:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks talk to 127.0.0.1 only")
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read() or b"null")


@dataclass
class Process:
    """A child process in its own session, so that it and what it spawns stop together."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=_STOP_WAIT_S)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _spawn(name: str, command: list[str], workdir: Path, env: Mapping[str, str] | None = None) -> Process:
    log = workdir / f"{name}.log"
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    with log.open("wb") as sink:
        popen = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log)


def _wait_ready(process: Process, url: str, ready: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} stopped while starting:\n{process.tail()}")
        try:
            answer = _get(url, timeout=2)
            if ready(answer):
                return answer
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{process.name} not ready in {timeout:.0f} s ({last}):\n{process.tail()}")


@dataclass
class Simulator:
    """A simulated crm:scheduling 1.1 region."""

    region: str
    port: int
    process: Process
    seed: dict[str, Any]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def units(self) -> list[str]:
        return [str(unit["hsa_id"]) for unit in self.seed["care_units"]]

    def set_faults(self, **settings: Any) -> None:
        _request(f"{self.url}/admin/faults", "PUT", settings)

    def clear_faults(self) -> None:
        _request(f"{self.url}/admin/faults", "DELETE")


def start_simulators(
    regions: list[str], workdir: Path, *, seed: int = 1, units: int = 3, weeks: int = 8, timeout: float = 120.0
) -> list[Simulator]:
    """Start one simulator process per region (all at once), then wait until each has seeded."""
    started: list[tuple[str, int, Process]] = []
    try:
        for region in regions:
            port = free_port()
            command = [
                sys.executable,
                "-m",
                "simulators.rivta_producer",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--region",
                region,
                "--seed",
                str(seed),
                "--db",
                str(workdir / f"region-{region}.sqlite3"),
                "--units",
                str(units),
                "--weeks",
                str(weeks),
                "--log-level",
                "warning",
            ]
            started.append((region, port, _spawn(f"region-{region}", command, workdir)))
        simulators = []
        for region, port, process in started:
            listing = _wait_ready(process, f"http://127.0.0.1:{port}/admin/seed", lambda a: bool(a), timeout)
            simulators.append(Simulator(region, port, process, listing))
        return simulators
    except BaseException:
        for _region, _port, process in started:
            process.stop()
        raise


def write_routing(simulators: list[Simulator], path: Path, *, timeout_seconds: float) -> Path:
    """The routing table: every simulated region with all its units, the rest of the 21 not joined."""
    from simulators.common.regions import REGIONS

    by_code = {s.region: s for s in simulators}
    table: dict[str, Any] = {"adapters": [], "regions": []}
    for region in REGIONS:
        entry: dict[str, Any] = {"code": region.code, "name": region.name, "logical_address": region.hsa_id}
        simulator = by_code.get(region.code)
        if simulator is not None:
            name = f"region-{region.code}"
            table["adapters"].append(
                {"name": name, "kind": "rivta", "base_url": simulator.url, "timeout_seconds": timeout_seconds}
            )
            entry["adapter"] = name
            entry["care_units"] = [{"hsa_id": unit} for unit in simulator.units]
        table["regions"].append(entry)
    path.write_text(yaml.safe_dump(table, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Gateway:
    port: int
    workers: int
    process: Process
    database_url: str
    worker_pids: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def refresh_workers(self) -> list[int]:
        self.worker_pids = _worker_pids(self.process.pid, self.workers)
        return self.worker_pids


def start_gateway(
    routing_file: Path,
    database_url: str,
    workdir: Path,
    *,
    workers: int,
    region_timeout: float,
    log_level: str = "INFO",
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Gateway:
    """`tidbok-gateway db upgrade`, then `tidbok-gateway serve --workers N` with production settings."""
    env = {
        "TIDBOK_DATABASE_URL": database_url,
        "TIDBOK_ROUTING_FILE": str(routing_file),
        "TIDBOK_AUDIT_KEY": "benchmark-audit-key",
        "TIDBOK_LOG_LEVEL": log_level,  # INFO is the production default
        "TIDBOK_REGION_TIMEOUT_SECONDS": str(region_timeout),
        **(extra_env or {}),
    }
    upgrade = _spawn("gateway-db-upgrade", [sys.executable, "-m", "gateway.cli", "db", "upgrade"], workdir, env)
    if upgrade.popen.wait(timeout=timeout) != 0:
        raise RuntimeError(f"tidbok-gateway db upgrade failed:\n{upgrade.tail()}")
    port = free_port()
    command = [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port), "--workers", str(workers)]
    process = _spawn("gateway", command, workdir, env)
    gateway = Gateway(port, workers, process, database_url)
    try:
        _wait_ready(process, f"{gateway.url}/healthz", lambda a: a.get("status") == "ok", timeout)
        deadline = time.monotonic() + timeout
        while len(gateway.refresh_workers()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        # every worker has started its lifespan (routing table loaded) once each answers healthz
        for _ in range(workers * 8):
            _wait_ready(process, f"{gateway.url}/healthz", lambda a: a.get("status") == "ok", timeout)
    except BaseException:
        process.stop()
        raise
    return gateway


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(p) for p in (task / "children").read_text().split())
    return found


def _worker_pids(master: int, workers: int) -> list[int]:
    """The uvicorn worker processes under the master (with one worker the master serves itself)."""
    if workers <= 1:
        return [master]
    pids = []
    for child in _children(master):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"resource_tracker" not in command:
                pids.append(child)
    return pids


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


@contextlib.contextmanager
def stopping(*processes: Process) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.stop()


@contextlib.contextmanager
def fresh_database(url: str | None, workdir: Path) -> Iterator[str]:
    """The gateway's database for one run: SQLite in `workdir` by default; with a PostgreSQL URL, a
    new database on that server (created here, dropped afterwards; the URL's own database is only
    used to connect)."""
    if url is None:
        yield f"sqlite+aiosqlite:///{workdir / 'gateway.sqlite3'}"
        return
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        yield url
        return
    if parsed.host not in (None, "127.0.0.1", "localhost"):
        raise ValueError("benchmarks use a database on 127.0.0.1 only")
    name = f"tidbok_bench_{os.getpid()}_{int(time.time())}"
    _postgres(parsed, f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        _postgres(parsed, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres(parsed: Any, statement: str) -> None:
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    async def run() -> None:
        connection = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database or "postgres",
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())
