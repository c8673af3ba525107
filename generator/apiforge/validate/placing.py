"""The fast validator's errors -> Diagnostics placed in the document, where the place is certain.

openapi-spec-validator-rs (like the library it ports) reports a path relative to the object it
was checking: a schema's meta-check starts at that schema, a default's check inside the default,
only the document's own schema check at the root. Each error also carries the value it found and
the schema that refused it, and those pin the place down: a group of n identical errors is placed
when exactly n places in the document fit it (the value at the path, the schema at the schema
path). When any group fits more places or fewer, this gives up and the located validator decides
(seconds, not milliseconds, on a large document, but sure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from apiforge.document.bundle import Bundle
from apiforge.document.pointer import from_tokens, split
from apiforge.document.walk import ObjectAt, deref, enclosing
from apiforge.findings.diagnostic import Diagnostic
from apiforge.validate.messages import describe

__all__ = ["placed_diagnostics"]

Tokens = tuple[str, ...]


def placed_diagnostics(bundle: Bundle, errors: Sequence[Any]) -> list[Diagnostic] | None:
    """One diagnostic per error, at the node it is about; None when any error's place is unsure."""
    places = _Places(bundle.data, bundle.objects)
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for error in errors:
        if type(error).__name__ != "OpenAPIValidationError":
            return None  # the dedicated checks (duplicate operationIds, ...) say little of where
        try:
            refusing = json.dumps(error.schema, sort_keys=True, default=repr)
            found_value = json.dumps(error.instance, sort_keys=True, default=repr)
            path, schema_path = tuple(error.path), tuple(error.schema_path)
            signature = (error.message, path, schema_path, refusing, found_value)
        except (AttributeError, TypeError, ValueError):
            return None
        groups.setdefault(signature, []).append(error)
    fits = {signature: places.fitting(group[0]) for signature, group in groups.items()}
    placed: dict[tuple[Any, ...], set[Tokens]] = {}
    while fits:
        # A schema's meta-check reports one error, its first: a schema that one group is sure
        # to hold is no place for another group's meta error.
        sure = {s: f for s, f in fits.items() if f is not None and len(f) == len(groups[s])}
        if not sure:
            return None
        entries = [places.entry_of(tokens) for f in sure.values() for tokens in f]
        taken = set(entries) - {None}
        if len(taken) < len(entries) - entries.count(None):
            return None  # two meta errors in one schema's check, which reports one: unsure
        placed.update(sure)
        fits = {
            s: None if f is None else {t for t in f if places.entry_of(t) not in taken}
            for s, f in fits.items()
            if s not in sure
        }
    found: dict[tuple[str, str], Diagnostic] = {}
    for signature, tokens_set in placed.items():
        message = describe(groups[signature][0])
        for tokens in sorted(tokens_set):
            diag = bundle.diagnostic(from_tokens(list(tokens)), message, rule="openapi")
            found.setdefault((diag.pointer + diag.file, diag.message), diag)
    return sorted(found.values(), key=lambda d: (d.file, d.line, d.col, d.message))


class _Places:
    """The objects a check can start at: the document, schemas not inside another schema or
    named by a `$ref` (their meta-check), and every schema's default (checked against it)."""

    def __init__(self, data: dict[str, Any], objects: Sequence[ObjectAt]) -> None:
        self.data = data
        schemas = [(tokens, node) for tokens, kind, node in objects if kind == "schema"]
        # meta-checked: a schema not inside another, or one a `$ref` names (the check of a
        # `$ref` reads its target, wherever that is written)
        refs = {node["$ref"] for _, node in schemas if isinstance(node.get("$ref"), str)}
        targets = {_target(ref) for ref in refs} - {None}
        self.entry_schemas = [
            (tokens, node)
            for (tokens, node), parent in zip(
                schemas, enclosing(t for t, _ in schemas), strict=True
            )
            if tokens in targets or parent is None
        ]
        self.defaults = [(tokens, node) for tokens, node in schemas if "default" in node]
        self._meta_places: dict[Tokens, Tokens] = {}  # a meta error's place -> its schema
        self._by_key: dict[str, list[tuple[Tokens, Any]]] | None = None

    def entry_of(self, place: Tokens) -> Tokens | None:
        """The entry schema whose meta-check an error at `place` came from, if it did."""
        return self._meta_places.get(place)

    def fitting(self, error: Any) -> set[Tokens] | None:
        path = tuple(str(p) for p in error.path)
        instance = error.instance
        if _unset(instance):
            return None
        fits: set[Tokens] = set()
        if _fits(self.data, path, instance):
            fits.add(path)
        for tokens, node in self._starting(path):
            if _fits(node, path, instance):
                fits.add(tokens + path)
                self._meta_places[tokens + path] = tokens
        if self.defaults:
            refusing = error.schema
            if _unset(refusing):
                return None
            schema_path = [str(p) for p in list(error.schema_path)[:-1]]
            for tokens, node in self.defaults:
                if _fits(node["default"], path, instance) and self._refused_by(
                    node, schema_path, refusing
                ):
                    fits.add((*tokens, "default", *path))
        return fits

    def _starting(self, path: Tokens) -> list[tuple[Tokens, Any]]:
        """The entry schemas that hold the path's first token (all of them, for an empty path)."""
        if not path:
            return self.entry_schemas
        if self._by_key is None:
            self._by_key = {}
            for entry in self.entry_schemas:
                for key in entry[1]:
                    self._by_key.setdefault(key, []).append(entry)
        return self._by_key.get(path[0], [])

    def _refused_by(self, schema: Any, schema_path: Iterable[str], refusing: Any) -> bool:
        """Whether the subschema of `schema` at `schema_path` (refs followed) is `refusing`."""
        node = schema
        for token in schema_path:
            node = self._deref(node) if token not in _keys(node) else node
            if token == "$ref" and token not in _keys(node):
                continue
            node = _step(node, token)
            if node is _NOWHERE:
                return False
        return _same(node, refusing) or _same(self._deref(node), refusing)

    def _deref(self, node: Any) -> Any:
        return deref(node, self.data)  # every ref is local: the document is self-contained


def _target(ref: Any) -> Tokens | None:
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    try:
        return tuple(split(ref))
    except ValueError:
        return None


def _keys(node: Any) -> Any:
    return node if isinstance(node, dict) else ()


def _unset(value: Any) -> bool:
    return type(value).__name__ == "_Unset"


_NOWHERE: Any = object()


def _step(node: Any, token: str) -> Any:
    """The child of `node` that `token` names, or _NOWHERE."""
    if isinstance(node, dict):
        return node.get(token, _NOWHERE)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return _NOWHERE


def _fits(node: Any, path: Tokens, instance: Any) -> bool:
    for token in path:
        node = _step(node, token)
        if node is _NOWHERE:
            return False
    return _same(node, instance)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: True is not 1, and a list is not a tuple's equal by accident."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_same(value, b[key]) for key, value in a.items())
        )
    if isinstance(a, list | tuple):
        return (
            isinstance(b, list | tuple)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(b, dict | list | tuple):
        return False
    return bool(a == b)
