"""Schema rules for `apiforge diff`: normalise two schemas, report each narrowing or widening."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Protocol

from apiforge import pointer as jp

__all__ = [
    "Change",
    "Direction",
    "Effect",
    "Emitter",
    "Fingerprints",
    "Location",
    "Locator",
    "SchemaContext",
    "SchemaDiffer",
    "SCHEMA_KINDS",
    "Sub",
    "canon",
    "resolve",
    "words",
]

ANNOTATIONS = frozenset(
    {"description", "title", "summary", "example", "examples", "$comment", "externalDocs", "xml"}
)


def words(text: str) -> list[str]:
    """Whitespace-separated names, for long lists of keywords and kind ids."""
    return text.split()


_SCHEMA_ONE = words(
    "items additionalProperties not if then else contains propertyNames unevaluatedItems "
    "unevaluatedProperties additionalItems contentSchema"
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_UPPER = {"maxLength": "max-length", "maxItems": "max-items", "maxProperties": "max-properties"}
_LOWER = {"minLength": "min-length", "minItems": "min-items", "minProperties": "min-properties"}
_KEYWORDS = {stem: keyword for keyword, stem in (_UPPER | _LOWER).items()} | {
    "max": "maximum",
    "min": "minimum",
    "exclusive-max": "exclusiveMaximum",
    "exclusive-min": "exclusiveMinimum",
}

Sub = tuple[Any, str]  # a schema node and the physical pointer where it sits in its bundle


class Location(Protocol):
    """Where a node was written; `apiforge.load.Location` satisfies it."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def col(self) -> int: ...


Locator = Callable[[str], Location | None]


class Direction(Enum):
    REQUEST = "request"  # the client writes: narrowing breaks
    RESPONSE = "response"  # the client reads: widening breaks


class Effect(Enum):
    NARROW = "narrow"  # fewer values valid than before
    WIDEN = "widen"  # more values valid than before
    CHANGE = "change"  # neither a subset nor a superset: breaks both ways
    NONE = "none"  # no effect on which values are valid


def breaks(effect: Effect, direction: Direction) -> bool:
    if effect is Effect.CHANGE:
        return True
    if direction is Direction.REQUEST:
        return effect is Effect.NARROW
    return effect is Effect.WIDEN


@dataclass(frozen=True)
class Change:
    """One difference between the documents; pointers are logical (through `$ref`s), per side."""

    kind: str
    old_pointer: str | None
    new_pointer: str | None
    old_location: Location | None
    new_location: Location | None
    breaking: bool
    subject: str
    detail: str
    old_source: str | None = None  # physical pointer in the old bundle (after `$ref`s)
    new_source: str | None = None
    declarations: tuple[Any, ...] = ()  # the diff.Declaration objects that cover it

    @property
    def message(self) -> str:
        return f"{self.subject}: {self.detail}"

    @property
    def declared(self) -> bool:
        return bool(self.declarations)

    @property
    def pointer(self) -> str:
        return self.new_pointer or self.old_pointer or "#"


class Emitter:
    """Collects changes and looks up where each side of a change was written."""

    def __init__(self, old_locate: Locator | None, new_locate: Locator | None) -> None:
        self._locators = (old_locate, new_locate)
        self.changes: list[Change] = []

    def emit(
        self,
        kind: str,
        breaking: bool,
        subject: str,
        detail: str,
        old: tuple[str | None, str | None],
        new: tuple[str | None, str | None],
    ) -> None:
        """`old`/`new` are (logical pointer or None when absent, physical pointer to locate)."""
        self.changes.append(
            Change(
                kind,
                old[0],
                new[0],
                _locate(self._locators[0], old[1]),
                _locate(self._locators[1], new[1]),
                breaking,
                subject,
                detail,
                old[1],
                new[1],
            )
        )


def _locate(locate: Locator | None, pointer: str | None) -> Location | None:
    if locate is None or pointer is None:
        return None
    try:
        tokens = jp.split(pointer)
    except ValueError:
        return None
    for n in range(len(tokens), -1, -1):
        found = locate(jp.from_tokens(tokens[:n]))
        if found is not None:
            return found
    return None


def resolve(doc: Any, ref: str) -> Any:
    """The node a local `$ref` names, or None."""
    if not ref.startswith("#"):
        return None
    node = doc
    try:
        for token in jp.split(ref):
            if isinstance(node, Mapping):
                node = node[token]
            elif isinstance(node, list):
                node = node[int(token)]
            else:
                return None
    except (KeyError, IndexError, ValueError):
        return None
    return node


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


# --- fingerprints: structure with names and annotations removed --------------------------------


class Fingerprints:
    """Canonical text of a schema with refs inlined, so renamed components compare equal."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._cache: dict[int, str] = {}

    def of(self, subs: list[Sub]) -> str:
        return "&".join(self._schema(node, ())[0] for node, _ in subs)

    def of_ref(self, ref: str) -> str:
        return self._ref(ref, ())[0]

    def _ref(self, ref: str, stack: tuple[str, ...]) -> tuple[str, int]:
        if ref in stack:
            at = stack.index(ref)
            return canon({"$cycle": len(stack) - at}), at
        text, low = self._schema(resolve(self.doc, ref), (*stack, ref))
        return text, min(low, len(stack))

    def _schema(self, node: Any, stack: tuple[str, ...]) -> tuple[str, int]:
        """(text, lowest stack index it refers back to, or len(stack) if none)."""
        if not isinstance(node, Mapping):
            return canon(node), len(stack)
        cached = self._cache.get(id(node))
        if cached is not None:
            return cached, len(stack)
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
        _normalise_nullable(node, parts)
        text = "{" + ",".join(f"{canon(k)}:{parts[k]}" for k in sorted(parts)) + "}"
        if low >= len(stack):
            self._cache[id(node)] = text
        return text, low

    def _keyword(
        self, node: Mapping[str, Any], key: str, value: Any, stack: tuple[str, ...]
    ) -> tuple[str, int]:
        low = len(stack)
        if key in _SCHEMA_ONE and isinstance(value, Mapping):
            return self._schema(value, stack)
        if key in _SCHEMA_LIST and isinstance(value, list):
            texts = []
            for item in value:
                text, sub_low = self._schema(item, stack)
                texts.append(text)
                low = min(low, sub_low)
            return "[" + ",".join(texts) + "]", low
        if key in _SCHEMA_MAP and isinstance(value, Mapping):
            texts = []
            for name in sorted(value, key=str):
                text, sub_low = self._schema(value[name], stack)
                texts.append(f"{canon(str(name))}:{text}")
                low = min(low, sub_low)
            return "{" + ",".join(texts) + "}", low
        if key == "discriminator" and isinstance(value, Mapping):
            mapping = effective_mapping(value, _branches(node))
            texts = [canon(value.get("propertyName"))]
            for name in sorted(mapping):
                text, sub_low = self._ref(mapping[name], stack)
                texts.append(f"{canon(name)}:{text}")
                low = min(low, sub_low)
            return "[" + ",".join(texts) + "]", low
        if key == "const":
            return canon([value]), low
        return canon(value), low


def _normalise_nullable(node: Mapping[str, Any], parts: dict[str, str]) -> None:
    """Write 3.0 `nullable` and 3.1 `type: [T, "null"]` and `const` the same way."""
    if "const" in parts:
        parts["enum"] = parts.pop("const")
    names = _type_names(node.get("type"))
    if names is None:
        return
    if node.get("nullable") is True:
        names.add("null")
    parts.pop("nullable", None)
    parts["type"] = canon(sorted(names))


def _branches(node: Mapping[str, Any]) -> list[Any]:
    for key in ("oneOf", "anyOf"):
        if isinstance(node.get(key), list):
            return list(node[key])
    return []


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


# --- views: one flat, normalised record per schema ---------------------------------------------


@dataclass(frozen=True)
class Bound:
    value: float
    exclusive: bool = False


_MISSING: Any = object()


@dataclass
class View:
    """A schema after `$ref`s, `allOf` and single-branch unions are folded into one record."""

    pointer: str
    key: tuple[str, ...]
    types: frozenset[str] | None = None
    nullable: bool | None = None
    force_nullable: bool = False  # 3.0 `nullable: true` or a `{type: null}` branch
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
    default: Any = _MISSING

    @property
    def is_nullable(self) -> bool | None:
        if self.force_nullable:
            return True
        if self.nullable is None and self.types is not None:
            return False
        return self.nullable


def view_of(doc: Any, subs: list[Sub], parent: str = "#") -> View:
    if not subs:
        return View(pointer=parent, key=(parent + "/?",))
    views = [_one(doc, node, ptr, ()) for node, ptr in subs]
    for other in views[1:]:
        _merge(views[0], other)
    return views[0]


def _one(doc: Any, node: Any, ptr: str, stack: tuple[str, ...]) -> View:
    if not isinstance(node, Mapping):
        return View(pointer=ptr, key=(ptr,), types=None if node is not False else frozenset())
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return _own(doc, node, ptr, stack)
    target = resolve(doc, ref) if ref not in stack else None
    view = _one(doc, target, ref, (*stack, ref)) if target is not None else View(ref, (ref,))
    siblings = {k: v for k, v in node.items() if k != "$ref" and k not in ANNOTATIONS}
    if siblings:
        _merge(view, _own(doc, siblings, ptr, stack))
    return view


def _own(doc: Any, node: Mapping[str, Any], ptr: str, stack: tuple[str, ...]) -> View:
    v = View(pointer=ptr, key=(ptr,))
    names = _type_names(node.get("type"))
    if names is not None:
        v.nullable = "null" in names
        v.types = frozenset(names - {"null"})
    v.force_nullable = node.get("nullable") is True
    values = [node["const"]] if "const" in node else node.get("enum")
    if isinstance(values, list):
        if None in values:
            v.force_nullable = True
        v.enum = {canon(x): x for x in values if x is not None}
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
    if isinstance(node.get("items"), Mapping):
        v.items = [(node["items"], jp.join(ptr, "items"))]
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
    v.default = node.get("default", _MISSING)
    if isinstance(node.get("discriminator"), Mapping):
        v.discriminator = node["discriminator"]
        v.disc_pointer = jp.join(ptr, "discriminator")
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
            (b, jp.join(ptr, keyword, i)) for i, b in enumerate(branches) if not _is_null(doc, b)
        ]
        if len(kept) < len(branches):
            v.force_nullable = True
        if len(kept) == 1 and v.discriminator is None:
            members.append(kept[0])
        elif kept:
            v.union = (keyword, kept)
    for member, member_ptr in members:
        _merge(v, _one(doc, member, member_ptr, stack))
    return v


def _type_names(types: Any) -> set[str] | None:
    if isinstance(types, str):
        return {types}
    if isinstance(types, list):
        return {str(t) for t in types}
    return None


def _is_null(doc: Any, node: Any) -> bool:
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        node = resolve(doc, node["$ref"])
    if not isinstance(node, Mapping):
        return False
    rest = {k: v for k, v in node.items() if k not in ANNOTATIONS}
    return rest in ({"type": "null"}, {"type": ["null"]}, {"enum": [None]}, {"const": None})


def _bounds(node: Mapping[str, Any], v: View) -> None:
    for keyword, stem in _UPPER.items():
        if isinstance(node.get(keyword), int | float):
            v.upper[stem] = Bound(float(node[keyword]))
    for keyword, stem in _LOWER.items():
        if isinstance(node.get(keyword), int | float) and node[keyword] > 0:
            v.lower[stem] = Bound(float(node[keyword]))
    for limit, excl, table, tighter in (
        ("maximum", "exclusiveMaximum", v.upper, _tighter_upper),
        ("minimum", "exclusiveMinimum", v.lower, _tighter_lower),
    ):
        found: Bound | None = None
        if isinstance(node.get(limit), int | float):
            found = Bound(float(node[limit]), node.get(excl) is True)
        if isinstance(node.get(excl), int | float) and not isinstance(node.get(excl), bool):
            candidate = Bound(float(node[excl]), True)
            found = candidate if found is None else tighter(found, candidate)
        if found is not None:
            table["max" if limit == "maximum" else "min"] = found


def _tighter_upper(a: Bound, b: Bound) -> Bound:
    return a if (a.value, not a.exclusive) <= (b.value, not b.exclusive) else b


def _tighter_lower(a: Bound, b: Bound) -> Bound:
    return a if (a.value, a.exclusive) >= (b.value, b.exclusive) else b


def _merge(a: View, b: View) -> None:
    """Fold `b` into `a` as `allOf` would: both must hold."""
    a.key = a.key + b.key
    if b.types is not None:
        a.types = b.types if a.types is None else _intersect(a.types, b.types)
    if b.nullable is not None:
        a.nullable = b.nullable if a.nullable is None else a.nullable and b.nullable
    a.force_nullable = a.force_nullable or b.force_nullable
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
        a.upper[key] = _tighter_upper(a.upper[key], bound) if key in a.upper else bound
    for key, bound in b.lower.items():
        a.lower[key] = _tighter_lower(a.lower[key], bound) if key in a.lower else bound
    a.patterns |= b.patterns
    a.format = a.format or b.format
    a.multiple_of = a.multiple_of or b.multiple_of
    a.unique = a.unique or b.unique
    a.read_only = a.read_only or b.read_only
    a.write_only = a.write_only or b.write_only
    a.deprecated = a.deprecated or b.deprecated
    a.default = b.default if a.default is _MISSING else a.default
    if a.discriminator is None and b.discriminator is not None:
        a.discriminator, a.disc_pointer = b.discriminator, b.disc_pointer
    a.union = a.union or b.union


def _intersect(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    keep = {t for t in a if t in b or (t == "integer" and "number" in b)}
    return frozenset(keep | {t for t in b if t == "integer" and "number" in a})


def _effective_types(view: View) -> frozenset[str] | None:
    """The declared types, or those of the enum values when no type is declared."""
    if view.types is not None or view.enum is None:
        return view.types
    return frozenset(_JSON_TYPES.get(type(value), "object") for value in view.enum.values())


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array"}


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


# --- the walk -----------------------------------------------------------------------------------

Branch = list[Sub]  # one alternative of a union: usually one schema, several for a merged view
Tokens = tuple[str, ...]


@dataclass(frozen=True)
class SchemaContext:
    """Where a schema comparison stands: direction, kind prefixes, logical pointers and label."""

    direction: Direction
    root_prefix: str  # e.g. "request-body"
    nested_prefix: str  # e.g. "request-property"
    old_pointer: str
    new_pointer: str
    subject: str  # e.g. "`POST /pets` request body"
    path: tuple[str, ...] = ()
    depth: int = 0
    relevant: bool = True  # False under readOnly (requests) or writeOnly (responses)
    old_src: str = "#"
    new_src: str = "#"
    wrapped: bool = False  # one side was not a union: its nullability was compared outside

    @property
    def prefix(self) -> str:
        return self.nested_prefix if self.depth else self.root_prefix

    @property
    def label(self) -> str:
        text = ""
        for part in self.path:
            text += part if part == "[]" else ("." if text else "") + part
        return f"{self.subject} property `{text}`" if text else self.subject

    def child(self, *tokens: str, part: str) -> SchemaContext:
        return replace(
            self,
            old_pointer=jp.join(self.old_pointer, *tokens),
            new_pointer=jp.join(self.new_pointer, *tokens),
            path=(*self.path, part),
            depth=self.depth + 1,
            wrapped=False,
        )


class SchemaDiffer:
    """Compares schema pairs; each (old, new) pair is compared once until `reset()`."""

    def __init__(self, old_doc: Any, new_doc: Any, emitter: Emitter) -> None:
        self.docs = (old_doc, new_doc)
        self.fps = (Fingerprints(old_doc), Fingerprints(new_doc))
        self.emitter = emitter
        self._seen: set[tuple[Any, ...]] = set()
        self._views: tuple[dict[Any, View], dict[Any, View]] = ({}, {})

    def _view(self, side: int, subs: list[Sub], parent: str = "#") -> View:
        """`view_of`, remembered: views are never changed once built."""
        key = (parent if not subs else "", *((id(node), ptr) for node, ptr in subs))
        found = self._views[side].get(key)
        if found is None:
            found = self._views[side][key] = view_of(self.docs[side], subs, parent)
        return found

    def reset(self) -> None:
        self._seen.clear()

    def compare(self, ctx: SchemaContext, old: list[Sub], new: list[Sub]) -> None:
        if self.fps[0].of(old) == self.fps[1].of(new):
            return
        ov, nv = self._view(0, old, ctx.old_src), self._view(1, new, ctx.new_src)
        key = (ov.key, nv.key, ctx.direction, ctx.relevant, ctx.wrapped)
        if key in self._seen:
            return
        self._seen.add(key)
        ctx = replace(ctx, old_src=ov.pointer, new_src=nv.pointer)
        if (ov.union is None) != (nv.union is None):
            self._nullable(ctx, ov, nv)
            self._union(ctx, ov, nv, old, new)
            return
        self._types(ctx, ov, nv)
        if not ctx.wrapped:
            self._nullable(ctx, ov, nv)
        self._enum(ctx, ov, nv)
        self._limits(ctx, ov, nv)
        self._flags(ctx, ov, nv)
        if ov.union is not None:
            self._union(ctx, ov, nv, old, new)
        self._discriminator(ctx, ov, nv)
        self._properties(ctx, ov, nv)
        self._additional(ctx, ov, nv)
        if ov.items and nv.items:
            self.compare(ctx.child("items", part="[]"), ov.items, nv.items)

    def _emit(self, ctx: SchemaContext, suffix: str, effect: Effect, detail: str) -> None:
        breaking = ctx.relevant and breaks(effect, ctx.direction)
        self.emitter.emit(
            f"{ctx.prefix}-{suffix}",
            breaking,
            ctx.label,
            detail,
            (ctx.old_pointer, ctx.old_src),
            (ctx.new_pointer, ctx.new_src),
        )

    # values ---------------------------------------------------------------------------------

    def _types(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        old, new = _effective_types(ov), _effective_types(nv)
        if not (_covers(old, new) and _covers(new, old)):
            listed = any(t is not None and len(t) > 1 for t in (old, new))
            if _covers(old, new):
                suffix = "list-of-types-narrowed" if listed else "type-specialized"
                effect = Effect.NARROW
            elif _covers(new, old):
                suffix = "list-of-types-widened" if listed else "type-generalized"
                effect = Effect.WIDEN
            else:
                suffix, effect = "type-changed", Effect.CHANGE
            self._emit(ctx, suffix, effect, f"type changed from {_types(old)} to {_types(new)}")
        if ov.format != nv.format:
            if ov.format is None:
                self._emit(ctx, "format-added", Effect.NARROW, f"format `{nv.format}` added")
            elif nv.format is None:
                self._emit(ctx, "format-removed", Effect.WIDEN, f"format `{ov.format}` removed")
            else:
                detail = f"format changed from `{ov.format}` to `{nv.format}`"
                self._emit(ctx, "format-changed", Effect.CHANGE, detail)

    def _nullable(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        was, now = ov.is_nullable, nv.is_nullable
        if was is None or now is None or was == now:
            return
        if now:
            self._emit(ctx, "became-nullable", Effect.WIDEN, "became nullable")
        else:
            self._emit(ctx, "became-not-nullable", Effect.NARROW, "became not nullable")

    def _enum(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        if ov.enum is None and nv.enum is None:
            return
        if ov.enum is None:
            self._emit(ctx, "became-enum", Effect.NARROW, "was restricted to a list of values")
        elif nv.enum is None:
            self._emit(ctx, "enum-removed", Effect.WIDEN, "is no longer restricted to a list")
        else:
            for suffix, effect, values in (
                ("enum-value-removed", Effect.NARROW, sorted(set(ov.enum) - set(nv.enum))),
                ("enum-value-added", Effect.WIDEN, sorted(set(nv.enum) - set(ov.enum))),
            ):
                if values:
                    verb = suffix.rsplit("-", 1)[1]
                    detail = f"enum value{'s' * (len(values) > 1)} {', '.join(values)} {verb}"
                    self._emit(ctx, suffix, effect, detail)

    def _limits(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        for upper, olds, news in ((True, ov.upper, nv.upper), (False, ov.lower, nv.lower)):
            for stem in sorted(set(olds) | set(news)):
                self._bound(ctx, stem, upper, olds.get(stem), news.get(stem))
        if ov.patterns != nv.patterns:
            if ov.patterns < nv.patterns:
                suffix, effect = "pattern-added", Effect.NARROW
            elif ov.patterns > nv.patterns:
                suffix, effect = "pattern-removed", Effect.WIDEN
            else:
                suffix, effect = "pattern-changed", Effect.CHANGE
            if ctx.direction is Direction.RESPONSE:
                effect = Effect.NONE  # a pattern validates input; clients do not re-check output
            old, new = sorted(ov.patterns) or "none", sorted(nv.patterns) or "none"
            self._emit(ctx, suffix, effect, f"pattern changed from {old} to {new}")
        if ov.multiple_of != nv.multiple_of:
            old_m, new_m = ov.multiple_of, nv.multiple_of
            detail = f"multipleOf changed from {_num(old_m)} to {_num(new_m)}"
            self._emit(ctx, "multiple-of-changed", _multiple_effect(old_m, new_m), detail)
        if ov.unique != nv.unique:
            suffix = "unique-items-set" if nv.unique else "unique-items-unset"
            effect = Effect.NARROW if nv.unique else Effect.WIDEN
            self._emit(ctx, suffix, effect, f"uniqueItems became {str(nv.unique).lower()}")

    def _bound(
        self, ctx: SchemaContext, stem: str, upper: bool, old: Bound | None, new: Bound | None
    ) -> None:
        if not upper and stem != "min":  # minLength, minItems, minProperties default to 0
            old, new = old or Bound(0), new or Bound(0)
        if old == new:
            return
        exclusive = (new or old or Bound(0)).exclusive
        name = f"exclusive-{stem}" if exclusive else stem
        if old is None:
            verb, effect = "set", Effect.NARROW
        elif new is None:
            verb, effect = "unset", Effect.WIDEN
        else:
            tighter = (_tighter_upper if upper else _tighter_lower)(old, new) == new
            effect = Effect.NARROW if tighter else Effect.WIDEN
            verb = "decreased" if tighter == upper else "increased"
        sign = "<" if upper else ">"
        was, now = (_bound_text(b, sign) for b in (old, new))
        change = {"set": f"set to {now}", "unset": f"removed (was {was})"}.get(verb)
        detail = f"{_KEYWORDS[name]} {change or f'{verb} from {was} to {now}'}"
        self._emit(ctx, f"{name}-{verb}", effect, detail)

    def _flags(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        if ov.deprecated != nv.deprecated:
            suffix = "deprecated" if nv.deprecated else "reactivated"
            self._emit(ctx, suffix, Effect.NONE, suffix)
        old_d, new_d = _value(ov.default), _value(nv.default)
        if ctx.direction is Direction.REQUEST and old_d != new_d:
            suffix = "default-value-" + (
                "added" if old_d == "none" else "removed" if new_d == "none" else "changed"
            )
            effect = Effect.NONE if old_d == "none" else Effect.CHANGE
            self._emit(ctx, suffix, effect, f"default changed from {old_d} to {new_d}")
        if ctx.depth == 0:
            return
        if ctx.direction is Direction.REQUEST and ov.read_only != nv.read_only:
            suffix = "became-read-only" if nv.read_only else "became-not-read-only"
            self._emit(ctx, suffix, Effect.NONE, suffix.replace("-", " "))
        if ctx.direction is Direction.RESPONSE and ov.write_only != nv.write_only:
            if nv.write_only:
                detail = "became write-only: it is no longer returned"
                self._emit(ctx, "became-write-only", Effect.CHANGE, detail)
            else:
                self._emit(ctx, "became-not-write-only", Effect.NONE, "is no longer write-only")

    # composition ----------------------------------------------------------------------------

    def _union(
        self, ctx: SchemaContext, ov: View, nv: View, old: list[Sub], new: list[Sub]
    ) -> None:
        """Compare alternatives; a side that is not a union counts as a union of itself."""
        old_alts, new_alts = self._alternatives(0, ov, old), self._alternatives(1, nv, new)
        old_br, new_br = [b for b, _ in old_alts], [b for b, _ in new_alts]
        pairs, removed, added = self._match(ov, nv, old_br, new_br)
        keyword = (nv.union or ov.union or ("oneOf", []))[0]
        for i in removed:
            tokens = old_alts[i][1]
            bctx = replace(
                ctx,
                old_pointer=jp.join(ctx.old_pointer, *tokens),
                old_src=_src(old_br[i], ctx.old_src),
            )
            detail = f"alternative {self._name(0, old_br[i])} removed"
            self._emit(bctx, _stem(tokens, keyword) + "-removed", Effect.NARROW, detail)
        for j in added:
            tokens = new_alts[j][1]
            bctx = replace(
                ctx,
                new_pointer=jp.join(ctx.new_pointer, *tokens),
                new_src=_src(new_br[j], ctx.new_src),
            )
            detail = f"alternative {self._name(1, new_br[j])} added"
            self._emit(bctx, _stem(tokens, keyword) + "-added", Effect.WIDEN, detail)
        for i, j in pairs:
            bctx = replace(
                ctx,
                old_pointer=jp.join(ctx.old_pointer, *old_alts[i][1]),
                new_pointer=jp.join(ctx.new_pointer, *new_alts[j][1]),
                wrapped=ov.union is None or nv.union is None,
            )
            self.compare(bctx, old_br[i], new_br[j])

    def _alternatives(self, side: int, view: View, subs: list[Sub]) -> list[tuple[Branch, Tokens]]:
        """Union branches with their logical tokens; a branch that is only a union is opened."""
        if view.union is None:
            return [(subs, ())]
        found: list[tuple[Branch, Tokens]] = []

        def walk(keyword: str, branches: list[Sub], tokens: Tokens, depth: int) -> None:
            for node, ptr in branches:
                here = (*tokens, keyword, last_token(ptr))
                inner = _pure_union(self.docs[side], node, ptr)
                if inner is not None and depth < 8:
                    walk(inner[0], inner[1], here, depth + 1)
                else:
                    found.append(([(node, ptr)], here))

        walk(view.union[0], view.union[1], (), 0)
        return found

    def _name(self, side: int, branch: Branch) -> str:
        ref = _ref(branch)
        if ref is not None:
            return f"`{last_token(ref)}`"
        return f"`{_types(self._view(side, branch).types)}`"

    def _match(
        self, ov: View, nv: View, old_br: list[Branch], new_br: list[Branch]
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair old and new branches by structure, then by ref, discriminator value, or likeness."""
        pairs: list[tuple[int, int]] = []
        left, right = list(range(len(old_br))), list(range(len(new_br)))

        def pair_by(same: Callable[[int, int], bool]) -> None:
            for i in list(left):
                j = next((j for j in right if same(i, j)), None)
                if j is not None:
                    pairs.append((i, j))
                    left.remove(i)
                    right.remove(j)

        old_fp = [self.fps[0].of(b) for b in old_br]
        new_fp = [self.fps[1].of(b) for b in new_br]
        pair_by(lambda i, j: old_fp[i] == new_fp[j])
        pair_by(
            lambda i, j: _ref(old_br[i]) not in (None, "") and _ref(old_br[i]) == _ref(new_br[j])
        )
        if ov.discriminator is not None and nv.discriminator is not None:
            old_map = effective_mapping(ov.discriminator, [b[0][0] for b in old_br])
            new_map = effective_mapping(nv.discriminator, [b[0][0] for b in new_br])
            by_value = {
                (_index_of_ref(old_br, old_map[v]), _index_of_ref(new_br, new_map[v]))
                for v in set(old_map) & set(new_map)
            }
            pair_by(lambda i, j: (i, j) in by_value)
        if len(left) == 1 and len(right) == 1:
            pairs.append((left.pop(), right.pop()))
        views_o = {i: self._view(0, old_br[i]) for i in left}
        views_n = {j: self._view(1, new_br[j]) for j in right}
        pair_by(lambda i, j: _likeness(views_o[i], views_n[j]) >= 0.75)
        return sorted(pairs), left, right

    def _discriminator(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        od, nd = ov.discriminator, nv.discriminator
        if od is None and nd is None:
            return
        dctx = replace(
            ctx, old_src=ov.disc_pointer or ctx.old_src, new_src=nv.disc_pointer or ctx.new_src
        )
        if od is None or nd is None:
            suffix = "discriminator-added" if od is None else "discriminator-removed"
            self._emit(dctx, suffix, Effect.NONE, suffix.replace("-", " "))
            return
        if od.get("propertyName") != nd.get("propertyName"):
            detail = (
                f"discriminator property changed from `{od.get('propertyName')}` "
                f"to `{nd.get('propertyName')}`"
            )
            self._emit(dctx, "discriminator-property-name-changed", Effect.CHANGE, detail)
        old_br = [[b] for b in ov.union[1]] if ov.union else []
        new_br = [[b] for b in nv.union[1]] if nv.union else []
        old_map = effective_mapping(od, [b[0][0] for b in old_br])
        new_map = effective_mapping(nd, [b[0][0] for b in new_br])
        pairs = set(self._match(ov, nv, old_br, new_br)[0])
        for value in sorted(set(old_map) | set(new_map)):
            o, n = old_map.get(value), new_map.get(value)
            if n is None:
                detail = f"discriminator value `{value}` removed"
                self._emit(dctx, "discriminator-mapping-deleted", Effect.CHANGE, detail)
            elif o is None:
                detail = f"discriminator value `{value}` added"
                self._emit(dctx, "discriminator-mapping-added", Effect.WIDEN, detail)
            elif (_index_of_ref(old_br, o), _index_of_ref(new_br, n)) in pairs:
                continue
            elif o != n and self.fps[0].of_ref(o) != self.fps[1].of_ref(n):
                detail = f"discriminator value `{value}` now maps to a different schema"
                self._emit(dctx, "discriminator-mapping-changed", Effect.CHANGE, detail)

    # objects --------------------------------------------------------------------------------

    def _properties(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        request = ctx.direction is Direction.REQUEST
        for name in sorted(set(ov.props) | set(nv.props) | ov.required | nv.required):
            old, new = ov.props.get(name, []), nv.props.get(name, [])
            child = ctx.child("properties", name, part=name)
            src_o = old[0][1] if old else ov.pointer
            src_n = new[0][1] if new else nv.pointer
            if not (old or name in ov.required):
                n = self._view(1, new, nv.pointer)
                hidden = n.read_only if request else n.write_only
                self._added(child, name in nv.required, hidden, (ov.pointer, src_n))
                continue
            o = self._view(0, old, ov.pointer)
            o_hidden = o.read_only if request else o.write_only
            if not (new or name in nv.required):
                self._removed(child, o_hidden, nv.additional is False, (src_o, nv.pointer))
                continue
            n = self._view(1, new, nv.pointer)
            n_hidden = n.read_only if request else n.write_only
            relevant = ctx.relevant and not (o_hidden and n_hidden)
            child = replace(child, relevant=relevant, old_src=src_o, new_src=src_n)
            was, now = name in ov.required, name in nv.required
            if o_hidden == n_hidden and was != now:
                if now:
                    self._emit(child, "became-required", Effect.NARROW, "became required")
                else:
                    self._emit(child, "became-optional", Effect.WIDEN, "became optional")
            elif request and o_hidden and not n_hidden and now:
                detail = "is no longer read-only and is required"
                self._emit(child, "became-required", Effect.NARROW, detail)
            self.compare(child, old, new)

    def _added(
        self, ctx: SchemaContext, required: bool, hidden: bool, src: tuple[str, str]
    ) -> None:
        level = "required" if required else "optional"
        if ctx.direction is Direction.REQUEST:
            kind, breaking = f"new-{level}-request-property", required and not hidden
        else:
            kind, breaking = f"response-{level}-property-added", False
        pointers = ((None, src[0]), (ctx.new_pointer, src[1]))
        self.emitter.emit(
            kind, breaking and ctx.relevant, ctx.label, f"{level} property added", *pointers
        )

    def _removed(
        self, ctx: SchemaContext, hidden: bool, closed: bool, src: tuple[str, str]
    ) -> None:
        request = ctx.direction is Direction.REQUEST
        breaking = (closed or not request) and not hidden and ctx.relevant
        detail = "property removed" + (
            " (other properties are not allowed)" if request and closed else ""
        )
        pointers = ((ctx.old_pointer, src[0]), (None, src[1]))
        kind = f"{ctx.direction.value}-property-removed"
        self.emitter.emit(kind, breaking, ctx.label, detail, *pointers)

    def _additional(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        if isinstance(ov.additional, list) and isinstance(nv.additional, list):
            self.compare(ctx.child("additionalProperties", part="*"), ov.additional, nv.additional)
            return
        old, new = _openness(ov.additional), _openness(nv.additional)
        if new < old:
            detail = "additional properties " + (
                "are no longer allowed" if new == 0 else "were restricted"
            )
            self._emit(ctx, "additional-properties-narrowed", Effect.NARROW, detail)
        elif new > old:
            # clients must tolerate unknown properties, as they tolerate new optional ones
            detail = "additional properties were relaxed"
            self._emit(ctx, "additional-properties-widened", Effect.NONE, detail)


def _openness(additional: bool | list[Sub]) -> int:
    if isinstance(additional, list):
        return 1
    return 2 if additional else 0


def _src(branch: Branch, default: str) -> str:
    return branch[0][1] if branch else default


def _stem(tokens: Tokens, keyword: str) -> str:
    return "any-of" if (tokens[-2] if tokens else keyword) == "anyOf" else "one-of"


def _pure_union(doc: Any, node: Any, ptr: str) -> tuple[str, list[Sub]] | None:
    """The branches of a schema that is nothing but `oneOf`/`anyOf` (and a discriminator)."""
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ptr = node["$ref"]
        node = resolve(doc, ptr)
    if not isinstance(node, Mapping):
        return None
    keys = {k for k in node if k not in ANNOTATIONS and not str(k).startswith("x-")}
    for keyword in ("oneOf", "anyOf"):
        if keys <= {keyword, "discriminator"} and isinstance(node.get(keyword), list):
            branches = [(b, jp.join(ptr, keyword, i)) for i, b in enumerate(node[keyword])]
            return keyword, [b for b in branches if not _is_null(doc, b[0])]
    return None


def _ref(branch: Branch) -> str | None:
    node = branch[0][0] if len(branch) == 1 else None
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) else None


def _index_of_ref(branches: list[Branch], ref: str) -> int:
    return next((i for i, b in enumerate(branches) if _ref(b) == ref), -1)


def _likeness(a: View, b: View) -> float:
    names_a, names_b = set(a.props), set(b.props)
    union = names_a | names_b
    overlap = len(names_a & names_b) / len(union) if union else 1.0
    return 0.5 * (a.types == b.types) + 0.5 * overlap


def _multiple_effect(old: float | None, new: float | None) -> Effect:
    if old is None:
        return Effect.NARROW
    if new is None:
        return Effect.WIDEN
    if math.isclose(new / old, round(new / old)):
        return Effect.NARROW
    if math.isclose(old / new, round(old / new)):
        return Effect.WIDEN
    return Effect.CHANGE


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "/".join(sorted(types)) or "nothing"


def _num(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if value == int(value) else str(value)


def _bound_text(bound: Bound | None, sign: str) -> str:
    if bound is None:
        return "none"
    return (sign if bound.exclusive else "") + _num(bound.value)


def _value(value: Any) -> str:
    return "none" if value is _MISSING else canon(value)


_SUFFIXES = words(
    """
    type-changed type-generalized type-specialized list-of-types-narrowed list-of-types-widened
    became-nullable became-not-nullable format-added format-removed format-changed became-enum
    enum-removed enum-value-removed enum-value-added pattern-added pattern-removed pattern-changed
    multiple-of-changed unique-items-set unique-items-unset deprecated reactivated
    default-value-added default-value-removed default-value-changed became-read-only
    became-not-read-only became-write-only became-not-write-only one-of-added one-of-removed
    any-of-added any-of-removed discriminator-added discriminator-removed
    discriminator-property-name-changed discriminator-mapping-added discriminator-mapping-deleted
    discriminator-mapping-changed became-required became-optional additional-properties-narrowed
    additional-properties-widened
    """
)
_PROPERTY_KINDS = words(
    """
    new-required-request-property new-optional-request-property request-property-removed
    response-required-property-added response-optional-property-added response-property-removed
    """
)


def _schema_kinds() -> Iterator[str]:
    """Every kind a schema comparison can report: `<place>-<suffix>` and property presence."""
    verbs = ("decreased", "increased", "set", "unset")
    suffixes = _SUFFIXES + [f"{stem}-{verb}" for stem in _KEYWORDS for verb in verbs]
    places = words(
        "request-body request-property request-parameter request-parameter-property "
        "response-body response-property response-header response-header-property"
    )
    for place in places:
        for suffix in suffixes:
            yield f"{place}-{suffix}"
    yield from _PROPERTY_KINDS


SCHEMA_KINDS: frozenset[str] = frozenset(_schema_kinds())
