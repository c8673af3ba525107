"""What a client method's docstring says about an operation and each argument, as clean sentences."""

from __future__ import annotations

import json
from typing import Any

from apiforge.document.walk import deref

__all__ = ["property_doc", "sentence", "summary_doc"]

# keyword -> how the docstring reads it
_CONSTRAINTS = (
    ("minimum", "at least {}"),
    ("exclusiveMinimum", "greater than {}"),
    ("maximum", "at most {}"),
    ("exclusiveMaximum", "less than {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
    ("pattern", "matching `{}`"),
)
_MAX_VALUE = 80  # a longer default or bound is left out rather than flooding the docstring


def sentence(text: Any) -> str:
    """Whitespace folded, first letter up, ending in a full stop."""
    words = " ".join(str(text).split()) if text else ""
    if not words:
        return ""
    words = words[:1].upper() + words[1:]
    return words if words[-1] in ".!?" else words + "."


def summary_doc(summary: Any, description: Any) -> str:
    """The operation's summary, then its description where that says more."""
    first, rest = sentence(summary), sentence(description)
    if not first:
        return rest
    return first if not rest or rest == first else f"{first} {rest}"


def property_doc(schema: Any, doc: dict[str, Any], depth: int = 0) -> str:
    """A property's description, then its default and constraints, from its (deref'd) schema."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict) or depth > 4:
        return ""
    parts = [sentence(schema.get("description"))]
    if not parts[0]:
        for key in ("allOf", "anyOf", "oneOf"):  # a wrapped $ref says what it is in there
            members = schema.get(key)
            if isinstance(members, list) and len(members) >= 1:
                inner = property_doc(members[0], doc, depth + 1).split(" Defaults to ")[0]
                parts = [inner.split(" Must be ")[0]]
                break
    if "default" in schema:
        shown = _shown(json.dumps(schema["default"], ensure_ascii=False))
        if shown:
            parts.append(f"Defaults to `{shown}`.")
    bounds = [
        text.format(_shown(schema[key]))
        for key, text in _CONSTRAINTS
        if key in schema and not isinstance(schema[key], bool) and _shown(schema[key])
    ]
    if bounds:
        parts.append(sentence("Must be " + ", ".join(bounds)))
    return " ".join(p for p in parts if p)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= _MAX_VALUE else ""
