"""What one call sends, decided without I/O: credentials, path, query, headers and body bytes."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlencode

from pydantic import BaseModel, RootModel

from .notgiven import NotGiven

__all__ = [
    "Auth",
    "AuthKind",
    "compose_body",
    "compose_optional_body",
    "encode_body",
    "env_setting",
    "fill_path",
    "header_values",
    "merge_json",
    "or_fixed",
    "query_values",
]

_M = TypeVar("_M", bound=BaseModel)

AuthKind = Literal["bearer", "header", "query", "basic"]
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"


@dataclasses.dataclass(frozen=True)
class Auth:
    """Where the API key goes: `Authorization: Bearer`, a named header or query key, or Basic."""

    kind: AuthKind = "bearer"
    name: str = "Authorization"

    def apply(self, key: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Add `key` as this scheme sends it; for Basic, `key` is `user:password`."""
        if self.kind == "bearer":
            headers["Authorization"] = f"Bearer {key}"
        elif self.kind == "basic":
            token = base64.b64encode(key.encode("utf-8")).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        elif self.kind == "header":
            headers[self.name] = key
        else:
            params[self.name] = key


def env_setting(given: str | None, prefix: str, name: str) -> str | None:
    """An explicit argument, else the non-empty environment variable `<prefix>_<name>`, else None."""
    if given is not None:
        return given
    return os.environ.get(f"{prefix}_{name}") or None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_text(item) for item in value)
    return str(value)


def _given(values: Mapping[str, object] | None) -> dict[str, object]:
    """The entries a caller actually passed: NOT_GIVEN and None mean leave it out."""
    if not values:
        return {}
    return {k: v for k, v in values.items() if v is not None and not isinstance(v, NotGiven)}


def fill_path(template: str, values: Mapping[str, object] | None) -> str:
    """Substitute `{name}` segments with percent-encoded values (a `/` in a value stays data);
    a reserved expansion `{+name}` (RFC 6570, Google's `/v1/{+name}`) keeps its `/` as a separator."""
    for name, value in (values or {}).items():
        text = _text(value)
        template = template.replace("{" + name + "}", quote(text, safe=""))
        template = template.replace("{+" + name + "}", quote(text, safe="/"))
    return template


def or_fixed(value: object, fixed: str) -> object:
    """A parameter the operation's route fixes (`/#X-Amz-Target=Svc.Op`): the caller's value if
    given, else the one that reaches this operation."""
    return fixed if value is None or isinstance(value, NotGiven) else value


def query_values(values: Mapping[str, object] | None) -> dict[str, Any]:
    """Query parameters for httpx (lists repeat the key); unset ones are dropped."""
    return _given(values)


def header_values(
    values: Mapping[str, object] | None, cookies: Mapping[str, object] | None = None
) -> dict[str, str]:
    """Header parameters as text (lists comma-joined), plus cookie parameters as one `Cookie`."""
    headers = {name: _text(value) for name, value in _given(values).items()}
    jar = _given(cookies)
    if jar:
        headers["Cookie"] = "; ".join(f"{k}={quote(_text(v), safe='')}" for k, v in jar.items())
    return headers


def compose_body(
    model: type[_M], body: _M | Mapping[str, Any] | None, fields: Mapping[str, object]
) -> _M:
    """The request model from keyword arguments, or from `body` (the model or its TypedDict)
    with the given ones overriding."""
    given = {k: v for k, v in fields.items() if not isinstance(v, NotGiven)}
    if body is None:
        return model.model_validate(given)
    if not given:
        return body if isinstance(body, model) else model.model_validate(body)
    merged = (
        body.model_dump(by_alias=True, exclude_unset=True)
        if isinstance(body, BaseModel)
        else dict(body)
    )
    merged.update(given)
    return model.model_validate(merged)


def merge_json(content: bytes | None, extra: Mapping[str, object]) -> bytes:
    """A JSON object body with `extra`'s properties set over it (openai-python's `extra_body`)."""
    try:
        data = json.loads(content) if content else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TypeError("extra_body needs a request body that is a JSON object")
    data.update(extra)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def compose_optional_body(
    model: type[_M], body: _M | Mapping[str, Any] | None, fields: Mapping[str, object]
) -> _M | None:
    """compose_body for an optional request body: None when the caller gave nothing at all."""
    if body is None and all(isinstance(v, NotGiven) for v in fields.values()):
        return None
    return compose_body(model, body, fields)


def encode_body(body: object, content_type: str = _JSON) -> bytes | None:
    """A request body's bytes: bytes as they are, text for `text/*`, else JSON or a form of the
    fields the caller set."""
    if body is None or isinstance(body, NotGiven):
        return None
    raw = body.root if isinstance(body, RootModel) else body
    if isinstance(raw, bytes):
        return raw
    media = content_type.split(";", 1)[0].strip().lower()  # `Text/Plain; charset=utf-8` too
    if isinstance(raw, str) and media.startswith("text/"):
        return raw.encode("utf-8")
    if media == _FORM:
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        pairs = list(body.items()) if isinstance(body, Mapping) else body
        return urlencode(pairs, doseq=True).encode("ascii")  # type: ignore[arg-type]
    if isinstance(body, BaseModel):
        return body.__pydantic_serializer__.to_json(body, by_alias=True, exclude_unset=True)
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")
