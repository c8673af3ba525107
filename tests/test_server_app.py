"""Generated servers in-process with hand-written handlers: errors, streams, auth and the rules."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from generated.gateway import models as gateway_models
from generated.gateway import server as gateway_server
from generated.provider import models
from generated.provider import server as provider_server

KEY = {"Authorization": "Bearer sk-test"}
ASK = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
SECRET = "db password is hunter2"


def chunk(text: str | None = None, *, usage: int | None = None, done: bool = False) -> Any:
    choices = []
    if text is not None or done:
        delta = models.ChatCompletionChunkDelta(content=text) if text is not None else None
        choices = [
            models.ChatCompletionChunkChoice(
                index=0,
                delta=delta or models.ChatCompletionChunkDelta(),
                finish_reason="stop" if done else None,
            )
        ]
    made = models.ChatCompletionChunk(id="c1", object="chat.completion.chunk", choices=choices)
    if usage is not None:
        made.usage = models.Usage(prompt_tokens=1, completion_tokens=usage, total_tokens=usage + 1)
    return made


def completion(text: str) -> models.ChatCompletion:
    message = models.ChatMessage(role="assistant", content=text)
    return models.ChatCompletion(
        id="x",
        created=0,
        model="m",
        object="chat.completion",
        usage=models.CompletionUsage(prompt_tokens=1, completion_tokens=1, total_tokens=2),
        choices=[models.ChatCompletionChoice(finish_reason="stop", index=0, message=message)],
    )


class Handler:
    """Streams `parts`; a part that is an exception is raised at that point of the stream."""

    def __init__(self, *parts: Any, reply: Any = None) -> None:
        self.parts = parts
        self.reply = reply
        self.contexts: list[provider_server.RequestContext] = []
        self.closed = False

    async def create_chat_completion(
        self, body: models.CreateChatCompletionRequest, context: provider_server.RequestContext
    ) -> models.ChatCompletion | AsyncIterator[models.ChatCompletionChunk]:
        self.contexts.append(context)
        if isinstance(self.reply, BaseException):
            raise self.reply
        if body.stream:
            return self.stream()
        return self.reply if self.reply is not None else completion(body.messages[-1].content or "")

    async def stream(self) -> AsyncIterator[models.ChatCompletionChunk]:
        try:
            for part in self.parts:
                if isinstance(part, BaseException):
                    raise part
                yield part
        finally:
            self.closed = True


def provider(handler: Any, **options: Any) -> TestClient:
    options.setdefault("rate_limit", None)
    return TestClient(provider_server.create_app(handler, **options))


def events(text: str) -> list[tuple[str | None, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        event = next((ln[7:] for ln in lines if ln.startswith("event: ")), None)
        data = "\n".join(ln[6:] for ln in lines if ln.startswith("data: "))
        out.append((event, data))
    return out


def test_plain_completion_and_the_callers_key() -> None:
    handler = Handler()
    answer = provider(handler).post("/v1/chat/completions", headers=KEY, json=ASK)
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"] == {"role": "assistant", "content": "hi"}
    context = handler.contexts[0]
    assert (context.api_key, context.operation_id) == ("sk-test", "createChatCompletion")
    assert context.headers["authorization"] == "Bearer sk-test"


def test_stream_with_usage_chunk_last() -> None:
    handler = Handler(chunk("Hel"), chunk("lo"), chunk(done=True, usage=2))
    body = {**ASK, "stream": True, "stream_options": {"include_usage": True}}
    answer = provider(handler).post("/v1/chat/completions", headers=KEY, json=body)
    assert answer.headers["content-type"].startswith("text/event-stream")
    found = events(answer.text)
    assert found[-1] == (None, "[DONE]")
    data = [json.loads(d) for _, d in found[:-1]]
    assert [c["choices"][0]["delta"].get("content") for c in data[:3]] == ["Hel", "lo", None]
    assert all("usage" not in c for c in data[:3])
    assert data[3] == {
        "id": "c1",
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    assert handler.closed


def test_stream_without_include_usage_has_no_usage() -> None:
    handler = Handler(chunk("a"), chunk(done=True, usage=2))
    answer = provider(handler).post(
        "/v1/chat/completions", headers=KEY, json={**ASK, "stream": True}
    )
    assert "usage" not in answer.text
    assert events(answer.text)[-1] == (None, "[DONE]")


def test_error_mid_stream_ends_with_an_error_event(caplog: pytest.LogCaptureFixture) -> None:
    handler = Handler(chunk("a"), RuntimeError(SECRET), chunk("never"))
    with caplog.at_level(logging.ERROR):
        answer = provider(handler).post(
            "/v1/chat/completions", headers=KEY, json={**ASK, "stream": True}
        )
    assert answer.status_code == 200
    found = events(answer.text)
    assert len(found) == 2 and found[1][0] == "error"
    assert json.loads(found[1][1]) == {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "code": "internal_error",
        }
    }
    assert SECRET not in answer.text and "never" not in answer.text
    assert SECRET in caplog.text  # logged on the server, not sent
    assert handler.closed


def test_api_error_mid_stream_keeps_its_message() -> None:
    handler = Handler(chunk("a"), provider_server.ApiError(503, "upstream is down", code="busy"))
    answer = provider(handler).post(
        "/v1/chat/completions", headers=KEY, json={**ASK, "stream": True}
    )
    event, data = events(answer.text)[-1]
    assert event == "error"
    assert json.loads(data)["error"] == {
        "message": "upstream is down",
        "type": "server_error",
        "code": "busy",
    }


def test_error_before_the_first_chunk_is_a_plain_http_error() -> None:
    handler = Handler(provider_server.ApiError(400, "no such model", code="model_not_found"))
    answer = provider(handler).post(
        "/v1/chat/completions", headers=KEY, json={**ASK, "stream": True}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "no such model"
    assert handler.closed


def test_unhandled_exception_is_a_500_that_leaks_nothing() -> None:
    answer = provider(Handler(reply=KeyError(SECRET))).post(
        "/v1/chat/completions", headers=KEY, json=ASK
    )
    assert answer.status_code == 500
    assert answer.json() == {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
            "code": "internal_error",
        }
    }
    assert SECRET not in answer.text and "KeyError" not in answer.text


def test_wrong_kind_of_result_is_a_500() -> None:
    client = provider(Handler(chunk("a")))
    answer = client.post("/v1/chat/completions", headers=KEY, json=ASK | {"stream": False})
    assert answer.status_code == 200  # a model for a plain request
    stream_for_plain = provider(Handler(reply=Handler(chunk("a")).stream()))
    answer = stream_for_plain.post("/v1/chat/completions", headers=KEY, json=ASK)
    assert answer.status_code == 500


def test_keys_are_checked_before_the_handler_runs() -> None:
    handler = Handler()
    client = provider(handler, api_keys=["sk-test"])
    missing = client.post("/v1/chat/completions", json=ASK)
    wrong = client.post("/v1/chat/completions", headers={"Authorization": "Bearer x"}, json=ASK)
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert handler.contexts == []
    assert client.post("/v1/chat/completions", headers=KEY, json=ASK).status_code == 200


def test_invalid_input_is_400_in_the_provider_envelope() -> None:
    client = provider(Handler())
    bad = {**ASK, "messages": [{"role": "robot", "content": "x"}]}
    answer = client.post("/v1/chat/completions", headers=KEY, json=bad)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "'messages[0].role'" in error["message"]
    assert "detail" not in answer.json()


def test_malformed_json_is_400() -> None:
    answer = provider(Handler()).post(
        "/v1/chat/completions",
        headers={**KEY, "Content-Type": "application/json"},
        content=b'{"model": "m",',
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_json"


def test_provider_rejects_unknown_parameters_and_nulls() -> None:
    client = provider(Handler())
    unknown = client.post("/v1/chat/completions", headers=KEY, json={**ASK, "seed": 1})
    assert unknown.status_code == 400
    assert "'seed'" in unknown.json()["error"]["message"]
    null = client.post("/v1/chat/completions", headers=KEY, json={**ASK, "top_p": None})
    assert null.status_code == 400
    assert "'top_p'" in null.json()["error"]["message"]


def test_rate_limit_from_the_spec_and_overridden() -> None:
    client = TestClient(provider_server.create_app(Handler()))  # spec: 10 requests per second
    codes = [
        client.post("/v1/chat/completions", headers=KEY, json=ASK).status_code for _ in range(30)
    ]
    assert codes[:10] == [200] * 10  # a burst of one second's worth
    assert 429 in codes  # tokens come back at 10 per second, slower than we ask
    other_key = {"Authorization": "Bearer sk-other"}
    assert client.post("/v1/chat/completions", headers=other_key, json=ASK).status_code == 200
    slow = provider(Handler(), rate_limit=1.0)
    assert slow.post("/v1/chat/completions", headers=KEY, json=ASK).status_code == 200
    limited = slow.post("/v1/chat/completions", headers=KEY, json=ASK)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"


def test_unknown_routes_and_methods_answer_in_the_envelope() -> None:
    client = provider(Handler())
    assert client.get("/v1/nothing").json()["error"]["code"] == "unknown_url"
    wrong_method = client.get("/v1/chat/completions")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"


class GatewayHandler:
    def __init__(self) -> None:
        self.bodies: list[gateway_models.CreateChatCompletionRequest] = []

    async def create_chat_completion(
        self,
        body: gateway_models.CreateChatCompletionRequest,
        context: gateway_server.RequestContext,
    ) -> gateway_models.ChatCompletion | AsyncIterator[gateway_models.ChatCompletionChunk]:
        self.bodies.append(body)
        return gateway_models.ChatCompletion(id="g", object="chat.completion")


def test_gateway_envelope_drops_unknown_and_refuses_tools_for_some_models() -> None:
    handler = GatewayHandler()
    client = TestClient(gateway_server.create_app(handler))
    bad = client.post("/v1/chat/completions", headers=KEY, json={"model": "m"})
    assert bad.status_code == 400
    assert bad.json() == {"status": "400", "message": "Missing required parameter: 'messages'."}
    dropped = client.post(
        "/v1/chat/completions", headers=KEY, json={**ASK, "top_p": 0.5, "frobnicate": True}
    )
    assert dropped.status_code == 200
    assert handler.bodies[0].model_extra in (None, {})
    tool = {"type": "function", "function": {"name": "f"}}
    refused = client.post(
        "/v1/chat/completions",
        headers=KEY,
        json={**ASK, "model": "perplexity/sonar", "tools": [tool]},
    )
    assert refused.status_code == 400
    assert refused.json()["status"] == "400"
    assert "perplexity/sonar" in refused.json()["message"]
    missing_key = client.post("/v1/chat/completions", json=ASK)
    assert missing_key.status_code == 401
    assert missing_key.json()["status"] == "401"


def test_client_disconnect_stops_the_handler() -> None:
    """Raw ASGI: the client goes away after the first event; the handler's generator is closed."""
    state = {"yielded": 0, "closed": False}

    class Endless:
        async def create_chat_completion(self, body: Any, context: Any) -> Any:
            async def forever() -> AsyncIterator[models.ChatCompletionChunk]:
                try:
                    while True:
                        state["yielded"] += 1
                        yield chunk("tick")
                        await anyio.sleep(0.01)
                finally:
                    state["closed"] = True

            return forever()

    app = provider_server.create_app(Endless(), rate_limit=None)
    body = json.dumps({**ASK, "stream": True}).encode()
    first_event = anyio.Event()
    sent: list[dict[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        if not sent:
            sent.append({})
            return {"type": "http.request", "body": body, "more_body": False}
        await first_event.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            first_event.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer k"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }

    async def run() -> None:
        with anyio.fail_after(5):
            await app(scope, receive, send)

    anyio.run(run)
    assert state["closed"]
    assert state["yielded"] < 50
