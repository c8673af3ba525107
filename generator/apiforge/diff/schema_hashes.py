"""Schema fingerprints: structure with names and prose removed, so equal schemas compare equal."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from apiforge.diff.schema import ANNOTATIONS, Sub, canon, effective_mapping, type_names
from apiforge.diff.side_versions import nullable_is_keyword
from apiforge.document.walk import get_ref

__all__ = ["Fingerprints"]

_SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")

Stack = tuple[str, ...]  # the refs being expanded, outermost first


class Fingerprints:
    """Fixed-size digests of schemas with refs followed, so renamed components compare equal."""

    # A schema's canonical text holds each sub-schema as that sub-schema's digest, so it stays
    # small however often a schema is named; a ref back into the refs being expanded is written
    # as its distance up that stack. Digests that depend on the stack are memoised per call.

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.nullable_keyword = nullable_is_keyword(doc)  # 3.0 `nullable` admits null; 3.1's not
        self._cache: dict[int, str] = {}  # schemas whose digest does not depend on the stack
        self._in_cycle: dict[tuple[int, Stack], tuple[str, int]] = {}  # the others, by stack

    def of(self, subs: list[Sub]) -> str:
        try:
            return "&".join(self._schema(node, ())[0] for node, _ in subs)
        finally:
            self._in_cycle.clear()

    def of_ref(self, ref: str) -> str:
        try:
            return self._ref(ref, ())[0]
        finally:
            self._in_cycle.clear()

    def _ref(self, ref: str, stack: Stack) -> tuple[str, int]:
        if ref in stack:
            at = stack.index(ref)
            return _digest(canon({"$cycle": len(stack) - at})), at
        digest, low = self._schema(get_ref(self.doc, ref), (*stack, ref))
        return digest, min(low, len(stack))

    def _schema(self, node: Any, stack: Stack) -> tuple[str, int]:
        """(digest, lowest stack index it refers back to, or len(stack) if none)."""
        if not isinstance(node, Mapping):
            return _digest(canon(node)), len(stack)
        cached = self._cache.get(id(node))
        if cached is not None:
            return cached, len(stack)
        found = self._in_cycle.get((id(node), stack))
        if found is not None:
            return found
        low = len(stack)
        parts: dict[str, str] = {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            parts["$ref"], low = self._ref(ref, stack)
        for key, value in node.items():
            if key == "$ref" or key in ANNOTATIONS or str(key).startswith("x-"):
                continue
            text, sub_low = self._keyword(node, key, value, stack)
            parts[str(key)] = text
            low = min(low, sub_low)
        _normalise_nullable(node, parts, self.nullable_keyword)
        digest = _digest("{" + ",".join(f"{canon(k)}:{parts[k]}" for k in sorted(parts)) + "}")
        if low >= len(stack):
            self._cache[id(node)] = digest
        else:
            self._in_cycle[(id(node), stack)] = digest, low
        return digest, low

    def _keyword(
        self, node: Mapping[str, Any], key: str, value: Any, stack: Stack
    ) -> tuple[str, int]:
        if key in _SCHEMA_ONE and isinstance(value, Mapping):
            return self._schema(value, stack)
        if key in _SCHEMA_LIST and isinstance(value, list):
            return self._join("[]", [(None, self._schema(item, stack)) for item in value], stack)
        if key in _SCHEMA_MAP and isinstance(value, Mapping):
            named = [(str(k), self._schema(value[k], stack)) for k in sorted(value, key=str)]
            return self._join("{}", named, stack)
        if key == "discriminator" and isinstance(value, Mapping):
            mapping = effective_mapping(value, _branches(node))
            named = [(name, self._ref(mapping[name], stack)) for name in sorted(mapping)]
            first = canon(value.get("propertyName"))
            return self._join("[]", named, stack, first)
        if key == "const":
            return canon([value]), len(stack)
        return canon(value), len(stack)

    @staticmethod
    def _join(
        brackets: str,
        parts: Sequence[tuple[str | None, tuple[str, int]]],
        stack: Stack,
        first: str | None = None,
    ) -> tuple[str, int]:
        """Bracket the parts' texts (each after `"name":` when named); the lowest back-reference."""
        texts = [] if first is None else [first]
        texts += [text if name is None else f"{canon(name)}:{text}" for name, (text, _) in parts]
        low = min((sub_low for _, (_, sub_low) in parts), default=len(stack))
        return brackets[0] + ",".join(texts) + brackets[1], min(low, len(stack))


def _digest(text: str) -> str:
    """A fixed-size stand-in for a schema's canonical text; `#` keeps it apart from any JSON."""
    return "#" + hashlib.sha256(text.encode()).hexdigest()


def _normalise_nullable(
    node: Mapping[str, Any], parts: dict[str, str], nullable_keyword: bool
) -> None:
    """Write 3.0 `nullable` and 3.1 `type: [T, "null"]` and `const` the same way.

    In 3.1 `nullable` is an unknown keyword: dropped, it admits no null, so a 3.0 schema
    copied unchanged into 3.1 no longer prints like the 3.0 one it was.
    """
    if "const" in parts:
        parts["enum"] = parts.pop("const")
    if not nullable_keyword:
        parts.pop("nullable", None)
    names = type_names(node.get("type"))
    if names is None:
        return
    if nullable_keyword and node.get("nullable") is True:
        names.add("null")
    parts.pop("nullable", None)
    parts["type"] = canon(sorted(names))


def _branches(node: Mapping[str, Any]) -> list[Any]:
    for key in ("oneOf", "anyOf"):
        if isinstance(node.get(key), list):
            return list(node[key])
    return []
