"""One event stream judged event by event as it arrives: sans-IO, fed decoded server-sent events.

Per event: the chunk schema, nothing after the sentinel, error events, tool-call deltas, one role
per choice, usage counts. At the end: the sentinel came, the usage chunk came once and last (when
asked), every choice has a finish_reason, and the merged stream (the runtime's ChunkMerger, as the
generated client merges) validates as a plain answer, its tool calls and structured output too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apiforge.conform.chat import completion_problems, usage_problem
from apiforge.conform.contract import Schema, StreamContract
from apiforge.runtime.client.errors import extract_message
from apiforge.runtime.client.merge import ChunkMerger
from apiforge.runtime.client.sse import ServerSentEvent

__all__ = ["Problem", "StreamWatch"]


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    pointer: str


@dataclass
class StreamWatch:
    """What one stream has shown so far, and the problems found in it."""

    stream: StreamContract
    message_pointer: str  # the envelope's message, to tell an error event from a chunk
    completion: Schema | None  # the plain answer's schema, for the merged stream
    error_pointer: str
    include_usage: bool = False
    tools: Sequence[Mapping[str, Any]] = ()
    output_schema: Any = None
    problems: list[Problem] = field(default_factory=list)
    chunks: int = 0
    _seen: Counter[str] = field(default_factory=Counter)
    _done: bool = False
    _usage_at: list[int] = field(default_factory=list)
    _roles: dict[int, set[str]] = field(default_factory=dict)
    _call_parts: Counter[tuple[int, int, str]] = field(default_factory=Counter)
    _merger: ChunkMerger = field(default_factory=ChunkMerger)

    def event(self, event: ServerSentEvent) -> None:
        if self._done:
            self._report(
                "stream-sentinel",
                f"data arrived after `data: {self.stream.done}`: {event.data[:80]!r}",
                self.stream.pointer,
            )
            return
        if event.data == self.stream.done:
            self._done = True
            return
        if not event.data:
            return
        try:
            payload = json.loads(event.data)
        except ValueError:
            self._report(
                "chunk-schema",
                f"a `data:` payload is neither JSON nor the sentinel: {event.data[:80]!r}",
                self._chunk_pointer(),
            )
            return
        if self._is_error(event, payload):
            return
        self.chunks += 1
        chunk = self.stream.chunk
        problem = chunk.problem(payload) if chunk is not None else None
        if problem:
            self._report("chunk-schema", f"chunk {self.chunks}: {problem}", self._chunk_pointer())
        if not isinstance(payload, Mapping):
            return
        if payload.get("usage") is not None:
            self._usage_at.append(self.chunks)
            said = usage_problem(payload["usage"])
            if said:
                self._report(*said, self._chunk_pointer())
        self._deltas(payload)
        self._merger.handle_chunk(payload)

    def finish(self, *, cut: bool) -> list[Problem]:
        """The end-of-stream checks (only those that do not need the end, when it was cut)."""
        if cut:
            return self.problems
        where = self.stream.pointer
        if not self._done:
            self._report(
                "stream-sentinel", f"the stream ended without `data: {self.stream.done}`", where
            )
        if self.include_usage:
            self._usage_order(where)
        for (choice, index, part), count in sorted(self._call_parts.items()):
            if part.startswith("-") or count == 1:
                continue
            self._report(
                "tool-call-deltas",
                f"choice {choice}, tool call {index}: its {part} arrived {count} times, not once",
                where,
            )
        for choice, index, _ in sorted(k for k in self._call_parts if k[2] == "-seen"):
            for needed in ("id", "name"):
                if not self._call_parts[(choice, index, needed)]:
                    self._report(
                        "tool-call-deltas",
                        f"choice {choice}, tool call {index}: no delta carried its {needed}",
                        where,
                    )
        if self.chunks:
            self._merged()
        return self.problems

    def _is_error(self, event: ServerSentEvent, payload: Any) -> bool:
        """An error event (reported): `event: error`, or a payload with the envelope's message."""
        message = extract_message(payload, [self.message_pointer])
        is_chunk = isinstance(payload, Mapping) and "choices" in payload
        if event.event != "error" and (message is None or is_chunk):
            return False
        text = f"an error arrived inside the stream: {message or event.data[:120]!r}"
        if message is None:
            text += f" (not in the error envelope: no message at {self.message_pointer})"
        self._report("stream-error", text, self.error_pointer)
        return True

    def _deltas(self, chunk: Mapping[str, Any]) -> None:
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, Mapping) or not isinstance(choice.get("delta"), Mapping):
                continue
            index_ = choice.get("index")
            at: int = index_ if isinstance(index_, int) else 0
            delta = choice["delta"]
            if isinstance(delta.get("role"), str):
                roles = self._roles.setdefault(at, set())
                roles.add(delta["role"])
                if len(roles) == 2:
                    self._report(
                        "merged-shape",
                        f"choice {at} changes role: {', '.join(sorted(roles))}",
                        self._completion_pointer(),
                    )
            calls = delta.get("tool_calls")
            for call in calls if isinstance(calls, list) else ():
                if not isinstance(call, Mapping):
                    continue
                index = call.get("index")
                if not isinstance(index, int) or isinstance(index, bool):
                    self._report(
                        "tool-call-deltas",
                        f"chunk {self.chunks}: a tool-call delta has no integer `index`",
                        self._chunk_pointer(),
                    )
                    continue
                self._call_parts[(at, index, "-seen")] += 1
                if call.get("id"):
                    self._call_parts[(at, index, "id")] += 1
                function = call.get("function")
                if isinstance(function, Mapping) and function.get("name"):
                    self._call_parts[(at, index, "name")] += 1

    def _usage_order(self, where: str) -> None:
        if not self._usage_at:
            self._report(
                "usage-chunk",
                "no chunk carried `usage`, although the request asked for it (include-usage)",
                where,
            )
        elif len(self._usage_at) > 1:
            self._report(
                "usage-chunk", f"{len(self._usage_at)} chunks carried `usage`, not one", where
            )
        elif self._usage_at[0] != self.chunks:
            self._report(
                "usage-chunk",
                f"the usage chunk is chunk {self._usage_at[0]} of "
                f"{self.chunks}, not the last before the sentinel",
                where,
            )

    def _merged(self) -> None:
        merged = self._merger.result()
        for choice in merged.get("choices") or []:  # what no delta sent is absent, not null
            message = choice.get("message")
            if isinstance(message, dict):
                choice["message"] = {k: v for k, v in message.items() if v is not None}
        for index, choice in enumerate(merged.get("choices") or []):
            if choice.get("finish_reason") is None:
                self._report(
                    "finish-reason",
                    f"choice {choice.get('index', index)} ended without a finish_reason",
                    self.stream.pointer,
                )
        problem = self._merged_problem(merged)
        if problem:
            self._report(
                "merged-shape",
                f"the merged stream is no valid plain answer: {problem}",
                self._completion_pointer(),
            )
        merged.pop("usage", None)  # judged chunk by chunk above
        for check, message in completion_problems(merged, self.tools, self.output_schema):
            self._report(check, f"in the merged stream: {message}", self.stream.pointer)

    def _merged_problem(self, merged: Mapping[str, Any]) -> str | None:
        """The merged answer against the plain schema, leaving out what other checks report."""
        if self.completion is None:
            return None
        from jsonschema.exceptions import best_match

        def elsewhere(error: Any) -> bool:
            """Usage (usage-chunk, usage-total) and finish_reason (finish-reason) are theirs."""
            path = [str(p) for p in error.absolute_path]
            if "finish_reason" in path or (path and path[0] == "usage"):
                return True
            said = str(error.message)
            return error.validator == "required" and (
                "'usage'" in said or "'finish_reason'" in said
            )

        try:
            errors = [e for e in self.completion.validator.iter_errors(merged) if not elsewhere(e)]
        except Exception:
            return None
        error = best_match(errors)
        if error is None:
            return None
        where = "".join(f"/{p}" for p in error.absolute_path) or "/"
        return f"at {where}: {error.message[:200]}"

    def _report(self, check: str, message: str, pointer: str) -> None:
        """Each check once per stream: the first message, and how often it recurred."""
        self._seen[check] += 1
        if self._seen[check] == 1:
            self.problems.append(Problem(check, message, pointer))

    def _chunk_pointer(self) -> str:
        return self.stream.chunk.pointer if self.stream.chunk else self.stream.pointer

    def _completion_pointer(self) -> str:
        return self.completion.pointer if self.completion else self.stream.pointer
