"""The one HTTP client factory: transports, pooling, precise errors, and respx mocking."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import respx

from adapters.http import build_http_client

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _serve(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    connections: list[int] = []

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(counted, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        server.close()
        await server.wait_closed()


async def _answer_ok_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        if not head:
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
        await writer.drain()


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    await asyncio.sleep(30)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")


@pytest.fixture
async def ok_server() -> AsyncIterator[tuple[str, list[int]]]:
    async for served in _serve(_answer_ok_forever):
        yield served


@pytest.fixture
async def hanging_server() -> AsyncIterator[tuple[str, list[int]]]:
    async for served in _serve(_hang):
        yield served


@pytest.fixture
async def hanging_up_server() -> AsyncIterator[tuple[str, list[int]]]:
    async for served in _serve(_hang_up):
        yield served


def test_rejects_a_non_positive_timeout() -> None:
    with pytest.raises(ValueError, match="positive"):
        build_http_client(0)


def test_rejects_an_unknown_transport() -> None:
    with pytest.raises(ValueError, match="unknown transport"):
        build_http_client(1.0, transport="requests")  # type: ignore[arg-type]


def test_timeout_and_connect_timeout_are_applied() -> None:
    client = build_http_client(3.0, connect_timeout=0.5)
    assert client.timeout.read == 3.0
    assert client.timeout.connect == 0.5


@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_respx_intercepts_both_transports(kind: str) -> None:
    client = build_http_client(1.0, transport=kind)  # type: ignore[arg-type]
    try:
        with respx.mock(using="httpx") as router:
            route = router.post("http://region.test/vp/x").respond(200, text="mocked")
            response = await client.post("http://region.test/vp/x", content=b"<a/>")
        assert response.text == "mocked"
        assert route.called
    finally:
        await client.aclose()


@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_refused_connection_is_a_connect_error_not_a_timeout(kind: str) -> None:
    client = build_http_client(2.0, transport=kind)  # type: ignore[arg-type]
    try:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{_closed_port()}/")
    finally:
        await client.aclose()


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_connections_are_pooled(kind: str, ok_server: tuple[str, list[int]]) -> None:
    url, connections = ok_server
    client = build_http_client(2.0, transport=kind)  # type: ignore[arg-type]
    try:
        for _ in range(3):
            response = await client.get(url + "/")
            assert response.text == "ok"
    finally:
        await client.aclose()
    assert len(connections) == 1


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_a_hanging_server_is_a_read_timeout(kind: str, hanging_server: tuple[str, list[int]]) -> None:
    url, _ = hanging_server
    client = build_http_client(0.3, transport=kind)  # type: ignore[arg-type]
    try:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(url + "/")
    finally:
        await client.aclose()


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_a_server_hanging_up_is_a_network_error_not_a_timeout(
    kind: str, hanging_up_server: tuple[str, list[int]]
) -> None:
    url, _ = hanging_up_server
    client = build_http_client(2.0, transport=kind)  # type: ignore[arg-type]
    try:
        with pytest.raises(httpx.TransportError) as caught:
            await client.get(url + "/")
        assert not isinstance(caught.value, httpx.TimeoutException)
    finally:
        await client.aclose()
