"""Server-side errors: one exception carrying status and message, written in the dialect's envelope
or, for a refused request, in the shape the operation documents (`ErrorShape`)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "INTERNAL_ERROR_MESSAGE",
    "ApiError",
    "ErrorEnvelope",
    "ErrorPart",
    "ErrorShape",
    "error_body",
    "error_json",
    "internal_error",
    "not_implemented",
    "shaped_body",
]

INTERNAL_ERROR_MESSAGE = "The server had an error while processing your request."

_DEFAULT_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    429: "rate_limit_error",
}


@dataclass(frozen=True)
class ErrorEnvelope:
    """Where a dialect writes each part of an error: RFC 6901 pointers into the JSON body."""

    message: str
    status: str | None = None
    type: str | None = None
    code: str | None = None


# What goes at a pointer of a documented error body: the message, the status as a number or as
# text, the code (the type where there is none), the type, FastAPI's list of {loc, msg, type}, null.
ErrorPart = Literal["message", "status", "status_text", "code", "type", "details", "null"]


@dataclass(frozen=True)
class ErrorShape:
    """A documented error body that is not the envelope: which part of the error each pointer gets."""

    parts: tuple[tuple[str, ErrorPart], ...]
    # (pointer, the JSON value the schema fixes or requires there); "" names the whole body
    constants: tuple[tuple[str, Any], ...] = ()


class ApiError(Exception):
    """Raise from a handler (or the server) to answer `status` in the dialect's error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        details: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type or _DEFAULT_TYPES.get(status, "server_error" if status >= 500 else "error")
        self.code = code
        self.headers: dict[str, str] = dict(headers or {})
        # what was wrong, FastAPI-style ({loc, msg, type} each), for a shape that lists it
        self.details = details


def internal_error() -> ApiError:
    """The 500 for an unexpected exception: a fixed message, nothing from the exception."""
    return ApiError(500, INTERNAL_ERROR_MESSAGE, type="server_error", code="internal_error")


def not_implemented(operation_id: str) -> ApiError:
    """The 501 for an operation the handler does not implement (no method, or `Handler`'s own)."""
    message = f"The operation {operation_id} is not implemented by this server."
    return ApiError(501, message, type="server_error", code="not_implemented")


def error_body(envelope: ErrorEnvelope, error: ApiError) -> dict[str, Any]:
    """The error as the dialect's JSON object: each value written at its pointer."""
    body: dict[str, Any] = {}
    _put(body, envelope.message, error.message)
    if envelope.status is not None:
        _put(body, envelope.status, str(error.status))
    if envelope.type is not None:
        _put(body, envelope.type, error.type)
    if envelope.code is not None and error.code is not None:  # the schemas say string, not null
        _put(body, envelope.code, error.code)
    return body


def shaped_body(shape: ErrorShape, error: ApiError) -> Any:
    """The error as an operation documents it: each part written at its pointer."""
    root: Any = next((value for pointer, value in shape.constants if pointer == ""), {})
    body: Any = copy.deepcopy(root)  # the shape's values are shared by every request
    for pointer, value in shape.constants:
        if pointer:
            _put(body, pointer, copy.deepcopy(value))
    for pointer, part in shape.parts:
        _put(body, pointer, _part(error, part))
    return body


def error_json(envelope: ErrorEnvelope, error: ApiError, shape: ErrorShape | None = None) -> bytes:
    """The body's bytes: in `shape` where one is given, else in the envelope."""
    body = error_body(envelope, error) if shape is None else shaped_body(shape, error)
    return json.dumps(body, separators=(",", ":")).encode()


def _part(error: ApiError, part: ErrorPart) -> Any:
    if part == "message":
        return error.message
    if part == "status":
        return error.status
    if part == "status_text":
        return str(error.status)
    if part == "code":
        return error.code or error.type
    if part == "type":
        return error.type
    if part == "null":
        return None
    if error.details is not None:
        return [dict(detail) for detail in error.details]
    return [{"loc": [], "msg": error.message, "type": error.code or error.type}]


def _put(body: Any, pointer: str, value: Any) -> None:
    """Write `value` at `pointer`, making the objects on the way (an array's index: its item)."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    if not pointer.startswith("/") or not tokens:
        raise ValueError(f"not a JSON pointer into a body: {pointer!r}")
    node = body
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        fresh: Any = {} if following is None or not following.isdigit() else []
        if isinstance(node, list):
            index = int(token)
            while len(node) <= index:
                node.append({})
            if following is None:
                node[index] = value
            elif not isinstance(node[index], dict | list):
                node[index] = fresh
            node = node[index]
            continue
        if following is None:
            node[token] = value
        else:
            if not isinstance(node.get(token), dict | list):
                node[token] = fresh
            node = node[token]
