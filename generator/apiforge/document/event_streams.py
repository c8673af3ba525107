"""Where a `text/event-stream` media type keeps the schema of each event's data (the chunk).

OpenAPI 3.2 says it natively: `itemSchema` is the schema of one event, an object of the fields
`data`, `event`, `id` and `retry`; `data` is a string, whose JSON content `contentSchema` names
(`contentMediaType: application/json`), or, as some tools write it, the chunk schema itself.
Before 3.2 there is no place for it: the media type's `schema` is the chunk, unless it is written
as the event, as Speakeasy-made documents do (`{properties: {data: {$ref: Chunk}}}`, the same
reading as `itemSchema`). What 3.2 cannot say either (the `[DONE]` sentinel, the include-usage
flag) stays in x-apiforge-stream, or Speakeasy's `x-speakeasy-sse-sentinel`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from apiforge.document.media import EVENT_STREAM, is_event_stream

__all__ = [
    "EVENT_STREAM",
    "SENTINEL_EXTENSION",
    "SSE_FIELDS",
    "Reading",
    "chunk_steps",
    "follow_steps",
    "is_event_stream",
    "read_chunk",
    "sentinel",
]

Steps = tuple[tuple[str, ...], ...]  # hops from the media type object; a $ref may end each hop
Deref = Callable[[Any], Any]

SSE_FIELDS = frozenset({"data", "event", "id", "retry"})  # the fields of one event (WHATWG)
SENTINEL_EXTENSION = "x-speakeasy-sse-sentinel"


@dataclass(frozen=True)
class Reading:
    """The hops to the chunk schema (None: untyped events), and why, where the shape is a guess."""

    steps: Steps | None
    doubt: str | None = None  # a warning for the media type's `schema`


def read_chunk(media: Any, deref: Deref) -> Reading:
    """How an event-stream media type object's chunk schema is found.

    `deref` follows local refs, so that a schema, an `itemSchema` or its `data` may be a `$ref`.
    """
    if not isinstance(media, Mapping):
        return Reading(None)
    if "itemSchema" in media:
        return Reading(_data_steps(("itemSchema",), deref(media["itemSchema"]), deref))
    if "schema" not in media:
        return Reading(None)
    schema = deref(media["schema"])
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping) or "data" not in properties:
        return Reading((("schema",),))
    if schema.get("type", "object") != "object":
        return Reading((("schema",),))
    others = sorted(str(name) for name in properties if name not in SSE_FIELDS)
    if others:
        listed = ", ".join(f"`{name}`" for name in others)
        return Reading(
            (("schema",),),
            f"the event stream's schema has `data` beside {listed}, which an SSE event does not"
            " have: it is read as the JSON of each event's data; describe the event with only"
            " data, event, id and retry, or give the chunk's schema alone",
        )
    steps = _data_steps(("schema",), schema, deref)
    if steps is None:
        return Reading(
            (("schema",),),
            "the event stream's schema reads as an SSE event whose `data` is text: it is read as"
            " the JSON of each event's data; give `data` the chunk's schema (or a"
            " `contentSchema`), or give the chunk's schema alone",
        )
    return Reading(steps)


def chunk_steps(media: Any, deref: Deref) -> Steps | None:
    """The hops from an event-stream media type object to its chunk schema; None if it has none."""
    return read_chunk(media, deref).steps


def _data_steps(first: tuple[str, ...], event: Any, deref: Deref) -> Steps | None:
    """The hops to the chunk from an event's schema reached by `first`; None for text data."""
    properties = event.get("properties") if isinstance(event, Mapping) else None
    data = deref(properties.get("data")) if isinstance(properties, Mapping) else None
    if not isinstance(data, Mapping):
        return None  # an event without a described `data`: its chunks are untyped
    if "contentSchema" in data:
        return first, ("properties", "data"), ("contentSchema",)
    if data.get("type") == "string" or not data:
        return None  # plain text data
    return first, ("properties", "data")


def follow_steps(media: Any, steps: Steps, deref: Deref) -> Any:
    """The node the hops lead to, as written there (a `$ref` at the last hop is kept)."""
    node = media
    for index, hop in enumerate(steps):
        if index:
            node = deref(node)
        for token in hop:
            node = node.get(token) if isinstance(node, Mapping) else None
    return node


def sentinel(media: Any, operation: Any) -> str | None:
    """The `data` that ends the stream where the document names it: on the media type, or the
    operation (Speakeasy's extension); x-apiforge-stream's `done` is read beside it in build_ir."""
    for owner in (media, operation):
        value = owner.get(SENTINEL_EXTENSION) if isinstance(owner, Mapping) else None
        if isinstance(value, str) and value:
            return value
    return None
