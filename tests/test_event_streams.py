"""Event streams read one way everywhere (issue 21, classes 3, 4, 5 and 8): generated, served,
read back with the generated client and the openai SDK, and type-checked with mypy --strict."""

from __future__ import annotations

import asyncio
import copy
import importlib
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import openai
import pytest
import yaml

from apiforge.diff import diff_documents
from apiforge.document.event_streams import read_chunk
from apiforge.document.media import essence, is_event_stream, is_json
from tests.helpers import import_fresh, mypy_strict, run_cli

# A chat-completions document as Speakeasy writes one (Mistral's public document has this shape):
# the event stream's schema is the SSE event, whose `data` is the chunk, and the sentinel is named
# by x-speakeasy-sse-sentinel. Each test below writes a variant of it.
SPEC = """\
openapi: 3.1.0
info: {title: Events, version: "1"}
paths:
  /v1/chat/completions:
    post:
      operationId: chatCompletion
      requestBody:
        required: true
        content:
          JSON_MEDIA:
            schema: {$ref: "#/components/schemas/ChatRequest"}
      responses:
        "200":
          description: ok
          content:
            JSON_MEDIA:
              schema: {$ref: "#/components/schemas/ChatCompletion"}
            STREAM_MEDIA:
              schema: {$ref: "#/components/schemas/CompletionEvent"}
              x-speakeasy-sse-sentinel: "[DONE]"
components:
  schemas:
    ChatRequest:
      type: object
      required: [model, messages]
      properties:
        model: {type: string}
        messages:
          type: array
          items: {$ref: "#/components/schemas/Message"}
        stream: {type: boolean, default: false}
    Message:
      type: object
      required: [role]
      properties:
        role: {type: string}
        content: {type: string}
    ChatCompletion:
      type: object
      required: [id, object, created, model, choices]
      properties:
        id: {type: string}
        object: {type: string}
        created: {type: integer}
        model: {type: string}
        choices:
          type: array
          items:
            type: object
            required: [index, message]
            properties:
              index: {type: integer}
              message: {$ref: "#/components/schemas/Message"}
              finish_reason: {type: [string, "null"]}
    CompletionEvent:
      type: object
      required: [data]
      properties:
        data: {$ref: "#/components/schemas/CompletionChunk"}
    CompletionChunk:
      type: object
      required: [id, object, created, model, choices]
      properties:
        id: {type: string}
        object: {type: string}
        created: {type: integer}
        model: {type: string}
        choices:
          type: array
          items:
            type: object
            required: [index, delta]
            properties:
              index: {type: integer}
              delta:
                type: object
                properties:
                  role: {type: string}
                  content: {type: string}
              finish_reason: {type: [string, "null"]}
"""
JSON_ONLY = "application/json"
SENTINEL_ON_MEDIA = '              x-speakeasy-sse-sentinel: "[DONE]"\n'


def variant(**edits: str) -> str:
    """SPEC with its media types filled in (defaults: lower case) and `old=new` edits applied."""
    text = SPEC.replace("JSON_MEDIA", edits.pop("json_media", JSON_ONLY))
    text = text.replace("STREAM_MEDIA", edits.pop("stream_media", "text/event-stream"))
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


VARIANTS = {
    # class 3: the event written as the schema, the sentinel on the media type
    "events": variant(),
    # class 3: a sentinel of its own, named on the operation instead
    "sentinel": SPEC.replace("JSON_MEDIA", JSON_ONLY)
    .replace("STREAM_MEDIA", "text/event-stream")
    .replace(SENTINEL_ON_MEDIA, "")
    .replace(
        "      operationId: chatCompletion\n",
        '      operationId: chatCompletion\n      x-speakeasy-sse-sentinel: "[END]"\n',
    ),
    # class 8: media types in any case, with parameters
    "cased": variant(
        json_media="Application/JSON; charset=utf-8", stream_media="Text/Event-Stream"
    ),
    # class 5: streaming-only operations, `const: true` optional and `enum: [true]` required
    "const": variant(**{"stream: {type: boolean, default: false}": "stream: {const: true}"}),
    "enum_true": variant(
        **{
            "stream: {type: boolean, default: false}": "stream: {type: boolean, enum: [true]}",
            "required: [model, messages]": "required: [model, messages, stream]",
        }
    ),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Every variant generated by one `apiforge generate` run: (project folder, its output)."""
    project = tmp_path_factory.mktemp("events")
    (project / "spec").mkdir()
    for name, text in VARIANTS.items():
        (project / "spec" / f"{name}.yaml").write_text(text)
    specs = [f"spec/{name}.yaml" for name in VARIANTS]
    done = run_cli("generate", *specs, "--out", "out", cwd=project)
    assert done.returncode == 0, done.stderr
    return project, done.stdout + done.stderr


def package(project: Path, name: str) -> tuple[ModuleType, ModuleType, ModuleType]:
    """(client, server, models) of a generated variant, imported afresh."""
    server = import_fresh(project, f"out.{name}.server")
    assert isinstance(server, ModuleType)
    client = importlib.import_module(f"out.{name}.client")
    models = importlib.import_module(f"out.{name}.models")
    return client, server, models


class Handler:
    """Answers every request with three chunks when it streams, one completion when it does not."""

    def __init__(self, models: ModuleType) -> None:
        self.models = models

    def chunk(self, text: str | None, finish: str | None = None) -> Any:
        delta = {"content": text} if text is not None else {}
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        fields = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        return self.models.CompletionChunk.model_validate({**fields, "choices": [choice]})

    async def chat_completion(self, body: Any, context: Any) -> Any:
        if body.stream:
            return self.chunks()
        message = {"role": "assistant", "content": "Hello!"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        fields = {"id": "c1", "object": "chat.completion", "created": 1, "model": "m"}
        return self.models.ChatCompletion.model_validate({**fields, "choices": [choice]})

    async def chunks(self) -> AsyncIterator[Any]:
        for part in ("Hel", "lo!"):
            yield self.chunk(part)
        yield self.chunk(None, "stop")


REQUEST = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def served(project: Path, name: str) -> tuple[ModuleType, Callable[[], httpx.AsyncBaseTransport]]:
    """The variant's client module and a factory of transports into its generated server."""
    client, server, models = package(project, name)
    app = server.create_app(Handler(models))
    return client, lambda: httpx.ASGITransport(app=app)


async def raw_stream(transport: httpx.AsyncBaseTransport, body: dict[str, Any]) -> bytes:
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        answer = await http.post("/v1/chat/completions", json=body)
        assert answer.status_code == 200, answer.text
        assert is_event_stream(answer.headers["content-type"])
        return answer.content


async def client_chunks(client: ModuleType, transport: httpx.AsyncBaseTransport, **kw: Any) -> Any:
    async with client.AsyncClient("http://test", transport=transport, max_retries=0) as api:
        stream = await api.chat_completion(**REQUEST, **kw)
        return [chunk async for chunk in stream]


async def openai_chunks(transport: httpx.AsyncBaseTransport) -> list[str]:
    http = httpx.AsyncClient(transport=transport)
    sdk = openai.AsyncOpenAI(base_url="http://test/v1", api_key="k", http_client=http)
    async with sdk:
        stream = await sdk.chat.completions.create(stream=True, **REQUEST)  # type: ignore[call-overload]
        return [c.choices[0].delta.content or "" async for c in stream]


def data_lines(raw: bytes) -> list[str]:
    return [line.removeprefix("data: ") for line in raw.decode().splitlines() if line]


# --- class 3: the event written as the schema ----------------------------------------------------


def test_an_event_schema_streams_its_data_as_the_chunk(generated: tuple[Path, str]) -> None:
    """The server sends `data: {chunk}`, not `data: {"data": {chunk}}`; the generated client and
    the openai SDK both read those bytes as the chunks the handler yielded."""
    project, output = generated
    assert "events.yaml" not in output  # the shape is clear: nothing to warn about
    client, transport = served(project, "events")
    raw = asyncio.run(raw_stream(transport(), {**REQUEST, "stream": True}))
    *chunks, done = data_lines(raw)
    assert done == "[DONE]"
    assert [json.loads(c)["choices"][0]["delta"] for c in chunks] == [
        {"content": "Hel"},
        {"content": "lo!"},
        {},
    ]
    assert all("data" not in json.loads(c) for c in chunks)
    read = asyncio.run(client_chunks(client, transport(), stream=True))
    assert [type(c).__name__ for c in read] == ["CompletionChunk"] * 3
    assert "".join(c.choices[0].delta.content or "" for c in read) == "Hello!"
    assert asyncio.run(openai_chunks(transport())) == ["Hel", "lo!", ""]
    source = (project / "out" / "events" / "client.py").read_text()
    assert "Stream[models.CompletionChunk]" in source
    assert "CompletionEvent]" not in source


def test_a_sentinel_named_on_the_operation_ends_the_stream(generated: tuple[Path, str]) -> None:
    project, _output = generated
    client, transport = served(project, "sentinel")
    raw = asyncio.run(raw_stream(transport(), {**REQUEST, "stream": True}))
    assert data_lines(raw)[-1] == "[END]"
    read = asyncio.run(client_chunks(client, transport(), stream=True))  # stops at [END]
    assert "".join(c.choices[0].delta.content or "" for c in read) == "Hello!"


def test_an_ambiguous_event_shape_is_read_as_before_with_a_warning(tmp_path: Path) -> None:
    """`data` beside a property no SSE event has: the schema stays the chunk, and generate says
    so at the line of the stream's schema."""
    text = variant(
        **{
            '        data: {$ref: "#/components/schemas/CompletionChunk"}\n': (
                '        data: {$ref: "#/components/schemas/CompletionChunk"}\n'
                "        model: {type: string}\n"
            )
        }
    )
    spec = tmp_path / "odd.yaml"
    spec.write_text(text)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    line = 1 + text.splitlines().index(
        '              schema: {$ref: "#/components/schemas/CompletionEvent"}'
    )
    [warning] = [w for w in (done.stdout + done.stderr).splitlines() if "`data` beside" in w]
    assert re.search(rf"odd\.yaml:{line}:\d+: warning: ", warning), warning
    assert "`model`" in warning
    source = (tmp_path / "out" / "odd" / "client.py").read_text()
    assert "Stream[models.CompletionEvent]" in source  # today's reading, kept


@pytest.mark.parametrize(
    ("event", "steps", "doubt"),
    [
        ({"properties": {"data": {"$ref": "#/C"}}}, (("schema",), ("properties", "data")), False),
        (
            {"type": "object", "properties": {"data": {"$ref": "#/C"}, "event": {}, "id": {}}},
            (("schema",), ("properties", "data")),
            False,
        ),
        (
            {"properties": {"data": {"type": "string", "contentSchema": {"$ref": "#/C"}}}},
            (("schema",), ("properties", "data"), ("contentSchema",)),
            False,
        ),
        ({"properties": {"id": {}, "choices": {}}}, (("schema",),), False),  # a chunk
        ({"properties": {"data": {"$ref": "#/C"}, "model": {}}}, (("schema",),), True),
        ({"properties": {"data": {"type": "string"}, "event": {}}}, (("schema",),), True),
        ({"type": "array", "properties": {"data": {"$ref": "#/C"}}}, (("schema",),), False),
    ],
)
def test_which_schemas_are_read_as_the_event(
    event: dict[str, Any], steps: tuple[tuple[str, ...], ...], doubt: bool
) -> None:
    reading = read_chunk(
        {"schema": {"$ref": "#/E"}}, lambda n: event if n == {"$ref": "#/E"} else n
    )
    assert reading.steps == steps
    assert (reading.doubt is not None) is doubt


# --- class 4: a stream flag without an event stream ---------------------------------------------


@pytest.mark.parametrize("extension", [False, True])
def test_a_stream_flag_without_an_event_stream_is_said(tmp_path: Path, extension: bool) -> None:
    """Generate warns at the operation's line; the client promises no Stream."""
    stream = '            text/event-stream:\n              schema: {$ref: "#/components/schemas/'
    text = variant().replace(stream + 'CompletionEvent"}\n' + SENTINEL_ON_MEDIA, "")
    assert "event-stream" not in text
    if extension:
        text = text.replace(
            "      operationId: chatCompletion\n",
            "      operationId: chatCompletion\n      x-apiforge-stream: {flag: stream}\n",
        )
    spec = tmp_path / "plain.yaml"
    spec.write_text(text)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    [warning] = [w for w in (done.stdout + done.stderr).splitlines() if "text/event-stream" in w]
    line = 1 + text.splitlines().index("      operationId: chatCompletion")  # the operation's
    assert re.search(rf"plain\.yaml:{line}:\d+: warning: ", warning), warning
    assert ("x-apiforge-stream asks" in warning) is extension
    assert "(at #/paths/~1v1~1chat~1completions/post)" in warning
    source = (tmp_path / "out" / "plain" / "client.py").read_text()
    assert "Stream[" not in source.split("class Client(")[1]


# --- class 5: streaming-only operations ------------------------------------------------------------


def test_streaming_only_operations_pass_mypy_strict(generated: tuple[Path, str]) -> None:
    """`const: true` and `enum: [true]` flags, a flag with a default, and the rest: no errors."""
    project, _output = generated
    usage = project / "usage.py"
    usage.write_text(
        "from typing import assert_type\n"
        "from out.const.client import Client, Stream\n"
        "from out.const import models\n"
        "def use(api: Client) -> None:\n"
        "    m = [models.Message(role='user')]\n"
        "    assert_type(api.chat_completion(model='m', messages=m), Stream[models.CompletionChunk])\n"
        "    assert_type(api.chat_completion(models.ChatRequest(model='m', messages=m)), "
        "Stream[models.CompletionChunk])\n"
    )
    checked = mypy_strict(*[f"out/{name}" for name in VARIANTS], "usage.py", cwd=project)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("name", ["const", "enum_true"])
def test_a_streaming_only_operation_always_streams(generated: tuple[Path, str], name: str) -> None:
    project, _output = generated
    client, transport = served(project, name)
    read = asyncio.run(client_chunks(client, transport()))  # no `stream=True`: it always streams
    assert "".join(c.choices[0].delta.content or "" for c in read) == "Hello!"


# --- class 8: media types in any case -------------------------------------------------------------


def test_media_types_are_compared_without_case_or_parameters() -> None:
    assert essence(" Text/Event-Stream ; charset=utf-8") == "text/event-stream"
    assert is_event_stream("Text/Event-Stream")
    assert not is_event_stream("text/event-streams")
    assert is_json("Application/JSON; charset=utf-8")
    assert is_json("application/problem+json")
    assert not is_json("text/plain")


def test_cased_media_types_still_stream(generated: tuple[Path, str]) -> None:
    """`Text/Event-Stream` and `Application/JSON; charset=utf-8`: the stream is generated, served
    and read, and the plain answer is still the completion."""
    project, _output = generated
    source = (project / "out" / "cased" / "client.py").read_text()
    assert "Stream[models.CompletionChunk]" in source
    assert "content_type='Application/JSON; charset=utf-8'" in source or (
        'content_type="Application/JSON; charset=utf-8"' in source
    )
    client, transport = served(project, "cased")
    read = asyncio.run(client_chunks(client, transport(), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in read) == "Hello!"
    assert asyncio.run(openai_chunks(transport())) == ["Hel", "lo!", ""]

    async def plain() -> Any:
        async with client.AsyncClient("http://test", transport=transport(), max_retries=0) as api:
            return await api.chat_completion(**REQUEST)

    assert type(asyncio.run(plain())).__name__ == "ChatCompletion"


def test_diff_reads_the_event_as_generate_does() -> None:
    """A 3.1 event (`data: {$ref: Chunk}`) moved to 3.2's itemSchema is no change; a property
    removed from the chunk is breaking, found inside `data`."""
    old = yaml.safe_load(variant())
    new = copy.deepcopy(old)
    new["openapi"] = "3.2.0"
    media = new["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    chunk = {"$ref": "#/components/schemas/CompletionChunk"}
    data = {"type": "string", "contentMediaType": "application/json", "contentSchema": chunk}
    media["text/event-stream"] = {"itemSchema": {"type": "object", "properties": {"data": data}}}
    assert diff_documents(old, new).changes == ()
    smaller = copy.deepcopy(old)
    del smaller["components"]["schemas"]["CompletionChunk"]["properties"]["model"]
    [change] = diff_documents(old, smaller).changes
    assert change.breaking
    assert change.old_pointer is not None and "/schema/properties/data/properties/model" in (
        change.old_pointer
    )


# --- the flag's keyword argument --------------------------------------------------------------------


def test_a_flag_named_like_a_call_option_streams_by_its_own_keyword(tmp_path: Path) -> None:
    """x-apiforge-stream's flag `timeout` is the keyword `timeout_` (`timeout` is the per-call
    option) in every overload, so the client compiles, and `timeout_=True` streams."""
    text = variant(
        **{
            "stream: {type: boolean, default: false}": "timeout: {type: boolean, default: false}",
            "      operationId: chatCompletion\n": (
                "      operationId: chatCompletion\n      x-apiforge-stream: {flag: timeout}\n"
            ),
        }
    )
    (tmp_path / "flagged.yaml").write_text(text)
    done = run_cli("generate", "flagged.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    client = import_fresh(tmp_path, "out.flagged.client")
    assert isinstance(client, ModuleType)
    sent: list[Any] = []
    chunk = {"id": "c1", "object": "chunk", "created": 1, "model": "m", "choices": []}
    events = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=events)

    with client.Client("http://test", transport=httpx.MockTransport(answer)) as api:
        chunks = list(api.chat_completion(**REQUEST, timeout_=True))
    assert [type(c).__name__ for c in chunks] == ["CompletionChunk"]
    assert sent == [{**REQUEST, "timeout": True}]
    source = (tmp_path / "out" / "flagged" / "client.py").read_text()
    assert "`timeout_=True` streams" in source
