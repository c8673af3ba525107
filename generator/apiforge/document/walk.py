"""The grammar of an OpenAPI document and the ways to walk it: objects by kind, operations, refs.

Every stage that looks inside a document walks it through here, so "where does a schema stand"
and "how is a local `$ref` followed" have one answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp

__all__ = [
    "HTTP_METHODS",
    "OPERATION_METHODS",
    "MAPPING_KIND",
    "child_kind",
    "deref",
    "get_ref",
    "in_place_loops",
    "is_method_token",
    "is_ref",
    "item_operations",
    "iter_objects",
    "iter_operations",
    "iter_path_items",
    "walk_pointer",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OPERATION_METHODS = (*HTTP_METHODS, "query")  # the path item's fixed fields; `query` is 3.2's
_METHOD_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

# Which kind of object each key leads to, per kind of object: enough of OpenAPI's grammar to know
# where a $ref stands (a schema, a parameter, ...) and where values are data, never refs.
_MAP_OF = "*"
MAPPING_KIND = "discriminatorMapping"  # values name schemas: refs to rewrite, or bare names to keep
_GRAMMAR: dict[str, dict[str, str]] = {
    "root": {"paths": "paths", "webhooks": "paths", "components": "components"},
    "paths": {_MAP_OF: "pathItem"},
    "components": {
        "schemas": "schema*",
        "parameters": "parameter*",
        "responses": "response*",
        "requestBodies": "requestBody*",
        "headers": "header*",
        "securitySchemes": "securityScheme*",
        "examples": "example*",
        "links": "link*",
        "callbacks": "callback*",
        "pathItems": "pathItem*",
        "mediaTypes": "mediaType*",  # 3.2
    },
    "pathItem": {
        "parameters": "parameter[]",
        **{m: "operation" for m in OPERATION_METHODS},
        "additionalOperations": "operation*",  # 3.2: methods by name
    },
    "operation": {
        "parameters": "parameter[]",
        "requestBody": "requestBody",
        "responses": "response*",
        "callbacks": "callback*",
    },
    "callback": {_MAP_OF: "pathItem"},
    "requestBody": {"content": "mediaType*"},
    "response": {"content": "mediaType*", "headers": "header*", "links": "link*"},
    "mediaType": {
        "schema": "schema",
        "itemSchema": "schema",  # 3.2: the schema of each item of a sequential media type
        "examples": "example*",
        "encoding": "encoding*",
        "itemEncoding": "encoding",  # 3.2
        "prefixEncoding": "encoding[]",  # 3.2
    },
    "encoding": {
        "headers": "header*",
        "encoding": "encoding*",  # 3.2: nested multipart
        "itemEncoding": "encoding",
        "prefixEncoding": "encoding[]",
    },
    "parameter": {"schema": "schema", "content": "mediaType*", "examples": "example*"},
    "header": {"schema": "schema", "content": "mediaType*", "examples": "example*"},
    "example": {"value": "data"},
    "schema": {
        **{k: "schema" for k in ("items", "additionalProperties", "not", "if", "then", "else")},
        **{k: "schema" for k in ("contains", "propertyNames", "unevaluatedItems")},
        **{k: "schema" for k in ("unevaluatedProperties", "additionalItems", "contentSchema")},
        **{k: "schema[]" for k in ("allOf", "anyOf", "oneOf", "prefixItems")},
        **{k: "schema*" for k in ("properties", "patternProperties", "$defs", "definitions")},
        "dependentSchemas": "schema*",
        "discriminator": "discriminator",
    },
    "discriminator": {"mapping": MAPPING_KIND},
}
_DATA_KEYS = {"example", "examples", "default", "enum", "const"}


@functools.lru_cache(maxsize=1 << 16)
def child_kind(kind: str, key: str) -> str:
    """The kind of object found under `key` in an object of `kind` ("data" holds no refs).

    Cached: every walk asks it for every key of every object (364,000 times for OpenAI's document
    in one `generate`), and a document has far fewer distinct (kind, key) pairs.
    """
    if kind.endswith("*") and not (kind == "response*" and key.startswith("x-")):
        return kind[:-1]  # a map's keys are names: a property or header may be called x-...
    if key.startswith("x-"):
        return "data"
    rules = _GRAMMAR.get(kind, {})
    if key in rules:
        return rules[key]
    if key in _DATA_KEYS:
        return "data"
    return rules.get(_MAP_OF, "other")


def iter_objects(data: Any) -> Iterator[tuple[tuple[str, ...], str, dict[str, Any]]]:
    """Every object of a bundled document with its pointer tokens and kind (schema, operation, ...).

    Refs are not followed, so each object is seen once, where it is written.
    """
    stack: list[tuple[tuple[str, ...], str, Any]] = [((), "root", data)]
    while stack:
        tokens, kind, node = stack.pop()
        if kind == "data":
            continue
        if isinstance(node, list):
            item = kind[:-2] if kind.endswith("[]") else kind
            stack.extend(
                ((*tokens, str(i)), item, v)
                for i, v in reversed(list(enumerate(node)))
                if isinstance(v, dict | list)
            )
            continue
        if not isinstance(node, dict):
            continue
        if not kind.endswith("*") and not kind.endswith("[]"):
            yield tokens, kind, node
        # only containers hold objects: scalars are not even looked at
        children = [
            ((*tokens, k), child_kind(kind, k), v)
            for k, v in node.items()
            if isinstance(v, dict | list)
        ]
        stack.extend(reversed(children))


def iter_operations(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(path, method, operation, pointer) for every operation under `paths`.

    A path item that is a local `$ref` (a bundled file's path item) is followed; the pointer is
    where the operation is written.
    """
    for path, item, where in iter_path_items(data):
        for method, tokens, op in item_operations(item):
            yield path, method, op, jp.join(where, *tokens)


def item_operations(item: dict[str, Any]) -> Iterator[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(method, pointer tokens in the item, operation) of a path item.

    The fixed fields come first (3.2 adds `query`), then 3.2's `additionalOperations`, keyed by the
    method as sent (`PURGE`); a key that is no HTTP method token is left out (lint reports it).
    """
    for method in OPERATION_METHODS:
        op = item.get(method)
        if isinstance(op, dict):
            yield method, (method,), op
    extra = item.get("additionalOperations")
    for name, op in (extra if isinstance(extra, dict) else {}).items():
        if isinstance(op, dict) and is_method_token(name):
            yield str(name), ("additionalOperations", str(name)), op


def is_method_token(name: object) -> bool:
    """An HTTP method name (RFC 9110 token) that is none of the fixed fields' methods."""
    return (
        isinstance(name, str)
        and _METHOD_TOKEN.fullmatch(name) is not None
        and name.lower() not in OPERATION_METHODS
    )


def iter_path_items(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(path, path item, pointer) for every path, through local refs."""
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        where = jp.join("#/paths", path)
        for _ in range(64):  # loops of refs were refused when bundling
            ref = item.get("$ref") if isinstance(item, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#"):
                break
            try:
                item, where = walk_pointer(data, jp.split(ref)), ref
            except (KeyError, IndexError, TypeError, ValueError):
                break
        if isinstance(item, dict):
            yield path, item, where


def walk_pointer(data: Any, tokens: list[str]) -> Any:
    """The node at pointer tokens; KeyError, IndexError, ValueError or TypeError when absent."""
    node = data
    for token in tokens:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def is_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and isinstance(schema.get("$ref"), str)


def deref(node: Any, doc: dict[str, Any], limit: int = 64) -> Any:
    """Follow local refs to the node they name: None when one is broken, the last ref at `limit`.

    Bundling refused loops of refs, so the limit only guards documents that were never bundled.
    """
    hops = 0
    while is_ref(node) and hops < limit:
        node = get_ref(doc, node["$ref"])
        hops += 1
    return node


def get_ref(doc: dict[str, Any], ref: str) -> Any:
    """The node a local ref names, or None."""
    try:
        return walk_pointer(doc, jp.split(ref))
    except (KeyError, IndexError, ValueError, TypeError):
        return None


# Keywords that apply a schema to the same instance: a loop of them (and refs) never ends.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


def in_place_loops(data: Any) -> list[list[str]]:
    """Loops of schemas that apply one another to the same instance, each as the pointers of its
    ref targets, the first repeated at the end: `A: {allOf: [$ref B]}, B: {allOf: [$ref A]}`.

    JSON Schema leaves such a schema undefined (2020-12 core, 9.4.1: "#alice" and "#bob" whose
    allOf refer to each other); a validator or model builder that follows it never returns.
    """
    schemas = {id(n): (t, n) for t, k, n in iter_objects(data) if k == "schema"}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    loops: list[list[str]] = []
    for start in schemas:
        if start in state:
            continue
        path: list[tuple[int, bool]] = [(start, False)]  # (node, entered through a $ref)
        todo: list[list[tuple[int, bool]]] = [_in_place_next(schemas[start][1], data, schemas)]
        state[start] = 1
        while todo:
            if not todo[-1]:
                state[path.pop()[0]] = 2
                todo.pop()
                continue
            nxt, by_ref = todo[-1].pop()
            if state.get(nxt) == 1:
                at = next(i for i, (n, _) in enumerate(path) if n == nxt)
                members = [n for n, r in path[at + 1 :] if r]
                loops.append([jp.from_tokens(schemas[n][0]) for n in [nxt, *members, nxt]])
            elif nxt not in state:
                state[nxt] = 1
                path.append((nxt, by_ref))
                todo.append(_in_place_next(schemas[nxt][1], data, schemas))
    return loops


def _in_place_next(
    node: dict[str, Any], data: Any, schemas: dict[int, Any]
) -> list[tuple[int, bool]]:
    """The schemas `node` applies to its own instance (its parts, its ref's target), by id."""
    out: list[tuple[int, bool]] = []
    if is_ref(node):
        target = get_ref(data, node["$ref"])
        if id(target) in schemas:
            out.append((id(target), True))
    for key in _IN_PLACE:
        value = node.get(key)
        parts = value if isinstance(value, list) else [value]
        if key == "dependentSchemas" and isinstance(value, dict):
            parts = list(value.values())
        out.extend((id(p), False) for p in parts if id(p) in schemas)
    return list(reversed(out))
