"""Whether a peer's example finding that apiforge does not share is a false alarm of the peer.

The example is read the way the generated code reads it: its schema goes through
`apiforge.document.json_schema.to_json_schema` for the direction the example travels (a request body or
parameter, a response, or either for a component schema's own example) and jsonschema's 2020-12
validator checks the value, formats only where the models parse them (`KEPT_FORMATS`, the
generator's one decision: every other format is an annotation there, a plain str). Valid there, the peer's finding is a false alarm, named by the
class of issue 23 that explains it (nullable, discriminator, oneOf, readOnly/writeOnly): the one
the peer's own message names, else the ones the schema uses; other peer habits are named too
(Redocly's additionalProperties off, formats the models read as annotations, other drafts). Refused
there, it is a miss of ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from lint_families import Finding, split_pointer

from apiforge.document.json_schema import to_json_schema
from apiforge.document.walk import deref
from apiforge.models.input import KEPT_FORMATS

__all__ = ["Verdict", "classify_example"]

# the classes of issue 23, in the order a reason names them (the most specific first)
_CLASSES = (
    ("discriminator", "a discriminator selects one branch by its tag"),
    ("readOnly", "readOnly properties are the server's: absent from requests"),
    ("writeOnly", "writeOnly properties are the client's: absent from responses"),
    ("nullable", "nullable: true allows null"),
    ("oneOf", "oneOf branches the value selects"),
)
_KEYWORDS = frozenset({"example", "examples", "default"})


def _model_formats() -> FormatChecker:
    """The format checks of jsonschema for the formats the models keep (`KEPT_FORMATS`); the
    generator reads every other format as an annotation (JSON Schema 2020-12's default)."""
    known = Draft202012Validator.FORMAT_CHECKER.checkers
    return FormatChecker([name for name in known if name in KEPT_FORMATS])


_FORMATS = _model_formats()
_FORMAT = re.compile(r'must match format "([^"]+)"')
_MAX_NODES = 20_000  # a bound on the walk over a schema and what it references


@dataclass(frozen=True)
class Verdict:
    """false-alarm (with the class and why), or miss (apiforge refuses the value too)."""

    kind: str  # "false-alarm" or "miss"
    reason: str


def classify_example(document: dict[str, Any], finding: Finding) -> Verdict:
    """The verdict on one unmatched peer finding in the examples or defaults family."""
    try:
        cases = list(_examples(document, split_pointer(finding.pointer)))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        return Verdict("miss", f"not checked: the pointer does not lead to an example ({exc})")
    if not cases:
        return Verdict("miss", "not checked: no example value at that place")
    failures = []
    for value, schema, directions in cases:
        try:
            errors = _errors(document, value, schema, directions)
        except Exception as exc:  # noqa: BLE001 - a schema jsonschema cannot compile, a bad ref
            return Verdict("miss", f"not checked: {type(exc).__name__}: {str(exc)[:160]}")
        if errors is not None:
            failures.append(errors)
    if failures:
        return Verdict("miss", f"apiforge's reading refuses it too: {failures[0]}")
    said = _said(finding.message)
    if said:
        return Verdict("false-alarm", said)
    found = _features(document, cases[0][1])
    named = [f"{word} ({why})" for word, why in _CLASSES if word in found]
    if named:
        return Verdict(
            "false-alarm", "valid as generated code reads it; the schema uses " + "; ".join(named)
        )
    return Verdict("false-alarm", "valid as generated code reads it (none of the named classes)")


def _walk(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens:
        node = deref(node, document) if isinstance(node, dict) and "$ref" in node else node
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _examples(
    document: dict[str, Any], tokens: list[str]
) -> Iterator[tuple[Any, Any, tuple[str, ...]]]:
    """(value, schema, directions) for each example the pointer names (a media type's schema
    pointer names all its examples, as Redocly reports them)."""
    directions = _directions(tokens)
    keyword_at = max((i for i, t in enumerate(tokens) if t in _KEYWORDS), default=-1)
    if keyword_at < 0:
        if tokens[-1:] != ["schema"]:
            raise ValueError("no example keyword")
        keyword_at, tokens = len(tokens) - 1, [*tokens[:-1], "examples"]
    owner = _walk(document, tokens[:keyword_at])
    owner = deref(owner, document) if "$ref" in owner else owner
    keyword = tokens[keyword_at]
    is_schema = "schema" not in owner and "content" not in owner
    schema = owner if is_schema else owner.get("schema")
    if keyword in ("example", "default") and keyword in owner:
        yield owner[keyword], schema, directions
        return
    examples = owner.get("examples")
    if examples is None and "example" in owner:
        yield owner["example"], schema, directions
        return
    if isinstance(examples, list):  # a 3.1 schema's examples array
        picked = tokens[keyword_at + 1 : keyword_at + 2]
        for value in [examples[int(picked[0])]] if picked else examples:
            yield value, schema, directions
        return
    if isinstance(examples, dict):
        names = tokens[keyword_at + 1 : keyword_at + 2] or list(examples)
        for name in names:
            example = deref(examples[name], document)
            if isinstance(example, dict) and "value" in example:
                yield example["value"], schema, directions


def _directions(tokens: list[str]) -> tuple[str, ...]:
    if "responses" in tokens:
        return ("response",)
    if "requestBody" in tokens or "parameters" in tokens:
        return ("request",)
    return ("request", "response")  # a component schema's example may show either


def _errors(document: Any, value: Any, schema: Any, directions: tuple[str, ...]) -> str | None:
    """None when the value is valid in one of the directions; else the first refusal."""
    first = None
    for direction in directions:
        converted = to_json_schema(document, schema, direction)  # type: ignore[arg-type]
        validator = Draft202012Validator(converted, format_checker=_FORMATS)
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path)
        first = first or f"{error.message[:160]} (at value/{where}, as a {direction})"
    return first


def _features(document: Any, schema: Any) -> set[str]:
    """Which of the named classes' keywords the schema, and every schema it reaches, use."""
    found: set[str] = set()
    stack: list[Any] = [schema]
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        if "$ref" in node:
            stack.append(deref(node, document))
        found.update(k for k in ("discriminator", "oneOf") if k in node)
        found.update(k for k in ("nullable", "readOnly", "writeOnly") if node.get(k) is True)
        stack.extend(v for k, v in node.items() if k not in _KEYWORDS)
    return found


def _said(message: str) -> str:
    """The class, when the peer's own message names it (it usually does)."""
    if '"nullable" cannot be used without "type"' in message:
        return (
            "nullable: the peer's validator (ajv) refuses `nullable` without a sibling `type`"
            " (beside oneOf/anyOf/allOf/$ref, which OpenAPI 3.0.3 allows) and never checks the"
            " example; read as null-or-the-rest, as generated code does, it is valid"
        )
    if "discriminator" in message:
        return (
            "discriminator: the peer's validator refuses the discriminator's shape (ajv wants"
            " inline oneOf branches each with the tag); selected by tag, as generated code does,"
            " the example is valid"
        )
    if "exactly one schema in oneOf" in message or "oneOf" in message:
        return (
            "oneOf: the value matches more than one branch for the peer; the generated models"
            " take the branch the tag or the first match selects, and the example is valid so"
        )
    for word in ("readOnly", "writeOnly"):
        if word in message:
            return f"{word}: the peer checks {word} properties in the wrong direction"
    return _said_otherwise(message)


def _said_otherwise(message: str) -> str:
    """Peer habits outside issue 23's classes, named all the same."""
    if "unevaluated properties" in message or "additional properties" in message:
        return (
            "additionalProperties: Redocly checks examples as if additionalProperties were false"
            " (its allowAdditionalProperties is off by default); the schema, and the generated"
            " models, take other properties"
        )
    fmt = _FORMAT.search(message)
    if fmt is not None and fmt[1] not in KEPT_FORMATS:
        return (
            f"format {fmt[1]}: the peer checks it, but the generated models read it as an"
            " annotation (a plain str, the value kept as sent), and so does apiforge's lint"
        )
    if "no schema with key or ref" in message or "value must be [" in message:
        return (
            "dialect: the peer validates the schema by another JSON Schema draft ($schema it"
            " cannot load, boolean vs numeric exclusiveMaximum) and fails to compile it"
        )
    return ""
