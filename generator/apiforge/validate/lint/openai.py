"""OpenAI-compatible APIs: streams that clients can read, chunks they can merge, errors they can parse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.media import is_event_stream, is_json
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, at, rule


def _properties(ctx: Context, schema: Any, depth: int = 0) -> dict[str, Any]:
    """A schema's properties, through refs and allOf parts (bounded: refs may loop)."""
    schema = ctx.deref(schema)
    if not isinstance(schema, dict) or depth > 16:
        return {}
    found = dict(schema["properties"]) if isinstance(schema.get("properties"), dict) else {}
    parts = schema.get("allOf")
    for part in parts if isinstance(parts, list) else []:
        found = {**_properties(ctx, part, depth + 1), **found}
    return found


def _json_schema(ctx: Context, holder: Any) -> Any:
    """The schema of a request body's or response's first JSON media type."""
    content = ctx.deref(holder).get("content") if isinstance(ctx.deref(holder), dict) else None
    for mime, media in content.items() if isinstance(content, dict) else ():
        media = ctx.deref(media)
        if is_json(mime) and isinstance(media, dict) and "schema" in media:
            return media["schema"]
    return None


@rule("stream-response", Severity.WARNING, said_by_generate=True)
def stream_response(ctx: Context) -> Iterator[Finding]:
    """A request's boolean `stream` flag (or `x-apiforge-stream`) has a 2xx text/event-stream
    response to answer it: otherwise the generated client cannot read `stream: true`'s answer."""
    for found in ctx.operations:
        op = found.operation
        ext = op.get("x-apiforge-stream")
        flag = str(ext.get("flag") or "stream") if isinstance(ext, dict) else "stream"
        prop = ctx.deref(_properties(ctx, _json_schema(ctx, op.get("requestBody"))).get(flag))
        asks = ext is not None or (
            isinstance(prop, dict) and prop.get("type") == "boolean" and prop.get("enum") != [False]
        )
        if not asks:
            continue
        responses = op.get("responses")
        streams = any(
            str(code).startswith("2") and is_event_stream(mime)
            for code, response in (responses.items() if isinstance(responses, dict) else ())
            for mime in _content(ctx, response)
        )
        if not streams:
            message = (
                f"{found.method.upper()} {found.path}: the request's `{flag}` flag asks for an event"
                " stream, but no 2xx response is `text/event-stream`; the generated client does not"
                " stream"
            )
            yield Finding(found.pointer, message)


def _content(ctx: Context, response: Any) -> list[str]:
    response = ctx.deref(response)
    content = response.get("content") if isinstance(response, dict) else None
    return [str(m) for m in content] if isinstance(content, dict) else []


@rule("stream-tool-calls-index", Severity.WARNING)
def stream_tool_calls_index(ctx: Context) -> Iterator[Finding]:
    """A stream chunk's `delta.tool_calls` items have an `index`: the client merges the pieces
    of one call by it."""
    for tokens, node in ctx.schemas:
        props = node.get("properties")
        delta = props.get("delta") if isinstance(props, dict) else None
        if delta is None:
            continue
        calls = ctx.deref(_properties(ctx, delta).get("tool_calls"))
        items = calls.get("items") if isinstance(calls, dict) else None
        if items is not None and "index" not in _properties(ctx, items):
            yield Finding(
                at(tokens, "properties", "delta"),
                "stream chunk's delta.tool_calls items have no `index` property",
            )


@rule("error-envelope", Severity.WARNING)
def error_envelope(ctx: Context) -> Iterator[Finding]:
    """With `x-apiforge-error-envelope` declared, each JSON error response's schema has the
    envelope's message property where its pointer says (`/error/message`)."""
    envelope = ctx.data.get("x-apiforge-error-envelope")
    pointer = envelope.get("message") if isinstance(envelope, dict) else None
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        return
    reported: set[int] = set()
    for found in ctx.operations:
        responses = found.operation.get("responses")
        for code, response in responses.items() if isinstance(responses, dict) else ():
            if not (str(code)[:1] in "45" or code == "default"):
                continue
            schema = _json_schema(ctx, response)
            if schema is None or id(schema) in reported or _has(ctx, schema, jp.split(pointer)):
                continue
            reported.add(id(schema))
            label = f"{found.method.upper()} {found.path} {code}"
            message = f"{label}: the error body has no {pointer} (x-apiforge-error-envelope)"
            yield Finding(jp.join(found.pointer, "responses", str(code)), message)


def _has(ctx: Context, schema: Any, tokens: list[str]) -> bool:
    """Whether the schema's properties lead along `tokens` (any schema that is not an object
    with listed properties is given the benefit of the doubt)."""
    for token in tokens:
        node = ctx.deref(schema)
        if not isinstance(node, dict) or any(k in node for k in ("anyOf", "oneOf")):
            return True
        props = _properties(ctx, node)
        if not props:
            return node.get("additionalProperties") is not False and "properties" not in node
        if token not in props:
            return False
        schema = props[token]
    return True
