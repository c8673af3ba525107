"""Soak `apiforge serve provider`: 60 s at 32 keep-alive connections on loopback, then report
requests per second, errors by kind, and the server's resident memory at start, middle and end.

The load generator speaks HTTP/1.1 over asyncio streams itself (no client library), so it costs
the machine far less than the server it measures. One request in `--stream-every` asks for a
stream with usage, so the SSE path is soaked too. bench/server.py reuses `hammer()`.

    python bench/load.py [--seconds 60] [--connections 32] [--rate-limit 0]
    python bench/load.py --port P --requests N --connections C   # load only, JSON stats
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PATH = "/v1/chat/completions"


def chat_request(port: int, *, stream: bool = False, key: str = "sk-bench") -> bytes:
    """One complete HTTP/1.1 request, sent as is on a kept-alive connection."""
    body: dict[str, object] = {
        "model": "bench-model",
        "messages": [
            {"role": "system", "content": "You are a terse assistant."},
            {"role": "user", "content": "Say hello to the load generator, please."},
        ],
        "temperature": 0.2,
    }
    if stream:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    payload = json.dumps(body).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


@dataclass
class Stats:
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # transport errors, bad streams

    @property
    def done(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def as_dict(self) -> dict[str, object]:
        return {
            "seconds": round(self.seconds, 3),
            "requests": self.done,
            "requests_per_second": round(self.done / self.seconds, 1) if self.seconds else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures),
        }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response: Content-Length or chunked (how uvicorn sends streams)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        body += await reader.readexactly(size + 2)
        if size == 0:
            return status, bytes(body)


async def _connection(
    port: int, plans: list[bytes], stream_every: int, stats: Stats, take: Callable[[], bool]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        while take():
            streamed = stream_every > 0 and sent % stream_every == stream_every - 1
            writer.write(plans[1] if streamed else plans[0])
            sent += 1
            try:
                status, body = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
                stats.failures[type(exc).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            stats.statuses[status] += 1
            if (
                streamed
                and status == 200
                and (b"data: [DONE]" not in body or b"event: error" in body)
            ):
                stats.failures["broken stream"] += 1
    finally:
        writer.close()


async def hammer(
    port: int,
    *,
    connections: int,
    requests: int | None = None,
    seconds: float | None = None,
    stream_every: int = 0,
    key: str = "sk-bench",
) -> Stats:
    """`requests` in total, or as many as fit in `seconds`, over `connections` connections."""
    plans = [chat_request(port, key=key), chat_request(port, stream=True, key=key)]
    stats = Stats()
    left = [requests if requests is not None else -1]
    deadline = time.monotonic() + seconds if seconds is not None else None

    def take() -> bool:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if left[0] == 0:
            return False
        left[0] -= 1
        return True

    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(port, plans, stream_every, stats, take) for _ in range(connections))
    )
    stats.seconds = time.perf_counter() - started
    return stats


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def soak(args: argparse.Namespace) -> None:
    port = free_port()
    command = [sys.executable, "-m", "apiforge", "serve", "provider", "--port", str(port)]
    command += ["--rate-limit", str(args.rate_limit), "--out", str(REPO / "generated")]
    server = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(port, server)
        asyncio.run(hammer(port, connections=args.connections, seconds=2.0, stream_every=4))
        samples = {"start": rss_kib(server.pid)}

        def sample_middle() -> None:
            time.sleep(args.seconds / 2)
            samples["middle"] = rss_kib(server.pid)

        sampler = threading.Thread(target=sample_middle, daemon=True)
        sampler.start()
        stats = asyncio.run(
            hammer(
                port,
                connections=args.connections,
                seconds=args.seconds,
                stream_every=args.stream_every,
            )
        )
        sampler.join()
        samples["end"] = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=15)
    report = stats.as_dict()
    errors = sum(stats.failures.values()) + sum(
        n for status, n in stats.statuses.items() if status >= 400 and status != 429
    )
    print(
        f"apiforge serve provider: {args.seconds:g} s, {args.connections} connections, "
        f"1 in {args.stream_every} streamed, --rate-limit {args.rate_limit:g}"
    )
    print(f"  requests      {report['requests']}  ({report['requests_per_second']} /s)")
    print(f"  statuses      {report['statuses']}")
    print(f"  errors        {errors}  {dict(stats.failures) or ''}")
    print("  server RSS    " + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in samples.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--stream-every", type=int, default=4, help="0: never stream")
    parser.add_argument("--rate-limit", type=float, default=0.0, help="passed to serve; 0 is off")
    parser.add_argument("--port", type=int, help="load only: an already running server")
    parser.add_argument("--requests", type=int, help="load only: this many requests")
    args = parser.parse_args()
    if os.environ.get("APIFORGE_BENCH_CPU") and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(os.environ["APIFORGE_BENCH_CPU"])})
    if args.port is None:
        soak(args)
        return
    stats = asyncio.run(
        hammer(
            args.port,
            connections=args.connections,
            requests=args.requests,
            seconds=None if args.requests else args.seconds,
            stream_every=args.stream_every,
        )
    )
    print(json.dumps(stats.as_dict()))


if __name__ == "__main__":
    main()
