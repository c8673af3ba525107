"""Findings of bench/fidelity.py about routes and parameters, each run through a generated package.

The more specific of two templates wins (Google's `/v1alpha1/{name}` beside `{name}:updateSigned`);
a path parameter survives whatever text its schema allows; header parameters named Content-Type or
Accept are ignored, as OpenAPI says; the client finds a FastAPI-shaped refusal's message.
"""

from __future__ import annotations

import asyncio
import importlib
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiforge.codegen import ir
from apiforge.plan.routes import place, serving_order
from apiforge.runtime.client.errors import DEFAULT_MESSAGE_POINTERS, extract_message
from apiforge.runtime.client.request import fill_path
from apiforge.serve import load_server_module
from tests.helpers import run_cli


def _json(ref: str, description: str = "ok") -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": _json(ref)["content"]}


STRING = {"type": "string"}
NAME = {"name": "name", "in": "path", "required": True, "schema": STRING}

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Order", "version": "1"},
    "paths": {
        "/v1alpha1/{name}": {
            "patch": {
                "operationId": "UpdateThing",
                "parameters": [NAME],
                "requestBody": _body("Named"),
                "responses": {"200": _json("Thing")},
            }
        },
        "/v1alpha1/{name}:updateSigned": {
            "patch": {
                "operationId": "UpdateSigned",
                "parameters": [NAME],
                "requestBody": _body("Numbered"),
                "responses": {"200": _json("Thing")},
            }
        },
        "/items/{id}": {
            "post": {
                "operationId": "PostItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "Content-Type",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "accept", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": _body("Named"),
                "responses": {"200": _json("Thing")},
            }
        },
        "/blog/{pageName}{extension}": {  # healthcare.gov's, bufferapp's: no text between
            "get": {
                "operationId": "BlogPage",
                "parameters": [
                    {"name": "pageName", "in": "path", "required": True, "schema": STRING},
                    {
                        "name": "extension",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": [".json", ".md"]},
                    },
                ],
                "responses": {"200": _json("Thing")},
            }
        },
        "/fastapi": {
            "get": {
                "operationId": "Limited",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {
                    "200": _json("Thing"),
                    "422": _json("HTTPValidationError", "Validation Error"),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Named": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
            "Numbered": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
            },
            "Thing": {"type": "object", "properties": {"via": {"type": "string"}}},
            "ValidationError": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
            "HTTPValidationError": {
                "type": "object",
                "properties": {
                    "detail": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/ValidationError"},
                    }
                },
            },
        }
    },
}


class Recorder:
    def __init__(self, models: ModuleType) -> None:
        self.models = models
        self.calls: list[tuple[str, Any, Any]] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        async def method(*args: Any) -> Any:
            body = next((a for a in args if hasattr(a, "model_dump")), None)
            params = next((a for a in args if hasattr(a, "__dataclass_fields__")), None)
            dumped = body.model_dump(by_alias=True, exclude_unset=True) if body else None
            self.calls.append((name, dumped, params))
            return self.models.Thing(via=name)

        return method


Built = tuple[ModuleType, ModuleType, ModuleType, str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("order")
    spec = root / "order.yaml"
    spec.write_text(yaml.safe_dump(DOC, sort_keys=False))
    out = root / "order_pkgs"
    done = run_cli("generate", str(spec), "--out", str(out))
    assert done.returncode == 0, done.stderr
    server = load_server_module("order", out)
    client = importlib.import_module(f"{out.name}.order.client")
    models = importlib.import_module(f"{out.name}.order.models")
    return client, server, models, done.stdout + done.stderr


def _call(built: Built, talk: Any) -> tuple[Any, Recorder]:
    client, server, models, _ = built
    recorder = Recorder(models)
    transport = httpx.ASGITransport(app=server.create_app(recorder))

    async def go() -> Any:
        async with client.AsyncClient("http://t", transport=transport) as c:
            return await talk(c)

    return asyncio.run(go()), recorder


def test_the_more_specific_template_wins(built: Built) -> None:
    async def talk(c: Any) -> list[Any]:
        return [await c.update_signed(id=1, name="x"), await c.update_thing(name="x", name2="y")]

    results, recorder = _call(built, talk)
    assert [r.via for r in results] == ["update_signed", "update_thing"]
    assert [(n, b) for n, b, _ in recorder.calls] == [
        ("update_signed", {"id": 1}),
        ("update_thing", {"name": "x"}),
    ]


@pytest.mark.parametrize(
    ("page", "extension"), [("notes", ".md"), ("notes.md", ".json"), ("a.json.x", ".md")]
)
def test_two_parameters_without_text_between_split_where_the_enum_says(
    built: Built, page: str, extension: str
) -> None:
    """`/blog/notes.md.json`: the extension takes only its listed values, the page the rest
    (Starlette's greedy split gave the page `notes.md.jso`, and a 400 for `n`)."""

    async def talk(c: Any) -> Any:
        return await c.blog_page(page_name=page, extension=extension)

    result, recorder = _call(built, talk)
    assert result.via == "blog_page"
    params = recorder.calls[0][2]
    assert (params.page_name, params.extension) == (page, extension)


def test_content_type_and_accept_parameters_are_ignored_with_a_warning(built: Built) -> None:
    *_, stderr = built

    async def talk(c: Any) -> Any:
        return await c.post_item(name="n", id="i")

    result, recorder = _call(built, talk)
    assert result.via == "post_item" and recorder.calls[0][1] == {"name": "n"}
    assert "header parameter 'Content-Type' is ignored" in stderr
    assert "header parameter 'accept' is ignored" in stderr
    assert "order.yaml:" in stderr.split("'Content-Type' is ignored")[0].splitlines()[-1]


SEGMENT = st.text(min_size=1, max_size=12).filter(lambda t: "/" not in t and t not in (".", ".."))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=SEGMENT)
def test_a_path_parameter_arrives_as_sent(built: Built, value: str) -> None:
    async def talk(c: Any) -> Any:
        return await c.post_item(name="n", id=value)

    _, recorder = _call(built, talk)
    assert recorder.calls[0][2].id == value


def test_the_client_reads_a_fastapi_shaped_refusal(built: Built) -> None:
    client = built[0]

    async def talk(c: Any) -> Any:
        with pytest.raises(client.UnprocessableEntityError) as caught:
            await c.limited(limit="many")
        return caught.value

    error, _ = _call(built, talk)
    assert "integer" in error.message and "{" not in error.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"detail": [{"loc": ["query", "x"], "msg": "Field required", "type": "missing"}]},
            "Field required",
        ),
        ({"detail": "Not Found"}, "Not Found"),
        ({"type": "about:blank", "title": "Bad Request", "detail": "x is wrong"}, "x is wrong"),
        ({"type": "about:blank", "title": "Bad Request"}, "Bad Request"),
    ],
)
def test_default_pointers_find_fastapi_and_problem_messages(body: Any, message: str) -> None:
    assert extract_message(body, DEFAULT_MESSAGE_POINTERS) == message


def test_a_reserved_expansion_keeps_its_slashes() -> None:
    values = {"name": "projects/p 1/x", "id": "a/b"}
    assert fill_path("/v1/{+name}/{id}", values) == "/v1/projects/p%201/x/a%2Fb"


def _op(path: str, route: str, index: int) -> tuple[ir.Operation, str]:
    op = ir.Operation(
        f"op{index}",
        f"op{index}",
        f"Op{index}",
        "GET",
        path,
        "",
        (),
        None,
        None,
        (),
        None,
        False,
        (),
        None,
        route=route,
    )
    return op, f"#/paths/{index}"


def test_serving_order_puts_literal_text_first_and_reserved_expansions_last() -> None:
    paths = ["/v1/{name}", "/v1/{+name}", "/v1/{+parent}/things", "/v1/{name}:sign", "/v1/me"]
    ordered, notes = serving_order([_op(p, p, i) for i, p in enumerate(paths)])
    assert [op.route for op in ordered] == [
        "/v1/{+parent}/things",
        "/v1/{name}:sign",
        "/v1/me",
        "/v1/{name}",
        "/v1/{+name}",
    ]
    assert notes == []


def test_operations_nothing_tells_apart_warn_and_the_first_wins() -> None:
    ops = [_op("/a#x", "/a", 0), _op("/a#y", "/a", 1)]
    ordered, notes = serving_order(ops)
    assert [op.path for op in ordered] == ["/a#x"]
    assert notes and notes[0][0] == "#/paths/1" and "'op0'" in notes[0][1]


def test_place_reads_fragments_queries_and_templated_query_values() -> None:
    lat = ir.Param("lat", "lat", "path", "float", True, "")
    target = ir.Param("x_amz_target", "X-Amz-Target", "header", "str", True, "")
    placed = place("/alerts?lat={lat}&v=2", (lat,), {})
    assert placed.route == "/alerts"
    assert placed.params[0].location == "query"
    assert placed.fixed_query == (("v", "2"),)
    placed = place("/#x-amz-target=Svc.Op&deprecated!", (target,), {})
    assert placed.route == "/"
    assert placed.selector == ir.RouteSelector(
        (ir.RouteCondition("header", "X-Amz-Target", "Svc.Op"),)
    )
    assert placed.params[0].fixed == "Svc.Op"
    assert placed.fixed_query == ()
