"""Table-driven verdicts: each old/new pair gives an exact set of change kinds and a verdict."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

import pytest

from apiforge.diff import ALL_KINDS, diff_documents

PATH = "/v1/chat/completions"
OP = "#/paths/~1v1~1chat~1completions/post"
REQ = OP + "/requestBody/content/application~1json/schema"
RESP = OP + "/responses/200/content/application~1json/schema"

S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def api(
    *,
    req: Any = None,
    resp: Any = None,
    params: list[Any] | None = None,
    schemas: dict[str, Any] | None = None,
    op: dict[str, Any] | None = None,
    responses: dict[Any, Any] | None = None,
    openapi: str = "3.0.3",
    path: str = PATH,
    method: str = "post",
    **root: Any,
) -> dict[str, Any]:
    """One operation, `POST /v1/chat/completions` unless told otherwise."""
    ok: dict[str, Any] = {"description": "ok"}
    if resp is not None:
        ok["content"] = {"application/json": {"schema": resp}}
    operation: dict[str, Any] = {
        "operationId": "createChatCompletion",
        "responses": responses if responses is not None else {"200": ok},
    }
    if req is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": req}},
        }
    if params is not None:
        operation["parameters"] = params
    operation.update(op or {})
    doc: dict[str, Any] = {
        "openapi": openapi,
        "info": {"title": "Chat", "version": "1.0.0"},
        "paths": {path: {method: operation}},
        **root,
    }
    if schemas is not None:
        doc.setdefault("components", {})["schemas"] = schemas
    return copy.deepcopy(doc)


def query(
    name: str, schema: Any = None, required: bool = False, where: str = "query"
) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema or S}


@dataclass(frozen=True)
class Case:
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    breaking: bool
    kinds: frozenset[str]


CASES: list[Case] = []


def case(
    name: str,
    old: dict[str, Any],
    new: dict[str, Any],
    breaking: bool,
    kinds: set[str],
    reverse: tuple[bool, set[str]] | None = None,
) -> None:
    """Register a pair, and the same pair the other way round when `reverse` is given."""
    CASES.append(Case(name, old, new, breaking, frozenset(kinds)))
    if reverse is not None:
        CASES.append(Case(name + "~reverse", new, old, reverse[0], frozenset(reverse[1])))


def req(schema: Any, **kw: Any) -> dict[str, Any]:
    return api(req=schema, **kw)


def resp(schema: Any, **kw: Any) -> dict[str, Any]:
    return api(resp=schema, **kw)


# --- requests: what the client sends -------------------------------------------------------------

case(
    "request property became required",
    req(obj({"foo": S})),
    req(obj({"foo": S}, ("foo",))),
    True,
    {"request-property-became-required"},
    reverse=(False, {"request-property-became-optional"}),
)
case(
    "new required request property",
    req(obj({"a": S})),
    req(obj({"a": S, "b": S}, ("b",))),
    True,
    {"new-required-request-property"},
    reverse=(False, {"request-property-removed"}),
)
case(
    "new optional request property",
    req(obj({"a": S})),
    req(obj({"a": S, "b": S})),
    False,
    {"new-optional-request-property"},
    reverse=(False, {"request-property-removed"}),
)
case(
    "request property removed when additionalProperties is false",
    req(obj({"a": S, "b": S}, additionalProperties=False)),
    req(obj({"a": S}, additionalProperties=False)),
    True,
    {"request-property-removed"},
)
case(
    "request enum narrowed",
    req(obj({"role": {"type": "string", "enum": ["user", "system"]}})),
    req(obj({"role": {"type": "string", "enum": ["user"]}})),
    True,
    {"request-property-enum-value-removed"},
    reverse=(False, {"request-property-enum-value-added"}),
)
case(
    "request property became enum",
    req(obj({"role": S})),
    req(obj({"role": {"type": "string", "enum": ["user"]}})),
    True,
    {"request-property-became-enum"},
    reverse=(False, {"request-property-enum-removed"}),
)
case(
    "request maxLength decreased",
    req(obj({"a": {"type": "string", "maxLength": 10}})),
    req(obj({"a": {"type": "string", "maxLength": 5}})),
    True,
    {"request-property-max-length-decreased"},
    reverse=(False, {"request-property-max-length-increased"}),
)
case(
    "request maxItems set",
    req(obj({"a": {"type": "array", "items": S}})),
    req(obj({"a": {"type": "array", "items": S, "maxItems": 4}})),
    True,
    {"request-property-max-items-set"},
    reverse=(False, {"request-property-max-items-unset"}),
)
case(
    "request minimum increased",
    req(obj({"n": {"type": "integer", "minimum": 1}})),
    req(obj({"n": {"type": "integer", "minimum": 2}})),
    True,
    {"request-property-min-increased"},
    reverse=(False, {"request-property-min-decreased"}),
)
case(
    "request minLength increased from nothing",
    req(obj({"a": S})),
    req(obj({"a": {"type": "string", "minLength": 1}})),
    True,
    {"request-property-min-length-increased"},
    reverse=(False, {"request-property-min-length-decreased"}),
)
case(
    "request bound became exclusive",
    req(obj({"t": {"type": "number", "maximum": 2}}), openapi="3.1.0"),
    req(obj({"t": {"type": "number", "exclusiveMaximum": 2}}), openapi="3.1.0"),
    True,
    {"request-property-exclusive-max-decreased"},
    reverse=(False, {"request-property-max-increased"}),
)
case(
    "3.0 boolean exclusiveMaximum equals 3.1 numeric exclusiveMaximum",
    req(obj({"t": {"type": "number", "maximum": 2, "exclusiveMaximum": True}})),
    req(obj({"t": {"type": "number", "exclusiveMaximum": 2}}), openapi="3.1.0"),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "request pattern added",
    req(obj({"id": S})),
    req(obj({"id": {"type": "string", "pattern": "^[a-z]+$"}})),
    True,
    {"request-property-pattern-added"},
    reverse=(False, {"request-property-pattern-removed"}),
)
case(
    "request pattern changed",
    req(obj({"id": {"type": "string", "pattern": "^[a-z]+$"}})),
    req(obj({"id": {"type": "string", "pattern": "^[0-9]+$"}})),
    True,
    {"request-property-pattern-changed"},
)
case(
    "request multipleOf made stricter",
    req(obj({"n": {"type": "integer", "multipleOf": 2}})),
    req(obj({"n": {"type": "integer", "multipleOf": 4}})),
    True,
    {"request-property-multiple-of-changed"},
    reverse=(False, {"request-property-multiple-of-changed"}),
)
case(
    "request type list narrowed",
    req(obj({"stop": {"type": ["string", "array"]}}), openapi="3.1.0"),
    req(obj({"stop": {"type": "string"}}), openapi="3.1.0"),
    True,
    {"request-property-list-of-types-narrowed"},
    reverse=(False, {"request-property-list-of-types-widened"}),
)
case(
    "request integer generalised to number",
    req(obj({"n": INT})),
    req(obj({"n": {"type": "number"}})),
    False,
    {"request-property-type-generalized"},
    reverse=(True, {"request-property-type-specialized"}),
)
case(
    "request type changed",
    req(obj({"n": INT})),
    req(obj({"n": S})),
    True,
    {"request-property-type-changed"},
    reverse=(True, {"request-property-type-changed"}),
)
case(
    "request 3.0 nullable removed",
    req(obj({"user": {"type": "string", "nullable": True}})),
    req(obj({"user": S})),
    True,
    {"request-property-became-not-nullable"},
    reverse=(False, {"request-property-became-nullable"}),
)
case(
    "request 3.1 null type removed",
    req(obj({"user": {"type": ["string", "null"]}}), openapi="3.1.0"),
    req(obj({"user": S}), openapi="3.1.0"),
    True,
    {"request-property-became-not-nullable"},
)
case(
    "request additionalProperties false added",
    req(obj({"a": S})),
    req(obj({"a": S}, additionalProperties=False)),
    True,
    {"request-body-additional-properties-narrowed"},
    reverse=(False, {"request-body-additional-properties-widened"}),
)
case(
    "request oneOf branch removed",
    req(obj({"content": {"oneOf": [S, {"type": "array", "items": S}]}})),
    req(obj({"content": {"oneOf": [S]}})),
    True,
    {"request-property-one-of-removed"},
    reverse=(False, {"request-property-one-of-added"}),
)
case(
    "request anyOf branch removed",
    req(obj({"stop": {"anyOf": [S, {"type": "array", "items": S}, INT]}})),
    req(obj({"stop": {"anyOf": [S, {"type": "array", "items": S}]}})),
    True,
    {"request-property-any-of-removed"},
)
case(
    "request format changed",
    req(obj({"at": {"type": "string", "format": "date-time"}})),
    req(obj({"at": {"type": "string", "format": "date"}})),
    True,
    {"request-property-format-changed"},
)
case(
    "request body became required",
    api(req=obj({"a": S}), op={"requestBody": {"content": {"application/json": {"schema": S}}}}),
    api(
        req=obj({"a": S}),
        op={"requestBody": {"required": True, "content": {"application/json": {"schema": S}}}},
    ),
    True,
    {"request-body-became-required"},
    reverse=(False, {"request-body-became-optional"}),
)
case(
    "request media type removed",
    api(
        op={
            "requestBody": {
                "content": {"application/json": {"schema": S}, "text/plain": {"schema": S}}
            }
        }
    ),
    api(op={"requestBody": {"content": {"application/json": {"schema": S}}}}),
    True,
    {"request-body-media-type-removed"},
    reverse=(False, {"request-body-media-type-added"}),
)
case(
    "required request body added",
    api(),
    api(req=obj({"a": S})),
    True,
    {"request-body-added-required"},
    reverse=(True, {"request-body-removed"}),
)
case(
    "request default changed",
    req(obj({"n": {"type": "integer", "default": 1}})),
    req(obj({"n": {"type": "integer", "default": 2}})),
    True,
    {"request-property-default-value-changed"},
)
case(
    "request default added",
    req(obj({"n": INT})),
    req(obj({"n": {"type": "integer", "default": 1}})),
    False,
    {"request-property-default-value-added"},
    reverse=(True, {"request-property-default-value-removed"}),
)
case(
    "changes under a readOnly request property do not break",
    req(obj({"id": {"type": "string", "readOnly": True, "maxLength": 9}}, ("id",))),
    req(obj({"id": {"type": "string", "readOnly": True, "maxLength": 3}}, ("id",))),
    False,
    {"request-property-max-length-decreased"},
)
case(
    "nested array item property became required",
    req(obj({"messages": {"type": "array", "items": obj({"role": S, "name": S}, ("role",))}})),
    req(
        obj({"messages": {"type": "array", "items": obj({"role": S, "name": S}, ("role", "name"))}})
    ),
    True,
    {"request-property-became-required"},
)

# --- responses: what the client receives ---------------------------------------------------------

case(
    "response property removed",
    resp(obj({"id": S, "model": S})),
    resp(obj({"id": S})),
    True,
    {"response-property-removed"},
    reverse=(False, {"response-optional-property-added"}),
)
case(
    "response property became optional",
    resp(obj({"id": S}, ("id",))),
    resp(obj({"id": S})),
    True,
    {"response-property-became-optional"},
    reverse=(False, {"response-property-became-required"}),
)
case(
    "response property became nullable",
    resp(obj({"content": S})),
    resp(obj({"content": {"type": "string", "nullable": True}})),
    True,
    {"response-property-became-nullable"},
    reverse=(False, {"response-property-became-not-nullable"}),
)
case(
    "response enum widened",
    resp(obj({"finish_reason": {"type": "string", "enum": ["stop", "length"]}})),
    resp(obj({"finish_reason": {"type": "string", "enum": ["stop", "length", "tool_calls"]}})),
    True,
    {"response-property-enum-value-added"},
    reverse=(False, {"response-property-enum-value-removed"}),
)
case(
    "response oneOf branch added",
    resp(obj({"content": {"oneOf": [S, INT]}})),
    resp(obj({"content": {"oneOf": [S, INT, {"type": "array", "items": S}]}})),
    True,
    {"response-property-one-of-added"},
    reverse=(False, {"response-property-one-of-removed"}),
)
case(
    "response body wrapped in a oneOf",
    resp(obj({"id": S})),
    resp({"oneOf": [obj({"id": S}), obj({"error": S})]}),
    True,
    {"response-body-one-of-added"},
    reverse=(False, {"response-body-one-of-removed"}),
)
case(
    "response type changed",
    resp(obj({"created": INT})),
    resp(obj({"created": S})),
    True,
    {"response-property-type-changed"},
)
case(
    "response maxLength increased",
    resp(obj({"id": {"type": "string", "maxLength": 8}})),
    resp(obj({"id": {"type": "string", "maxLength": 16}})),
    True,
    {"response-property-max-length-increased"},
    reverse=(False, {"response-property-max-length-decreased"}),
)
case(
    "response pattern changes never break",
    resp(obj({"id": {"type": "string", "pattern": "^a"}})),
    resp(obj({"id": {"type": "string", "pattern": "^b"}})),
    False,
    {"response-property-pattern-changed"},
)
case(
    "response property became write-only",
    resp(obj({"secret": S})),
    resp(obj({"secret": {"type": "string", "writeOnly": True}})),
    True,
    {"response-property-became-write-only"},
    reverse=(False, {"response-property-became-not-write-only"}),
)
case(
    "success status removed",
    api(responses={"200": {"description": "ok"}, "201": {"description": "created"}}),
    api(responses={"200": {"description": "ok"}}),
    True,
    {"response-success-status-removed"},
    reverse=(False, {"response-success-status-added"}),
)
case(
    "error status removed",
    api(responses={"200": {"description": "ok"}, "429": {"description": "slow down"}}),
    api(responses={"200": {"description": "ok"}}),
    False,
    {"response-non-success-status-removed"},
    reverse=(False, {"response-non-success-status-added"}),
)
case(
    "response media type removed",
    api(
        responses={
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": S}, "text/event-stream": {"schema": S}},
            }
        }
    ),
    api(responses={"200": {"description": "ok", "content": {"application/json": {"schema": S}}}}),
    True,
    {"response-media-type-removed"},
    reverse=(False, {"response-media-type-added"}),
)
_HEADER = {"schema": INT}
case(
    "required response header removed",
    api(
        responses={
            "200": {"description": "ok", "headers": {"X-Request-Id": {**_HEADER, "required": True}}}
        }
    ),
    api(responses={"200": {"description": "ok"}}),
    True,
    {"required-response-header-removed"},
    reverse=(False, {"response-header-added"}),
)
case(
    "optional response header removed",
    api(responses={"200": {"description": "ok", "headers": {"X-Request-Id": _HEADER}}}),
    api(responses={"200": {"description": "ok"}}),
    False,
    {"optional-response-header-removed"},
)
case(
    "response header became optional",
    api(
        responses={
            "200": {"description": "ok", "headers": {"X-Limit": {**_HEADER, "required": True}}}
        }
    ),
    api(responses={"200": {"description": "ok", "headers": {"x-limit": _HEADER}}}),
    True,
    {"response-header-became-optional"},
    reverse=(False, {"response-header-became-required"}),
)
case(
    "status code written as a YAML integer is the same status",
    api(responses={200: {"description": "ok", "content": {"application/json": {"schema": S}}}}),
    api(responses={"200": {"description": "ok", "content": {"application/json": {"schema": S}}}}),
    False,
    set(),
)

# --- paths, operations and parameters ------------------------------------------------------------

_TWO_PATHS = {
    **api(),
    "paths": {
        **api()["paths"],
        "/v1/models": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
}
case(
    "path removed",
    _TWO_PATHS,
    api(),
    True,
    {"api-path-removed-without-deprecation"},
    reverse=(False, {"endpoint-added"}),
)
_DEPRECATED = copy.deepcopy(_TWO_PATHS)
_DEPRECATED["paths"]["/v1/models"]["get"]["deprecated"] = True
case("deprecated path removed", _DEPRECATED, api(), True, {"api-path-removed-with-deprecation"})
case(
    "operation deprecated",
    api(),
    api(op={"deprecated": True}),
    False,
    {"endpoint-deprecated"},
    reverse=(False, {"endpoint-reactivated"}),
)
_TWO_OPS = api()
_TWO_OPS["paths"][PATH]["get"] = {"responses": {"200": {"description": "ok"}}}
case(
    "operation removed",
    _TWO_OPS,
    api(),
    True,
    {"api-removed-without-deprecation"},
    reverse=(False, {"endpoint-added"}),
)
case(
    "operationId changed",
    api(),
    api(op={"operationId": "chatCompletionsCreate"}),
    True,
    {"api-operation-id-changed"},
)
case(
    "new required query parameter",
    api(params=[]),
    api(params=[query("version", required=True)]),
    True,
    {"new-required-request-parameter"},
    reverse=(True, {"request-parameter-removed"}),
)
case(
    "new optional query parameter",
    api(params=[]),
    api(params=[query("limit", INT)]),
    False,
    {"new-optional-request-parameter"},
)
case(
    "parameter moved from query to header",
    api(params=[query("version")]),
    api(params=[query("version", where="header")]),
    True,
    {"request-parameter-removed", "new-optional-request-parameter"},
)
case(
    "parameter renamed",
    api(params=[query("limit", INT)]),
    api(params=[query("max", INT)]),
    True,
    {"request-parameter-removed", "new-optional-request-parameter"},
)
case(
    "parameter became required",
    api(params=[query("limit", INT)]),
    api(params=[query("limit", INT, required=True)]),
    True,
    {"request-parameter-became-required"},
    reverse=(False, {"request-parameter-became-optional"}),
)
case(
    "parameter default changed",
    api(params=[query("limit", {"type": "integer", "default": 20})]),
    api(params=[query("limit", {"type": "integer", "default": 50})]),
    True,
    {"request-parameter-default-value-changed"},
)
case(
    "parameter enum narrowed",
    api(params=[query("order", {"type": "string", "enum": ["asc", "desc"]})]),
    api(params=[query("order", {"type": "string", "enum": ["asc"]})]),
    True,
    {"request-parameter-enum-value-removed"},
    reverse=(False, {"request-parameter-enum-value-added"}),
)
case(
    "parameter serialization changed",
    api(params=[query("ids", {"type": "array", "items": S})]),
    api(params=[{**query("ids", {"type": "array", "items": S}), "explode": False}]),
    True,
    {"request-parameter-serialization-changed"},
)
_ITEM_OLD = api(
    path="/v1/files/{id}", method="get", params=[query("id", where="path", required=True)]
)
_ITEM_NEW = api(
    path="/v1/files/{file_id}", method="get", params=[query("file_id", where="path", required=True)]
)
case(
    "path parameter renamed",
    _ITEM_OLD,
    _ITEM_NEW,
    True,
    {"request-parameter-removed", "new-request-path-parameter"},
)
_PATH_LEVEL = api(params=[])
_PATH_LEVEL["paths"][PATH]["parameters"] = [query("limit", INT)]
case(
    "parameter moved to the path item", api(params=[query("limit", INT)]), _PATH_LEVEL, False, set()
)

_SHARED_PARAM = api(params=[{"$ref": "#/components/parameters/Limit"}])
_SHARED_PARAM["components"] = {"parameters": {"Limit": query("limit", INT)}}
case(
    "parameter moved into components",
    api(params=[query("limit", INT)]),
    _SHARED_PARAM,
    False,
    set(),
)
_CONTENT_PARAM = {
    "name": "filter",
    "in": "query",
    "content": {"application/json": {"schema": obj({"a": S})}},
}
case(
    "property of a content-encoded parameter became required",
    api(params=[_CONTENT_PARAM]),
    api(
        params=[
            {**_CONTENT_PARAM, "content": {"application/json": {"schema": obj({"a": S}, ("a",))}}}
        ]
    ),
    True,
    {"request-parameter-property-became-required"},
)
case(
    "header parameter names are case-insensitive",
    api(params=[query("OpenAI-Beta", where="header")]),
    api(params=[query("openai-beta", where="header")]),
    False,
    set(),
)

# --- security ------------------------------------------------------------------------------------

_SCHEMES = {"securitySchemes": {"key": {"type": "http", "scheme": "bearer"}}}
_OAUTH = {
    "type": "oauth2",
    "flows": {
        "clientCredentials": {"tokenUrl": "https://x/token", "scopes": {"read": "", "write": ""}}
    },
}
case(
    "security added to a public operation",
    api(components=_SCHEMES),
    api(components=_SCHEMES, security=[{"key": []}]),
    True,
    {"api-security-added"},
    reverse=(False, {"api-security-removed"}),
)
case(
    "security alternative removed",
    api(
        components={
            "securitySchemes": {"key": _SCHEMES["securitySchemes"]["key"], "oauth": _OAUTH}
        },
        security=[{"key": []}, {"oauth": ["read"]}],
    ),
    api(
        components={
            "securitySchemes": {"key": _SCHEMES["securitySchemes"]["key"], "oauth": _OAUTH}
        },
        security=[{"key": []}],
    ),
    True,
    {"api-security-requirement-removed"},
    reverse=(False, {"api-security-requirement-added"}),
)
case(
    "operation security scope added",
    api(components={"securitySchemes": {"oauth": _OAUTH}}, op={"security": [{"oauth": ["read"]}]}),
    api(
        components={"securitySchemes": {"oauth": _OAUTH}},
        op={"security": [{"oauth": ["read", "write"]}]},
    ),
    True,
    {"api-security-scope-added"},
    reverse=(False, {"api-security-scope-removed"}),
)
case(
    "security scheme changed",
    api(
        components={"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}
    ),
    api(
        components={
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "Api-Key"}}
        }
    ),
    True,
    {"api-security-component-changed"},
)
case(
    "security scheme type changed",
    api(components=_SCHEMES),
    api(components={"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "K"}}}),
    True,
    {"api-security-component-type-changed"},
)
case(
    "security scheme renamed with the same shape",
    api(components=_SCHEMES, security=[{"key": []}]),
    api(
        components={"securitySchemes": {"bearer": _SCHEMES["securitySchemes"]["key"]}},
        security=[{"bearer": []}],
    ),
    False,
    set(),
)
case(
    "oauth scope removed from the scheme",
    api(components={"securitySchemes": {"oauth": _OAUTH}}),
    api(
        components={
            "securitySchemes": {
                "oauth": {
                    **_OAUTH,
                    "flows": {
                        "clientCredentials": {"tokenUrl": "https://x/token", "scopes": {"read": ""}}
                    },
                }
            }
        }
    ),
    True,
    {"api-security-component-oauth-scope-removed"},
    reverse=(False, {"api-security-component-oauth-scope-added"}),
)

case(
    "operation opts out of global security",
    api(components=_SCHEMES, security=[{"key": []}]),
    api(components=_SCHEMES, security=[{"key": []}], op={"security": []}),
    False,
    {"api-security-removed"},
    reverse=(True, {"api-security-added"}),
)
case(
    "security requirement moved from the root to the operation",
    api(components=_SCHEMES, security=[{"key": []}]),
    api(components=_SCHEMES, op={"security": [{"key": []}]}),
    False,
    set(),
)

# --- traps: structure, not names or prose --------------------------------------------------------

_REQUEST = obj({"model": S, "messages": {"type": "array", "items": ref("Message")}}, ("model",))
_MESSAGE = obj({"role": {"type": "string", "enum": ["user", "system"]}, "content": S}, ("role",))
case(
    "component renamed with identical structure",
    req(ref("ChatRequest"), schemas={"ChatRequest": _REQUEST, "Message": _MESSAGE}),
    req(
        ref("CreateChatCompletionRequest"),
        schemas={
            "CreateChatCompletionRequest": {
                **_REQUEST,
                "properties": {
                    "model": S,
                    "messages": {"type": "array", "items": ref("ChatMessage")},
                },
            },
            "ChatMessage": _MESSAGE,
        },
    ),
    False,
    set(),
)
case(
    "inline schema moved into a component",
    req(obj({"messages": {"type": "array", "items": _MESSAGE}})),
    req(
        obj({"messages": {"type": "array", "items": ref("Message")}}), schemas={"Message": _MESSAGE}
    ),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "properties moved into an allOf base",
    req(obj({"id": S, "model": S, "n": INT}, ("id",))),
    req(
        {"allOf": [ref("Base"), obj({"n": INT})]},
        schemas={"Base": obj({"id": S, "model": S}, ("id",))},
    ),
    False,
    set(),
)
case(
    "3.0 nullable converted to 3.1 type arrays and null branches",
    resp(
        obj(
            {
                "content": {"type": "string", "nullable": True},
                "usage": {"allOf": [ref("Usage")], "nullable": True},
                "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
            }
        ),
        schemas={"Usage": obj({"total": INT})},
    ),
    resp(
        obj(
            {
                "content": {"type": ["string", "null"]},
                "usage": {"anyOf": [ref("Usage"), {"type": "null"}]},
                "kind": {"type": ["string", "null"], "enum": ["a", "b", None]},
            }
        ),
        schemas={"Usage": obj({"total": INT})},
        openapi="3.1.0",
    ),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "3.1 oneOf null branch is nullable too",
    resp(
        obj({"x": {"oneOf": [ref("U"), {"type": "null"}]}}),
        schemas={"U": obj({"a": S})},
        openapi="3.1.0",
    ),
    resp(obj({"x": ref("U")}), schemas={"U": obj({"a": S})}, openapi="3.1.0"),
    False,
    {"response-property-became-not-nullable"},
    reverse=(True, {"response-property-became-nullable"}),
)
# --- 3.0 -> 3.1 migrations: each side read by its own `openapi` version ---------------------------

_NULLABLE_S: dict[str, Any] = {"type": "string", "nullable": True}
case(
    "3.0 nullable request property migrated to a 3.1 type list",
    req(obj({"user": _NULLABLE_S})),
    req(obj({"user": {"type": ["string", "null"]}}), openapi="3.1.0"),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "3.0 nullable request property copied unmigrated into 3.1",  # 3.1 ignores `nullable`
    req(obj({"user": _NULLABLE_S})),
    req(obj({"user": _NULLABLE_S}), openapi="3.1.0"),
    True,
    {"request-property-became-not-nullable"},
    reverse=(False, {"request-property-became-nullable"}),
)
case(
    "3.0 nullable response property copied unmigrated into 3.1",
    resp(obj({"user": _NULLABLE_S})),
    resp(obj({"user": _NULLABLE_S}), openapi="3.1.0"),
    False,
    {"response-property-became-not-nullable"},
    reverse=(True, {"response-property-became-nullable"}),
)
case(
    "3.0 nullable allOf copied unmigrated into 3.1",
    req(obj({"usage": {"allOf": [ref("Usage")], "nullable": True}}), schemas={"Usage": obj({})}),
    req(
        obj({"usage": {"allOf": [ref("Usage")], "nullable": True}}),
        schemas={"Usage": obj({})},
        openapi="3.1.0",
    ),
    True,
    {"request-property-became-not-nullable"},
)
case(
    "3.0 nullable query parameter copied unmigrated into 3.1",
    api(params=[query("user", _NULLABLE_S)]),
    api(params=[query("user", _NULLABLE_S)], openapi="3.1.0"),
    True,
    {"request-parameter-became-not-nullable"},
)
case(
    "3.0 nullable migrated to 3.1 const null and oneOf null branches",
    req(obj({"a": _NULLABLE_S, "b": {"allOf": [ref("U")], "nullable": True}}), schemas={"U": S}),
    req(
        obj({"a": {"anyOf": [S, {"const": None}]}, "b": {"oneOf": [ref("U"), {"type": "null"}]}}),
        schemas={"U": S},
        openapi="3.1.0",
    ),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "3.0 nullable without a type copied into 3.1: both allow anything",
    req(obj({"x": {"nullable": True}})),
    req(obj({"x": {"nullable": True}}), openapi="3.1.0"),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "3.1 type list replaced by a 3.1 nullable that is no keyword",
    req(obj({"user": {"type": ["string", "null"]}}), openapi="3.1.0"),
    req(obj({"user": _NULLABLE_S}), openapi="3.1.0"),
    True,
    {"request-property-became-not-nullable"},
    reverse=(False, {"request-property-became-nullable"}),
)
case(
    "3.1 nullable annotation added changes nothing",
    req(obj({"user": S}), openapi="3.1.0"),
    req(obj({"user": _NULLABLE_S}), openapi="3.1.0"),
    False,
    set(),
    reverse=(False, set()),
)
case(
    "const is a one-value enum",
    req(obj({"type": {"type": "string", "enum": ["function"]}}), openapi="3.1.0"),
    req(obj({"type": {"type": "string", "const": "function"}}), openapi="3.1.0"),
    False,
    set(),
)
_PROSE_OLD = req(obj({"b": S, "a": {"type": "string", "description": "first", "example": "x"}}))
_PROSE_NEW = req(
    obj({"a": {"title": "A", "example": "y", "type": "string", "description": "renamed"}, "b": S})
)
_PROSE_NEW["paths"][PATH]["post"]["summary"] = "Create a chat completion"
_PROSE_NEW["paths"][PATH]["post"]["description"] = "Longer prose."
_PROSE_NEW["info"]["description"] = "changed"
case("key order, descriptions, titles and examples", _PROSE_OLD, _PROSE_NEW, False, set())

_NODE = obj({"value": S, "children": {"type": "array", "items": ref("Node")}})
_TREE = obj({"value": S, "children": {"type": "array", "items": ref("Tree")}})
case(
    "recursive schema renamed",
    resp(ref("Node"), schemas={"Node": _NODE}),
    resp(ref("Tree"), schemas={"Tree": _TREE}),
    False,
    set(),
)
case(
    "recursive schema changed",
    req(ref("Node"), schemas={"Node": _NODE}),
    req(ref("Tree"), schemas={"Tree": {**_TREE, "required": ["value"]}}),
    True,
    {"request-property-became-required"},
)
case(
    "mutually recursive schemas renamed and changed",
    resp(ref("A"), schemas={"A": obj({"b": ref("B"), "x": S}), "B": obj({"a": ref("A")})}),
    resp(ref("P"), schemas={"P": obj({"b": ref("Q"), "x": S}), "Q": obj({"a": ref("P"), "y": S})}),
    False,
    {"response-optional-property-added"},
)
_DOG, _CAT = obj({"pet_type": S, "bark": S}), obj({"pet_type": S, "meow": S})
_PETS = {"Dog": _DOG, "Cat": _CAT}


def _pets(
    mapping: dict[str, str] | None, branches: tuple[str, ...] = ("Dog", "Cat")
) -> dict[str, Any]:
    disc: dict[str, Any] = {"propertyName": "pet_type"}
    if mapping is not None:
        disc["mapping"] = {k: f"#/components/schemas/{v}" for k, v in mapping.items()}
    return {"oneOf": [ref(b) for b in branches], "discriminator": disc}


case(
    "discriminator mapping value removed",
    resp(_pets({"dog": "Dog", "cat": "Cat"}), schemas=_PETS),
    resp(_pets({"dog": "Dog"}, ("Dog",)), schemas=_PETS),
    True,
    {"response-body-discriminator-mapping-deleted", "response-body-one-of-removed"},
)
case(
    "discriminator mapping pointed at another schema",
    req(_pets({"dog": "Dog", "cat": "Cat"}), schemas=_PETS),
    req(_pets({"dog": "Cat", "cat": "Dog"}), schemas=_PETS),
    True,
    {"request-body-discriminator-mapping-changed"},
)
case(
    "discriminator mapping follows a renamed component",
    req(_pets({"dog": "Dog", "cat": "Cat"}), schemas=_PETS),
    req(
        _pets({"dog": "Hound", "cat": "Cat"}, ("Hound", "Cat")),
        schemas={"Hound": _DOG, "Cat": _CAT},
    ),
    False,
    set(),
)
case(
    "implicit discriminator value changes when its component is renamed",
    req(_pets(None), schemas=_PETS),
    req(_pets(None, ("Hound", "Cat")), schemas={"Hound": _DOG, "Cat": _CAT}),
    True,
    {"request-body-discriminator-mapping-deleted", "request-body-discriminator-mapping-added"},
)
case(
    "discriminator property renamed",
    req(_pets({"dog": "Dog", "cat": "Cat"}), schemas=_PETS),
    req(
        {
            **_pets({"dog": "Dog", "cat": "Cat"}),
            "discriminator": {
                "propertyName": "kind",
                "mapping": {"dog": "#/components/schemas/Dog", "cat": "#/components/schemas/Cat"},
            },
        },
        schemas=_PETS,
    ),
    True,
    {"request-body-discriminator-property-name-changed"},
)

case(
    "a removed webhook breaks the consumers that handle it",
    api(
        openapi="3.1.0", webhooks={"ping": {"post": {"responses": {"200": {"description": "ok"}}}}}
    ),
    api(openapi="3.1.0"),
    True,
    {"webhook-removed"},
    reverse=(False, {"webhook-added"}),
)
case(
    "root extensions and info are not compared",
    api(**{"x-internal": True}),
    api(info={"title": "Other", "version": "9"}),
    False,
    set(),
)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_verdict_and_kinds(c: Case) -> None:
    old, new = copy.deepcopy(c.old), copy.deepcopy(c.new)
    result = diff_documents(old, new)
    kinds = {change.kind for change in result.changes}
    assert kinds == c.kinds, [change.message for change in result.changes]
    assert bool(result.undeclared_breaking) is c.breaking
    assert result.ok is not c.breaking
    assert kinds <= ALL_KINDS
    assert (old, new) == (c.old, c.new), "diff_documents must not mutate its inputs"


def test_at_least_forty_pairs() -> None:
    assert len(CASES) >= 40


def test_pointers_follow_the_operation_and_sources_the_component() -> None:
    old = req(ref("Req"), schemas={"Req": obj({"foo": S})})
    new = req(ref("Req"), schemas={"Req": obj({"foo": S}, ("foo",))})
    (change,) = diff_documents(old, new).changes
    assert change.new_pointer == (
        "#/paths/~1v1~1chat~1completions/post/requestBody/content/application~1json/schema/properties/foo"
    )
    assert change.new_source == "#/components/schemas/Req/properties/foo"
    assert change.subject == "`POST /v1/chat/completions` request body property `foo`"


def test_removals_have_no_new_pointer_and_are_located_at_the_parent() -> None:
    seen: list[str] = []

    @dataclass(frozen=True)
    class Loc:
        file: str
        line: int
        col: int

    def locate(pointer: str) -> Loc:
        seen.append(pointer)
        return Loc("new.yaml", len(pointer), 1)

    old, new = resp(obj({"id": S, "model": S})), resp(obj({"id": S}))
    (change,) = diff_documents(old, new, new_locate=locate).changes
    assert change.new_pointer is None
    assert change.old_pointer == RESP + "/properties/model"
    assert change.new_location == Loc("new.yaml", len(RESP), 1)
    assert change.old_location is None


def test_locator_returning_none_falls_back_to_parents() -> None:
    def locate(pointer: str) -> Any:
        return (
            None if "properties" in pointer else type("L", (), {"file": "f", "line": 3, "col": 4})()
        )

    old, new = resp(obj({"id": S})), resp(obj({"id": INT}))
    (change,) = diff_documents(old, new, old_locate=locate, new_locate=locate).changes
    assert change.new_location is not None and change.new_location.line == 3


def test_results_are_sorted_and_deterministic() -> None:
    old = api(params=[query("a"), query("b")], req=obj({"x": S, "y": S}))
    new = api(params=[query("b", required=True)], req=obj({"x": INT}, ("x",)))
    first = diff_documents(old, new).changes
    assert first == diff_documents(copy.deepcopy(old), copy.deepcopy(new)).changes
    assert [c.pointer for c in first] == sorted(c.pointer for c in first)


def test_large_shared_recursive_spec_is_fast() -> None:
    big = obj({f"p{i}": {"type": "array", "items": ref("Node")} for i in range(30)})
    schemas = {"Big": big, "Node": _NODE}
    old = api(schemas=schemas)
    for i in range(60):
        op = {
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": ref("Big")}},
                }
            }
        }
        old["paths"][f"/r{i}"] = {
            "get": op,
            "post": {
                **op,
                "requestBody": {"content": {"application/json": {"schema": ref("Big")}}},
            },
        }
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Node"]["properties"]["value"] = INT
    result = diff_documents(old, new)  # shared, recursive components are compared once each
    assert len(result.changes) == 180  # 60 x (GET response, POST request, POST response)
    assert {c.kind for c in result.changes} == {
        "request-property-type-changed",
        "response-property-type-changed",
    }


_ODD_VALUES: list[Any] = [
    None, 1, "x", [], {}, [None], True, False,
    {"$ref": "#/nope"}, {"$ref": "other.yaml#/A"}, {"$ref": 3},
    {"type": 5}, {"type": [1, None]}, {"enum": "x"}, {"properties": []}, {"required": "a"},
    {"items": [S]}, {"oneOf": {}}, {"oneOf": [1, None]}, {"allOf": [ref("Loop")]},
    {"discriminator": {"mapping": []}}, {"maximum": "x"}, {"nullable": "yes"}, {"const": {1: [1]}},
]  # fmt: skip


def _places(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_places(value, (*prefix, key)))
    return found


def test_malformed_documents_never_crash() -> None:
    """The diff may run on documents that fail validation: odd values anywhere are survived."""
    rng = random.Random(7)
    for _ in range(250):
        base = rng.choice(CASES).old
        doc = copy.deepcopy(base)
        doc.setdefault("components", {})["schemas"] = {"Loop": {"allOf": [ref("Loop")]}}
        for _ in range(2):
            place = rng.choice(_places(doc))
            parent = doc
            for key in place[:-1]:
                parent = parent[key]
            parent[place[-1]] = copy.deepcopy(rng.choice(_ODD_VALUES))
        for old, new in ((base, doc), (doc, base), (doc, doc)):
            for change in diff_documents(old, new).changes:
                assert change.kind in ALL_KINDS
