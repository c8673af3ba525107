"""Hostile shapes: schemas named twice per level must cost the diff linear, not exponential, work.

Each test builds a chain of forty schemas in which every level names the next one twice. Any walk
that expands a ref each time it is named does 2**40 steps on it, so these tests prove the fix by
finishing at all: they carry no timing assertions.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from apiforge.diff import diff_documents
from apiforge.diff.schema_hashes import Fingerprints

LEVELS = 40
Level = Callable[[int, dict[str, Any]], dict[str, Any]]  # schema `S{i}`, given what closes a cycle


def _ref(i: int) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/S{i}"}


def _two_properties(i: int, back: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"a": _ref(i + 1), "b": _ref(i + 1), **back}}


def _two_members(i: int, back: dict[str, Any]) -> dict[str, Any]:
    return {"allOf": [_ref(i + 1), _ref(i + 1), *back.values()]}


def _two_members_with_a_property(i: int, back: dict[str, Any]) -> dict[str, Any]:
    first = {"type": "object", "properties": {"x": _ref(i + 1), **back}}
    return {"allOf": [first, {"type": "object", "properties": {"x": _ref(i + 1)}}]}


def _items_and_additional(i: int, back: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": _ref(i + 1),
        "properties": {"a": {"type": "array", "items": _ref(i + 1)}, **back},
    }


def _member_and_single_branch(i: int, back: dict[str, Any]) -> dict[str, Any]:
    return {"allOf": [_ref(i + 1), *back.values()], "oneOf": [_ref(i + 1), {"type": "null"}]}


def _two_alternatives(i: int, back: dict[str, Any]) -> dict[str, Any]:
    branches = [_ref(i + 1), {**_ref(i + 1), "minLength": 1}]
    return {"oneOf": branches, **({"type": "object", "properties": back} if back else {})}


def _eight_alternatives(i: int, back: dict[str, Any]) -> dict[str, Any]:
    branches = [_ref(i + 1) for _ in range(8)]  # nested unions are opened: 8**8 if each is opened
    return {"oneOf": branches, **({"type": "object", "properties": back} if back else {})}


def chain(level: Level, last_type: str, cycle: bool) -> dict[str, Any]:
    """`S0`..`S39` from `level`, `S40` of `last_type`; one operation's two bodies are `S0`."""
    # `level(i, back)` names `S{i+1}` twice, and adds `back` (a ref to `S0`) at `S39` in a cycle
    back = {"back": _ref(0)}
    schemas = {f"S{i}": level(i, back if cycle and i == LEVELS - 1 else {}) for i in range(LEVELS)}
    schemas[f"S{LEVELS}"] = {"type": last_type}
    body = {"content": {"application/json": {"schema": _ref(0)}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hostile", "version": "1"},
        "paths": {
            "/chain": {
                "post": {
                    "requestBody": {"required": True, **copy.deepcopy(body)},
                    "responses": {"200": {"description": "ok", **copy.deepcopy(body)}},
                }
            }
        },
        "components": {"schemas": schemas},
    }


PROPERTY_TYPE = {"request-property-type-changed", "response-property-type-changed"}
BODY_TYPE = {"request-body-type-changed", "response-body-type-changed"}
SHAPES = [
    pytest.param(_two_properties, PROPERTY_TYPE, id="two-properties"),
    pytest.param(_two_members, BODY_TYPE, id="two-allOf-members"),
    pytest.param(_two_members_with_a_property, PROPERTY_TYPE, id="two-members-one-property"),
    pytest.param(_items_and_additional, PROPERTY_TYPE, id="items-and-additionalProperties"),
    pytest.param(_member_and_single_branch, BODY_TYPE, id="allOf-and-single-branch-oneOf"),
    pytest.param(_two_alternatives, BODY_TYPE, id="two-oneOf-alternatives"),
    pytest.param(_eight_alternatives, BODY_TYPE, id="eight-oneOf-alternatives"),
]


@pytest.mark.parametrize("cycle", [False, True], ids=["chain", "cycle"])
@pytest.mark.parametrize(("level", "kinds"), SHAPES)
def test_last_schema_type_change_is_found(level: Level, kinds: set[str], cycle: bool) -> None:
    old, new = chain(level, "string", cycle), chain(level, "integer", cycle)
    result = diff_documents(old, new)
    assert {c.kind for c in result.changes} == kinds, [c.message for c in result.changes]
    assert result.undeclared_breaking


@pytest.mark.parametrize("cycle", [False, True], ids=["chain", "cycle"])
def test_unchanged_hostile_document_has_no_changes(cycle: bool) -> None:
    doc = chain(_two_properties, "string", cycle)
    assert diff_documents(doc, copy.deepcopy(doc)).changes == ()


@pytest.mark.parametrize("cycle", [False, True], ids=["chain", "cycle"])
def test_fingerprint_size_does_not_grow_with_depth(cycle: bool) -> None:
    doc = chain(_two_properties, "string", cycle)
    fingerprints = Fingerprints(doc)
    deep = fingerprints.of_ref("#/components/schemas/S0")
    shallow = fingerprints.of_ref(f"#/components/schemas/S{LEVELS}")
    assert len(deep) == len(shallow)
    other = Fingerprints(chain(_two_properties, "integer", cycle))
    assert other.of_ref("#/components/schemas/S0") != deep


def test_nested_union_named_twice_adds_its_alternatives_once() -> None:
    def doc(*types: str) -> dict[str, Any]:
        union = {"oneOf": [{"type": t} for t in types]}
        return {
            "openapi": "3.1.0",
            "info": {"title": "Union", "version": "1"},
            "paths": {"/u": {"get": {"responses": {"200": {"description": "ok", **body}}}}},
            "components": {"schemas": {"S0": {"oneOf": [_ref(1), _ref(1)]}, "S1": union}},
        }

    body = {"content": {"application/json": {"schema": _ref(0)}}}
    (change,) = diff_documents(doc("string"), doc("string", "integer")).changes
    assert (change.kind, change.detail) == (
        "response-body-one-of-added",
        "alternative `integer` added",
    )
