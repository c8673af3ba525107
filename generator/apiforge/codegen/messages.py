"""An operation's request body, responses and stream as IR: what its OperationPlan filed, typed
with the classes the model generator wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Set
from typing import Any

from apiforge.codegen import ir
from apiforge.codegen.annotations import qualified_annotation
from apiforge.codegen.docs import property_doc
from apiforge.codegen.nullability import read_or_write_only, says_null
from apiforge.codegen.params import ParamsNamer
from apiforge.document import pointer as jp
from apiforge.document.values import as_object
from apiforge.document.walk import deref, get_ref
from apiforge.models.index import ModelIndex
from apiforge.plan.names import unique
from apiforge.plan.operations import OperationPlan, RequestPlan, ResponsePlan

__all__ = ["request_body", "responses", "stream", "unknown_properties", "without_unwritten_models"]

Notes = list[tuple[str, str]]  # (pointer, message) of each warning


def unknown_properties(schema: Any) -> ir.UnknownProperties:
    """What the server does with properties a request body's schema does not declare."""
    schema = as_object(schema)
    unknown: ir.UnknownProperties = (
        "reject" if schema.get("additionalProperties") is False else "allow"
    )
    if schema.get("x-apiforge-unknown-properties") in ("ignore", "reject"):
        unknown = schema["x-apiforge-unknown-properties"]
    return unknown


def request_body(
    request: RequestPlan | None,
    doc: dict[str, Any],
    index: ModelIndex,
    namer: ParamsNamer,
    reserved: Set[str],
) -> ir.Body | None:
    """The first body whose class was written; its fields as keyword arguments apart from `reserved`."""
    if request is None:
        return None
    for content in request.contents:
        if content.model is None or content.model not in index.classes:
            continue
        schema = as_object(_class_schema(content.model, doc))
        model = _variant(content.model, "Request", schema, doc, index)
        cls = index.classes[model]
        taken_args = set(reserved)
        props = as_object(schema.get("properties"))
        fields = tuple(
            ir.Field(
                f.name,
                f.wire_name,
                f.annotation,
                f.required,
                qualified_annotation(f.annotation, index.classes),
                arg_name=unique(f"{f.name}_" if f.name in reserved else f.name, taken_args),
                param_annotation=namer.annotation(f.annotation, "params."),
                description=property_doc(props.get(f.wire_name), doc),
            )
            for f in cls.fields
        )
        ignored = schema.get("x-apiforge-ignored-parameters")
        return ir.Body(
            params_type=None if cls.is_root else namer.name(model),
            model=model,
            content_type=content.media_type,
            required=request.required,
            fields=() if cls.is_root else fields,
            unknown_properties=unknown_properties(schema),
            ignored_parameters=tuple(str(p) for p in ignored or [] if isinstance(p, str)),
            nullable=says_null(content.schema, doc),
        )
    return None


def responses(
    planned: OperationPlan, doc: dict[str, Any], index: ModelIndex
) -> tuple[ir.Response | None, tuple[ir.Response, ...], tuple[int, ...]]:
    """The 2xx answer a client parses, the error responses, and the 2xx statuses without a body."""
    successes = [_response(r, doc, index) for r in planned.successes]
    # the answer a client parses: the first 2xx with a body (Azure's delete: 200 none, 202 one)
    success = next((r for r in successes if r.model), successes[0] if successes else None)
    bodiless = tuple(
        r.status_code
        for r in successes
        if success and success.model and not r.model and r.status_code
    )
    return success, tuple(_response(r, doc, index) for r in planned.errors), bodiless


def _response(planned: ResponsePlan, doc: dict[str, Any], index: ModelIndex) -> ir.Response:
    model = planned.model
    if model is not None:
        model = _variant(model, "Response", _class_schema(model, doc), doc, index)
    code = int(planned.status) if planned.status.isdigit() else None
    return ir.Response(planned.status, code, model, " ".join(planned.description.split()))


def stream(planned: OperationPlan, body: ir.Body | None) -> tuple[ir.Stream | None, Notes]:
    """The streamed variant of an operation: its first 2xx event stream, turned on by a boolean
    request property; and (pointer, message) of each way the document leaves it in doubt."""
    notes = [(jp.join(e.pointer, "schema"), e.doubt) for e in planned.event_streams if e.doubt]
    asked, event = planned.stream, planned.stream.response
    flag = asked.flag
    field = next((f for f in body.fields if f.wire_name == flag), None) if body else None
    values = _flag_values(field)
    can_stream = True in values  # `stream: false` only (Literal[False]) never asks
    who = "x-apiforge-stream asks" if asked.declared else f"the request's `{flag}` flag asks"
    if event is None:
        if asked.declared or can_stream:
            notes.append(
                (
                    planned.pointer,
                    f"{who} for an event stream, but no 2xx response is `text/event-stream`: the"
                    f" client does not stream, and `{flag}: true` gets an answer it cannot read;"
                    " describe the stream as a text/event-stream response with the chunk's schema",
                )
            )
        return None, notes
    if event.chunk is None:
        return None, notes  # untyped events: lint's sequential-media says so for 3.2
    if field is None or not can_stream:
        if asked.declared:
            notes.append(
                (
                    planned.pointer,
                    f"{who} for an event stream, but the request body has no boolean `{flag}`: the"
                    " client does not stream",
                )
            )
        return None, notes
    return ir.Stream(
        flag=flag,
        flag_field=field.name,
        flag_arg=field.arg_name,
        chunk_model=event.chunk,
        done=asked.done,
        include_usage=asked.include_usage,
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


def _class_schema(model: str, doc: dict[str, Any]) -> Any:
    """The component schema a filed class was made from."""
    return deref(get_ref(doc, jp.join("#/components/schemas", model)), doc)


def _variant(model: str, role: str, schema: Any, doc: dict[str, Any], index: ModelIndex) -> str:
    """`CatRequest` for a body whose schema has readOnly/writeOnly fields (`CatResponse` back),
    marked beside a property or in the schema its `$ref` names (apideck's `id: {$ref: Id}`)."""
    props = as_object(schema).get("properties")
    marked = isinstance(props, dict) and any(read_or_write_only(p, doc) for p in props.values())
    return f"{model}{role}" if marked and f"{model}{role}" in index.classes else model


def without_unwritten_models(op: ir.Operation, index: ModelIndex) -> tuple[ir.Operation, list[str]]:
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
