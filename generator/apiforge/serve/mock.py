"""A deterministic mock chat model that serves any generated package through its `Handler` Protocol.

It echoes the last user message (or the result of the last tool call), calls a tool when it is
offered one (unless `tool_choice` is "none" or a tool result just came in) with arguments that are a
minimal valid instance of the tool's JSON schema, streams when asked, and reports usage. It builds
plain dicts and validates them into the package's own models, so it fits every dialect.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel

from apiforge.document import pointer as jp
from apiforge.document.values import as_object

__all__ = ["Reply", "minimal_instance", "mock_handler", "plan_reply", "tokens"]

_TOKEN = re.compile(r"\w+|[^\w\s]")
_PIECE = re.compile(r"\S+\s*|\s+")
_ARGUMENT_PIECE = 16  # characters of tool-call arguments per streamed chunk
# Bounds on a minimal instance of a client's schema, so that one request cannot exhaust the server:
_MAX_COUNT = 64  # items of an array, characters of a string, whatever minItems/minLength ask
_MAX_DEPTH = 16  # levels of nesting, refs followed included
_MAX_SIZE = 10_000  # values plus string characters in the whole instance (consts included)


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text


@dataclass(frozen=True)
class Reply:
    """What the mock answers to one request, before any dialect shapes it."""

    id: str
    model: str
    content: str | None
    tool_call: ToolCall | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


def tokens(text: str) -> int:
    """A stable stand-in for a tokenizer: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def plan_reply(request: dict[str, Any]) -> Reply:
    """The reply to a chat request given as JSON: pure, the same answer for the same request."""
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    prompt = sum(tokens(_text(m.get("content"))) for m in messages)
    model = str(request.get("model") or "mock")
    tool = _chosen_tool(request, messages)
    if tool is not None:
        name, parameters = tool
        arguments = json.dumps(minimal_instance(parameters, top=True), separators=(",", ":"))
        call = ToolCall(f"call_{digest[:24]}", name, arguments)
        return Reply(
            f"chatcmpl-{digest[:24]}", model, None, call, "tool_calls", prompt, tokens(arguments)
        )
    content = _answer_text(request, messages)
    return Reply(f"chatcmpl-{digest[:24]}", model, content, None, "stop", prompt, tokens(content))


def _text(content: Any) -> str:
    """Message content as text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def _answer_text(request: dict[str, Any], messages: list[dict[str, Any]]) -> str:
    if messages and messages[-1].get("role") == "tool":
        text = _text(messages[-1].get("content"))
    else:
        users = [m for m in messages if m.get("role") == "user"]
        text = _text(users[-1].get("content")) if users else ""
    response_format = request.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_object":
        return json.dumps({"content": text})
    if kind == "json_schema":
        spec = response_format.get("json_schema") if isinstance(response_format, dict) else None
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return json.dumps(minimal_instance(schema))
    return text


def _chosen_tool(request: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[str, Any] | None:
    """(name, parameters schema) of the tool to call, or None to answer with text."""
    tools = [t for t in request.get("tools") or [] if isinstance(t, dict)]
    functions = [t["function"] for t in tools if isinstance(t.get("function"), dict)]
    functions = [f for f in functions if isinstance(f.get("name"), str)]
    choice = request.get("tool_choice")
    if not functions or choice == "none" or (messages and messages[-1].get("role") == "tool"):
        return None
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        wanted = choice["function"].get("name")
        functions = [f for f in functions if f["name"] == wanted] or functions
    return functions[0]["name"], functions[0].get("parameters")


def minimal_instance(schema: Any, *, top: bool = False) -> Any:
    """A small value valid against a JSON schema (common keywords, local `$ref`s; not `pattern`).

    `top` makes the answer an object, as tool-call arguments must be. The schema comes from the
    client, so the value is bounded (see `_MAX_COUNT`, `_MAX_DEPTH`, `_MAX_SIZE`): it is valid
    whenever the schema's own minimums fit in those bounds.
    """
    return _Instance(schema).build(schema, top, 0)


class _Instance:
    """One bounded walk: `left` is what remains of the size budget, shared by the whole value."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.left = _MAX_SIZE

    def build(self, schema: Any, top: bool, depth: int) -> Any:
        self.left -= 1
        schema = self.deref(schema)
        if not isinstance(schema, dict) or depth > _MAX_DEPTH or self.left < 0:
            return {} if top else None
        if "const" in schema or (isinstance(schema.get("enum"), list) and schema["enum"]):
            value = schema["const"] if "const" in schema else schema["enum"][0]
            self.left -= _size(value, self.left)  # the client's data, maybe large, maybe repeated
            return value
        if isinstance(schema.get("allOf"), list):
            return self.build(self.merge_all_of(schema, depth), top, depth + 1)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                return self.build(options[0], top, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
        if kind == "object" or top or "properties" in schema:
            return self.object(schema, depth)
        if kind == "array":
            items: list[Any] = []
            for _ in range(_count(schema.get("minItems"))):
                if self.left <= 0:
                    break
                items.append(self.build(schema.get("items"), False, depth + 1))
            return items
        if kind == "string":
            text = _minimal_string(schema)
            self.left -= len(text)
            return text
        if kind in ("integer", "number"):
            return _minimal_number(schema, integer=kind == "integer")
        if kind == "boolean":
            return False
        return None

    def object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = as_object(schema.get("properties"))
        value: dict[str, Any] = {}
        for name in _names(schema.get("required")):
            if self.left <= 0:
                break
            if name not in value:
                value[name] = self.build(properties.get(name), False, depth + 1)
        return value

    def deref(self, schema: Any) -> Any:
        """Follow `#...` refs within the root schema; a ref it cannot follow is left as written."""
        for _ in range(_MAX_DEPTH):
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            target = _local_target(self.root, ref) if isinstance(ref, str) else None
            if target is None:
                return schema
            schema = target
        return None  # a loop of refs, or a chain too long to follow

    def merge_all_of(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """allOf folded into one schema: properties and required lists united, first key wins.

        Refs can make one part appear many times over: each merge is charged to the budget.
        """
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = self.deref(part)
            if not isinstance(part, dict) or depth >= _MAX_DEPTH or self.left <= 0:
                continue
            if isinstance(part.get("allOf"), list):
                part = self.merge_all_of(part, depth + 1)
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    merged["properties"] = {**value, **as_object(merged.get("properties"))}
                    self.left -= len(merged["properties"])
                elif key == "required" and isinstance(value, list):
                    names = _names(merged.get("required")) + _names(value)
                    merged["required"] = list(dict.fromkeys(names))
                    self.left -= len(merged["required"])
                else:
                    merged.setdefault(key, value)
            self.left -= 1
        return merged


def _local_target(root: Any, ref: str) -> Any:
    """The node a `#/...` ref names inside the root schema; None for any other ref or a miss."""
    if not ref.startswith("#"):
        return None
    node = root
    try:
        for token in jp.split(unquote(ref)):
            node = node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    return node


def _size(value: Any, limit: int) -> int:
    """Values plus string characters in a JSON value, counted until `limit` is passed."""
    size, stack = 0, [value]
    while stack and size <= limit:
        item = stack.pop()
        size += 1
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, dict):
            size += sum(len(k) for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return size


def _names(value: Any) -> list[str]:
    return [n for n in value if isinstance(n, str)] if isinstance(value, list) else []


def _count(value: Any) -> int:
    """A client's minItems or minLength as a count in 0.._MAX_COUNT (0 when it is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, min(_MAX_COUNT, math.ceil(value)))


def _minimal_string(schema: dict[str, Any]) -> str:
    formats = {
        "date": "1970-01-01",
        "date-time": "1970-01-01T00:00:00Z",
        "time": "00:00:00Z",
        "email": "mock@example.com",
        "uri": "https://example.com",
        "uuid": "00000000-0000-0000-0000-000000000000",
    }
    fmt = schema.get("format")
    text = formats.get(fmt, "") if isinstance(fmt, str) else ""
    return text + "x" * (_count(schema.get("minLength")) - len(text))


def _minimal_number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low, high = _finite(schema.get("minimum")), _finite(schema.get("maximum"))
    exclusive = _finite(schema.get("exclusiveMinimum"))
    value: float = 0 if low is None else low
    if exclusive is not None:
        value = max(value, exclusive + 1 if integer else exclusive + 0.5)
    if high is not None and value > high:
        value = high
    if not math.isfinite(value):  # a bound near the float limit, pushed over it
        value = 0
    return math.ceil(value) if integer else float(value)


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


class MockChat:
    """Turns a Reply into one operation's response and chunk models."""

    def __init__(
        self,
        response: type[BaseModel],
        stream: Any,  # the operation's StreamSpec, or None
        clock: Callable[[], float],
        timer: Callable[[], float],
    ) -> None:
        self.response = response
        self.chunk: type[BaseModel] | None = stream.chunk if stream is not None else None
        self.stream_flag: str | None = stream.flag if stream is not None else None
        self.clock = clock
        self.timer = timer

    def usage(self, reply: Reply, started: float) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            "total_time": round(max(0.0, self.timer() - started), 6),
        }

    def completion(self, reply: Reply, started: float) -> BaseModel:
        message: dict[str, Any] = {"role": "assistant"}
        if reply.content is not None:
            message["content"] = reply.content
        if reply.tool_call is not None:
            call = reply.tool_call
            function = {"name": call.name, "arguments": call.arguments}
            message["tool_calls"] = [{"id": call.id, "type": "function", "function": function}]
        choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
        return self.response.model_validate(
            {
                "id": reply.id,
                "object": "chat.completion",
                "created": int(self.clock()),
                "model": reply.model,
                "choices": [choice],
                "usage": self.usage(reply, started),
            }
        )

    async def chunks(self, reply: Reply, started: float) -> AsyncIterator[BaseModel]:
        """Role first, then the content word by word (or the tool call in pieces), then usage."""
        assert self.chunk is not None
        head = {
            "id": reply.id,
            "object": "chat.completion.chunk",
            "created": int(self.clock()),
            "model": reply.model,
        }
        for delta in _deltas(reply):
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            yield self.chunk.model_validate({**head, "choices": [choice]})
            await asyncio.sleep(0)  # a point where a disconnect can stop us
        last = {"index": 0, "delta": {}, "finish_reason": reply.finish_reason}
        usage = self.usage(reply, started)
        yield self.chunk.model_validate({**head, "choices": [last], "usage": usage})


def _deltas(reply: Reply) -> list[dict[str, Any]]:
    if reply.tool_call is None:
        text = reply.content or ""
        return [{"role": "assistant", "content": ""}] + [
            {"content": piece} for piece in _PIECE.findall(text)
        ]
    call = reply.tool_call
    start = {"index": 0, "id": call.id, "type": "function"}
    deltas: list[dict[str, Any]] = [
        {
            "role": "assistant",
            "tool_calls": [{**start, "function": {"name": call.name, "arguments": ""}}],
        }
    ]
    for i in range(0, len(call.arguments), _ARGUMENT_PIECE):
        piece = call.arguments[i : i + _ARGUMENT_PIECE]
        deltas.append({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    return deltas


def mock_handler(
    server: ModuleType,
    *,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
) -> Any:
    """A handler for `server` (a generated `server` module): chat operations answered by the mock.

    An operation is a chat operation when its body has `messages` and it answers a JSON model;
    any other operation answers 501 in the dialect's envelope.
    """
    methods: dict[str, Any] = {}
    for name, spec in server.OPERATIONS.items():
        fields = spec.body.model.model_fields if spec.body is not None else {}
        if "messages" in fields and spec.response is not None:
            methods[name] = _chat_method(MockChat(spec.response, spec.stream, clock, timer))
        else:
            methods[name] = _unsupported_method(server, spec.operation_id)
    return type("MockHandler", (), methods)()


def _chat_method(chat: MockChat) -> Callable[..., Any]:
    async def method(self: object, body: BaseModel, *rest: Any) -> object:
        started = chat.timer()
        request = _request_json(body, rest[-1] if rest else None)
        reply = plan_reply(request)
        if chat.stream_flag is not None and request.get(chat.stream_flag) is True:
            return chat.chunks(reply, started)
        return chat.completion(reply, started)

    return method


def _request_json(body: BaseModel, context: Any) -> dict[str, Any]:
    """The request as sent: the models drop schema keywords (minLength...) the mock must honour."""
    raw = getattr(context, "raw_body", b"")
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    dumped: dict[str, Any] = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def _unsupported_method(server: ModuleType, operation_id: str) -> Callable[..., Any]:
    async def method(self: object, *args: object) -> object:
        raise server.ApiError(501, f"The mock model does not implement {operation_id}.")

    return method
