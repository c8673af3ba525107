"""Exceptions raised by generated clients: one class per HTTP status, plus transport and stream."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

__all__ = [
    "DEFAULT_MESSAGE_POINTERS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "StreamError",
    "UnprocessableEntityError",
    "extract_message",
    "read_error_body",
    "status_error_class",
    "status_error_from_response",
    "transport_error",
]

# the dialect's, then FastAPI's (a 422's list, an HTTPException's string) and problem+json's
DEFAULT_MESSAGE_POINTERS: tuple[str, ...] = (
    "/error/message",
    "/message",
    "/detail/0/msg",
    "/detail",
    "/title",
)
_MAX_DETAIL = 1000


class APIError(Exception):
    """Base of every error a generated client raises, so callers can catch one type."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """The request never produced a response: DNS, refused connection, reset, protocol error."""

    request: httpx.Request | None

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None):
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request, or reading its response, ran past the configured timeout."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ):
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """A 2xx response whose body does not match the schema the spec declares."""

    response: httpx.Response
    body: Any

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.body = body


class APIStatusError(APIError):
    """A non-2xx response; `body` is the parsed error model, else raw JSON, else text."""

    status_code: int
    headers: httpx.Headers
    body: Any
    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.body = body


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class ConflictError(APIStatusError):
    """HTTP 409."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422."""


class RateLimitError(APIStatusError):
    """HTTP 429."""


class InternalServerError(APIStatusError):
    """HTTP 500 and above."""


class StreamError(APIError):
    """An error the server reported inside an event stream, after a 2xx status line."""

    body: Any

    def __init__(self, message: str, *, body: Any = None) -> None:
        super().__init__(message)
        self.body = body


_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for a non-2xx status; APIStatusError when no subclass is specific."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


def _resolve(document: Any, pointer: str) -> Any:
    """Follow an RFC 6901 pointer; raises LookupError when it does not resolve."""
    if pointer in ("", "#"):
        return document
    body = pointer.removeprefix("#")
    if not body.startswith("/"):
        raise LookupError(pointer)
    node = document
    for raw in body[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node[token]
        elif isinstance(node, list) and token.isdigit():
            node = node[int(token)]
        else:
            raise LookupError(pointer)
    return node


def extract_message(body: Any, pointers: Sequence[str]) -> str | None:
    """The first non-empty string found at one of `pointers` in an error body, else None."""
    for pointer in pointers:
        try:
            found = _resolve(body, pointer)
        except LookupError:
            continue
        if isinstance(found, str) and found:
            return found
    return None


def read_error_body(
    response: httpx.Response, error_parser: Callable[[Any], Any] | None = None
) -> tuple[Any, Any]:
    """(raw, parsed) body of a read response: JSON or text, then the error model when it parses."""
    raw: Any
    try:
        raw = response.json()
    except ValueError:
        raw = response.text or None
    if error_parser is None or raw is None:
        return raw, raw
    try:
        return raw, error_parser(raw)
    except (ValueError, TypeError):
        return raw, raw


def status_error_from_response(
    response: httpx.Response,
    *,
    error_parser: Callable[[Any], Any] | None = None,
    message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
) -> APIStatusError:
    """Build the status error for a non-2xx response whose body has been read."""
    raw, parsed = read_error_body(response, error_parser)
    detail = extract_message(raw, message_pointers)
    if detail is None and raw is not None:
        detail = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    if not detail:
        detail = response.reason_phrase
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + "..."
    message = f"Error code: {response.status_code} - {detail}"
    return status_error_class(response.status_code)(message, response=response, body=parsed)


def transport_error(exc: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    """Map an httpx failure to APITimeoutError for timeouts, else APIConnectionError."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(request=request)
    detail = f"Connection error: {exc}" if str(exc) else "Connection error."
    return APIConnectionError(detail, request=request)
