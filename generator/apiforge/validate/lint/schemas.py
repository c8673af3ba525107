"""Schemas as schemas: refs that land on schemas, discriminators, required names, version keywords."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.patterns import linear_search
from apiforge.document.versions import json_schema_2020
from apiforge.document.walk import get_ref
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, rule


@rule("discriminator")
def discriminators(ctx: Context) -> Iterator[Finding]:
    """Discriminator mappings point at schemas that exist, and name a property they have."""
    comps = ctx.data.get("components")
    schemas = comps.get("schemas") if isinstance(comps, dict) else None
    names = set(schemas) if isinstance(schemas, dict) else set()
    for tokens, node in ctx.having("discriminator"):
        disc = node.get("discriminator")
        if not isinstance(disc, dict):
            continue
        at = jp.from_tokens([*tokens, "discriminator"])
        mapping = disc.get("mapping")
        for value, target in (mapping if isinstance(mapping, dict) else {}).items():
            if not isinstance(target, str):
                continue
            ok = target in names if "#" not in target and "/" not in target else ctx.exists(target)
            if not ok:
                where = jp.join(at, "mapping", value)
                yield Finding(
                    where, f"discriminator mapping {value!r} -> {target!r} does not resolve"
                )


@rule("schema-refs")
def schema_refs(ctx: Context) -> Iterator[Finding]:
    """A schema's `$ref` lands on a schema, not on the info object, a response or a parameter."""
    schemas = {tokens for tokens, _ in ctx.schemas}
    for tokens, node in ctx.having("$ref"):
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ctx.exists(ref):
            continue  # a missing or remote target is the resolver's to report
        target = tuple(jp.split(ref))
        if target in schemas or isinstance(get_ref(ctx.data, ref), bool):
            continue
        message = f"$ref {ref!r} is used as a schema but points at something that is not a schema"
        yield Finding(jp.join(jp.from_tokens(list(tokens)), "$ref"), message)


@rule("required-properties", relaxed_for_generate=True)
def required_properties(ctx: Context) -> Iterator[Finding]:
    """A `required` name that no property defines, in a schema that lists its properties or
    refuses others: with `additionalProperties: false` no object is valid."""
    parents: dict[int, dict[str, Any]] = {}
    for _, node in ctx.having("allOf", "anyOf", "oneOf"):
        for key in ("allOf", "anyOf", "oneOf"):  # parts applied to the parent's own value
            parts = node.get(key)
            parents.update((id(p), node) for p in (parts if isinstance(parts, list) else ()))
    for tokens, node in ctx.having("required"):
        required = node.get("required")
        if _not_an_object(node):
            continue  # required-misplaced's
        closed = node.get("additionalProperties") is False
        listed = "properties" in node or _made_of_objects(ctx, node)
        if not isinstance(required, list) or not (listed or closed):
            continue
        names, patterns = _defined_names(ctx, node, parents)
        if names is None:
            continue
        for i, name in enumerate(required):
            if not isinstance(name, str) or name in names:
                continue
            if any(linear_search(p, name) is not False for p in patterns):
                continue  # a patternProperties key takes it (or cannot be checked)
            message = f"required property {name!r} is not defined in properties"
            message += "; with additionalProperties: false no object is valid" if closed else ""
            yield Finding(jp.from_tokens([*tokens, "required", str(i)]), message)


@rule("required-misplaced", Severity.WARNING)
def required_misplaced(ctx: Context) -> Iterator[Finding]:
    """`required` in a schema whose type is not `object` (`type: array` with the names its items
    should require): it applies to objects only, so nothing is required and the models say so."""
    for tokens, node in ctx.having("required"):
        required = node.get("required")
        kind = _not_an_object(node)
        for i, name in enumerate(required if kind and isinstance(required, list) else ()):
            message = (
                f"required property {name!r} in a schema of type {kind}: `required` applies"
                " to objects only, so nothing requires it"
            )
            message += " (meant for `items`?)" if kind == "array" else ""
            yield Finding(jp.from_tokens([*tokens, "required", str(i)]), message)


def _not_an_object(node: dict[str, Any]) -> str:
    """The schema's type when it names types and none is `object` (`type: array` beside a
    `required` its author meant for the items); "" otherwise."""
    kind = node.get("type")
    kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
    if not kinds or "object" in kinds or not all(isinstance(k, str) for k in kinds):
        return ""
    return " | ".join(k for k in kinds if k != "null") or "null"


def _made_of_objects(ctx: Context, node: dict[str, Any]) -> bool:
    """A schema whose properties are its allOf parts' (Azure's messages: `required` beside
    `allOf: [$ref Message, {properties}]`, Message a oneOf of objects): it lists them there."""
    parts = node.get("allOf")
    if not isinstance(parts, list) or not parts:
        return False
    resolved = [ctx.deref(p) for p in parts]
    shaped = ("properties", "allOf", "oneOf", "anyOf")  # a part of objects, or of branches of them
    return all(isinstance(p, dict) and any(k in p for k in shaped) for p in resolved)


def _defined_names(
    ctx: Context, node: dict[str, Any], parents: dict[int, dict[str, Any]]
) -> tuple[set[str] | None, list[str]]:
    """Property names and name patterns of a schema, its allOf parts, anyOf/oneOf branches and
    the schema it is written as a part of (refs followed); None when one takes any name (a
    schema as additionalProperties)."""
    top = node
    while id(top) in parents:
        top = parents[id(top)]
    names: set[str] = set()
    patterns: list[str] = []
    seen: set[int] = set()
    stack: list[Any] = [top]
    while stack:
        schema = ctx.deref(stack.pop())
        if not isinstance(schema, dict) or id(schema) in seen:
            continue
        seen.add(id(schema))
        extra = schema.get("additionalProperties")
        if extra is True or isinstance(extra, dict):
            return None, patterns
        names.update(_keys(schema.get("properties")))
        patterns.extend(_keys(schema.get("patternProperties")))
        for key in ("allOf", "anyOf", "oneOf"):
            parts = schema.get(key)
            stack.extend(parts if isinstance(parts, list) else ())
    return names, patterns


def _keys(mapping: Any) -> list[str]:
    return [str(k) for k in mapping] if isinstance(mapping, dict) else []


@rule("version-keywords")
def version_keywords(ctx: Context) -> Iterator[Finding]:
    """Schema keywords of one OpenAPI version used in a document of the other."""
    is_31 = json_schema_2020(ctx.data)  # 3.1 and 3.2
    is_30 = ctx.bundle.release == (3, 0)
    keys: tuple[str, ...] = ("nullable", "exclusiveMinimum", "exclusiveMaximum")
    if is_30:
        keys = (*keys, "type", "const", "prefixItems", "$defs")
    for tokens, node in ctx.having(*keys) if is_31 or is_30 else ():
        at = jp.from_tokens(tokens)
        if is_31:
            if "nullable" in node:
                message = "'nullable' is OpenAPI 3.0; in 3.1 write type: [T, 'null']"
                yield Finding(jp.join(at, "nullable"), message)
            for key in ("exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(node.get(key), bool):
                    message = f"boolean {key!r} is OpenAPI 3.0; in 3.1 it is the bound itself"
                    yield Finding(jp.join(at, key), message)
        elif is_30:
            if isinstance(node.get("type"), list):
                message = "a list of types is OpenAPI 3.1; in 3.0 use one type and nullable"
                yield Finding(jp.join(at, "type"), message)
            for key in ("exclusiveMinimum", "exclusiveMaximum"):
                value = node.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    message = f"numeric {key!r} is OpenAPI 3.1; in 3.0 it is a boolean"
                    yield Finding(jp.join(at, key), message)
            for key in ("const", "prefixItems", "$defs"):
                if key in node:
                    message = f"{key!r} is JSON Schema 2020-12 (OpenAPI 3.1), not 3.0"
                    yield Finding(jp.join(at, key), message, Severity.WARNING)
