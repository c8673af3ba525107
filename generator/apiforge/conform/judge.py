"""A plain (not streamed) answer judged against the operation's contract and the scenario's intent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from apiforge.conform.chat import completion_problems
from apiforge.conform.contract import OperationContract, ResponseContract
from apiforge.conform.scenarios import Scenario
from apiforge.conform.stream import Problem
from apiforge.document import pointer as jp
from apiforge.document.media import essence, is_event_stream, is_json
from apiforge.runtime.client.errors import extract_message

__all__ = ["expectation", "judge_plain", "undocumented"]


def undocumented(op: OperationContract, status: int) -> Problem | None:
    if op.response(status) is not None:
        return None
    listed = ", ".join(r.key for r in op.responses) or "none"
    return Problem(
        "status-documented",
        f"status {status} is not documented for {op.operation_id} (documented: {listed})",
        jp.join(op.pointer, "responses"),
    )


def expectation(
    op: OperationContract, scenario: Scenario, status: int, said: str | None
) -> Problem | None:
    """The scenario's own check: a 2xx for a valid request, a 4xx for one the spec refuses."""
    ok = 200 <= status < 300
    why = f" ({said[:160]!r})" if said else ""
    where = jp.join(op.pointer, "requestBody") if op.request else op.pointer
    if scenario.expect == "success" and not ok:
        what = {"unknown-ignored": "with an unknown parameter, which the dialect ignores,"}.get(
            scenario.check, "valid"
        )
        return Problem(
            scenario.check,
            f"the {scenario.name} request ({what}) got {status}, not a 2xx{why}",
            where,
        )
    if scenario.expect == "refusal" and not 400 <= status < 500:
        return Problem(
            scenario.check, f"the {scenario.name} request got {status}, not a 4xx{why}", where
        )
    return None


def judge_plain(
    op: OperationContract,
    scenario: Scenario,
    status: int,
    headers: Mapping[str, str],
    raw: bytes,
    message_pointer: str,
) -> list[Problem]:
    """Content type, headers, body schema or error envelope, and chat semantics of a plain answer."""
    documented = op.response(status)
    if documented is None:
        return []
    problems = _headers(documented, headers)
    mime = headers.get("content-type", "")
    stream = op.stream if scenario.stream and 200 <= status < 300 else None
    asked_stream = stream is not None
    if stream is not None and not is_event_stream(mime):
        return [
            *problems,
            Problem(
                "content-type",
                f"the request set `{stream.flag}: true` "
                f"(a stream), the answer is {essence(mime) or 'untyped'}",
                stream.pointer,
            ),
        ]
    if not asked_stream and is_event_stream(mime):
        return [
            *problems,
            Problem(
                "content-type",
                "the request did not ask for a stream, the answer is text/event-stream",
                documented.pointer,
            ),
        ]
    if not documented.json_types:
        return problems
    if not is_json(mime):
        return [
            *problems,
            Problem(
                "content-type",
                f"the {status} answer is "
                f"{essence(mime) or 'untyped'}, not the documented "
                f"{', '.join(documented.json_types)}",
                documented.pointer,
            ),
        ]
    check = "body-schema" if status < 400 else "error-envelope"
    try:
        body = json.loads(raw)
    except ValueError:
        return [
            *problems,
            Problem(check, f"the {status} body is not JSON: {raw[:80]!r}", documented.pointer),
        ]
    if status >= 400:
        return problems + _envelope(documented, status, body, message_pointer)
    schema = documented.json
    problem = schema.problem(body) if schema is not None else None
    if problem and schema is not None:
        problems.append(Problem("body-schema", f"the {status} body: {problem}", schema.pointer))
    if isinstance(body, Mapping) and "choices" in body:
        for found, message in completion_problems(body, scenario.tools, scenario.output_schema):
            problems.append(Problem(found, message, documented.pointer))
    return problems


def error_message(raw: bytes, message_pointer: str) -> str | None:
    try:
        return extract_message(json.loads(raw), [message_pointer])
    except ValueError:
        return None


def _envelope(
    documented: ResponseContract, status: int, body: Any, message_pointer: str
) -> list[Problem]:
    schema = documented.json
    problem = schema.problem(body) if schema is not None else None
    if problem and schema is not None:
        return [Problem("error-envelope", f"the {status} error body: {problem}", schema.pointer)]
    if extract_message(body, [message_pointer]) is None:
        return [
            Problem(
                "error-envelope",
                f"the {status} error body has no message at "
                f"{message_pointer}: {json.dumps(body)[:120]}",
                schema.pointer if schema else documented.pointer,
            )
        ]
    return []


def _headers(documented: ResponseContract, headers: Mapping[str, str]) -> list[Problem]:
    return [
        Problem(
            "required-headers",
            f"the documented header {name} is missing",
            jp.join(documented.pointer, "headers", name),
        )
        for name in documented.required_headers
        if name.lower() not in headers
    ]
