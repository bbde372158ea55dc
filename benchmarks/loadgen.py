"""The load generator: a process of its own, a small asyncio HTTP/1.1 client with keep-alive, sending
pre-rendered requests to 127.0.0.1 and timing every answer.

    python -m benchmarks.loadgen < job.json > result.json

It imports nothing of the gateway, the adapters, the contracts or the simulators (its requests are
bytes rendered by the harness), so what it measures is the server's code path, not its own.

A job (JSON on standard input):

    {"port": 8000,
     "requests": [{"path": "/vp/…", "body": "<soap…>", "headers": {"SOAPAction": "…"}, "label": "…"}, …],
     "order": "cycle" | "once",          # cycle: round-robin for as long as allowed; once: each request once
     "mode": "closed" | "open",          # closed: `concurrency` callers back to back; open: `rate` per second
     "concurrency": 16, "rate": 100.0, "max_in_flight": 256,
     "max_requests": 10000, "duration_s": 10.0, "warmup_requests": 0,
     "item_marker": "timeslotDetail>",    # optional: count list items in each answer
     "capture": "bookingId>([^<]+)<",     # optional: return this group of each answer, by request index
     "track": false}                      # optional: return the indices of the requests answered OK

A request may name its own `port` (the fan-out baseline asks several simulators). Mode `rounds`
sends all requests at once, `rounds` times one after the other, and times each round by its
slowest answer (label `round`).

Every loop is bounded by `max_requests` and `duration_s` (and a hard per-request timeout). In open
mode latency is measured from the moment the request was due, so a server that falls behind is
charged for the queue it causes (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["percentile", "run_job", "summarise"]

_REQUEST_TIMEOUT_S = 30.0
_HOST = "127.0.0.1"  # loopback only, whatever the job says


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarise(latencies_ms: list[float]) -> dict[str, float]:
    ordered = sorted(latencies_ms)
    return {
        "count": len(ordered),
        "mean": sum(ordered) / len(ordered) if ordered else 0.0,
        "p50": percentile(ordered, 0.50),
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else 0.0,
    }


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport subclasses
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._status = 0
        self._header_end = -1
        self._length = -1
        self._chunked = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("connection closed by the server"))

    def send(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self._buffer.clear()
        self._header_end = -1
        self._length = -1
        self._chunked = False
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self._waiter

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._header_end < 0:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._header_end = end + 4
            head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
            self._status = int(head[0].split(" ", 2)[1])
            for line in head[1:]:
                name, _, value = line.partition(":")
                lowered = name.strip().lower()
                if lowered == "content-length":
                    self._length = int(value.strip())
                elif lowered == "transfer-encoding" and "chunked" in value.lower():
                    self._chunked = True
        body = self._buffer[self._header_end :]
        if self._length >= 0:
            if len(body) >= self._length:
                self._finish(bytes(body[: self._length]))
        elif self._chunked:
            decoded = _dechunk(bytes(body))
            if decoded is not None:
                self._finish(decoded)

    def _finish(self, body: bytes) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((self._status, body))


def _dechunk(data: bytes) -> bytes | None:
    """The body of a complete chunked message, or None while more is to come."""
    out = bytearray()
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = int(data[position:line_end].split(b";")[0], 16)
        start = line_end + 2
        if size == 0:
            return bytes(out) if data.find(b"\r\n", start) >= 0 else None
        if len(data) < start + size + 2:
            return None
        out += data[start : start + size]
        position = start + size + 2


@dataclass
class _Pool:
    port: int
    limit: int
    idle: list[_Connection] = field(default_factory=list)
    opened: int = 0
    freed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def acquire(self) -> _Connection:
        while True:
            while self.idle:
                connection = self.idle.pop()
                if not connection.closed:
                    return connection
                self.opened -= 1
            if self.opened < self.limit:
                self.opened += 1
                try:
                    _transport, connection = await asyncio.get_running_loop().create_connection(
                        _Connection, _HOST, self.port
                    )
                except BaseException:
                    self.opened -= 1
                    raise
                return connection
            async with self.freed:
                await self.freed.wait()

    async def release(self, connection: _Connection, *, reusable: bool) -> None:
        if reusable and not connection.closed:
            self.idle.append(connection)
        else:
            self.opened -= 1
            if connection.transport is not None:
                connection.transport.close()
        async with self.freed:
            self.freed.notify()

    async def warm(self, count: int, pause: float) -> None:
        """Open `count` connections one by one, `pause` seconds apart. Opened in one burst, they would
        all be accepted by one of the server's workers (they share one listening socket)."""
        loop = asyncio.get_running_loop()
        while self.opened < min(count, self.limit):
            self.opened += 1
            _transport, connection = await loop.create_connection(_Connection, _HOST, self.port)
            self.idle.append(connection)
            await asyncio.sleep(pause)

    def close(self) -> None:
        for connection in self.idle:
            if connection.transport is not None:
                connection.transport.close()
        self.idle.clear()


class _Pools:
    """A pool per port (most jobs use one)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.by_port: dict[int, _Pool] = {}

    def __call__(self, port: int) -> _Pool:
        pool = self.by_port.get(port)
        if pool is None:
            pool = self.by_port[port] = _Pool(port, self.limit)
        return pool

    @property
    def opened(self) -> int:
        return sum(pool.opened for pool in self.by_port.values())

    def close(self) -> None:
        for pool in self.by_port.values():
            pool.close()


def _render(request: dict[str, Any]) -> bytes:
    body = str(request["body"]).encode("utf-8")
    headers = {"Host": _HOST, "Content-Type": "text/xml; charset=utf-8", "Content-Length": str(len(body))}
    headers.update(request.get("headers") or {})
    head = f"POST {request['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


def _classify(status: int, body: bytes) -> str:
    if status == 200:
        return "refused" if b"resultCode>ERROR<" in body else "ok"
    if status == 500 and b"Fault>" in body:
        return "fault"
    return f"http_{status}"


@dataclass
class _Run:
    rendered: list[bytes]
    labels: list[str]
    ports: list[int]
    order: str
    max_requests: int
    deadline: float
    warmup: int
    item_marker: bytes | None
    capture: re.Pattern[bytes] | None = None
    captures: dict[int, str] = field(default_factory=dict)
    track: bool = False
    ok_indices: list[int] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    label_outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    fault_samples: list[str] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    issued: int = 0
    completed: int = 0
    first_measured: float | None = None
    last_done: float = 0.0

    def next_index(self) -> int | None:
        if self.issued >= self.max_requests or time.perf_counter() >= self.deadline:
            return None
        if self.order == "once" and self.issued >= len(self.rendered):
            return None
        index = self.issued % len(self.rendered)
        self.issued += 1
        return index

    async def one(self, pools: _Pools, index: int, due: float, sequence: int) -> float:
        """Send request `index`; its latency in ms (measured or not)."""
        pool = pools(self.ports[index])
        label = self.labels[index]
        outcome = "error"
        body = b""
        connection: _Connection | None = None
        reusable = False
        try:
            connection = await pool.acquire()
            status, body = await asyncio.wait_for(connection.send(self.rendered[index]), _REQUEST_TIMEOUT_S)
            outcome = _classify(status, body)
            reusable = True
        except TimeoutError:
            outcome = "timeout"
        except (ConnectionError, OSError):
            outcome = "connection_error"
        finally:
            if connection is not None:
                await pool.release(connection, reusable=reusable)
        done = time.perf_counter()
        self.completed += 1
        if self.track and outcome == "ok":
            self.ok_indices.append(index)
        if self.capture is not None and outcome == "ok":
            found = self.capture.search(body)
            if found:
                self.captures[index] = found.group(1).decode("utf-8", "replace")
        if sequence < self.warmup:
            return (done - due) * 1000
        if self.first_measured is None:
            self.first_measured = due
        self.last_done = max(self.last_done, done)
        self.outcomes[outcome] += 1
        self.label_outcomes.setdefault(label, Counter())[outcome] += 1
        if outcome == "fault" and len(self.fault_samples) < 5:
            self.fault_samples.append(_fault_string(body))
        self.latencies.setdefault(label, []).append((done - due) * 1000)
        if self.item_marker is not None and outcome == "ok":
            self.items.append(body.count(self.item_marker) // 2)
        return (done - due) * 1000


def _fault_string(body: bytes) -> str:
    start = body.find(b"faultstring>")
    if start < 0:
        return body[:120].decode("utf-8", "replace")
    end = body.find(b"</", start)
    return body[start + 12 : end].decode("utf-8", "replace")[:160]


async def _closed(run: _Run, pool: _Pools, concurrency: int) -> None:
    async def caller() -> None:
        while True:
            index = run.next_index()
            if index is None:
                return
            sequence = run.issued - 1
            await run.one(pool, index, time.perf_counter(), sequence)

    await asyncio.gather(*(caller() for _ in range(concurrency)))


async def _open(run: _Run, pool: _Pools, rate: float) -> None:
    started = time.perf_counter()
    tasks: set[asyncio.Task[float]] = set()
    sequence = 0
    while True:
        due = started + sequence / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        index = run.next_index()
        if index is None:
            break
        task = asyncio.create_task(run.one(pool, index, due, sequence))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sequence += 1
    if tasks:
        await asyncio.wait(tasks, timeout=_REQUEST_TIMEOUT_S + 1)


async def _rounds(run: _Run, pools: _Pools, rounds: int, deadline: float) -> list[float]:
    """Every request at once, `rounds` times; the slowest answer of each round in ms."""
    slowest: list[float] = []
    for _ in range(rounds):
        if time.perf_counter() >= deadline:
            break
        started = time.perf_counter()
        latencies = await asyncio.gather(
            *(run.one(pools, index, started, run.warmup) for index in range(len(run.rendered)))
        )
        run.issued += len(run.rendered)
        slowest.append(max(latencies))
    return slowest


async def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job; the result as a JSON-ready dict."""
    requests = job["requests"]
    if not requests:
        raise ValueError("a job needs at least one request")
    marker = job.get("item_marker")
    mode = job.get("mode", "closed")
    duration = float(job.get("duration_s", 10.0))
    capture = job.get("capture")
    run = _Run(
        rendered=[_render(r) for r in requests],
        labels=[str(r.get("label", "request")) for r in requests],
        ports=[int(r.get("port", job["port"])) for r in requests],
        order=job.get("order", "cycle"),
        max_requests=int(job.get("max_requests", 1_000_000)),
        deadline=time.perf_counter() + duration,
        warmup=int(job.get("warmup_requests", 0)),
        item_marker=marker.encode() if marker else None,
        capture=re.compile(capture.encode()) if capture else None,
        track=bool(job.get("track", False)),
    )
    concurrency = int(job.get("concurrency", 16))
    pool = _Pools(concurrency if mode == "closed" else int(job.get("max_in_flight", 256)))
    started = time.perf_counter()
    round_latencies: list[float] = []
    try:
        if mode == "closed":
            for port in sorted(set(run.ports)):
                await pool(port).warm(concurrency, float(job.get("connect_pause_s", 0.005)))
            await _closed(run, pool, concurrency)
        elif mode == "open":
            await _open(run, pool, float(job["rate"]))
        elif mode == "rounds":
            round_latencies = await _rounds(run, pool, int(job.get("rounds", 10)), run.deadline)
        else:
            raise ValueError(f"mode is closed, open or rounds, not {mode!r}")
    finally:
        pool.close()
    all_latencies = [value for values in run.latencies.values() for value in values]
    measured = len(all_latencies)
    window = (run.last_done - run.first_measured) if run.first_measured is not None else 0.0
    return {
        "mode": mode,
        "concurrency": concurrency if mode == "closed" else None,
        "offered_rate": float(job["rate"]) if mode == "open" else None,
        "issued": run.issued,
        "measured": measured,
        "elapsed_s": time.perf_counter() - started,
        "throughput": measured / window if window > 0 else 0.0,
        "outcomes": dict(run.outcomes),
        "fault_samples": run.fault_samples,
        "latency_ms": summarise(all_latencies),
        "by_label": {
            label: {**summarise(values), "outcomes": dict(run.label_outcomes.get(label, {}))}
            for label, values in run.latencies.items()
        },
        "items_mean": (sum(run.items) / len(run.items)) if run.items else None,
        "rounds": summarise(round_latencies) if mode == "rounds" else None,
        "captures": {str(index): value for index, value in run.captures.items()},
        "ok_indices": run.ok_indices if run.track else None,
        "connections_opened": pool.opened,
    }


def _install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # the standard loop still works, only slower
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    job = json.load(sys.stdin)
    _install_uvloop()
    result = asyncio.run(run_job(job))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
