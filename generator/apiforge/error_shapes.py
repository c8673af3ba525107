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

from collections.abc import Callable, Mapping
from typing import Any

from apiforge import ir
from apiforge import pointer as jp
from apiforge.ecma_regex import linear_validator
from apiforge.json_schema import to_json_schema
from apiforge.media_types import is_json
from apiforge.runtime.server.errors import (
    ApiError,
    ErrorEnvelope,
    ErrorShape,
    error_body,
    shaped_body,
)
from apiforge.walk import deref

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
    every = _parts(object_schema, doc, "", every=True)
    for body in sorted(every, key=_unlike_refusal) + _parts(object_schema, doc, "", every=False):
        shape = ErrorShape(body.parts, body.constants)
        if body.parts and all(check(shaped_body(shape, e)) for e in samples):
            return ir.Refusal(status, body), None
    if fits:
        return ir.Refusal(status), None
    filled = {jp.split(p)[0] for p, _ in every[0].parts + every[0].constants}
    unfilled = [name for name in required if name not in filled]
    why = f"requires {', '.join(map(repr, unfilled))}" if unfilled else "fits no body it can fill"
    warning = (
        f"the server refuses an invalid request with {status} in the error envelope, outside the"
        f" {key} response's schema, which {why}: describe the envelope there, or name the"
        f" message property one of {', '.join(_MESSAGES)}"
    )
    return ir.Refusal(status), warning


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
    """Whether a body validates against `schema` (formats unchecked); None where it cannot be told."""
    from jsonschema import Draft202012Validator

    try:
        validator = linear_validator(Draft202012Validator)(to_json_schema(doc, schema, "response"))
        validator.is_valid({})
    except Exception:  # a ref that leads nowhere, a schema jsonschema refuses: not ours to judge
        return None

    def check(body: Any) -> bool:
        try:
            return bool(validator.is_valid(body))
        except Exception:
            return False

    return check


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


def _parts(schema: Any, doc: dict[str, Any], at: str, *, every: bool) -> list[ir.ErrorBody]:
    """The error's parts at the properties named for them; one nested `error` object is entered
    (each branch of its `oneOf`/`anyOf` a body of its own, to be tried in order).

    A required property the schema fixes to one string gets it, and a required one that allows
    null and gets nothing else gets null. `every`: also the optional properties of `_PARTS` (an
    enum there may refuse our values).
    """
    props, required = _properties(schema, doc)
    parts: list[tuple[str, ir.ErrorPart]] = []
    constants: list[tuple[str, str]] = []
    taken: set[str] = set()

    def put(name: str, part: ir.ErrorPart) -> None:
        parts.append((f"{at}/{jp.escape(name)}", part))
        taken.add(name)

    for name, sub in props.items():
        fixed = _constant(sub, doc)
        if fixed is not None:
            taken.add(name)  # an optional one is left out: nothing else may go there
            if name in required:
                constants.append((f"{at}/{jp.escape(name)}", fixed))
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
    nested = deref(props.get("error"), doc)
    inner: list[ir.ErrorBody] = [ir.ErrorBody("parts")]
    if not placed and not at and "error" not in taken and isinstance(nested, dict):
        branches = [*(nested.get("oneOf") or []), *(nested.get("anyOf") or [])]
        alone = branches if branches and not _properties(nested, doc)[0] else [nested]
        inner = [b for branch in alone for b in _parts(branch, doc, "/error", every=every)]
        taken.add("error")
    for name in required:
        if name in props and name not in taken and _allows_null(props[name], doc):
            put(name, "null")
    return [ir.ErrorBody("parts", (*parts, *i.parts), (*constants, *i.constants)) for i in inner]


def _unlike_refusal(body: ir.ErrorBody) -> bool:
    """False for a body whose constants name a refusal (`invalid_request_error`): tried first."""
    words = ("invalid", "validation", "bad_request", "badrequest", "unprocessable")
    return not any(w in value.lower() for _, value in body.constants for w in words)


def _constant(schema: Any, doc: dict[str, Any]) -> str | None:
    """The one string a schema allows (`const`, a one-value `enum`); None for anything else."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict):
        return None
    enum = schema.get("enum")
    value = enum[0] if isinstance(enum, list) and len(enum) == 1 else schema.get("const")
    return value if isinstance(value, str) else None


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
