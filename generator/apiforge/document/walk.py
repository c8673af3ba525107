"""The grammar of an OpenAPI document and the ways to walk it: objects by kind, operations, refs.

Every stage that looks inside a document walks it through here, so "where does a schema stand"
and "how is a local `$ref` followed" have one answer. The walkers yield small read-only views
(`ObjectAt`, `PathItemAt`, `OperationAt`, `ItemOperation`): named fields, still tuples.

Following refs, by contract (all local refs, `#/...`; a bundle has no other kind):
- `get_ref`: one ref -> the node it names (one hop), None when it names nothing;
- `deref`: a node -> the node its chain of refs ends at, None when one is broken;
- `deref_located`: `deref` that also returns the pointer it landed on, for diagnostics and diffs;
- `walk_pointer`: pointer tokens -> node, raising when absent (for callers that report it).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from apiforge.document import pointer as jp

__all__ = [
    "HTTP_METHODS",
    "OPERATION_METHODS",
    "MAPPING_KIND",
    "ItemOperation",
    "ObjectAt",
    "OperationAt",
    "PathItemAt",
    "child_kind",
    "deref",
    "deref_located",
    "enclosing",
    "get_ref",
    "in_place_loops",
    "is_method_token",
    "is_object_kind",
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


class ObjectAt(NamedTuple):
    """An object where it is written: pointer tokens, kind (schema, operation, ...), the node."""

    tokens: tuple[str, ...]
    kind: str
    node: dict[str, Any]

    @property
    def pointer(self) -> str:
        return jp.from_tokens(self.tokens)


class PathItemAt(NamedTuple):
    """A path item of `paths`: its key, the item (through local refs), where it is written."""

    path: str
    item: dict[str, Any]
    pointer: str


class OperationAt(NamedTuple):
    """An operation of `paths`: its path key, its method, the operation, where it is written."""

    path: str
    method: str
    operation: dict[str, Any]
    pointer: str


class ItemOperation(NamedTuple):
    """An operation of one path item: the method as sent, its pointer tokens in the item, itself."""

    method: str
    tokens: tuple[str, ...]
    operation: dict[str, Any]


def iter_objects(data: Any, *, maps: bool = False) -> Iterator[ObjectAt]:
    """Every object of a bundled document with its pointer tokens and kind (schema, operation, ...).

    Refs are not followed, so each object is seen once, where it is written. `maps`: the maps
    and lists written as mappings on the way too (`properties`, `responses`: kinds ending in `*`
    or `[]`), for a walk that must see every mapping outside data (the bundler's).
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
        if maps or is_object_kind(kind):
            yield ObjectAt(tokens, kind, node)
        # only containers hold objects: scalars are not even looked at
        children = [
            ((*tokens, k), child_kind(kind, k), v)
            for k, v in node.items()
            if isinstance(v, dict | list)
        ]
        stack.extend(reversed(children))


def is_object_kind(kind: str) -> bool:
    """An object's kind, not a map's or a list's (`schema`, not `schema*` or `schema[]`)."""
    return not (kind.endswith("*") or kind.endswith("[]"))


def enclosing(places: Iterable[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
    """For each place, the nearest earlier one that contains it (None: none does), the places in
    walk order (`iter_objects`': a parent before its children, its descendants right after it),
    so that the open ancestors are a stack: one step each, not one per prefix of a pointer."""
    open_places: list[tuple[str, ...]] = []
    found: list[tuple[str, ...] | None] = []
    for tokens in places:
        while open_places and tokens[: len(open_places[-1])] != open_places[-1]:
            open_places.pop()
        found.append(open_places[-1] if open_places else None)
        open_places.append(tokens)
    return found


def iter_operations(data: dict[str, Any]) -> Iterator[OperationAt]:
    """Every operation under `paths`, in document order.

    A path item that is a local `$ref` (a bundled file's path item) is followed; the pointer is
    where the operation is written.
    """
    for path_item in iter_path_items(data):
        for found in item_operations(path_item.item):
            where = jp.join(path_item.pointer, *found.tokens)
            yield OperationAt(path_item.path, found.method, found.operation, where)


def item_operations(item: dict[str, Any]) -> Iterator[ItemOperation]:
    """The operations of a path item.

    The fixed fields come first (3.2 adds `query`), then 3.2's `additionalOperations`, keyed by the
    method as sent (`PURGE`); a key that is no HTTP method token is left out (lint reports it).
    """
    for method in OPERATION_METHODS:
        op = item.get(method)
        if isinstance(op, dict):
            yield ItemOperation(method, (method,), op)
    extra = item.get("additionalOperations")
    for name, op in (extra if isinstance(extra, dict) else {}).items():
        if isinstance(op, dict) and is_method_token(name):
            yield ItemOperation(str(name), ("additionalOperations", str(name)), op)


def is_method_token(name: object) -> bool:
    """An HTTP method name (RFC 9110 token) that is none of the fixed fields' methods."""
    return (
        isinstance(name, str)
        and _METHOD_TOKEN.fullmatch(name) is not None
        and name.lower() not in OPERATION_METHODS
    )


def iter_path_items(data: dict[str, Any]) -> Iterator[PathItemAt]:
    """Every path item under `paths`, through local refs (one whose ref is broken is left out)."""
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    for path, written in paths.items():
        item, where = deref_located(written, data, jp.join("#/paths", path))
        if isinstance(item, dict):
            yield PathItemAt(path, item, where)


def walk_pointer(data: Any, tokens: list[str]) -> Any:
    """The node at pointer tokens; KeyError, IndexError, ValueError or TypeError when absent.

    For callers that tell "absent" from "null" or report where a lookup failed; to follow a
    `$ref`, `get_ref` or `deref`.
    """
    node = data
    for token in tokens:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def is_ref(schema: Any) -> bool:
    return isinstance(schema, dict) and isinstance(schema.get("$ref"), str)


def get_ref(doc: Any, ref: str) -> Any:
    """The node one local ref (`#/...`) names, not following a ref found there; None when it names
    nothing or is no local ref.

    For a walk that counts its own hops or marks the refs it has expanded; else `deref`.
    """
    if not ref.startswith("#"):
        return None
    try:
        return walk_pointer(doc, jp.split(ref))
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def deref(node: Any, doc: Any) -> Any:
    """The node a chain of local refs from `node` ends at (`node` itself when it is no ref): None
    when a ref is broken, the ref that closes a loop when the chain loops.

    Bundling refused broken refs and loops of refs, so the loop guard only serves documents that
    were never bundled.
    """
    return deref_located(node, doc, "")[0] if is_ref(node) else node


def deref_located(node: Any, doc: Any, pointer: str) -> tuple[Any, str]:
    """`deref`, and the pointer of the node it lands on (`pointer`, where `node` is written, when
    `node` is no ref; the last ref followed otherwise): for a diagnostic or a diff that names
    where the content is written."""
    seen: set[str] = set()
    while is_ref(node) and node["$ref"] not in seen:
        ref = node["$ref"]
        seen.add(ref)
        node, pointer = get_ref(doc, ref), ref
    return node, pointer


# Keywords that apply a schema to the same instance: a loop of them (and refs) never ends.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


def in_place_loops(data: Any, objects: Sequence[ObjectAt] | None = None) -> list[list[str]]:
    """Loops of schemas that apply one another to the same instance, each as the pointers of its
    ref targets, the first repeated at the end: `A: {allOf: [$ref B]}, B: {allOf: [$ref A]}`.

    JSON Schema leaves such a schema undefined (2020-12 core, 9.4.1: "#alice" and "#bob" whose
    allOf refer to each other); a validator or model builder that follows it never returns.
    """
    walked = iter_objects(data) if objects is None else objects  # `objects`: data's, walked already
    schemas = {id(o.node): (o.tokens, o.node) for o in walked if o.kind == "schema"}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    hit: dict[str, Any] = {}  # a ref -> its target: most are written many times
    loops: list[list[str]] = []
    for start, (_, node) in schemas.items():
        if start in state or ("$ref" not in node and node.keys().isdisjoint(_IN_PLACE)):
            continue  # done, or a leaf: it applies no schema to its instance, so loops through none
        path: list[tuple[int, bool]] = [(start, False)]  # (node, entered through a $ref)
        todo: list[list[tuple[int, bool]]] = [_in_place_next(schemas[start][1], data, schemas, hit)]
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
                todo.append(_in_place_next(schemas[nxt][1], data, schemas, hit))
    return loops


def _in_place_next(
    node: dict[str, Any], data: Any, schemas: dict[int, Any], hit: dict[str, Any]
) -> list[tuple[int, bool]]:
    """The schemas `node` applies to its own instance (its parts, its ref's target), by id."""
    if "$ref" not in node and node.keys().isdisjoint(_IN_PLACE):
        return []  # most schemas: a leaf, or one that applies others only to its parts
    out: list[tuple[int, bool]] = []
    if is_ref(node):
        ref = node["$ref"]
        target = hit[ref] if ref in hit else hit.setdefault(ref, get_ref(data, ref))
        if id(target) in schemas:
            out.append((id(target), True))
    for key in _IN_PLACE:
        value = node.get(key)
        parts = value if isinstance(value, list) else [value]
        if key == "dependentSchemas" and isinstance(value, dict):
            parts = list(value.values())
        out.extend((id(p), False) for p in parts if id(p) in schemas)
    return list(reversed(out))
