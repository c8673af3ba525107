"""SSE bytes for chunks, the done sentinel, error events and the usage rule, with plain models."""

from __future__ import annotations

import json

from pydantic import BaseModel

from apiforge.runtime.server.sse import ChunkEncoder, encode_event


class Usage(BaseModel):
    total_tokens: int


class Chunk(BaseModel):
    id: str
    choices: list[str]
    usage: Usage | None = None


def payloads(data: bytes) -> list[str]:
    return [line.removeprefix(b"data: ").decode() for line in data.split(b"\n") if line]


def test_one_line_event() -> None:
    assert encode_event(b'{"a":1}') == b'data: {"a":1}\n\n'
    assert encode_event("[DONE]") == b"data: [DONE]\n\n"


def test_line_breaks_become_data_lines() -> None:
    assert encode_event(b"a\nb\r\nc") == b"data: a\ndata: b\ndata: c\n\n"


def test_named_event() -> None:
    assert encode_event(b"{}", event="error") == b"event: error\ndata: {}\n\n"


def test_chunks_then_done() -> None:
    encoder = ChunkEncoder()
    out = encoder.encode(Chunk(id="c", choices=["a"])) + encoder.finish()
    assert payloads(out) == ['{"id":"c","choices":["a"]}', "[DONE]"]


def test_unset_fields_stay_out_and_set_nulls_stay_in() -> None:
    encoder = ChunkEncoder()
    chunk = Chunk.model_validate({"id": "c", "choices": [], "usage": None})
    assert payloads(encoder.encode(chunk)) == ['{"id":"c","choices":[],"usage":null}']


def test_usage_left_out_unless_asked_for() -> None:
    encoder = ChunkEncoder(include_usage=False)
    last = Chunk(id="c", choices=["z"], usage=Usage(total_tokens=3))
    out = encoder.encode(last) + encoder.encode(
        Chunk(id="c", choices=[], usage=Usage(total_tokens=3))
    )
    out += encoder.finish()
    assert payloads(out) == ['{"id":"c","choices":["z"]}', "[DONE]"]


def test_usage_moves_to_one_final_chunk_when_asked_for() -> None:
    encoder = ChunkEncoder(include_usage=True, done="END")
    out = encoder.encode(Chunk(id="c", choices=["a"]))
    out += encoder.encode(Chunk(id="c", choices=["b"], usage=Usage(total_tokens=3)))
    out += encoder.finish()
    data = payloads(out)
    assert data[-1] == "END"
    assert [json.loads(d) for d in data[:-1]] == [
        {"id": "c", "choices": ["a"]},
        {"id": "c", "choices": ["b"]},
        {"id": "c", "choices": [], "usage": {"total_tokens": 3}},
    ]


def test_usage_only_chunk_from_the_handler_is_sent_once_at_the_end() -> None:
    encoder = ChunkEncoder(include_usage=True)
    assert encoder.encode(Chunk(id="c", choices=[], usage=Usage(total_tokens=1))) == b""
    assert payloads(encoder.finish())[0] == '{"id":"c","choices":[],"usage":{"total_tokens":1}}'


def test_no_usage_reported_no_usage_chunk() -> None:
    encoder = ChunkEncoder(include_usage=True)
    encoder.encode(Chunk(id="c", choices=["a"]))
    assert payloads(encoder.finish()) == ["[DONE]"]


def test_error_event() -> None:
    assert ChunkEncoder.error(b'{"message":"m"}') == b'event: error\ndata: {"message":"m"}\n\n'
