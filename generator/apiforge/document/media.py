"""Which media types are JSON and which are event streams: one answer for every stage.

Media types are case-insensitive and may carry parameters (RFC 9110 8.3.1):
`Text/Event-Stream` is an event stream and `Application/JSON; charset=utf-8` is JSON.
"""

from __future__ import annotations

__all__ = ["EVENT_STREAM", "essence", "is_event_stream", "is_json"]

EVENT_STREAM = "text/event-stream"


def essence(mime: object) -> str:
    """`type/subtype` in lower case, parameters left out: what the comparisons below compare."""
    return str(mime).split(";", 1)[0].strip().lower()


def is_event_stream(mime: object) -> bool:
    return essence(mime) == EVENT_STREAM


def is_json(mime: object) -> bool:
    """`application/json` or any `+json` structured syntax suffix (RFC 6839)."""
    base = essence(mime)
    return base == "application/json" or base.endswith("+json")
