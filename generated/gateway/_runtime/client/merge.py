"""Fold `chat.completion.chunk` dicts into the dict a non-streamed `chat.completion` returns."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import StreamError

__all__ = ["ChunkMerger", "merge_chunk_models"]

_M = TypeVar("_M", bound=BaseModel)

# Keys that name or tag a thing: the first value sent stands, later ones are not appended.
_SET_ONCE = frozenset({"id", "type", "name", "role", "index"})
_TOP_LEVEL_SKIP = frozenset({"object", "choices"})
_CHOICE_KEYS = frozenset({"index", "delta", "finish_reason", "logprobs"})


def _merge(target: dict[str, Any], delta: Mapping[str, Any]) -> None:
    """Append strings and lists, recurse into objects, keep the first id/type/name/role."""
    for key, value in delta.items():
        current = target.get(key)
        if value is None:
            target.setdefault(key, None)
        elif current is None:
            target[key] = copy.deepcopy(value)
        elif key in _SET_ONCE:
            continue
        elif isinstance(current, str) and isinstance(value, str):
            target[key] = current + value
        elif isinstance(current, list) and isinstance(value, list):
            current.extend(copy.deepcopy(value))
        elif isinstance(current, dict) and isinstance(value, Mapping):
            _merge(current, value)
        else:
            target[key] = copy.deepcopy(value)


@dataclass
class _Choice:
    """What has arrived so far for one choice index."""

    index: int
    message: dict[str, Any] = field(default_factory=lambda: {"role": None, "content": None})
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[int, int] = field(default_factory=dict)
    finish_reason: Any = None
    logprobs: dict[str, Any] | None = None
    sent_logprobs: bool = False  # a chunk named the key: the completion names it too
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, choice: Mapping[str, Any]) -> None:
        delta = choice.get("delta") or {}
        _merge(self.message, {k: v for k, v in delta.items() if k != "tool_calls"})
        for call in delta.get("tool_calls") or ():
            self._add_tool_call(call)
        if choice.get("finish_reason") is not None:
            self.finish_reason = choice["finish_reason"]
        self.sent_logprobs = self.sent_logprobs or "logprobs" in choice
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, Mapping):
            if self.logprobs is None:
                self.logprobs = {}
            _merge(self.logprobs, logprobs)
        for key, value in choice.items():
            if key not in _CHOICE_KEYS and (value is not None or key not in self.extra):
                self.extra[key] = copy.deepcopy(value)

    def _add_tool_call(self, delta: Mapping[str, Any]) -> None:
        """Merge by `index`; a known index arriving with a different id starts a new call."""
        slot = delta.get("index")
        call_id = delta.get("id")
        position: int | None
        if isinstance(slot, int):
            position = self.slots.get(slot)
        else:
            position = len(self.tool_calls) - 1 if self.tool_calls else None
        if position is not None and call_id:
            known_id = self.tool_calls[position].get("id")
            if known_id is not None and known_id != call_id:
                position = None
        if position is None:
            self.tool_calls.append({})
            position = len(self.tool_calls) - 1
            if isinstance(slot, int):
                self.slots[slot] = position
        _merge(self.tool_calls[position], {k: v for k, v in delta.items() if k != "index"})

    def result(self) -> dict[str, Any]:
        message = copy.deepcopy(self.message)
        if message["role"] is None:
            message["role"] = "assistant"
        if self.tool_calls:
            calls = copy.deepcopy(self.tool_calls)
            for call in calls:
                call.setdefault("type", "function")
                if isinstance(call.get("function"), dict):
                    call["function"].setdefault("arguments", "")
            message["tool_calls"] = calls
        result = {"index": self.index, "message": message, "finish_reason": self.finish_reason}
        if self.sent_logprobs:
            result["logprobs"] = copy.deepcopy(self.logprobs)
        return result | copy.deepcopy(self.extra)


class ChunkMerger:
    """Accumulate a chat-completion stream chunk by chunk; no I/O, like openai's stream state."""

    def __init__(self) -> None:
        self._top: dict[str, Any] = {}
        self._choices: dict[int, _Choice] = {}

    def handle_chunk(self, chunk: Mapping[str, Any]) -> None:
        """Fold one `chat.completion.chunk` (as a JSON dict) into the running completion."""
        for key, value in chunk.items():
            if key not in _TOP_LEVEL_SKIP and (value is not None or key not in self._top):
                self._top[key] = copy.deepcopy(value)
        for choice in chunk.get("choices") or ():
            index = choice.get("index")
            index = index if isinstance(index, int) else 0
            if index not in self._choices:
                self._choices[index] = _Choice(index)
            self._choices[index].add(choice)

    def result(self) -> dict[str, Any]:
        """The `chat.completion` dict for everything handled so far; a fresh copy each call."""
        completion = copy.deepcopy(self._top)
        completion["object"] = "chat.completion"
        completion["choices"] = [self._choices[i].result() for i in sorted(self._choices)]
        return completion


def merge_chunk_models(chunks: Iterable[BaseModel], into: type[_M]) -> _M:
    """Fold typed chunks into the typed completion a non-streamed call returns."""
    merger = ChunkMerger()
    for chunk in chunks:
        merger.handle_chunk(chunk.model_dump(mode="json", by_alias=True, exclude_unset=True))
    merged = merger.result()
    try:
        return into.model_validate(merged)
    except ValidationError as exc:
        raise StreamError(_incomplete_message(exc, into), body=merged) from None


def _incomplete_message(exc: ValidationError, into: type[BaseModel]) -> str:
    """Say which fields the spec requires that the stream never sent, and how to ask for usage."""
    missing = sorted(
        {".".join(str(p) for p in e["loc"]) for e in exc.errors() if e["type"] == "missing"}
    )
    if not missing:
        return f"the merged stream is not a valid {into.__name__}: {exc.errors()[0]['msg']}"
    message = (
        f"the merged stream is not a valid {into.__name__}: the spec requires "
        f"{', '.join(missing)}, which no chunk sent"
    )
    if "usage" in missing:
        message += (
            "; streams send usage only when asked: pass stream_options={'include_usage': True}"
        )
    return message
