"""Bundle + ModelPlan + ModelIndex -> ir.Api. Every naming and typing decision is made here, once."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Container, Mapping
from typing import Any

from apiforge import __version__
from apiforge.codegen import ir
from apiforge.codegen.docs import property_doc, sentence, summary_doc
from apiforge.codegen.nullability import not_null_fields, says_null
from apiforge.codegen.params import ParamsNamer, request_params
from apiforge.document import pointer as jp
from apiforge.document.walk import deref, get_ref, iter_operations
from apiforge.findings.diagnostic import Severity
from apiforge.findings.finding import Finding
from apiforge.models.library import ModelIndex
from apiforge.plan.errors import Refusals
from apiforge.plan.names import (
    ClassName,
    PythonIdentifier,
    collision_message,
    env_prefix,
    unique,
)
from apiforge.plan.names import (
    method_name as spec_method_name,
)
from apiforge.plan.operations import ModelPlan
from apiforge.plan.routes import place, serving_order

_RESERVED_ARGS = {"self", "timeout", "max_retries", "extra_headers", "extra_query", "extra_body"}
# Members of the generated Client/AsyncClient (and of their runtime base) that a method may not
# replace, and names that annotations in the class body read: a method `list` would shadow them.
_ANNOTATION_NAMES = frozenset(
    [
        "Any",
        "Literal",
        "None",
        "bool",
        "bytes",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "object",
        "set",
        "str",
        "tuple",
    ]
)
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
) | (_ANNOTATION_NAMES - {"Any", "Literal", "None"})
_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


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
    info = _obj(doc.get("info"))
    root_security = doc.get("security")
    operations: list[ir.Operation] = []
    located: list[tuple[ir.Operation, str]] = []
    taken_methods: set[str] = set()
    taken_prefixes: set[str] = set()
    refusals = Refusals(doc, _error_envelope(doc, []))  # the envelope's pointers suffice there
    misfits: set[str] = set()  # each refusal warning once: operations share their error schemas
    namer = ParamsNamer(index.classes)
    first_at: dict[str, str] = {}  # method name -> the operation that took it
    for path, method, op, at in iter_operations(doc):
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
            op, at, path, method, method_name, plan, index, root_security, namer
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
        operation, unwritten = _without_unwritten_models(operation, index)
        notes.extend(Finding(at, message, Severity.WARNING, "models") for message in unwritten)
        prefix = unique(
            operation.class_prefix, taken_prefixes
        )  # GetAB2 from get_a_b2 and get_a_b_2
        operations.append(dataclasses.replace(operation, class_prefix=prefix))
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
    op: dict[str, Any],
    at: str,
    path: str,
    method: str,
    method_name: str,
    plan: ModelPlan,
    index: ModelIndex,
    root_security: Any,
    namer: ParamsNamer,
) -> tuple[ir.Operation, list[tuple[str, str]], list[tuple[str, str]]]:
    """The operation, (pointer, message) of what the document leaves it without, and of the
    parameters it ignores."""
    doc = plan.document
    body = _body(op, at, plan, index, namer)
    field_names = {f.arg_name for f in body.fields} if body else set()
    params, single, ignored = _params(op, at, path, doc, field_names)
    placement = place(path, params, single)
    params = placement.params
    if body is not None:
        taken = field_names | {p.name for p in params} | _RESERVED_ARGS
        body = dataclasses.replace(body, arg_name=unique("body", taken))
    success, errors, bodiless = _responses(op, at, plan, index)
    stream, notes = _stream(op, at, plan, body)
    security = op.get("security", root_security)
    requires_auth = isinstance(security, list) and any(
        isinstance(req, dict) and req for req in security
    )
    no_tools = op.get("x-apiforge-models-without-tools")
    prefixes = no_tools.get("prefixes") if isinstance(no_tools, dict) else None
    operation = ir.Operation(
        operation_id=str(op.get("operationId") or method_name),
        method_name=method_name,
        class_prefix=str(ClassName(method_name)),
        http_method=method.upper(),
        path=path,
        summary=_text(op.get("summary") or op.get("description")),
        params=params,
        body=body,
        success=success,
        errors=errors,
        stream=stream,
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


def _params(
    op: dict[str, Any], at: str, path: str, doc: dict[str, Any], field_names: set[str]
) -> tuple[tuple[ir.Param, ...], dict[tuple[str, str], str], list[tuple[str, str]]]:
    """The parameters; (location, wire name) -> the wire text of the only value one allows; and
    (pointer, message) for each header parameter OpenAPI says to ignore."""
    item_at = jp.join("#/paths", path)
    item = get_ref(doc, item_at)
    merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for owner, owner_at in ((item, item_at), (op, at)):
        raw = owner.get("parameters") if isinstance(owner, dict) else None
        for i, param in enumerate(raw if isinstance(raw, list) else []):
            param = deref(param, doc)
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                where = jp.join(owner_at, "parameters", i)
                merged[(str(param.get("in")), param["name"])] = (param, where)
    taken = _RESERVED_ARGS | field_names
    out: list[ir.Param] = []
    single: dict[tuple[str, str], str] = {}
    ignored: list[tuple[str, str]] = []
    for (location, wire), (param, where) in merged.items():
        if location not in ("path", "query", "header", "cookie"):
            continue
        if location == "header" and wire.lower() in _HTTP_OWNED_HEADERS:
            ignored.append((where, _ignored_header(wire)))
            continue
        only = _only_value(param.get("schema"), doc)
        if only is not None:
            single[(location, wire)] = only
        name = unique(str(PythonIdentifier(wire, avoid_builtins=False)), taken)
        required = bool(param.get("required")) or location == "path"
        annotation = schema_annotation(param.get("schema"), doc)
        out.append(
            ir.Param(name, wire, location, annotation, required, _param_doc(param, doc))  # type: ignore[arg-type]
        )
    out.sort(key=lambda p: (not p.required, p.location != "path"))
    return tuple(out), single, ignored


def _param_doc(param: dict[str, Any], doc: dict[str, Any]) -> str:
    """A parameter's description, then its schema's default and constraints."""
    described = sentence(param.get("description"))
    return " ".join(filter(None, [described, property_doc(param.get("schema"), doc)]))


# OpenAPI: a header parameter of one of these names "SHALL be ignored" (HTTP and auth set them)
_HTTP_OWNED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def _ignored_header(wire: str) -> str:
    return (
        f"header parameter {wire!r} is ignored, as OpenAPI says: the client sets {wire} itself"
        " (from the body's media type, the response it reads, or the security scheme)"
    )


def _only_value(schema: Any, doc: dict[str, Any]) -> str | None:
    """The wire text of a parameter schema's one allowed value (`enum: [x]`, `const`), else None."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict):
        return None
    enum = schema.get("enum")
    values = enum if isinstance(enum, list) else [schema["const"]] if "const" in schema else []
    if len(values) != 1 or not isinstance(values[0], str | int | float | bool):
        return None
    value = values[0]
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def schema_annotation(schema: Any, doc: dict[str, Any], depth: int = 0) -> str:
    """A plain Python type for a parameter schema (parameters are simple values on the wire)."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict) or depth > 8:
        return "Any"
    kind = schema.get("type")
    kinds = [k for k in kind if k != "null"] if isinstance(kind, list) else [kind]
    nullable = (isinstance(kind, list) and "null" in kind) or schema.get("nullable") is True
    if len(kinds) != 1:
        return "Any"
    if kinds[0] == "array":
        inner = schema_annotation(schema.get("items"), doc, depth + 1)
        base = f"list[{inner}]"
    else:
        base = _PRIMITIVES.get(str(kinds[0]), "Any")
    return f"{base} | None" if nullable and base != "Any" else base


_ANNOTATION_NODES = (ast.Expression, ast.Subscript, ast.BinOp, ast.BitOr, ast.Tuple, ast.Constant)


def qualified_annotation(annotation: str, classes: Container[str]) -> str:
    """`annotation` with model classes as `models.X`; `Any` if it names anything else unknown."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return "Any"

    def check(node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Name):
            if node.id in classes:
                return ast.Attribute(ast.Name("models", ast.Load()), node.id, ast.Load())
            if node.id in _ANNOTATION_NAMES:
                return node
            raise LookupError(node.id)
        is_literal = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"
        if is_literal:
            return node  # its arguments are values, not names
        if isinstance(node, ast.Constant) and node.value not in (None, Ellipsis):
            raise LookupError(node.value)  # a quoted forward reference
        if not isinstance(node, _ANNOTATION_NODES + (ast.Load,)):
            raise LookupError(type(node).__name__)
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                setattr(node, name, check(value))
            elif isinstance(value, list):
                setattr(node, name, [check(v) if isinstance(v, ast.AST) else v for v in value])
        return node

    try:
        return ast.unparse(check(tree))
    except LookupError:
        return "Any"


def _body(
    op: dict[str, Any], at: str, plan: ModelPlan, index: ModelIndex, namer: ParamsNamer
) -> ir.Body | None:
    doc = plan.document
    body = deref(op.get("requestBody"), doc)
    if not isinstance(body, dict):
        return None
    content = _obj(body.get("content"))
    for mime in content:
        pointer = jp.join(at, "requestBody", "content", mime)
        model = plan.entry_classes.get(pointer)
        if model is None or model not in index.classes:
            continue
        schema = deref(get_ref(doc, jp.join("#/components/schemas", model)), doc)
        model = _variant(model, "Request", schema, index)
        cls = index.classes[model]
        schema = schema if isinstance(schema, dict) else {}
        unknown: ir.UnknownProperties = (
            "reject" if schema.get("additionalProperties") is False else "allow"
        )
        if schema.get("x-apiforge-unknown-properties") in ("ignore", "reject"):
            unknown = schema["x-apiforge-unknown-properties"]
        ignored = schema.get("x-apiforge-ignored-parameters")
        taken_args = set(_RESERVED_ARGS)
        props = _obj(schema.get("properties"))
        fields = tuple(
            ir.Field(
                f.name,
                f.wire_name,
                f.annotation,
                f.required,
                qualified_annotation(f.annotation, index.classes),
                arg_name=unique(f"{f.name}_" if f.name in _RESERVED_ARGS else f.name, taken_args),
                param_annotation=namer.annotation(f.annotation, "params."),
                description=property_doc(props.get(f.wire_name), doc),
            )
            for f in cls.fields
        )
        return ir.Body(
            params_type=None if cls.is_root else namer.name(model),
            model=model,
            content_type=str(mime),
            required=bool(body.get("required")),
            fields=() if cls.is_root else fields,
            unknown_properties=unknown,
            ignored_parameters=tuple(str(p) for p in ignored or [] if isinstance(p, str)),
            nullable=says_null(_obj(deref(content[mime], doc)).get("schema"), doc),
        )
    return None


def _responses(
    op: dict[str, Any], at: str, plan: ModelPlan, index: ModelIndex
) -> tuple[ir.Response | None, tuple[ir.Response, ...], tuple[int, ...]]:
    """The 2xx answer a client parses, the error responses, and the 2xx statuses without a body."""
    doc = plan.document
    responses = _obj(op.get("responses"))
    successes: list[ir.Response] = []
    errors: list[ir.Response] = []
    event_streams = {event.pointer for event in plan.event_streams.get(at, ())}
    for status, response in responses.items():
        status = str(status)
        response = deref(response, doc)
        if not isinstance(response, dict):
            continue
        model = None
        content = _obj(response.get("content"))
        for mime in content:
            where = jp.join(at, "responses", status, "content", mime)
            if where in event_streams:
                continue
            model = plan.entry_classes.get(where)
            if model:
                schema = deref(get_ref(doc, jp.join("#/components/schemas", model)), doc)
                model = _variant(model, "Response", schema, index)
                break
        code = int(status) if status.isdigit() else None
        entry = ir.Response(status, code, model, _text(response.get("description")))
        if status.startswith("2"):
            successes.append(entry)
        elif status[:1] in "45" or status == "default":
            errors.append(entry)
    # the answer a client parses: the first 2xx with a body (Azure's delete: 200 none, 202 one)
    success = next((r for r in successes if r.model), successes[0] if successes else None)
    bodiless = tuple(
        r.status_code
        for r in successes
        if success and success.model and not r.model and r.status_code
    )
    return success, tuple(errors), bodiless


def _stream(
    op: dict[str, Any], at: str, plan: ModelPlan, body: ir.Body | None
) -> tuple[ir.Stream | None, list[tuple[str, str]]]:
    """The streamed variant of an operation: its first 2xx event stream, turned on by a boolean
    request property; and (pointer, message) of each way the document leaves it in doubt."""
    events = plan.event_streams.get(at, ())
    notes = [(jp.join(e.pointer, "schema"), e.doubt) for e in events if e.doubt]
    event = next((e for e in events if e.status.startswith("2")), None)
    ext = op.get("x-apiforge-stream")
    flag = str(_obj(ext).get("flag") or "stream")
    field = next((f for f in body.fields if f.wire_name == flag), None) if body else None
    values = _flag_values(field)
    can_stream = True in values  # `stream: false` only (Literal[False]) never asks
    asked = "x-apiforge-stream asks" if ext is not None else f"the request's `{flag}` flag asks"
    if event is None:
        if ext is not None or can_stream:
            notes.append(
                (
                    at,
                    f"{asked} for an event stream, but no 2xx response is `text/event-stream`: the"
                    f" client does not stream, and `{flag}: true` gets an answer it cannot read;"
                    " describe the stream as a text/event-stream response with the chunk's schema",
                )
            )
        return None, notes
    if event.chunk is None:
        return None, notes  # untyped events: lint's sequential-media says so for 3.2
    if field is None or not can_stream:
        if ext is not None:
            notes.append(
                (
                    at,
                    f"{asked} for an event stream, but the request body has no boolean `{flag}`: the"
                    " client does not stream",
                )
            )
        return None, notes
    include = _obj(ext).get("include-usage")
    return ir.Stream(
        flag=flag,
        flag_field=field.name,
        chunk_model=event.chunk,
        done=str(_obj(ext).get("done") or event.sentinel or "[DONE]"),
        include_usage=str(include) if isinstance(include, str) else None,
        always=values == {True},
        flag_nullable=field.annotation != field.annotation.removesuffix(" | None"),
    ), notes


_FLAG_VALUES = {
    "bool": frozenset({True, False}),
    "StrictBool": frozenset({True, False}),
    "Literal[True]": frozenset({True}),
    "Literal[False]": frozenset({False}),
    "Literal[True, False]": frozenset({True, False}),
    "Literal[False, True]": frozenset({True, False}),
}


def _flag_values(field: ir.Field | None) -> frozenset[bool]:
    """What a stream flag may be, as the model class types it (`enum: [true]` is Literal[True]);
    empty for a property that is no boolean (a stream's name, say)."""
    if field is None:
        return frozenset()
    annotation = field.annotation.removesuffix(" | None").removeprefix("None | ")
    return _FLAG_VALUES.get(annotation, frozenset())


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
    comps = _obj(doc.get("components"))
    schemes = _obj(comps.get("securitySchemes"))
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


def _variant(model: str, role: str, schema: Any, index: ModelIndex) -> str:
    """`CatRequest` for a body whose schema has readOnly/writeOnly fields (`CatResponse` back)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    marked = isinstance(props, dict) and any(
        isinstance(p, dict) and (p.get("readOnly") or p.get("writeOnly")) for p in props.values()
    )
    return f"{model}{role}" if marked and f"{model}{role}" in index.classes else model


def _without_unwritten_models(
    op: ir.Operation, index: ModelIndex
) -> tuple[ir.Operation, list[str]]:
    """The operation without response or chunk classes the model generator did not write (it
    folds some unions away: seen in intellifi.nl's document), and a note for each: such a
    response comes back as its JSON, such a stream is left out, and the package still imports."""
    notes: list[str] = []

    def written(response: ir.Response | None) -> ir.Response | None:
        if response is None or response.model is None or response.model in index.classes:
            return response
        notes.append(
            f"the model generator wrote no class {response.model!r} for the {response.status} "
            "response; the client returns its JSON as it comes"
        )
        return dataclasses.replace(response, model=None)

    stream = op.stream
    if stream is not None and stream.chunk_model not in index.classes:
        notes.append(
            f"the model generator wrote no class {stream.chunk_model!r} for the event stream's "
            "chunks; the client does not stream this operation"
        )
        stream = None
    errors = tuple(r for r in (written(e) for e in op.errors) if r is not None)
    changed = dataclasses.replace(op, success=written(op.success), errors=errors, stream=stream)
    return changed, notes


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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
    "qualified_annotation",
    "schema_annotation",
    "Severity",
]
