"""Bundle -> Bundle: repair the harmless mistakes real documents make, each with a warning.

OpenAI's own document, like many public ones, fails strict validation in ways that do not change
what the code means (a `default: null` on a non-nullable schema, `nullable` in 3.1, a boolean
`exclusiveMinimum` in 3.1, a `required` list naming a property twice, an ECMA-only `pattern`). `validate` stays strict;
`generate` repairs these first, names each repair at its file and line, then validates what is
left and refuses whatever still fails: a repair never guesses at what a schema means.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.load import plain_copy
from apiforge.document.patterns import linear_validator, portable_pattern
from apiforge.document.versions import json_schema_2020
from apiforge.document.walk import deref, iter_objects
from apiforge.findings.diagnostic import Diagnostic
from apiforge.findings.finding import Finding
from apiforge.repair import repaired
from apiforge.repair.limits import limit_for_models

SchemaRepair = Callable[[dict[str, Any], str, dict[str, Any]], Iterator[Finding]]


def repair_bundle(bundle: Bundle) -> tuple[Bundle, list[Diagnostic]]:
    """A copy of the bundle with harmless problems fixed, and one warning per fix."""
    doc = plain_copy(bundle.data)
    schema_2020 = json_schema_2020(doc)
    fixes: list[Finding] = list(_info(doc))
    schemas = [(jp.from_tokens(t), n) for t, kind, n in iter_objects(doc) if kind == "schema"]
    repairs: tuple[SchemaRepair, ...] = (
        _nullable_in_31,
        _boolean_bounds_in_31,
        _draft_2019_keywords,
        _required_list,
        _text_fields,
        _ecma_patterns,
    )
    for repair in repairs:
        for at, node in schemas:
            fixes.extend(repair(node, at, doc))
    fixes.extend(_unfit_defaults(doc, schemas, schema_2020))
    fixes.extend(limit_for_models(doc))  # last: it may replace schemas the others looked at
    return dataclasses.replace(bundle, data=doc), [bundle.place(f) for f in fixes]


def _info(doc: dict[str, Any]) -> Iterator[Finding]:
    info = doc.get("info")
    if isinstance(info, dict) and "version" not in info:
        info["version"] = ""
        yield repaired("#/info", "info.version is missing; generated as an empty string")


def _nullable_in_31(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    if not json_schema_2020(doc) or "nullable" not in node:
        return
    nullable = node.pop("nullable")
    kind = node.get("type")
    if nullable is not True:
        yield repaired(jp.join(at, "nullable"), "'nullable: false' in a 3.1 document was dropped")
    elif isinstance(kind, str):
        node["type"] = [kind, "null"]
        yield repaired(
            jp.join(at, "nullable"), "'nullable' in a 3.1 document was read as type: [T, 'null']"
        )
    elif isinstance(kind, list):
        node["type"] = [*kind, *([] if "null" in kind else ["null"])]
        yield repaired(
            jp.join(at, "nullable"),
            "'nullable' in a 3.1 document was read as type: [..., 'null']",
        )
    else:
        inner = {k: node.pop(k) for k in list(node) if k not in ("description", "title", "default")}
        node["anyOf"] = [inner, {"type": "null"}]
        yield repaired(
            jp.join(at, "nullable"),
            "'nullable' in a 3.1 document was read as anyOf [schema, null]",
        )


def _boolean_bounds_in_31(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    if not json_schema_2020(doc):
        return
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(flag)
        if not isinstance(value, bool):
            continue
        del node[flag]
        if value and isinstance(node.get(bound), int | float):
            node[flag] = node.pop(bound)
            yield repaired(
                jp.join(at, flag), f"boolean {flag} (3.0 style) was read as {flag}: {node[flag]}"
            )
        else:
            yield repaired(
                jp.join(at, flag), f"boolean {flag} (3.0 style) without a bound was dropped"
            )


def _draft_2019_keywords(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    for key in ("$recursiveAnchor", "$recursiveRef"):
        if key in node and not isinstance(node[key], str):
            del node[key]
            yield repaired(
                jp.join(at, key), f"{key} (JSON Schema 2019-09) is not used by the generated code"
            )


def _required_list(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    required = node.get("required")
    if not isinstance(required, list):
        return
    names = [r for r in required if isinstance(r, str)]
    unique = list(dict.fromkeys(names))
    if unique != required:
        node["required"] = unique
        yield repaired(
            jp.join(at, "required"), "duplicate or non-string entries in 'required' were dropped"
        )
    declared = _declared_properties(node, doc)
    if declared is None or node.get("additionalProperties") is False:
        return
    missing = [name for name in unique if name not in declared]
    if missing:
        props = node.setdefault("properties", {})
        for name in missing:
            props[name] = {}
        what = f"required {missing} not in 'properties'; declared as properties of any type"
        yield repaired(jp.join(at, "required"), what)


def _declared_properties(node: Any, doc: dict[str, Any], depth: int = 0) -> set[str] | None:
    """Property names an object schema declares directly or through allOf (None: not an object).

    Declaring a missing one as `{}` never changes what the schema accepts: `{}` accepts anything.
    """
    node = deref(node, doc)
    if not isinstance(node, dict) or depth > 16 or node.get("type") not in (None, "object"):
        return None
    props = node.get("properties")
    names = set(props) if isinstance(props, dict) else set()
    parts = node.get("allOf")
    for part in parts if isinstance(parts, list) else []:
        names |= _declared_properties(part, doc, depth + 1) or set()
    return names


def _text_fields(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    for key in ("description", "title"):
        if key in node and not isinstance(node[key], str):
            del node[key]
            yield repaired(jp.join(at, key), f"{key} is not a string; it was dropped")


_PLAIN_KEYS = {"type", "default", "description", "title", "enum", "nullable", "example", "examples"}
_PLAIN_KEYS |= {"readOnly", "writeOnly", "deprecated"}
# keywords that constrain only values of one JSON type: a null default never meets them
_TYPE_SPECIFIC = {"properties", "additionalProperties", "required", "minProperties", "items"}
_TYPE_SPECIFIC |= {"maxProperties", "minItems", "maxItems", "uniqueItems", "format", "pattern"}
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength"}
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _ecma_patterns(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    """A `pattern` both the validator and the generated models can compile, or none at all."""
    pattern = node.get("pattern")
    if not isinstance(pattern, str):
        return
    portable = portable_pattern(pattern)
    if portable == pattern:
        return
    where = jp.join(at, "pattern")
    if portable is None:
        del node["pattern"]
        yield repaired(
            where, "pattern uses ECMA-262 syntax Python or pydantic cannot check; it was left out"
        )
    else:
        node["pattern"] = portable
        yield repaired(where, f"pattern rewritten from ECMA-262 syntax as {portable!r}")


def _plainly_fits(value: Any, schema: dict[str, Any]) -> bool | None:
    """Decide without a validator (whose imports cost 0.2 s) when the schema is only a type, an
    enum and simple bounds, or an empty object's; None otherwise."""
    if value == {} and isinstance(value, dict) and _empty_object_fits(schema):
        return True
    if value is None and ("anyOf" in schema or "oneOf" in schema):
        return _null_fits_branches(schema)
    known = _PLAIN_KEYS | _BOUNDS | (_TYPE_SPECIFIC if value is None else set())
    if any(key not in known and not key.startswith("x-") for key in schema):
        return None
    kinds = schema.get("type")
    types = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else None
    if types is None or any(t not in _PLAIN_TYPES and t != "null" for t in types):
        return None
    if value is None:
        fits = "null" in types or schema.get("nullable") is True
    else:
        fits = any(
            isinstance(value, _PLAIN_TYPES[t])
            and not (isinstance(value, bool) and t in ("integer", "number"))
            for t in types
            if t != "null"
        )
    enum = schema.get("enum")
    if fits and isinstance(enum, list) and value not in enum:
        fits = value is None and None not in enum and schema.get("nullable") is True
    if fits and value is not None:
        return _within_bounds(value, schema)
    return fits


def _null_fits_branches(schema: dict[str, Any]) -> bool | None:
    """`default: null` under anyOf/oneOf of plain branches (a ref or an odd branch: None)."""
    rest = {k for k in schema if k not in ("anyOf", "oneOf") and not k.startswith("x-")}
    if "type" in schema or not rest <= _PLAIN_KEYS - {"enum", "nullable"}:
        return None
    verdicts: dict[str, list[bool]] = {}
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if branches is None:
            continue
        if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
            return None
        found = [_plainly_fits(None, branch) for branch in branches]
        if any(f is None for f in found):
            return None
        verdicts[keyword] = [bool(f) for f in found]
    return all(any(v) if keyword == "anyOf" else sum(v) == 1 for keyword, v in verdicts.items())


def _empty_object_fits(schema: dict[str, Any]) -> bool:
    """`default: {}` for an object that requires nothing (its properties need no look)."""
    allowed = _PLAIN_KEYS | {"properties", "additionalProperties", "required"}
    if any(key not in allowed and not key.startswith("x-") for key in schema) or "enum" in schema:
        return False
    kinds = schema.get("type")
    is_object = kinds == "object" or (isinstance(kinds, list) and "object" in kinds)
    return is_object and not schema.get("required")


def _within_bounds(value: Any, schema: dict[str, Any]) -> bool | None:
    """Numeric bounds (3.0's boolean or 3.1's numeric exclusive forms) and string lengths."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    checks: list[tuple[str, Any]] = [(k, schema[k]) for k in _BOUNDS if k in schema]
    for key, bound in checks:
        if isinstance(bound, bool) and key.startswith("exclusive"):
            continue  # 3.0: it only modifies minimum/maximum, handled below
        if not isinstance(bound, int | float) or isinstance(bound, bool):
            return None  # an odd bound: the validator stage speaks about it
        if key.endswith("Length"):
            if isinstance(value, str) and not _length_ok(key, len(value), bound):
                return False
            continue
        if number and not _number_ok(key, value, bound, schema):
            return False
    return True


def _length_ok(key: str, length: int, bound: float) -> bool:
    return length >= bound if key == "minLength" else length <= bound


def _number_ok(key: str, value: float, bound: float, schema: dict[str, Any]) -> bool:
    if key == "minimum":
        return value > bound if schema.get("exclusiveMinimum") is True else value >= bound
    if key == "maximum":
        return value < bound if schema.get("exclusiveMaximum") is True else value <= bound
    return value > bound if key == "exclusiveMinimum" else value < bound


def _unfit_defaults(
    doc: dict[str, Any], schemas: list[tuple[str, dict[str, Any]]], schema_2020: bool
) -> Iterator[Finding]:
    """Defaults that their own schema rejects never reach the generated code."""
    checker: Callable[[str, Any], bool] | None = None
    for at, node in schemas:
        if "default" not in node:
            continue
        fits = _plainly_fits(node["default"], node)
        if fits is None:
            checker = checker or _default_checker(doc, schema_2020)
            fits = checker(at, node["default"])
        if not fits:
            del node["default"]
            yield repaired(
                jp.join(at, "default"), "default does not fit its schema; it was left out"
            )


def _default_checker(doc: dict[str, Any], schema_2020: bool) -> Callable[[str, Any], bool]:
    """JSON Schema validation of a value against the schema at a pointer, its refs resolved."""
    from openapi_schema_validator import OAS30Validator, OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    base = "urn:apiforge:document"
    registry: Registry[Any] = Registry().with_resource(
        base, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    validator_class = linear_validator(OAS31Validator if schema_2020 else OAS30Validator)

    def fits(at: str, value: Any) -> bool:
        schema = {"$ref": base + at}  # in place, so the schema's own local refs resolve
        try:
            validator = validator_class(
                schema, registry=registry, format_checker=validator_class.FORMAT_CHECKER
            )
            return bool(validator.is_valid(value))
        except Exception:  # an unresolvable or odd schema: leave it to the validator stage
            return True

    return fits
