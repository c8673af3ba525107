"""ModelPlan + ModelIndex -> ir.Api: each OperationPlan named, typed and placed; the API-wide settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from apiforge import __version__
from apiforge.codegen import ir
from apiforge.codegen.annotations import ANNOTATION_NAMES
from apiforge.codegen.docs import summary_doc
from apiforge.codegen.messages import request_body, responses, stream, without_unwritten_models
from apiforge.codegen.nullability import not_null_fields
from apiforge.codegen.parameters import operation_params
from apiforge.codegen.params import ParamsNamer, request_params
from apiforge.codegen.signatures import client_method, handler_returns
from apiforge.document import pointer as jp
from apiforge.document.values import as_object
from apiforge.document.walk import deref, iter_operations
from apiforge.findings.diagnostic import Severity
from apiforge.findings.finding import Finding
from apiforge.models.index import ModelIndex
from apiforge.plan.errors import Refusals
from apiforge.plan.names import (
    ClassName,
    collision_message,
    env_prefix,
    unique,
)
from apiforge.plan.names import (
    method_name as spec_method_name,
)
from apiforge.plan.operations import ModelPlan, OperationPlan
from apiforge.plan.routes import place, serving_order

_RESERVED_ARGS = {"self", "timeout", "max_retries", "extra_headers", "extra_query", "extra_body"}
# Members of the generated Client/AsyncClient (and of their runtime base) that a method may not
# replace, and names that annotations in the class body read: a method `list` would shadow them.
CLIENT_MEMBERS = frozenset(
    [
        "aclose",
        "api_key",
        "auth",
        "base_url",
        "clock",
        "close",
        "default_headers",
        "error_message_pointers",
        "error_parser",
        "max_retries",
        "rand",
        "request",
        "retry_policy",
        "sleep",
        "stream",
        "params",
        "strict_response_validation",
        "idempotency_header",
        "idempotency_key",
        "timeout",
        "with_raw_response",
        "with_streaming_response",
        "models",
        "httpx",
        "type",
        "overload",  # the class body calls typing.overload: a method of that name would shadow it
    ]
) | (ANNOTATION_NAMES - {"Any", "Literal", "None"})


def build_api(
    plan: ModelPlan,
    index: ModelIndex,
    *,
    package: str,
    spec_file: str,
    renames: Mapping[str, str] | None = None,
) -> tuple[ir.Api, list[Finding]]:
    """The IR of one spec and its warnings, at the pointers they concern; `renames` maps an
    operationId (or `METHOD /path`) to its method name, as `[tool.apiforge.names]` does for a spec
    a team does not own."""
    doc = plan.document
    notes: list[Finding] = []
    info = as_object(doc.get("info"))
    root_security = doc.get("security")
    operations: list[ir.Operation] = []
    located: list[tuple[ir.Operation, str]] = []
    taken_methods: set[str] = set()
    taken_prefixes: set[str] = set()
    refusals = Refusals(doc, _error_envelope(doc, []))  # the envelope's pointers suffice there
    misfits: set[str] = set()  # each refusal warning once: operations share their error schemas
    namer = ParamsNamer(index.classes)
    first_at: dict[str, str] = {}  # method name -> the operation that took it
    for planned in plan.operations:
        path, method, op, at = planned.path, planned.method, planned.operation, planned.pointer
        name = spec_method_name(op, method, path, renames)
        if name in CLIENT_MEMBERS:
            name += "_"
        method_name = unique(name, taken_methods | _RESERVED_ARGS)
        taken_methods.add(method_name)
        if method_name != name and name in first_at:
            message = collision_message(name, method_name, first_at[name])
            notes.append(Finding(at, message, Severity.WARNING, "names"))
        first_at.setdefault(name, at)
        operation, said, ignored = _operation(
            planned, method_name, doc, index, root_security, namer
        )
        notes.extend(Finding(where, message, Severity.WARNING, "stream") for where, message in said)
        notes.extend(
            Finding(where, message, Severity.WARNING, "parameters") for where, message in ignored
        )
        refused, key, warning = refusals.of(op)
        if key is not None and warning is not None and warning not in misfits:
            misfits.add(warning)
            where = jp.join(at, "responses", key)
            notes.append(Finding(where, warning, Severity.WARNING, "refusal"))
        operation = dataclasses.replace(operation, refusal=refused)
        operation, unwritten = without_unwritten_models(operation, index)
        notes.extend(Finding(at, message, Severity.WARNING, "models") for message in unwritten)
        prefix = unique(
            operation.class_prefix, taken_prefixes
        )  # GetAB2 from get_a_b2 and get_a_b_2
        operations.append(
            dataclasses.replace(
                operation,
                class_prefix=prefix,
                client=client_method(operation),
                handler_returns=handler_returns(operation),
            )
        )
        located.append((operations[-1], at))
    served, unreachable = serving_order(located)
    notes.extend(
        Finding(where, message, Severity.WARNING, "path-templates")
        for where, message in unreachable
    )
    api = ir.Api(
        package=package,
        title=str(info.get("title") or package),
        version=str(info.get("version") or ""),
        spec_file=spec_file,
        generator_version=__version__,
        base_url=_base_url(doc),
        env_prefix=env_prefix(package),
        operations=tuple(operations),
        security=_security(doc),
        error_envelope=_error_envelope(doc, operations),
        models=tuple(sorted(index.classes)),
        not_null=not_null_fields(doc, index, [op.body.model for op in operations if op.body]),
        merge_chunks=next(
            (
                ir.MergeChunks(op.method_name, op.stream.chunk_model, op.success.model)
                for op in operations
                if op.stream and op.success and op.success.model
            ),
            None,
        ),
        served=served,
        params=request_params(namer, index),
        idempotency_header=_idempotency_header(doc),
    )
    return api, notes


def _idempotency_header(doc: dict[str, Any]) -> str | None:
    """The header `x-apiforge-idempotency-header` names; none (no key sent) unless it names one."""
    name = doc.get("x-apiforge-idempotency-header")
    ok = isinstance(name, str) and name.isascii() and name.replace("-", "").isalnum()
    return str(name) if ok else None


def _operation(
    planned: OperationPlan,
    method_name: str,
    doc: dict[str, Any],
    index: ModelIndex,
    root_security: Any,
    namer: ParamsNamer,
) -> tuple[ir.Operation, list[tuple[str, str]], list[tuple[str, str]]]:
    """The operation, (pointer, message) of what the document leaves it without, and of the
    parameters it ignores."""
    op, path = planned.operation, planned.path
    body = request_body(planned.request, doc, index, namer, _RESERVED_ARGS)
    field_names = {f.arg_name for f in body.fields} if body else set()
    taken = _RESERVED_ARGS | field_names
    params, single, ignored = operation_params(op, planned.pointer, path, doc, taken)
    placement = place(path, params, single)
    params = placement.params
    if body is not None:
        taken = field_names | {p.name for p in params} | _RESERVED_ARGS
        body = dataclasses.replace(body, arg_name=unique("body", taken))
    success, errors, bodiless = responses(planned, doc, index)
    streamed, notes = stream(planned, body)
    security = op.get("security", root_security)
    requires_auth = isinstance(security, list) and any(
        isinstance(req, dict) and req for req in security
    )
    prefixes = as_object(op.get("x-apiforge-models-without-tools")).get("prefixes")
    operation = ir.Operation(
        operation_id=str(op.get("operationId") or method_name),
        method_name=method_name,
        class_prefix=str(ClassName(method_name)),
        http_method=planned.method.upper(),
        path=path,
        summary=_text(op.get("summary") or op.get("description")),
        params=params,
        body=body,
        success=success,
        errors=errors,
        stream=streamed,
        requires_auth=requires_auth,
        models_without_tools=tuple(str(p) for p in prefixes or [] if isinstance(p, str)),
        rate_limit=_rate_limit(op.get("x-apiforge-rate-limit")),
        route=placement.route,
        selector=placement.selector,
        fixed_query=placement.fixed_query,
        doc=summary_doc(op.get("summary"), op.get("description")),
        bodiless_2xx=bodiless,
    )
    return operation, notes, ignored


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def _rate_limit(ext: Any) -> ir.RateLimit | None:
    if not isinstance(ext, dict):
        return None
    rps = ext.get("requests-per-second")
    if not isinstance(rps, int | float) or isinstance(rps, bool) or rps <= 0:
        return None
    retry = ext.get("retry-after-seconds", 1)
    retry = retry if isinstance(retry, int) and not isinstance(retry, bool) and retry > 0 else 1
    return ir.RateLimit(float(rps), retry)


def _security(doc: dict[str, Any]) -> ir.Security | None:
    schemes = as_object(as_object(doc.get("components")).get("securitySchemes"))
    wanted: list[str] = []
    for req in doc.get("security") or []:
        wanted.extend(req if isinstance(req, dict) else [])
    for _path, _method, op, _at in iter_operations(doc):
        for req in op.get("security") or []:
            wanted.extend(req if isinstance(req, dict) else [])
    for name in [*wanted, *schemes]:
        scheme = deref(schemes.get(name), doc)
        if not isinstance(scheme, dict):
            continue
        kind, where = scheme.get("type"), scheme.get("in")
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return ir.Security(name, "bearer", "Authorization")
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            return ir.Security(name, "basic", "Authorization")
        if (
            kind == "apiKey"
            and where in ("header", "query")
            and isinstance(scheme.get("name"), str)
        ):
            return ir.Security(name, where, scheme["name"])
    return None


def _error_envelope(doc: dict[str, Any], operations: list[ir.Operation]) -> ir.ErrorEnvelope:
    model = next((e.model for op in operations for e in op.errors if e.model), None)
    ext = doc.get("x-apiforge-error-envelope")
    message = ext.get("message") if isinstance(ext, dict) else None
    if isinstance(ext, dict) and isinstance(message, str) and message.startswith("/"):

        def pointer(key: str) -> str | None:
            value = ext.get(key)
            return value if isinstance(value, str) and value.startswith("/") else None

        return ir.ErrorEnvelope(model, message, pointer("status"), pointer("type"), pointer("code"))
    return ir.ErrorEnvelope(model, "/error/message", None, "/error/type", "/error/code")


def _base_url(doc: dict[str, Any]) -> str:
    servers = doc.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        url = servers[0].get("url")
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            variables = servers[0].get("variables")
            for key, var in (variables if isinstance(variables, dict) else {}).items():
                default = var.get("default") if isinstance(var, dict) else None
                url = url.replace("{" + str(key) + "}", str(default if default is not None else ""))
            return url.rstrip("/")
    return "http://127.0.0.1:8000"


def document_security(doc: dict[str, Any]) -> ir.Security | None:
    """The scheme the generated code sends credentials with (what `conform` sends them with)."""
    return _security(doc)


def document_error_envelope(doc: dict[str, Any]) -> ir.ErrorEnvelope:
    """The dialect's error envelope as pointers (what `conform` reads errors with)."""
    return _error_envelope(doc, [])


__all__ = [
    "CLIENT_MEMBERS",
    "build_api",
    "document_error_envelope",
    "document_security",
    "Severity",
]
