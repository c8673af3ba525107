"""Chat semantics of an answer (plain or merged from a stream): usage, tool calls, structured output.

Each function takes the completion as a JSON dict and returns (check id, message) pairs; no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["completion_problems", "usage_problem"]

Problem = tuple[str, str]  # (check id, message)


def usage_problem(usage: Any) -> Problem | None:
    """`usage-total` where the three counts are numbers that do not add up."""
    if not isinstance(usage, Mapping):
        return None
    counts = [usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    numbers = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    if len(numbers) != 3:
        return None
    prompt, completion, total = numbers
    if prompt + completion != total:
        return (
            "usage-total",
            f"usage does not add up: prompt_tokens {prompt} + completion_tokens {completion}"
            f" != total_tokens {total}",
        )
    return None


def completion_problems(
    completion: Mapping[str, Any], tools: Sequence[Mapping[str, Any]], output_schema: Any
) -> list[Problem]:
    """Usage, tool-call arguments against the offered tools, content against the output schema."""
    problems = [p for p in [usage_problem(completion.get("usage"))] if p]
    choices = completion.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        message = choice.get("message") if isinstance(choice, Mapping) else None
        if not isinstance(message, Mapping):
            continue
        calls = message.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            problem = _arguments_problem(call, tools)
            if problem:
                problems.append(("tool-arguments", problem))
        content = message.get("content")
        if output_schema is not None and not calls:
            problem = _structured_problem(content, output_schema)
            if problem:
                problems.append(("structured-output", problem))
    return problems


def _arguments_problem(call: Any, tools: Sequence[Mapping[str, Any]]) -> str | None:
    function = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(function, Mapping):
        return None
    name = function.get("name")
    offered = {
        t["function"].get("name"): t["function"]
        for t in tools
        if isinstance(t.get("function"), Mapping)
    }
    if name not in offered:
        return f"the model called {name!r}, which is not among the offered tools"
    raw = function.get("arguments")
    try:
        arguments = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return f"the arguments of the call to {name!r} are not JSON: {str(raw)[:80]!r}"
    return _schema_problem(
        arguments, offered[name].get("parameters") or {}, f"{name!r}'s arguments"
    )


def _structured_problem(content: Any, schema: Any) -> str | None:
    if not isinstance(content, str):
        return "the answer has no text content to hold the structured output"
    try:
        value = json.loads(content)
    except ValueError:
        return f"the content is not JSON: {content[:80]!r}"
    return _schema_problem(value, schema, "the content")


def _schema_problem(value: Any, schema: Any, what: str) -> str | None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    from apiforge.document.patterns import linear_validator

    try:
        error = best_match(linear_validator(Draft202012Validator)(schema).iter_errors(value))
    except Exception:  # a schema jsonschema cannot apply: nothing to judge against
        return None
    return None if error is None else f"{what} are not valid: {error.message[:200]}"
