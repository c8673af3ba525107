"""apiforge's own rules on top of the OpenAPI standard: one small function per rule, each with an id."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from apiforge import pointer as jp
from apiforge.diagnostics import Diagnostic, Severity
from apiforge.ecma_regex import linear_search
from apiforge.event_stream import chunk_steps
from apiforge.media_types import is_event_stream
from apiforge.resolve import Bundle
from apiforge.versions import json_schema_2020
from apiforge.walk import (
    OPERATION_METHODS,
    is_method_token,
    item_operations,
    iter_objects,
    iter_operations,
    iter_path_items,
)

_SAFE_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TEMPLATE_PARAM = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Finding:
    pointer: str
    message: str
    severity: Severity = Severity.ERROR


Rule = Callable[[Bundle], Iterator[Finding]]
RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[rule_id] = fn
        return fn

    return register


def lint_bundle(bundle: Bundle) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule_id, check in RULES.items():
        for f in check(bundle):
            out.append(bundle.diagnostic(f.pointer, f.message, f.severity, rule_id))
    return sorted(set(out), key=lambda d: (d.file, d.line, d.col, d.rule, d.message))


@rule("operation-id")
def operation_ids(bundle: Bundle) -> Iterator[Finding]:
    """Every operation has an operationId that is unique and a safe Python identifier."""
    seen: dict[str, str] = {}
    for path, method, op, at in iter_operations(bundle.data):
        op_id = op.get("operationId")
        if op_id is None:
            message = (
                f"{method.upper()} {path} has no operationId; the client method name is guessed"
            )
            yield Finding(at, message, Severity.WARNING)
            continue
        if not isinstance(op_id, str):
            continue  # the standard validator reports the wrong type
        where = jp.join(at, "operationId")
        if op_id in seen:
            yield Finding(where, f"operationId {op_id!r} is also used by {seen[op_id]}")
        else:
            seen[op_id] = f"{method.upper()} {path}"
        if not _SAFE_IDENTIFIER.match(op_id) or keyword.iskeyword(op_id):
            message = f"operationId {op_id!r} is not a safe identifier (letters, digits, _)"
            yield Finding(where, message, Severity.WARNING)


@rule("additional-operations")
def additional_operations(bundle: Bundle) -> Iterator[Finding]:
    """3.2's `additionalOperations` keys are methods the fixed fields cannot name, sent as written."""
    for _path, item, where in iter_path_items(bundle.data):
        extra = item.get("additionalOperations")
        for name in extra if isinstance(extra, dict) else {}:
            if is_method_token(name):
                continue
            at = jp.join(where, "additionalOperations", str(name))
            if str(name).lower() in OPERATION_METHODS:
                message = (
                    f"{name!r} has a fixed field: write the operation under `{str(name).lower()}`"
                )
            else:
                message = f"{name!r} is not an HTTP method name; the operation is not generated"
            yield Finding(at, message)


@rule("path-params")
def path_params(bundle: Bundle) -> Iterator[Finding]:
    """Each `{name}` in a path template is declared as an `in: path` parameter, and vice versa."""
    items = {path: (item, where) for path, item, where in iter_path_items(bundle.data)}
    for path, method, op, at in iter_operations(bundle.data):
        item, item_at = items[path]
        declared: dict[str, str] = {}
        for owner, where in ((item, item_at), (op, at)):
            params = owner.get("parameters")
            for i, param in enumerate(params if isinstance(params, list) else []):
                param = bundle.deref(param)
                if isinstance(param, dict) and param.get("in") == "path":
                    declared[str(param.get("name"))] = jp.join(where, "parameters", i)
        in_template = _TEMPLATE_PARAM.findall(path)
        for name in in_template:
            if name not in declared:
                message = f"{method.upper()} {path}: path parameter {{{name}}} is not declared"
                yield Finding(at, message)
        for name, where in declared.items():
            if name not in in_template:
                yield Finding(where, f"path parameter {name!r} is not in the path {path!r}")


def _same_routes(bundle: Bundle) -> Iterator[tuple[str, str, str, bool]]:
    """(path, earlier path, pointer, whether they share a method) for templates that are one route."""
    seen: dict[str, tuple[str, set[str]]] = {}
    for path, item, where in iter_path_items(bundle.data):
        route = _TEMPLATE_PARAM.sub("{}", path)
        methods = {method.upper() for method, _, _ in item_operations(item)}
        if route in seen:
            earlier, earlier_methods = seen[route]
            yield path, earlier, where, bool(methods & earlier_methods)
        else:
            seen[route] = (path, methods)


@rule("path-templates")
def same_route_templates(bundle: Bundle) -> Iterator[Finding]:
    """Two templates that differ only in parameter names (`/x/{id}`, `/x/{item}`) and share a
    method are one route: a server cannot tell which operation a request is for."""
    for path, earlier, where, shared in _same_routes(bundle):
        if shared:
            message = (
                f"path {path!r} is the same route as {earlier!r}: a server cannot tell them apart"
                " (the generated server answers both with the first; clients call each)"
            )
            yield Finding(where, message)


@rule("path-template-names")
def same_templates_other_methods(bundle: Bundle) -> Iterator[Finding]:
    """The same, with no method in common: OpenAPI forbids it, yet a server routes by method."""
    for path, earlier, where, shared in _same_routes(bundle):
        if not shared:
            message = (
                f"path {path!r} differs from {earlier!r} only in parameter names, which OpenAPI "
                "forbids (their methods differ, so a server can still route them)"
            )
            yield Finding(where, message)


@rule("security-schemes")
def security_schemes(bundle: Bundle) -> Iterator[Finding]:
    """Security requirements name schemes that components/securitySchemes defines."""
    comps = bundle.data.get("components")
    schemes = comps.get("securitySchemes") if isinstance(comps, dict) else None
    defined = set(schemes) if isinstance(schemes, dict) else set()
    places = [("#", bundle.data)] + [(at, op) for _, _, op, at in iter_operations(bundle.data)]
    for at, owner in places:
        reqs = owner.get("security")
        for i, req in enumerate(reqs if isinstance(reqs, list) else []):
            for name in req if isinstance(req, dict) else {}:
                if name not in defined:
                    where = jp.join(at, "security", i, name)
                    yield Finding(where, f"security scheme {name!r} is not defined")


@rule("discriminator")
def discriminators(bundle: Bundle) -> Iterator[Finding]:
    """Discriminator mappings point at schemas that exist, and name a property they have."""
    comps = bundle.data.get("components")
    schemas = comps.get("schemas") if isinstance(comps, dict) else None
    names = set(schemas) if isinstance(schemas, dict) else set()
    for tokens, kind, node in iter_objects(bundle.data):
        disc = node.get("discriminator") if kind == "schema" else None
        if not isinstance(disc, dict):
            continue
        at = jp.from_tokens([*tokens, "discriminator"])
        mapping = disc.get("mapping")
        for value, target in (mapping if isinstance(mapping, dict) else {}).items():
            if not isinstance(target, str):
                continue
            ok = (
                target in names
                if "#" not in target and "/" not in target
                else _exists(bundle, target)
            )
            if not ok:
                where = jp.join(at, "mapping", value)
                yield Finding(
                    where, f"discriminator mapping {value!r} -> {target!r} does not resolve"
                )


def _exists(bundle: Bundle, ref: str) -> bool:
    if not ref.startswith("#"):
        return False
    try:
        bundle.get(ref)
    except (KeyError, IndexError, ValueError, TypeError):
        return False
    return True


@rule("schema-refs")
def schema_refs(bundle: Bundle) -> Iterator[Finding]:
    """A schema's `$ref` lands on a schema, not on the info object, a response or a parameter."""
    objects = list(iter_objects(bundle.data))
    schemas = {tokens for tokens, kind, _ in objects if kind == "schema"}
    for tokens, kind, node in objects:
        ref = node.get("$ref") if kind == "schema" else None
        if not isinstance(ref, str) or not _exists(bundle, ref):
            continue  # a missing or remote target is the resolver's to report
        target = tuple(jp.split(ref))
        if target in schemas or isinstance(bundle.get(ref), bool):
            continue
        message = f"$ref {ref!r} is used as a schema but points at something that is not a schema"
        yield Finding(jp.join(jp.from_tokens(list(tokens)), "$ref"), message)


@rule("required-properties")
def required_properties(bundle: Bundle) -> Iterator[Finding]:
    """A `required` name that no property defines, in a schema that lists its properties or
    refuses others: with `additionalProperties: false` no object is valid."""
    objects = [(t, n) for t, kind, n in iter_objects(bundle.data) if kind == "schema"]
    parents: dict[int, dict[str, Any]] = {}
    for _, node in objects:
        for key in ("allOf", "anyOf", "oneOf"):  # parts applied to the parent's own value
            parts = node.get(key)
            parents.update((id(p), node) for p in (parts if isinstance(parts, list) else ()))
    for tokens, node in objects:
        required = node.get("required")
        closed = node.get("additionalProperties") is False
        if not isinstance(required, list) or not ("properties" in node or closed):
            continue
        names, patterns = _defined_names(bundle, node, parents)
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


def _defined_names(
    bundle: Bundle, node: dict[str, Any], parents: dict[int, dict[str, Any]]
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
        schema = bundle.deref(stack.pop())
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
def version_keywords(bundle: Bundle) -> Iterator[Finding]:
    """Schema keywords of one OpenAPI version used in a document of the other."""
    is_31 = json_schema_2020(bundle.data)  # 3.1 and 3.2
    is_30 = bundle.release == (3, 0)
    for tokens, kind, node in iter_objects(bundle.data):
        if kind != "schema":
            continue
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


def _response_contents(bundle: Bundle) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(label `GET /x`, status code, pointer of the response, its `content`, refs followed)."""
    for path, method, op, at in iter_operations(bundle.data):
        responses = op.get("responses")
        for code, response in (responses if isinstance(responses, dict) else {}).items():
            response = bundle.deref(response)
            content = response.get("content") if isinstance(response, dict) else None
            label, where = f"{method.upper()} {path}", jp.join(at, "responses", str(code))
            yield label, str(code), where, content if isinstance(content, dict) else {}


@rule("error-response-schema")
def error_response_schemas(bundle: Bundle) -> Iterator[Finding]:
    """Every 4xx/5xx/default response says what its body looks like."""
    for label, code, where, content in _response_contents(bundle):
        if not (code[:1] in ("4", "5") or code == "default"):
            continue
        if not any(isinstance(m, dict) and "schema" in m for m in content.values()):
            message = f"{label}: error response {code} has no body schema"
            yield Finding(where, message, Severity.WARNING)


@rule("sequential-media")
def sequential_media(bundle: Bundle) -> Iterator[Finding]:
    """3.2's `itemSchema`: what of it becomes a typed stream, and what the generated code skips."""
    for label, code, response_at, content in _response_contents(bundle):
        for mime, media in content.items():
            media = bundle.deref(media)
            if not isinstance(media, dict) or "itemSchema" not in media:
                continue
            where = jp.join(response_at, "content", str(mime), "itemSchema")
            if not is_event_stream(mime):
                message = f"{label} response {code}: `{mime}` items are not streamed by the generated code"
                yield Finding(where, message, Severity.WARNING)
            elif chunk_steps(media, bundle.deref) is None:
                message = (
                    f"{label} response {code}: the events' `data` has no schema (give it a"
                    " `contentSchema`); the stream is not typed"
                )
                yield Finding(where, message, Severity.WARNING)


def _is_pointer(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/")


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@rule("apiforge-extensions")
def apiforge_extensions(bundle: Bundle) -> Iterator[Finding]:
    """The x-apiforge-* extensions have the shapes docs/extensions.md gives them."""
    envelope = bundle.data.get("x-apiforge-error-envelope")
    if envelope is not None:
        at = "#/x-apiforge-error-envelope"
        if not isinstance(envelope, dict) or not _is_pointer(envelope.get("message")):
            yield Finding(
                at, "x-apiforge-error-envelope needs `message`: a JSON pointer like /error/message"
            )
        else:
            for key, value in envelope.items():
                if key not in ("message", "status", "type", "code"):
                    yield Finding(
                        jp.join(at, key), f"unknown x-apiforge-error-envelope key {key!r}"
                    )
                elif not _is_pointer(value):
                    yield Finding(
                        jp.join(at, key), f"{key} must be a JSON pointer like /error/{key}"
                    )
    for _path, _method, op, at in iter_operations(bundle.data):
        limit = op.get("x-apiforge-rate-limit")
        if limit is not None and (
            not isinstance(limit, dict) or not _positive_number(limit.get("requests-per-second"))
        ):
            where = jp.join(at, "x-apiforge-rate-limit")
            yield Finding(where, "x-apiforge-rate-limit needs a positive `requests-per-second`")
        stream = op.get("x-apiforge-stream")
        if stream is not None and (
            not isinstance(stream, dict) or not isinstance(stream.get("flag", ""), str)
        ):
            yield Finding(
                jp.join(at, "x-apiforge-stream"),
                "x-apiforge-stream must be a mapping with a string `flag`",
            )
        no_tools = op.get("x-apiforge-models-without-tools")
        prefixes = no_tools.get("prefixes") if isinstance(no_tools, dict) else None
        if no_tools is not None and not (
            isinstance(prefixes, list) and all(isinstance(p, str) for p in prefixes)
        ):
            where = jp.join(at, "x-apiforge-models-without-tools")
            yield Finding(
                where, "x-apiforge-models-without-tools needs `prefixes`: a list of strings"
            )
    for tokens, kind, node in iter_objects(bundle.data):
        unknown = node.get("x-apiforge-unknown-properties") if kind == "schema" else None
        if unknown is not None and unknown not in ("ignore", "reject"):
            where = jp.from_tokens([*tokens, "x-apiforge-unknown-properties"])
            yield Finding(where, "x-apiforge-unknown-properties is `ignore` or `reject`")
