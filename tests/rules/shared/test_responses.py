"""Canonical answers over real HTTP: a large one is sent in pieces (so that slow readers do not each hold a
copy of it in the server), and arrives whole, with its length and ETag, and 304 when the ETag is named."""

from __future__ import annotations

import socket
import time
import tracemalloc

import httpx
from fastapi import FastAPI, Request, Response

from shared.platform.responses import WHOLE_BYTES, Encoded
from tests.support import serve_in_thread

LARGE = Encoded.of({"figures": ["x" * 1000] * (3 * WHOLE_BYTES // 1000)})
HUGE = Encoded.of({"figures": ["x" * 1000] * 8000})  # 8 MB: more than loopback's socket buffers take
SMALL = Encoded.of({"figures": []})


def app() -> FastAPI:
    served = FastAPI()

    @served.get("/large")
    async def large(request: Request) -> Response:
        return LARGE.response(request)

    @served.get("/huge")
    async def huge(request: Request) -> Response:
        return HUGE.response(request)

    @served.get("/small")
    async def small(request: Request) -> Response:
        return SMALL.response(request)

    return served


def test_a_large_answer_arrives_whole_with_its_length_and_etag_and_a_small_one_as_before():
    assert len(LARGE.content) > WHOLE_BYTES
    with serve_in_thread(app()) as url, httpx.Client(base_url=url) as client:
        for path, encoded in (("/large", LARGE), ("/small", SMALL)):
            answer = client.get(path)
            assert answer.status_code == 200
            assert answer.content == encoded.content
            assert answer.headers["content-length"] == str(len(encoded.content))
            assert "transfer-encoding" not in answer.headers
            assert (answer.headers["etag"], answer.headers["content-type"]) == (encoded.etag, "application/json")
            unchanged = client.get(path, headers={"if-none-match": encoded.etag})
            assert (unchanged.status_code, unchanged.content) == (304, b"")


def test_readers_that_do_not_read_hold_a_piece_each_in_the_server_not_the_whole_answer():
    """Ten clients ask for an 8 MB answer and read none of it: what the server holds for them stays a small
    share of ten copies (written whole, asyncio keeps the unsent rest of each in its buffer)."""
    readers = 10
    with serve_in_thread(app()) as url:
        served = httpx.URL(url)
        host, port, path = served.host, served.port or 80, served.path.rstrip("/") + "/huge"
        tracemalloc.start()
        sockets: list[socket.socket] = []
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(readers):
                sockets.append(reader := socket.create_connection((host, port)))
                reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                reader.sendall(f"GET {path} HTTP/1.1\r\nhost: {host}\r\n\r\n".encode())
            time.sleep(0.5)  # the server writes what the sockets take, and keeps the rest
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
            for reader in sockets:
                reader.close()
    assert held < readers * len(HUGE.content) / 8, f"{held:,} bytes held for {readers} readers"
