"""The generated clients of every dialect, sync and async, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from apiforge.codegen.build import CLIENT_MEMBERS
from tests.chat_stub import DIALECTS, RETRY_DATE, USAGE, ChatStub, completion, error_body

NOW = 1_700_000_000.0
ERROR_MODEL = {"gateway": "GatewayError", "provider": "ProviderError", "sandbox": "ProviderError"}


def client_module(dialect: str) -> ModuleType:
    return importlib.import_module(f"generated.{dialect}.client")


class Driver:
    """One dialect's Client or AsyncClient, called through plain functions; sleeps are recorded."""

    def __init__(self, dialect: str, mode: str, stub: ChatStub, **kwargs: Any) -> None:
        self.dialect, self.mode, self.stub = dialect, mode, stub
        self.module = client_module(dialect)
        self.models = importlib.import_module(f"generated.{dialect}.models")
        self.key = uuid.uuid4().hex
        self.sleeps: list[float] = []
        self.clock = NOW
        self.kwargs: dict[str, Any] = {
            "base_url": f"{stub.url}/{dialect}",
            "api_key": "sk-test",
            "default_headers": {"X-Test-Key": self.key},
            **kwargs,
        }

    @property
    def requests(self) -> list[Any]:
        return self.stub.requests[self.key]

    def messages(self) -> list[BaseModel]:
        return [self.models.ChatMessage(role="user", content="Hi")]

    def _setup(self, client: Any) -> None:
        client.clock = lambda: self.clock
        client.rand = lambda: 0.0
        if self.mode == "sync":
            client.sleep = self.sleeps.append
        else:

            async def record(delay: float) -> None:
                self.sleeps.append(delay)

            client.sleep = record

    def create(self, *args: Any, **kwargs: Any) -> Any:
        """create_chat_completion on a fresh client; messages default to one user turn."""
        if not args:
            kwargs.setdefault("messages", self.messages())
        if self.mode == "sync":
            with self.module.Client(**self.kwargs) as client:
                self._setup(client)
                return client.create_chat_completion(*args, **kwargs)

        async def run() -> Any:
            async with self.module.AsyncClient(**self.kwargs) as client:
                self._setup(client)
                return await client.create_chat_completion(*args, **kwargs)

        return asyncio.run(run())

    def stream(self, *args: Any, limit: int | None = None, **kwargs: Any) -> tuple[list[Any], Any]:
        """(chunks, stream) of a streamed call, read inside the stream's context manager."""
        if not args:
            kwargs.setdefault("messages", self.messages())
        kwargs["stream"] = True
        chunks: list[Any] = []
        if self.mode == "sync":
            with self.module.Client(**self.kwargs) as client:
                self._setup(client)
                with client.create_chat_completion(*args, **kwargs) as stream:
                    for chunk in stream:
                        chunks.append(chunk)
                        if len(chunks) == limit:
                            break
                return chunks, stream

        async def run() -> tuple[list[Any], Any]:
            async with self.module.AsyncClient(**self.kwargs) as client:
                self._setup(client)
                stream = await client.create_chat_completion(*args, **kwargs)
                async with stream:
                    async for chunk in stream:
                        chunks.append(chunk)
                        if len(chunks) == limit:
                            break
                return chunks, stream

        return asyncio.run(run())

    def usage_options(self) -> dict[str, Any]:
        """What asks the dialect for a final usage chunk (only the provider needs asking)."""
        if self.dialect == "provider":
            return {"stream_options": self.models.StreamOptions(include_usage=True)}
        return {}


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def driver(dialect: str, mode: str, chat_stub: ChatStub) -> Driver:
    return Driver(dialect, mode, chat_stub)


# -- plain and streamed completions -----------------------------------------------------------


def test_plain_completion_is_typed(driver: Driver) -> None:
    result = driver.create(model="gpt-test", temperature=0.5)
    assert isinstance(result, driver.models.ChatCompletion)
    assert result == driver.models.ChatCompletion.model_validate(completion("gpt-test", False))
    assert result.choices[0].message.content == "Hello there!"
    [sent] = driver.requests
    assert sent.path == f"/{driver.dialect}/v1/chat/completions"
    assert sent.body == {
        "messages": [{"role": "user", "content": "Hi"}],
        "model": "gpt-test",
        "temperature": 0.5,
    }
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"


def test_request_model_form(driver: Driver) -> None:
    body = driver.models.CreateChatCompletionRequest(model="gpt-test", messages=driver.messages())
    assert driver.create(body).choices[0].message.content == "Hello there!"
    chunks, _ = driver.stream(body, **driver.usage_options())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there!"
    assert [r.body.get("stream") for r in driver.requests] == [None, True]


def test_dicts_are_accepted_at_run_time_and_bad_input_fails_before_sending(driver: Driver) -> None:
    assert driver.create(model="m", messages=[{"role": "user", "content": "Hi"}]).id == "chatcmpl-1"
    with pytest.raises(ValidationError):
        driver.create(model="m", messages=[{"role": "nobody", "content": "Hi"}])
    assert len(driver.requests) == 1


def test_stream_of_typed_chunks_merges_into_the_plain_completion(driver: Driver) -> None:
    chunks, stream = driver.stream(model="gpt-test", **driver.usage_options())
    assert all(isinstance(c, driver.models.ChatCompletionChunk) for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there!"
    assert chunks[-1].usage == driver.models.Usage.model_validate(USAGE)
    assert stream.response.is_closed
    merged = driver.module.merge_chunks(chunks)
    assert merged == driver.create(model="gpt-test")
    stream_request = driver.requests[0]
    assert stream_request.headers["accept"] == "text/event-stream"
    assert stream_request.body["stream"] is True


@pytest.mark.parametrize("dialect", ["gateway", "provider"])
def test_tool_calls_streamed_and_merged(driver: Driver) -> None:
    plain = driver.create(model="tools")
    calls = plain.choices[0].message.tool_calls
    assert [(c.id, c.function.name) for c in calls] == [
        ("call_1", "get_weather"),
        ("call_2", "get_time"),
    ]
    assert plain.choices[0].finish_reason == "tool_calls"
    chunks, _ = driver.stream(model="tools", **driver.usage_options())
    assert any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert driver.module.merge_chunks(chunks) == plain


def test_stream_closed_on_break(driver: Driver) -> None:
    chunks, stream = driver.stream(model="gpt-test", limit=1)
    assert len(chunks) == 1
    assert stream.response.is_closed


def test_sync_stream_closed_when_dropped_early(chat_stub: ChatStub) -> None:
    driver = Driver("provider", "sync", chat_stub)
    with driver.module.Client(**driver.kwargs) as client:
        stream = client.create_chat_completion(model="m", messages=driver.messages(), stream=True)
        for _ in stream:
            break
        assert stream.response.is_closed
        assert client.create_chat_completion(model="m", messages=driver.messages()).id


# -- errors -----------------------------------------------------------------------------------

STATUS_ERRORS = [
    (400, "BadRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionDeniedError"),
    (404, "NotFoundError"),
    (409, "ConflictError"),
    (422, "UnprocessableEntityError"),
    (429, "RateLimitError"),
    (500, "InternalServerError"),
    (503, "InternalServerError"),
    (418, "APIStatusError"),
]


@pytest.mark.parametrize(("status", "name"), STATUS_ERRORS)
def test_error_status_raises_its_class_with_the_dialects_body(
    dialect: str, mode: str, chat_stub: ChatStub, status: int, name: str
) -> None:
    driver = Driver(dialect, mode, chat_stub, max_retries=0)
    cls = getattr(driver.module, name)
    with pytest.raises(cls) as caught:
        driver.create(model=f"error-{status}")
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, driver.module.APIStatusError)
    assert isinstance(error, driver.module.APIError)
    assert error.status_code == status
    assert error.headers["content-type"] == "application/json"
    error_model = getattr(driver.models, ERROR_MODEL[dialect])
    assert isinstance(error.body, error_model)
    assert error.body == error_model.model_validate(
        error_body(dialect, status, f"failed with {status}")
    )
    assert str(error) == f"Error code: {status} - failed with {status}"
    assert len(driver.requests) == 1


def test_error_body_is_parsed_by_the_dialects_model(dialect: str, chat_stub: ChatStub) -> None:
    driver = Driver(dialect, "sync", chat_stub, max_retries=0)
    with pytest.raises(driver.module.BadRequestError) as caught:
        driver.create(model="error-400")
    body = caught.value.body
    if dialect == "gateway":
        assert (body.status, body.message) == ("400", "failed with 400")
    else:
        assert (body.error.message, body.error.type, body.error.code) == (
            "failed with 400",
            "invalid_request_error",
            "c400",
        )


def test_bad_api_key_is_an_authentication_error(driver: Driver) -> None:
    driver.kwargs["api_key"] = "bad-key"
    with pytest.raises(driver.module.AuthenticationError, match="invalid API key"):
        driver.create(model="m")


def test_errors_are_the_runtimes_classes(dialect: str) -> None:
    module = client_module(dialect)
    runtime = importlib.import_module(f"generated.{dialect}._runtime.client")
    for name in [*(n for _, n in STATUS_ERRORS), "APIConnectionError", "APITimeoutError"]:
        assert getattr(module, name) is getattr(runtime, name)
        assert name in module.__all__
    assert issubclass(module.APITimeoutError, module.APIConnectionError)
    assert module.Stream is runtime.Stream and module.AsyncStream is runtime.AsyncStream


# -- retries and timeouts ---------------------------------------------------------------------


def test_retry_after_seconds(driver: Driver) -> None:
    assert driver.create(model="retry-after-seconds").id == "chatcmpl-1"
    assert len(driver.requests) == 3
    assert driver.sleeps == [2.0, 2.0]


def test_retry_after_ms(driver: Driver) -> None:
    assert driver.create(model="retry-after-ms").id == "chatcmpl-1"
    assert (len(driver.requests), driver.sleeps) == (2, [0.25])


def test_retry_after_http_date(driver: Driver) -> None:
    driver.clock = RETRY_DATE - 3
    assert driver.create(model="retry-after-date").id == "chatcmpl-1"
    assert driver.sleeps == [3.0]


def test_retried_stream_establishment(driver: Driver) -> None:
    chunks, _ = driver.stream(model="retry-after-ms")
    assert chunks and driver.sleeps == [0.25]


def test_backoff_then_give_up(driver: Driver) -> None:
    with pytest.raises(driver.module.InternalServerError, match="overloaded"):
        driver.create(model="overloaded")
    assert len(driver.requests) == 3
    assert driver.sleeps == [0.5, 1.0]


def test_max_retries_zero_and_per_request_override(
    dialect: str, mode: str, chat_stub: ChatStub
) -> None:
    driver = Driver(dialect, mode, chat_stub, max_retries=0)
    with pytest.raises(driver.module.RateLimitError) as caught:
        driver.create(model="retry-after-seconds")
    assert caught.value.headers["retry-after"] == "2"
    assert (len(driver.requests), driver.sleeps) == (1, [])
    assert driver.create(model="retry-after-seconds", max_retries=5).id == "chatcmpl-1"
    assert driver.sleeps == [2.0]

    driver = Driver(dialect, mode, chat_stub)
    with pytest.raises(driver.module.InternalServerError):
        driver.create(model="overloaded", max_retries=0)
    assert len(driver.requests) == 1


def test_dropped_connection_is_retried(driver: Driver) -> None:
    assert driver.create(model="drop-first").id == "chatcmpl-1"
    assert (len(driver.requests), driver.sleeps) == (2, [0.5])


def test_connection_refused(dialect: str, mode: str, chat_stub: ChatStub) -> None:
    with socket_on_closed_port() as url:
        driver = Driver(dialect, mode, chat_stub, base_url=url, max_retries=1)
        with pytest.raises(driver.module.APIConnectionError) as caught:
            driver.create(model="m")
    assert type(caught.value) is driver.module.APIConnectionError
    assert driver.sleeps == [0.5]


def test_timeout_of_the_client_and_of_one_call(driver: Driver) -> None:
    driver.kwargs.update(timeout=0.2, max_retries=0)
    with pytest.raises(driver.module.APITimeoutError):
        driver.create(model="slow")
    driver.kwargs.update(timeout=30.0, max_retries=2)
    with pytest.raises(driver.module.APITimeoutError):
        driver.create(model="slow", timeout=0.2, max_retries=0)
    assert len(driver.requests) == 2


def test_timeout_mid_stream(driver: Driver) -> None:
    driver.kwargs.update(timeout=0.2)
    with pytest.raises(driver.module.APITimeoutError):
        driver.stream(model="slow-stream")
    assert len(driver.requests) == 1


# -- configuration ----------------------------------------------------------------------------


def test_base_url_and_key_from_the_environment(
    driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = driver.dialect.upper()
    monkeypatch.setenv(f"{prefix}_BASE_URL", driver.kwargs.pop("base_url"))
    monkeypatch.setenv(f"{prefix}_API_KEY", "sk-env")
    driver.kwargs.pop("api_key")
    driver.create(model="m")
    assert driver.requests[-1].headers["authorization"] == "Bearer sk-env"
    driver.kwargs["api_key"] = "sk-explicit"
    driver.create(model="m")
    assert driver.requests[-1].headers["authorization"] == "Bearer sk-explicit"


@pytest.mark.parametrize(
    ("dialect", "url"),
    [
        ("gateway", "https://app.meingpt.com/api/openai"),
        ("provider", "http://127.0.0.1:8000"),
        ("sandbox", "http://sandbox.mintlify.com"),
    ],
)
def test_base_url_falls_back_to_the_specs_server(
    dialect: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = dialect.upper()
    monkeypatch.delenv(f"{prefix}_BASE_URL", raising=False)
    monkeypatch.setenv(f"{prefix}_API_KEY", "")
    module = client_module(dialect)
    with module.Client() as client:
        assert (client.base_url, client.api_key, client.max_retries) == (url, None, 2)
    monkeypatch.setenv(f"{prefix}_BASE_URL", "http://elsewhere.test")
    with module.Client("http://explicit.test", "sk-1", max_retries=5) as client:
        assert (client.base_url, client.api_key, client.max_retries) == (
            "http://explicit.test",
            "sk-1",
            5,
        )


def test_headers_default_and_per_call(driver: Driver) -> None:
    driver.kwargs["default_headers"] = {**driver.kwargs["default_headers"], "X-Org": "o1"}
    driver.create(model="m", extra_headers={"X-Trace": "t1"})
    headers = driver.requests[0].headers
    assert (headers["x-org"], headers["x-trace"]) == ("o1", "t1")
    assert headers["user-agent"].startswith("apiforge-runtime/")


def test_context_managers_close_the_connections(dialect: str, chat_stub: ChatStub) -> None:
    driver = Driver(dialect, "sync", chat_stub)
    with driver.module.Client(**driver.kwargs) as client:
        client.create_chat_completion(model="m", messages=driver.messages())
    assert client._client.is_closed
    with pytest.raises(RuntimeError):
        client.create_chat_completion(model="m", messages=driver.messages())

    async def run() -> Any:
        async with driver.module.AsyncClient(**driver.kwargs) as aclient:
            await aclient.create_chat_completion(model="m", messages=driver.messages())
        return aclient

    assert asyncio.run(run())._client.is_closed


def test_an_injected_transport_is_used(dialect: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=completion("m", False))

    module = client_module(dialect)
    models = importlib.import_module(f"generated.{dialect}.models")
    message = models.ChatMessage(role="user", content="Hi")
    with module.Client("https://api.test/x", "k", transport=httpx.MockTransport(handler)) as c:
        assert c.create_chat_completion(model="m", messages=[message]).id == "chatcmpl-1"
    assert str(seen[0].url) == "https://api.test/x/v1/chat/completions"


def test_client_members_are_reserved_from_method_names(dialect: str) -> None:
    """A spec operation named like a client member would replace it: build_ir renames those."""
    module = client_module(dialect)
    with module.Client("http://127.0.0.1:1") as client:
        public = {name for name in dir(client) if not name.startswith("_")}
    methods = {"create_chat_completion"}
    assert public - methods <= CLIENT_MEMBERS


class socket_on_closed_port:
    """A base URL on 127.0.0.1 where nothing listens."""

    def __enter__(self) -> str:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
