"""Error envelopes written at the dialect's JSON pointers, and ApiError's defaults."""

from __future__ import annotations

import json

import pytest

from apiforge.runtime.server.errors import (
    INTERNAL_ERROR_MESSAGE,
    ApiError,
    ErrorEnvelope,
    error_body,
    error_json,
    internal_error,
)

GATEWAY = ErrorEnvelope(message="/message", status="/status")
PROVIDER = ErrorEnvelope(message="/error/message", type="/error/type", code="/error/code")


def test_gateway_envelope_has_status_as_string() -> None:
    body = error_body(GATEWAY, ApiError(400, "bad 'model'"))
    assert body == {"message": "bad 'model'", "status": "400"}


def test_provider_envelope_nests_under_error() -> None:
    error = ApiError(429, "slow down", code="rate_limit_exceeded")
    assert error_body(PROVIDER, error) == {
        "error": {"message": "slow down", "type": "rate_limit_error", "code": "rate_limit_exceeded"}
    }


def test_code_is_left_out_rather_than_null() -> None:
    assert error_body(PROVIDER, ApiError(400, "x")) == {
        "error": {"message": "x", "type": "invalid_request_error"}
    }


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "invalid_request_error"),
        (429, "rate_limit_error"),
        (500, "server_error"),
        (503, "server_error"),
        (418, "error"),
    ],
)
def test_default_type_follows_status(status: int, kind: str) -> None:
    assert ApiError(status, "m").type == kind


def test_pointer_tokens_are_unescaped() -> None:
    envelope = ErrorEnvelope(message="/a~1b/c~0d")
    assert error_body(envelope, ApiError(400, "m")) == {"a/b": {"c~d": "m"}}


def test_bad_pointer_is_refused() -> None:
    with pytest.raises(ValueError):
        error_body(ErrorEnvelope(message="message"), ApiError(400, "m"))


def test_internal_error_says_nothing_about_the_cause() -> None:
    error = internal_error()
    assert (error.status, error.message) == (500, INTERNAL_ERROR_MESSAGE)
    assert json.loads(error_json(PROVIDER, error))["error"]["code"] == "internal_error"


def test_headers_are_copied() -> None:
    headers = {"Retry-After": "1"}
    error = ApiError(429, "m", headers=headers)
    headers["Retry-After"] = "9"
    assert error.headers == {"Retry-After": "1"}
