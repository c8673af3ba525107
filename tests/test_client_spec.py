"""A client generated from a spec unlike ours: path, query and header parameters, an apiKey header,
a non-object body, no body, no success model, an unauthenticated operation and hostile names."""

from __future__ import annotations

import ast
import asyncio
import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from apiforge.output.format import ruff_binary
from apiforge.pipeline import generate

SPEC = """
openapi: 3.1.0
info:
  title: Inventory "quoted" \\ title
  version: "1"
servers:
  - url: https://inventory.test/api
security:
  - ApiKey: []
x-apiforge-error-envelope:
  message: /detail
paths:
  /items:
    post:
      operationId: createItem
      summary: Create an item \"\"\" with quotes
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewItem"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        "422":
          description: Invalid
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Problem"}
    get:
      operationId: list
      parameters:
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200":
          description: Items
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ItemList"}
  /items/{item_id}:
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getItem
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
        - {name: X-Request-Id, in: header, required: true, schema: {type: string}}
      responses:
        "200":
          description: The item
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
        "404":
          description: Missing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Problem"}
    delete:
      operationId: deleteItem
      responses:
        "204": {description: Deleted}
  /items/{item_id}/tags:
    put:
      operationId: setTags
      parameters:
        - {name: item_id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Tags"}
      responses:
        "204": {description: Saved}
  /generate:
    post:
      operationId: generate
      x-apiforge-stream: {flag: stream, done: "[END]"}
      parameters:
        - {name: session, in: cookie, schema: {type: string}}
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: "#/components/schemas/GenerateRequest"}
      responses:
        "200":
          description: Text, or with stream true an event stream of pieces
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Generated"}
            text/event-stream:
              schema: {$ref: "#/components/schemas/Piece"}
  /health:
    get:
      operationId: health
      security: []
      responses:
        "200":
          description: OK
          content:
            text/plain:
              schema: {type: string}
components:
  securitySchemes:
    ApiKey: {type: apiKey, in: header, name: X-API-Key}
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
        tags: {type: array, items: {type: string}}
    ItemList:
      type: array
      items: {$ref: "#/components/schemas/Item"}
    NewItem:
      type: object
      required: [name]
      properties:
        name: {type: string}
        body: {type: string}
        type: {type: string, enum: [tool, part]}
        count: {type: integer}
    Tags:
      type: array
      items: {type: string}
    GenerateRequest:
      type: object
      properties:
        prompt: {type: string}
        stream: {type: boolean}
    Generated:
      type: object
      properties:
        text: {type: string}
    Piece:
      type: object
      required: [text]
      properties:
        text: {type: string}
    Problem:
      type: object
      properties:
        detail: {type: string}
"""

ITEM = {"id": "i1", "name": "bolt", "tags": ["a"]}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("spec")
    spec = root / "inventory.yaml"
    spec.write_text(SPEC)
    out = root / "out"
    generate([spec], out)
    sys.path.insert(0, str(out))
    try:
        yield out / "inventory"
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "inventory" or m.startswith("inventory.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def client_module(package: Path) -> ModuleType:
    return importlib.import_module("inventory.client")


@pytest.fixture(scope="module")
def models(package: Path) -> ModuleType:
    return importlib.import_module("inventory.models")


class Server:
    """A MockTransport handler: records each request, answers from a route table."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.raw_path.decode().split("?")[0]
        if path == "/api/items/missing":
            return httpx.Response(404, json={"detail": "no such item"})
        if path == "/api/generate" and b'"stream":true' in request.content:
            events = b'data: {"text": "a"}\n\ndata: {"text": "b"}\n\ndata: [END]\n\ndata: {}\n\n'
            return httpx.Response(
                200, content=events, headers={"content-type": "text/event-stream"}
            )
        if path == "/api/generate":
            return httpx.Response(200, json={"text": "ab"})
        if path == "/api/health":
            return httpx.Response(200, text="ok")
        if request.method in ("DELETE", "PUT"):
            return httpx.Response(204)
        if path == "/api/items" and request.method == "GET":
            return httpx.Response(200, json=[ITEM])
        if path == "/api/items":
            body = json.loads(request.content)
            if body.get("count") == -1:
                return httpx.Response(422, json={"detail": "count must be positive"})
            return httpx.Response(201, json={"id": "new", "name": body["name"]})
        return httpx.Response(200, json=ITEM)


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest, client_module: ModuleType) -> Callable[..., Any]:
    """call(server, method, *args, **kwargs): one call on a fresh Client or AsyncClient."""

    def sync(server: Server, method: str, *args: Any, **kwargs: Any) -> Any:
        transport = httpx.MockTransport(server)
        with client_module.Client(api_key="k1", transport=transport, max_retries=0) as client:
            return getattr(client, method)(*args, **kwargs)

    def async_(server: Server, method: str, *args: Any, **kwargs: Any) -> Any:
        async def run() -> Any:
            transport = httpx.MockTransport(server)
            async with client_module.AsyncClient(
                api_key="k1", transport=transport, max_retries=0
            ) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    return sync if request.param == "sync" else async_


def test_path_query_and_header_parameters(call: Callable[..., Any], models: ModuleType) -> None:
    server = Server()
    item = call(server, "get_item", item_id="a/b c", x_request_id="r1", verbose=True)
    assert item == models.Item.model_validate(ITEM)
    [request] = server.requests
    assert request.method == "GET"
    assert request.url.raw_path == b"/api/items/a%2Fb%20c?verbose=true"
    assert request.headers["x-request-id"] == "r1"
    assert request.headers["x-api-key"] == "k1"
    assert "authorization" not in request.headers
    assert request.content == b""


def test_unset_optional_parameters_are_left_out(call: Callable[..., Any]) -> None:
    server = Server()
    call(server, "get_item", item_id="i1", x_request_id="r1")
    assert server.requests[0].url.raw_path == b"/api/items/i1"


def test_repeated_query_parameter_and_a_renamed_method(
    call: Callable[..., Any], models: ModuleType
) -> None:
    server = Server()
    items = call(server, "list_", tag=["x", "y"], limit=2)
    assert items.root == [models.Item.model_validate(ITEM)]
    assert server.requests[0].url.params.multi_items() == [
        ("tag", "x"),
        ("tag", "y"),
        ("limit", "2"),
    ]


def test_object_body_from_keywords_or_a_model(call: Callable[..., Any], models: ModuleType) -> None:
    server = Server()
    created = call(server, "create_item", name="nut", body="text", type="tool")
    assert isinstance(created, models.Item) and created.name == "nut"
    call(server, "create_item", models.NewItem(name="washer"))
    call(server, "create_item", models.NewItem(name="washer", count=3), count=4)
    bodies = [json.loads(r.content) for r in server.requests]
    assert bodies == [
        {"name": "nut", "body": "text", "type": "tool"},
        {"name": "washer"},
        {"name": "washer", "count": 4},
    ]
    assert server.requests[0].headers["content-type"] == "application/json"


def test_non_object_body_and_no_success_model(call: Callable[..., Any], models: ModuleType) -> None:
    server = Server()
    tags_model = next(getattr(models, n) for n in ("Tags", "SetTagsRequest") if hasattr(models, n))
    assert call(server, "set_tags", tags_model(["a", "b"]), item_id="i1") is None
    assert call(server, "delete_item", item_id="i1") is None
    put, delete = server.requests
    assert (put.method, put.url.raw_path, json.loads(put.content)) == (
        "PUT",
        b"/api/items/i1/tags",
        ["a", "b"],
    )
    assert (delete.method, delete.content, "content-type" in delete.headers) == (
        "DELETE",
        b"",
        False,
    )


def test_optional_body_stream_with_its_own_sentinel_and_a_cookie(
    call: Callable[..., Any], client_module: ModuleType, models: ModuleType
) -> None:
    server = Server()
    assert call(server, "generate") == models.Generated(text="ab")
    assert server.requests[0].content == b""
    pieces = call(server, "generate", prompt="p", stream=True, session="s 1")
    assert pieces.__class__ in (client_module.Stream, client_module.AsyncStream)
    streamed = server.requests[1]
    assert json.loads(streamed.content) == {"prompt": "p", "stream": True}
    assert streamed.headers["cookie"] == "session=s%201"
    assert streamed.headers["accept"] == "text/event-stream"


def test_streamed_pieces_end_at_the_specs_sentinel(client_module: ModuleType) -> None:
    with client_module.Client(api_key="k1", transport=httpx.MockTransport(Server())) as client:
        with client.generate(prompt="p", stream=True) as stream:
            assert [piece.text for piece in stream] == ["a", "b"]
        assert stream.response.is_closed


def test_operation_without_security_sends_no_key(call: Callable[..., Any]) -> None:
    server = Server()
    assert call(server, "health") is None
    assert "x-api-key" not in server.requests[0].headers


def test_errors_use_the_specs_envelope(
    call: Callable[..., Any], client_module: ModuleType, models: ModuleType
) -> None:
    with pytest.raises(client_module.NotFoundError) as caught:
        call(Server(), "get_item", item_id="missing", x_request_id="r1")
    assert caught.value.body == models.Problem(detail="no such item")
    assert str(caught.value) == "Error code: 404 - no such item"
    with pytest.raises(client_module.UnprocessableEntityError, match="count must be positive"):
        call(Server(), "create_item", name="nut", count=-1)


def test_spec_text_stays_data(client_module: ModuleType) -> None:
    assert client_module.Client.__doc__.startswith('Inventory "quoted" \\ title')
    assert 'Create an item """ with quotes' in client_module.Client.create_item.__doc__


def test_client_imports_only_its_package_and_libraries(package: Path) -> None:
    tree = ast.parse((package / "client.py").read_text())
    absolute = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert absolute <= {"__future__", "collections.abc", "functools", "typing", "httpx"}


def test_generated_client_passes_ruff(package: Path) -> None:
    done = subprocess.run(
        [ruff_binary(), "check", "--isolated", "--select", "E,F,W,I,UP,B,SIM", "--ignore", "E501"]
        + [str(package / "client.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
