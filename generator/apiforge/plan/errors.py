"""How a generated server refuses an invalid request: the status and error body the spec documents.

Decided once per operation, here; the server's runtime only fills the parts in. The status is 400
where the operation documents 400, else 422 where it documents 422 (as every FastAPI application
does), else 400. The body follows the schema documented for that status (or its range, or
`default`): the dialect's envelope where that schema takes it and has its message where the
envelope writes it (or declares nothing); else the error's parts at the properties named for them
(`_PARTS`, FastAPI's `detail` list, one nested `error` object) when such a body validates; else the
envelope, with a warning when even that is outside the schema. Bodies are checked by filling them
with the runtime's own functions, so what is checked here is what the server writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from apiforge.codegen import ir
from apiforge.document import pointer as jp
from apiforge.document.json_schema import to_json_schema
from apiforge.document.media import is_json
from apiforge.document.patterns import linear_validator
from apiforge.document.walk import deref
from apiforge.plan.error_fill import NO_VALUE, best_member, filler, json_text, refusal_score
from apiforge.runtime.server.errors import (
    ApiError,
    ErrorEnvelope,
    ErrorShape,
    error_body,
    shaped_body,
)

__all__ = ["Refusals"]

_RANGES = ("4XX", "4xx", "default")
# properties that carry the message, best first: the first gets it, and every required one
_MESSAGES = ("message", "detail", "error", "error_description", "title")
# property -> its JSON type -> the part it gets ("" where the schema gives no type)
_STATUS: dict[str, ir.ErrorPart] = {"integer": "status", "number": "status", "": "status"}
_PARTS: dict[str, dict[str, ir.ErrorPart]] = {
    "code": {"integer": "status", "number": "status", "string": "code", "": "code"},
    "status": {**_STATUS, "string": "status_text"},
    "statusCode": {**_STATUS, "string": "status_text"},
    "status_code": {**_STATUS, "string": "status_text"},
    "type": {"string": "type", "": "type"},
}
_KINDS = ("integer", "number", "string")
_SHAPED = frozenset({"properties", "allOf", "anyOf", "oneOf", "items", "enum", "const", "not"})


Decision = tuple[ir.Refusal, str | None]  # the refusal, and a warning when it is a misfit


class Refusals:
    """Each operation's refusal in one document; operations sharing an error schema share the work."""

    def __init__(self, doc: dict[str, Any], envelope: ir.ErrorEnvelope) -> None:
        self.doc = doc
        self.envelope = envelope
        self._decided: dict[tuple[int, int, str], Decision] = {}

    def of(self, op: Mapping[str, Any]) -> tuple[ir.Refusal, str | None, str | None]:
        """The refusal, and (response key, warning) where its body is outside the documented schema."""
        responses = op.get("responses")
        keys = [str(k) for k in responses] if isinstance(responses, dict) else []
        status = 400 if "400" in keys else 422 if "422" in keys else 400
        key = next((k for k in (str(status), *_RANGES) if k in keys), None)
        schema = _json_schema(responses[key], self.doc) if responses and key is not None else None
        if key is None or schema is None:
            return ir.Refusal(status), None, None
        memo = (id(schema), status, key)  # the document is not changed while it is read here
        if memo not in self._decided:
            self._decided[memo] = _decide(self.doc, schema, status, key, self.envelope)
        decided, warning = self._decided[memo]
        return decided, key if warning else None, warning


def _decide(
    doc: dict[str, Any], schema: Any, status: int, key: str, envelope: ir.ErrorEnvelope
) -> Decision:
    """The refusal for a response schema: the envelope, the schema's parts, or a warned envelope."""
    check = _checker(doc, schema)
    if check is None:
        return ir.Refusal(status), None
    samples = _samples(status)
    runtime_envelope = ErrorEnvelope(
        envelope.message, envelope.status, envelope.type, envelope.code
    )
    fits = all(check(error_body(runtime_envelope, e)) for e in samples)
    object_schema = deref(schema, doc)
    props, required = _properties(object_schema, doc)
    if fits and (not props or _declares(object_schema, envelope.message, doc)):
        return ir.Refusal(status), None
    every = _parts(object_schema, doc, "", every=True, status=status)
    fewer = _parts(object_schema, doc, "", every=False, status=status)
    candidates = sorted(every, key=lambda b: _unlike_refusal(b, status)) + fewer
    valid = [body for body in candidates if _validates(body, check, samples)]
    if fits and (not valid or not valid[0].parts):
        return ir.Refusal(status), None  # the envelope, which carries the message, validates
    if valid:
        return ir.Refusal(status, next((b for b in valid if b.parts), valid[0])), None
    filled = {next(iter(jp.split(p)), "") for p, _ in every[0].parts + every[0].constants}
    unfilled = [name for name in required if name not in filled]
    why = f"requires {', '.join(map(repr, unfilled))}" if unfilled else "fits no body it can fill"
    warning = (
        f"the server refuses an invalid request with {status} in the error envelope, outside the"
        f" {key} response's schema, which {why}: describe the envelope there, or name the"
        f" message property one of {', '.join(_MESSAGES)}"
    )
    return ir.Refusal(status), warning


def _validates(
    body: ir.ErrorBody, check: Callable[[Any], bool], samples: tuple[ApiError, ...]
) -> bool:
    """Whether every sample error, written in this body, validates."""
    constants = tuple((pointer, json.loads(text)) for pointer, text in body.constants)
    shape = ErrorShape(body.parts, constants)
    try:
        return all(check(shaped_body(shape, e)) for e in samples)
    except (ValueError, TypeError, IndexError):  # pointers that cross (a part inside a string)
        return False


def _json_schema(response: Any, doc: dict[str, Any]) -> Any:
    """The schema of the response's first JSON media type; None where it documents none."""
    response = deref(response, doc)
    content = response.get("content") if isinstance(response, dict) else None
    for mime, media in content.items() if isinstance(content, dict) else ():
        media = deref(media, doc)
        if is_json(mime) and isinstance(media, dict) and "schema" in media:
            return media["schema"]
    return None


def _checker(doc: dict[str, Any], schema: Any) -> Callable[[Any], bool] | None:
    """Whether a body validates against `schema` (formats unchecked); None where it cannot be told.

    jsonschema-rs (lint's validator, imported already: jsonschema's import is a tenth of an
    edit's `generate`), patterns in its linear-time engine; a schema it will not compile (one
    its meta-schema check refuses, a pattern it cannot take) goes to jsonschema, as before.
    """
    try:
        converted = to_json_schema(doc, schema, "response")
    except Exception:  # a ref that leads nowhere: not ours to judge
        return None
    try:
        import jsonschema_rs

        validator: Any = jsonschema_rs.Draft202012Validator(
            converted, validate_formats=False, pattern_options=jsonschema_rs.RegexOptions()
        )
    except Exception:
        validator = _python_validator(converted)
        if validator is None:
            return None

    def check(body: Any) -> bool:
        try:
            return bool(validator.is_valid(body))
        except Exception:
            return False

    return check


def _python_validator(converted: Any) -> Any:
    from jsonschema import Draft202012Validator

    try:
        validator = linear_validator(Draft202012Validator)(converted)
        validator.is_valid({})
    except Exception:  # a schema jsonschema refuses: not ours to judge
        return None
    return validator


def _samples(status: int) -> tuple[ApiError, ...]:
    """Errors a refusal carries (the validator's messages and codes), to fill bodies with."""
    missing = [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]
    invalid = [{"loc": ["query", "limit"], "msg": "Input should be a valid integer", "type": "int"}]
    return (
        ApiError(
            status,
            "Missing required parameter: 'name'.",
            code="missing_required_parameter",
            details=missing,
        ),
        ApiError(status, "Invalid value for 'limit': not an integer.", details=invalid),
    )


def _properties(schema: Any, doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """An object schema's properties and required names, its allOf parts' included."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for part in [schema, *(schema.get("allOf") or [] if isinstance(schema, dict) else [])]:
        part = deref(part, doc)
        if not isinstance(part, dict):
            continue
        own = part.get("properties")
        props.update(own if isinstance(own, dict) else {})
        names = part.get("required")
        required += [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
    return props, list(dict.fromkeys(required))


def _declares(schema: Any, pointer: str, doc: dict[str, Any]) -> bool:
    """Whether the schema names each property on the pointer's way (the envelope's message)."""
    for token in jp.split(pointer):
        props, _ = _properties(schema, doc)
        if token not in props:
            return False
        schema = deref(props[token], doc)
    return True


def _kinds(schema: Any, doc: dict[str, Any]) -> list[str]:
    """The JSON types a schema allows, of those a part may be: [""] where it names no type."""
    schema = deref(schema, doc)
    kind = schema.get("type") if isinstance(schema, dict) else None
    named = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
    return [k for k in _KINDS if k in named] or ([] if named else [""])


def _is_details(schema: Any, doc: dict[str, Any]) -> bool:
    """FastAPI's `detail`: an array of objects with `loc` and `msg`."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return False
    props, _ = _properties(deref(schema.get("items"), doc), doc)
    return "loc" in props and "msg" in props


def _takes_text(schema: Any, doc: dict[str, Any]) -> bool:
    """A property a message may go to: a string, or a schema that names no type and no object."""
    kinds = _kinds(schema, doc)
    if kinds == [""]:  # any value: unless it is shaped (an object's properties, branches)
        schema = deref(schema, doc)
        return not (isinstance(schema, dict) and _SHAPED.intersection(schema))
    return "string" in kinds


def _parts(
    schema: Any, doc: dict[str, Any], at: str, *, every: bool, status: int = 400
) -> list[ir.ErrorBody]:
    """The error's parts at the properties named for them; one nested `error` object (or one
    array of `errors`/`details` objects) is entered, each branch of a `oneOf`/`anyOf` there (or
    of the whole body) a body of its own, to be tried in order.

    What the schema fixes or chooses is taken from it: a `const`, the enum member that best names
    a refusal (kept where required or where it names one), a required property's example or
    plainest value. `every`: also the optional properties of `_PARTS` (an enum there may refuse
    our values).
    """
    schema = deref(schema, doc)
    branches = _branches(schema, doc)
    if branches:
        return [
            b for branch in branches for b in _parts(branch, doc, at, every=every, status=status)
        ]
    if not at and isinstance(schema, dict) and schema.get("type") == "array":
        items = deref(schema.get("items"), doc)
        listed = (
            _parts(items, doc, "/0", every=every, status=status) if isinstance(items, dict) else []
        )
        return [ir.ErrorBody("parts", b.parts, (("", "[]"), *b.constants)) for b in listed]
    props, required = _properties(schema, doc)
    parts: list[tuple[str, ir.ErrorPart]] = []
    constants: list[tuple[str, str]] = []
    taken: set[str] = set()

    def put(name: str, part: ir.ErrorPart) -> None:
        parts.append((f"{at}/{jp.escape(name)}", part))
        taken.add(name)

    def fix(name: str, value: Any) -> None:
        constants.append((f"{at}/{jp.escape(name)}", json_text(value)))
        taken.add(name)

    for name, sub in props.items():
        members = _members(sub, doc)
        if members is not None:
            member, score = best_member(members, status)
            if member is not NO_VALUE and (name in required or score > 0):
                fix(name, member)
            taken.add(name)  # an optional one is left out: nothing else may go there
        elif _is_details(sub, doc):
            put(name, "details")
    placed = False
    for name in _MESSAGES:
        free = name in props and name not in taken and _takes_text(props[name], doc)
        if free and (not placed or name in required):
            put(name, "message")
            placed = True
    for name, table in _PARTS.items():
        wanted = name in props and name not in taken and (every or name in required)
        kinds = _kinds(props[name], doc) if wanted else []
        part = next((table[k] for k in kinds if k in table), None)
        if part is not None:
            put(name, part)
    inner: list[ir.ErrorBody] = [ir.ErrorBody("parts")]
    nested, entered = _nested(props, taken, doc)
    if not placed and at.count("/") < 3 and nested is not None:
        inner = _parts(nested, doc, f"{at}/{entered}", every=every, status=status)
        taken.add(entered.split("/")[0])
    for name in required:
        if name in props and name not in taken and _allows_null(props[name], doc):
            put(name, "null")
        elif name not in taken:
            value = filler(props.get(name, True), doc, status, name)
            if value is not NO_VALUE:
                fix(name, value)
    return [ir.ErrorBody("parts", (*parts, *i.parts), (*constants, *i.constants)) for i in inner]


def _branches(schema: Any, doc: dict[str, Any]) -> list[Any]:
    """A body's `oneOf`/`anyOf` branches, where it names no properties of its own."""
    if not isinstance(schema, dict) or _properties(schema, doc)[0]:
        return []
    return [*(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]


def _nested(props: dict[str, Any], taken: set[str], doc: dict[str, Any]) -> tuple[Any, str]:
    """The one object an error's parts may go into: `error`, or the first item of `errors`."""
    for name in ("error", "errors", "details"):
        sub = deref(props.get(name), doc)
        if name in taken or not isinstance(sub, dict):
            continue
        if name == "error" and sub.get("type") in (None, "object"):
            return sub, name
        items = deref(sub.get("items"), doc)
        if sub.get("type") == "array" and isinstance(items, dict):
            return items, f"{name}/0"
    return None, ""


def _unlike_refusal(body: ir.ErrorBody, status: int = 400) -> int:
    """How little a body's fixed values name a refusal (`invalid_request_error`, the status)."""
    values = [json.loads(text) for _, text in body.constants]
    scalars = [v for v in values if isinstance(v, str | int | float)]
    mismatched = any(
        isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 and v != status
        for v in scalars
    )
    return int(mismatched) * 10 - sum(refusal_score(v, status) for v in scalars)


def _members(schema: Any, doc: dict[str, Any]) -> list[Any] | None:
    """The values a schema allows where it lists them (`const`, `enum`); None for anything else."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return [schema["const"]]
    enum = schema.get("enum")
    return list(enum) if isinstance(enum, list) and enum else None


def _allows_null(schema: Any, doc: dict[str, Any], branch: bool = False) -> bool:
    """3.0's `nullable`, 3.1's `type: [.., "null"]`, or such a branch of `anyOf`/`oneOf`."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if (
        schema.get("nullable") is True
        or kind == "null"
        or isinstance(kind, list)
        and "null" in kind
    ):
        return True
    branches = [] if branch else [*(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
    return any(_allows_null(b, doc, branch=True) for b in branches)
