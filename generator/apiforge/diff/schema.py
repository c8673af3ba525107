"""Schema normalisation for `apiforge diff`: fold `$ref`s, `allOf` and unions into one `View`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apiforge.diff.keywords import Extra, merge_extra, read_extra
from apiforge.diff.side_versions import nullable_is_keyword
from apiforge.document import pointer as jp
from apiforge.document.walk import get_ref

__all__ = [
    "ANNOTATIONS",
    "LOWER",
    "MISSING",
    "UPPER",
    "Bound",
    "Sub",
    "View",
    "ViewCache",
    "canon",
    "effective_mapping",
    "is_null",
    "last_token",
    "tighter_lower",
    "tighter_upper",
    "type_names",
]

ANNOTATIONS = frozenset(
    {"description", "title", "summary", "example", "examples", "$comment", "externalDocs", "xml"}
)
UPPER = {"maxLength": "max-length", "maxItems": "max-items", "maxProperties": "max-properties"}
LOWER = {"minLength": "min-length", "minItems": "min-items", "minProperties": "min-properties"}

Sub = tuple[Any, str]  # a schema node and the physical pointer where it sits in its bundle


def last_token(pointer: str) -> str:
    """The last name in a pointer or ref, whatever comes before it."""
    return jp.unescape(pointer.rsplit("/", 1)[-1])


def canon(value: Any) -> str:
    """Canonical JSON text; keys that are not strings (YAML allows them) become strings."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:
        return canon(_string_keys(value))


def _string_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def type_names(types: Any) -> set[str] | None:
    """`type` as a set of names, whether written as one name or a 3.1 list; None when absent."""
    if isinstance(types, str):
        return {types}
    if isinstance(types, list):
        return {str(t) for t in types}
    return None


def is_null(doc: Any, node: Any) -> bool:
    """A schema (or a `$ref` to one) that admits only `null`: a nullable marker, not a branch."""
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        node = get_ref(doc, node["$ref"])
    if not isinstance(node, Mapping):
        return False
    rest = {k: v for k, v in node.items() if k not in ANNOTATIONS}
    return rest in ({"type": "null"}, {"type": ["null"]}, {"enum": [None]}, {"const": None})


def effective_mapping(discriminator: Mapping[str, Any], branches: list[Any]) -> dict[str, str]:
    """Discriminator value -> local ref, with the implicit names of unmapped component branches."""
    mapping: dict[str, str] = {}
    explicit = discriminator.get("mapping")
    if isinstance(explicit, Mapping):
        for value, target in explicit.items():
            target = str(target)
            if not target.startswith("#") and "/" not in target:
                target = jp.join("#/components/schemas", target)
            mapping[str(value)] = target
    targets = set(mapping.values())
    for branch in branches:
        ref = branch.get("$ref") if isinstance(branch, Mapping) else None
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in targets:
            mapping.setdefault(last_token(ref), ref)
    return mapping


@dataclass(frozen=True)
class Bound:
    value: float
    exclusive: bool = False


def tighter_upper(a: Bound, b: Bound) -> Bound:
    return a if (a.value, not a.exclusive) <= (b.value, not b.exclusive) else b


def tighter_lower(a: Bound, b: Bound) -> Bound:
    return a if (a.value, a.exclusive) >= (b.value, b.exclusive) else b


MISSING: Any = object()  # no `default` written


@dataclass
class View:
    """A schema after `$ref`s, `allOf` and single-branch unions are folded into one record."""

    pointer: str
    key: tuple[str, ...]
    types: frozenset[str] | None = None
    nullable: bool | None = None
    force_nullable: bool = False  # 3.0 `nullable: true`, a null enum value or a null branch
    ignored_nullable: bool = False  # `nullable: true` in 3.1, where it is no keyword
    enum: dict[str, Any] | None = None  # canonical text -> value, null excluded
    props: dict[str, list[Sub]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    additional: bool | list[Sub] = True
    items: list[Sub] = field(default_factory=list)
    union: tuple[str, list[Sub]] | None = None
    discriminator: Mapping[str, Any] | None = None
    disc_pointer: str = ""
    upper: dict[str, Bound] = field(default_factory=dict)
    lower: dict[str, Bound] = field(default_factory=dict)
    patterns: set[str] = field(default_factory=set)
    format: str | None = None
    multiple_of: float | None = None
    unique: bool = False
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    default: Any = MISSING
    extra: Extra = field(default_factory=Extra)  # the 2020-12 keywords

    @property
    def is_nullable(self) -> bool | None:
        if self.force_nullable:
            return True
        if self.nullable is None and self.types is not None:
            return False
        return self.nullable


class ViewCache:
    """One document's views, built once each: views are never changed once built.

    The document's own `openapi` version says whether `nullable` is a keyword (3.0) or an
    unknown annotation (3.1), so each side of a diff is read by its own rules.
    """

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.nullable_keyword = nullable_is_keyword(doc)
        self._views: dict[Any, View] = {}

    def of(self, subs: list[Sub], parent: str = "#") -> View:
        """All of `subs` folded into one view; no schema at all is a view that allows anything."""
        key = (parent if not subs else "", *((id(node), ptr) for node, ptr in subs))
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = _view_of(self.doc, subs, parent, self.nullable_keyword)
        return found


def _view_of(doc: Any, subs: list[Sub], parent: str, nullable_keyword: bool) -> View:
    if not subs:
        return View(pointer=parent, key=(parent + "/?",))
    expanded: set[str] = set()
    views = [_one(doc, node, ptr, expanded, nullable_keyword) for node, ptr in subs]
    for other in views[1:]:
        _merge(views[0], other)
    return views[0]


def _one(doc: Any, node: Any, ptr: str, expanded: set[str], nullable_keyword: bool) -> View:
    """One schema's view; a ref expanded once in this build is not again: `allOf` is idempotent."""
    if not isinstance(node, Mapping):
        return View(pointer=ptr, key=(ptr,), types=None if node is not False else frozenset())
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return _own(doc, node, ptr, expanded, nullable_keyword)
    target = get_ref(doc, ref) if ref not in expanded else None
    expanded.add(ref)
    view = (
        _one(doc, target, ref, expanded, nullable_keyword)
        if target is not None
        else View(ref, (ref,))
    )
    siblings = {k: v for k, v in node.items() if k != "$ref" and k not in ANNOTATIONS}
    if siblings:
        _merge(view, _own(doc, siblings, ptr, expanded, nullable_keyword))
    return view


def _own(
    doc: Any, node: Mapping[str, Any], ptr: str, expanded: set[str], nullable_keyword: bool
) -> View:
    """The view of one schema object's own keywords, then its `allOf` members merged in."""
    v = View(pointer=ptr, key=(ptr,))
    names = type_names(node.get("type"))
    if names is not None:
        v.nullable = "null" in names
        v.types = frozenset(names - {"null"})
    if node.get("nullable") is True:  # 3.1: an unknown keyword, it admits no null
        v.force_nullable, v.ignored_nullable = nullable_keyword, not nullable_keyword
    values = [node["const"]] if "const" in node else node.get("enum")
    if isinstance(values, list):
        if None in values:
            v.force_nullable = True
        v.enum = {canon(x): x for x in values if x is not None}
    _object(node, ptr, v)
    _bounds(node, v)
    if isinstance(node.get("pattern"), str):
        v.patterns = {node["pattern"]}
    v.format = node.get("format") if isinstance(node.get("format"), str) else None
    multiple = node.get("multipleOf")
    v.multiple_of = float(multiple) if isinstance(multiple, int | float) else None
    v.unique = node.get("uniqueItems") is True
    v.read_only = node.get("readOnly") is True
    v.write_only = node.get("writeOnly") is True
    v.deprecated = node.get("deprecated") is True
    v.default = node.get("default", MISSING)
    v.extra = read_extra(node, ptr)
    if isinstance(node.get("discriminator"), Mapping):
        v.discriminator = node["discriminator"]
        v.disc_pointer = jp.join(ptr, "discriminator")
    for member, member_ptr in _members(doc, node, ptr, v):
        _merge(v, _one(doc, member, member_ptr, expanded, nullable_keyword))
    return v


def _object(node: Mapping[str, Any], ptr: str, v: View) -> None:
    """Properties, required names, additional properties and items."""
    props = node.get("properties")
    for name, sub in props.items() if isinstance(props, Mapping) else ():
        v.props[str(name)] = [(sub, jp.join(ptr, "properties", str(name)))]
    required = node.get("required")
    v.required = (
        {n for n in required if isinstance(n, str)} if isinstance(required, list) else set()
    )
    extra = node.get("additionalProperties", True)
    if extra is False:
        v.additional = False
    elif isinstance(extra, Mapping) and any(k not in ANNOTATIONS for k in extra):
        v.additional = [(extra, jp.join(ptr, "additionalProperties"))]
    if isinstance(node.get("items"), Mapping) or node.get("items") is False:
        v.items = [(node["items"], jp.join(ptr, "items"))]  # false: no item past `prefixItems`


def _members(doc: Any, node: Mapping[str, Any], ptr: str, v: View) -> list[Sub]:
    """`allOf` members and single-branch unions to fold in; sets `v.union` for a real union."""
    all_of = node.get("allOf")
    members = (
        [(m, jp.join(ptr, "allOf", i)) for i, m in enumerate(all_of)]
        if isinstance(all_of, list)
        else []
    )
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or v.union is not None:
            continue
        kept = [
            (b, jp.join(ptr, keyword, i)) for i, b in enumerate(branches) if not is_null(doc, b)
        ]
        if len(kept) < len(branches):
            v.force_nullable = True
        if len(kept) == 1 and v.discriminator is None:
            members.append(kept[0])
        elif kept:
            v.union = (keyword, kept)
    return members


def _bounds(node: Mapping[str, Any], v: View) -> None:
    for keyword, stem in UPPER.items():
        if isinstance(node.get(keyword), int | float):
            v.upper[stem] = Bound(float(node[keyword]))
    for keyword, stem in LOWER.items():
        if isinstance(node.get(keyword), int | float) and node[keyword] > 0:
            v.lower[stem] = Bound(float(node[keyword]))
    for limit, excl, table, tighter in (
        ("maximum", "exclusiveMaximum", v.upper, tighter_upper),
        ("minimum", "exclusiveMinimum", v.lower, tighter_lower),
    ):
        found: Bound | None = None
        if isinstance(node.get(limit), int | float):
            found = Bound(float(node[limit]), node.get(excl) is True)
        if isinstance(node.get(excl), int | float) and not isinstance(node.get(excl), bool):
            candidate = Bound(float(node[excl]), True)
            found = candidate if found is None else tighter(found, candidate)
        if found is not None:
            table["max" if limit == "maximum" else "min"] = found


def _merge(a: View, b: View) -> None:
    """Fold `b` into `a` as `allOf` would: both must hold."""
    a.key = a.key + b.key
    if b.types is not None:
        a.types = b.types if a.types is None else _intersect(a.types, b.types)
    if b.nullable is not None:
        a.nullable = b.nullable if a.nullable is None else a.nullable and b.nullable
    a.force_nullable = a.force_nullable or b.force_nullable
    a.ignored_nullable = a.ignored_nullable or b.ignored_nullable
    if b.enum is not None:
        a.enum = b.enum if a.enum is None else {k: x for k, x in a.enum.items() if k in b.enum}
    for name, subs in b.props.items():
        a.props[name] = a.props.get(name, []) + subs
    a.required |= b.required
    if a.additional is False or b.additional is False:
        a.additional = False
    elif isinstance(b.additional, list):
        a.additional = (a.additional if isinstance(a.additional, list) else []) + b.additional
    a.items = a.items + b.items
    for key, bound in b.upper.items():
        a.upper[key] = tighter_upper(a.upper[key], bound) if key in a.upper else bound
    for key, bound in b.lower.items():
        a.lower[key] = tighter_lower(a.lower[key], bound) if key in a.lower else bound
    a.patterns |= b.patterns
    a.format = a.format or b.format
    a.multiple_of = a.multiple_of or b.multiple_of
    a.unique = a.unique or b.unique
    a.read_only = a.read_only or b.read_only
    a.write_only = a.write_only or b.write_only
    a.deprecated = a.deprecated or b.deprecated
    a.default = b.default if a.default is MISSING else a.default
    if a.discriminator is None and b.discriminator is not None:
        a.discriminator, a.disc_pointer = b.discriminator, b.disc_pointer
    a.union = a.union or b.union
    merge_extra(a.extra, b.extra)


def _intersect(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    keep = {t for t in a if t in b or (t == "integer" and "number" in b)}
    return frozenset(keep | {t for t in b if t == "integer" and "number" in a})
