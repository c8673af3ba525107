"""Request bytes -> model, or a 400 whose message names the field; the dialect rules on bodies."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from apiforge.runtime.server.errors import ApiError
from apiforge.runtime.server.validation import (
    field_value,
    is_json_content_type,
    parse_json_body,
    read_pointer,
    reject_nulls,
    reject_tools_for_models,
)


class Options(BaseModel):
    include_usage: bool | None = None


class Named(BaseModel):
    type: Literal["function"]
    name: str


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str | None = None


class Request(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    model: str
    messages: list[Message]
    temperature: float | None = None
    stream_options: Options | None = None
    choice: Named | Literal["auto", "none"] | None = None
    tools: list[dict[str, str]] | None = None
    schema_: dict[str, str] | None = Field(None, alias="schema")


class Strict(Request):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def parse(raw: bytes, model: type[Request] = Request, **options: object) -> Request | None:
    return parse_json_body(raw, model, required=True, **options)  # type: ignore[arg-type]


def error(raw: bytes, model: type[Request] = Request, **options: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        parse(raw, model, **options)
    assert caught.value.status == 400
    return caught.value


OK = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]'


def test_valid_body() -> None:
    body = parse(OK + b', "temperature": 1}')
    assert body is not None and body.temperature == 1.0


def test_missing_body() -> None:
    assert error(b"  ").code == "missing_body"
    assert parse_json_body(b"", Request, required=False) is None


def test_malformed_json() -> None:
    found = error(b'{"model": ')
    assert found.code == "invalid_json"
    assert "not valid JSON" in found.message


def test_not_an_object() -> None:
    assert "request body is invalid" in error(b"[1, 2]").message


def test_missing_field_is_named() -> None:
    assert error(b'{"messages": []}').message == "Missing required parameter: 'model'."


def test_nested_field_is_named_with_its_index() -> None:
    found = error(b'{"model": "m", "messages": [{"role": "user"}, {"role": "robot"}]}')
    assert found.message.startswith("Invalid value for 'messages[1].role': Input should be")


def test_more_errors_are_counted() -> None:
    found = error(b'{"model": 1, "messages": 2}')
    assert found.message.endswith("(and 1 more error).")


def test_strict_no_strings_for_numbers() -> None:
    assert "'temperature'" in error(OK + b', "temperature": "1"}').message


def test_union_tags_are_not_part_of_the_name() -> None:
    found = error(OK + b', "choice": {"type": "function"}}')
    assert "'choice.name'" in found.message


def test_unknown_properties_named_when_the_model_forbids_them() -> None:
    found = error(OK + b', "b": 1, "a": 2}', Strict)
    assert found.code == "unknown_parameter"
    assert found.message == "Unrecognized request arguments supplied: 'b', 'a'."


def test_unknown_properties_rejected_by_policy_even_when_the_model_ignores_them() -> None:
    assert "'extra'" in error(OK + b', "extra": 1}', Request, unknown="reject").message
    assert parse(OK + b', "extra": 1}') is not None


def test_aliases_only_on_the_wire() -> None:
    body = parse(OK + b', "schema": {"a": "b"}}')
    assert body is not None and body.schema_ == {"a": "b"}
    by_name = parse(OK + b', "schema_": {"a": "b"}}')
    assert by_name is not None and by_name.schema_ is None  # the attribute name is not the wire


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (None, True),
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/merge-patch+json", True),
        ("text/plain", False),
        ("multipart/form-data", False),
    ],
)
def test_content_types(value: str | None, ok: bool) -> None:
    assert is_json_content_type(value) is ok


def test_form_bodies_are_refused() -> None:
    assert error(OK + b"}", content_type="application/x-www-form-urlencoded").code == (
        "invalid_content_type"
    )


NOT_NULL: dict[type[BaseModel], frozenset[str]] = {
    Request: frozenset({"temperature"}),
    Message: frozenset({"content"}),
}


def test_explicit_null_refused_where_the_spec_says_so() -> None:
    found = error(OK + b', "temperature": null}', not_null=NOT_NULL)
    assert found.message.startswith("Invalid value for 'temperature': null is not allowed")
    found = error(
        b'{"model": "m", "messages": [{"role": "user", "content": null}]}', not_null=NOT_NULL
    )
    assert "'messages[0].content'" in found.message


def test_absent_is_fine_and_other_nulls_too() -> None:
    body = parse(OK + b', "stream_options": null}', not_null=NOT_NULL)
    assert body is not None
    reject_nulls(body, NOT_NULL)


def test_field_value_and_pointer_follow_wire_names() -> None:
    body = parse(OK + b', "stream_options": {"include_usage": true}, "schema": {"k": "v"}}')
    assert body is not None
    assert field_value(body, "model") == "m"
    assert field_value(body, "schema") == {"k": "v"}
    assert field_value(body, "nothing") is None
    assert read_pointer(body, "/stream_options/include_usage") is True
    assert read_pointer(body, "/messages/0/content") == "hi"
    assert read_pointer(body, "/schema/k") == "v"
    assert read_pointer(body, "/messages/7/content") is None
    assert read_pointer(body, "/model/x") is None


def test_tools_refused_for_listed_models() -> None:
    tools = b', "tools": [{"type": "function"}]}'
    body = parse(b'{"model": "perplexity/sonar", "messages": []' + tools)
    assert body is not None
    with pytest.raises(ApiError) as caught:
        reject_tools_for_models(body, ("perplexity/",))
    assert "'perplexity/sonar'" in caught.value.message
    reject_tools_for_models(body, ("other/",))
    plain = parse(b'{"model": "perplexity/sonar", "messages": []}')
    assert plain is not None
    reject_tools_for_models(plain, ("perplexity/",))
