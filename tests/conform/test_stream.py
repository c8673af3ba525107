"""StreamWatch is sans-IO: bytes through the runtime's SSE decoder, split anywhere, judged alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apiforge.conform import read
from apiforge.conform.stream import StreamWatch
from apiforge.document.bundle import load_bundle
from apiforge.runtime.client.sse import SSEDecoder
from tests.helpers import REPO

CONTRACT = read(load_bundle(REPO / "spec" / "provider.yaml"))
OPERATION = CONTRACT.operations[0]


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
        **extra,
    }


USAGE = {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
GOOD = [
    chunk({"role": "assistant", "content": "Hel"}),
    chunk({"content": "lo"}),
    chunk({}, "stop"),
]


def wire(*events: Any, end: str = "\n") -> bytes:
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}{end}{end}" for e in events]
    return "".join(lines).encode()


def watch(raw: bytes, step: int, include_usage: bool = False) -> list[tuple[str, str]]:
    assert OPERATION.stream is not None
    success = OPERATION.response(200)
    watcher = StreamWatch(
        OPERATION.stream,
        CONTRACT.envelope.message,
        success.json if success else None,
        "#/x",
        include_usage=include_usage,
    )
    decoder = SSEDecoder()
    for at in range(0, len(raw), step):
        for event in decoder.feed(raw[at : at + step]):
            watcher.event(event)
    for event in decoder.flush():
        watcher.event(event)
    return [(p.check, p.message) for p in watcher.finish(cut=False)]


@pytest.mark.parametrize("step", [1, 7, 10_000])
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_good_stream_split_anywhere_has_no_problem(step: int, end: str) -> None:
    assert watch(wire(*GOOD, "[DONE]", end=end), step) == []


def test_the_usage_chunk_once_and_last() -> None:
    last = chunk({}, None, usage=USAGE) | {"choices": []}
    assert watch(wire(*GOOD, last, "[DONE]"), 5, include_usage=True) == []
    problems = watch(wire(*GOOD, "[DONE]"), 5, include_usage=True)
    assert [check for check, _ in problems] == ["usage-chunk"]
    early = watch(wire(GOOD[0], last, *GOOD[1:], "[DONE]"), 5, include_usage=True)
    assert early == [
        ("usage-chunk", "the usage chunk is chunk 2 of 4, not the last before the sentinel")
    ]


def test_data_after_the_sentinel() -> None:
    problems = watch(wire(*GOOD, "[DONE]", GOOD[1]), 3)
    assert [check for check, _ in problems] == ["stream-sentinel"]


def test_an_error_event_outside_the_envelope_is_reported() -> None:
    raw = wire(*GOOD[:2]) + b'event: error\ndata: {"error": "boom"}\n\n' + wire(GOOD[2], "[DONE]")
    [(check, message)] = watch(raw, 4)
    assert check == "stream-error" and "not in the error envelope" in message


def test_a_tool_call_delta_without_index_breaks_the_chunk_schema_too() -> None:
    """The provider's chunk schema requires `index`: both checks say so, each in its words (and
    the call is to a tool this stream was not offered)."""
    call = {"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    problems = watch(
        wire(chunk({"role": "assistant", "tool_calls": [call]}, "tool_calls"), "[DONE]"), 9
    )
    assert sorted(check for check, _ in problems) == [
        "chunk-schema",
        "tool-arguments",
        "tool-call-deltas",
    ]
