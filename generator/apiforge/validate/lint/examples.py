"""Examples against their schemas, read as the generated code reads them: each direction's JSON
Schema from `json_schema` (3.0 `nullable`, readOnly properties absent from requests and writeOnly
from responses, discriminators as tagged unions, `oneOf` as exactly one), formats unchecked, and
patterns matched in linear time. `externalValue` is never fetched."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.json_schema import DIALECT, Direction, SharedConversion, to_json_schema
from apiforge.document.media import is_json
from apiforge.document.walk import ObjectAt
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, at, rule
from apiforge.validate.lint.values import outside_enum

_BOTH: tuple[Direction, ...] = ("request", "response")
Case = tuple[str, Any, Any, tuple[Direction, ...]]  # (pointer, schema, value, directions)


@rule("schema-examples", Severity.WARNING)
def schema_examples(ctx: Context) -> Iterator[Finding]:
    """A schema's `example` (and 3.1's `examples` array) is valid against the schema itself."""
    for where, problem in _failures(ctx, "schema-examples"):
        yield Finding(where, f"example does not match its schema: {problem}")


@rule("schema-defaults", Severity.WARNING)
def schema_defaults(ctx: Context) -> Iterator[Finding]:
    """A schema's `default` is valid against the schema (one outside its enum: `default-enum`)."""
    for where, problem in _failures(ctx, "schema-defaults"):
        yield Finding(where, f"default does not match its schema: {problem}")


@rule("media-examples", Severity.WARNING)
def media_examples(ctx: Context) -> Iterator[Finding]:
    """The examples of a JSON media type, a parameter and a header are valid against its schema,
    in the direction it travels (readOnly properties are not sent, writeOnly ones not returned)."""
    for where, problem in _failures(ctx, "media-examples"):
        yield Finding(where, f"example does not match the schema: {problem}")


def _failures(ctx: Context, rule_id: str) -> list[tuple[str, str]]:
    """(pointer, why) of each failing value of one of the three rules above.

    The three rules' values are judged together, once per document: converting the schemas and
    compiling a validator is most of the cost, and per rule it was paid three times over.
    """
    judged: dict[str, list[tuple[str, str]]] | None = ctx.shared.get("examples")
    if judged is None:
        by_rule = {
            "schema-examples": _schema_example_cases(ctx),
            "schema-defaults": _schema_default_cases(ctx),
            "media-examples": _media_example_cases(ctx),
        }
        cases = [case for listed in by_rule.values() for case in listed]
        problems = iter(_judge(ctx.data, cases))
        judged = {}
        for name, listed in by_rule.items():
            failing = ((case[0], next(problems)) for case in listed)
            judged[name] = [(where, why) for where, why in failing if why is not None]
        ctx.shared["examples"] = judged
    return judged[rule_id]


def _schema_example_cases(ctx: Context) -> list[Case]:
    cases: list[Case] = []
    for tokens, node in ctx.having("example", "examples"):
        if "example" in node:
            cases.append((at(tokens, "example"), node, node["example"], _BOTH))
        listed = node.get("examples")
        if not ctx.is_30 and isinstance(listed, list):
            cases.extend((at(tokens, "examples", i), node, v, _BOTH) for i, v in enumerate(listed))
    return cases


def _schema_default_cases(ctx: Context) -> list[Case]:
    return [
        (at(tokens, "default"), node, node["default"], _BOTH)
        for tokens, node in ctx.having("default")
        if not outside_enum(node)
    ]


def _media_example_cases(ctx: Context) -> list[Case]:
    cases: list[Case] = []
    for found in ctx.objects:
        if found.kind == "mediaType":
            if not is_json(_media_name(found.tokens)):
                continue
        elif found.kind not in ("parameter", "header"):
            continue
        schema = found.node.get("schema")
        if isinstance(schema, dict | bool):
            directions = _directions(found)
            cases.extend((w, schema, v, directions) for w, v in _examples(ctx, found))
    return cases


def _media_name(tokens: tuple[str, ...]) -> str:
    return tokens[-1] if tokens and len(tokens) >= 2 and tokens[-2] == "content" else ""


def _directions(found: ObjectAt) -> tuple[Direction, ...]:
    """Which way the value travels: in a response (or its headers), or in a request."""
    tokens, kind = found.tokens, found.kind
    if "responses" in tokens or "webhooks" in tokens and kind == "header":
        return ("response",)
    if kind == "parameter" or "requestBody" in tokens or "requestBodies" in tokens:
        return ("request",)
    return _BOTH  # a component media type or header: either way will do


def _examples(ctx: Context, found: ObjectAt) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of `example` and of each Example Object's `value` (refs followed)."""
    tokens, node = found.tokens, found.node
    if "example" in node:
        yield at(tokens, "example"), node["example"]
    named = node.get("examples")
    for name, example in named.items() if isinstance(named, dict) else ():
        example = ctx.deref(example)
        if isinstance(example, dict) and "value" in example:  # externalValue: never fetched
            yield at(tokens, "examples", str(name)), example["value"]


def _judge(document: dict[str, Any], cases: list[Case]) -> list[str | None]:
    """Why each value is valid in none of its directions, or None (valid one way, or not judged:
    a ref that leads nowhere, a pattern no linear engine takes)."""
    verdicts: list[list[str | None]] = [[] for _ in cases]
    for direction in ("response", "request"):  # a value valid one way is not tried the other
        chosen = [
            i
            for i, case in enumerate(cases)
            if direction in case[3] and all(isinstance(p, str) for p in verdicts[i])
        ]
        if not chosen:
            continue
        pairs = [(cases[i][1], cases[i][2]) for i in chosen]
        for i, problem in zip(chosen, _batch(document, direction, pairs), strict=True):
            verdicts[i].append(problem)
    return [
        str(problems[0]) if problems and all(isinstance(p, str) and p for p in problems) else None
        for problems in verdicts
    ]


def _batch(
    document: dict[str, Any], direction: Direction, pairs: list[tuple[Any, Any]]
) -> list[str | None]:
    """Each value against its schema, all at once: one validator over `prefixItems`, so the
    shared `$defs` are compiled once (per example, compiling took longer than validating)."""
    conversion = SharedConversion(document, direction)
    roots: list[Any] = []
    judged: list[bool] = []
    for schema, _ in pairs:
        try:
            root = conversion.schema(schema)
        except Exception:  # a ref that leads nowhere: the resolver's to report
            root = None
        if isinstance(root, dict):
            root = {k: v for k, v in root.items() if k not in ("$schema", "$defs", "$id")}
        judged.append(root is not None)
        roots.append(True if root is None else root)
    whole = {"$schema": DIALECT, "prefixItems": roots, "$defs": conversion.defs}
    validator = _validator(whole)
    if validator is None:  # one schema spoils the batch (a look-behind pattern): each alone
        return [
            _alone(document, direction, s, v) if ok else None
            for (s, v), ok in zip(pairs, judged, strict=True)
        ]
    errors: dict[int, list[Any]] = {}
    try:
        for error in itertools.islice(validator.iter_errors([v for _, v in pairs]), 10_000):
            path = list(error.instance_path)
            if path and isinstance(path[0], int):
                errors.setdefault(path[0], []).append(error)
    except Exception:  # a value nested past what the validator follows: no verdict
        return [None] * len(pairs)
    return [_best(errors.get(i, [])) if ok else None for i, ok in enumerate(judged)]


def _alone(document: dict[str, Any], direction: Direction, schema: Any, value: Any) -> str | None:
    """One value against its own schema (its refs' closure only); None: valid or no verdict."""
    try:
        converted = to_json_schema(document, schema, direction)
        validator = _validator(converted)
        if validator is None:
            return None
        found = list(itertools.islice(validator.iter_errors(value), 50))
    except Exception:  # a ref that leads nowhere, a value nested past what is followed
        return None
    return _best([_Shifted(e) for e in found])


class _Shifted:
    """An error of a value checked alone, its path given the batch's leading index."""

    def __init__(self, error: Any) -> None:
        self.message = error.message
        self.instance_path = [0, *error.instance_path]


def _validator(schema: Any) -> Any:
    """A Rust validator (jsonschema-rs: milliseconds to import, where jsonschema takes a quarter
    of a second), formats unchecked, patterns in the linear-time `regex` engine."""
    import jsonschema_rs

    for _ in range(_REPAIRS):
        try:
            return jsonschema_rs.Draft202012Validator(
                schema, validate_formats=False, pattern_options=jsonschema_rs.RegexOptions()
            )
        except jsonschema_rs.ValidationError as exc:  # the schema fails 2020-12's meta-schema
            if not _drop_misshapen(schema, list(exc.instance_path)):
                return None
        except Exception:  # a pattern no linear engine takes: no verdict
            return None
    return None


_REPAIRS = 16
_DATA = frozenset({"enum", "const", "default", "examples", "example"})


def _drop_misshapen(schema: Any, path: list[str | int]) -> bool:
    """Drop a `$`-keyword of the wrong shape (OpenAI's 2019-09 `$recursiveAnchor: true`), which
    jsonschema, and so the generated models, ignore; False for any other meta-schema failure."""
    if not path or not str(path[-1]).startswith("$") or _DATA & set(map(str, path)):
        return False
    node = schema
    for token in path[:-1]:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
            node = node[token]
        else:
            return False
    if not isinstance(node, dict) or path[-1] not in node:
        return False
    del node[path[-1]]  # in the converted copy: the document is never changed
    return True


def _best(errors: list[Any]) -> str | None:
    """The deepest error that is not a union's summary (it names what to fix), or None."""
    if not errors:
        return None
    error = max(errors, key=lambda e: (_specific(e), len(e.instance_path)))
    where = jp.from_tokens([str(t) for t in list(error.instance_path)[1:]]).removeprefix("#")
    message = " ".join(str(error.message).split())
    if len(message) > 200:
        message = message[:197] + "..."
    return message + (f" (at {where} in the example)" if where else "")


def _specific(error: Any) -> bool:
    return "is not valid under any of the schemas" not in str(error.message)
