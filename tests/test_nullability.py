"""Which optional request properties refuse null: answers, speed on shared refs, data refs."""

from __future__ import annotations

from typing import Any

import pytest

from apiforge.codegen import ir
from apiforge.codegen.nullability import allows_null, not_null_fields
from apiforge.models.index import ModelClass, ModelField, ModelIndex


def doc_with(schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {}, "paths": {}, "components": {"schemas": schemas}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def optional(*names: str) -> tuple[ModelField, ...]:
    return tuple(ModelField(n, n, "Any | None", required=False) for n in names)


def chain(depth: int, end: dict[str, Any]) -> dict[str, Any]:
    """S0 .. S{depth-1}, each `anyOf: [next, next]`, ending in `end`: 2**depth paths, depth refs."""
    schemas: dict[str, Any] = {f"S{i}": {"anyOf": [ref(f"S{i + 1}")] * 2} for i in range(depth)}
    schemas[f"S{depth}"] = end
    return doc_with(schemas)


def test_basic_answers() -> None:
    doc = doc_with({"Maybe": {"type": ["string", "null"]}, "Text": {"type": "string"}})
    assert allows_null({"type": "string", "nullable": True}, doc)
    assert not allows_null({"type": "integer"}, doc)
    assert allows_null(ref("Maybe"), doc)
    assert not allows_null(ref("Text"), doc)
    assert allows_null({"anyOf": [ref("Text"), ref("Maybe")]}, doc)
    assert not allows_null({"allOf": [ref("Maybe"), ref("Text")]}, doc)
    assert allows_null(ref("Missing"), doc)  # unsure: allow
    # 3.0 ignores a $ref's siblings, but `nullable: true` beside one says what its author means
    # (Azure's parallel_tool_calls), and the models let null through there
    assert allows_null({**ref("Text"), "nullable": True}, doc)
    assert not allows_null({**ref("Text"), "nullable": False}, doc)


@pytest.mark.parametrize("depth", [30, 60])
def test_a_deep_chain_of_shared_refs_is_walked_once_per_ref(depth: int) -> None:
    """Without a memo this takes 2**depth steps; finishing at all is the check."""
    assert not allows_null(ref("S0"), chain(depth, {"type": "string"}))
    assert allows_null(ref("S0"), chain(depth, {"type": ["string", "null"]}))


def test_a_cycle_of_refs_ends() -> None:
    doc = doc_with(
        {
            "A": {"anyOf": [ref("B"), {"type": "string"}]},
            "B": {"oneOf": [ref("A"), ref("A")]},
            "Self": {"allOf": [ref("Self"), {"type": "integer"}]},
        }
    )
    assert allows_null(ref("A"), doc)  # unsure inside a cycle: never refuse wrongly
    assert not allows_null(ref("Self"), doc)


def test_not_null_fields_on_a_deep_chain() -> None:
    doc = chain(60, {"type": "string"})
    doc["components"]["schemas"]["Body"] = {
        "type": "object",
        "properties": {"s": ref("S0"), "n": {"type": ["integer", "null"]}},
    }
    index = ModelIndex({"Body": ModelClass("Body", optional("s", "n"), is_root=False)})
    assert not_null_fields(doc, index, ["Body"]) == (ir.NotNull("Body", ("s",)),)


def test_refs_in_extension_and_example_data_are_not_followed() -> None:
    """Validate accepts `$ref` strings in data; they name no schema and must not crash."""
    inner = {
        "type": "object",
        "x-note": {"$ref": "not-a-pointer"},
        "example": {"$ref": "also not a pointer"},
        "properties": {"v": {"type": "string", "default": {"$ref": "#/components/schemas/Ghost"}}},
    }
    doc = doc_with(
        {
            "Body": {
                "type": "object",
                "x-extra": {"$ref": "#/components/schemas/Ghost"},
                "properties": {
                    "inner": ref("Inner"),
                    "x-prop": {"type": "integer"},  # a property named x-...: still a schema
                },
            },
            "Inner": inner,
            "Ghost": {"type": "object", "properties": {"g": {"type": "string"}}},
        }
    )
    index = ModelIndex(
        {
            "Body": ModelClass("Body", optional("inner", "x-prop"), is_root=False),
            "Inner": ModelClass("Inner", optional("v"), is_root=False),
            "Ghost": ModelClass("Ghost", optional("g"), is_root=False),
        }
    )
    assert not_null_fields(doc, index, ["Body"]) == (
        ir.NotNull("Body", ("inner", "x-prop")),
        ir.NotNull("Inner", ("v",)),
    )


def test_allof_properties_through_shared_refs() -> None:
    schemas: dict[str, Any] = {f"P{i}": {"allOf": [ref(f"P{i + 1}")] * 3} for i in range(40)}
    schemas["P40"] = {"type": "object", "properties": {"leaf": {"type": "string"}}}
    schemas["Body"] = {"allOf": [ref("P0")], "properties": {"own": {"type": "boolean"}}}
    index = ModelIndex({"Body": ModelClass("Body", optional("leaf", "own"), is_root=False)})
    assert not_null_fields(doc_with(schemas), index, ["Body"]) == (
        ir.NotNull("Body", ("leaf", "own")),
    )


def fields(**annotations: str) -> tuple[ModelField, ...]:
    return tuple(ModelField(n, n, a, required=False) for n, a in annotations.items())


def test_inline_classes_are_paired_with_their_schemas_at_any_depth() -> None:
    """Inline objects (in a property, array items, a map's values, allOf) have classes the
    library names: each is read beside the schema it came from, through `| None` and `list`."""
    text = {"type": "string"}
    leaf = {"type": "object", "properties": {"z": text, "n": {"type": ["string", "null"]}}}
    doc = doc_with(
        {
            "Body": {
                "type": "object",
                "properties": {
                    "one": {"type": "object", "properties": {"leaf": leaf}},
                    "rows": {"type": ["array", "null"], "items": leaf},
                    "map": {"type": "object", "additionalProperties": {"items": leaf}},
                    "both": {"allOf": [ref("Base"), {"properties": {"d": text}}]},
                },
            },
            "Base": {"type": "object", "properties": {"b": text}},
        }
    )
    index = ModelIndex(
        {
            "Body": ModelClass(
                "Body",
                fields(
                    one="One | None",
                    rows="list[Leaf] | None",
                    map="dict[str, list[Leaf1]] | None",
                    both="Both | None",
                ),
                is_root=False,
            ),
            "One": ModelClass("One", fields(leaf="Leaf2 | None"), is_root=False),
            "Leaf": ModelClass("Leaf", fields(z="str | None", n="str | None"), is_root=False),
            "Leaf1": ModelClass("Leaf1", fields(z="str | None", n="str | None"), is_root=False),
            "Leaf2": ModelClass("Leaf2", fields(z="str | None", n="str | None"), is_root=False),
            "Both": ModelClass("Both", fields(d="str | None"), is_root=False),
            "Base": ModelClass("Base", fields(b="str | None"), is_root=False),
        }
    )
    table = {e.model: e.wire_names for e in not_null_fields(doc, index, ["Body"])}
    assert table == {
        "Body": ("one", "map", "both"),
        "One": ("leaf",),
        "Leaf": ("z",),
        "Leaf1": ("z",),
        "Leaf2": ("z",),
        "Both": ("d",),
        "Base": ("b",),
    }


def test_union_branches_are_paired_by_kind_and_name_not_by_position() -> None:
    """The library writes a union's Literal last and its classes in branch order: `Choice |
    Choice1 | Literal[...]` for `oneOf: [enum, A, B]`. Pairing by position alone read Choice1
    with A's schema and refused a null B allows."""
    doc = doc_with(
        {
            "Body": {
                "type": "object",
                "properties": {
                    "choice": {
                        "oneOf": [
                            {"enum": ["none", "auto"]},
                            {"type": "object", "properties": {"x": {"type": "string"}, "y": {}}},
                            {"type": "object", "properties": {"x": {"type": ["string", "null"]}}},
                            ref("Named"),
                        ]
                    }
                },
            },
            "Named": {"type": "object", "properties": {"w": {"type": "integer"}}},
        }
    )
    index = ModelIndex(
        {
            "Body": ModelClass(
                "Body",
                fields(choice="Choice | Choice1 | Named | Literal['none', 'auto']"),
                is_root=False,
            ),
            "Choice": ModelClass("Choice", fields(x="str | None", y="Any | None"), is_root=False),
            "Choice1": ModelClass("Choice1", fields(x="str | None"), is_root=False),
            "Named": ModelClass("Named", fields(w="int | None"), is_root=False),
        }
    )
    table = {e.model: e.wire_names for e in not_null_fields(doc, index, ["Body"])}
    assert table == {"Body": ("choice",), "Choice": ("x",), "Named": ("w",)}


def test_a_class_missing_a_property_its_schema_declares_is_not_paired_with_it() -> None:
    """Unsure means allow: a class that lacks a property of the schema it is read beside was
    made from another schema (only readOnly ones may be left out: the XRequest variants)."""
    doc = doc_with(
        {
            "Body": {
                "type": "object",
                "properties": {
                    "p": {"type": "object", "properties": {"a": {"type": "string"}, "b": {}}},
                    "q": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "readOnly": True},
                            "a": {"type": "string"},
                        },
                    },
                },
            }
        }
    )
    index = ModelIndex(
        {
            "Body": ModelClass("Body", fields(p="P | None", q="Q | None"), is_root=False),
            "P": ModelClass("P", fields(a="str | None"), is_root=False),
            "Q": ModelClass("Q", fields(a="str | None"), is_root=False),
        }
    )
    table = {e.model: e.wire_names for e in not_null_fields(doc, index, ["Body"])}
    assert table == {"Body": ("p", "q"), "Q": ("a",)}
