"""Responses that stray from their schema, built anyway: every field kept as the server sent it.

Servers that speak a spec drift from it (an extra field, a `null` where a string was promised); the
openai SDK hands such a body over unvalidated unless asked, and so do we: each field that validates
is typed, each that does not is kept as sent, nested objects are built the same way where possible.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError

__all__ = ["build_tolerant", "construct_tolerant", "set_request_id"]

_M = TypeVar("_M", bound=BaseModel)
_MAX_DEPTH = 64  # a body nested deeper than this keeps its inner values as sent


def build_tolerant(cls: type[_M], data: Any) -> _M | None:
    """`cls` from a body that failed validation; None when it is no object (nor a root model's)."""
    if issubclass(cls, RootModel):
        return cls.model_construct(_value(cls.model_fields["root"].annotation, data, 0))
    if isinstance(data, Mapping):
        return construct_tolerant(cls, data)
    return None


def construct_tolerant(cls: type[_M], data: Mapping[str, Any], depth: int = 0) -> _M:
    """`cls` from `data` without raising: valid fields validated, the rest kept as sent."""
    values: dict[str, Any] = {}
    known: set[str] = set()
    for name, field in cls.model_fields.items():
        key = field.alias or name
        known.update((key, name))
        if key in data:
            values[name] = _value(field.annotation, data[key], depth)
        elif name in data:
            values[name] = _value(field.annotation, data[name], depth)
    extra = {k: v for k, v in data.items() if k not in known and isinstance(k, str)}
    if cls.model_config.get("extra") != "allow":
        extra = {}  # model_construct keeps them only where the model allows extra fields
    return cls.model_construct(_fields_set=set(values), **values, **extra)


def _value(annotation: Any, raw: Any, depth: int) -> Any:
    adapter = _adapter(annotation)
    if adapter is not None:
        try:
            return adapter.validate_python(raw)
        except ValidationError:
            pass
    if depth >= _MAX_DEPTH:
        return raw
    if isinstance(raw, Mapping):
        model = _only(annotation, _is_model)
        if model is not None:
            return construct_tolerant(model, raw, depth + 1)
    if isinstance(raw, list):
        item = _only(annotation, _is_list)
        if item is not None:
            (inner,) = typing.get_args(item) or (Any,)
            return [_value(inner, entry, depth + 1) for entry in raw]
    return raw


@functools.lru_cache(maxsize=512)
def _cached_adapter(annotation: Any) -> TypeAdapter[Any] | None:
    try:
        return TypeAdapter(annotation)
    except (TypeError, ValueError, NameError):  # pydantic cannot adapt it: kept as sent
        return None


def _adapter(annotation: Any) -> TypeAdapter[Any] | None:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # unhashable annotation
        return None


def _members(annotation: Any) -> tuple[Any, ...]:
    """The members of a union (`X | None` gives X and None), else the annotation alone."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(annotation)
    return (annotation,)


def _is_model(member: Any) -> bool:
    return isinstance(member, type) and issubclass(member, BaseModel)


def _is_list(member: Any) -> bool:
    return typing.get_origin(member) is list


def _only(annotation: Any, test: typing.Callable[[Any], bool]) -> Any:
    """The one union member passing `test`; None when none does or when it is ambiguous."""
    found = [m for m in _members(annotation) if test(m)]
    return found[0] if len(found) == 1 else None


def set_request_id(result: object, request_id: str | None) -> None:
    """`result._request_id`, as openai-python's models carry it: the response's `x-request-id`."""
    if isinstance(result, BaseModel):
        object.__setattr__(result, "_request_id", request_id)
