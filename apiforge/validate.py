"""openapi-spec-validator on a Bundle -> Diagnostics that point into the file that holds the problem.

The library validates sub-objects on their own, so its errors carry paths relative to the object
being checked. We register thin subclasses of its keyword validators that prefix each error's path
with the path of the object they were called on, then follow that logical path (through refs) to
where the node is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from apiforge import pointer as jp
from apiforge.diagnostics import Diagnostic, Severity
from apiforge.resolve import Bundle

_STAMP = "_apiforge_parts"


def validate_bundle(bundle: Bundle) -> list[Diagnostic]:
    """Standard OpenAPI validation of the whole bundled document; no I/O, no network."""
    version = bundle.openapi_version
    base: type[Any]
    if version.startswith("3.0."):
        base = OpenAPIV30SpecValidator
    elif version.startswith("3.1."):
        base = OpenAPIV31SpecValidator
    else:
        shown = version or "missing"
        message = f"unsupported 'openapi' version {shown!r}: apiforge reads 3.0.x and 3.1.x"
        return [bundle.diagnostic("#/openapi", message, rule="openapi-version")]
    validator = _located_validator(base)(bundle.data)
    found: dict[tuple[str, str], Diagnostic] = {}
    try:
        for error in validator.iter_errors():
            logical = _logical_tokens(error)
            physical = _physical_pointer(bundle.data, logical)
            diag = bundle.diagnostic(physical, _message(error), rule="openapi")
            found.setdefault((diag.pointer + diag.file, diag.message), diag)
    except RecursionError:
        found[("", "")] = bundle.diagnostic("#", "document is too deeply nested to validate")
    except Exception as exc:  # the validator must never turn into a traceback
        message = f"the OpenAPI validator could not check this document: {exc}"
        found[("", "")] = bundle.diagnostic("#", message, rule="openapi")
    return sorted(found.values(), key=lambda d: (d.file, d.line, d.col, d.message))


_CLASS_CACHE: dict[type[Any], type[Any]] = {}


def _located_validator(base: type[Any]) -> type[Any]:
    if base not in _CLASS_CACHE:
        mapping: Mapping[str, type[Any]] = getattr(base, "keyword_validators", {})
        located = {name: _located_keyword(cls) for name, cls in mapping.items()}
        _CLASS_CACHE[base] = type(
            f"Located{base.__name__}", (base,), {"keyword_validators": located}
        )
    return _CLASS_CACHE[base]


def _located_keyword(cls: type[Any]) -> type[Any]:
    # a value validator checks a default against its schema: its paths start inside the default
    suffix = ("default",) if any(c.__name__ == "ValueValidator" for c in cls.__mro__) else ()

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        at = next((a for a in args if isinstance(a, SchemaPath)), None)
        for error in cls.__call__(self, *args, **kwargs):
            if at is not None and not hasattr(error, _STAMP):
                # prefix the path itself: the library re-creates errors and keeps only their fields
                setattr(error, _STAMP, True)
                error.path.extendleft(reversed((*(str(p) for p in at.parts), *suffix)))
            yield error

    located = type(f"Located{cls.__name__}", (cls,), {"__call__": __call__})
    return located


def _logical_tokens(error: ValidationError) -> list[str]:
    return [str(p) for p in error.absolute_path]


def _physical_pointer(data: Any, tokens: list[str]) -> str:
    """Follow a logical path through local refs to the pointer where its last node is written."""
    node, physical = data, []
    for token in tokens:
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and token not in node:
            ref = node["$ref"]
            if not ref.startswith("#") or hops > 32:
                break
            physical = jp.split(ref)
            node = data
            for part in physical:
                node = node[int(part)] if isinstance(node, list) else node.get(part)
            hops += 1
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            break
        physical.append(token)
    return jp.from_tokens(physical)


def _message(error: ValidationError) -> str:
    message = " ".join(str(error.message).split())
    if len(message) > 300:
        message = message[:297] + "..."
    return message


__all__ = ["validate_bundle", "Severity"]
