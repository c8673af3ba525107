"""A refused request gets the operation's documented status, in a body its documented schema accepts.

One generated package, one operation per way a document describes (or leaves out) its errors; each
is sent invalid bodies and parameters, and every answer is checked against the spec's own schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from apiforge.document.json_schema import to_json_schema
from apiforge.document.walk import deref
from apiforge.pipeline import generate
from apiforge.serve import load_server_module

THING = {"$ref": "#/components/schemas/Thing"}
OK = {"description": "ok", "content": {"application/json": {"schema": THING}}}


def _json(schema: dict[str, Any], description: str = "error") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


# path -> (documented error responses, expected status of a refusal)
CASES: dict[str, tuple[dict[str, Any], int]] = {
    "/provider": ({"400": _json(_ref("ProviderError")), "422": _json(_ref("CodeMessage"))}, 400),
    "/fastapi": ({"422": _json(_ref("HTTPValidationError"))}, 422),
    "/code-message": ({"400": _json(_ref("CodeMessage"))}, 400),
    "/nested": ({"400": _json(_ref("GoogleError"))}, 400),
    "/anthropic": ({"4XX": _json(_ref("AnthropicError"))}, 400),
    "/openai": ({"400": _json(_ref("OpenAIError"))}, 400),
    "/range": ({"4XX": _json(_ref("Problem")), "default": _json(_ref("CodeMessage"))}, 400),
    "/default": ({"default": _json(_ref("CodeMessage"))}, 400),
    "/aws": ({"480": _json(_ref("CodeMessage"), "ValidationException")}, 400),
    "/nothing": ({}, 400),
    "/unfillable": ({"400": _json(_ref("Unfillable"))}, 400),
    # what the schema offers: an enum's member, a required property's example or plainest value
    "/enums": ({"400": _json(_ref("EnumError"))}, 400),
    "/required-extras": ({"422": _json(_ref("GitHubValidationError"))}, 422),
    "/branches-by-status": ({"400": _json(_ref("StatusBranches"))}, 400),
    "/listed": ({"400": _json(_ref("ErrorList"))}, 400),
    "/errors-array": ({"400": _json(_ref("JsonApiErrors"))}, 400),
}

UNFILLABLE = {"/unfillable"}  # the envelope, with a warning: see the test below
SPEECHLESS = {"/enums"}  # the schema has no place for a message: only its own words

SCHEMAS: dict[str, Any] = {
    "Thing": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "n": {"type": "integer"}},
    },
    "ProviderError": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "code": {"type": "string"},
                },
            }
        },
    },
    "CodeMessage": {  # open, like most: the envelope would pass, but says nothing where it reads
        "type": "object",
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
    },
    "GoogleError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "integer", "format": "int32"},
                    "message": {"type": "string"},
                    "status": {"type": "string"},
                },
            }
        },
    },
    # a constant, a required nullable property, and an error object that is one of several
    "AnthropicError": {
        "type": "object",
        "required": ["type", "error", "request_id"],
        "properties": {
            "type": {"type": "string", "enum": ["error"]},
            "request_id": {"type": "string", "nullable": True},
            "error": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["type", "message"],
                        "properties": {
                            "type": {"type": "string", "enum": ["not_found_error"]},
                            "message": {"type": "string"},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["type", "message"],
                        "properties": {
                            "type": {"type": "string", "enum": ["invalid_request_error"]},
                            "message": {"type": "string"},
                        },
                    },
                ]
            },
        },
    },
    # the envelope, but every property required, `param` and `code` nullable
    "OpenAIError": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["type", "message", "param", "code"],
                "properties": {
                    "code": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                    "param": {"type": "string", "nullable": True},
                    "type": {"type": "string"},
                },
            }
        },
    },
    "Problem": {
        "type": "object",
        "required": ["title", "status"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
    "Unfillable": {  # a pattern and no example: no value of ours is known to match
        "type": "object",
        "required": ["requestId", "message"],
        "additionalProperties": False,
        "properties": {
            "requestId": {"type": "string", "pattern": "^req_[0-9a-f]{8}$"},
            "message": {"type": "string"},
        },
    },
    # apisetu.gov.in's 400: only enums, nothing required (`{}` would validate, and say nothing)
    "EnumError": {
        "type": "object",
        "properties": {
            "error": {"type": "string", "enum": ["missing_parameter", "invalid_parameter"]},
            "errorDescription": {
                "type": "string",
                "enum": ["Please provide all mandatory parameters", "Bad request"],
            },
            "level": {"type": "string", "enum": ["low", "high"]},
        },
    },
    # GitHub's 422: a required URL with an example, a required enum naming no refusal
    "GitHubValidationError": {
        "type": "object",
        "required": ["message", "documentation_url", "success", "severity"],
        "additionalProperties": False,
        "properties": {
            "message": {"type": "string"},
            "documentation_url": {"type": "string", "example": "https://docs.example/errors"},
            "success": {"type": "boolean"},
            "severity": {"type": "string", "enum": ["low", "high"]},
        },
    },
    # increase.com's errors: one branch per status, told apart by enums
    "StatusBranches": {
        "anyOf": [
            {
                "type": "object",
                "required": ["type", "status", "title"],
                "properties": {
                    "type": {"type": "string", "enum": ["not_found_error"]},
                    "status": {"type": "integer", "enum": [404]},
                    "title": {"type": "string"},
                },
            },
            {
                "type": "object",
                "required": ["type", "status", "title"],
                "properties": {
                    "type": {"type": "string", "enum": ["invalid_parameters_error"]},
                    "status": {"type": "integer", "enum": [400]},
                    "title": {"type": "string"},
                },
            },
        ]
    },
    # paylocity's 400: the body is an array of errors
    "ErrorList": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
        },
    },
    # JSON:API, amadeus: a required array of error objects
    "JsonApiErrors": {
        "type": "object",
        "required": ["errors"],
        "additionalProperties": False,
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"status": {"type": "integer"}, "detail": {"type": "string"}},
                },
            }
        },
    },
    # what every FastAPI application documents for its 422
    "HTTPValidationError": {
        "title": "HTTPValidationError",
        "type": "object",
        "properties": {
            "detail": {
                "title": "Detail",
                "type": "array",
                "items": {"$ref": "#/components/schemas/ValidationError"},
            }
        },
    },
    "ValidationError": {
        "title": "ValidationError",
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {
                "title": "Location",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"title": "Message", "type": "string"},
            "type": {"title": "Error Type", "type": "string"},
        },
    },
}


def _operation(path: str, errors: dict[str, Any]) -> dict[str, Any]:
    name = path.strip("/").replace("-", "_")
    return {
        "post": {
            "operationId": name,
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": THING}}},
            "responses": {"200": OK, **errors},
        }
    }


DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Error shapes", "version": "1"},
    "paths": {path: _operation(path, errors) for path, (errors, _) in CASES.items()},
    "components": {"schemas": SCHEMAS},
}

# invalid requests: (query string, body bytes)
INVALID = {
    "missing property": ("", b"{}"),
    "wrong type": ("", b'{"name": 1}'),
    "not JSON": ("", b"{"),
    "no body": ("", b""),
    "query parameter": ("?limit=many", b'{"name": "x"}'),
}


Shapes = tuple[TestClient, list[str], Path]


class Echo:
    def __getattr__(self, name: str) -> Any:
        async def method(body: Any, params: Any, context: Any) -> Any:
            return body

        return method


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, list[str], Path]:
    root = tmp_path_factory.mktemp("shapes")
    spec = root / "error_shapes.yaml"
    spec.write_text(yaml.safe_dump(DOC, sort_keys=False))
    out = root / "shape_pkgs"  # a package name of its own: other tests import `pkgs.*`
    built = generate([spec], out)
    warnings = [w.message for package in built for w in package.warnings]
    server = load_server_module("error_shapes", out)
    return TestClient(server.create_app(Echo())), warnings, out / "error_shapes"


def documented_schema(path: str, status: int) -> Any:
    """The schema the spec gives the answer's status (or its range, or default); None if none."""
    responses = DOC["paths"][path]["post"]["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return responses[key]["content"]["application/json"]["schema"]
    return None


def message_of(body: Any) -> str:
    """Where each case's schema puts the message; the envelope's place otherwise."""
    places = (("error", "message"), ("message",), ("title",), ("detail", 0, "msg"))
    for pointer in (*places, (0, "message"), ("errors", 0, "detail")):
        node = body
        try:
            for token in pointer:
                node = node[token]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(node, str):
            return node
    raise AssertionError(f"no message in {body}")


@pytest.mark.parametrize("path", list(CASES))
@pytest.mark.parametrize("kind", list(INVALID))
def test_refusals_use_the_documented_status_and_schema(
    shapes: Shapes, path: str, kind: str
) -> None:
    client, _, _ = shapes
    query, raw = INVALID[kind]
    answer = client.post(path + query, content=raw, headers={"content-type": "application/json"})
    assert answer.status_code == CASES[path][1], answer.text
    body = answer.json()
    assert path in SPEECHLESS or message_of(body)
    schema = documented_schema(path, answer.status_code)
    if schema is not None and path not in UNFILLABLE:
        converted = to_json_schema(DOC, deref(schema, DOC), "response")
        errors = list(Draft202012Validator(converted).iter_errors(body))
        assert not errors, (body, [e.message for e in errors])


def test_a_fastapi_422_lists_pydantics_errors_as_fastapi_does(
    shapes: Shapes,
) -> None:
    client, _, _ = shapes
    missing = client.post("/fastapi", json={"n": "two"}).json()
    assert missing["detail"][0] == {
        "loc": ["body", "name"],
        "msg": "Field required",
        "type": "missing",
    }
    assert missing["detail"][1]["loc"] == ["body", "n"]
    query = client.post("/fastapi?limit=many", json={"name": "x"}).json()
    assert [d["loc"] for d in query["detail"]] == [["query", "limit"]]
    assert query["detail"][0]["type"] == "int_parsing"


def test_parts_the_schema_names_get_the_status_and_the_message(
    shapes: Shapes,
) -> None:
    client, _, _ = shapes
    answer = client.post("/code-message", json={})
    assert answer.json() == {"code": 400, "message": "Missing required parameter: 'name'."}
    nested = client.post("/nested", json={}).json()
    assert nested == {
        "error": {"code": 400, "message": "Missing required parameter: 'name'.", "status": "400"}
    }
    anthropic = client.post("/anthropic", json={}).json()
    assert anthropic == {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "Missing required parameter: 'name'.",
        },
        "request_id": None,
    }
    openai = client.post("/openai", json={}).json()
    assert openai["error"]["param"] is None and openai["error"]["code"] == (
        "missing_required_parameter"
    )
    problem = client.post("/range", json={"name": 5}).json()
    assert problem["status"] == 400 and problem["title"].startswith("Invalid value for 'name'")


def test_values_the_schema_offers_fill_what_a_refusal_does_not_carry(shapes: Shapes) -> None:
    client, _, _ = shapes
    assert client.post("/enums", json={}).json() == {
        "error": "invalid_parameter",
        "errorDescription": "Bad request",
    }  # `level` names no refusal and is optional: left out
    github = client.post("/required-extras", json={}).json()
    assert github == {
        "message": "Missing required parameter: 'name'.",
        "documentation_url": "https://docs.example/errors",
        "success": False,
        "severity": "low",
    }
    branch = client.post("/branches-by-status", json={}).json()
    assert branch["type"] == "invalid_parameters_error" and branch["status"] == 400
    assert branch["title"] == "Missing required parameter: 'name'."
    assert client.post("/listed", json={}).json() == [
        {"message": "Missing required parameter: 'name'."}
    ]
    errors = client.post("/errors-array", json={}).json()
    assert errors == {"errors": [{"status": 400, "detail": "Missing required parameter: 'name'."}]}


def test_where_nothing_fits_the_envelope_stays_and_generate_says_so(
    shapes: Shapes,
) -> None:
    client, warnings, _ = shapes
    for path in ("/nothing", "/aws", "/unfillable"):
        body = client.post(path, json={}).json()
        assert body["error"]["code"] == "missing_required_parameter", path
    said = [w for w in warnings if "refuse" in w]
    assert len(said) == 1 and "requestId" in said[0], warnings


def test_the_handlers_own_errors_and_the_servers_other_answers_keep_their_status(
    shapes: Shapes,
) -> None:
    client, _, _ = shapes
    valid = client.post("/fastapi", json={"name": "x"})
    assert (valid.status_code, valid.json()) == (200, {"name": "x"})
    assert client.get("/fastapi").status_code == 405
    assert client.post("/nowhere", json={}).status_code == 404


def test_the_generated_module_states_each_refusal(shapes: Shapes) -> None:
    text = (shapes[2] / "server.py").read_text()
    assert "refusal_status=422" in text
    # the two operations documenting only 422; 400 is the default, written nowhere
    assert text.count("refusal_status=") == 2


def test_a_shapes_values_are_copied_into_each_body_never_shared() -> None:
    from apiforge.runtime.server.errors import ApiError, ErrorShape, shaped_body

    listed = ErrorShape((("/0/message", "message"),), (("", []),))
    first = shaped_body(listed, ApiError(400, "one"))
    assert first == [{"message": "one"}] and listed.constants == (("", []),)
    nested = ErrorShape((("/errors/0/detail", "message"),), (("/errors", [{"id": "x"}]),))
    body = shaped_body(nested, ApiError(400, "two"))
    assert body == {"errors": [{"id": "x", "detail": "two"}]}
    assert nested.constants == (("/errors", [{"id": "x"}]),)  # the next request starts afresh


def test_shaped_bodies_are_filled_from_the_error_alone() -> None:
    from apiforge.runtime.server.errors import ApiError, ErrorShape, error_json, shaped_body

    shape = ErrorShape(
        (("/error/code", "status"), ("/error/status", "status_text"), ("/a~1b", "code"))
    )
    error = ApiError(422, "bad", code=None)
    assert shaped_body(shape, error) == {
        "error": {"code": 422, "status": "422"},
        "a/b": "error",  # no code: the type stands in (422 has no type of its own)
    }
    listed = ErrorShape((("/detail", "details"), ("/kind", "type")))
    assert shaped_body(listed, ApiError(400, "bad", code="c")) == {
        "detail": [{"loc": [], "msg": "bad", "type": "c"}],
        "kind": "invalid_request_error",
    }
    assert error_json(None, error, listed) == (  # type: ignore[arg-type]
        b'{"detail":[{"loc":[],"msg":"bad","type":"error"}],"kind":"error"}'
    )
