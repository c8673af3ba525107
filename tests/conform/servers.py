"""Servers for conform's tests: the generated dialect servers with the mock model, in-process under
uvicorn on 127.0.0.1, and a proxy in front of one that breaks exactly one thing on the way."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from apiforge.serve.mock import mock_handler
from apiforge.serve.runner import load_server_module
from tests.helpers import REPO


def generated_app(name: str) -> Any:
    """`generated/NAME`'s server around the mock model, any key accepted, no rate limit."""
    module = load_server_module(name, REPO / "generated")
    return module.create_app(mock_handler(module), api_keys=None, rate_limit=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread, for the length of the block."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):  # 10 s at most
        if server.started:
            break
        time.sleep(0.02)
    try:
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


Json = Any
Events = list[str]  # the `data` of each server-sent event, in order


@dataclass(frozen=True)
class Asked:
    """What a request to the proxy asked for (the conform scenario it is)."""

    body: Json
    authorized: bool

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and self.body.get("stream") is True

    @property
    def usage(self) -> bool:
        options = self.body.get("stream_options") if isinstance(self.body, dict) else None
        return isinstance(options, dict) and options.get("include_usage") is True

    def has(self, key: str) -> bool:
        return isinstance(self.body, dict) and key in self.body

    @property
    def plain(self) -> bool:
        """The minimal request: valid, nothing extra."""
        keys = set(self.body) if isinstance(self.body, dict) else set()
        return (
            self.authorized
            and keys == {"model", "messages"}
            and isinstance(self.body["model"], str)
        )


@dataclass(frozen=True)
class Breaker:
    """One broken behaviour: the request rewritten before the real server sees it, and its answer
    edited after (status, headers, JSON body, or the stream's events)."""

    request: Callable[[Asked], Asked] = lambda asked: asked
    answer: Callable[[Asked, int, Json], tuple[int, Json]] = lambda asked, status, body: (
        status,
        body,
    )
    events: Callable[[Asked, Events], Events] = lambda asked, events: events
    hang: Callable[[Asked], bool] = lambda asked: False
    headers: Callable[[Asked, dict[str, str]], dict[str, str]] = lambda asked, headers: headers


def proxy(inner: Any, breaker: Breaker) -> Starlette:
    """An app that forwards to `inner` and breaks what `breaker` says."""
    transport = httpx.ASGITransport(app=inner)

    async def forward(request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        asked = breaker.request(Asked(body, "authorization" in request.headers))
        headers = {"content-type": "application/json"}
        if asked.authorized:
            headers["authorization"] = request.headers.get("authorization", "Bearer sk-proxy")
        async with httpx.AsyncClient(transport=transport, base_url="http://inner") as client:
            answer = await client.request(
                request.method, request.url.path, json=asked.body, headers=headers
            )
        out_headers = breaker.headers(asked, {"content-type": answer.headers["content-type"]})
        if "text/event-stream" in answer.headers["content-type"]:
            events = [
                block.removeprefix("data: ")
                for block in answer.text.split("\n\n")
                if block.startswith("data: ")
            ]
            events = breaker.events(asked, events)
            return StreamingResponse(
                _stream(events, breaker.hang(asked)), answer.status_code, out_headers
            )
        status, edited = breaker.answer(asked, answer.status_code, answer.json())
        return Response(json.dumps(edited), status, out_headers)

    return Starlette(routes=[Route("/{path:path}", forward, methods=["POST", "GET"])])


async def _stream(events: Events, hang: bool) -> AsyncIterator[bytes]:
    for data in events:
        yield f"data: {data}\n\n".encode()
    if hang:
        for _ in range(100):  # 10 s at most: the client cuts it long before
            yield b": still here\n\n"
            await asyncio.sleep(0.1)
