"""Where a `text/event-stream` media type keeps the schema of each event's data (the chunk).

OpenAPI 3.2 says it natively: `itemSchema` is the schema of one event, an object of the fields
`data`, `event`, `id` and `retry`; `data` is a string, whose JSON content `contentSchema` names
(`contentMediaType: application/json`), or, as some tools write it, the chunk schema itself.
Before 3.2 there is no place for it, so apiforge reads the media type's `schema` as the chunk.
What 3.2 cannot say either (the `[DONE]` sentinel, the include-usage flag) stays in
x-apiforge-stream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["EVENT_STREAM", "chunk_steps", "follow_steps", "is_event_stream"]

EVENT_STREAM = "text/event-stream"

Steps = tuple[tuple[str, ...], ...]  # hops from the media type object; a $ref may end each hop


def is_event_stream(mime: object) -> bool:
    return str(mime).split(";")[0].strip().lower() == EVENT_STREAM


def chunk_steps(media: Any, deref: Callable[[Any], Any]) -> Steps | None:
    """The hops from an event-stream media type object to its chunk schema; None if it has none.

    `deref` follows local refs, so that an `itemSchema` or its `data` may be a `$ref`.
    """
    if not isinstance(media, Mapping):
        return None
    if "itemSchema" not in media:
        return (("schema",),) if "schema" in media else None
    item = deref(media["itemSchema"])
    properties = item.get("properties") if isinstance(item, Mapping) else None
    data = deref(properties.get("data")) if isinstance(properties, Mapping) else None
    if not isinstance(data, Mapping):
        return None  # an event without a described `data`: its chunks are untyped
    if "contentSchema" in data:
        return ("itemSchema",), ("properties", "data"), ("contentSchema",)
    if data.get("type") == "string" or not data:
        return None  # plain text data
    return ("itemSchema",), ("properties", "data")


def follow_steps(media: Any, steps: Steps, deref: Callable[[Any], Any]) -> Any:
    """The node the hops lead to, as written there (a `$ref` at the last hop is kept)."""
    node = media
    for index, hop in enumerate(steps):
        if index:
            node = deref(node)
        for token in hop:
            node = node.get(token) if isinstance(node, Mapping) else None
    return node
