"""Which optional request properties may be absent but not null: the spec knows, the models do not.

datamodel-code-generator writes an optional property as `x: T | None = None` whether or not its
schema allows null, so a generated server needs this list to refuse `{"x": null}` as the spec does.
"""

from __future__ import annotations

from typing import Any

from apiforge import ir
from apiforge import pointer as jp
from apiforge.models import ModelIndex
from apiforge.prepare import deref, get_ref

_SCHEMAS = "#/components/schemas"


def not_null_fields(
    doc: dict[str, Any], index: ModelIndex, bodies: list[str]
) -> tuple[ir.NotNull, ...]:
    """For each class reachable from a request body class: its optional, non-nullable properties."""
    out: list[ir.NotNull] = []
    for name in sorted(_reachable(doc, bodies)):
        cls = index.classes.get(name)
        schema = deref(get_ref(doc, jp.join(_SCHEMAS, name)), doc)
        if cls is None or cls.is_root or not isinstance(schema, dict):
            continue
        properties = _properties(schema, doc)
        wire = tuple(
            f.wire_name
            for f in cls.fields
            if not f.required
            and f.wire_name in properties
            and not allows_null(properties[f.wire_name], doc)
        )
        if wire:
            out.append(ir.NotNull(name, wire))
    return tuple(out)


def allows_null(schema: Any, doc: dict[str, Any], depth: int = 0) -> bool:
    """Whether JSON `null` is valid against the schema; True when unsure (never refuse wrongly)."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict) or depth > 32:
        return schema is not False
    if schema.get("nullable") is True:  # OpenAPI 3.0
        return True
    kind = schema.get("type")
    if isinstance(kind, str | list) and "null" not in ([kind] if isinstance(kind, str) else kind):
        return False
    if "const" in schema and schema["const"] is not None:
        return False
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        return False
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and not any(allows_null(o, doc, depth + 1) for o in options):
            return False
    parts = schema.get("allOf")
    return not isinstance(parts, list) or all(allows_null(p, doc, depth + 1) for p in parts)


def _properties(schema: dict[str, Any], doc: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """Declared properties, including those of allOf parts."""
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or [] if depth < 16 else []:
        part = deref(part, doc)
        if isinstance(part, dict):
            found.update(_properties(part, doc, depth + 1))
    props = schema.get("properties")
    found.update(props if isinstance(props, dict) else {})
    return found


def _reachable(doc: dict[str, Any], roots: list[str]) -> set[str]:
    """Component schema names reachable through $refs from the named ones."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(_refs(get_ref(doc, jp.join(_SCHEMAS, name))))
    return seen


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                tokens = jp.split(ref)
                if len(tokens) == 3 and tokens[:2] == ["components", "schemas"]:
                    found.append(tokens[2])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
