"""The mock model behind `apiforge serve`: deterministic replies, tool choice, minimal instances."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from apiforge.mock import minimal_instance, plan_reply, tokens

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
