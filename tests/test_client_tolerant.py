"""Against a server that strays from its spec, the generated client hands over what was sent,
and raises APIResponseValidationError naming the field only when asked to be strict."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from generated.provider import client as provider
from generated.provider import models

COMPLETION: dict[str, Any] = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "hi", "vendor_note": "extra"},
        }
    ],
    "system_fingerprint": "fp_1",  # not in the spec
}
# each body strays in one way; the field the strict error must name
STRAYS: dict[str, tuple[dict[str, Any], str]] = {
    "null-for-string": ({**COMPLETION, "id": None}, "id"),
    "wrong-type": (
        {**COMPLETION, "usage": {**COMPLETION["usage"], "total_tokens": "two"}},
        "usage.total_tokens",
    ),
    "nested-enum": (
        {
            **COMPLETION,
            "choices": [
                {
                    **COMPLETION["choices"][0],
                    "message": {"role": "robot", "content": "hi"},
                }
            ],
        },
        "choices.0.message.role",
    ),
}
CHUNK = {"id": "k", "object": "chat.completion.chunk", "choices": [], "service_tier": "x"}
STRAY_CHUNK = {**CHUNK, "choices": [{"index": "first", "delta": {"content": "a"}}]}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if request.get("stream"):
            events = [CHUNK, STRAY_CHUNK]
            body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)
            body += b"data: [DONE]\n\n"
            kind = "text/event-stream"
        else:
            stray = STRAYS.get(request["model"])
            body = json.dumps(stray[0] if stray else COMPLETION).encode()
            kind = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", "req_123")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _call(url: str, model: str, **options: Any) -> models.ChatCompletion:
    with provider.Client(url, "k", max_retries=0, **options) as client:
        return client.create_chat_completion(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )


def test_extra_fields_are_kept_and_the_request_id_read(url: str) -> None:
    completion = _call(url, "plain")
    assert completion.model_extra == {"system_fingerprint": "fp_1"}
    assert completion.choices[0].message.model_extra == {"vendor_note": "extra"}
    assert completion._request_id == "req_123"  # type: ignore[attr-defined]


@pytest.mark.parametrize("stray", sorted(STRAYS))
def test_a_stray_body_reaches_the_user_as_sent(url: str, stray: str) -> None:
    completion = _call(url, stray)
    sent = STRAYS[stray][0]
    assert completion.model_dump(mode="json", warnings=False, exclude_unset=True) == sent
    assert isinstance(completion.choices[0], models.ChatCompletionChoice)
    assert isinstance(completion.choices[0].message, models.ChatMessage)
    assert completion.choices[0].message.content == "hi"  # the valid parts are typed


@pytest.mark.parametrize("stray", sorted(STRAYS))
def test_strict_validation_names_the_field(url: str, stray: str) -> None:
    with pytest.raises(provider.APIResponseValidationError) as raised:
        _call(url, stray, strict_response_validation=True)
    assert STRAYS[stray][1] in str(raised.value)
    assert raised.value.body == STRAYS[stray][0]


def test_stray_chunks_stream_through_unless_strict(url: str) -> None:
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    with provider.Client(url, "k", max_retries=0) as client:
        stream = client.create_chat_completion(model="m", messages=messages, stream=True)
        with stream:
            chunks = list(stream)
    assert chunks[0].model_extra == {"service_tier": "x"}
    assert chunks[1].choices[0].index == "first"
    assert chunks[1].choices[0].delta.content == "a"
    with provider.Client(url, "k", strict_response_validation=True) as client:
        stream = client.create_chat_completion(model="m", messages=messages, stream=True)
        with pytest.raises(provider.APIResponseValidationError, match=r"choices\.0\.index"):
            list(stream)


def test_async_client_is_tolerant_and_strict_alike(url: str) -> None:
    async def run(strict: bool) -> models.ChatCompletion:
        async with provider.AsyncClient(
            url, "k", max_retries=0, strict_response_validation=strict
        ) as client:
            return await client.create_chat_completion(
                model="wrong-type", messages=[{"role": "user", "content": "hi"}]
            )

    assert asyncio.run(run(False)).usage.total_tokens == "two"
    with pytest.raises(provider.APIResponseValidationError, match="usage.total_tokens"):
        asyncio.run(run(True))
