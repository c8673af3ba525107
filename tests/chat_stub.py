"""A small chat-completion server on 127.0.0.1 that speaks each dialect, for the client tests.

`POST /<dialect>/v1/chat/completions` answers by the request's `model`:
  (anything else)      one completion, or with `stream: true` an event stream of its chunks
  tools                two tool calls, streamed as deltas split across chunks
  error-<status>       that status with the dialect's error envelope
  retry-after-seconds  429 `Retry-After: 2` on the first attempt, then a completion
  retry-after-ms       503 `retry-after-ms: 250` on the first attempt, then a completion
  retry-after-date     429 with an HTTP-date `Retry-After` on the first attempt, then a completion
  overloaded           503 every time
  drop-first           closes the connection without a response on the first attempt
  slow / slow-stream   waits SLOW seconds before the response / after the first chunk
Attempts are counted per `X-Test-Key` header, so each test sees a fresh server.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIALECTS = ("gateway", "provider", "sandbox")
SLOW = 1.0
RETRY_DATE = 1_800_000_000.0  # the moment `retry-after-date` asks the client to wait for
CREATED = 1_700_000_000
USAGE = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
TOOL_CALLS = [
    {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Berlin"}'},
    },
    {
        "id": "call_2",
        "type": "function",
        "function": {"name": "get_time", "arguments": '{"tz": 1}'},
    },
]
# (delta, finish_reason) of each streamed chunk; joined they give the completions below
TEXT_DELTAS: list[tuple[dict[str, Any], str | None]] = [
    ({"role": "assistant", "content": ""}, None),
    ({"content": "Hel"}, None),
    ({"content": "lo there"}, None),
    ({"content": "!"}, None),
    ({}, "stop"),
]
TOOL_DELTAS: list[tuple[dict[str, Any], str | None]] = [
    (
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": ""},
                }
            ],
        },
        None,
    ),
    ({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}, None),
    (
        {
            "tool_calls": [
                {
                    "index": 1,
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"tz"'},
                }
            ]
        },
        None,
    ),
    ({"tool_calls": [{"index": 0, "function": {"arguments": '"Berlin"}'}}]}, None),
    ({"tool_calls": [{"index": 1, "function": {"arguments": ": 1}"}}]}, None),
    ({}, "tool_calls"),
]


def completion(model: str, tools: bool) -> dict[str, Any]:
    if tools:
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": TOOL_CALLS}
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": "Hello there!"}, "stop"
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": USAGE,
    }


def chunks(model: str, tools: bool, usage: bool) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": CREATED}
    base["model"] = model
    out = [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        for delta, finish in (TOOL_DELTAS if tools else TEXT_DELTAS)
    ]
    if usage:
        out.append({**base, "choices": [], "usage": USAGE})
    return out


def error_body(dialect: str, status: int, message: str) -> dict[str, Any]:
    if dialect == "gateway":
        return {"status": str(status), "message": message}
    return {"error": {"message": message, "type": "invalid_request_error", "code": f"c{status}"}}


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: ChatStub

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and left is expected here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each small write waits out the client's delayed ACK
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        body = json.loads(raw) if raw else None
        dialect, _, rest = self.path.lstrip("/").partition("/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        attempt = self.server.stub.record(headers.get("x-test-key", ""), self.path, headers, body)
        if dialect not in DIALECTS or rest != "v1/chat/completions":
            self._json(404, error_body(dialect, 404, "no such route"))
            return
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth == "Bearer bad-key":
            self._json(401, error_body(dialect, 401, "invalid API key"))
            return
        model = str((body or {}).get("model", ""))
        self._answer(dialect, model, attempt, body or {})

    def _answer(self, dialect: str, model: str, attempt: int, body: dict[str, Any]) -> None:
        if model.startswith("error-"):
            status = int(model.removeprefix("error-"))
            self._json(status, error_body(dialect, status, f"failed with {status}"))
        elif model == "retry-after-seconds" and attempt < 2:
            self._json(429, error_body(dialect, 429, "slow down"), {"Retry-After": "2"})
        elif model == "retry-after-ms" and attempt < 1:
            self._json(503, error_body(dialect, 503, "busy"), {"retry-after-ms": "250"})
        elif model == "retry-after-date" and attempt < 1:
            date = formatdate(RETRY_DATE, usegmt=True)
            self._json(429, error_body(dialect, 429, "later"), {"Retry-After": date})
        elif model == "overloaded":
            self._json(503, error_body(dialect, 503, "overloaded"))
        elif model == "drop-first" and attempt < 1:
            self.close_connection = True
        else:
            if model == "slow":
                time.sleep(SLOW)
            tools = model == "tools"
            if body.get("stream"):
                options = body.get("stream_options") or {}
                usage = dialect != "provider" or bool(options.get("include_usage"))
                self._stream(chunks(model, tools, usage), slow=model == "slow-stream")
            else:
                self._json(200, completion(model, tools))

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, events: list[dict[str, Any]], slow: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        parts = [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]
        for n, part in enumerate(parts):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            if slow and n == 0:
                time.sleep(SLOW)
        self.wfile.write(b"0\r\n\r\n")


class ChatStub:
    """The server and what it was sent, per test key; `url` is its origin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: defaultdict[str, list[Recorded]] = defaultdict(list)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def record(self, key: str, path: str, headers: dict[str, str], body: Any) -> int:
        """Store one request; the number of earlier ones with the same key and model."""
        with self._lock:
            seen = self.requests[key]
            model = (body or {}).get("model") if isinstance(body, dict) else None
            attempt = sum(1 for r in seen if (r.body or {}).get("model") == model)
            seen.append(Recorded(path, headers, body))
            return attempt

    def __enter__(self) -> ChatStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
