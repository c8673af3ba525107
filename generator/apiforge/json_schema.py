"""An OpenAPI schema (3.0 or 3.1) -> a self-contained JSON Schema 2020-12 for one direction.

What a request may send differs from what a response may carry (`readOnly` properties are the
server's, `writeOnly` ones the client's), so each conversion is for one direction. 3.0's dialect
becomes 2020-12: `nullable: true` allows null (beside `type`, `enum`, `allOf`, `$ref` alike),
boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers. OpenAPI-only keywords
(`discriminator`, `xml`, `externalDocs`, `example`, `x-...`) are dropped; `format` stays an
annotation. Every local `$ref` becomes `#/$defs/NAME`, `#/components/schemas/X` keeping its name X,
so the result validates alone (jsonschema) and feeds schema-driven generators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from apiforge import pointer as jp
from apiforge.versions import json_schema_2020

__all__ = ["DIALECT", "Direction", "SchemaConversionError", "to_json_schema"]

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
    root = converter.convert(schema)
    if isinstance(root, bool):
        return root
    out = {"$schema": DIALECT, **root}
    if converter.defs:
        out["$defs"] = converter.defs
    return out


class _Converter:
    """One conversion: the document, the direction, and the `$defs` filled as refs are met."""

    def __init__(self, document: Mapping[str, Any], direction: Direction) -> None:
        self.document = document
        self.direction = direction
        self.openapi_30 = not json_schema_2020(document)
        self.defs: dict[str, Any] = {}
        self.names: dict[str, str] = {}  # ref -> its name in $defs

    def convert(self, node: Any) -> Any:
        """One schema node, its subschemas converted and its refs pointed into `$defs`."""
        if isinstance(node, bool) or not isinstance(node, Mapping):
            return node if isinstance(node, bool) else {}
        if isinstance(node.get("$ref"), str):
            return self._ref_node(node)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED or key.startswith("x-") or key in _LOCAL_DEFS:
                continue
            if key in _ONE:
                out[key] = self.convert(value)
            elif key in _LIST and isinstance(value, list):
                out[key] = [self.convert(item) for item in value]
            elif key in _MAP and isinstance(value, Mapping):
                out[key] = {name: self.convert(sub) for name, sub in value.items()}
            else:
                out[key] = value
        _exclusive_bounds(out)
        self._drop_hidden(node, out)
        return _nullable(out) if node.get("nullable") is True else out

    def _ref_node(self, node: Mapping[str, Any]) -> Any:
        """`$ref` (with 3.1's siblings, or 3.0's `nullable` beside it) -> `#/$defs/NAME`."""
        name = quote(jp.escape(self._define(node["$ref"])), safe="~!$&'()*+,;=:@-._")
        target: dict[str, Any] = {"$ref": "#/$defs/" + name}
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
        short = ref[len(_SCHEMAS) :]
        name = jp.unescape(short) if ref.startswith(_SCHEMAS) and "/" not in short else ref
        while name in self.defs:
            name += "_"
        self.names[ref] = name
        self.defs[name] = {}  # a placeholder, so that a recursive ref finds its name
        self.defs[name] = self.convert(self._target(ref))
        return name

    def _target(self, ref: str) -> Any:
        node: Any = self.document
        try:
            for token in jp.split(ref):
                node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, TypeError, ValueError):
            raise SchemaConversionError(f"$ref leads nowhere: {ref!r}") from None
        return node

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
        if isinstance(ref, str) and ref.startswith("#"):
            try:
                return self._hidden(self._target(ref), hops + 1)
            except SchemaConversionError:
                return False
        return False


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
