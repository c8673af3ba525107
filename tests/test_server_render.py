"""server.py for a spec unlike ours: parameters, no body, no stream, no security, odd names."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apiforge.pipeline import generate
from apiforge.serve import load_server_module
from tests.helpers import REPO, mypy_strict

SPEC = '''\
openapi: 3.1.0
info: {title: "Odd \\"things\\" API", version: "2"}
security: [{Key: []}]
paths:
  /v1/models/{model-id}:
    parameters:
      - {name: model-id, in: path, required: true, schema: {type: string}}
    get:
      operationId: handler
      summary: 'Look up a model """ with quotes'
      security: []
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Model"}
  /v1/things/{id}:
    delete:
      operationId: deleteThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "204": {description: gone}
  /v1/echo:
    post:
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Note"}
      responses:
        "201":
          description: made
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
components:
  securitySchemes:
    Key: {type: apiKey, in: header, name: X-API-Key}
  schemas:
    Model:
      type: object
      required: [id]
      properties:
        id: {type: string}
        limit: {type: integer}
        tags: {type: array, items: {type: string}}
    Note:
      type: object
      properties:
        text: {type: string}
'''


class OddHandler:
    def __init__(self, server: Any, models: Any) -> None:
        self.server = server
        self.models = models
        self.seen: list[Any] = []

    async def handler(self, params: Any, context: Any) -> Any:
        self.seen.append((params, context.api_key))
        return self.models.Model(id=params.model_id, limit=params.limit, tags=params.tag)

    async def delete_thing(self, params: Any, context: Any) -> None:
        if params.id == 404:
            raise self.server.ApiError(404, "no such thing", code="not_found")

    async def post_v1_echo(self, body: Any, context: Any) -> Any:
        self.seen.append(body)
        return body if body is not None else self.models.Note(text="nothing")


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = tmp_path_factory.mktemp("odd")
    spec = root / "odd_api.yaml"
    spec.write_text(SPEC)
    out = root / "pkgs"
    generate([spec], out)
    return out, load_server_module("odd_api", out)


def test_renders_the_handler_protocol_and_parameters(odd: tuple[Path, Any]) -> None:
    out, server = odd
    source = (out / "odd_api" / "server.py").read_text()
    assert "class HandlerModelParams:" in source  # `Handler` is taken, so the prefix is longer
    assert "async def handler(" in source and "async def delete_thing(" in source
    assert "body: models.Note | None" in source
    assert '"""Look up a model \\"\\"\\" with quotes"""' in source
    assert server.AUTH.kind == "header"


def test_generated_server_is_strictly_typed(odd: tuple[Path, Any]) -> None:
    out, _ = odd
    done = mypy_strict(str(out / "odd_api"), cwd=REPO, reuse_cache=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_parameters_reach_the_handler(odd: tuple[Path, Any]) -> None:
    _, server = odd
    models = sys.modules[server.__name__.removesuffix(".server") + ".models"]
    handler = OddHandler(server, models)
    client = TestClient(server.create_app(handler))
    answer = client.get("/v1/models/gpt-x?limit=5&tag=a&tag=b", headers={"X-Trace": "t"})
    assert answer.status_code == 200
    assert answer.json() == {"id": "gpt-x", "limit": 5, "tags": ["a", "b"]}
    params, key = handler.seen[0]
    assert (params.model_id, params.limit, params.tag, params.x_trace) == (
        "gpt-x",
        5,
        ["a", "b"],
        "t",
    )
    assert key is None  # the operation needs no key
    bad = client.get("/v1/models/gpt-x?limit=five")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("Invalid value for query parameter 'limit'")


def test_auth_from_an_api_key_header_and_empty_answers(odd: tuple[Path, Any]) -> None:
    _, server = odd
    models = sys.modules[server.__name__.removesuffix(".server") + ".models"]
    client = TestClient(server.create_app(OddHandler(server, models), api_keys=["k1"]))
    assert client.delete("/v1/things/3").status_code == 401
    assert client.delete("/v1/things/3", headers={"X-API-Key": "nope"}).status_code == 401
    gone = client.delete("/v1/things/3", headers={"X-API-Key": "k1"})
    assert (gone.status_code, gone.content) == (204, b"")
    missing = client.delete("/v1/things/404", headers={"X-API-Key": "k1"})
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"message": "no such thing", "type": "invalid_request_error", "code": "not_found"}
    }
    not_int = client.delete("/v1/things/x", headers={"X-API-Key": "k1"})
    assert not_int.status_code == 400
    assert "path parameter 'id'" in not_int.json()["error"]["message"]


def test_optional_body(odd: tuple[Path, Any]) -> None:
    _, server = odd
    models = sys.modules[server.__name__.removesuffix(".server") + ".models"]
    handler = OddHandler(server, models)
    client = TestClient(server.create_app(handler, api_keys=["k1"]))
    key = {"X-API-Key": "k1"}
    empty = client.post("/v1/echo", headers=key)
    assert (empty.status_code, empty.json()) == (201, {"text": "nothing"})
    echoed = client.post("/v1/echo", headers=key, json={"text": "hi"})
    assert (echoed.status_code, echoed.json()) == (201, {"text": "hi"})


def test_the_mock_answers_501_where_it_has_nothing_to_say(odd: tuple[Path, Any]) -> None:
    from apiforge.serve.mock import mock_handler

    _, server = odd
    client = TestClient(server.create_app(mock_handler(server), api_keys=["k1"]))
    answer = client.delete("/v1/things/1", headers={"X-API-Key": "k1"})
    assert answer.status_code == 501
    assert "deleteThing" in answer.json()["error"]["message"]


def test_output_is_deterministic(odd: tuple[Path, Any], tmp_path: Path) -> None:
    out, _ = odd
    spec = tmp_path / "odd_api.yaml"
    spec.write_text(textwrap.dedent(SPEC))
    again = tmp_path / "pkgs"
    generate([spec], again)
    first = (out / "odd_api" / "server.py").read_text()
    assert (again / "odd_api" / "server.py").read_text() == first
