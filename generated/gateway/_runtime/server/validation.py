"""Request bytes -> a validated model, or an ApiError(400) whose message names the offending field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, RootModel, ValidationError

from .errors import ApiError

__all__ = [
    "NotNullTable",
    "field_value",
    "is_json_content_type",
    "parse_json_body",
    "read_pointer",
    "reject_nulls",
    "reject_tools_for_models",
    "validation_error",
]

M = TypeVar("M", bound=BaseModel)
UnknownProperties = Literal["ignore", "reject", "allow"]
NotNullTable = Mapping[type[BaseModel], frozenset[str]]  # class -> wire names that refuse null


def is_json_content_type(value: str | None) -> bool:
    """JSON media types (and none at all, which we read as JSON, as most APIs do)."""
    if not value:
        return True
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_json_body(
    raw: bytes,
    model: type[M],
    *,
    required: bool,
    nullable: bool = False,
    unknown: UnknownProperties = "allow",
    content_type: str | None = None,
    not_null: NotNullTable | None = None,
) -> M | None:
    """Strict JSON validation (no "1" for 1): what the spec's JSON Schema accepts, nothing more."""
    if not raw.strip():
        if required:
            raise ApiError(
                400, "The request body is missing: send a JSON object.", code="missing_body"
            )
        return None
    if not is_json_content_type(content_type):
        raise ApiError(
            400,
            f"Unsupported Content-Type {content_type!r}: send the body as application/json.",
            code="invalid_content_type",
        )
    if nullable and raw.strip() == b"null":
        return None
    try:
        value = model.model_validate_json(raw, strict=True, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise validation_error(exc, raw) from None
    if unknown == "reject" and model.model_config.get("extra") != "forbid":
        _reject_unknown(raw, model)
    elif unknown == "ignore":
        _drop_undeclared(value)
    if not_null:
        reject_nulls(value, not_null)
    return value


def reject_nulls(value: Any, not_null: NotNullTable) -> None:
    """ApiError(400) for an explicit null where the spec allows a property to be absent, not null.

    The models read both as None; `model_fields_set` tells them apart.
    """
    loc = _banned_null(value, not_null)
    if loc is not None:
        raise ApiError(
            400,
            f"Invalid value for '{_format_loc(loc)}': null is not allowed; leave it out instead.",
            code="invalid_value",
        )


_CONTAINERS = (BaseModel, list, dict)


def _banned_null(value: Any, not_null: NotNullTable) -> tuple[str | int, ...] | None:
    """Where the first banned null is (the path is built only when there is one)."""
    if isinstance(value, BaseModel):
        cls = type(value)
        wires = _inherited(cls, not_null)
        banned = _attributes(cls, wires) if wires else frozenset()
        fields = value.__dict__
        for name in value.model_fields_set:
            child = fields.get(name)
            if child is None:
                if name in banned:
                    return (_attribute_wire_names(cls)[name],)
            elif isinstance(child, _CONTAINERS):
                found = _banned_null(child, not_null)
                if found is not None:
                    if isinstance(value, RootModel):  # the JSON value itself: no name of its own
                        return found
                    return (_attribute_wire_names(cls)[name], *found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, _CONTAINERS):
                found = _banned_null(item, not_null)
                if found is not None:
                    return (i, *found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, _CONTAINERS):
                found = _banned_null(item, not_null)
                if found is not None:
                    return (str(key), *found)
    return None


def _inherited(cls: type[BaseModel], not_null: NotNullTable) -> frozenset[str]:
    """The class's entry and its bases' (an allOf's class extends its parts' classes)."""
    wires = not_null.get(cls, frozenset())
    for base in cls.__mro__[1:]:
        more = not_null.get(base)
        if more:
            wires |= more
    return wires


@lru_cache(maxsize=256)
def _attributes(model: type[BaseModel], wire_names: frozenset[str]) -> frozenset[str]:
    return frozenset(a for a, w in _attribute_wire_names(model).items() if w in wire_names)


def _format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else (f".{item}" if out else item)
    return out


def _reject_unknown(raw: bytes, model: type[BaseModel]) -> None:
    data = json.loads(raw)
    if isinstance(data, dict):
        unknown = sorted(set(data) - _wire_names(model).keys())
        if unknown:
            raise _unknown_error(unknown)


def _drop_undeclared(value: BaseModel) -> None:
    """x-apiforge-unknown-properties: ignore: a top-level property the body does not declare is
    accepted and dropped, so it never reaches the handler (the model keeps what others send)."""
    extra = value.__pydantic_extra__
    if extra:
        value.__pydantic_fields_set__.difference_update(extra)
        extra.clear()


def _unknown_error(names: Sequence[str]) -> ApiError:
    listed = ", ".join(f"'{n}'" for n in names)
    plural = "s" if len(names) > 1 else ""
    return ApiError(
        400, f"Unrecognized request argument{plural} supplied: {listed}.", code="unknown_parameter"
    )


def validation_error(exc: ValidationError, raw: bytes | None = None) -> ApiError:
    """One message for a pydantic error list: the first problem, its field, and how many more."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    if not errors:
        return ApiError(400, "The request is invalid.", code="invalid_request")
    data = _loads(raw)
    extra = [_path(e["loc"], data) for e in errors if e["type"] == "extra_forbidden"]
    if extra:
        return _unknown_error(extra)
    first = errors[0]
    kind, path, msg = first["type"], _path(first["loc"], data), str(first["msg"])
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    if kind == "json_invalid":
        detail = msg.removeprefix("Invalid JSON: ")
        return ApiError(400, f"The request body is not valid JSON: {detail}.", code="invalid_json")
    if not path:
        return ApiError(400, f"The request body is invalid: {msg}{tail}.", code="invalid_request")
    name = f"'{path}'"
    if kind == "missing":
        return ApiError(
            400, f"Missing required parameter: {name}{tail}.", code="missing_required_parameter"
        )
    return ApiError(400, f"Invalid value for {name}: {msg}{tail}.", code="invalid_value")


def _loads(raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _path(loc: Iterable[int | str], data: Any) -> str:
    """`messages[0].role`: keys and indexes found in the input; union tags pydantic adds are skipped."""
    items = list(loc)
    out = ""
    for i, item in enumerate(items):
        if isinstance(item, int) and isinstance(data, list) and 0 <= item < len(data):
            out, data = f"{out}[{item}]", data[item]
        elif isinstance(item, str) and isinstance(data, dict) and item in data:
            out, data = f"{out}.{item}" if out else item, data[item]
        elif data is None or i == len(items) - 1:  # no input to follow, or a missing key
            part = f"[{item}]" if isinstance(item, int) else str(item)
            out = f"{out}.{part}" if out and not part.startswith("[") else out + part
            data = None
    return out


@lru_cache(maxsize=256)
def _wire_names(model: type[BaseModel]) -> dict[str, str]:
    """JSON property name -> attribute name."""
    return {(f.alias or name): name for name, f in model.model_fields.items()}


@lru_cache(maxsize=256)
def _attribute_wire_names(model: type[BaseModel]) -> dict[str, str]:
    """Attribute name -> JSON property name."""
    return {name: (f.alias or name) for name, f in model.model_fields.items()}


def field_value(model: BaseModel, wire_name: str) -> Any:
    """The value of the property named `wire_name` on the wire, or None when the model has none."""
    name = _wire_names(type(model)).get(wire_name)
    return getattr(model, name, None) if name is not None else None


def read_pointer(value: Any, pointer: str) -> Any:
    """Follow an RFC 6901 pointer through models, dicts and lists; None where it leads nowhere."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, BaseModel):
            value = field_value(value, token)
        elif isinstance(value, Mapping):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def reject_tools_for_models(body: BaseModel, prefixes: tuple[str, ...]) -> None:
    """x-apiforge-models-without-tools: `tools` sent to a model whose ID starts with a prefix is a 400."""
    model = field_value(body, "model")
    if (
        prefixes
        and isinstance(model, str)
        and model.startswith(prefixes)
        and field_value(body, "tools")
    ):
        raise ApiError(
            400,
            f"The model '{model}' does not support tool calling: remove 'tools' from the request.",
            code="tools_not_supported",
        )
