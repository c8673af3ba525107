"""build_ir: every naming and typing decision, checked on small documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from apiforge.codegen import ir
from apiforge.codegen.build import build_api
from apiforge.document.bundle import load_bundle
from apiforge.models.index import index_models
from apiforge.models.stage import generate_models
from apiforge.plan.operations import plan_models


def _written(tmp_path: Path, doc: dict[str, Any]) -> Path:
    spec = tmp_path / "doc.yaml"
    spec.write_text(yaml.safe_dump(doc))
    return spec


def api_of(tmp_path: Path, doc: dict[str, Any]) -> ir.Api:
    plan = plan_models(load_bundle(_written(tmp_path, doc)))
    index = index_models(generate_models(plan, "# header", "doc.yaml"))
    api, _ = build_api(plan, index, package="doc", spec_file="doc.yaml")
    return api


def doc(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
        **extra,
    }


OK = {"200": {"description": "ok"}}


def test_method_names_are_snake_case_unique_and_never_keywords(tmp_path: Path) -> None:
    api = api_of(
        tmp_path,
        doc(
            {
                "/a": {
                    "get": {"operationId": "listThings", "responses": OK},
                    "post": {"operationId": "list_things", "responses": OK},
                },
                "/b": {"get": {"operationId": "class", "responses": OK}, "put": {"responses": OK}},
            }
        ),
    )
    names = [op.method_name for op in api.operations]
    assert names == ["list_things", "list_things2", "class_", "put_b"]


def test_params_are_typed_and_cleaned(tmp_path: Path) -> None:
    api = api_of(
        tmp_path,
        doc(
            {
                "/u/{user-id}": {
                    "get": {
                        "operationId": "get",
                        "parameters": [
                            {
                                "name": "user-id",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "integer"},
                            },
                            {
                                "name": "from",
                                "in": "query",
                                "schema": {"type": "array", "items": {"type": "string"}},
                            },
                            {
                                "name": "X-Trace",
                                "in": "header",
                                "schema": {"type": ["string", "null"]},
                            },
                        ],
                        "responses": OK,
                    }
                },
            }
        ),
    )
    params = {p.wire_name: p for p in api.operations[0].params}
    assert params["user-id"].name == "user_id" and params["user-id"].annotation == "int"
    assert params["user-id"].required and params["user-id"].location == "path"
    assert params["from"].name == "from_" and params["from"].annotation == "list[str]"
    assert params["X-Trace"].annotation == "str | None" and not params["X-Trace"].required


def test_request_body_fields_unknown_properties_and_read_only_variant(tmp_path: Path) -> None:
    schemas = {
        "Cat": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string"},
                "secret": {"type": "string", "writeOnly": True},
            },
        }
    }
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Cat"}}},
    }
    resp = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Cat"}}},
        }
    }
    api = api_of(
        tmp_path,
        doc(
            {"/cats": {"post": {"operationId": "addCat", "requestBody": body, "responses": resp}}},
            schemas,
        ),
    )
    op = api.operations[0]
    assert op.body is not None and op.body.model == "CatRequest"
    assert [f.name for f in op.body.fields] == ["name", "secret"]
    assert op.body.unknown_properties == "reject"
    assert op.success is not None and op.success.model == "CatResponse"


def test_stream_is_found_from_the_event_stream_response(tmp_path: Path) -> None:
    schemas = {
        "Req": {
            "type": "object",
            "properties": {"stream": {"type": "boolean"}, "q": {"type": "string"}},
            "x-apiforge-unknown-properties": "ignore",
        },
        "Chunk": {"type": "object", "properties": {"delta": {"type": "string"}}},
        "Done": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    ref = lambda n: {"schema": {"$ref": f"#/components/schemas/{n}"}}  # noqa: E731
    op = {
        "operationId": "ask",
        "x-apiforge-stream": {"flag": "stream", "done": "[END]"},
        "requestBody": {"content": {"application/json": ref("Req")}},
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": ref("Done"), "text/event-stream": ref("Chunk")},
            }
        },
    }
    api = api_of(tmp_path, doc({"/ask": {"post": op}}, schemas))
    stream = api.operations[0].stream
    assert stream == ir.Stream(
        flag="stream",
        flag_field="stream",
        flag_arg="stream",
        chunk_model="Chunk",
        done="[END]",
        include_usage=None,
    )
    assert (
        api.operations[0].body is not None and api.operations[0].body.unknown_properties == "ignore"
    )


def test_inline_schemas_get_names_from_the_operation(tmp_path: Path) -> None:
    body = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}}
            }
        }
    }
    resp = {
        "200": {
            "description": "ok",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "integer"}}}
            },
        }
    }
    api = api_of(
        tmp_path,
        doc({"/x": {"post": {"operationId": "makeThing", "requestBody": body, "responses": resp}}}),
    )
    op = api.operations[0]
    assert op.body is not None and op.body.model == "MakeThingRequest"
    assert op.success is not None and op.success.model == "MakeThingResponse"


def test_security_and_error_envelope(tmp_path: Path) -> None:
    base = doc({"/x": {"get": {"operationId": "x", "responses": OK}}}, security=[{"key": []}])
    base["components"]["securitySchemes"] = {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"}
    }
    api = api_of(tmp_path, base)
    assert api.security == ir.Security("key", "header", "X-Key")
    assert api.operations[0].requires_auth
    assert (
        api.error_envelope.message == "/error/message"
    )  # the OpenAI shape when nothing is declared
    base["x-apiforge-error-envelope"] = {"message": "/message", "status": "/status"}
    api = api_of(tmp_path, base)
    assert (api.error_envelope.message, api.error_envelope.status, api.error_envelope.type) == (
        "/message",
        "/status",
        None,
    )


def test_shipped_dialects_carry_their_rules() -> None:
    from tests.helpers import REPO

    apis = {}
    for name in ("gateway", "provider", "sandbox"):
        plan = plan_models(load_bundle(REPO / "spec" / f"{name}.yaml"))
        index = index_models(generate_models(plan, "# h", name))
        apis[name], _ = build_api(plan, index, package=name, spec_file=name)
    gw, pv, sb = (apis[n].operations[0] for n in ("gateway", "provider", "sandbox"))
    assert gw.models_without_tools == ("perplexity/",)
    assert (
        gw.body is not None
        and gw.body.unknown_properties == "ignore"
        and "seed" in gw.body.ignored_parameters
    )
    assert pv.body is not None and pv.body.unknown_properties == "reject"
    assert pv.rate_limit == ir.RateLimit(10.0, 1)
    assert pv.stream is not None and pv.stream.include_usage == "/stream_options/include_usage"
    assert {e.status_code for e in pv.errors} == {400, 401, 429}
    assert sb.stream is not None and sb.requires_auth
    assert apis["gateway"].error_envelope.status == "/status"
    assert apis["gateway"].base_url == "https://app.meingpt.com/api/openai"


def test_names_that_would_hide_client_machinery_are_moved_aside(tmp_path: Path) -> None:
    """A body field `timeout` keeps working as a field; an operation `overload` keeps overloads working."""
    import importlib
    import inspect
    import sys

    from apiforge.pipeline import generate

    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["timeout"],
                    "properties": {
                        "timeout": {"type": "integer"},
                        "max_retries": {"type": "integer"},
                        "timeout_": {"type": "string"},
                    },
                }
            }
        },
    }
    stream_like = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    spec = tmp_path / "clash.yaml"
    spec.write_text(
        yaml.safe_dump(
            doc(
                {
                    "/o": {
                        "post": {
                            "operationId": "overload",
                            "requestBody": body,
                            "responses": stream_like,
                        }
                    }
                }
            )
        )
    )
    generate([spec], tmp_path / "out")
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        client = importlib.import_module("clash.client")
    finally:
        sys.path.remove(str(tmp_path / "out"))
    method = client.Client.overload_
    params = inspect.signature(method).parameters
    assert {"timeout_", "max_retries_", "timeout_2", "timeout", "max_retries"} <= set(params)
    import httpx

    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["body"] = request.content
        return httpx.Response(200, json={})

    with client.Client(
        base_url="http://test", api_key="k", transport=httpx.MockTransport(answer)
    ) as c:
        c.overload_(timeout_=5, max_retries_=1, timeout_2="x", timeout=3.0)
    assert yaml.safe_load(seen["body"]) == {"timeout": 5, "max_retries": 1, "timeout_": "x"}


def test_models_are_read_from_components_unless_a_schema_refers_into_paths(
    tmp_path: Path,
) -> None:
    """The model generator gets no paths (less to parse, the same models); a schema that refers
    into an operation keeps them, and its model is the body's, not a fallback for a lost ref."""
    from apiforge.models.input import model_input

    body = {"type": "object", "properties": {"id": {"type": "string"}}}
    operation = {
        "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": OK,
    }
    plain = doc({"/a": {"post": operation}}, {"Thing": {"type": "string"}})
    assert "paths" not in model_input(plain)
    assert model_input(plain)["components"] == plain["components"]
    pointing = doc(
        {"/a": {"post": operation}},
        {"Alias": {"$ref": "#/paths/~1a/post/requestBody/content/application~1json/schema"}},
    )
    kept = model_input(pointing)["paths"]["/a"]["post"]["requestBody"]["content"]
    assert kept["application/json"]["schema"]["properties"] == body["properties"]
    plan = plan_models(load_bundle(_written(tmp_path, pointing)))
    source = generate_models(plan, "# header", "doc.yaml")
    assert "    id: str | None = None" in source


def test_a_ref_with_describing_siblings_is_the_refs_class(tmp_path: Path) -> None:
    """`{$ref: Price, type: object}` or with a description (corrently.io's document) answers
    the component's own class; a sibling that constrains it still gets an alias of its own."""
    price = {"type": "object", "properties": {"sum": {"type": "number"}}}

    def answering(schema: dict[str, Any]) -> str | None:
        content = {"application/json": {"schema": schema}}
        get = {
            "operationId": "getPrice",
            "responses": {"200": {"description": "ok", "content": content}},
        }
        api = api_of(tmp_path, doc({"/price": {"get": get}}, {"Price": price}))
        op = api.operations[0]
        return op.success.model if op.success else None

    ref = "#/components/schemas/Price"
    assert answering({"$ref": ref, "type": "object"}) == "Price"
    assert answering({"$ref": ref, "description": "the price"}) == "Price"
    assert answering({"$ref": ref, "maxProperties": 3}) == "GetPriceResponse"


def test_a_response_class_the_model_generator_did_not_write_becomes_raw_json(
    tmp_path: Path,
) -> None:
    """The library folds some unions away (intellifi.nl's `SpotGet`): the operation then
    answers the JSON as it comes, with a warning at the operation, instead of naming a class
    that is not there."""
    price = {"type": "object", "properties": {"sum": {"type": "number"}}}
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Price"}}}
    get = {
        "operationId": "getPrice",
        "responses": {"200": {"description": "ok", "content": content}},
    }
    plan = plan_models(
        load_bundle(_written(tmp_path, doc({"/price": {"get": get}}, {"Price": price})))
    )
    index = index_models(generate_models(plan, "# header", "doc.yaml"))
    api, notes = build_api(plan, index, package="doc", spec_file="doc.yaml")
    assert api.operations[0].success is not None and api.operations[0].success.model == "Price"
    assert notes == []
    del index.classes["Price"]
    api, notes = build_api(plan, index, package="doc", spec_file="doc.yaml")
    assert api.operations[0].success is not None and api.operations[0].success.model is None
    [note] = notes
    assert note.pointer == "#/paths/~1price/get" and "'Price'" in note.message


def test_formats_that_need_other_packages_are_plain_strings(tmp_path: Path) -> None:
    """email and ulid would make the models import email-validator or python-ulid."""
    props = {
        "mail": {"type": "string", "format": "email"},
        "key": {"type": "string", "format": "ulid"},
    }
    spec = _written(tmp_path, doc({}, {"Thing": {"type": "object", "properties": props}}))
    source = generate_models(plan_models(load_bundle(spec)), "# header", "doc.yaml")
    assert "    mail: str | None = None" in source and "    key: str | None = None" in source


def _streaming_op(content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    schemas = {
        "Req": {"type": "object", "properties": {"stream": {"type": "boolean"}}},
        "Chunk": {"type": "object", "properties": {"delta": {"type": "string"}}},
        "Done": {"type": "object", "properties": {"text": {"type": "string"}}},
    }
    op = {
        "operationId": "ask",
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}
        },
        "responses": {"200": {"description": "ok", "content": content}},
        **extra,
    }
    return doc({"/ask": {"post": op}}, schemas)


def _ref(name: str, **extra: Any) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{name}"}, **extra}


def api_and_notes(tmp_path: Path, document: dict[str, Any]) -> tuple[ir.Api, list[str]]:
    plan = plan_models(load_bundle(_written(tmp_path, document)))
    index = index_models(generate_models(plan, "# header", "doc.yaml"))
    api, notes = build_api(plan, index, package="doc", spec_file="doc.yaml")
    return api, [n.message for n in notes]


def test_an_event_stream_written_first_in_any_case_is_not_the_result(tmp_path: Path) -> None:
    """`Text/Event-Stream` before `Application/JSON`: the chunk streams, the JSON is the result."""
    content = {"Text/Event-Stream": _ref("Chunk"), "Application/JSON; charset=utf-8": _ref("Done")}
    api, notes = api_and_notes(tmp_path, _streaming_op(content))
    op = api.operations[0]
    assert op.success is not None and op.success.model == "Done"
    assert op.stream is not None and op.stream.chunk_model == "Chunk"
    assert notes == []


def test_the_plan_files_each_body_once_reading_media_types_in_any_case(tmp_path: Path) -> None:
    """One walk decides what an operation sends and receives: `Text/Event-Stream; charset=utf-8`
    is the stream (its chunk's class, its sentinel), `Application/JSON` the result, an inline
    error body gets a class of its own, and a 3xx is neither a success nor an error."""
    sentinel = {"x-speakeasy-sse-sentinel": "[END]"}
    content = {"Text/Event-Stream; charset=utf-8": _ref("Chunk", **sentinel)}
    document = _streaming_op({**content, "Application/JSON": _ref("Done")})
    problem = {"type": "object", "properties": {"title": {"type": "string"}}}
    responses = document["paths"]["/ask"]["post"]["responses"]
    responses["400"] = {"description": "bad", "content": {"application/json": {"schema": problem}}}
    responses["302"] = {"description": "elsewhere"}
    [op] = plan_models(load_bundle(_written(tmp_path, document))).operations
    assert op.request is not None and [c.model for c in op.request.contents] == ["Req"]
    [success] = op.successes
    assert [(c.media_type, c.model) for c in success.contents] == [("Application/JSON", "Done")]
    assert [(e.status, e.model) for e in op.errors] == [("400", "AskErrorModel400")]
    assert op.stream.response is not None and op.stream.response.chunk == "Chunk"
    assert (op.stream.flag, op.stream.declared, op.stream.done) == ("stream", False, "[END]")
    assert op.stream.response.status == "200" and op.event_streams == (op.stream.response,)


def test_the_sentinel_comes_from_x_apiforge_stream_then_the_media_type_then_the_operation(
    tmp_path: Path,
) -> None:
    sentinel = "x-speakeasy-sse-sentinel"
    cases = [
        ({sentinel: "[OP]"}, {}, "[OP]"),
        ({sentinel: "[OP]"}, {sentinel: "[MEDIA]"}, "[MEDIA]"),
        (
            {sentinel: "[OP]", "x-apiforge-stream": {"done": "[EXT]"}},
            {sentinel: "[MEDIA]"},
            "[EXT]",
        ),
        ({}, {}, "[DONE]"),
    ]
    for index, (on_op, on_media, done) in enumerate(cases):
        content = {"text/event-stream": _ref("Chunk", **on_media)}
        (tmp_path / str(index)).mkdir()
        api, _notes = api_and_notes(tmp_path / str(index), _streaming_op(content, **on_op))
        assert api.operations[0].stream is not None
        assert api.operations[0].stream.done == done, (on_op, on_media)


def test_x_apiforge_stream_naming_a_missing_flag_is_said(tmp_path: Path) -> None:
    content = {"text/event-stream": _ref("Chunk")}
    document = _streaming_op(content, **{"x-apiforge-stream": {"flag": "streaming"}})
    api, notes = api_and_notes(tmp_path, document)
    assert api.operations[0].stream is None
    assert notes == [
        "x-apiforge-stream asks for an event stream, but the request body has no boolean"
        " `streaming`: the client does not stream"
    ]


def test_a_flag_that_is_no_boolean_asks_for_nothing(tmp_path: Path) -> None:
    """A `stream` property naming something else (a string) is no stream flag: no warning."""
    document = _streaming_op({"application/json": _ref("Done")})
    document["components"]["schemas"]["Req"]["properties"]["stream"] = {"type": "string"}
    api, notes = api_and_notes(tmp_path, document)
    assert api.operations[0].stream is None and notes == []


def _errors(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """An operation answering each (status, error schema) pair; a None schema has no content."""
    responses: dict[str, Any] = {"200": {"description": "ok"}}
    for status, schema in pairs:
        content = {"application/json": {"schema": schema}} if schema is not None else None
        responses[status] = {"description": "error", **({"content": content} if content else {})}
    return {"post": {"responses": responses}}


_DETAIL = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        }
    },
}
_CODE_MESSAGE = {
    "type": "object",
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}
_ENVELOPE = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {"message": {"type": "string"}}}},
}
_ENUM_CODE = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}, "code": {"type": "string", "enum": ["E1"]}},
}
_FIXED = {  # a constant, and a required property only null fills
    "type": "object",
    "required": ["type", "message", "request_id"],
    "properties": {
        "type": {"const": "error"},
        "message": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
    },
}
_UNFILLABLE = {
    "type": "object",
    "required": ["errorId", "message"],
    # a pattern and no example: no value of ours is known to fit errorId
    "properties": {
        "errorId": {"type": "string", "pattern": "^E[0-9]{6}$"},
        "message": {"type": "string"},
    },
    "additionalProperties": False,
}


def test_each_operation_refuses_with_its_documented_status_and_error_shape(tmp_path: Path) -> None:
    paths = {
        "/fastapi": _errors(("422", _DETAIL)),
        "/both": _errors(("422", _DETAIL), ("400", _ENVELOPE)),
        "/code": _errors(("400", _CODE_MESSAGE)),
        "/enum-code": _errors(("default", _ENUM_CODE)),
        "/range": _errors(("4XX", _CODE_MESSAGE), ("500", _DETAIL)),
        "/aws": _errors(("480", _CODE_MESSAGE)),
        "/fixed": _errors(("400", _FIXED)),
        "/no-body": _errors(("422", None)),
        "/nothing": _errors(),
    }
    found = {op.path: op.refusal for op in api_of(tmp_path, doc(paths)).operations}
    envelope = ir.ErrorBody()
    assert found == {
        "/fastapi": ir.Refusal(422, ir.ErrorBody("parts", (("/detail", "details"),))),
        "/both": ir.Refusal(400, envelope),
        "/code": ir.Refusal(
            400, ir.ErrorBody("parts", (("/message", "message"), ("/code", "status")))
        ),
        "/enum-code": ir.Refusal(400, ir.ErrorBody("parts", (("/message", "message"),))),
        "/range": ir.Refusal(
            400, ir.ErrorBody("parts", (("/message", "message"), ("/code", "status")))
        ),
        "/aws": ir.Refusal(400, envelope),
        "/fixed": ir.Refusal(
            400,
            ir.ErrorBody(
                "parts",
                (("/message", "message"), ("/request_id", "null")),
                (("/type", '"error"'),),  # the value as JSON text
            ),
        ),
        "/no-body": ir.Refusal(422, envelope),
        "/nothing": ir.Refusal(400, envelope),
    }


def test_a_schema_no_refusal_fits_keeps_the_envelope_and_is_said_once(tmp_path: Path) -> None:
    paths = {"/a": _errors(("400", _UNFILLABLE)), "/b": _errors(("400", _UNFILLABLE))}
    plan = plan_models(load_bundle(_written(tmp_path, doc(paths))))
    index = index_models(generate_models(plan, "# header", "doc.yaml"))
    api, notes = build_api(plan, index, package="doc", spec_file="doc.yaml")
    assert {op.refusal for op in api.operations} == {ir.Refusal(400, ir.ErrorBody())}
    said = [n for n in notes if n.rule == "refusal"]
    assert len(said) == 1 and "'errorId'" in said[0].message
    assert said[0].pointer == "#/paths/~1a/post/responses/400"


def test_a_path_item_given_by_ref_lends_its_parameters(tmp_path: Path) -> None:
    item = {
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        ],
        "get": {"operationId": "getItem", "responses": OK},
    }
    paths = {"/items/{id}": {"$ref": "#/components/pathItems/Item"}}
    api = api_of(tmp_path, doc(paths, {}, components={"pathItems": {"Item": item}}))
    assert [(p.wire_name, p.location, p.required) for p in api.operations[0].params] == [
        ("id", "path", True)
    ]
