"""CPU per call and per 1,000-chunk stream: generated client vs the openai SDK vs a bare httpx loop.

    python bench/client.py [--rounds 7] [--calls 200] [--streams 4]

A raw asyncio HTTP/1.1 server in a subprocess on 127.0.0.1 answers every POST with one fixed
completion, or with a fixed 1,000-chunk event stream when the body asks for `"stream": true`.
The three clients (all sync, all over httpx) take turns round by round; each figure is the median
over rounds of `time.process_time()` spent in this process, divided by the calls or streams made.
Ratios are against the openai SDK (target <= 1.0) and against bare httpx (target <= 1.3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATH = "/v1/chat/completions"
CHUNKS = 1000
MESSAGES = [{"role": "user", "content": "Say hello."}]
_STREAM_ASKED = re.compile(rb'"stream"\s*:\s*true')


# -- the server (runs in a subprocess) --------------------------------------------------------


def completion_body() -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "bench-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello! How can I help?"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 9, "completion_tokens": 7, "total_tokens": 16},
        }
    ).encode()


def stream_body() -> bytes:
    """The whole chunked-encoded event stream: one HTTP chunk per event, then [DONE]."""
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000}
    base["model"] = "bench-model"
    events = []
    for n in range(CHUNKS):
        delta: dict[str, Any] = {"content": f"tok{n} "}
        if n == 0:
            delta["role"] = "assistant"
        finish = "stop" if n == CHUNKS - 1 else None
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        events.append({**base, "choices": [choice]})
    usage = {"prompt_tokens": 9, "completion_tokens": CHUNKS, "total_tokens": CHUNKS + 9}
    events.append({**base, "choices": [], "usage": usage})
    parts = [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


class _Http(asyncio.Protocol):
    """Just enough HTTP/1.1 keep-alive for the bench: Content-Length request bodies only."""

    plain = b""
    stream = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].lower()
            match = re.search(rb"content-length:\s*(\d+)", head)
            length = int(match.group(1)) if match else 0
            if len(self.buffer) < head_end + 4 + length:
                return
            body = self.buffer[head_end + 4 : head_end + 4 + length]
            self.buffer = self.buffer[head_end + 4 + length :]
            self.transport.write(self.stream if _STREAM_ASKED.search(body) else self.plain)


def serve(port_file: Path) -> None:
    plain = completion_body()
    _Http.plain = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
        % (len(plain), plain)
    )
    _Http.stream = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n" + stream_body()
    )

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Http, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        port_file.write_text(str(port))
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port_file = Path(f"/tmp/apiforge-bench-{time.time_ns()}.port")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    deadline = time.monotonic() + 10
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit("bench server did not start")
        time.sleep(0.02)
    port = port_file.read_text()
    port_file.unlink()
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5):
        pass
    return proc, f"http://127.0.0.1:{port}"


# -- the clients ------------------------------------------------------------------------------

Runner = tuple[Callable[[], None], Callable[[], int], Callable[[], None]]  # call, stream, close


def generated_runner(base_url: str) -> Runner:
    sys.path.insert(0, str(ROOT))
    from generated.provider.client import Client

    client = Client(base_url=base_url, api_key="sk-bench", max_retries=0)
    messages: Any = MESSAGES  # plain dicts, as the openai SDK's README passes them

    def call() -> None:
        client.create_chat_completion(model="bench-model", messages=messages)

    def stream() -> int:
        n = 0
        with client.create_chat_completion(
            model="bench-model", messages=messages, stream=True
        ) as s:
            for _ in s:
                n += 1
        return n

    return call, stream, client.close


def openai_runner(base_url: str) -> Runner:
    import openai

    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-bench", max_retries=0)
    messages: Any = MESSAGES

    def call() -> None:
        client.chat.completions.create(model="bench-model", messages=messages)

    def stream() -> int:
        n = 0
        s = client.chat.completions.create(model="bench-model", messages=messages, stream=True)
        with s:
            for _ in s:
                n += 1
        return n

    return call, stream, client.close


def httpx_runner(base_url: str) -> Runner:
    import httpx

    client = httpx.Client(base_url=base_url, headers={"Authorization": "Bearer sk-bench"})
    payload = {"model": "bench-model", "messages": MESSAGES}

    def call() -> None:
        response = client.post(PATH, json=payload)
        response.raise_for_status()
        json.loads(response.content)

    def stream() -> int:
        n = 0
        with client.stream("POST", PATH, json={**payload, "stream": True}) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])
                    n += 1
        return n

    return call, stream, client.close


RUNNERS = {"generated": generated_runner, "openai": openai_runner, "httpx": httpx_runner}


def cpu(work: Callable[[], Any], times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        work()
    return (time.process_time() - start) / times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    proc, base_url = start_server()
    try:
        runners = {name: make(base_url) for name, make in RUNNERS.items()}
        for name, (call, stream, _) in runners.items():  # warm up, and check what comes back
            call()
            got = stream()
            if got != CHUNKS + 1:
                raise SystemExit(f"{name}: expected {CHUNKS + 1} chunks, got {got}")
        per_call: dict[str, list[float]] = {name: [] for name in runners}
        per_stream: dict[str, list[float]] = {name: [] for name in runners}
        names = list(runners)
        for round_no in range(args.rounds):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            for name in order:
                call, stream, _ = runners[name]
                per_call[name].append(cpu(call, args.calls))
                per_stream[name].append(cpu(stream, args.streams))
        for _, _, close in runners.values():
            close()
    finally:
        proc.kill()
        proc.wait()
    report(per_call, per_stream, args)


def report(
    per_call: dict[str, list[float]], per_stream: dict[str, list[float]], args: argparse.Namespace
) -> None:
    call = {name: statistics.median(v) for name, v in per_call.items()}
    stream = {name: statistics.median(v) for name, v in per_stream.items()}
    print(
        f"CPU time in the client process, median of {args.rounds} rounds "
        f"({args.calls} calls, {args.streams} streams of {CHUNKS} chunks per round)"
    )
    print(f"{'client':<11}{'per call':>12}{'per stream':>14}{'per chunk':>12}")
    for name in call:
        per_chunk = stream[name] / (CHUNKS + 1)
        print(
            f"{name:<11}{call[name] * 1e6:>10.0f}us{stream[name] * 1e3:>12.2f}ms"
            f"{per_chunk * 1e6:>10.2f}us"
        )
    g = "generated"
    print(
        f"generated / openai : call {call[g] / call['openai']:.2f}x, "
        f"stream {stream[g] / stream['openai']:.2f}x   (target <= 1.00)"
    )
    print(
        f"generated / httpx  : call {call[g] / call['httpx']:.2f}x, "
        f"stream {stream[g] / stream['httpx']:.2f}x   (target <= 1.30)"
    )


if __name__ == "__main__":
    main()
