"""The SSE decoder against byte-level cases, feeds split anywhere, and the payload rules."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apiforge.runtime.client import (
    ChunkPayloadDecoder,
    ServerSentEvent,
    SSEDecoder,
    StreamError,
    iter_chunk_payloads,
)

E = ServerSentEvent


def decode(*feeds: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [event for feed in feeds for event in decoder.feed(feed)]
    return events + decoder.flush()


CASES: list[tuple[str, bytes, list[ServerSentEvent]]] = [
    ("lf", b"data: x\n\n", [E(data="x")]),
    ("crlf", b"event: a\r\ndata: x\r\n\r\n", [E(event="a", data="x")]),
    ("cr", b"data: x\rdata: y\r\r", [E(data="x\ny")]),
    ("mixed line ends", b"data: a\rdata: b\ndata: c\r\n\n", [E(data="a\nb\nc")]),
    ("comments", b": keep-alive\n:\ndata: x\n: between\n\n", [E(data="x")]),
    ("comment only block", b": ping\n\n", []),
    ("retry only", b"retry: 1500\n\n", []),
    ("id only", b"id: 7\n\n", []),
    (
        "id carries to later events",
        b"id: 7\n\ndata: a\n\ndata: b\n\n",
        [E(data="a", id="7"), E(data="b", id="7")],
    ),
    ("retry with data", b"retry: 10\ndata: x\n\ndata: y\n\n", [E(data="x", retry=10), E(data="y")]),
    ("retry not digits", b"retry: 1.5\ndata: x\n\n", [E(data="x")]),
    ("id with NUL ignored", b"id: a\x00b\ndata: x\n\n", [E(data="x")]),
    ("multi-line data", b"data: a\ndata: b\ndata:\n\n", [E(data="a\nb\n")]),
    ("one leading space stripped", b"data:  two\n\n", [E(data=" two")]),
    ("no space after colon", b"data:x\n\n", [E(data="x")]),
    ("field without colon", b"data\n\n", [E(data="")]),
    ("event without colon", b"event\ndata: x\n\n", [E(data="x")]),
    ("value keeps colons", b"data: a: b\n\n", [E(data="a: b")]),
    ("unknown field ignored", b"foo: bar\ndata: x\nDATA: y\n\n", [E(data="x")]),
    (
        "event type resets",
        b"event: a\ndata: 1\n\ndata: 2\n\n",
        [E(event="a", data="1"), E(data="2")],
    ),
    ("event without data dropped", b"event: a\n\ndata: 2\n\n", [E(data="2")]),
    ("bom stripped", b"\xef\xbb\xbfdata: x\n\n", [E(data="x")]),
    ("only one bom stripped", b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n", []),
    ("utf-8", "data: héllo ✓ 🎉\n\n".encode(), [E(data="héllo ✓ 🎉")]),
    ("invalid utf-8 replaced", b"data: \xff\n\n", [E(data="\ufffd")]),
    ("done sentinel is data", b"data: [DONE]\n\n", [E(data="[DONE]")]),
    ("no trailing blank line", b"data: x\n", [E(data="x")]),
    ("no trailing line end", b"data: x", [E(data="x")]),
    ("empty stream", b"", []),
]


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decodes_in_one_feed(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert decode(stream) == expected


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decodes_split_at_every_offset(stream: bytes, expected: list[ServerSentEvent]) -> None:
    for cut in range(len(stream) + 1):
        assert decode(stream[:cut], stream[cut:]) == expected, cut


@pytest.mark.parametrize(("stream", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decodes_byte_by_byte(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert decode(*(stream[i : i + 1] for i in range(len(stream)))) == expected


def test_cr_at_end_of_feed_and_lf_at_start_of_next_are_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n\r\n") == [E(data="a\nb")]


def test_events_are_returned_as_soon_as_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [E(data="a")]
    assert decoder.feed(b"\n") == [E(data="b")]


def test_split_inside_a_utf8_character() -> None:
    stream = "data: 🎉é\n\n".encode()
    start = stream.index(b"\xf0")
    for cut in range(start + 1, start + 6):
        decoder = SSEDecoder()
        assert decoder.feed(stream[:cut]) == []
        assert decoder.feed(stream[cut:]) == [E(data="🎉é")]


def test_retry_and_id_update_the_decoder_without_dispatching() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 3000\n\nid: abc\n\n") == []
    assert decoder.retry == 3000
    assert decoder.last_event_id == "abc"
    assert decoder.feed(b"data: x\n\n") == [E(data="x", id="abc")]


def test_flush_starts_a_new_stream_keeping_id_and_retry() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\nretry: 5\ndata: a") == []
    assert decoder.flush() == [E(data="a", id="1", retry=5)]
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == [E(data="b", id="1")]
    assert decoder.retry == 5


def test_bom_split_across_feeds() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    assert decoder.feed(b"\xbb") == []
    assert decoder.feed(b"\xbfdata: x\n\n") == [E(data="x")]


def test_event_json() -> None:
    assert E(data='{"a": [1, null]}').json() == {"a": [1, None]}
    with pytest.raises(ValueError, match="Expecting value"):
        E(data="not json").json()


# -- payloads -------------------------------------------------------------------------------


def payloads(stream: bytes, **kwargs: Any) -> list[Any]:
    return list(iter_chunk_payloads(decode(stream), **kwargs))


def test_payloads_stop_at_done() -> None:
    stream = b'data: {"n": 1}\n\ndata: {"n": 2}\n\ndata: [DONE]\n\ndata: {"n": 3}\n\n'
    assert payloads(stream) == [{"n": 1}, {"n": 2}]


def test_payloads_custom_done_and_none() -> None:
    stream = b'data: {"n": 1}\n\ndata: END\n\ndata: {"n": 2}\n\n'
    assert payloads(stream, done="END") == [{"n": 1}]
    assert payloads(b'data: {"n": 1}\n\n', done=None) == [{"n": 1}]


def test_payloads_skip_blank_data_and_other_event_types() -> None:
    stream = b'data:\n\nevent: ping\ndata: {}\n\nevent: message\ndata: {"n": 1}\n\n'
    assert payloads(stream) == [{"n": 1}]


def test_error_event_raises_stream_error() -> None:
    stream = b'data: {"n": 1}\n\nevent: error\ndata: {"error": {"message": "overloaded"}}\n\n'
    events = iter_chunk_payloads(decode(stream))
    assert next(events) == {"n": 1}
    with pytest.raises(StreamError, match="overloaded") as caught:
        next(events)
    assert caught.value.body == {"error": {"message": "overloaded"}}


def test_error_event_with_text_data() -> None:
    with pytest.raises(StreamError, match="upstream went away") as caught:
        payloads(b"event: error\ndata: upstream went away\n\n")
    assert caught.value.body == "upstream went away"


def test_error_payload_raises_stream_error() -> None:
    stream = b'data: {"error": {"message": "context too long", "code": 400}}\n\n'
    with pytest.raises(StreamError, match="context too long"):
        payloads(stream)


def test_error_payload_uses_the_dialects_pointers() -> None:
    stream = b'data: {"error": {"detail": "nope"}}\n\n'
    with pytest.raises(StreamError, match="nope"):
        payloads(stream, message_pointers=["/error/detail"])
    with pytest.raises(StreamError, match='"detail": "nope"'):
        payloads(stream, message_pointers=["/message"])


def test_null_error_key_is_not_an_error() -> None:
    assert payloads(b'data: {"error": null, "n": 1}\n\n') == [{"error": None, "n": 1}]


def test_invalid_json_raises_stream_error() -> None:
    with pytest.raises(StreamError, match="Invalid JSON"):
        payloads(b'data: {"truncated\n\n')


def test_chunk_payload_decoder_is_incremental_and_finishes() -> None:
    decoder = ChunkPayloadDecoder()
    assert decoder.feed(b'data: {"n"') == []
    assert decoder.feed(b": 1}\n\ndata: [DO") == [{"n": 1}]
    assert not decoder.finished
    assert decoder.feed(b'NE]\n\ndata: {"n": 2}\n\n') == []
    assert decoder.finished
    assert decoder.feed(b'data: {"n": 3}\n\n') == []
    assert decoder.flush() == []


def test_chunk_payload_decoder_flushes_unterminated_event() -> None:
    decoder = ChunkPayloadDecoder()
    assert decoder.feed(b'data: {"n": 1}') == []
    assert decoder.flush() == [{"n": 1}]


# -- properties -----------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=12)
_line_end = st.sampled_from([b"\n", b"\r", b"\r\n"])
_line = st.one_of(
    _text.map(lambda t: f"data: {t}"),
    _text.map(lambda t: f"data:{t}"),
    _text.map(lambda t: f"event: {t}"),
    _text.map(lambda t: f"id: {t}"),
    _text.map(lambda t: f": {t}"),
    st.integers(0, 10**6).map(lambda n: f"retry: {n}"),
    st.sampled_from(["data", "event", "id", "retry: x", "x-unknown: 1"]),
)


@st.composite
def _streams(draw: st.DrawFn) -> bytes:
    out = [b"\xef\xbb\xbf"] if draw(st.booleans()) else []
    for block in draw(st.lists(st.lists(_line, max_size=4), max_size=5)):
        for line in block:
            out.append(line.encode() + draw(_line_end))
        out.append(draw(_line_end))
    return b"".join(out)


@given(stream=_streams(), data=st.data())
def test_any_split_gives_the_same_events(stream: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    bounds = [0, *cuts, len(stream)]
    feeds = [stream[a:b] for a, b in pairwise(bounds)]
    whole, split = SSEDecoder(), SSEDecoder()
    expected = whole.feed(stream) + whole.flush()
    assert [e for f in feeds for e in split.feed(f)] + split.flush() == expected
    assert (split.retry, split.last_event_id) == (whole.retry, whole.last_event_id)


@given(
    blocks=st.lists(st.lists(_text, min_size=1, max_size=3), max_size=5),
    line_end=_line_end,
    data=st.data(),
)
def test_round_trip_of_data_lines(
    blocks: list[list[str]], line_end: bytes, data: st.DataObject
) -> None:
    stream = b"".join(
        b"".join(b"data: " + t.encode() + line_end for t in block) + line_end for block in blocks
    )
    cut = data.draw(st.integers(0, len(stream)))
    assert decode(stream[:cut], stream[cut:]) == [E(data="\n".join(block)) for block in blocks]
