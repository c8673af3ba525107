"""Which optional request properties may be absent but not null: the spec knows, the models do not.

datamodel-code-generator writes an optional property as `x: T | None = None` whether or not its
schema allows null, so a generated server needs this list to refuse `{"x": null}` as the spec does.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from apiforge.codegen import ir
from apiforge.document import pointer as jp
from apiforge.document.json_schema import reads_as_object
from apiforge.document.walk import deref, get_ref, is_ref, iter_objects
from apiforge.models.index import ModelIndex

_SCHEMAS = "#/components/schemas"
_VARIANT = "Request"  # the library's class for a schema without its readOnly properties
_MAX_DEPTH = 200  # nesting levels and refs followed; beyond it the answer is "unsure"


def not_null_fields(
    doc: dict[str, Any], index: ModelIndex, bodies: list[str]
) -> tuple[ir.NotNull, ...]:
    """For each class a request body can reach, inline ones included: its optional,
    non-nullable properties. A class met with several schemas keeps what all of them forbid."""
    memo: dict[str, bool] = {}
    banned: dict[str, set[str]] = {}
    for name, schema in _request_classes(doc, index, bodies):
        cls = index.classes[name]
        properties = _properties(schema, doc)
        wire = {
            f.wire_name
            for f in cls.fields
            if not f.required
            and f.wire_name in properties
            and not allows_null(properties[f.wire_name], doc, memo)
        }
        banned[name] = banned[name] & wire if name in banned else wire
    return tuple(
        ir.NotNull(
            name, tuple(f.wire_name for f in index.classes[name].fields if f.wire_name in wire)
        )
        for name, wire in sorted(banned.items())
        if wire
    )


def _request_classes(
    doc: dict[str, Any], index: ModelIndex, bodies: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(class, the schema it was made from) for every class a request body can reach: the
    bodies, the components they refer to, and the classes their fields name, at any depth."""
    own = {name: _own_schema(doc, name) for name in bodies}
    components = _reachable(_schema_refs(doc), [_component_of(doc, name) for name in bodies])
    seeds = [(name, schema) for name, schema in own.items() if schema is not None]
    for name in sorted(components):
        schema = deref(get_ref(doc, jp.join(_SCHEMAS, name)), doc)
        seeds.extend((cls, schema) for cls in (name, f"{name}{_VARIANT}") if cls in index.classes)
    return _ClassPairs(doc, index).walk(seeds)


def _component_of(doc: dict[str, Any], name: str) -> str:
    """The component a body class was made from: itself, or `Cat` for its variant `CatRequest`."""
    components = doc.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    schemas = schemas if isinstance(schemas, dict) else {}
    if name not in schemas and name.endswith(_VARIANT) and name[: -len(_VARIANT)] in schemas:
        return name[: -len(_VARIANT)]
    return name


def _own_schema(doc: dict[str, Any], name: str) -> Any:
    return deref(get_ref(doc, jp.join(_SCHEMAS, _component_of(doc, name))), doc)


class _ClassPairs:
    """Model classes walked beside the schemas they were made from: a field's annotation names
    classes (inside `list[...]`, `dict[str, ...]`, `| None`) and its property's schema, followed
    the same way (`items`, `additionalProperties`, a union's branches: `_match`), is theirs.
    Where the two do not line up, or a class has fields its schema does not declare, the pair is
    left out: unsure means allow. Each (class, schema) pair is visited once, so cycles end."""

    def __init__(self, doc: dict[str, Any], index: ModelIndex) -> None:
        self.doc = doc
        self.classes = index.classes
        self.annotations: dict[str, ast.expr | None] = {}

    def walk(self, seeds: list[tuple[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
        seen: set[tuple[str, int]] = set()
        stack = list(reversed(seeds))
        while stack:
            name, schema = stack.pop()
            schema = self._plain(schema)
            cls = self.classes.get(name)
            if cls is None or not isinstance(schema, dict) or (name, id(schema)) in seen:
                continue
            seen.add((name, id(schema)))
            if cls.is_root:  # `root` holds the schema itself
                found = [
                    pair
                    for f in cls.fields
                    if f.name == "root"
                    for pair in self._pairs(self._annotation(f.annotation), schema, 0)
                ]
                stack.extend(reversed(found))
                continue
            properties = _properties(schema, self.doc)
            wires = {f.wire_name for f in cls.fields}
            if not wires <= properties.keys() or any(
                name not in wires and not read_or_write_only(own, self.doc)
                for name, own in _own_properties(schema).items()
            ):
                continue  # not the schema this class was made from
            yield name, schema
            found = self._bases(schema)
            for f in cls.fields:
                node = self._annotation(f.annotation)
                found.extend(self._pairs(node, properties[f.wire_name], 0))
            stack.extend(reversed(found))

    def _bases(self, schema: dict[str, Any]) -> list[tuple[str, Any]]:
        """allOf's component parts: the classes the library makes this one's bases."""
        parts = schema.get("allOf")
        found = []
        for part in parts if isinstance(parts, list) else []:
            target = _component_schema(part["$ref"]) if is_ref(part) else None
            if target is not None:
                found.append((target, part))
        return found

    def _pairs(self, node: ast.expr | None, schema: Any, depth: int) -> list[tuple[str, Any]]:
        """The classes an annotation names, each with the part of `schema` it stands for."""
        schema = self._plain(schema)
        if node is None or not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return []
        members = _union_members(node)
        if len(members) > 1:
            branches = self._branches(schema)
            return [
                pair
                for member, branch in self._match(members, branches or [])
                for pair in self._pairs(member, branch, depth + 1)
            ]
        if not members:
            return []
        node = members[0]
        if isinstance(node, ast.Name):
            return [(node.id, schema)] if node.id in self.classes else []
        if not isinstance(node, ast.Subscript):
            return []
        head = ast.unparse(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head in _SEQUENCES and len(args) == 1:
            return self._pairs(args[0], schema.get("items"), depth + 1)
        if head in _MAPPINGS and len(args) == 2:
            return self._pairs(args[1], _map_values(schema), depth + 1)
        return []

    def _match(self, members: list[ast.expr], branches: list[Any]) -> list[tuple[ast.expr, Any]]:
        """A union's members beside its schema's branches: a class beside the component of its
        name, then the rest of each kind (class, list, dict) in order where their counts agree.
        The library writes a Literal last and may merge branches, so position alone misleads."""
        named: dict[str | None, Any] = {}
        for branch in branches:
            if is_ref(branch):
                named.setdefault(_component_schema(branch["$ref"]), branch)
        found, used = [], set()
        rest: dict[str, list[ast.expr]] = {}
        for member in members:
            branch = named.get(member.id) if isinstance(member, ast.Name) else None
            if branch is not None and id(branch) not in used:
                found.append((member, branch))
                used.add(id(branch))
            else:
                rest.setdefault(self._member_kind(member), []).append(member)
        left: dict[str, list[Any]] = {}
        for branch in branches:
            if id(branch) not in used:
                left.setdefault(self._kind(branch), []).append(branch)
        for kind, kept in rest.items():
            if kind and len(kept) == len(left.get(kind, ())):
                found.extend(zip(kept, left[kind], strict=True))
        return found

    def _member_kind(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return "class" if node.id in self.classes else ""
        head = ast.unparse(node.value) if isinstance(node, ast.Subscript) else ""
        return "list" if head in _SEQUENCES else "dict" if head in _MAPPINGS else ""

    def _kind(self, schema: Any) -> str:
        """Which kind of annotation member the library writes for a branch ('' for others)."""
        schema = self._plain(schema)
        if not isinstance(schema, dict) or any(k in schema for k in ("enum", "const")):
            return ""
        if "properties" in schema or "allOf" in schema:
            return "class"
        kind = schema.get("type")
        if kind == "array" or "items" in schema:
            return "list"
        if kind == "object":
            return "dict" if isinstance(_map_values(schema), dict) else "class"
        return ""

    def _plain(self, schema: Any) -> Any:
        """The schema a class or container stands for: refs followed, and a wrapper that only
        admits null too (`anyOf: [X, {type: null}]`) or only restates one part (`allOf: [X]`)
        reduced to that part."""
        for _ in range(_MAX_DEPTH):
            schema = deref(schema, self.doc)
            if not isinstance(schema, dict) or "properties" in schema:
                return schema
            parts = schema.get("allOf")
            if isinstance(parts, list) and len(parts) == 1:
                schema = parts[0]
                continue
            branches = self._branches(schema)
            if branches is None or len(branches) != 1:
                return schema
            schema = branches[0]
        return None

    def _branches(self, schema: dict[str, Any]) -> list[Any] | None:
        """A oneOf's or anyOf's branches other than null alone; None for no single such list."""
        lists = [schema[k] for k in ("oneOf", "anyOf") if isinstance(schema.get(k), list)]
        if len(lists) != 1 or "properties" in schema:
            return None
        return [b for b in lists[0] if not _only_null(deref(b, self.doc))]

    def _annotation(self, text: str) -> ast.expr | None:
        if text not in self.annotations:
            try:
                self.annotations[text] = ast.parse(text, mode="eval").body
            except (SyntaxError, RecursionError, ValueError):
                self.annotations[text] = None
        return self.annotations[text]


_SEQUENCES = frozenset({"list", "List", "Sequence", "set", "Set", "frozenset", "FrozenSet"})
_MAPPINGS = frozenset({"dict", "Dict", "Mapping"})


def _own_properties(schema: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    """Properties the class itself declares: its schema's and its inline allOf parts' (a
    component part is a base class, whose fields the index lists under the base)."""
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or [] if depth < _MAX_DEPTH else []:
        if isinstance(part, dict) and not is_ref(part):
            found.update(_own_properties(part, depth + 1))
    props = schema.get("properties")
    found.update(props if isinstance(props, dict) else {})
    return found


def read_or_write_only(schema: Any, doc: dict[str, Any]) -> bool:
    """A property the library leaves out of a class's request or response variant: marked so
    itself (beside a `$ref`, as Google's documents write `author`) or in the schema it names."""
    marked = (schema, deref(schema, doc))
    return any(
        isinstance(s, dict) and bool(s.get("readOnly") or s.get("writeOnly")) for s in marked
    )


def _union_members(node: ast.expr) -> list[ast.expr]:
    """`A | B | None` -> [A, B] (`Optional` and `Union` are not written: union operators are on)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    if isinstance(node, ast.Constant) and node.value is None:
        return []
    return [node]


def _map_values(schema: dict[str, Any]) -> Any:
    """The schema of a map's values: additionalProperties, or the one patternProperties entry."""
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1:
        return next(iter(patterns.values()))
    return None


def _only_null(schema: Any) -> bool:
    """`{type: null}`, `{type: [null]}`, `{enum: [null]}`, `{const: null}`: a branch for null alone."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return (
        kind == "null"
        or kind == ["null"]
        or schema.get("enum") == [None]
        or ("const" in schema and schema["const"] is None)
    )


def says_null(schema: Any, doc: dict[str, Any]) -> bool:
    """Whether the schema itself names null (`nullable: true`, a `null` type or branch), refs
    followed: unlike `allows_null`, never True for want of an answer."""
    for _ in range(_MAX_DEPTH):
        if is_ref(schema) and schema.get("nullable") is not True:
            schema = get_ref(doc, schema["$ref"])
            continue
        break
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    branches = [*(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]
    return (
        schema.get("nullable") is True
        or kind == "null"
        or (isinstance(kind, list) and "null" in kind)
        or any(_only_null(deref(b, doc)) for b in branches if isinstance(b, dict))
    )


def allows_null(schema: Any, doc: dict[str, Any], memo: dict[str, bool] | None = None) -> bool:
    """Whether JSON `null` is valid against the schema; True when unsure (never refuse wrongly).

    `memo` keeps the answer per ref across calls on the same document.
    """
    return _NullCheck(doc, {} if memo is None else memo).allows(schema, 0)


class _NullCheck:
    """Each ref is decided once (a shared target is not re-walked); a ref met again inside itself
    is a cycle, and counts as allowing null."""

    def __init__(self, doc: dict[str, Any], memo: dict[str, bool]) -> None:
        self.doc = doc
        self.memo = memo
        self.active: set[str] = set()

    def allows(self, schema: Any, depth: int) -> bool:
        if is_ref(schema):
            # 3.0 ignores a $ref's siblings, but `{$ref, nullable: true}` (Azure's
            # parallel_tool_calls) means null is welcome, and the models read it so
            return schema.get("nullable") is True or self._allows_ref(schema["$ref"], depth)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return schema is not False
        if schema.get("nullable") is True:  # OpenAPI 3.0
            return True
        if reads_as_object(schema):  # a class, as the models make it (json_schema's reading)
            return False
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else kind
        if isinstance(kinds, list) and "null" not in kinds:
            return False
        if "const" in schema and schema["const"] is not None:
            return False
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            return False
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and not any(self.allows(o, depth + 1) for o in options):
                return False
        parts = schema.get("allOf")
        return not isinstance(parts, list) or all(self.allows(p, depth + 1) for p in parts)

    def _allows_ref(self, ref: str, depth: int) -> bool:
        if ref in self.memo:
            return self.memo[ref]
        if ref in self.active or depth > _MAX_DEPTH:
            return True
        self.active.add(ref)
        try:
            answer = self.allows(get_ref(self.doc, ref), depth + 1)
        finally:
            self.active.discard(ref)
        self.memo[ref] = answer
        return answer


def _properties(
    schema: dict[str, Any], doc: dict[str, Any], seen: set[str] | None = None, depth: int = 0
) -> dict[str, Any]:
    """Declared properties, including those of allOf parts (each ref's parts read once)."""
    seen = set() if seen is None else seen
    found: dict[str, Any] = {}
    for part in schema.get("allOf") or [] if depth < _MAX_DEPTH else []:
        if is_ref(part):
            if part["$ref"] in seen:
                continue
            seen.add(part["$ref"])
        part = deref(part, doc)
        if isinstance(part, dict):
            found.update(_properties(part, doc, seen, depth + 1))
    props = schema.get("properties")
    found.update(props if isinstance(props, dict) else {})
    return found


def _schema_refs(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Component schema name -> the component schemas its own schema positions refer to.

    Only schema positions count: a `$ref` inside `x-...`, `example` or `default` is data.
    """
    refs: dict[str, set[str]] = {}
    components = doc.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    targets: dict[str, str | None] = {}  # a ref -> its component: most are written many times
    # the component schemas alone are walked (the operations hold none of them)
    for tokens, kind, node in iter_objects({"components": {"schemas": schemas}}):
        if kind != "schema" or len(tokens) < 3:
            continue
        ref = node.get("$ref")
        if not isinstance(ref, str):
            continue
        if ref not in targets:
            targets[ref] = _component_schema(ref)
        target = targets[ref]
        if target is not None:
            refs.setdefault(tokens[2], set()).add(target)
    return refs


def _component_schema(ref: str) -> str | None:
    """`#/components/schemas/Name` (or a pointer inside it) -> Name; None for any other ref."""
    if not ref.startswith("#/"):
        return None
    tokens = jp.split(ref)
    return tokens[2] if len(tokens) >= 3 and tokens[:2] == ["components", "schemas"] else None


def _reachable(refs: dict[str, set[str]], roots: list[str]) -> set[str]:
    """Component schema names reachable through $refs from the named ones."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(refs.get(name, ()))
    return seen
