"""Bundle -> Bundle: repair the harmless mistakes real documents make, each with a warning.

OpenAI's own document, like many public ones, fails strict validation in ways that do not change
what the code means (a `default: null` on a non-nullable schema, `nullable` in 3.1, a numeric bound
written as a string). `validate` stays strict; `generate` repairs these first, names each repair
at its file and line, and then validates what is left, refusing whatever still fails.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from apiforge import pointer as jp
from apiforge.diagnostics import Diagnostic, Severity
from apiforge.prepare import deref, is_ref
from apiforge.resolve import Bundle, iter_objects

_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object", "null"}


def repair_bundle(bundle: Bundle) -> tuple[Bundle, list[Diagnostic]]:
    """A copy of the bundle with harmless problems fixed, and one warning per fix."""
    doc = copy.deepcopy(bundle.data)
    warnings = _repair(doc, bundle)
    return dataclasses.replace(bundle, data=doc), warnings


def _repair(doc: dict[str, Any], bundle: Bundle) -> list[Diagnostic]:
    """Fix what does not change the code's meaning: defaults that cannot be, unknown type names."""
    warnings: list[Diagnostic] = []
    for tokens, kind, node in iter_objects(doc):
        if kind != "schema":
            continue
        at = jp.from_tokens(tokens)
        if "default" in node and not _default_fits(node["default"], node, doc):
            del node["default"]
            message = (
                "default does not fit the schema's type; it was left out of the generated code"
            )
            warnings.append(
                bundle.diagnostic(jp.join(at, "default"), message, Severity.WARNING, "repair")
            )
        if node.get("nullable") is True and not bundle.openapi_version.startswith("3.0"):
            kind_ = node.get("type")
            if isinstance(kind_, str):
                node["type"] = [kind_, "null"]
            del node["nullable"]
            message = "'nullable' in a 3.1 document was read as type: [T, 'null']"
            warnings.append(
                bundle.diagnostic(jp.join(at, "nullable"), message, Severity.WARNING, "repair")
            )
        for key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
            if key in node and not _is_number(node[key]):
                del node[key]
                message = f"{key} is not a number; the constraint was left out"
                warnings.append(
                    bundle.diagnostic(jp.join(at, key), message, Severity.WARNING, "repair")
                )
        if isinstance(node.get("required"), list):
            node["required"] = [r for r in node["required"] if isinstance(r, str)]
    return warnings


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _default_fits(value: Any, schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    nullable = schema.get("nullable") is True
    if is_ref(schema) or any(k in schema for k in ("oneOf", "anyOf", "allOf")):
        return value is not None or nullable or _nullable_union(schema, doc)
    types = {kinds} if isinstance(kinds, str) else set(kinds) if isinstance(kinds, list) else set()
    if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
        return False
    if not types:
        return True
    if value is None:
        return nullable or "null" in types
    checks = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": _is_number(value),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }
    return any(checks.get(t, t not in _JSON_TYPES) for t in types)


def _nullable_union(schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    for key in ("oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            branch = deref(branch, doc)
            if isinstance(branch, dict) and (
                branch.get("type") == "null" or branch.get("nullable")
            ):
                return True
    return False
