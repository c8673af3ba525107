"""What one call sends, decided without I/O: credentials, path, query, headers, body bytes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, RootModel, ValidationError

from apiforge.runtime.client import (
    NOT_GIVEN,
    Auth,
    SyncAPIClient,
    compose_body,
    compose_optional_body,
    encode_body,
    env_setting,
    fill_path,
    header_values,
    merge_chunk_models,
    query_values,
)


class Body(BaseModel):
    model: str
    temperature: float | None = None
    stream: bool | None = None


class Tags(RootModel[list[str]]):
    pass


class Text(RootModel[str]):
    pass


@pytest.mark.parametrize(
    ("auth", "headers", "params"),
    [
        (Auth(), {"Authorization": "Bearer k:1"}, {}),
        (Auth("basic", "Authorization"), {"Authorization": "Basic azox"}, {}),
        (Auth("header", "X-API-Key"), {"X-API-Key": "k:1"}, {}),
        (Auth("query", "key"), {}, {"key": "k:1"}),
    ],
)
def test_auth_schemes(auth: Auth, headers: dict[str, str], params: dict[str, Any]) -> None:
    got_headers: dict[str, str] = {}
    got_params: dict[str, Any] = {}
    auth.apply("k:1", got_headers, got_params)
    assert (got_headers, got_params) == (headers, params)


def test_env_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_BASE_URL", "http://env.test")
    monkeypatch.setenv("ACME_API_KEY", "")
    assert env_setting("http://given.test", "ACME", "BASE_URL") == "http://given.test"
    assert env_setting(None, "ACME", "BASE_URL") == "http://env.test"
    assert env_setting(None, "ACME", "API_KEY") is None  # empty counts as unset
    assert env_setting(None, "ACME", "MISSING") is None


def test_fill_path_percent_encodes_values() -> None:
    assert fill_path("/a/{id}/b/{n}", {"id": "x/y z", "n": 3}) == "/a/x%2Fy%20z/b/3"
    assert fill_path("/flag/{on}", {"on": True}) == "/flag/true"
    assert fill_path("/{a}", None) == "/{a}"


def test_query_and_header_values_drop_unset() -> None:
    assert query_values({"a": 1, "b": None, "c": NOT_GIVEN, "d": ["x", "y"]}) == {
        "a": 1,
        "d": ["x", "y"],
    }
    assert header_values(
        {"X-A": True, "X-B": [1, 2], "X-C": NOT_GIVEN}, {"s": "a b", "t": None}
    ) == {
        "X-A": "true",
        "X-B": "1,2",
        "Cookie": "s=a%20b",
    }
    assert header_values(None) == {}


def test_compose_body_from_keywords_model_and_overrides() -> None:
    fields = {"model": "m", "temperature": NOT_GIVEN, "stream": None}
    composed = compose_body(Body, None, fields)
    assert composed.model_fields_set == {"model", "stream"}
    given = Body(model="m", temperature=0.5)
    assert compose_body(Body, given, {"model": NOT_GIVEN}) is given
    overridden = compose_body(Body, given, {"stream": True})
    assert overridden == Body(model="m", temperature=0.5, stream=True)
    assert given.stream is None
    with pytest.raises(ValidationError):
        compose_body(Body, None, {"temperature": 1.0})
    assert compose_optional_body(Body, None, {"model": NOT_GIVEN}) is None
    assert compose_optional_body(Body, None, {"model": "m"}) == Body(model="m")


def test_encode_body() -> None:
    assert encode_body(NOT_GIVEN) is None and encode_body(None) is None
    assert json.loads(encode_body(Body(model="m", stream=None)) or b"") == {
        "model": "m",
        "stream": None,
    }
    assert encode_body(Tags(["a", "b"])) == b'["a","b"]'
    assert encode_body({"é": [1, 2]}) == '{"é":[1,2]}'.encode()
    form = "application/x-www-form-urlencoded"
    assert encode_body(Body(model="a b", temperature=1.5), form) == b"model=a+b&temperature=1.5"
    assert encode_body({"k": ["1", "2"]}, form) == b"k=1&k=2"
    assert encode_body("héllo", "text/plain") == "héllo".encode()
    assert encode_body(Text("hi"), "text/plain; charset=utf-8") == b"hi"
    assert encode_body(Text("hi")) == b'"hi"'
    assert encode_body(b"\x00\x01", "application/octet-stream") == b"\x00\x01"


class Item(BaseModel):
    id: str


def test_request_sends_params_headers_cookies_auth_and_none_result() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = SyncAPIClient(
        "https://api.test/v1",
        "k1",
        transport=httpx.MockTransport(handler),
        auth=Auth("query", "api_key"),
    )
    result = client.request(
        "DELETE",
        "/items/{item_id}",
        cast_to=None,
        path_params={"item_id": "a b"},
        params={"force": True, "skip": NOT_GIVEN},
        headers={"X-Request-Id": "r1"},
        cookies={"session": "s1"},
    )
    assert result is None
    request = seen[0]
    assert request.url.raw_path == b"/v1/items/a%20b?force=true&api_key=k1"
    assert request.headers["x-request-id"] == "r1"
    assert request.headers["cookie"] == "session=s1"
    assert "authorization" not in request.headers and "content-type" not in request.headers
    client.request("GET", "/open", cast_to=None, authenticated=False)
    assert seen[1].url.raw_path == b"/v1/open"


def test_form_body_content_type() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "x"})

    client = SyncAPIClient("https://api.test", transport=httpx.MockTransport(handler))
    form = "application/x-www-form-urlencoded"
    item = client.request("POST", "/f", cast_to=Item, json_body=Body(model="m"), content_type=form)
    assert item == Item(id="x")
    assert (seen[0].headers["content-type"], seen[0].content) == (form, b"model=m")


class Chunk(BaseModel):
    id: str
    object: str
    choices: list[dict[str, Any]]
    usage: dict[str, int] | None = None


class Completion(BaseModel):
    id: str
    object: str
    choices: list[dict[str, Any]]
    usage: dict[str, int] | None = None


def test_merge_chunk_models() -> None:
    chunks = [
        Chunk(
            id="c",
            object="chat.completion.chunk",
            choices=[{"index": 0, "delta": {"content": "a"}}],
        ),
        Chunk(
            id="c",
            object="chat.completion.chunk",
            choices=[{"index": 0, "delta": {"content": "b"}, "finish_reason": "stop"}],
        ),
        Chunk(id="c", object="chat.completion.chunk", choices=[], usage={"total_tokens": 2}),
    ]
    merged = merge_chunk_models(chunks, Completion)
    assert merged.object == "chat.completion"
    assert merged.usage == {"total_tokens": 2}
    assert merged.choices[0]["message"] == {"role": "assistant", "content": "ab"}
    assert merged.choices[0]["finish_reason"] == "stop"
