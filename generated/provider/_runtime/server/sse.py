"""Chunks -> server-sent-event bytes, sans-IO: one `data:` event per chunk, then the done sentinel.

`ChunkEncoder` also applies x-apiforge-stream's usage rule: `usage` travels only in one final chunk
with empty `choices`, and only when the request asked for it; everywhere else it is left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["ChunkEncoder", "encode_event"]


def encode_event(data: bytes | str, event: str | None = None) -> bytes:
    """One SSE event; a payload with line breaks becomes several `data:` lines, as SSE requires."""
    payload = data.encode() if isinstance(data, str) else data
    head = b"" if event is None else b"event: " + event.encode() + b"\n"
    if b"\n" not in payload and b"\r" not in payload:
        return head + b"data: " + payload + b"\n\n"
    lines = payload.splitlines() or [b""]
    return head + b"".join(b"data: " + line + b"\n" for line in lines) + b"\n"


class ChunkEncoder:
    """Feed it each chunk the handler yields; `finish()` gives the tail, `error()` the error event."""

    def __init__(self, *, done: str = "[DONE]", include_usage: bool = False) -> None:
        self.done = done
        self.include_usage = include_usage
        self._usage: Any = None
        self._last: BaseModel | None = None

    def encode(self, chunk: BaseModel) -> bytes:
        """The bytes to send for `chunk` (empty for a usage-only chunk, which is held for the end)."""
        usage = getattr(chunk, "usage", None)
        self._last = chunk
        if usage is None:
            return encode_event(_dump(chunk))
        self._usage = usage
        if "choices" in type(chunk).model_fields and not getattr(chunk, "choices", None):
            return b""
        return encode_event(_dump(chunk, exclude={"usage"}))

    def finish(self) -> bytes:
        """The usage chunk (when asked for and reported) and the done sentinel."""
        tail = b""
        if self.include_usage and self._usage is not None and self._last is not None:
            update: dict[str, Any] = {"usage": self._usage}
            if "choices" in type(self._last).model_fields:
                update["choices"] = []
            tail = encode_event(_dump(self._last.model_copy(update=update)))
        return tail + encode_event(self.done)

    @staticmethod
    def error(body: bytes) -> bytes:
        """An `event: error` carrying the dialect's error body; the stream ends after it."""
        return encode_event(body, event="error")


def _dump(chunk: BaseModel, exclude: set[str] | None = None) -> bytes:
    return chunk.model_dump_json(by_alias=True, exclude_unset=True, exclude=exclude).encode()
