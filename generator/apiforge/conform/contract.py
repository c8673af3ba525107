"""Bundle -> Contract: what each operation promises on the wire, read once from the spec.

The stream's chunk schema comes from `event_stream` (3.2 `itemSchema`, the pre-3.2 readings), the
envelope and security from the decisions the generator makes (`build_ir`), the refusal status from
`error_shapes`, media types from `media_types`; schemas are judged as JSON Schema 2020-12
(`json_schema`, per direction), the yardstick the fidelity bench uses.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apiforge.codegen import ir
from apiforge.codegen.build import document_error_envelope, document_security
from apiforge.codegen.messages import unknown_properties
from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.event_streams import follow_steps, read_chunk, sentinel
from apiforge.document.json_schema import Direction, to_json_schema
from apiforge.document.media import is_event_stream, is_json
from apiforge.document.patterns import linear_validator
from apiforge.document.values import as_object
from apiforge.document.walk import deref, iter_operations
from apiforge.plan.errors import Refusals
from apiforge.plan.operations import DEFAULT_DONE

__all__ = ["Contract", "OperationContract", "ResponseContract", "Schema", "StreamContract", "read"]


@dataclass(frozen=True)
class Schema:
    """One schema of the spec as a validator, and where it is written (a bundled pointer)."""

    pointer: str
    json_schema: Any
    validator: Any = field(repr=False, compare=False)

    def problem(self, instance: Any) -> str | None:
        """The most telling reason `instance` is refused, with where in it; None when valid."""
        from jsonschema.exceptions import best_match

        try:
            error = best_match(self.validator.iter_errors(instance))
        except Exception:  # a schema jsonschema cannot apply: not ours to judge
            return None
        if error is None:
            return None
        where = "".join(f"/{jp.escape(str(p))}" for p in error.absolute_path) or "/"
        return f"at {where}: {error.message[:300]}"

    def properties(self) -> dict[str, Any]:
        """The top-level properties the schema declares (after a root `$ref`)."""
        node = self.json_schema
        if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            node = node.get("$defs", {}).get(jp.unescape(name), {})
        props = node.get("properties") if isinstance(node, Mapping) else None
        return dict(props) if isinstance(props, Mapping) else {}

    def required(self) -> list[str]:
        node = self.json_schema
        if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            node = node.get("$defs", {}).get(jp.unescape(name), {})
        req = node.get("required") if isinstance(node, Mapping) else None
        return [str(r) for r in req] if isinstance(req, list) else []


@dataclass(frozen=True)
class StreamContract:
    flag: str  # the request property that turns streaming on
    done: str  # the sentinel's `data`
    include_usage: str | None  # JSON pointer into the request asking for a final usage chunk
    chunk: Schema | None  # None: untyped events
    pointer: str  # of the media type object


@dataclass(frozen=True)
class ResponseContract:
    key: str  # "200", "4XX", "default"
    pointer: str
    json: Schema | None  # the schema of its JSON body
    json_types: tuple[str, ...]  # its documented JSON-like media types
    stream: bool  # it documents text/event-stream
    required_headers: tuple[str, ...]


@dataclass(frozen=True)
class OperationContract:
    operation_id: str
    method: str  # upper case
    path: str
    pointer: str
    request: Schema | None
    request_required: bool
    responses: tuple[ResponseContract, ...]
    stream: StreamContract | None
    requires_auth: bool
    unknown_properties: str  # "ignore", "reject" or "allow"
    models_without_tools: tuple[str, ...]
    refusal_status: int
    requests_per_second: float | None
    params: tuple[tuple[str, str, bool, Any], ...]  # (name, in, required, schema)

    def response(self, status: int) -> ResponseContract | None:
        """The documented response for a status: exact, its range (`4XX`), else `default`."""
        by_key = {r.key.upper(): r for r in self.responses}
        return by_key.get(str(status)) or by_key.get(f"{status // 100}XX") or by_key.get("DEFAULT")


@dataclass(frozen=True)
class Contract:
    bundle: Bundle
    operations: tuple[OperationContract, ...]
    envelope: ir.ErrorEnvelope
    security: ir.Security | None


def read(bundle: Bundle) -> Contract:
    doc = bundle.data
    envelope = document_error_envelope(doc)
    refusals = Refusals(doc, envelope)
    root_security = doc.get("security")
    operations = []
    for path, method, op, at in iter_operations(doc):
        security = op.get("security", root_security)
        requires_auth = isinstance(security, list) and any(
            isinstance(req, dict) and req for req in security
        )
        request, required, unknown = _request(bundle, op, at)
        no_tools = as_object(op.get("x-apiforge-models-without-tools")).get("prefixes")
        rate = as_object(op.get("x-apiforge-rate-limit")).get("requests-per-second")
        operations.append(
            OperationContract(
                operation_id=str(op.get("operationId") or f"{method.upper()} {path}"),
                method=method.upper(),
                path=path,
                pointer=at,
                request=request,
                request_required=required,
                responses=_responses(bundle, op, at),
                stream=_stream(bundle, op, at, request),
                requires_auth=requires_auth,
                unknown_properties=unknown,
                models_without_tools=tuple(p for p in no_tools or [] if isinstance(p, str)),
                refusal_status=refusals.of(op)[0].status,
                requests_per_second=float(rate) if rate is not None and _positive(rate) else None,
                params=_params(bundle, op),
            )
        )
    return Contract(bundle, tuple(operations), envelope, document_security(doc))


def schema_at(bundle: Bundle, node: Any, pointer: str, direction: Direction) -> Schema | None:
    """The node at `pointer` as a Schema located where it is written (a `$ref`'s target)."""
    from jsonschema import Draft202012Validator

    ref = node.get("$ref") if isinstance(node, Mapping) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        pointer = ref
    try:
        converted = to_json_schema(bundle.data, node, direction)
        validator = linear_validator(Draft202012Validator)(converted)
        validator.is_valid(None)
    except Exception:  # a schema that cannot stand alone: left unjudged
        return None
    return Schema(pointer, converted, validator)


def _request(bundle: Bundle, op: Mapping[str, Any], at: str) -> tuple[Schema | None, bool, str]:
    body = deref(op.get("requestBody"), bundle.data)
    content = as_object(as_object(body).get("content"))
    for mime, media in content.items():
        media = deref(media, bundle.data)
        if is_json(mime) and isinstance(media, Mapping) and "schema" in media:
            where = jp.join(at, "requestBody", "content", mime, "schema")
            schema = schema_at(bundle, media["schema"], where, "request")
            unknown = unknown_properties(deref(media["schema"], bundle.data))
            return schema, bool(as_object(body).get("required")), unknown
    return None, False, "allow"


def _responses(bundle: Bundle, op: Mapping[str, Any], at: str) -> tuple[ResponseContract, ...]:
    out = []
    for key, response in as_object(op.get("responses")).items():
        response = as_object(deref(response, bundle.data))
        where = jp.join(at, "responses", str(key))
        content = as_object(response.get("content"))
        schema, json_types, stream = None, [], False
        for mime, media in content.items():
            media = as_object(deref(media, bundle.data))
            if is_event_stream(mime):
                stream = True
            elif is_json(mime):
                json_types.append(str(mime))
                if schema is None and "schema" in media:
                    pointer = jp.join(where, "content", mime, "schema")
                    schema = schema_at(bundle, media["schema"], pointer, "response")
        headers = tuple(
            str(name)
            for name, header in as_object(response.get("headers")).items()
            if as_object(deref(header, bundle.data)).get("required") is True
        )
        out.append(ResponseContract(str(key), where, schema, tuple(json_types), stream, headers))
    return tuple(out)


def _stream(
    bundle: Bundle, op: Mapping[str, Any], at: str, request: Schema | None
) -> StreamContract | None:
    """The first 2xx event stream, turned on by a boolean request flag (as build_ir reads it)."""
    ext = as_object(op.get("x-apiforge-stream"))
    flag = str(ext.get("flag") or "stream")
    if request is None or flag not in request.properties():
        return None
    follow = functools.partial(deref, doc=bundle.data)
    for key, response in as_object(op.get("responses")).items():
        if not str(key).startswith("2"):
            continue
        content = as_object(as_object(deref(response, bundle.data)).get("content"))
        for mime, media in content.items():
            if not is_event_stream(mime):
                continue
            media = deref(media, bundle.data)
            where = jp.join(at, "responses", str(key), "content", mime)
            reading = read_chunk(media, follow)
            chunk = None
            if reading.steps is not None:
                node = follow_steps(media, reading.steps, follow)
                chunk = schema_at(bundle, node, where, "response")
            include = ext.get("include-usage")
            return StreamContract(
                flag=flag,
                done=str(ext.get("done") or sentinel(media, op) or DEFAULT_DONE),
                include_usage=include if isinstance(include, str) else None,
                chunk=chunk,
                pointer=where,
            )
    return None


def _params(bundle: Bundle, op: Mapping[str, Any]) -> tuple[tuple[str, str, bool, Any], ...]:
    out = []
    for param in op.get("parameters") or []:
        param = as_object(deref(param, bundle.data))
        if isinstance(param.get("name"), str) and param.get("in") in ("path", "query", "header"):
            required = bool(param.get("required")) or param["in"] == "path"
            out.append((param["name"], str(param["in"]), required, param.get("schema")))
    return tuple(out)


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0
