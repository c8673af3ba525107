"""`apiforge serve` for each dialect on 127.0.0.1, called with the official openai SDK."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import jsonschema
import openai
import pydantic
import pytest

from tests.helpers import APIFORGE, REPO, run_cli
from tests.openapi32 import generate_package

GATEWAY_KEY = "gw-secret"
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "unit": {"type": "string", "enum": ["c", "f"]},
                "hourly": {"type": "boolean"},
            },
            "required": ["city", "days", "unit"],
            "additionalProperties": False,
        },
    },
}
HELLO = [{"role": "user", "content": "Hello there, general Kenobi!"}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Served:
    """One `python -m apiforge serve` process, up until `stop()`."""

    def __init__(self, name: str, *flags: str, log: Path, out: Path = REPO / "generated") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [*APIFORGE, "serve", name, "--port", str(self.port)]
        command += ["--out", str(out), *flags]
        with open(log, "wb") as sink:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                httpx.get(self.base + "/", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log.read_text()}")

    def client(self, key: str) -> Any:
        """The SDK's client; typed Any because its overloads do not know our dialects' shapes."""
        return openai.OpenAI(base_url=self.base + "/v1", api_key=key, max_retries=0)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


PROVIDERS = ["provider", "provider32"]  # provider32: served from the OpenAPI 3.2 copy's package
FLAGS = {
    "provider": (),  # any non-empty key; the spec's rate limit, 10 per second
    "provider32": (),
    "gateway": ("--api-key", GATEWAY_KEY),
    "sandbox": ("--workers", "2"),
}


class Servers:
    """Each dialect's server, started when a test first asks for it (pytest -n runs fewer)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, Served] = {}

    def __getitem__(self, name: str) -> Served:
        if name not in self.started:
            log = self.logs / f"{name}.log"
            if name == "provider32":
                out = generate_package(self.logs / "openapi32")
                served = Served("provider", *FLAGS[name], log=log, out=out)
            else:
                served = Served(name, *FLAGS[name], log=log)
            self.started[name] = served
            served.wait_ready()
        return self.started[name]

    def stop(self) -> None:
        for served in self.started.values():
            served.stop()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = Servers(tmp_path_factory.mktemp("serve"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(params=PROVIDERS)
def provider(servers: Servers, request: pytest.FixtureRequest) -> Any:
    """A key of its own per test: the provider's rate limit is per key."""
    return servers[request.param].client(f"sk-{request.node.name}")


@pytest.fixture
def gateway(servers: Servers) -> Any:
    return servers["gateway"].client(GATEWAY_KEY)


def streamed_text(stream: Any) -> tuple[str, list[Any]]:
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return text, chunks


@pytest.mark.parametrize("dialect", [*PROVIDERS, "gateway", "sandbox"])
def test_plain_and_streamed_answers_agree(servers: Servers, dialect: str) -> None:
    client = servers[dialect].client(GATEWAY_KEY)
    plain = client.chat.completions.create(model="m", messages=HELLO)
    assert plain.choices[0].message.content == HELLO[0]["content"]
    assert plain.choices[0].finish_reason == "stop"
    usage = plain.usage
    assert usage is not None
    assert usage.prompt_tokens + usage.completion_tokens == usage.total_tokens > 0
    text, chunks = streamed_text(
        client.chat.completions.create(model="m", messages=HELLO, stream=True)
    )
    assert text == plain.choices[0].message.content
    assert len(chunks) > 3
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def test_provider_usage_has_total_time_and_a_final_usage_chunk(provider: Any) -> None:
    plain = provider.chat.completions.create(model="m", messages=HELLO)
    assert plain.usage is not None
    assert (plain.usage.model_extra or {}).get("total_time", -1) >= 0
    text, chunks = streamed_text(
        provider.chat.completions.create(
            model="m",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert text == HELLO[0]["content"]
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.total_tokens == plain.usage.total_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_provider_developer_role_and_reasoning_effort(provider: Any) -> None:
    answer = provider.chat.completions.create(
        model="reasoner",
        messages=[
            {"role": "developer", "content": "Answer briefly."},
            {"role": "user", "content": "Why is the sky blue?"},
        ],
        reasoning_effort="high",
    )
    assert answer.model == "reasoner"
    assert answer.choices[0].message.content == "Why is the sky blue?"


@pytest.mark.parametrize("dialect", [*PROVIDERS, "gateway"])
def test_tool_call_arguments_fit_the_schema(servers: Servers, dialect: str) -> None:
    client = servers[dialect].client(GATEWAY_KEY)
    options: dict[str, Any] = {}
    if dialect == "gateway":  # the provider's spec has no tool_choice
        options["tool_choice"] = {"type": "function", "function": {"name": "get_weather"}}
    answer = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "Weather in Bonn?"}],
        tools=[WEATHER],
        **options,
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 1
    call: Any = calls[0]
    assert call.function.name == "get_weather"
    jsonschema.validate(json.loads(call.function.arguments), WEATHER["function"]["parameters"])
    _, chunks = streamed_text(
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "Weather in Bonn?"}],
            tools=[WEATHER],
            stream=True,
            **options,
        )
    )
    pieces = [
        tc.function.arguments or ""
        for c in chunks
        if c.choices
        for tc in c.choices[0].delta.tool_calls or []
        if tc.function is not None
    ]
    assert "".join(pieces) == call.function.arguments


def test_gateway_tool_choice_none_answers_with_text(gateway: Any) -> None:
    answer = gateway.chat.completions.create(
        model="m",
        messages=HELLO,
        tools=[WEATHER],
        tool_choice="none",
    )
    assert answer.choices[0].message.content == HELLO[0]["content"]


def test_tools_to_a_model_without_tools_is_400_on_the_gateway(gateway: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        gateway.chat.completions.create(
            model="perplexity/sonar",
            messages=HELLO,
            tools=[WEATHER],
        )
    body: Any = caught.value.body
    assert body["status"] == "400"
    assert "perplexity/sonar" in body["message"]
    plain = gateway.chat.completions.create(model="perplexity/sonar", messages=HELLO)
    assert plain.choices[0].message.content


def test_unknown_parameters_dropped_by_the_gateway(gateway: Any) -> None:
    answer = gateway.chat.completions.create(
        model="m",
        messages=HELLO,
        top_p=0.5,
        seed=7,
        extra_body={"frobnicate": True},
    )
    assert answer.choices[0].message.content == HELLO[0]["content"]


def test_unknown_parameters_rejected_by_the_provider(provider: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        provider.chat.completions.create(
            model="m",
            messages=HELLO,
            extra_body={"frobnicate": True},
        )
    body: Any = caught.value.body  # the SDK hands over the inner `error` object
    assert body["type"] == "invalid_request_error"
    assert body["code"] == "unknown_parameter"
    assert "'frobnicate'" in body["message"]


@pytest.mark.parametrize("provider_name", PROVIDERS)
def test_invalid_input_is_400_in_each_envelope(servers: Servers, provider_name: str) -> None:
    bad: list[Any] = [{"role": "robot", "content": "x"}]
    with pytest.raises(openai.BadRequestError) as provider_error:
        servers[provider_name].client("sk-400").chat.completions.create(model="m", messages=bad)
    provider_body: Any = provider_error.value.body
    assert "'messages[0].role'" in provider_body["message"]
    with pytest.raises(openai.BadRequestError) as gateway_error:
        servers["gateway"].client(GATEWAY_KEY).chat.completions.create(model="m", messages=bad)
    body: Any = gateway_error.value.body
    assert set(body) == {"status", "message"} and body["status"] == "400"
    assert "'messages[0].role'" in body["message"]


def test_sandbox_refuses_the_developer_role(servers: Servers) -> None:
    with pytest.raises(openai.BadRequestError):
        servers["sandbox"].client("k").chat.completions.create(
            model="m", messages=[{"role": "developer", "content": "x"}]
        )


@pytest.mark.parametrize("provider_name", PROVIDERS)
def test_missing_or_wrong_key_is_401(servers: Servers, provider_name: str) -> None:
    with pytest.raises(openai.AuthenticationError) as wrong:
        servers["gateway"].client("not-the-key").chat.completions.create(
            model="m",
            messages=HELLO,
        )
    assert wrong.value.body == {"status": "401", "message": "Incorrect API key provided."}
    with pytest.raises(openai.AuthenticationError) as missing:
        servers[provider_name].client("unsent").chat.completions.create(
            model="m",
            messages=HELLO,
            extra_headers={"Authorization": openai.Omit()},
        )
    missing_body: Any = missing.value.body
    assert missing_body["code"] == "missing_api_key"


def test_provider_rate_limit_is_429_with_retry_after(provider: Any) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        for _ in range(60):  # the spec allows 10 per second, in bursts of 10
            provider.chat.completions.create(model="m", messages=HELLO)
    assert int(caught.value.response.headers["retry-after"]) >= 1
    body: Any = caught.value.body
    assert body["code"] == "rate_limit_exceeded"


def test_missing_package_is_exit_2(tmp_path: Path) -> None:
    done = run_cli("serve", "nothing", "--out", str(tmp_path), env={"NO_COLOR": "1"}, timeout=60)
    assert done.returncode == 2
    assert "no generated package 'nothing'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("dialect", [*PROVIDERS, "gateway"])
def test_async_openai_plain_stream_tools_and_errors(servers: Servers, dialect: str) -> None:
    """`AsyncOpenAI` sees what `OpenAI` sees: the same answer, chunks, tool call and typed error."""
    served = servers[dialect]
    key = GATEWAY_KEY if dialect == "gateway" else f"sk-async-{dialect}"

    async def session() -> None:
        async with openai.AsyncOpenAI(
            base_url=served.base + "/v1", api_key=key, max_retries=0
        ) as client:
            plain = await client.chat.completions.create(model="m", messages=HELLO)
            assert plain.choices[0].message.content == HELLO[0]["content"]
            stream = await client.chat.completions.create(model="m", messages=HELLO, stream=True)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert text == plain.choices[0].message.content
            options: dict[str, Any] = {}
            if dialect == "gateway":
                options["tool_choice"] = {"type": "function", "function": {"name": "get_weather"}}
            called = await client.chat.completions.create(
                model="m", messages=HELLO, tools=[WEATHER], **options
            )
            call: Any = (called.choices[0].message.tool_calls or [None])[0]
            assert call is not None and call.function.name == "get_weather"
            jsonschema.validate(
                json.loads(call.function.arguments), WEATHER["function"]["parameters"]
            )
        async with openai.AsyncOpenAI(
            base_url=served.base + "/v1", api_key="not-the-key", max_retries=0
        ) as stranger:
            unsent = {"Authorization": openai.Omit()} if dialect in PROVIDERS else {}
            with pytest.raises(openai.AuthenticationError) as caught:
                await stranger.chat.completions.create(
                    model="m", messages=HELLO, extra_headers=unsent
                )
            assert caught.value.status_code == 401

    asyncio.run(session())


class Forecast(pydantic.BaseModel):
    city: str
    days: int
    unit: Literal["c", "f"]
    hourly: bool | None


def test_structured_outputs_parse_into_the_callers_model(provider: Any) -> None:
    """`parse(response_format=Model)`: the mock answers a minimal valid instance of its schema."""
    completions = (
        getattr(provider.chat.completions, "parse", None) or provider.beta.chat.completions.parse
    )
    parsed = completions(model="m", messages=HELLO, response_format=Forecast)
    forecast = parsed.choices[0].message.parsed
    assert isinstance(forecast, Forecast)
    assert Forecast.model_validate_json(parsed.choices[0].message.content) == forecast
    with provider.chat.completions.stream(
        model="m", messages=HELLO, response_format=Forecast
    ) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_completion()
    assert "content.done" in events and final.choices[0].message.parsed == forecast
    as_object = provider.chat.completions.create(
        model="m", messages=HELLO, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(as_object.choices[0].message.content), dict)
