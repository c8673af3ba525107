"""Operations and paths: ids, path parameters, routes, security, error bodies, sequential media."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from apiforge.document import pointer as jp
from apiforge.document.event_streams import chunk_steps
from apiforge.document.media import is_event_stream
from apiforge.document.walk import OPERATION_METHODS, is_method_token, item_operations
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, rule

_SAFE_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


_TEMPLATE_PARAM = re.compile(r"\{([^{}]+)\}")


@rule("operation-id")
def operation_ids(ctx: Context) -> Iterator[Finding]:
    """Every operation has an operationId that is unique and a safe Python identifier."""
    seen: dict[str, str] = {}
    for found in ctx.operations:
        op_id = found.operation.get("operationId")
        label = f"{found.method.upper()} {found.path}"
        if op_id is None:
            message = f"{label} has no operationId; the client method name is guessed"
            yield Finding(found.pointer, message, Severity.WARNING)
            continue
        if not isinstance(op_id, str):
            continue  # the standard validator reports the wrong type
        where = jp.join(found.pointer, "operationId")
        if op_id in seen:
            yield Finding(where, f"operationId {op_id!r} is also used by {seen[op_id]}")
        else:
            seen[op_id] = label
        if not _SAFE_IDENTIFIER.match(op_id) or keyword.iskeyword(op_id):
            message = f"operationId {op_id!r} is not a safe identifier (letters, digits, _)"
            yield Finding(where, message, Severity.WARNING)
    webhooks = ctx.data.get("webhooks")
    for name, item in webhooks.items() if isinstance(webhooks, dict) else ():
        for hook in item_operations(item) if isinstance(item, dict) else ():
            if hook.operation.get("operationId") is None:
                at = jp.join("#/webhooks", str(name), *hook.tokens)
                method = hook.method.upper()
                message = f"webhook {name} {method} has no operationId (tools name it by one)"
                yield Finding(at, message, Severity.WARNING)


@rule("additional-operations", relaxed_for_generate=True)
def additional_operations(ctx: Context) -> Iterator[Finding]:
    """3.2's `additionalOperations` keys are methods the fixed fields cannot name, sent as written."""
    for path_item in ctx.path_items:
        extra = path_item.item.get("additionalOperations")
        for name in extra if isinstance(extra, dict) else {}:
            if is_method_token(name):
                continue
            at = jp.join(path_item.pointer, "additionalOperations", str(name))
            if str(name).lower() in OPERATION_METHODS:
                message = (
                    f"{name!r} has a fixed field: write the operation under `{str(name).lower()}`"
                )
            else:
                message = f"{name!r} is not an HTTP method name; the operation is not generated"
            yield Finding(at, message)


@rule("path-params")
def path_params(ctx: Context) -> Iterator[Finding]:
    """Each `{name}` in a path template is declared as an `in: path` parameter, and vice versa."""
    path_items = {path_item.path: path_item for path_item in ctx.path_items}
    for path_item in ctx.path_items:
        names = _TEMPLATE_PARAM.findall(path_item.path)
        for name in sorted({n for n in names if names.count(n) > 1}):
            message = (
                f"path {path_item.path!r} names {{{name}}} twice, but a parameter has one value"
            )
            yield Finding(path_item.pointer, message)
    for found in ctx.operations:
        path_item = path_items[found.path]
        owners = ((path_item.item, path_item.pointer), (found.operation, found.pointer))
        declared: dict[str, str] = {}
        for owner, where in owners:
            params = owner.get("parameters")
            for i, param in enumerate(params if isinstance(params, list) else []):
                param = ctx.deref(param)
                if isinstance(param, dict) and param.get("in") == "path":
                    declared[str(param.get("name"))] = jp.join(where, "parameters", i)
        in_template = _TEMPLATE_PARAM.findall(found.path)
        label = f"{found.method.upper()} {found.path}"
        for name in dict.fromkeys(in_template):
            if name not in declared:
                message = f"{label}: path parameter {{{name}}} is not declared"
                yield Finding(found.pointer, message)
        for name, where in declared.items():
            if name not in in_template:
                yield Finding(where, f"path parameter {name!r} is not in the path {found.path!r}")


class _SameRoute(NamedTuple):
    """A path template that is the same route as an earlier one (`/x/{id}`, `/x/{item}`)."""

    path: str
    earlier: str
    pointer: str
    shares_method: bool


def _same_routes(ctx: Context) -> Iterator[_SameRoute]:
    seen: dict[str, tuple[str, set[str]]] = {}
    for path_item in ctx.path_items:
        route = _TEMPLATE_PARAM.sub("{}", path_item.path)
        methods = {found.method.upper() for found in item_operations(path_item.item)}
        if route in seen:
            earlier, earlier_methods = seen[route]
            shared = bool(methods & earlier_methods)
            yield _SameRoute(path_item.path, earlier, path_item.pointer, shared)
        else:
            seen[route] = (path_item.path, methods)


@rule("path-templates", relaxed_for_generate=True)
def same_route_templates(ctx: Context) -> Iterator[Finding]:
    """Two templates that differ only in parameter names (`/x/{id}`, `/x/{item}`) and share a
    method are one route: a server cannot tell which operation a request is for."""
    for same in _same_routes(ctx):
        if same.shares_method:
            message = (
                f"path {same.path!r} is the same route as {same.earlier!r}: a server cannot tell"
                " them apart (the generated server answers both with the first; clients call each)"
            )
            yield Finding(same.pointer, message)


@rule("path-template-names", relaxed_for_generate=True)
def same_templates_other_methods(ctx: Context) -> Iterator[Finding]:
    """Templates that differ only in parameter names, with no method in common: OpenAPI forbids
    it, yet a server routes by method."""
    for same in _same_routes(ctx):
        if not same.shares_method:
            message = (
                f"path {same.path!r} differs from {same.earlier!r} only in parameter names, which"
                " OpenAPI forbids (their methods differ, so a server can still route them)"
            )
            yield Finding(same.pointer, message)


@rule("security-schemes", relaxed_for_generate=True)
def security_schemes(ctx: Context) -> Iterator[Finding]:
    """Security requirements name schemes that components/securitySchemes defines."""
    comps = ctx.data.get("components")
    schemes = comps.get("securitySchemes") if isinstance(comps, dict) else None
    defined = set(schemes) if isinstance(schemes, dict) else set()
    places = [("#", ctx.data)] + [(found.pointer, found.operation) for found in ctx.operations]
    for at, owner in places:
        reqs = owner.get("security")
        for i, req in enumerate(reqs if isinstance(reqs, list) else []):
            for name in req if isinstance(req, dict) else {}:
                if name not in defined:
                    where = jp.join(at, "security", i, name)
                    yield Finding(where, f"security scheme {name!r} is not defined")


class _ResponseContent(NamedTuple):
    """A response's `content` (refs followed), with its operation's label (`GET /x`) and code."""

    label: str
    code: str
    pointer: str
    content: dict[str, Any]


def _response_contents(ctx: Context) -> Iterator[_ResponseContent]:
    for found in ctx.operations:
        responses = found.operation.get("responses")
        for code, response in (responses if isinstance(responses, dict) else {}).items():
            response = ctx.deref(response)
            content = response.get("content") if isinstance(response, dict) else None
            label = f"{found.method.upper()} {found.path}"
            where = jp.join(found.pointer, "responses", str(code))
            yield _ResponseContent(
                label, str(code), where, content if isinstance(content, dict) else {}
            )


@rule("error-response-schema", Severity.WARNING, relaxed_for_generate=True)
def error_response_schemas(ctx: Context) -> Iterator[Finding]:
    """Every 4xx/5xx/default response says what its body looks like."""
    for response in _response_contents(ctx):
        code = response.code
        if not (code[:1] in ("4", "5") or code == "default"):
            continue
        if not any(isinstance(m, dict) and "schema" in m for m in response.content.values()):
            message = f"{response.label}: error response {code} has no body schema"
            yield Finding(response.pointer, message, Severity.WARNING)


@rule("sequential-media", Severity.WARNING)
def sequential_media(ctx: Context) -> Iterator[Finding]:
    """3.2's `itemSchema`: what of it becomes a typed stream, and what the generated code skips."""
    for response in _response_contents(ctx):
        label, code = response.label, response.code
        for mime, media in response.content.items():
            media = ctx.deref(media)
            if not isinstance(media, dict) or "itemSchema" not in media:
                continue
            where = jp.join(response.pointer, "content", str(mime), "itemSchema")
            if not is_event_stream(mime):
                message = f"{label} response {code}: `{mime}` items are not streamed by the generated code"
                yield Finding(where, message, Severity.WARNING)
            elif chunk_steps(media, ctx.deref) is None:
                message = (
                    f"{label} response {code}: the events' `data` has no schema (give it a"
                    " `contentSchema`); the stream is not typed"
                )
                yield Finding(where, message, Severity.WARNING)
