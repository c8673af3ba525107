"""ChunkMerger folds streamed chunks into the completion a non-streamed call returns."""

from __future__ import annotations

import copy
from typing import Any

from apiforge.runtime.client import ChunkMerger

BASE = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1700000000,
    "model": "gpt-test",
    "system_fingerprint": "fp_1",
}


def chunk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**BASE, "choices": list(choices), **extra}


def delta(index: int = 0, finish_reason: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason, "logprobs": None}


def merge(*chunks: dict[str, Any]) -> dict[str, Any]:
    merger = ChunkMerger()
    for c in chunks:
        merger.handle_chunk(c)
    return merger.result()


def completion(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**BASE, "object": "chat.completion", "choices": list(choices), **extra}


def choice(
    message: dict[str, Any], index: int = 0, finish_reason: str | None = "stop"
) -> dict[str, Any]:
    return {"index": index, "message": message, "finish_reason": finish_reason, "logprobs": None}


USAGE = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def test_content_is_concatenated_and_usage_taken_from_the_final_chunk() -> None:
    result = merge(
        chunk(delta(role="assistant", content="", refusal=None)),
        chunk(delta(content="Hel")),
        chunk(delta(content="lo")),
        chunk(delta(finish_reason="stop")),
        chunk(usage=USAGE),
    )
    message = {"role": "assistant", "content": "Hello", "refusal": None}
    assert result == completion(choice(message), usage=USAGE)


def test_refusal_is_concatenated_and_content_stays_none() -> None:
    result = merge(
        chunk(delta(role="assistant", content=None, refusal="I can't")),
        chunk(delta(refusal=" help with that.")),
        chunk(delta(finish_reason="stop")),
    )
    message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    assert result == completion(choice(message))


def test_keys_never_sent_are_omitted_except_role_and_content() -> None:
    result = merge(chunk(delta(finish_reason="length")))
    assert result == completion(
        choice({"role": "assistant", "content": None}, finish_reason="length")
    )


def test_two_choices_interleaved_and_sorted_by_index() -> None:
    result = merge(
        chunk(delta(1, role="assistant", content="B")),
        chunk(delta(0, role="assistant", content="A")),
        chunk(delta(1, content="b")),
        chunk(delta(0, content="a"), delta(1, finish_reason="stop")),
        chunk(delta(0, finish_reason="length")),
    )
    assert result == completion(
        choice({"role": "assistant", "content": "Aa"}, 0, "length"),
        choice({"role": "assistant", "content": "Bb"}, 1, "stop"),
    )


def tool_delta(index: int, **fields: Any) -> dict[str, Any]:
    return {"index": index, **fields}


def test_tool_calls_merged_by_index_with_split_arguments() -> None:
    result = merge(
        chunk(delta(role="assistant", content=None)),
        chunk(
            delta(
                tool_calls=[
                    tool_delta(
                        0,
                        id="call_a",
                        type="function",
                        function={"name": "get_weather", "arguments": ""},
                    )
                ]
            )
        ),
        chunk(delta(tool_calls=[tool_delta(0, function={"arguments": '{"city": '})])),
        chunk(
            delta(
                tool_calls=[
                    tool_delta(
                        1,
                        id="call_b",
                        type="function",
                        function={"name": "get_time", "arguments": "{}"},
                    )
                ]
            )
        ),
        chunk(delta(tool_calls=[tool_delta(0, function={"arguments": '"Paris"}'})])),
        chunk(delta(finish_reason="tool_calls")),
        chunk(usage=USAGE),
    )
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_b",
                "type": "function",
                "function": {"name": "get_time", "arguments": "{}"},
            },
        ],
    }
    assert result == completion(choice(message, finish_reason="tool_calls"), usage=USAGE)


def test_id_type_and_name_are_set_once() -> None:
    result = merge(
        chunk(
            delta(
                role="assistant",
                tool_calls=[
                    tool_delta(
                        0, id="call_a", type="function", function={"name": "f", "arguments": "{"}
                    )
                ],
            )
        ),
        chunk(
            delta(
                role="assistant",
                tool_calls=[
                    tool_delta(
                        0, id="call_a", type="function", function={"name": "f", "arguments": "}"}
                    )
                ],
            )
        ),
    )
    calls = result["choices"][0]["message"]["tool_calls"]
    assert calls == [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]
    assert result["choices"][0]["message"]["role"] == "assistant"


def test_repeated_index_with_a_new_id_is_a_new_tool_call() -> None:
    result = merge(
        chunk(
            delta(tool_calls=[tool_delta(0, id="call_a", function={"name": "f", "arguments": "{"})])
        ),
        chunk(delta(tool_calls=[tool_delta(0, function={"arguments": "}"})])),
        chunk(
            delta(tool_calls=[tool_delta(0, id="call_b", function={"name": "g", "arguments": "["})])
        ),
        chunk(delta(tool_calls=[tool_delta(0, function={"arguments": "]"})])),
    )
    assert result["choices"][0]["message"]["tool_calls"] == [
        {"id": "call_a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "call_b", "type": "function", "function": {"name": "g", "arguments": "[]"}},
    ]


def test_tool_calls_without_index_follow_their_ids() -> None:
    result = merge(
        chunk(delta(tool_calls=[{"id": "a", "function": {"name": "f", "arguments": "1"}}])),
        chunk(delta(tool_calls=[{"function": {"arguments": "2"}}])),
        chunk(delta(tool_calls=[{"id": "b", "function": {"name": "g"}}])),
    )
    assert result["choices"][0]["message"]["tool_calls"] == [
        {"id": "a", "type": "function", "function": {"name": "f", "arguments": "12"}},
        {"id": "b", "type": "function", "function": {"name": "g", "arguments": ""}},
    ]


def test_usage_only_final_chunk_with_empty_choices() -> None:
    result = merge(
        chunk(delta(role="assistant", content="ok"), usage=None),
        chunk(delta(finish_reason="stop"), usage=None),
        {**BASE, "choices": [], "usage": USAGE},
    )
    assert result == completion(choice({"role": "assistant", "content": "ok"}), usage=USAGE)


def test_usage_stays_none_when_never_sent() -> None:
    result = merge(chunk(delta(content="x"), usage=None))
    assert result["usage"] is None


def test_logprobs_are_concatenated() -> None:
    first = {
        "index": 0,
        "delta": {"content": "a"},
        "finish_reason": None,
        "logprobs": {"content": [{"token": "a", "logprob": -0.1}], "refusal": None},
    }
    second = {
        "index": 0,
        "delta": {"content": "b"},
        "finish_reason": "stop",
        "logprobs": {"content": [{"token": "b", "logprob": -0.2}], "refusal": None},
    }
    result = merge(chunk(first), chunk(second))
    assert result["choices"][0]["logprobs"] == {
        "content": [{"token": "a", "logprob": -0.1}, {"token": "b", "logprob": -0.2}],
        "refusal": None,
    }


def test_extension_fields_are_kept() -> None:
    result = merge(
        chunk(delta(reasoning_content="thinking "), service_tier="default"),
        chunk(delta(reasoning_content="hard", content="42")),
    )
    assert result["service_tier"] == "default"
    message = result["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "42", "reasoning_content": "thinking hard"}


def test_system_fingerprint_from_any_chunk() -> None:
    first = {**chunk(delta(content="a")), "system_fingerprint": None}
    assert merge(first, chunk(delta(content="b")))["system_fingerprint"] == "fp_1"


def test_result_is_a_fresh_copy_and_inputs_are_untouched() -> None:
    chunks = [
        chunk(delta(tool_calls=[tool_delta(0, id="a", function={"name": "f", "arguments": "{"})])),
        chunk(delta(tool_calls=[tool_delta(0, function={"arguments": "}"})])),
    ]
    before = copy.deepcopy(chunks)
    merger = ChunkMerger()
    merger.handle_chunk(chunks[0])
    first = merger.result()
    first["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = "mutated"
    merger.handle_chunk(chunks[1])
    assert (
        merger.result()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{}"
    )
    assert chunks == before


def test_no_chunks() -> None:
    assert ChunkMerger().result() == {"object": "chat.completion", "choices": []}


def test_a_stream_without_usage_names_the_field_and_how_to_ask_for_it() -> None:
    """The provider's completion requires usage; a stream sends it only with include_usage."""
    import pytest

    from apiforge.runtime.client import StreamError, merge_chunk_models
    from generated.provider import models

    chunks = [
        models.ChatCompletionChunk.model_validate(chunk(delta(role="assistant", content="Hi"))),
        models.ChatCompletionChunk.model_validate(chunk(delta(finish_reason="stop"))),
    ]
    with pytest.raises(StreamError) as caught:
        merge_chunk_models(chunks, models.ChatCompletion)
    message = str(caught.value)
    assert "usage" in message and "include_usage" in message
    assert caught.value.body["choices"][0]["message"]["content"] == "Hi"
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    final = models.ChatCompletionChunk.model_validate({**BASE, "choices": [], "usage": usage})
    merged = merge_chunk_models([*chunks, final], models.ChatCompletion)
    assert merged.usage is not None and merged.usage.total_tokens == 2
