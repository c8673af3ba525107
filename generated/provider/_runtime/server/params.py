"""Path, query, header and cookie parameters: the route Starlette matches, and the reader that
turns a request's values into the operation's parameters dataclass, refusing in FastAPI's words."""

from __future__ import annotations

import hashlib
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor
from starlette.requests import Request

from .errors import ApiError
from .specs import OperationSpec
from .validation import validation_error

__all__ = ["error_details", "param_reader", "route_path"]


def error_details(exc: ValidationError, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    """pydantic's errors as FastAPI lists them in a 422: {loc, msg, type}, loc led by where."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return [{"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]


def route_path(spec: OperationSpec) -> str:
    """The route with each `{wire name}` renamed to its identifier, as Starlette requires; a
    reserved expansion `{+name}` (RFC 6570: its value may hold `/`) matches as a `:path`.

    Two parameters in one segment with no text between them (`/blog/{page}{extension}`) split
    wherever Starlette's greedy match happens to; where one of them takes only listed strings
    (an enum: `.json`, `.md`), it matches only those, so `notes.md.json` is `notes.md` + `.json`.
    """
    names = {p.wire_name: p.name for p in spec.params if p.location == "path"}
    choices = {p.wire_name: p.choices for p in spec.params if p.location == "path" and p.choices}

    def rename(match: re.Match[str]) -> str:
        wire = match[1].removeprefix("+")
        name = names.get(wire, wire)
        if match[1].startswith("+"):
            return "{" + name + ":path}"
        if wire in choices:
            return "{" + name + ":" + _choice_convertor(choices[wire]) + "}"
        return "{" + name + "}"

    return re.sub(r"\{([^{}]+)\}", rename, spec.route or spec.path)


def _choice_convertor(values: tuple[str, ...]) -> str:
    """The name of a Starlette convertor matching exactly `values` (registered once, by content)."""
    pattern = "|".join(re.escape(v) for v in sorted(set(values), key=lambda v: (-len(v), v)))
    name = "apiforge_" + hashlib.sha256(pattern.encode()).hexdigest()[:16]
    if name not in CONVERTOR_TYPES:

        class Choice(Convertor[str]):
            regex = f"(?:{pattern})"

            def convert(self, value: str) -> str:
                return value

            def to_string(self, value: str) -> str:
                return value

        register_url_convertor(name, Choice())
    return name


def param_reader(spec: OperationSpec) -> Callable[[Request], object] | None:
    """Path, query, header and cookie values -> the operation's parameters dataclass (lax: "5" is 5)."""
    if spec.params_type is None:
        return None
    adapter: TypeAdapter[Any] = TypeAdapter(spec.params_type)
    hints = typing.get_type_hints(spec.params_type)
    repeated = {f.name for f in fields(spec.params_type) if _is_list(hints.get(f.name))}
    labels = {p.name: f"{p.location} parameter '{p.wire_name}'" for p in spec.params}
    places = {p.name: (p.location, p.wire_name) for p in spec.params}

    def read(request: Request) -> object:
        values: dict[str, Any] = {}
        for p in spec.params:
            value: Any
            if p.location == "path":
                value = request.path_params.get(p.name)
            elif p.location == "query" and p.name in repeated:
                value = request.query_params.getlist(p.wire_name) or None
            elif p.location == "query":
                value = request.query_params.get(p.wire_name)
            elif p.location == "header":
                value = request.headers.get(p.wire_name.lower())
            else:
                value = request.cookies.get(p.wire_name)
            if value is not None:
                values[p.name] = value
        try:
            return adapter.validate_python(values)
        except ValidationError as exc:
            raise params_error(exc, labels, places) from None

    return read


def params_error(
    exc: ValidationError, labels: Mapping[str, str], places: Mapping[str, tuple[str, str]]
) -> ApiError:
    first = exc.errors(include_url=False, include_input=False)[0]
    loc = first["loc"]
    label = labels.get(str(loc[0])) if loc else None
    details = [  # FastAPI's loc: location, wire name, then what is inside the value
        {**d, "loc": [*places.get(str(d["loc"][0]), d["loc"][:1]), *d["loc"][1:]]}
        for d in error_details(exc, ())
        if d["loc"]
    ]
    if label is None:
        error = validation_error(exc)
        error.details = details
        return error
    if first["type"] == "missing":
        message = f"Missing required {label}."
        return ApiError(400, message, code="missing_required_parameter", details=details)
    message = f"Invalid value for {label}: {first['msg']}."
    return ApiError(400, message, code="invalid_value", details=details)


def _is_list(annotation: Any) -> bool:
    """`list[int]`, also inside `| None`: the query parameter may repeat."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False
