"""Examples against their schemas, read as the generated code reads them: each direction's JSON
Schema from `json_schema` (3.0 `nullable`, readOnly properties absent from requests and writeOnly
from responses, discriminators as tagged unions, `oneOf` as exactly one), formats unchecked, and
patterns matched in linear time. `externalValue` is never fetched."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiforge import pointer as jp
from apiforge.diagnostics import Severity
from apiforge.json_schema import Direction, SharedConversion
from apiforge.lint.registry import Context, Finding, at, rule
from apiforge.media_types import is_json

_BOTH: tuple[Direction, ...] = ("request", "response")
_ABSENT = object()


@rule("schema-examples", Severity.WARNING)
def schema_examples(ctx: Context) -> Iterator[Finding]:
    """A schema's `example` (and 3.1's `examples` array) is valid against the schema itself."""
    checker = _checker(ctx)
    for tokens, node in ctx.schemas:
        values: list[tuple[str, Any]] = []
        if "example" in node:
            values.append((at(tokens, "example"), node["example"]))
        listed = node.get("examples")
        if not ctx.is_30 and isinstance(listed, list):
            values.extend((at(tokens, "examples", i), v) for i, v in enumerate(listed))
        for where, value in values:
            problem = checker.problem(node, value, _BOTH)
            if problem is not None:
                yield Finding(where, f"example does not match its schema: {problem}")


@rule("media-examples", Severity.WARNING)
def media_examples(ctx: Context) -> Iterator[Finding]:
    """The examples of a JSON media type, a parameter and a header are valid against its schema,
    in the direction it travels (readOnly properties are not sent, writeOnly ones not returned)."""
    checker = _checker(ctx)
    for tokens, kind, node in ctx.objects:
        if kind == "mediaType":
            if not is_json(_media_name(tokens)):
                continue
        elif kind not in ("parameter", "header"):
            continue
        schema = node.get("schema")
        if not isinstance(schema, dict | bool):
            continue
        directions = _directions(tokens, kind)
        for where, value in _examples(ctx, tokens, node):
            problem = checker.problem(schema, value, directions)
            if problem is not None:
                yield Finding(where, f"example does not match the schema: {problem}")


def _media_name(tokens: tuple[str, ...]) -> str:
    return tokens[-1] if tokens and len(tokens) >= 2 and tokens[-2] == "content" else ""


def _directions(tokens: tuple[str, ...], kind: str) -> tuple[Direction, ...]:
    """Which way the value travels: in a response (or its headers), or in a request."""
    if "responses" in tokens or "webhooks" in tokens and kind == "header":
        return ("response",)
    if kind == "parameter" or "requestBody" in tokens or "requestBodies" in tokens:
        return ("request",)
    return _BOTH  # a component media type or header: either way will do


def _examples(
    ctx: Context, tokens: tuple[str, ...], node: dict[str, Any]
) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of `example` and of each Example Object's `value` (refs followed)."""
    if "example" in node:
        yield at(tokens, "example"), node["example"]
    named = node.get("examples")
    for name, example in named.items() if isinstance(named, dict) else ():
        example = ctx.deref(example)
        if isinstance(example, dict) and "value" in example:  # externalValue: never fetched
            yield at(tokens, "examples", str(name)), example["value"]


class _Checker:
    """One validator per (schema, direction), built the first time an example needs it."""

    def __init__(self, ctx: Context) -> None:
        self.conversions = {d: SharedConversion(ctx.data, d) for d in _BOTH}
        self.validators: dict[tuple[int, Direction], Any] = {}

    def problem(self, schema: Any, value: Any, directions: tuple[Direction, ...]) -> str | None:
        """None when `value` is valid in one of `directions` (or cannot be judged); else why not."""
        first: str | None = None
        for direction in directions:
            validator = self._validator(schema, direction)
            if validator is None:
                return None
            try:
                error = _best(validator, value)
            except Exception:  # a value too deep, a schema jsonschema cannot apply: no verdict
                return None
            if error is None:
                return None
            first = first or error
        return first

    def _validator(self, schema: Any, direction: Direction) -> Any:
        key = (id(schema), direction)
        if key not in self.validators:
            self.validators[key] = _build(self.conversions[direction], schema)
        return self.validators[key]


def _checker(ctx: Context) -> _Checker:
    found = ctx._cache.get("examples")
    if not isinstance(found, _Checker):
        found = ctx._cache["examples"] = _Checker(ctx)
    return found


def _build(conversion: SharedConversion, schema: Any) -> Any:
    from jsonschema import Draft202012Validator

    from apiforge.ecma_regex import linear_validator

    try:
        converted = conversion.schema(schema)
        return linear_validator(Draft202012Validator)(converted)  # no format_checker: formats free
    except Exception:  # a ref that leads nowhere: the resolver's to report
        return None


def _best(validator: Any, value: Any) -> str | None:
    from jsonschema.exceptions import best_match

    from apiforge.validator_messages import describe

    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    where = jp.from_tokens([str(t) for t in error.absolute_path]).removeprefix("#")
    return describe(error) + (f" (at {where} in the example)" if where else "")
