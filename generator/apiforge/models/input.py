"""The document datamodel-code-generator reads: our bundled plan, with what the library would
misread said explicitly and what lets spec text choose code taken out.

The library's own readings differ from JSON Schema's in places the generated code must not: it
drops undeclared properties unless told they are allowed, types formats with classes that refuse
or rewrite text, reads a pattern's `\\d` as Unicode, and keeps only an enum's values where 3.0's
`nullable` adds null. Each is corrected here, on a copy, before the library runs.
"""

from __future__ import annotations

from typing import Any

from apiforge.document.json_schema import reads_as_object
from apiforge.document.load import plain_copy
from apiforge.document.patterns import ascii_classes
from apiforge.document.walk import deref, get_ref, iter_objects
from apiforge.models import unsatisfiable

__all__ = ["KEPT_FORMATS", "model_input", "models_source"]

# Formats are annotations (JSON Schema 2020-12's default; OpenAPI: "formats are open"): they
# never refuse a value, and a value is dumped as it was written. The library's types for them do
# both (AnyUrl adds a slash, datetimes and UUIDs are rewritten, SecretStr dumps stars, Base64Str
# and Decimal change the text, hostname gets a pattern, EmailStr and ULID need packages generated
# code cannot count on), so the library sees only these, which keep the JSON type's own values.
# `binary` stays bytes: a file in a form, never JSON.
KEPT_FORMATS = frozenset({"int32", "int64", "float", "double", "binary"})


# Keywords the model generator acts on that let spec text choose code (custom types, imports,
# base classes) or reach outside the bundle (dynamic refs, $id, $schema): a spec author could
# make the generated models import any module. None of them is needed for standard schemas.
_UNSAFE_KEYWORDS = {
    "customTypePath",
    "customBasePath",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$id",
    "$anchor",
    "$schema",
    "$vocabulary",
}


def models_source(document: dict[str, Any]) -> dict[str, Any]:
    """What `model_input` reads of the planned document: all but its operations, unless a schema
    refers into them (so an edit of an operation alone leaves it as it was)."""
    kept = {key: value for key, value in document.items() if key not in _OPERATION_SECTIONS}
    return document if _refers_into(kept, _OPERATION_SECTIONS) else kept


def model_input(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document without extensions or keywords that pick code or fetch things.

    The models come from `components` alone (the plan hoisted every body and response schema
    there), so paths and webhooks are left out unless a schema refers into them: the library
    parses less (OpenAI's document: 14% less time in it) for the same output.
    """
    doc: dict[str, Any] = plain_copy(models_source(document))
    owned: list[tuple[dict[str, Any], str]] = []  # said after the walk, which it would disturb
    for _tokens, kind, node in iter_objects(doc):
        for key in [k for k in node if k in _UNSAFE_KEYWORDS or k.startswith("x-")]:
            del node[key]
        if kind == "schema":
            owned += _owned_through_refs(node, doc)
            if reads_as_object(node):  # our documented reading, the judge's and nullability's
                node["type"] = "object"
            if node.get("nullable") is True:
                _enum_admits_null(node)
            _say_open(node, doc)
            if isinstance(node.get("pattern"), str):
                node["pattern"] = ascii_classes(node["pattern"])
            _drop_foreign_keywords(node)
            written = node.get("format")
            if written is not None and not (isinstance(written, str) and written in KEPT_FORMATS):
                del node["format"]
    for prop, keyword in owned:
        prop[keyword] = True
    unsatisfiable.replace(doc, unsatisfiable.find(doc))  # the library refuses the document over one
    return doc


def _owned_through_refs(
    schema: dict[str, Any], doc: dict[str, Any]
) -> list[tuple[dict[str, Any], str]]:
    """A schema's properties written as a `$ref` to a readOnly (or writeOnly) schema, and that keyword.

    The judge (json_schema) reads a property's `readOnly` through its `$ref` (apideck's `id:
    {$ref: Id}`, `Id` readOnly); the library reads it only beside the ref, so its request model
    required an `id` no request may send. Said beside the ref, both read it alike.
    """
    found = []
    properties = schema.get("properties")
    for prop in properties.values() if isinstance(properties, dict) else ():
        if not isinstance(prop, dict) or not isinstance(prop.get("$ref"), str):
            continue
        target = deref(prop, doc)
        for keyword in ("readOnly", "writeOnly"):
            if isinstance(target, dict) and target.get(keyword) is True and keyword not in prop:
                found.append((prop, keyword))
    return found


_OPERATION_SECTIONS = ("paths", "webhooks")

# JSON Schema applies each of these to one kind of value only and ignores it on others; the library
# applies them to whatever the field is (`items: {type: string, minItems: 1}` in Azure's document
# became a string of at least one character, refusing "")
_KEYWORDS_OF = {
    "string": {"minLength", "maxLength", "pattern"},
    "array": {"minItems", "maxItems", "uniqueItems"},
    "object": {"minProperties", "maxProperties"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
}
_KEYWORDS_OF["integer"] = _KEYWORDS_OF["number"]
_TYPE_SPECIFIC = frozenset().union(*_KEYWORDS_OF.values())


def _drop_foreign_keywords(schema: dict[str, Any]) -> None:
    """Leave out what a single-typed schema's JSON Schema reading ignores."""
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in _KEYWORDS_OF:
        return
    for key in [k for k in schema if k in _TYPE_SPECIFIC and k not in _KEYWORDS_OF[kind]]:
        del schema[key]


def _enum_admits_null(schema: dict[str, Any]) -> None:
    """3.0's `nullable: true` beside an `enum` lets null in (as `nullability.allows_null` reads
    it); the library keeps only the enum's values for a named enum, so null joins them."""
    values = schema.get("enum")
    if isinstance(values, list) and None not in values:
        schema["enum"] = [*values, None]


def _say_open(schema: dict[str, Any], doc: dict[str, Any]) -> None:
    """An object schema that does not close itself admits undeclared properties (JSON Schema's
    default); the library drops them unless told, so a reply's extra keys would vanish. A schema
    made only of allOf parts is one class too (codat's responses): open unless a part closes."""
    if "additionalProperties" in schema or "unevaluatedProperties" in schema:
        return
    made = "properties" in schema or schema.get("type") == "object"
    if made or _open_parts(schema.get("allOf"), doc):
        schema["additionalProperties"] = True


def _open_parts(parts: Any, doc: dict[str, Any]) -> bool:
    """Whether allOf parts are object schemas (inline or one ref away) none of which closes."""
    if not isinstance(parts, list) or not parts:
        return False
    for part in parts:
        ref = part.get("$ref") if isinstance(part, dict) else None
        target = get_ref(doc, ref) if isinstance(ref, str) and ref.startswith("#/") else part
        if not isinstance(target, dict) or not (
            "properties" in target or target.get("type") == "object"
        ):
            return False
        closes = "additionalProperties" in target or "unevaluatedProperties" in target
        if closes and target.get("additionalProperties") is not True:
            return False
    return True


def _refers_into(data: Any, sections: tuple[str, ...]) -> bool:
    """Whether any string (a `$ref`, a discriminator's mapping) points into those sections."""
    prefixes = tuple(f"#/{section}/" for section in sections)
    stack = [data]
    while stack:
        node = stack.pop()
        values = node.values() if isinstance(node, dict) else node
        for value in values:
            if isinstance(value, str):
                if value.startswith(prefixes):
                    return True
            elif isinstance(value, dict | list):
                stack.append(value)
    return False
