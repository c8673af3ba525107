"""Values a documented error body requires but a refusal does not carry: an enum's best member, a
required property's example, a type's plainest value.

A server that must answer in a schema naming `code: {enum: [...]}`, `documentation_url` or
`success: false` can only do so with values the schema itself offers; these pick them, and
`error_shapes` keeps a body only where the whole of it validates.
"""

from __future__ import annotations

import json
import math
from typing import Any

from apiforge.document.walk import deref

__all__ = ["NO_VALUE", "best_member", "filler", "json_text", "refusal_score"]

NO_VALUE = object()  # a schema this module cannot fill (a pattern, a cycle): no candidate
# words naming any refused request weigh 2; those naming one kind of it (or a part) weigh 1
_REFUSAL_WORDS = {
    "invalid": 2,
    "validation": 2,
    "bad_request": 2,
    "badrequest": 2,
    "bad request": 2,
    "unprocessable": 2,
    "malformed": 1,
    "missing": 1,
    "parameter": 1,
    "argument": 1,
    "input": 1,
}
_DEPTH = 6


def refusal_score(value: Any, status: int) -> int:
    """How plainly a value names a refused request: words of refusal, or the status itself."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return 3 if value == status else 0
    if not isinstance(value, str):
        return 0
    text = value.lower()
    named = sum(weight for word, weight in _REFUSAL_WORDS.items() if word in text)
    return named + (2 if str(status) in text else 0)


def best_member(members: list[Any], status: int) -> tuple[Any, int]:
    """The enum member that best names a refusal (the first on a tie), and its score."""
    scored = [(refusal_score(m, status), -i, m) for i, m in enumerate(members) if _is_json(m)]
    if not scored:
        return NO_VALUE, 0
    score, _, member = max(scored, key=lambda s: (s[0], s[1]))
    return member, score


def filler(schema: Any, doc: dict[str, Any], status: int, name: str = "", depth: int = 0) -> Any:
    """A value `schema` plausibly accepts, or NO_VALUE: its const, enum, example or default first."""
    schema = deref(schema, doc)
    if depth > _DEPTH or schema is False:
        return NO_VALUE
    if not isinstance(schema, dict):
        return ""  # `true` or a schema of no shape: anything goes
    if "const" in schema:
        return schema["const"] if _is_json(schema["const"]) else NO_VALUE
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return best_member(enum, status)[0]
    for key in ("example", "default"):
        if key in schema and _is_json(schema[key]) and schema[key] is not None:
            return schema[key]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and _is_json(examples[0]):
        return examples[0]
    for key in ("allOf", "anyOf", "oneOf"):
        parts = schema.get(key)
        if isinstance(parts, list) and parts and not schema.get("properties"):
            if key == "allOf":
                return _object(schema, doc, status, depth)
            return filler(parts[0], doc, status, name, depth + 1)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if schema.get("nullable") is True or "null" in kinds:
        return None
    if "object" in kinds or "properties" in schema:
        return _object(schema, doc, status, depth)
    if "array" in kinds:
        least = schema.get("minItems")
        if not isinstance(least, int) or least <= 0:
            return []
        item = filler(schema.get("items"), doc, status, name, depth + 1)
        return NO_VALUE if item is NO_VALUE else [item] * least
    if "string" in kinds:
        if "pattern" in schema:  # its example was tried above; guessing one is not ours to do
            return NO_VALUE
        least = schema.get("minLength")
        return "x" * least if isinstance(least, int) and least > 0 else ""
    if "integer" in kinds or "number" in kinds:
        return _number(schema, status, name)
    if "boolean" in kinds:
        return False
    return ""


def json_text(value: Any) -> str:
    """The value as the IR carries it (sorted keys: the same bytes on every run)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _object(schema: dict[str, Any], doc: dict[str, Any], status: int, depth: int) -> Any:
    """An object with each required property filled (allOf parts' included)."""
    body: dict[str, Any] = {}
    parts = [schema, *(schema.get("allOf") or [])]
    for part in parts:
        part = deref(part, doc)
        if not isinstance(part, dict):
            continue
        props = part.get("properties")
        props = props if isinstance(props, dict) else {}
        required = part.get("required")
        required = required if isinstance(required, list) else []
        for key in required:
            if isinstance(key, str) and key not in body:
                value = filler(props.get(key, True), doc, status, key, depth + 1)
                if value is NO_VALUE:
                    return NO_VALUE
                body[key] = value
    return body


def _number(schema: dict[str, Any], status: int, name: str) -> Any:
    """The status where the name says so and the bounds allow it, else the least allowed value."""
    low, high = schema.get("minimum"), schema.get("maximum")
    fits = (not isinstance(low, int | float) or low <= status) and (
        not isinstance(high, int | float) or status <= high
    )
    if fits and any(word in name.lower() for word in ("status", "code")):
        return status
    if isinstance(low, int | float) and not isinstance(low, bool):
        return math.ceil(low) if schema.get("type") == "integer" else low
    return 0


def _is_json(value: Any) -> bool:
    """Whether a YAML value is one JSON can carry (no dates, no infinities)."""
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False
