"""An OpenAPI schema (3.0 or 3.1) -> a self-contained JSON Schema 2020-12 for one direction.

What a request may send differs from what a response may carry (`readOnly` properties are the
server's, `writeOnly` ones the client's), so each conversion is for one direction. 3.0's dialect
becomes 2020-12: `nullable: true` allows null (beside `type`, `enum`, `allOf`, `$ref` alike),
boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers. OpenAPI-only keywords
(`xml`, `externalDocs`, `example`, `x-...`) are dropped; `format` stays an annotation. Every local
`$ref` becomes `#/$defs/NAME`, `#/components/schemas/X` keeping its name X, so the result
validates alone (jsonschema) and feeds schema-driven generators (hypothesis-jsonschema).

`discriminator` is read as the Discriminator Object of OpenAPI 3.0.3/3.1.0 says, as a tagged union:
- The candidates are the `$ref` branches of the `oneOf`/`anyOf` beside it, or, on a schema without
  them, the component schemas whose `allOf` refers to it (the spec's `allOf` pattern). The value of
  `propertyName` selects one: by `mapping` (a component name or a local ref), else, for a candidate
  the mapping does not name, by its component name (implicit mapping, as `apiforge diff` reads it).
  The base itself is selected only by a mapping that names it. No candidate: ignored, as before.
- The property must be present ("MUST be present") and its value must select a schema ("If the
  discriminator value does not match an implicit or explicit mapping, no schema can be determined
  and validation SHOULD fail", for `oneOf`, `anyOf` and `allOf` alike); the instance must then
  match the schema selected, and only that one: the value decides which branch applies (the spec's
  "hint ... to shortcut selection", what the models' tagged unions do), so a `oneOf` whose other
  branches would also match is not refused. Inline branches are never selected: they stay beside.
- A child reached on its own carries the values that select it or its descendants ("`Cat` will be
  used as the discriminator value"), as the models' `Literal` tags do.
- A selected child is referenced without its `allOf` ref to the base (a `$defs` entry
  "CHILD without BASE"), so the selection never re-enters itself.
A mapping that leads nowhere or outside the document selects nothing (the lint rule reports it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from apiforge.document import pointer as jp
from apiforge.document.versions import json_schema_2020
from apiforge.document.walk import get_ref, walk_pointer

__all__ = [
    "DIALECT",
    "Direction",
    "SchemaConversionError",
    "reads_as_array",
    "reads_as_object",
    "to_json_schema",
]

_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")
_NOT_PLAIN = ("type", "$ref", "allOf", "anyOf", "oneOf", "enum", "const", "not")


def reads_as_object(schema: Any) -> bool:
    """Our documented reading of a schema with `properties` (or `required`...) and no `type`: an
    object, as its authors mean it (Azure's documents write hundreds) and as the models make it
    (a class), although JSON Schema lets any non-object, null included, through it."""
    return (
        isinstance(schema, dict)
        and any(k in schema for k in _OBJECT_KEYWORDS)
        and not any(k in schema for k in _NOT_PLAIN)
    )


def reads_as_array(schema: Any) -> bool:
    """The same reading of a schema with `items` and no `type` (vtex's, Azure's `mountTargets`):
    an array, as the models make it (a list), although JSON Schema lets any non-array through."""
    return (
        isinstance(schema, dict)
        and "items" in schema
        and not any(k in schema for k in _OBJECT_KEYWORDS)
        and not any(k in schema for k in _NOT_PLAIN)
    )


Direction = Literal["request", "response"]
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SCHEMAS = "#/components/schemas/"
_DROPPED = frozenset({"discriminator", "xml", "externalDocs", "example", "nullable"})
_COMPOSITIONS = ("allOf", "anyOf", "oneOf", "not", "$ref", "const", "if")
_ONE = frozenset(
    {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
    | {"unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema"}
)
_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP = frozenset({"properties", "patternProperties", "dependentSchemas"})
_LOCAL_DEFS = frozenset({"$defs", "definitions"})  # reached only through refs, converted as such


class SchemaConversionError(ValueError):
    """A `$ref` that is not local or leads nowhere: the schema cannot stand alone."""


def to_json_schema(
    document: Mapping[str, Any], schema: Any, direction: Direction
) -> dict[str, Any] | bool:
    """`schema` (a node of `document`, the bundled spec) as a self-contained 2020-12 schema."""
    converter = _Converter(document, direction)
    root = converter.convert(schema, converter.component_ref(schema))
    if isinstance(root, bool):
        return root
    out = {"$schema": DIALECT, **root}
    if converter.defs:
        out["$defs"] = converter.defs
    return out


class SharedConversion:
    """Many schemas of one document for one direction, sharing one `$defs`: each ref's target is
    converted once however many schemas reach it (lint checks hundreds of examples this way)."""

    def __init__(self, document: Mapping[str, Any], direction: Direction) -> None:
        self._converter = _Converter(document, direction)
        components = document.get("components")
        schemas = components.get("schemas") if isinstance(components, Mapping) else None
        self._refs = {
            id(schema): _SCHEMAS + jp.escape(name)
            for name, schema in (schemas.items() if isinstance(schemas, Mapping) else ())
        }

    @property
    def defs(self) -> dict[str, Any]:
        """Every `$defs` entry converted so far."""
        return self._converter.defs

    def schema(self, node: Any) -> dict[str, Any] | bool:
        """`node` as `to_json_schema` gives it, its `$defs` the shared (and growing) ones."""
        root = self._converter.convert(node, self._refs.get(id(node)))
        if isinstance(root, bool):
            return root
        return {"$schema": DIALECT, **root, "$defs": self._converter.defs}


class _Converter:
    """One conversion: the document, the direction, and the `$defs` filled as refs are met."""

    def __init__(self, document: Mapping[str, Any], direction: Direction) -> None:
        self.document = document
        self.direction = direction
        self.openapi_30 = not json_schema_2020(document)
        self.defs: dict[str, Any] = {}
        self.names: dict[str, str] = {}  # ref (or a detached child's key) -> its name in $defs
        self.children: dict[str, list[str]] | None = None  # base ref -> refs whose allOf has it
        self.ancestors: dict[str, frozenset[str]] = {}
        self.selections: dict[str, tuple[str | None, str | None, dict[str, list[str]]]] = {}

    def convert(self, node: Any, ref: str | None = None) -> Any:
        """One schema node (the component `ref` names, if any), subschemas converted, refs in `$defs`."""
        if isinstance(node, bool) or not isinstance(node, Mapping):
            return node if isinstance(node, bool) else {}
        if isinstance(node.get("$ref"), str):
            return self._ref_node(node)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-") or key in _LOCAL_DEFS:
                continue
            if key == "$recursiveAnchor" and not isinstance(value, str):
                continue  # 2019-09's flag (OpenAI's): 2020-12 reads the keyword as an anchor name
            if key in _ONE:
                out[key] = self.convert(value)
            elif key in _LIST and isinstance(value, list):
                out[key] = [self.convert(item) for item in value]
            elif key in _MAP and isinstance(value, Mapping):
                out[key] = {name: self.convert(sub) for name, sub in value.items()}
            else:
                out[key] = value
        if reads_as_object(node):  # as the models read it: before a discriminator adds `allOf`
            out["type"] = "object"
        elif reads_as_array(node):
            out["type"] = "array"
        _exclusive_bounds(out)
        self._drop_hidden(node, out)
        self._discriminate(node, ref, out)
        for tags in self._own_tags(node, ref):
            out["allOf"] = [*out.get("allOf", []), tags]
        return _nullable(out) if node.get("nullable") is True else out

    def component_ref(self, node: Any) -> str | None:
        """The ref of the component schema that IS `node` (its allOf children are found by ref)."""
        components = self.document.get("components")
        schemas = components.get("schemas") if isinstance(components, Mapping) else None
        for name, schema in schemas.items() if isinstance(schemas, Mapping) else ():
            if schema is node:
                return _SCHEMAS + jp.escape(name)
        return None

    def _ref_node(self, node: Mapping[str, Any]) -> Any:
        """`$ref` (with 3.1's siblings, or 3.0's `nullable` beside it) -> `#/$defs/NAME`."""
        target: dict[str, Any] = {"$ref": _pointer(self._define(node["$ref"]))}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        nullable = siblings.pop("nullable", None) is True
        if siblings and not self.openapi_30:  # 3.0 ignores what stands beside a $ref
            target.update(self.convert(siblings))
        return {"anyOf": [{"type": "null"}, target]} if nullable else target

    def _define(self, ref: str) -> str:
        """The `$defs` name of a local ref, converting its target the first time it is met."""
        if ref in self.names:
            return self.names[ref]
        if not ref.startswith("#"):
            raise SchemaConversionError(f"not a local $ref: {ref!r}")
        name = self._reserve(ref, _short(ref))
        self.defs[name] = self.convert(self._target(ref), ref)
        return name

    def _reserve(self, key: str, name: str) -> str:
        """A fresh `$defs` name for `key`, held by a placeholder so that a recursive ref finds it."""
        while name in self.defs:
            name += "_"
        self.names[key] = name
        self.defs[name] = {}
        return name

    # --- discriminator -------------------------------------------------------------------------

    def _discriminate(self, node: Mapping[str, Any], ref: str | None, out: dict[str, Any]) -> None:
        """A discriminator's tagged union: the union's branches, or a base's allOf children."""
        prop, union, groups = self._selection(node, ref)
        if prop is None or not groups:
            return
        tagged = [self._tagged(prop, values, target, ref) for target, values in groups.items()]
        if union is None:
            out["allOf"] = [*out.get("allOf", []), {"anyOf": tagged}]
            return
        inline = [out[union][i] for i, item in enumerate(node[union]) if _local_ref(item) is None]
        del out[union]
        keyword = union if inline else "anyOf"  # tagged branches exclude each other by their tag
        if keyword in out:
            out["allOf"] = [*out.get("allOf", []), {keyword: tagged + inline}]
        else:
            out[keyword] = tagged + inline

    def _selection(
        self, node: Mapping[str, Any], ref: str | None
    ) -> tuple[str | None, str | None, dict[str, list[str]]]:
        """The discriminator's property, its union keyword, and target ref -> values selecting it."""
        if ref is not None and ref in self.selections:
            return self.selections[ref]
        disc = node.get("discriminator")
        prop = disc.get("propertyName") if isinstance(disc, Mapping) else None
        if not isinstance(disc, Mapping) or not isinstance(prop, str):
            return None, None, {}
        union = next((k for k in ("oneOf", "anyOf") if isinstance(node.get(k), list)), None)
        if union is not None:
            candidates = [r for r in map(_local_ref, node[union]) if r is not None]
        else:
            candidates = self._children_of(ref) if ref is not None else []
        groups: dict[str, list[str]] = {}
        mapping = disc.get("mapping")
        for value, target in mapping.items() if isinstance(mapping, Mapping) else ():
            target_ref = _mapped_ref(target)
            if isinstance(value, str) and target_ref is not None and self._exists(target_ref):
                groups.setdefault(target_ref, []).append(value)
        mapped = {value for values in groups.values() for value in values}
        for candidate in candidates:
            name = _component_name(candidate)
            if candidate not in groups and name is not None and name not in mapped:
                groups[candidate] = [name]
        if ref is not None:
            self.selections[ref] = (prop, union, groups)
        return prop, union, groups

    def _tagged(self, prop: str, values: list[str], target: str, base: str | None) -> Any:
        """The branch of a tagged union: the tag's values, and the schema they select."""
        tag = {"const": values[0]} if len(values) == 1 else {"enum": values}
        branch: dict[str, Any] = {"required": [prop], "properties": {prop: tag}}
        if target != base:
            branch["allOf"] = [{"$ref": _pointer(self._detached(target, base))}]
        return branch

    def _own_tags(self, node: Mapping[str, Any], ref: str | None) -> list[dict[str, Any]]:
        """A child's own tag values, for each discriminating base its `allOf` refers to."""
        parts = node.get("allOf")
        if ref is None or not isinstance(parts, list):
            return []
        tags = []
        for base in filter(None, map(_local_ref, parts)):
            base_node = get_ref(self.document, base)
            if not isinstance(base_node, Mapping):
                continue
            prop, _, groups = self._selection(base_node, base)
            selecting = [
                v for t, vs in groups.items() if t == ref or self._reaches(t, ref) for v in vs
            ]
            if prop is not None and selecting:
                tag = {"const": selecting[0]} if len(selecting) == 1 else {"enum": selecting}
                tags.append({"properties": {prop: tag}})
        return tags

    def _detached(self, target: str, base: str | None) -> str:
        """The `$defs` name of `target` with its `allOf` path to `base` cut (so no re-selection)."""
        if base is None or not self._reaches(target, base):
            return self._define(target)
        key = f"\0{target}\0{base}"  # not a pointer: never looked up in the document
        if key in self.names:
            return self.names[key]
        name = self._reserve(key, f"{_short(target)} without {_short(base)}")
        node = self._target(target)
        parts = []
        for part in node["allOf"]:
            part_ref = _local_ref(part)
            if part_ref == base:
                continue
            if part_ref is not None and self._reaches(part_ref, base):
                self._detached(part_ref, base)
                part = {**part, "$ref": f"\0{part_ref}\0{base}"}
            parts.append(part)
        rest = {k: v for k, v in node.items() if k != "allOf"}
        self.defs[name] = self.convert({**rest, "allOf": parts} if parts else rest, target)
        return name

    def _children_of(self, base: str) -> list[str]:
        """The component schemas whose `allOf` lists a `$ref` to `base`, in document order."""
        if self.children is None:
            self.children = {}
            components = self.document.get("components")
            schemas = components.get("schemas") if isinstance(components, Mapping) else None
            for name, schema in schemas.items() if isinstance(schemas, Mapping) else ():
                parts = schema.get("allOf") if isinstance(schema, Mapping) else None
                for part_ref in map(_local_ref, parts if isinstance(parts, list) else []):
                    if part_ref is not None:
                        self.children.setdefault(part_ref, []).append(_SCHEMAS + jp.escape(name))
        return self.children.get(base, [])

    def _reaches(self, ref: str, base: str) -> bool:
        """Whether the schema `ref` names builds on `base` through `allOf` refs."""
        return base in self._ancestors(ref)

    def _ancestors(self, ref: str) -> frozenset[str]:
        """Every ref the schema `ref` names builds on through `allOf`, transitively (memoized)."""
        if ref in self.ancestors:
            return self.ancestors[ref]
        self.ancestors[ref] = frozenset()  # a cycle of allOf refs ends here
        node = get_ref(self.document, ref)
        parts = node.get("allOf") if isinstance(node, Mapping) else None
        found: set[str] = set()
        for part_ref in map(_local_ref, parts if isinstance(parts, list) else []):
            if part_ref is not None:
                found |= {part_ref, *self._ancestors(part_ref)}
        self.ancestors[ref] = frozenset(found)
        return self.ancestors[ref]

    def _exists(self, ref: str) -> bool:
        return get_ref(self.document, ref) is not None

    def _target(self, ref: str) -> Any:
        """The node a ref the conversion must follow names; SchemaConversionError when none."""
        try:
            return walk_pointer(self.document, jp.split(ref))
        except (KeyError, IndexError, TypeError, ValueError):
            raise SchemaConversionError(f"$ref leads nowhere: {ref!r}") from None

    def _drop_hidden(self, node: Mapping[str, Any], out: dict[str, Any]) -> None:
        """Remove the properties the other side owns (readOnly in requests, writeOnly in responses)."""
        properties = node.get("properties")
        if not isinstance(properties, Mapping):
            return
        hidden = {name for name, sub in properties.items() if self._hidden(sub)}
        if not hidden:
            return
        out["properties"] = {k: v for k, v in out["properties"].items() if k not in hidden}
        if isinstance(out.get("required"), list):
            out["required"] = [name for name in out["required"] if name not in hidden]

    def _hidden(self, schema: Any, hops: int = 0) -> bool:
        """Whether a property's schema (or the schema its `$ref` names) is the other side's."""
        if not isinstance(schema, Mapping) or hops > 64:
            return False
        keyword = "readOnly" if self.direction == "request" else "writeOnly"
        if schema.get(keyword) is True:
            return True
        ref = schema.get("$ref")
        return isinstance(ref, str) and self._hidden(get_ref(self.document, ref), hops + 1)


def _pointer(name: str) -> str:
    return "#/$defs/" + quote(jp.escape(name), safe="~!$&'()*+,;=:@-._")


def _short(ref: str) -> str:
    """A component's own name; any other ref keeps its whole text."""
    return _component_name(ref) or ref


def _component_name(ref: str) -> str | None:
    short = ref[len(_SCHEMAS) :]
    return jp.unescape(short) if ref.startswith(_SCHEMAS) and "/" not in short else None


def _local_ref(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) and ref.startswith("#") else None


def _mapped_ref(target: Any) -> str | None:
    """A mapping value as a local ref: a bare name is a component's; other documents are out."""
    if not isinstance(target, str):
        return None
    if target.startswith("#"):
        return target
    return None if "/" in target or "#" in target else _SCHEMAS + jp.escape(target)


def _exclusive_bounds(out: dict[str, Any]) -> None:
    """3.0's `exclusiveMinimum: true` beside `minimum: m` is 2020-12's `exclusiveMinimum: m`."""
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        flag = out.get(exclusive)
        if flag is True and bound in out:
            out[exclusive] = out.pop(bound)
        elif isinstance(flag, bool):
            del out[exclusive]


def _nullable(out: dict[str, Any]) -> dict[str, Any]:
    """3.0's `nullable: true`: null joins `type` and `enum`, or a composition gets an anyOf."""
    if any(key in out for key in _COMPOSITIONS):
        return {"anyOf": [{"type": "null"}, out]}
    kind = out.get("type")
    if isinstance(kind, str) and kind != "null":
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out
