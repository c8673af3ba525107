"""The JSON Schema 2020-12 keywords beyond OpenAPI 3.0's set, read from one schema object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apiforge.document import pointer as jp

__all__ = ["CONTENT", "SLOTS", "Extra", "Slot", "merge_extra", "read_extra"]

Sub = tuple[Any, str]  # as schema.Sub: a schema node and its physical pointer
Slot = tuple[str, str]  # (keyword, key within it: a pattern, a property name, or "")

SLOTS = {  # keyword -> kind stem; these hold one subschema, or (maps) one per key
    "not": "not",
    "if": "if",
    "then": "then",
    "else": "else",
    "contains": "contains",
    "propertyNames": "property-names",
    "unevaluatedProperties": "unevaluated-properties",
    "unevaluatedItems": "unevaluated-items",
    "contentSchema": "content-schema",
    "patternProperties": "pattern-properties",
    "dependentSchemas": "dependent-schemas",
}
_MAPS = ("patternProperties", "dependentSchemas")
CONTENT = {"contentMediaType": "content-media-type", "contentEncoding": "content-encoding"}


@dataclass
class Extra:
    """What a schema says with the 2020-12 keywords: subschemas by slot, and plain values."""

    slots: dict[Slot, list[Sub]] = field(default_factory=dict)
    prefix_items: list[list[Sub]] = field(default_factory=list)
    dependent_required: dict[str, frozenset[str]] = field(default_factory=dict)
    content: dict[str, str] = field(default_factory=dict)  # contentMediaType/contentEncoding
    min_contains: int | None = None
    max_contains: int | None = None


def read_extra(node: Mapping[str, Any], ptr: str) -> Extra:
    """The 2020-12 keywords of one schema object (its `allOf` members are merged by the caller)."""
    extra = Extra()
    for keyword in SLOTS:
        value = node.get(keyword)
        if keyword in _MAPS:
            for key, sub in value.items() if isinstance(value, Mapping) else ():
                extra.slots[(keyword, str(key))] = [(sub, jp.join(ptr, keyword, str(key)))]
        elif isinstance(value, Mapping | bool):
            extra.slots[(keyword, "")] = [(value, jp.join(ptr, keyword))]
    prefix = node.get("prefixItems")
    if isinstance(prefix, list):
        extra.prefix_items = [[(s, jp.join(ptr, "prefixItems", i))] for i, s in enumerate(prefix)]
    dependent = node.get("dependentRequired")
    for key, names in dependent.items() if isinstance(dependent, Mapping) else ():
        if isinstance(names, list):
            extra.dependent_required[str(key)] = frozenset(str(n) for n in names)
    for keyword in CONTENT:
        if isinstance(node.get(keyword), str):
            extra.content[keyword] = node[keyword]
    if ("contains", "") in extra.slots:
        extra.min_contains = _count(node.get("minContains"), 1)
        extra.max_contains = _count(node.get("maxContains"), None)
    return extra


def _count(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def merge_extra(a: Extra, b: Extra) -> None:
    """Fold `b` into `a` as `allOf` would: both must hold."""
    for slot, subs in b.slots.items():
        a.slots[slot] = a.slots.get(slot, []) + subs
    for i, subs in enumerate(b.prefix_items):
        if i < len(a.prefix_items):
            a.prefix_items[i] = a.prefix_items[i] + subs
        else:
            a.prefix_items.append(subs)
    for key, names in b.dependent_required.items():
        a.dependent_required[key] = a.dependent_required.get(key, frozenset()) | names
    for keyword, value in b.content.items():
        a.content.setdefault(keyword, value)
    if b.min_contains is not None:
        a.min_contains = max(a.min_contains or 0, b.min_contains)
    if b.max_contains is not None:
        a.max_contains = min(x for x in (a.max_contains, b.max_contains) if x is not None)
