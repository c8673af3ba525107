"""Keys read from each kind of security scheme, and checked against the configured keys."""

from __future__ import annotations

import base64

import pytest

from apiforge.runtime.server.auth import AuthScheme, KeyCheck, read_credential
from apiforge.runtime.server.errors import ApiError

BEARER = AuthScheme("bearer", "Authorization")


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Bearer sk-1", "sk-1"),
        ("bearer   sk-1  ", "sk-1"),
        ("Bearer ", None),
        ("Bearer", None),
        ("Basic sk-1", None),
        ("sk-1", None),
    ],
)
def test_bearer(value: str, key: str | None) -> None:
    assert read_credential(BEARER, {"authorization": value}, {}) == key


def test_no_header_is_no_key() -> None:
    assert read_credential(BEARER, {}, {}) is None


def test_basic_decodes_the_credentials() -> None:
    scheme = AuthScheme("basic", "Authorization")
    token = base64.b64encode(b"user:pw").decode()
    assert read_credential(scheme, {"authorization": f"Basic {token}"}, {}) == "user:pw"
    assert read_credential(scheme, {"authorization": "Basic !!!"}, {}) is None


def test_api_key_in_header_and_query() -> None:
    header = AuthScheme("header", "X-API-Key")
    assert read_credential(header, {"x-api-key": " k "}, {}) == "k"
    assert read_credential(header, {"x-api-key": " "}, {}) is None
    query = AuthScheme("query", "key")
    assert read_credential(query, {}, {"key": "k"}) == "k"
    assert read_credential(query, {}, {"key": ""}) is None


def test_any_non_empty_key_by_default() -> None:
    assert KeyCheck(BEARER).check("whatever") == "whatever"


def test_only_configured_keys() -> None:
    check = KeyCheck(BEARER, ["a", "b"])
    assert check.check("b") == "b"
    with pytest.raises(ApiError) as caught:
        check.check("c")
    assert (caught.value.status, caught.value.code) == (401, "invalid_api_key")
    assert caught.value.headers == {"WWW-Authenticate": "Bearer"}


def test_missing_key_says_where_to_send_it() -> None:
    with pytest.raises(ApiError) as caught:
        KeyCheck(BEARER, ["a"]).check(None)
    assert caught.value.status == 401
    assert "Authorization: Bearer" in caught.value.message


def test_empty_key_list_accepts_nothing() -> None:
    with pytest.raises(ApiError):
        KeyCheck(BEARER, []).check("a")
