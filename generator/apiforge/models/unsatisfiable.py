"""Schemas that can never match (an `allOf` with `false`), found once and made models that refuse.

JSON Schema allows them and the model generator refuses the whole document over one. Each becomes
a class that accepts nothing: a component schema is replaced by an empty object schema whose
class `source.refuse_every_value` makes refuse every value; a schema written inside another
becomes a `$ref` to one such class. The document is the model generator's input (`input.model_input`),
so the worker and the parent, which each call `find`, agree on what was replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.walk import get_ref, iter_objects, walk_pointer

__all__ = ["Unsatisfiable", "find", "replace"]

_SCHEMAS = "#/components/schemas"
_MAX_DEPTH = 200  # nesting levels and refs followed; beyond it a schema counts as satisfiable


@dataclass(frozen=True)
class Unsatisfiable:
    """What `find` saw in a document: component names, and pointers of schemas inside others."""

    components: tuple[str, ...]
    nested: tuple[str, ...]
    nothing: str  # the component the nested ones refer to, added by `replace` when there are any

    @property
    def classes(self) -> tuple[str, ...]:
        """The component schemas (by name) that `replace` leaves as classes accepting nothing."""
        return self.components + ((self.nothing,) if self.nested else ())

    @property
    def pointers(self) -> tuple[str, ...]:
        """Every schema replaced, for the warnings."""
        return tuple(jp.join(_SCHEMAS, name) for name in self.components) + self.nested


def find(document: dict[str, Any]) -> Unsatisfiable:
    """The component schemas that can never match, and the combinators inside others that cannot.

    A bare `false` inside another schema (`additionalProperties: false`, a property that must be
    absent) is left as written: the library reads it without refusing the document.
    """
    comps = document.get("components")
    schemas = comps.get("schemas") if isinstance(comps, dict) else None
    if not isinstance(schemas, dict) or not _mentions_never(schemas):
        return Unsatisfiable((), (), "")
    check = _Never(document)
    components = tuple(name for name, schema in schemas.items() if check.never(schema, 0))
    nested: list[str] = []
    skipped = tuple(("components", "schemas", name) for name in components)
    inside: tuple[str, ...] | None = None  # the last replaced node: its children go with it
    for tokens, kind, node in iter_objects({"components": {"schemas": schemas}}):
        if kind != "schema" or len(tokens) <= 3 or tokens[:3] in skipped:
            continue
        if inside is not None and tokens[: len(inside)] == inside:
            continue
        if _COMBINATORS & node.keys() and check.never(node, 0):
            nested.append(jp.from_tokens(list(tokens)))
            inside = tokens
    nothing, n = "Nothing", 2
    while nothing in schemas:
        nothing, n = f"Nothing{n}", n + 1
    return Unsatisfiable(components, tuple(nested), nothing)


def replace(document: dict[str, Any], found: Unsatisfiable) -> None:
    """Rewrite the document (the library's own copy) as `find` says."""
    if not found.components and not found.nested:
        return
    schemas = document["components"]["schemas"]
    for name in found.components:
        schemas[name] = _accepts_nothing(schemas[name])
    for pointer in found.nested:
        tokens = jp.split(pointer)
        parent = walk_pointer(document, tokens[:-1])
        last: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
        parent[last] = {"$ref": jp.join(_SCHEMAS, found.nothing)}
    if found.nested:
        schemas[found.nothing] = _accepts_nothing({})


def _accepts_nothing(schema: Any) -> dict[str, Any]:
    """An object schema (so the library writes a class, never an alias) keeping the description."""
    kept: dict[str, Any] = {"type": "object"}
    if isinstance(schema, dict) and isinstance(schema.get("description"), str):
        kept["description"] = schema["description"]
    return kept


_COMBINATORS = {"allOf", "anyOf", "oneOf", "not"}


def _mentions_never(schemas: dict[str, Any]) -> bool:
    """Whether a component is `false`, a list holds `false` (an allOf part) or `not: {}` occurs:
    most documents end the search here (`additionalProperties: false` is none of them)."""
    if any(schema is False for schema in schemas.values()):
        return True
    stack: list[Any] = [schemas]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            negated = node.get("not", False)
            if negated is True or negated == {}:
                return True
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        else:
            for value in node:
                if value is False:
                    return True
                if isinstance(value, dict | list):
                    stack.append(value)
    return False


class _Never:
    """Whether a schema can never match; each ref decided once, a ref met inside itself can."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.memo: dict[str, bool] = {}
        self.active: set[str] = set()

    def never(self, schema: Any, depth: int) -> bool:
        if schema is False:
            return True
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return False
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._never_ref(ref, depth)
        negated = schema.get("not")
        if negated is True or negated == {}:
            return True
        parts = schema.get("allOf")
        if isinstance(parts, list) and any(self.never(p, depth + 1) for p in parts):
            return True
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if (
                isinstance(options, list)
                and options
                and all(self.never(o, depth + 1) for o in options)
            ):
                return True
        return False

    def _never_ref(self, ref: str, depth: int) -> bool:
        if ref in self.memo:
            return self.memo[ref]
        if ref in self.active or not ref.startswith("#"):
            return False
        self.active.add(ref)
        try:
            target = get_ref(self.document, ref)
            answer = target is not None and self.never(target, depth + 1)
        finally:
            self.active.discard(ref)
        self.memo[ref] = answer
        return answer
