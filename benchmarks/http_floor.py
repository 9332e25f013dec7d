"""What one HTTP request costs the client's CPU, whatever the worker does around it: prints JSON.

    python benchmarks/http_floor.py [--requests 20000] [--in-flight 16] [--rounds 3]

A single send (SendSms) is one signed HTTP request per message. This measures the floor under
that: a bare aiohttp server (its own process, answering a small JSON object as the gateway
does) receives POSTs shaped like SendSms (a 240-byte form body, eight `x-acs-*` headers) with
`--in-flight` requests open at once, on uvloop as the worker runs, from:

- `aiohttp`: one `ClientSession.post` per request, the body read (as `channels.aliyun` does);
- `bare_asyncio`: a minimal HTTP/1.1 client on asyncio protocols, `--in-flight` keep-alive
  connections, the answer read by Content-Length: no redirects, no chunked bodies, no TLS, no
  timeouts per request. Not a client to ship; the difference is what aiohttp's generality costs.

CPU is the client process's own (user + system) over the measured requests, after 500 warm-up
requests; rounds alternate the two clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import uvloop  # noqa: E402
from aiohttp import web  # noqa: E402

from benchmarks.ports import free_port, wait_port  # noqa: E402

BODY = b"PhoneNumbers=13800138000&SignName=%E6%9F%90%E5%9C%B0%E4%BA%BA%E7%A4%BE&" * 3
HEADERS = {f"x-acs-header-{i}": "v" * 30 for i in range(8)}
ANSWER = b'{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"F655A8D5"}'
WARM_UP = 500


def serve(port: int) -> None:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=ANSWER, content_type="application/json")

    uvloop.install()
    app = web.Application()
    app.router.add_post("/", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time, its answer read by Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.WriteTransport | None = None
        self.buffer = b""
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transport writes, but subclasses none of asyncio's transport classes.
        self.transport = cast(asyncio.WriteTransport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].lower()
        start = head.find(b"content-length:") + len(b"content-length:")
        length = int(head[start : head.find(b"\r\n", start)])
        if len(self.buffer) >= end + 4 + length:
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            if self.answer is not None and not self.answer.done():
                self.answer.set_result((int(head[9:12]), body))


async def _timed(requests: int, in_flight: int, one: Callable[[], Awaitable[None]]) -> float:
    """CPU microseconds per request of `requests` calls of `one`, `in_flight` at a time."""
    gate = asyncio.Semaphore(in_flight)

    async def limited() -> None:
        async with gate:
            await one()

    await asyncio.gather(*(limited() for _ in range(WARM_UP)))
    before = os.times()
    await asyncio.gather(*(limited() for _ in range(requests)))
    after = os.times()
    cpu = (after.user - before.user) + (after.system - before.system)
    return cpu * 1e6 / requests


async def with_aiohttp(port: int, requests: int, in_flight: int) -> float:
    url = f"http://127.0.0.1:{port}/"
    timeout = aiohttp.ClientTimeout(total=10, sock_connect=5)
    async with aiohttp.ClientSession() as session:

        async def one() -> None:
            async with session.post(url, data=BODY, headers=HEADERS, timeout=timeout) as answer:
                await answer.read()

        return await _timed(requests, in_flight, one)


async def with_bare_asyncio(port: int, requests: int, in_flight: int) -> float:
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(in_flight):
        _, connection = await loop.create_connection(_Connection, "127.0.0.1", port)
        idle.put_nowait(connection)
    head = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())

    async def one() -> None:
        connection = await idle.get()
        try:
            request = (
                f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(BODY)}\r\n{head}\r\n"
            ).encode() + BODY
            connection.answer = loop.create_future()
            assert connection.transport is not None
            connection.transport.write(request)
            status, _ = await connection.answer
            assert status == 200
        finally:
            idle.put_nowait(connection)

    try:
        return await _timed(requests, in_flight, one)
    finally:
        while not idle.empty():
            transport = idle.get_nowait().transport
            if transport is not None:
                transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(port,))
    server.start()
    try:
        asyncio.run(wait_port(port))
        uvloop.install()
        runs: dict[str, list[float]] = {"aiohttp": [], "bare_asyncio": []}
        for _ in range(args.rounds):
            for name, client in (("aiohttp", with_aiohttp), ("bare_asyncio", with_bare_asyncio)):
                cost = asyncio.run(client(port, args.requests, args.in_flight))
                runs[name].append(round(cost, 1))
    finally:
        server.terminate()
        server.join()
    result: dict[str, Any] = {
        "requests": args.requests,
        "in_flight": args.in_flight,
        "cpus": os.cpu_count(),
        "client_cpu_us_per_request": runs,
        "median_us": {name: statistics.median(values) for name, values in runs.items()},
    }
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
