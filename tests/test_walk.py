"""document/walk.py: the ways to follow a `$ref` (one contract each) and the walkers' views."""

from __future__ import annotations

from typing import Any

import pytest

from apiforge.document.walk import (
    ItemOperation,
    ObjectAt,
    OperationAt,
    PathItemAt,
    deref,
    deref_located,
    enclosing,
    get_ref,
    item_operations,
    iter_objects,
    iter_operations,
    iter_path_items,
    walk_pointer,
)

DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/C"},
            "C": {"type": "string"},
            "Broken": {"$ref": "#/components/schemas/Nowhere"},
            "ToBroken": {"$ref": "#/components/schemas/Broken"},
            "Ping": {"$ref": "#/components/schemas/Pong"},
            "Pong": {"$ref": "#/components/schemas/Ping"},
            "Self": {"$ref": "#/components/schemas/Self"},
            "Null": None,
            "a/b~c": {"type": "integer"},
            "List": {"prefixItems": [{"type": "boolean"}]},
        }
    }
}
SCHEMAS = DOC["components"]["schemas"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# -- get_ref: one hop -------------------------------------------------------------------------------


def test_get_ref_takes_one_hop_and_leaves_a_ref_it_lands_on() -> None:
    assert get_ref(DOC, "#/components/schemas/A") is SCHEMAS["A"]
    assert get_ref(DOC, "#/components/schemas/C") == {"type": "string"}


def test_get_ref_unescapes_pointer_tokens_and_indexes_lists() -> None:
    assert get_ref(DOC, "#/components/schemas/a~1b~0c") == {"type": "integer"}
    assert get_ref(DOC, "#/components/schemas/List/prefixItems/0") == {"type": "boolean"}


@pytest.mark.parametrize(
    "missing",
    [
        "#/components/schemas/Nowhere",
        "#/components/schemas/List/prefixItems/7",
        "#/components/schemas/List/prefixItems/x",
        "#/components/schemas/C/type/deeper",
        "other.yaml#/components/schemas/C",  # another file: a bundle has none
        "/components/schemas/C",  # a URI path, not a fragment
        "#components",  # a fragment that is no JSON pointer
    ],
)
def test_get_ref_is_none_where_a_ref_names_nothing_here(missing: str) -> None:
    assert get_ref(DOC, missing) is None


# -- walk_pointer: absent raises ----------------------------------------------------------------------


def test_walk_pointer_tells_a_null_node_from_an_absent_one() -> None:
    assert walk_pointer(DOC, ["components", "schemas", "Null"]) is None
    with pytest.raises(KeyError):
        walk_pointer(DOC, ["components", "schemas", "Nowhere"])
    with pytest.raises(IndexError):
        walk_pointer(DOC, ["components", "schemas", "List", "prefixItems", "3"])


# -- deref: the whole chain -------------------------------------------------------------------------


def test_deref_follows_a_chain_to_its_content() -> None:
    assert deref(ref("A"), DOC) == {"type": "string"}


def test_deref_returns_a_node_that_is_no_ref_itself() -> None:
    node = {"type": "object"}
    assert deref(node, DOC) is node
    assert deref(None, DOC) is None
    assert deref({"$ref": 3}, DOC) == {"$ref": 3}  # not a ref: `$ref` is no string


def test_deref_is_none_when_a_link_of_the_chain_is_broken() -> None:
    assert deref(ref("ToBroken"), DOC) is None
    assert deref({"$ref": "other.yaml#/X"}, DOC) is None


@pytest.mark.parametrize("start", ["Ping", "Pong", "Self"])
def test_deref_stops_on_a_loop_of_refs_at_a_ref_of_the_loop(start: str) -> None:
    loop = {id(SCHEMAS[name]) for name in ("Ping", "Pong", "Self")}
    end = deref(ref(start), DOC)
    assert id(end) in loop and "$ref" in end


# -- deref_located: the chain, and where it landed --------------------------------------------------


def test_deref_located_names_the_pointer_of_the_content() -> None:
    assert deref_located(ref("A"), DOC, "#/here") == ({"type": "string"}, "#/components/schemas/C")


def test_deref_located_keeps_the_pointer_of_a_node_that_is_no_ref() -> None:
    node = {"type": "object"}
    assert deref_located(node, DOC, "#/here") == (node, "#/here")


def test_deref_located_names_the_broken_ref() -> None:
    assert deref_located(ref("ToBroken"), DOC, "#/here") == (None, "#/components/schemas/Nowhere")


def test_deref_located_stops_on_a_loop() -> None:
    node, where = deref_located(ref("Ping"), DOC, "#/here")
    assert (node, where) == (SCHEMAS["Pong"], "#/components/schemas/Pong")


# -- the walkers' views -----------------------------------------------------------------------------

API: dict[str, Any] = {
    "paths": {
        "/a": {"$ref": "#/components/pathItems/A"},
        "/b": {
            "get": {"operationId": "getB"},
            "additionalOperations": {"PURGE": {"operationId": "purgeB"}, "get": {}},
        },
        "/broken": {"$ref": "#/components/pathItems/Nowhere"},
    },
    "components": {"pathItems": {"A": {"post": {"operationId": "postA"}}}},
}


def test_path_items_are_followed_through_refs_and_located_where_written() -> None:
    assert list(iter_path_items(API)) == [
        PathItemAt("/a", API["components"]["pathItems"]["A"], "#/components/pathItems/A"),
        PathItemAt("/b", API["paths"]["/b"], "#/paths/~1b"),
    ]  # a path item whose ref is broken is left out: bundling refuses it


def test_operations_carry_their_path_method_and_pointer() -> None:
    found = list(iter_operations(API))
    assert [(o.path, o.method, o.operation["operationId"], o.pointer) for o in found] == [
        ("/a", "post", "postA", "#/components/pathItems/A/post"),
        ("/b", "get", "getB", "#/paths/~1b/get"),
        ("/b", "PURGE", "purgeB", "#/paths/~1b/additionalOperations/PURGE"),
    ]
    assert all(isinstance(o, OperationAt) for o in found)


def test_item_operations_name_the_tokens_inside_the_item() -> None:
    assert list(item_operations(API["paths"]["/b"])) == [
        ItemOperation("get", ("get",), {"operationId": "getB"}),
        ItemOperation("PURGE", ("additionalOperations", "PURGE"), {"operationId": "purgeB"}),
    ]  # `get` under additionalOperations has a fixed field: lint reports it, no operation


def test_objects_know_their_kind_and_pointer() -> None:
    found = {o.pointer: o for o in iter_objects(API)}
    post = found["#/components/pathItems/A/post"]
    assert post == ObjectAt(("components", "pathItems", "A", "post"), "operation", post.node)
    assert found["#/paths/~1b"].kind == "pathItem"


def test_enclosing_names_the_nearest_schema_around_each_as_every_prefix_would() -> None:
    """The stack of open places gives what looking up every prefix of a pointer gave."""
    doc = {
        "components": {
            "schemas": {
                "A": {"properties": {"b": {"items": {"type": "string"}}, "c": {"type": "integer"}}},
                "D": {"allOf": [{"not": {"type": "null"}}, {"type": "object"}]},
            }
        }
    }
    places = [found.tokens for found in iter_objects(doc) if found.kind == "schema"]
    known = set(places)
    by_prefix = [
        next((t[:n] for n in range(len(t) - 1, -1, -1) if t[:n] in known), None) for t in places
    ]
    assert enclosing(places) == by_prefix
    assert by_prefix.count(None) == 2  # A and D; every other schema stands inside one
