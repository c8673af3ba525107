"""Defaults their own schema refuses, left out of what `generate` builds (with a warning).

Most defaults are decided here without a validator (`plainly_fits`: a type, an enum or const,
bounds, an array of such items, a ref to such a schema, a union of such branches); only the
others pay for openapi-schema-validator, whose imports cost a quarter of a second. The plain
check decides as that validator does (tests/test_repair.py compares them on random schemas).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.patterns import linear_validator
from apiforge.document.walk import get_ref
from apiforge.findings.finding import Finding
from apiforge.repair import repaired

__all__ = ["default_checker", "plainly_fits", "unfit_defaults"]

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
_ANNOTATIONS = {"description", "title", "default", "example", "examples", "deprecated"}
_ANNOTATIONS |= {"readOnly", "writeOnly"}
_ARRAY_KEYS = {"items", "minItems", "maxItems"}
_INTEGER_FORMATS = {"int32": 1 << 31, "int64": 1 << 63}  # openapi-schema-validator's ranges
_MAX_REFS = 16  # refs followed from one default before it is left to the validator


def unfit_defaults(
    doc: dict[str, Any], schemas: list[tuple[str, dict[str, Any]]], schema_2020: bool
) -> Iterator[Finding]:
    """Defaults that their own schema rejects never reach the generated code."""
    checker: Callable[[str, Any], bool] | None = None
    for at, node in schemas:
        if "default" not in node:
            continue
        fits = plainly_fits(node["default"], node, doc)
        if fits is None:
            checker = checker or default_checker(doc, schema_2020)
            fits = checker(at, node["default"])
        if not fits:
            del node["default"]
            yield repaired(
                jp.join(at, "default"), "default does not fit its schema; it was left out"
            )


def default_checker(doc: dict[str, Any], schema_2020: bool) -> Callable[[str, Any], bool]:
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


def plainly_fits(value: Any, schema: Any, doc: Any = None, refs: int = 0) -> bool | None:
    """Whether `value` fits `schema`, decided without a validator; None: not plainly decided.

    Plain: a type, an enum or a const, simple bounds, an integer format's range, an array whose
    items are plain, an empty object's; a `$ref` to a plain schema (`doc` given), a union of
    plain branches.
    """
    if not isinstance(schema, dict) or refs > _MAX_REFS:
        return None
    if value == {} and isinstance(value, dict) and _empty_object_fits(schema):
        return True
    if "$ref" in schema:
        return _ref_fits(value, schema, doc, refs)
    if "anyOf" in schema or "oneOf" in schema:
        return _fits_branches(value, schema, doc, refs)
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
    if not fits:
        return False  # `type` holds beside every other keyword: none lets another type through
    known = _PLAIN_KEYS | _BOUNDS | _ARRAY_KEYS | {"const", "format"}
    if value is None:
        known |= _TYPE_SPECIFIC
    if any(key not in known and not key.startswith("x-") for key in schema):
        return None
    enum = schema.get("enum")
    if fits and isinstance(enum, list) and not _listed(value, enum):
        fits = value is None and None not in enum and schema.get("nullable") is True
    if fits and "const" in schema:
        const = schema["const"]
        if not _scalar(value) or not _scalar(const):
            return None
        fits = _same_scalar(value, const)
    if not fits or value is None:
        return fits
    form = schema.get("format")
    if form is not None:
        if not isinstance(form, str) or form not in _INTEGER_FORMATS:
            return None  # other formats are the validator's (dates, emails, ...)
        if not _in_range(value, _INTEGER_FORMATS[form]):
            return False
    if isinstance(value, list):
        return _items_fit(value, schema, doc, refs)
    return _within_bounds(value, schema)


def _ref_fits(value: Any, schema: dict[str, Any], doc: Any, refs: int) -> bool | None:
    """A `$ref` with annotations beside it (3.0 ignores its siblings; 3.1's are annotations)."""
    ref = schema["$ref"]
    if doc is None or not isinstance(ref, str) or not set(schema) - {"$ref"} <= _ANNOTATIONS:
        return None
    return plainly_fits(value, get_ref(doc, ref), doc, refs + 1)


def _fits_branches(value: Any, schema: dict[str, Any], doc: Any, refs: int) -> bool | None:
    """A value under anyOf/oneOf of plain branches (and nothing else that constrains it)."""
    rest = {k for k in schema if k not in ("anyOf", "oneOf") and not k.startswith("x-")}
    beside = _PLAIN_KEYS - {"enum", "nullable"}
    if value is not None:
        beside |= {"nullable"}  # it lets null through, nothing more
    if "type" in schema or not rest <= beside:
        return None
    verdicts: dict[str, list[bool]] = {}
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if branches is None:
            continue
        if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
            return None
        found = [plainly_fits(value, branch, doc, refs) for branch in branches]
        if any(f is None for f in found):
            return None
        verdicts[keyword] = [bool(f) for f in found]
    return all(any(v) if keyword == "anyOf" else sum(v) == 1 for keyword, v in verdicts.items())


def _items_fit(value: list[Any], schema: dict[str, Any], doc: Any, refs: int) -> bool | None:
    for key, bound in (("minItems", schema.get("minItems")), ("maxItems", schema.get("maxItems"))):
        if bound is None:
            continue
        if not isinstance(bound, int) or isinstance(bound, bool):
            return None
        if len(value) < bound if key == "minItems" else len(value) > bound:
            return False
    if "items" not in schema:
        return True
    verdicts = [plainly_fits(item, schema["items"], doc, refs) for item in value]
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _in_range(value: Any, limit: int) -> bool:
    """An integer format's range; the format concerns integers only (not booleans)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return True
    return -limit <= value < limit


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def _same_scalar(a: Any, b: Any) -> bool:
    """Equal as JSON scalars: true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _listed(value: Any, enum: list[Any]) -> bool:
    if _scalar(value):
        return any(_scalar(e) and _same_scalar(value, e) for e in enum)
    return value in enum


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
