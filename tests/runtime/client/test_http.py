"""SyncAPIClient and AsyncAPIClient over httpx.MockTransport: typing, errors, retries, streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from apiforge.runtime.client import (
    NOT_GIVEN,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncAPIClient,
    AuthenticationError,
    BadRequestError,
    ChunkMerger,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    StreamError,
    SyncAPIClient,
    UnprocessableEntityError,
)

BASE_URL = "https://api.test/v1"
NOW = 1_700_000_000.0


class Completion(BaseModel):
    id: str
    content: str


class Chunk(BaseModel):
    id: str
    n: int


class ErrorDetail(BaseModel):
    message: str
    type: str


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


class Request(BaseModel):
    model: str
    temperature: float | None = None
    max_tokens: int | None = None


Outcome = httpx.Response | Exception


class Server:
    """A MockTransport handler that replays outcomes in order and records each request."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []
        self.responses: list[httpx.Response] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        self.responses.append(outcome)
        return outcome


class Harness:
    """Drives a sync or an async client through the same synchronous test code."""

    def __init__(self, mode: str, server: Server, **kwargs: Any) -> None:
        self.mode = mode
        self.sleeps: list[float] = []
        kwargs.setdefault("error_parser", ErrorEnvelope.model_validate)
        self.client: SyncAPIClient | AsyncAPIClient
        if mode == "sync":
            self.client = SyncAPIClient(
                BASE_URL, "sk-test", transport=httpx.MockTransport(server), **kwargs
            )
            self.client.sleep = self.sleeps.append
        else:
            self.client = AsyncAPIClient(
                BASE_URL, "sk-test", transport=httpx.MockTransport(server), **kwargs
            )

            async def record(delay: float) -> None:
                self.sleeps.append(delay)

            self.client.sleep = record
        self.client.clock = lambda: NOW
        self.client.rand = lambda: 0.0

    def request(self, **kwargs: Any) -> Completion:
        kwargs = {"json_body": {"model": "m"}, **kwargs}
        if isinstance(self.client, SyncAPIClient):
            return self.client.request("POST", "/chat/completions", cast_to=Completion, **kwargs)
        client = self.client
        return asyncio.run(
            client.request("POST", "/chat/completions", cast_to=Completion, **kwargs)
        )

    def stream(self, limit: int | None = None, **kwargs: Any) -> tuple[list[Chunk], httpx.Response]:
        """Read up to `limit` chunks inside the stream's context manager."""
        kwargs = {"json_body": {"model": "m", "stream": True}, **kwargs}
        if isinstance(self.client, SyncAPIClient):
            chunks: list[Chunk] = []
            with self.client.stream("POST", "/chat/completions", cast_to=Chunk, **kwargs) as s:
                for chunk in s:
                    chunks.append(chunk)
                    if len(chunks) == limit:
                        break
            return chunks, s.response
        client = self.client

        async def run() -> tuple[list[Chunk], httpx.Response]:
            chunks: list[Chunk] = []
            s = await client.stream("POST", "/chat/completions", cast_to=Chunk, **kwargs)
            async with s:
                async for chunk in s:
                    chunks.append(chunk)
                    if len(chunks) == limit:
                        break
            return chunks, s.response

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def ok(**body: Any) -> httpx.Response:
    return httpx.Response(200, json={"id": "c1", "content": "hi", **body})


def sse(*payloads: Any, done: bool = True) -> bytes:
    text = "".join(f"data: {json.dumps(p)}\n\n" for p in payloads)
    return (text + ("data: [DONE]\n\n" if done else "")).encode()


def stream_response(
    body: bytes | Iterator[bytes] | AsyncIterator[bytes], mode: str = "sync", piece: int = 16
) -> httpx.Response:
    """A 200 event stream delivered in pieces, so the response stays open until read or closed."""
    if isinstance(body, bytes):
        pieces = [body[i : i + piece] for i in range(0, len(body), piece)]
        body = _sync_pieces(pieces) if mode == "sync" else _async_pieces(pieces)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


def _sync_pieces(pieces: list[bytes]) -> Iterator[bytes]:
    yield from pieces


async def _async_pieces(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


# -- plain requests ---------------------------------------------------------------------------


def test_success_is_typed(mode: str) -> None:
    server = Server(ok())
    assert Harness(mode, server).request() == Completion(id="c1", content="hi")
    request = server.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://api.test/v1/chat/completions"
    assert json.loads(request.content) == {"model": "m"}


def test_headers(mode: str) -> None:
    server = Server(ok())
    harness = Harness(mode, server, default_headers={"X-Org": "o1", "User-Agent": "gen/1.0"})
    harness.request(extra_headers={"X-Trace": "t1"})
    headers = server.requests[0].headers
    assert headers["authorization"] == "Bearer sk-test"
    assert headers["user-agent"] == "gen/1.0"
    assert headers["accept"] == "application/json"
    assert headers["content-type"] == "application/json"
    assert (headers["x-org"], headers["x-trace"]) == ("o1", "t1")


def test_no_api_key_no_authorization(mode: str) -> None:
    server = Server(ok())
    harness = Harness(mode, server)
    harness.client.api_key = None
    harness.request()
    assert "authorization" not in server.requests[0].headers
    assert server.requests[0].headers["user-agent"].startswith("apiforge-runtime/")


def test_pydantic_body_and_query_params(mode: str) -> None:
    server = Server(ok())
    Harness(mode, server).request(json_body=Request(model="m", temperature=None), params={"v": 2})
    assert json.loads(server.requests[0].content) == {"model": "m", "temperature": None}
    assert server.requests[0].url.params["v"] == "2"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_error_status_maps_to_class(mode: str, status: int, cls: type[APIStatusError]) -> None:
    body = {"error": {"message": "it broke", "type": "server_error"}}
    responses = [httpx.Response(status, json=body, headers={"x-request-id": "r1"})] * 3
    harness = Harness(mode, Server(*responses))
    with pytest.raises(cls) as caught:
        harness.request()
    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.headers["x-request-id"] == "r1"
    assert error.body == ErrorEnvelope.model_validate(body)
    assert error.message == f"Error code: {status} - it broke"
    assert error.response.status_code == status


def test_unparseable_error_body_stays_raw(mode: str) -> None:
    server = Server(httpx.Response(400, text="<html>nope</html>"))
    with pytest.raises(BadRequestError) as caught:
        Harness(mode, server).request()
    assert caught.value.body == "<html>nope</html>"


def test_no_retry_on_400(mode: str) -> None:
    server = Server(httpx.Response(400, json={"message": "bad"}), ok())
    harness = Harness(mode, server)
    with pytest.raises(BadRequestError, match="bad"):
        harness.request()
    assert len(server.requests) == 1
    assert harness.sleeps == []


def test_retries_honour_retry_after(mode: str) -> None:
    server = Server(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(503, headers={"retry-after-ms": "100"}),
        ok(),
    )
    harness = Harness(mode, server)
    assert harness.request().id == "c1"
    assert len(server.requests) == 3
    assert harness.sleeps == [2.0, 0.1]
    assert all(r.is_closed for r in server.responses)


def test_backoff_then_give_up(mode: str) -> None:
    server = Server(*[httpx.Response(500)] * 3)
    harness = Harness(mode, server)
    with pytest.raises(InternalServerError):
        harness.request()
    assert len(server.requests) == 3
    assert harness.sleeps == [0.5, 1.0]


def test_x_should_retry_false(mode: str) -> None:
    server = Server(httpx.Response(503, headers={"x-should-retry": "false"}), ok())
    with pytest.raises(InternalServerError):
        Harness(mode, server).request()
    assert len(server.requests) == 1


def test_max_retries_zero(mode: str) -> None:
    server = Server(httpx.Response(503), ok())
    harness = Harness(mode, server, max_retries=0)
    with pytest.raises(InternalServerError):
        harness.request()
    assert (len(server.requests), harness.sleeps) == (1, [])


def test_per_request_max_retries_overrides_client(mode: str) -> None:
    server = Server(httpx.Response(503), httpx.Response(503), ok())
    harness = Harness(mode, server, max_retries=0)
    assert harness.request(max_retries=2).id == "c1"
    assert len(server.requests) == 3

    server = Server(httpx.Response(503), ok())
    harness = Harness(mode, server, max_retries=5)
    with pytest.raises(InternalServerError):
        harness.request(max_retries=0)
    assert len(server.requests) == 1


def test_timeouts_default_and_per_request(mode: str) -> None:
    server = Server(ok(), ok(), ok(), ok())
    harness = Harness(mode, server)
    harness.request()
    harness.request(timeout=3.0)
    harness.request(timeout=None)
    harness.request(timeout=NOT_GIVEN)
    timeouts = [r.extensions["timeout"] for r in server.requests]
    default = {"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}
    assert timeouts[0] == default
    assert timeouts[1] == dict.fromkeys(default, 3.0)
    assert timeouts[2] == dict.fromkeys(default)
    assert timeouts[3] == default


def test_client_timeout(mode: str) -> None:
    server = Server(ok())
    Harness(mode, server, timeout=httpx.Timeout(30.0, connect=1.0)).request()
    assert server.requests[0].extensions["timeout"]["connect"] == 1.0


def test_timeout_raises_api_timeout_error_after_retries(mode: str) -> None:
    server = Server(*[httpx.ReadTimeout("slow")] * 3)
    harness = Harness(mode, server)
    with pytest.raises(APITimeoutError) as caught:
        harness.request()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert caught.value.request is server.requests[-1]
    assert (len(server.requests), harness.sleeps) == (3, [0.5, 1.0])


def test_connection_error_is_retried_then_succeeds(mode: str) -> None:
    server = Server(httpx.ConnectError("refused"), ok())
    harness = Harness(mode, server)
    assert harness.request().id == "c1"
    assert harness.sleeps == [0.5]


def test_connection_error(mode: str) -> None:
    server = Server(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError, match="refused") as caught:
        Harness(mode, server, max_retries=0).request()
    assert type(caught.value) is APIConnectionError


def test_invalid_success_body(mode: str) -> None:
    server = Server(httpx.Response(200, json={"id": 1}), httpx.Response(200))
    harness = Harness(mode, server, strict_response_validation=True)
    with pytest.raises(APIResponseValidationError, match="Completion") as caught:
        harness.request()
    assert caught.value.body == {"id": 1}
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        harness.request()


def test_invalid_success_body_is_kept_as_sent_unless_strict(mode: str) -> None:
    server = Server(httpx.Response(200, json={"id": 1, "more": True}), httpx.Response(200))
    harness = Harness(mode, server)
    completion = harness.request()
    assert (completion.id, completion.model_fields_set) == (1, {"id"})
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        harness.request()


def test_closed_client_refuses_requests() -> None:
    server = Server(ok(), ok())
    with SyncAPIClient(BASE_URL, transport=httpx.MockTransport(server)) as client:
        assert client.request("GET", "/x", cast_to=Completion).id == "c1"
    with pytest.raises(RuntimeError):
        client.request("GET", "/x", cast_to=Completion)

    async def run() -> None:
        async with AsyncAPIClient(BASE_URL, transport=httpx.MockTransport(server)) as aclient:
            assert (await aclient.request("GET", "/x", cast_to=Completion)).id == "c1"
        with pytest.raises(RuntimeError):
            await aclient.request("GET", "/x", cast_to=Completion)

    asyncio.run(run())


# -- streams ----------------------------------------------------------------------------------

CHUNKS = [{"id": "s1", "n": n} for n in range(3)]


def test_stream_of_typed_chunks(mode: str) -> None:
    server = Server(stream_response(sse(*CHUNKS) + sse({"id": "late", "n": 9}, done=False), mode))
    chunks, response = Harness(mode, server).stream()
    assert chunks == [Chunk(id="s1", n=n) for n in range(3)]
    assert response.is_closed
    assert server.requests[0].headers["accept"] == "text/event-stream"


def test_stream_split_into_awkward_pieces(mode: str) -> None:
    body = sse(*CHUNKS).replace(b"\n", b"\r\n")
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def sync_pieces() -> Iterator[bytes]:
        yield from pieces

    async def async_pieces() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    server = Server(stream_response(sync_pieces() if mode == "sync" else async_pieces()))
    chunks, _ = Harness(mode, server).stream()
    assert [c.n for c in chunks] == [0, 1, 2]


def test_stream_without_done_ends_at_eof(mode: str) -> None:
    server = Server(stream_response(sse(*CHUNKS, done=False)[:-1], mode))
    chunks, response = Harness(mode, server).stream()
    assert len(chunks) == 3
    assert response.is_closed


def test_stream_closed_on_break(mode: str) -> None:
    server = Server(stream_response(sse(*CHUNKS), mode))
    chunks, response = Harness(mode, server).stream(limit=1)
    assert len(chunks) == 1
    assert response.is_closed


def test_sync_stream_closed_on_break_without_with() -> None:
    client = SyncAPIClient(
        BASE_URL, transport=httpx.MockTransport(Server(stream_response(sse(*CHUNKS))))
    )
    stream = client.stream("POST", "/chat/completions", cast_to=Chunk)
    for _ in stream:
        break
    assert stream.response.is_closed


def test_sync_stream_next_and_close() -> None:
    client = SyncAPIClient(
        BASE_URL, transport=httpx.MockTransport(Server(stream_response(sse(*CHUNKS))))
    )
    stream = client.stream("POST", "/chat/completions", cast_to=Chunk)
    assert next(stream).n == 0
    assert not stream.response.is_closed
    stream.close()
    assert stream.response.is_closed
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)


def test_sync_stream_closed_when_loop_body_raises() -> None:
    client = SyncAPIClient(
        BASE_URL, transport=httpx.MockTransport(Server(stream_response(sse(*CHUNKS))))
    )
    stream = client.stream("POST", "/chat/completions", cast_to=Chunk)

    def consume() -> None:
        for _ in stream:
            raise KeyError("boom")

    with pytest.raises(KeyError):
        consume()
    assert stream.response.is_closed


def test_async_stream_anext_and_aclose() -> None:
    server = Server(stream_response(sse(*CHUNKS), "async"))

    async def run() -> None:
        client = AsyncAPIClient(BASE_URL, transport=httpx.MockTransport(server))
        stream = await client.stream("POST", "/chat/completions", cast_to=Chunk)
        assert (await stream.__anext__()).n == 0
        assert not stream.response.is_closed
        await stream.aclose()
        assert stream.response.is_closed
        await stream.aclose()
        chunks = [c async for c in stream]
        assert chunks == []

    asyncio.run(run())


def test_error_event_mid_stream(mode: str) -> None:
    body = (
        sse(CHUNKS[0], done=False) + b'event: error\ndata: {"error": {"message": "overloaded"}}\n\n'
    )
    server = Server(stream_response(body, mode))
    harness = Harness(mode, server)
    with pytest.raises(StreamError, match="overloaded") as caught:
        harness.stream()
    assert caught.value.body == {"error": {"message": "overloaded"}}
    assert server.responses[0].is_closed


def test_error_payload_mid_stream_uses_the_dialects_pointers(mode: str) -> None:
    body = sse(CHUNKS[0], {"error": {"detail": "quota"}}, done=False)
    harness = Harness(
        mode, Server(stream_response(body, mode)), error_message_pointers=["/error/detail"]
    )
    with pytest.raises(StreamError, match="quota"):
        harness.stream()


def test_transport_error_mid_stream(mode: str) -> None:
    first = sse(CHUNKS[0], done=False)

    def sync_body() -> Iterator[bytes]:
        yield first
        raise httpx.ReadTimeout("stalled")

    async def async_body() -> AsyncIterator[bytes]:
        yield first
        raise httpx.ReadError("reset")

    server = Server(stream_response(sync_body() if mode == "sync" else async_body()), ok())
    harness = Harness(mode, server)
    expected = APITimeoutError if mode == "sync" else APIConnectionError
    with pytest.raises(expected):
        harness.stream()
    assert len(server.requests) == 1
    assert server.responses[0].is_closed


def test_invalid_chunk_raises_validation_error_when_strict(mode: str) -> None:
    server = Server(stream_response(sse({"id": "s1"}), mode))
    with pytest.raises(APIResponseValidationError, match="Chunk"):
        Harness(mode, server, strict_response_validation=True).stream()
    assert server.responses[0].is_closed


def test_invalid_chunk_is_kept_as_sent_by_default(mode: str) -> None:
    server = Server(stream_response(sse({"id": "s1"}), mode))
    chunks, response = Harness(mode, server).stream()
    assert [chunk.model_fields_set for chunk in chunks] == [{"id"}]
    assert response.is_closed


def test_stream_establishment_is_retried(mode: str) -> None:
    server = Server(
        httpx.Response(503, headers={"retry-after": "1"}),
        httpx.ConnectError("refused"),
        stream_response(sse(*CHUNKS), mode),
    )
    harness = Harness(mode, server)
    chunks, _ = harness.stream()
    assert len(chunks) == 3
    assert harness.sleeps == [1.0, 1.0]
    assert server.responses[0].is_closed


def test_stream_error_status_has_parsed_body(mode: str) -> None:
    body = {"error": {"message": "model not found", "type": "invalid_request_error"}}
    server = Server(httpx.Response(404, json=body))
    with pytest.raises(NotFoundError, match="model not found") as caught:
        Harness(mode, server).stream()
    assert caught.value.body == ErrorEnvelope.model_validate(body)
    assert server.responses[0].is_closed


def test_streamed_chunks_merge_into_a_completion() -> None:
    chunks = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": "!"}, "finish_reason": "stop"}],
        },
    ]

    class AnyChunk(BaseModel, extra="allow"):
        id: str

    server = Server(stream_response(sse(*chunks)))
    client = SyncAPIClient(BASE_URL, transport=httpx.MockTransport(server))
    merger = ChunkMerger()
    with client.stream("POST", "/chat/completions", cast_to=AnyChunk) as stream:
        for chunk in stream:
            merger.handle_chunk(chunk.model_dump(exclude_unset=True))
    assert merger.result()["choices"][0]["message"] == {"role": "assistant", "content": "Hi!"}


def test_injected_clock_and_random_are_used() -> None:
    server = Server(httpx.Response(503), ok())
    calls: list[str] = []
    client = SyncAPIClient(BASE_URL, transport=httpx.MockTransport(server))
    sleeps: list[float] = []
    client.sleep = sleeps.append

    def clock() -> float:
        calls.append("clock")
        return NOW

    def rand() -> float:
        calls.append("rand")
        return 1.0

    client.clock, client.rand = clock, rand
    client.request("GET", "/x", cast_to=Completion)
    assert calls == ["clock", "rand"]
    assert sleeps == [0.375]


Factory = Callable[[], Any]


def test_sync_stream_closes_itself_on_exhaustion_and_error() -> None:
    body = sse(CHUNKS[0], done=False) + b"event: error\ndata: gone\n\n"
    server = Server(
        stream_response(sse(*CHUNKS)), stream_response(sse(*CHUNKS)), stream_response(body)
    )
    client = SyncAPIClient(BASE_URL, transport=httpx.MockTransport(server))
    listed = client.stream("POST", "/c", cast_to=Chunk)
    assert len(list(listed)) == 3
    assert listed.response.is_closed
    stepped = client.stream("POST", "/c", cast_to=Chunk)
    assert [next(stepped).n for _ in range(3)] == [0, 1, 2]
    with pytest.raises(StopIteration):
        next(stepped)
    assert stepped.response.is_closed
    failing = client.stream("POST", "/c", cast_to=Chunk)
    next(failing)
    with pytest.raises(StreamError, match="gone"):
        next(failing)
    assert failing.response.is_closed


def test_async_stream_closes_itself_on_exhaustion_and_error() -> None:
    body = sse(CHUNKS[0], done=False) + b"event: error\ndata: gone\n\n"

    async def run() -> None:
        server = Server(
            stream_response(sse(*CHUNKS), "async"),
            stream_response(sse(*CHUNKS), "async"),
            stream_response(body, "async"),
        )
        client = AsyncAPIClient(BASE_URL, transport=httpx.MockTransport(server))
        listed = await client.stream("POST", "/c", cast_to=Chunk)
        assert len([c async for c in listed]) == 3
        assert listed.response.is_closed
        stepped = await client.stream("POST", "/c", cast_to=Chunk)
        assert [(await stepped.__anext__()).n for _ in range(3)] == [0, 1, 2]
        with pytest.raises(StopAsyncIteration):
            await stepped.__anext__()
        assert stepped.response.is_closed
        failing = await client.stream("POST", "/c", cast_to=Chunk)
        await failing.__anext__()
        with pytest.raises(StreamError, match="gone"):
            await failing.__anext__()
        assert failing.response.is_closed

    asyncio.run(run())


def test_default_sleepers_really_sleep(mode: str) -> None:
    server = Server(httpx.Response(429, headers={"retry-after": "0"}), ok())
    transport = httpx.MockTransport(server)
    if mode == "sync":
        assert SyncAPIClient(BASE_URL, transport=transport).request("GET", "/x", cast_to=Completion)
    else:
        client = AsyncAPIClient(BASE_URL, transport=transport)
        assert asyncio.run(client.request("GET", "/x", cast_to=Completion))
    assert len(server.requests) == 2


def test_retry_policy_is_configurable(mode: str) -> None:
    server = Server(httpx.Response(500), httpx.Response(500), ok())
    harness = Harness(mode, server, max_retries=4)
    harness.client.retry_policy = RetryPolicy(max_retries=4, initial_delay=0.1, max_delay=0.15)
    assert harness.client.max_retries == 4
    assert harness.request().id == "c1"
    assert harness.sleeps == [0.1, 0.15]


def test_stream_chunk_mentioning_error_is_still_a_chunk(mode: str) -> None:
    server = Server(stream_response(sse({"id": "error", "n": 1}, {"id": "s", "n": 2}), mode))
    chunks, _ = Harness(mode, server).stream()
    assert chunks == [Chunk(id="error", n=1), Chunk(id="s", n=2)]


def test_stream_invalid_json_is_a_stream_error(mode: str) -> None:
    server = Server(stream_response(b"data: {not json\n\n", mode))
    with pytest.raises(StreamError, match="Invalid JSON"):
        Harness(mode, server).stream()
    assert server.responses[0].is_closed
