"""The mock model behind `apiforge serve`: deterministic replies, tool choice, minimal instances."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from apiforge.serve.mock import minimal_instance, plan_reply, tokens

TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
OTHER = {"type": "function", "function": {"name": "other"}}


def ask(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": list(messages), **extra}


USER = {"role": "user", "content": "Hi there, you!"}


def test_echoes_the_last_user_message_with_usage() -> None:
    reply = plan_reply(ask({"role": "system", "content": "Be brief."}, USER))
    assert (reply.content, reply.tool_call, reply.finish_reason) == (USER["content"], None, "stop")
    assert reply.prompt_tokens == tokens("Be brief.") + tokens(USER["content"])
    assert reply.completion_tokens == tokens(USER["content"]) == 5


def test_same_request_same_reply() -> None:
    assert plan_reply(ask(USER)) == plan_reply(ask(USER))
    assert plan_reply(ask(USER)).id != plan_reply(ask(USER, model="n")).id


def test_content_parts_are_read_as_text() -> None:
    parts = [{"type": "text", "text": "a "}, {"type": "image_url"}, {"type": "text", "text": "b"}]
    assert plan_reply(ask({"role": "user", "content": parts})).content == "a b"


@pytest.mark.parametrize(
    ("choice", "name"),
    [
        (None, "lookup"),
        ("auto", "lookup"),
        ("required", "lookup"),
        ("none", None),
        ({"type": "function", "function": {"name": "other"}}, "other"),
    ],
)
def test_tool_choice(choice: Any, name: str | None) -> None:
    extra = {"tools": [TOOL, OTHER]} | ({"tool_choice": choice} if choice else {})
    reply = plan_reply(ask(USER, **extra))
    assert (reply.tool_call.name if reply.tool_call else None) == name
    assert reply.finish_reason == ("tool_calls" if name else "stop")


def test_a_tool_result_is_answered_with_text() -> None:
    result = {"role": "tool", "tool_call_id": "c1", "content": "22 degrees"}
    reply = plan_reply(ask(USER, result, tools=[TOOL]))
    assert (reply.tool_call, reply.content) == (None, "22 degrees")


def test_response_formats() -> None:
    as_object = plan_reply(ask(USER, response_format={"type": "json_object"}))
    assert json.loads(as_object.content or "") == {"content": USER["content"]}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    as_schema = plan_reply(
        ask(USER, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    )
    assert json.loads(as_schema.content or "") == {"n": 0}


SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"a": {"type": "string", "minLength": 3}}, "required": ["a"]},
    {
        "type": "object",
        "required": ["n", "x"],
        "properties": {
            "n": {"type": "integer", "minimum": 5, "maximum": 9},
            "x": {"type": "number", "exclusiveMinimum": 1},
        },
    },
    {
        "type": "object",
        "required": ["tags"],
        "properties": {"tags": {"type": "array", "minItems": 2, "items": {"enum": ["p", "q"]}}},
    },
    {
        "type": "object",
        "required": ["when", "who", "id"],
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "who": {"type": "string", "format": "email"},
            "id": {"type": "string", "format": "uuid"},
        },
    },
    {
        "type": "object",
        "required": ["v"],
        "properties": {"v": {"anyOf": [{"type": "null"}, {"type": "string"}]}},
    },
    {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}},
            {"required": ["b"], "properties": {"b": {"type": ["boolean", "null"]}}},
        ]
    },
    {
        "type": "object",
        "required": ["deep"],
        "properties": {
            "deep": {
                "type": "object",
                "required": ["deeper"],
                "properties": {"deeper": {"type": "integer"}},
            }
        },
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_minimal_instance_is_valid(schema: dict[str, Any]) -> None:
    value = minimal_instance(schema, top=True)
    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


def test_arguments_are_an_object_even_without_a_schema() -> None:
    assert minimal_instance(None, top=True) == {}
    tool = {"type": "function", "function": {"name": "f"}}
    reply = plan_reply(ask(USER, tools=[tool]))
    assert reply.tool_call is not None and reply.tool_call.arguments == "{}"


def test_refs_within_the_schema_are_followed() -> None:
    """Tool schemas made by pydantic put their models under $defs and refer to them."""
    schema = {
        "$defs": {
            "Unit": {"enum": ["c", "f"]},
            "Place": {"type": "object", "required": ["city"], "properties": {"city": {}}},
        },
        "type": "object",
        "required": ["unit", "place", "both"],
        "properties": {
            "unit": {"$ref": "#/$defs/Unit"},
            "place": {"$ref": "#/$defs/Place"},
            "both": {"allOf": [{"$ref": "#/$defs/Place"}, {"required": ["n"]}]},
        },
    }
    value = minimal_instance(schema, top=True)
    jsonschema.validate(value, schema)
    assert value["unit"] == "c"


BIG = 10**9


def bounded(value: Any) -> int:
    """The instance's JSON size, checked to be modest (the bound is generous: any cap will do)."""
    size = len(json.dumps(value))
    assert size < 1_000_000
    return size


def tool_call_arguments(parameters: dict[str, Any]) -> Any:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    reply = plan_reply(ask(USER, tools=[tool]))
    assert reply.tool_call is not None
    return json.loads(reply.tool_call.arguments)


def an_object_with(prop: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["p"], "properties": {"p": prop}}


def test_a_huge_min_items_is_capped() -> None:
    arguments = tool_call_arguments(an_object_with({"type": "array", "minItems": BIG}))
    assert 0 < len(arguments["p"]) <= 64
    bounded(arguments)


def test_a_huge_min_length_is_capped() -> None:
    schema = {
        "type": "json_schema",
        "json_schema": {"schema": {"type": "string", "minLength": BIG}},
    }
    content = plan_reply(ask(USER, response_format=schema)).content or ""
    assert 0 < len(json.loads(content)) <= 64


def test_nested_arrays_stay_small() -> None:
    schema: dict[str, Any] = {"type": "integer"}
    for _ in range(30):
        schema = {"type": "array", "minItems": 64, "items": schema}
    bounded(tool_call_arguments(an_object_with(schema)))


def test_repeated_large_constants_stay_small() -> None:
    item = {"type": "array", "minItems": 64, "items": {"const": "x" * 100_000}}
    bounded(minimal_instance(an_object_with({"type": "array", "minItems": 64, "items": item})))


@pytest.mark.parametrize(
    "count", ["3", None, True, -5, 2.5, [1], {"n": 1}, float("nan"), float("inf"), -float("inf")]
)
def test_odd_minimums_do_not_crash(count: Any) -> None:
    schema = an_object_with(
        {
            "type": "array",
            "minItems": count,
            "items": {"type": "string", "minLength": count, "minimum": count},
        }
    )
    schema["properties"]["n"] = {"type": "integer", "minimum": count, "exclusiveMinimum": count}
    schema["required"] = ["p", "n", 7, ["n"]]
    value = minimal_instance(schema, top=True)
    assert isinstance(value["p"], list) and isinstance(value["n"], int)


def test_small_minimums_are_still_met() -> None:
    schema = an_object_with(
        {"type": "array", "minItems": 3, "items": {"type": "array", "minItems": 2, "items": {}}}
    )
    schema["properties"]["s"] = {"type": "string", "minLength": 64}
    schema["required"].append("s")
    jsonschema.validate(minimal_instance(schema, top=True), schema)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "required": ["next"], "properties": {"next": {"$ref": "#"}}},
        {
            "$defs": {
                "Node": {
                    "type": "object",
                    "required": ["kids"],
                    "properties": {
                        "kids": {"type": "array", "minItems": 8, "items": {"$ref": "#/$defs/Node"}}
                    },
                }
            },
            "$ref": "#/$defs/Node",
        },
        {"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"},
        {"allOf": [{"$ref": "#"}, {"$ref": "#"}, {"$ref": "#"}], "required": ["a"]},
        {"anyOf": [{"$ref": "#/anyOf/0"}]},
        {"$ref": "#/nowhere"},
        {"$ref": "https://example.com/schema.json"},
    ],
)
def test_recursive_and_broken_refs_end(schema: dict[str, Any]) -> None:
    assert isinstance(bounded(tool_call_arguments(schema)), int)
