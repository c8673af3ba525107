"""Schema keywords that contradict each other or the schema's type: enums, bounds, defaults,
arrays without items, and 3.0's ignored or type-less keywords."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, at, rule

_BOUNDS = (
    ("minimum", "maximum"),
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minContains", "maxContains"),
)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _types(node: dict[str, Any]) -> set[str] | None:
    kind = node.get("type")
    if isinstance(kind, str):
        kinds = {kind}
    elif isinstance(kind, list) and all(isinstance(k, str) for k in kind):
        kinds = set(kind)
    else:
        return None
    if node.get("nullable") is True:
        kinds.add("null")
    return kinds


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return _number(value) and float(value).is_integer()
    return {
        "string": isinstance(value, str),
        "number": _number(value),
        "boolean": isinstance(value, bool),
        "null": value is None,
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }.get(kind, True)


@rule("enum-type", Severity.WARNING)
def enum_type(ctx: Context) -> Iterator[Finding]:
    """Every enum value is of the schema's type: a value of another type can never be sent."""
    for tokens, node in ctx.having("enum"):
        enum, kinds = node.get("enum"), _types(node)
        if not isinstance(enum, list) or kinds is None:
            continue
        for i, value in enumerate(enum):
            if not any(_is(value, k) for k in kinds):
                shown = "/".join(sorted(kinds))
                yield Finding(at(tokens, "enum", i), f"enum value {value!r} is not of type {shown}")


@rule("enum-duplicates", Severity.WARNING)
def enum_duplicates(ctx: Context) -> Iterator[Finding]:
    """An enum lists each value once."""
    for tokens, node in ctx.having("enum"):
        enum = node.get("enum")
        seen: set[str] = set()
        for i, value in enumerate(enum if isinstance(enum, list) else []):
            key = json.dumps(value, sort_keys=True, default=str)
            if key in seen:
                yield Finding(at(tokens, "enum", i), f"enum value {value!r} is listed twice")
            seen.add(key)


@rule("array-items", relaxed_for_generate=True)
def array_items(ctx: Context) -> Iterator[Finding]:
    """3.0: a schema of type `array` has `items`, as OpenAPI 3.0 requires (3.1: any items)."""
    if not ctx.is_30:
        return
    for tokens, node in ctx.having("type"):
        if node.get("type") == "array" and "items" not in node and "prefixItems" not in node:
            yield Finding(at(tokens), "an array schema without `items` (OpenAPI 3.0 requires it)")


@rule("ref-siblings", Severity.WARNING)
def ref_siblings(ctx: Context) -> Iterator[Finding]:
    """3.0 ignores every keyword beside a `$ref`, in a schema or any other Reference Object (a
    response's `description`); apiforge reads `nullable` beside a schema's, as 3.0.3 tools do."""
    if not ctx.is_30:
        return
    others = [(o.tokens, o.node) for o in ctx.objects if o.kind != "schema" and "$ref" in o.node]
    for tokens, node in [*ctx.having("$ref"), *others]:
        if isinstance(node.get("$ref"), str):
            ignored = sorted(
                k for k in node if k not in ("$ref", "nullable") and not k.startswith("x-")
            )
            for key in ignored:  # one finding per keyword, where each one is written
                message = f"{key} beside $ref is ignored in OpenAPI 3.0; wrap the ref in allOf"
                yield Finding(at(tokens, key), message)


@rule("nullable-type", Severity.WARNING)
def nullable_type(ctx: Context) -> Iterator[Finding]:
    """3.0: `nullable: true` needs a `type` beside it (OpenAPI 3.0.3), or it means nothing; beside
    `allOf`/`oneOf`/`anyOf`/`$ref`, apiforge reads it as null allowed, other tools may not."""
    if not ctx.is_30:
        return
    for tokens, node in ctx.having("nullable"):
        if node.get("nullable") is not True or "type" in node:
            continue
        composed = [k for k in ("$ref", "allOf", "anyOf", "oneOf", "enum") if k in node]
        message = "`nullable: true` without a `type`"
        if composed:
            message += (
                f" beside `{composed[0]}`: OpenAPI 3.0.3 gives it no effect there; apiforge"
                " reads it as null allowed (as its authors mean it), tools that follow 3.0.3"
                " do not: add `type` or a null alternative to say so for every tool"
            )
        yield Finding(at(tokens, "nullable"), message)


@rule("min-max", relaxed_for_generate=True)
def min_max(ctx: Context) -> Iterator[Finding]:
    """A lower bound above its upper bound (`minimum: 5, maximum: 1`): no value is valid."""
    for tokens, node in ctx.having(*(low for low, _ in _BOUNDS)):
        for low, high in _BOUNDS:
            lo: Any = node.get(low)
            hi: Any = node.get(high)
            if _number(lo) and _number(hi) and lo > hi:
                yield Finding(
                    at(tokens, low), f"{low} {lo} is greater than {high} {hi}: no value is valid"
                )


@rule("default-enum", Severity.WARNING)
def default_enum(ctx: Context) -> Iterator[Finding]:
    """A `default` is one of the schema's own enum values."""
    for tokens, node in ctx.having("default"):
        if outside_enum(node):
            default = node["default"]
            yield Finding(
                at(tokens, "default"), f"default {default!r} is not one of its enum values"
            )


def outside_enum(node: dict[str, Any]) -> bool:
    """Whether the schema's `default` is missing from the enum beside it."""
    enum = node.get("enum")
    if "default" not in node or not isinstance(enum, list):
        return False
    default = node["default"]
    if default is None and node.get("nullable") is True:
        return False
    return not any(
        default == v and type(default) is type(v) or _same_number(default, v) for v in enum
    )


def _same_number(a: Any, b: Any) -> bool:
    return _number(a) and _number(b) and a == b
