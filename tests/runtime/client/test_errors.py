"""Status -> exception class, error-message pointers and error-body parsing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from apiforge.runtime.client import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    UnprocessableEntityError,
    extract_message,
    status_error_class,
    status_error_from_response,
    transport_error,
)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_error_class(status: int, cls: type[APIStatusError]) -> None:
    assert status_error_class(status) is cls


def test_hierarchy() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    for cls in (APIConnectionError, APIStatusError, StreamError, RateLimitError):
        assert issubclass(cls, APIError)


@pytest.mark.parametrize(
    ("body", "pointers", "expected"),
    [
        ({"error": {"message": "bad model"}}, ["/error/message", "/message"], "bad model"),
        ({"message": "flat"}, ["/error/message", "/message"], "flat"),
        ({"error": {"message": ""}, "message": "second"}, ["/error/message", "/message"], "second"),
        ({"error": "plain string"}, ["/error/message", "/error"], "plain string"),
        ({"detail": [{"msg": "field required"}]}, ["/detail/0/msg"], "field required"),
        ({"a/b": {"~c": "escaped"}}, ["/a~1b/~0c"], "escaped"),
        ({"error": {"message": 42}}, ["/error/message"], None),
        ({"detail": []}, ["/detail/0/msg"], None),
        ("text body", ["/message"], None),
        ("text body", [""], "text body"),
        (None, ["/message"], None),
        ({"message": "x"}, [], None),
        ({"message": "x"}, ["message"], None),
    ],
)
def test_extract_message(body: Any, pointers: list[str], expected: str | None) -> None:
    assert extract_message(body, pointers) == expected


class ErrorDetail(BaseModel):
    message: str
    type: str


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


def response(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "https://x.test/v1/c"), **kwargs)


def test_parsed_error_body() -> None:
    r = response(400, json={"error": {"message": "bad model", "type": "invalid_request_error"}})
    error = status_error_from_response(r, error_parser=ErrorEnvelope.model_validate)
    assert type(error) is BadRequestError
    assert error.status_code == 400
    assert error.body == ErrorEnvelope(
        error=ErrorDetail(message="bad model", type="invalid_request_error")
    )
    assert error.message == "Error code: 400 - bad model"
    assert str(error) == error.message
    assert error.response is r


def test_json_body_that_does_not_parse_is_kept_raw() -> None:
    r = response(404, json={"message": "no such model"}, headers={"x-request-id": "req_1"})
    error = status_error_from_response(r, error_parser=ErrorEnvelope.model_validate)
    assert type(error) is NotFoundError
    assert error.body == {"message": "no such model"}
    assert error.headers["x-request-id"] == "req_1"
    assert "no such model" in str(error)


def test_text_body() -> None:
    error = status_error_from_response(response(502, text="Bad gateway from proxy"))
    assert type(error) is InternalServerError
    assert error.body == "Bad gateway from proxy"
    assert error.message == "Error code: 502 - Bad gateway from proxy"


def test_empty_body_uses_the_reason_phrase() -> None:
    error = status_error_from_response(response(503), error_parser=ErrorEnvelope.model_validate)
    assert error.body is None
    assert error.message == "Error code: 503 - Service Unavailable"


def test_json_without_message_is_shown_and_truncated() -> None:
    error = status_error_from_response(response(418, json={"code": "teapot"}))
    assert error.message == 'Error code: 418 - {"code": "teapot"}'
    long = status_error_from_response(response(400, text="x" * 5000))
    assert len(long.message) < 1100


def test_dialect_pointers() -> None:
    r = response(422, json={"detail": "prompt too long"})
    assert "prompt too long" in str(status_error_from_response(r, message_pointers=["/detail"]))


def test_transport_error() -> None:
    request = httpx.Request("GET", "https://x.test")
    timeout = transport_error(httpx.ReadTimeout("slow"), request)
    assert type(timeout) is APITimeoutError
    assert timeout.request is request
    refused = transport_error(httpx.ConnectError("refused"), request)
    assert type(refused) is APIConnectionError
    assert "refused" in str(refused)
