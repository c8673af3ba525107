"""A sans-IO WHATWG event-stream decoder: bytes in, server-sent events out, no I/O."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from .errors import DEFAULT_MESSAGE_POINTERS, StreamError, extract_message

__all__ = [
    "DONE_SENTINEL",
    "ChunkPayloadDecoder",
    "SSEDecoder",
    "ServerSentEvent",
    "iter_chunk_payloads",
    "parse_payload",
]

DONE_SENTINEL: Final = "[DONE]"
_BOM: Final = b"\xef\xbb\xbf"
_LINE_END: Final = re.compile("\r\n|\r|\n")
_Fields = tuple[str | None, str, str | None, int | None]  # event, data, id, retry


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
        self._pending = b""
        self._at_stream_start = True
        self._skip_lf = False
        self._event: str | None = None
        self._data: list[str] = []
        self._event_retry: int | None = None

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Consume a chunk of the stream and return the events it completes."""
        return [ServerSentEvent(*fields) for fields in self.feed_fields(data)]

    def flush(self) -> list[ServerSentEvent]:
        """End the stream: dispatch an unterminated last event too, then expect a new stream."""
        return [ServerSentEvent(*fields) for fields in self.flush_fields()]

    def feed_fields(self, data: bytes) -> list[_Fields]:
        """feed(), as (event, data, id, retry) tuples: cheaper when a stream has many events."""
        return self._fields(self._lines(data))

    def flush_fields(self) -> list[_Fields]:
        """flush(), as (event, data, id, retry) tuples."""
        tail = self._pending.decode("utf-8", errors="replace")
        self._pending = b""
        self._at_stream_start = True
        self._skip_lf = False
        return self._fields([tail, ""] if tail else [""])

    def _lines(self, data: bytes) -> list[str]:
        """The lines this chunk completes, decoded; a partial last line waits for the next feed."""
        if self._at_stream_start:
            data = self._strip_bom(data)
            if self._at_stream_start:
                return []
        if self._skip_lf and data:
            self._skip_lf = False
            if data[:1] == b"\n":
                data = data[1:]
        buffer = self._pending + data if self._pending else data
        if buffer[-1:] == b"\n":  # the usual case: a chunk ends where a line does
            self._pending = b""
            text = buffer.decode("utf-8", errors="replace")
        else:
            cut = max(buffer.rfind(b"\n"), buffer.rfind(b"\r"))
            if cut < 0:
                self._pending = buffer
                return []
            self._pending = buffer[cut + 1 :]
            text = buffer[: cut + 1].decode("utf-8", errors="replace")
        if "\r" in text:
            self._skip_lf = text[-1] == "\r" and not self._pending
            lines = _LINE_END.split(text)
        else:
            lines = text.split("\n")
        lines.pop()  # the empty rest after the last line end
        return lines

    def _strip_bom(self, data: bytes) -> bytes:
        """Drop a UTF-8 BOM at stream start, waiting for more bytes while one may still follow."""
        head = self._pending + data
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._pending = head
            return b""
        self._pending = b""
        self._at_stream_start = False
        return head.removeprefix(_BOM)

    def _fields(self, lines: list[str]) -> list[_Fields]:
        """(event, data, id, retry) of each event the lines dispatch."""
        events: list[_Fields] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    text = data[0] if len(data) == 1 else "\n".join(data)
                    events.append(
                        (self._event or None, text, self.last_event_id, self._event_retry)
                    )
                    data = self._data = []
                self._event = None
                self._event_retry = None
            elif line[:5] == "data:":
                data.append(line[6:] if line[5:6] == " " else line[5:])
            elif line[0] != ":":
                self._process_field(line)
        return events

    def _process_field(self, line: str) -> None:
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


def _payload_error(payload: Any, pointers: Sequence[str]) -> StreamError:
    detail = extract_message(payload, pointers)
    if detail is None:
        detail = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return StreamError(f"Error in stream: {detail}", body=payload)


def _is_payload_event(event: str | None) -> bool:
    return event is None or event == "message"


def _raise_error_event(data: str, pointers: Sequence[str]) -> NoReturn:
    try:
        body: Any = json.loads(data)
    except ValueError:
        body = data
    raise _payload_error(body, pointers)


def parse_payload(data: str, pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS) -> Any:
    """One event's data as JSON; StreamError for bad JSON and for an `{"error": ...}` payload."""
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise StreamError(f"Invalid JSON in stream event: {data!r}", body=data) from exc
    if isinstance(payload, Mapping) and payload.get("error"):
        raise _payload_error(payload, pointers)
    return payload


def iter_chunk_payloads(
    events: Iterable[ServerSentEvent],
    *,
    done: str | None = DONE_SENTINEL,
    message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
) -> Iterator[Any]:
    """Yield each event's JSON payload until the `done` sentinel; raise StreamError on errors."""
    for event in events:
        if event.event == "error":
            _raise_error_event(event.data, message_pointers)
        if not _is_payload_event(event.event):
            continue
        text = event.data.strip()
        if done is not None and text == done:
            return
        if text:
            yield parse_payload(event.data, message_pointers)


class ChunkPayloadDecoder:
    """Bytes in, chunk payloads out: SSEDecoder plus the rules of iter_chunk_payloads."""

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
        """JSON payloads completed by this chunk; none once the done sentinel has been seen."""
        return [parse_payload(text, self._pointers) for text in self.feed_data(data)]

    def flush(self) -> list[Any]:
        """JSON payloads of an unterminated last event at end of stream."""
        return [parse_payload(text, self._pointers) for text in self.flush_data()]

    def feed_data(self, data: bytes) -> list[str]:
        """The unparsed data of each payload event this chunk completes (for a faster parser)."""
        return self._texts(self._decoder.feed_fields(data))

    def flush_data(self) -> list[str]:
        """The unparsed data of an unterminated last event at end of stream."""
        return self._texts(self._decoder.flush_fields())

    def _texts(self, events: list[_Fields]) -> list[str]:
        texts: list[str] = []
        for event, data, _, _ in events:
            if self.finished:
                break
            if event is not None and event != "message":
                if event == "error":
                    _raise_error_event(data, self._pointers)
                continue
            if data[:1] == "{" and data != self._done:  # a JSON object: the usual chunk
                texts.append(data)
            elif data.strip() == self._done:
                self.finished = True
                break
            elif data and not data.isspace():
                texts.append(data)
        return texts
