"""A sans-IO WHATWG event-stream decoder: bytes in, server-sent events out, no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .errors import DEFAULT_MESSAGE_POINTERS, StreamError, extract_message

__all__ = [
    "DONE_SENTINEL",
    "ChunkPayloadDecoder",
    "SSEDecoder",
    "ServerSentEvent",
    "iter_chunk_payloads",
]

DONE_SENTINEL: Final = "[DONE]"
_BOM: Final = b"\xef\xbb\xbf"
_LINE_ENDS: Final = (b"\r", b"\n")


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event; `event` is None when the stream gave no `event:` field."""

    event: str | None = None
    data: str = ""
    id: str | None = None
    retry: int | None = None

    def json(self) -> Any:
        """The data parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.data)


class SSEDecoder:
    """Feed bytes split anywhere; get the events completed so far (WHATWG HTML 9.2.6)."""

    def __init__(self) -> None:
        self.last_event_id: str | None = None
        self.retry: int | None = None
        self._pending: list[bytes] = []
        self._at_stream_start = True
        self._skip_lf = False
        self._event: str | None = None
        self._data: list[str] = []
        self._event_retry: int | None = None

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Consume a chunk of the stream and return the events it completes."""
        if self._at_stream_start:
            data = self._strip_bom(data)
            if self._at_stream_start:
                return []
        if self._skip_lf and data:
            self._skip_lf = False
            if data.startswith(b"\n"):
                data = data[1:]
        if b"\r" not in data and b"\n" not in data:
            if data:
                self._pending.append(data)
            return []
        self._pending.append(data)
        buffer = b"".join(self._pending)
        self._pending = []
        lines = buffer.splitlines(keepends=True)
        if not lines[-1].endswith(_LINE_ENDS):
            self._pending.append(lines.pop())
        elif lines[-1].endswith(b"\r"):
            self._skip_lf = True
        events: list[ServerSentEvent] = []
        for raw in lines:
            event = self._process_line(raw.rstrip(b"\r\n").decode("utf-8", errors="replace"))
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End the stream: dispatch an unterminated last event too, then expect a new stream."""
        tail = b"".join(self._pending).decode("utf-8", errors="replace")
        self._pending = []
        events = [self._process_line(tail)] if tail else []
        events.append(self._process_line(""))
        self._at_stream_start = True
        self._skip_lf = False
        return [event for event in events if event is not None]

    def _strip_bom(self, data: bytes) -> bytes:
        """Drop a UTF-8 BOM at stream start, waiting for more bytes while one may still follow."""
        head = b"".join(self._pending) + data
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._pending = [head] if head else []
            return b""
        self._pending = []
        self._at_stream_start = False
        return head.removeprefix(_BOM)

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self.retry = self._event_retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            self._event = None
            self._event_retry = None
            return None
        event = ServerSentEvent(
            event=self._event or None,
            data="\n".join(self._data),
            id=self.last_event_id,
            retry=self._event_retry,
        )
        self._event = None
        self._data = []
        self._event_retry = None
        return event


def _payload_error(payload: Any, pointers: Sequence[str]) -> StreamError:
    detail = extract_message(payload, pointers)
    if detail is None:
        detail = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return StreamError(f"Error in stream: {detail}", body=payload)


def _is_done(event: ServerSentEvent, done: str | None) -> bool:
    return done is not None and event.event in (None, "message") and event.data.strip() == done


def _event_payload(event: ServerSentEvent, pointers: Sequence[str]) -> tuple[bool, Any]:
    """(is_payload, payload) for one event; raises StreamError for errors and bad JSON."""
    if event.event == "error":
        try:
            body: Any = event.json()
        except ValueError:
            body = event.data
        raise _payload_error(body, pointers)
    if event.event not in (None, "message") or not event.data.strip():
        return False, None
    try:
        payload = event.json()
    except ValueError as exc:
        raise StreamError(f"Invalid JSON in stream event: {event.data!r}", body=event.data) from exc
    if isinstance(payload, Mapping) and payload.get("error"):
        raise _payload_error(payload, pointers)
    return True, payload


def iter_chunk_payloads(
    events: Iterable[ServerSentEvent],
    *,
    done: str | None = DONE_SENTINEL,
    message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
) -> Iterator[Any]:
    """Yield each event's JSON payload until the `done` sentinel; raise StreamError on errors."""
    for event in events:
        if _is_done(event, done):
            return
        is_payload, payload = _event_payload(event, message_pointers)
        if is_payload:
            yield payload


class ChunkPayloadDecoder:
    """Bytes in, JSON chunk payloads out: SSEDecoder plus the rules of iter_chunk_payloads."""

    def __init__(
        self,
        *,
        done: str | None = DONE_SENTINEL,
        message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
    ) -> None:
        self.finished = False
        self._decoder = SSEDecoder()
        self._done = done
        self._pointers = message_pointers

    def feed(self, data: bytes) -> list[Any]:
        """Payloads completed by this chunk; none once the done sentinel has been seen."""
        return self._payloads(self._decoder.feed(data))

    def flush(self) -> list[Any]:
        """Payloads of an unterminated last event at end of stream."""
        return self._payloads(self._decoder.flush())

    def _payloads(self, events: list[ServerSentEvent]) -> list[Any]:
        payloads: list[Any] = []
        for event in events:
            if self.finished:
                break
            if _is_done(event, self._done):
                self.finished = True
                break
            is_payload, payload = _event_payload(event, self._pointers)
            if is_payload:
                payloads.append(payload)
        return payloads
