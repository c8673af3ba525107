"""Which optional request properties may be absent but not null: the spec knows, the models do not.

datamodel-code-generator writes an optional property as `x: T | None = None` whether or not its
schema allows null, so a generated server needs this list to refuse `{"x": null}` as the spec does.
"""

from __future__ import annotations

from typing import Any

from apiforge import ir
from apiforge import pointer as jp
from apiforge.models import ModelIndex
from apiforge.walk import deref, get_ref, is_ref, iter_objects

_SCHEMAS = "#/components/schemas"
_MAX_DEPTH = 200  # nesting levels and refs followed; beyond it the answer is "unsure"


def not_null_fields(
    doc: dict[str, Any], index: ModelIndex, bodies: list[str]
) -> tuple[ir.NotNull, ...]:
    """For each class reachable from a request body class: its optional, non-nullable properties."""
    out: list[ir.NotNull] = []
    memo: dict[str, bool] = {}
    for name in sorted(_reachable(_schema_refs(doc), bodies)):
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
            and not allows_null(properties[f.wire_name], doc, memo)
        )
        if wire:
            out.append(ir.NotNull(name, wire))
    return tuple(out)


def allows_null(schema: Any, doc: dict[str, Any], memo: dict[str, bool] | None = None) -> bool:
    """Whether JSON `null` is valid against the schema; True when unsure (never refuse wrongly).

    `memo` keeps the answer per ref across calls on the same document.
    """
    return _NullCheck(doc, {} if memo is None else memo).allows(schema, 0)


class _NullCheck:
    """Each ref is decided once (a shared target is not re-walked); a ref met again inside itself
    is a cycle, and counts as allowing null."""

    def __init__(self, doc: dict[str, Any], memo: dict[str, bool]) -> None:
        self.doc = doc
        self.memo = memo
        self.active: set[str] = set()

    def allows(self, schema: Any, depth: int) -> bool:
        if is_ref(schema):
            return self._allows_ref(schema["$ref"], depth)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return schema is not False
        if schema.get("nullable") is True:  # OpenAPI 3.0
            return True
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else kind
        if isinstance(kinds, list) and "null" not in kinds:
            return False
        if "const" in schema and schema["const"] is not None:
            return False
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            return False
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and not any(self.allows(o, depth + 1) for o in options):
                return False
        parts = schema.get("allOf")
        return not isinstance(parts, list) or all(self.allows(p, depth + 1) for p in parts)

    def _allows_ref(self, ref: str, depth: int) -> bool:
        if ref in self.memo:
            return self.memo[ref]
        if ref in self.active or depth > _MAX_DEPTH:
            return True
        self.active.add(ref)
        try:
            answer = self.allows(get_ref(self.doc, ref), depth + 1)
        finally:
            self.active.discard(ref)
        self.memo[ref] = answer
        return answer


def _properties(
    schema: dict[str, Any], doc: dict[str, Any], seen: set[str] | None = None, depth: int = 0
) -> dict[str, Any]:
    """Declared properties, including those of allOf parts (each ref's parts read once)."""
    seen = set() if seen is None else seen
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or [] if depth < _MAX_DEPTH else []:
        if is_ref(part):
            if part["$ref"] in seen:
                continue
            seen.add(part["$ref"])
        part = deref(part, doc)
        if isinstance(part, dict):
            found.update(_properties(part, doc, seen, depth + 1))
    props = schema.get("properties")
    found.update(props if isinstance(props, dict) else {})
    return found


def _schema_refs(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Component schema name -> the component schemas its own schema positions refer to.

    Only schema positions count: a `$ref` inside `x-...`, `example` or `default` is data.
    """
    refs: dict[str, set[str]] = {}
    for tokens, kind, node in iter_objects(doc):
        if kind != "schema" or len(tokens) < 3 or tokens[:2] != ("components", "schemas"):
            continue
        ref = node.get("$ref")
        target = _component_schema(ref) if isinstance(ref, str) else None
        if target is not None:
            refs.setdefault(tokens[2], set()).add(target)
    return refs


def _component_schema(ref: str) -> str | None:
    """`#/components/schemas/Name` (or a pointer inside it) -> Name; None for any other ref."""
    if not ref.startswith("#/"):
        return None
    tokens = jp.split(ref)
    return tokens[2] if len(tokens) >= 3 and tokens[:2] == ["components", "schemas"] else None


def _reachable(refs: dict[str, set[str]], roots: list[str]) -> set[str]:
    """Component schema names reachable through $refs from the named ones."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(refs.get(name, ()))
    return seen
