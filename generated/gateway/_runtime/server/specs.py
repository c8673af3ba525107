"""What a generated server module states about each operation: its body, stream, parameters,
status and refusal, as frozen values `Server` reads (the request pipeline is app.py's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from .dispatch import Condition
from .errors import ErrorShape

__all__ = ["BodySpec", "OperationSpec", "ParamSpec", "RequestContext", "StreamSpec"]


@dataclass(frozen=True)
class RequestContext:
    """What a handler learns besides the body and parameters: who called, and how."""

    operation_id: str
    api_key: str | None  # the caller's key; checked when the operation requires auth
    headers: Mapping[str, str]
    client: str | None  # the peer's address
    raw_body: bytes = b""  # as received: for what the models do not keep (unknown keywords)


@dataclass(frozen=True)
class BodySpec:
    model: type[BaseModel]
    required: bool = True
    unknown: Literal["ignore", "reject", "allow"] = "ignore"
    nullable: bool = False  # a JSON `null` body is the spec's, and reaches the handler as None


@dataclass(frozen=True)
class StreamSpec:
    """x-apiforge-stream: the flag (wire name), the chunk model, the sentinel, the usage pointer."""

    flag: str
    chunk: type[BaseModel]
    done: str = "[DONE]"
    include_usage: str | None = None


@dataclass(frozen=True)
class ParamSpec:
    name: str  # attribute of the operation's parameters dataclass
    wire_name: str
    location: Literal["path", "query", "header", "cookie"]
    choices: tuple[str, ...] = ()  # the route matches only these (see params.route_path)


@dataclass(frozen=True)
class OperationSpec:
    """Everything the spec decides about one operation, as the generated module states it."""

    operation_id: str
    method: str
    path: str
    status: int = 200
    response: type[BaseModel] | None = None
    requires_auth: bool = False
    body: BodySpec | None = None
    params: tuple[ParamSpec, ...] = ()
    params_type: type[Any] | None = None
    stream: StreamSpec | None = None
    models_without_tools: tuple[str, ...] = ()
    rate_limit: float | None = None  # requests per second, from x-apiforge-rate-limit
    refusal_status: int = (
        400  # for an invalid body or parameter: 400, or the 422 the spec documents
    )
    refusal_shape: ErrorShape | None = None  # that answer's body where not the envelope
    route: str = ""  # the path requests reach, where the spec's key has a `#` or `?` part
    selector: tuple[Condition, ...] = ()  # what picks this operation among others on its route
