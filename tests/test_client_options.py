"""Per-call options of the generated provider client, as in openai-python: extra_query, extra_body,
with_raw_response, with_streaming_response, `_request_id`, x-should-retry and idempotency keys."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from apiforge.pipeline import generate
from generated.provider import client as provider
from tests.helpers import import_fresh

REPO = Path(__file__).resolve().parent.parent
COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}
    ],
}
CHUNK = {"id": "k", "object": "chat.completion.chunk", "choices": []}
HI: list[Any] = [{"role": "user", "content": "hi"}]


class Server:
    """Answers each request with the next of `answers` (the last one repeats); keeps the requests."""

    def __init__(self, *answers: httpx.Response | Callable[[], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer if isinstance(answer, httpx.Response) else answer()

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def ok() -> httpx.Response:
    return httpx.Response(200, json=COMPLETION, headers={"x-request-id": "req_1"})


def events() -> httpx.Response:
    """An event stream whose body arrives only as it is read."""
    body = f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()
    return httpx.Response(200, content=iter([body]), headers={"content-type": "text/event-stream"})


def async_events() -> httpx.Response:
    body = f"data: {json.dumps(CHUNK)}\n\ndata: [DONE]\n\n".encode()

    async def pieces() -> AsyncIterator[bytes]:
        yield body

    return httpx.Response(200, content=pieces(), headers={"content-type": "text/event-stream"})


def streamed_ok() -> httpx.Response:
    return httpx.Response(200, content=iter([json.dumps(COMPLETION).encode()]))


def client(server: Server, **kwargs: Any) -> provider.Client:
    made = provider.Client("http://api.test", "sk", transport=httpx.MockTransport(server), **kwargs)
    made.sleep = lambda _: None
    return made


def test_extra_query_and_extra_body_are_sent() -> None:
    server = Server(ok())
    client(server).create_chat_completion(
        model="m", messages=HI, extra_query={"api-version": "2"}, extra_body={"seed": 7}
    )
    assert server.requests[0].url.params["api-version"] == "2"
    assert server.bodies()[0] == {"model": "m", "messages": HI, "seed": 7}


def test_messages_may_be_any_iterable_of_dicts_and_models() -> None:
    server = Server(ok())
    models = provider.models
    messages = (m for m in [models.ChatMessage(role="system", content="s"), *HI])
    client(server).create_chat_completion(model="m", messages=messages)
    assert server.bodies()[0]["messages"] == [{"role": "system", "content": "s"}, *HI]


def test_results_carry_the_request_id() -> None:
    completion = client(Server(ok())).create_chat_completion(model="m", messages=HI)
    assert completion._request_id == "req_1"  # type: ignore[attr-defined]


def test_with_raw_response_gives_status_headers_and_parse() -> None:
    server = Server(ok())
    response = client(server).with_raw_response.create_chat_completion(model="m", messages=HI)
    assert (response.status_code, response.headers["x-request-id"]) == (200, "req_1")
    assert response.parse().id == "c1"
    assert response.parse() is response.parse()
    assert provider._runtime.RAW_RESPONSE_HEADER not in server.requests[0].headers


def test_with_streaming_response_does_not_read_the_body_first() -> None:
    server = Server(events, streamed_ok)
    made = client(server)
    with made.with_streaming_response.create_chat_completion(
        model="m", messages=HI, stream=True
    ) as response:
        assert not response.http_response.is_stream_consumed
        chunks = list(response.parse())
    assert [c.id for c in chunks] == ["k"]
    assert response.http_response.is_closed
    with made.with_streaming_response.create_chat_completion(model="m", messages=HI) as plain:
        assert not plain.http_response.is_stream_consumed
        assert plain.parse().id == "c1"


def test_async_raw_and_streaming_responses() -> None:
    server = Server(async_events)

    async def run() -> list[str]:
        async with provider.AsyncClient(
            "http://api.test", "sk", transport=httpx.MockTransport(server)
        ) as made:
            raw = await made.with_raw_response.create_chat_completion(
                model="m", messages=HI, stream=True
            )
            ids = [chunk.id async for chunk in await raw.parse()]
            async with made.with_streaming_response.create_chat_completion(
                model="m", messages=HI, stream=True
            ) as response:
                assert not response.http_response.is_stream_consumed
                async with await response.parse() as stream:
                    ids += [chunk.id async for chunk in stream]
            return ids

    assert asyncio.run(run()) == ["k", "k"]


def test_x_should_retry_is_honoured() -> None:
    refused = httpx.Response(
        400, json={"error": {"message": "x"}}, headers={"x-should-retry": "true"}
    )
    server = Server(refused, ok())
    client(server).create_chat_completion(model="m", messages=HI)
    assert len(server.requests) == 2
    unavailable = httpx.Response(503, headers={"x-should-retry": "false"})
    server = Server(unavailable)
    with pytest.raises(provider.InternalServerError):
        client(server).create_chat_completion(model="m", messages=HI)
    assert len(server.requests) == 1


def test_no_idempotency_key_unless_the_spec_names_its_header() -> None:
    server = Server(httpx.Response(500), ok())
    client(server).create_chat_completion(model="m", messages=HI)
    assert all("idempotency-key" not in r.headers for r in server.requests)


def test_the_spec_names_an_idempotency_header_sent_alike_on_each_retry(tmp_path: Path) -> None:
    spec = (REPO / "spec" / "provider.yaml").read_text()
    spec = spec.replace("paths:\n", "x-apiforge-idempotency-header: Idempotency-Key\npaths:\n", 1)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "provider.yaml").write_text(spec)
    shutil.copytree(REPO / "spec" / "components", tmp_path / "spec" / "components")
    generate([tmp_path / "spec" / "provider.yaml"], tmp_path / "out")
    module: Any = import_fresh(tmp_path / "out", "provider.client")
    server = Server(httpx.Response(500), httpx.Response(429), ok())
    made = module.Client("http://api.test", "sk", transport=httpx.MockTransport(server))
    made.sleep = lambda _: None
    made.create_chat_completion(model="m", messages=HI)
    made.create_chat_completion(model="m", messages=HI)
    keys = [r.headers["Idempotency-Key"] for r in server.requests]
    assert len(keys) == 4 and keys[0] == keys[1] == keys[2] != keys[3]
