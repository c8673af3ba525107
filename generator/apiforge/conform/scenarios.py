"""The requests `conform` sends for one operation, each derived from the spec, with what it expects.

Valid bodies come first (minimal, full, streamed, with tools, structured output), then the 4xx the
spec documents that a body can provoke (a wrong type, a missing required property, an unknown one
where the schema or `x-apiforge-unknown-properties` rejects it, tools to a model without tools),
a request without credentials where security is declared, and an unknown parameter where the
dialect says ignore. Every body meant valid is checked valid against the request schema first, and
every body meant invalid is checked refused by it: a scenario the spec cannot decide is not sent.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from apiforge.conform.contract import OperationContract, Schema
from apiforge.document import pointer as jp

__all__ = ["CONFORM_TOOL", "STRUCTURED_SCHEMA", "UNKNOWN_PARAMETER", "Scenario", "scenarios"]

UNKNOWN_PARAMETER = "apiforge_conform_unknown"
CONFORM_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
STRUCTURED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"greeting": {"type": "string"}},
    "required": ["greeting"],
    "additionalProperties": False,
}
_PROMPT = "Say hello in one short sentence."
# set by their own scenarios, never by the full body
_SPECIAL = frozenset({"tools", "tool_choice", "response_format", "functions", "function_call"})


@dataclass(frozen=True)
class Scenario:
    name: str
    body: Any  # the JSON body; None: no body
    expect: Literal["success", "refusal"]
    check: str  # the check its expectation belongs to
    authorized: bool = True
    stream: bool = False
    include_usage: bool = False
    tools: tuple[Mapping[str, Any], ...] = ()  # the tools offered, for tool-arguments
    output_schema: Any = None  # a json_schema response format's schema
    path_values: tuple[tuple[str, Any], ...] = ()
    query: tuple[tuple[str, Any], ...] = ()


def scenarios(op: OperationContract, model: str | None) -> list[Scenario]:
    """Every request for `op`, in the order they are sent."""
    from apiforge.serve.mock import minimal_instance

    path_values, query = _parameters(op, minimal_instance)
    request = op.request
    if request is None:
        base = Scenario(
            "minimal", None, "success", "accepted", path_values=path_values, query=query
        )
        return [base, *_without_credentials(op, base)]
    props = request.properties()
    chat = "messages" in props and "model" in props
    body = _chat_body(request, model) if chat else None
    if body is None:
        body = minimal_instance(request.json_schema)
        if chat and model:
            body["model"] = model
    common: dict[str, Any] = {"path_values": path_values, "query": query}
    minimal = Scenario("minimal", body, "success", "accepted", **common)
    out = [minimal]
    full = _full_body(request, body, op)
    if full != body:
        out.append(Scenario("full", full, "success", "accepted", **common))
    stream = op.stream
    if stream is not None:
        streamed = {**body, stream.flag: True}
        out.append(Scenario("stream", streamed, "success", "accepted", stream=True, **common))
        if stream.include_usage:
            usage = _with(streamed, stream.include_usage, True)
            if _valid(request, usage):
                out.append(
                    Scenario(
                        "stream-usage",
                        usage,
                        "success",
                        "accepted",
                        stream=True,
                        include_usage=True,
                        **common,
                    )
                )
    if chat:
        out.extend(_chat_scenarios(op, request, body, common))
    out.extend(_invalid(op, request, body, common))
    out.extend(_without_credentials(op, minimal))
    if op.unknown_properties == "ignore":
        unknown = {**body, UNKNOWN_PARAMETER: True}
        out.append(Scenario("unknown-ignored", unknown, "success", "unknown-ignored", **common))
    return out


def _chat_body(request: Schema, model: str | None) -> dict[str, Any] | None:
    name = model or _example(request.properties().get("model")) or "apiforge-conform"
    body = {"model": name, "messages": [{"role": "user", "content": _PROMPT}]}
    return body if _valid(request, body) else None


def _chat_scenarios(
    op: OperationContract, request: Schema, body: dict[str, Any], common: dict[str, Any]
) -> list[Scenario]:
    out: list[Scenario] = []
    props = request.properties()
    if "tools" in props:
        tools = {**body, "tools": [CONFORM_TOOL]}
        if "tool_choice" in props and _valid(request, {**tools, "tool_choice": "required"}):
            tools["tool_choice"] = "required"
        if _valid(request, tools):
            offered = (CONFORM_TOOL,)
            out.append(Scenario("tools", tools, "success", "accepted", tools=offered, **common))
            if op.stream is not None:
                streamed = {**tools, op.stream.flag: True}
                out.append(
                    Scenario(
                        "tools-stream",
                        streamed,
                        "success",
                        "accepted",
                        stream=True,
                        tools=offered,
                        **common,
                    )
                )
            for prefix in op.models_without_tools[:1]:
                refused = {**tools, "model": f"{prefix}apiforge-conform"}
                out.append(
                    Scenario(
                        "tools-refused",
                        refused,
                        "refusal",
                        "tools-refused",
                        tools=offered,
                        **common,
                    )
                )
    if "response_format" in props:
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "greeting", "schema": STRUCTURED_SCHEMA, "strict": True},
        }
        structured = {**body, "response_format": response_format}
        if _valid(request, structured):
            out.append(
                Scenario(
                    "structured",
                    structured,
                    "success",
                    "accepted",
                    output_schema=STRUCTURED_SCHEMA,
                    **common,
                )
            )
    return out


def _invalid(
    op: OperationContract, request: Schema, body: dict[str, Any], common: dict[str, Any]
) -> list[Scenario]:
    out: list[Scenario] = []
    required = request.required()
    if required:
        name = "model" if "model" in required else required[0]
        wrong = {**body, name: _wrong_type(request.properties().get(name))}
        if not _valid(request, wrong):
            out.append(Scenario("wrong-type", wrong, "refusal", "refused", **common))
        missing = {k: v for k, v in body.items() if k != name}
        if not _valid(request, missing):
            out.append(Scenario("missing-required", missing, "refusal", "refused", **common))
    if op.unknown_properties == "reject":
        unknown = {**body, UNKNOWN_PARAMETER: True}
        if not _valid(request, unknown):
            out.append(Scenario("unknown-rejected", unknown, "refusal", "refused", **common))
    return out


def _without_credentials(op: OperationContract, base: Scenario) -> list[Scenario]:
    if not op.requires_auth:
        return []
    return [
        Scenario(
            "no-credentials",
            base.body,
            "refusal",
            "auth-required",
            authorized=False,
            path_values=base.path_values,
            query=base.query,
        )
    ]


def _full_body(request: Schema, body: dict[str, Any], op: OperationContract) -> dict[str, Any]:
    """The minimal body and every optional property the spec gives a value for that stays valid."""
    skip = set(_SPECIAL)
    if op.stream is not None:
        skip |= {op.stream.flag, *jp.split(op.stream.include_usage or "")[:1]}
    full = dict(body)
    for name, schema in request.properties().items():
        if name in full or name in skip:
            continue
        value = _example(schema)
        if value is None and isinstance(schema, Mapping) and schema.get("type") == "boolean":
            value = False
        if value is not None and _valid(request, {**full, name: value}):
            full[name] = value
    return full


def _example(schema: Any) -> Any:
    """A value the schema itself names: const, an example, the default, the first enum value."""
    if not isinstance(schema, Mapping):
        return None
    if "const" in schema:
        return schema["const"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    for key in ("example", "default"):
        if schema.get(key) is not None:
            return schema[key]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and enum else None


def _wrong_type(schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    return 12345 if kind == "string" else "apiforge-conform-wrong-type"


def _valid(request: Schema, body: Any) -> bool:
    try:
        return bool(request.validator.is_valid(body))
    except Exception:
        return False


def _with(body: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` written at an RFC 6901 pointer, objects made on the way."""
    out = copy.deepcopy(body)
    tokens = jp.split(pointer)
    node = out
    for token in tokens[:-1]:
        child = node.get(token)
        if not isinstance(child, dict):
            child = node[token] = {}
        node = child
    if tokens:
        node[tokens[-1]] = value
    return out


def _parameters(
    op: OperationContract, minimal_instance: Any
) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]:
    """A minimal value for each required path and query parameter."""
    path_values: list[tuple[str, Any]] = []
    query: list[tuple[str, Any]] = []
    for name, where, required, schema in op.params:
        if not required:
            continue
        value = minimal_instance(schema if isinstance(schema, Mapping) else {"type": "string"})
        if value in (None, ""):
            value = "a"
        (path_values if where == "path" else query).append((name, value))
    return tuple(path_values), tuple(query)
