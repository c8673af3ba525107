"""openapi-spec-validator on a Bundle -> Diagnostics that point into the file that holds the problem.

The slow path of `validate`: it runs only for documents the fast validator could not call valid.

The library validates sub-objects on their own, so its errors carry paths relative to the object
being checked. We register thin subclasses of its keyword validators that prefix each error's path
with the path of the object they were called on, then follow that logical path (through refs) to
where the node is written.

The library follows any `$ref` it meets, even inside literal values (a schema's `default`) or under
an `$id` with a URL, and would fetch it over the network or from disk; our validator's resolver
refuses every such retrieval instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import validator_for
from jsonschema_path import SchemaPath
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)

from apiforge.document import pointer as jp

try:  # the registry that knows the OpenAPI dialects' meta-schemas (to re-run a failed check)
    from openapi_schema_validator._specifications import REGISTRY as _OAS_REGISTRY
except ImportError:  # pragma: no cover
    _OAS_REGISTRY = None
from apiforge.document.bundle import Bundle
from apiforge.document.patterns import linear_validator
from apiforge.findings.diagnostic import Diagnostic, Severity
from apiforge.validate.messages import describe

_STAMP = "_apiforge_parts"
# An exception inside the validator's own checks (say, sorting names of mixed types) is never a
# refusal: that part is left to the schema check and lint, with a warning. Only a retrieval we
# refused (`_Refused`) is the document's fault.
_SKIPPED: list[tuple[tuple[str, ...], str]] = []


_VALIDATORS: dict[tuple[int, int], type[Any]] = {
    (3, 0): OpenAPIV30SpecValidator,
    (3, 1): OpenAPIV31SpecValidator,
    (3, 2): OpenAPIV32SpecValidator,
}


def located_diagnostics(bundle: Bundle, release: tuple[int, int]) -> list[Diagnostic]:
    """Standard OpenAPI validation of the whole bundled document; no I/O, no network."""
    base = _VALIDATORS[release]
    validator = _located_validator(base)(bundle.data)
    found: dict[tuple[str, str], Diagnostic] = {}
    _SKIPPED.clear()
    try:
        for error in validator.iter_errors():
            logical = _logical_tokens(error)
            physical = _physical_pointer(bundle.data, logical)
            diag = bundle.diagnostic(physical, describe(error), rule="openapi")
            found.setdefault((diag.pointer + diag.file, diag.message), diag)
    except Exception as exc:  # never a traceback, and never a refusal unless we refused a ref
        refused = _refused_uri(exc)
        if refused is not None:
            message = f"$ref {refused!r} would be fetched by the validator; apiforge never fetches"
            at = _find_ref(bundle.data, refused)
            found[("", "")] = bundle.diagnostic(at, message, rule="ref")
            return sorted(found.values(), key=lambda d: (d.file, d.line, d.col, d.message))
        _SKIPPED.append(((), _detail(exc)))
    for parts, detail in _SKIPPED:
        at = _physical_pointer(bundle.data, list(parts))
        part = "this part" if parts else "this document"
        message = f"the OpenAPI validator failed on {part} ({detail}); it is checked by lint only"
        diag = bundle.diagnostic(at, message, Severity.WARNING, rule="openapi")
        found.setdefault((diag.pointer + diag.file, diag.message), diag)
    _SKIPPED.clear()
    return sorted(found.values(), key=lambda d: (d.file, d.line, d.col, d.message))


_CLASS_CACHE: dict[type[Any], type[Any]] = {}


class _Refused(Exception):
    def __init__(self, uri: str) -> None:
        super().__init__(f"refused to retrieve {uri}")
        self.uri = uri


def _refuse(uri: str) -> Any:
    raise _Refused(uri)


class _NoRetrieval(dict[str, Any]):
    """Resolver handlers for every URI scheme, each refusing: no network, no file reads."""

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str) -> Any:
        return _refuse


def _detail(exc: BaseException) -> str:
    """An exception as one short line, for the warning that names what was skipped."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _refused_uri(exc: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, _Refused):
            return current.uri
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _find_ref(data: Any, uri: str) -> str:
    """The pointer of the first `$ref` whose value is (or ends) `uri`, or the root."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        tokens, node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref and (ref == uri or uri.endswith(ref)):
                return jp.from_tokens([*tokens, "$ref"])
            stack.extend(((*tokens, str(k)), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(((*tokens, str(i)), v) for i, v in reversed(list(enumerate(node))))
    return "#"


def _located_validator(base: type[Any]) -> type[Any]:
    if base not in _CLASS_CACHE:
        mapping: Mapping[str, type[Any]] = getattr(base, "keyword_validators", {})
        located = {name: _located_keyword(cls) for name, cls in mapping.items()}
        _CLASS_CACHE[base] = type(
            f"Located{base.__name__}",
            (base,),
            {"keyword_validators": located, "resolver_handlers": _NoRetrieval()},
        )
    return _CLASS_CACHE[base]


def _located_keyword(cls: type[Any]) -> type[Any]:
    # a value validator checks a default against its schema: its paths start inside the default
    suffix = ("default",) if any(c.__name__ == "ValueValidator" for c in cls.__mro__) else ()

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        at = next((a for a in args if isinstance(a, SchemaPath)), None)
        try:
            for error in cls.__call__(self, *args, **kwargs):
                if at is not None and not hasattr(error, _STAMP):
                    # prefix the path itself: the library re-creates errors and keeps only their fields
                    setattr(error, _STAMP, True)
                    error.path.extendleft(reversed((*(str(p) for p in at.parts), *suffix)))
                yield error
        except RecursionError:
            raise  # caught once, at the top, rather than at every level it unwinds through
        except Exception as exc:  # its own sort or compare failed: skip this part, say so
            if _refused_uri(exc) is not None:
                raise
            parts = tuple(str(p) for p in at.parts) if at is not None else ()
            _SKIPPED.append((parts, _detail(exc)))

    namespace: dict[str, Any] = {"__call__": __call__}
    if hasattr(cls, "_get_schema_checker"):

        def _get_schema_checker(self: Any, schema: Any, schema_value: Any) -> Any:
            return _in_document_order(cls._get_schema_checker(self, schema, schema_value))

        namespace["_get_schema_checker"] = _get_schema_checker
    if suffix:  # a default is matched against the schema's patterns in linear time
        namespace["value_validator_cls"] = linear_validator(cls.value_validator_cls)
    if hasattr(cls, "_collect_properties"):
        namespace["_collect_properties"] = _collect_properties
    located = type(f"Located{cls.__name__}", (cls,), namespace)
    return located


def _collect_properties(self: Any, schema: SchemaPath) -> set[str]:
    """The library's property names reachable through allOf/anyOf/oneOf/items/not, each schema
    visited once: its own recursion never ends on a recursive schema (`T: {items: $ref T}`)."""
    props: set[str] = set()
    seen: set[int] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        value = node.read_value()
        if not isinstance(value, Mapping) or id(value) in seen:
            continue
        seen.add(id(value))
        if "properties" in node:
            names = (node / "properties").read_value()
            if isinstance(names, Mapping):
                props.update(str(k) for k in names)
        for kw in ("allOf", "anyOf", "oneOf"):
            if kw in node:
                stack.extend(node / kw)
        stack.extend(node / kw for kw in ("items", "not") if kw in node)
    return props


def _in_document_order(check: Callable[[Any], None]) -> Callable[[Any], None]:
    """A schema meta-check that reports the schema's first error in document order.

    jsonschema's check_schema raises the first error it meets, and it meets them in the order of a
    set of property names (string hashes): without this, output would change from run to run.
    Whether a schema fails is still the library's call; only which of its errors we show changes.
    """
    func = getattr(check, "func", check)
    options: dict[str, Any] = dict(getattr(check, "keywords", None) or {})
    cls = getattr(func, "__self__", None)
    if not isinstance(cls, type) or not hasattr(cls, "META_SCHEMA"):
        return check

    def run(schema_value: Any) -> None:
        try:
            check(schema_value)
        except SchemaError as error:
            raise _first_meta_error(cls, options, schema_value) or error from None

    return run


def _first_meta_error(cls: type[Any], options: dict[str, Any], schema: Any) -> SchemaError | None:
    try:
        meta_schema = cls.META_SCHEMA
        meta = validator_for(meta_schema, default=cls)
        kwargs = {"format_checker": options.get("format_checker", cls.FORMAT_CHECKER)}
        if _OAS_REGISTRY is not None:
            kwargs["registry"] = _OAS_REGISTRY
        errors = list(meta(meta_schema, **kwargs).iter_errors(schema))
    except Exception:  # the library changed: keep its own choice
        return None
    if not errors:
        return None
    first = min(errors, key=lambda e: (_document_order(schema, e.path), e.message))
    return SchemaError.create_from(first)


def _document_order(data: Any, path: Sequence[Any]) -> tuple[int, ...]:
    order: list[int] = []
    node = data
    for part in path:
        if isinstance(node, dict) and part in node:
            order.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            order.append(part)
            node = node[part]
        else:
            break
    return tuple(order)


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


__all__ = ["located_diagnostics"]
