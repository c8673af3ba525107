"""The checks `apiforge conform` runs: each a stable id, a severity and one line saying what it proves.

The id is the outside contract (reports, CI filters, the docs' table); the line is its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CHECKS", "Check", "Finding", "Request", "by_id"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    summary: str


CHECKS: tuple[Check, ...] = (
    Check("status-documented", "error", "every response's status is one the operation documents"),
    Check("accepted", "error", "a valid request (minimal, full, streamed, with tools) gets a 2xx"),
    Check(
        "refused",
        "error",
        "an invalid request (wrong type, missing required, unknown "
        "parameter where rejected) gets a 4xx",
    ),
    Check(
        "content-type",
        "error",
        "the content type is the documented one: an event stream "
        "when the stream flag is set, JSON otherwise",
    ),
    Check("body-schema", "error", "a 2xx JSON body validates against the documented schema"),
    Check("required-headers", "error", "headers the response documents as required are present"),
    Check(
        "error-envelope",
        "error",
        "an error body validates against its documented schema and carries the envelope's message",
    ),
    Check(
        "chunk-schema",
        "error",
        "each streamed `data:` payload validates against the chunk schema, as it arrives",
    ),
    Check(
        "stream-sentinel",
        "error",
        "the stream ends with the spec's sentinel, and nothing comes after it",
    ),
    Check(
        "usage-chunk",
        "error",
        "with include-usage, exactly one chunk carries usage, the last before the sentinel",
    ),
    Check(
        "stream-error",
        "error",
        "no error event arrives inside a stream (reported, never "
        "swallowed), and one that does is in the error envelope",
    ),
    Check("timeout", "error", "the answer (a whole stream included) arrives within --timeout"),
    Check(
        "merged-shape",
        "error",
        "the merged stream validates as a plain answer: one role per choice, choices by index",
    ),
    Check(
        "tool-call-deltas",
        "error",
        "every tool-call delta has an index; each call's id and name arrive once",
    ),
    Check("finish-reason", "error", "every streamed choice ends with a finish_reason"),
    Check(
        "usage-total", "error", "usage adds up: prompt_tokens + completion_tokens = total_tokens"
    ),
    Check(
        "tool-arguments",
        "error",
        "tool-call arguments are JSON valid against the offered tool's parameters",
    ),
    Check(
        "structured-output",
        "warning",
        "with a json_schema response format, the content is JSON valid against that schema",
    ),
    Check(
        "auth-required",
        "error",
        "a request without credentials is refused where the spec declares security",
    ),
    Check(
        "unknown-ignored", "error", "an unknown parameter is accepted where the dialect says ignore"
    ),
    Check(
        "tools-refused",
        "error",
        "tools sent to a model the dialect lists as without tools get a 4xx",
    ),
)

_BY_ID = {check.id: check for check in CHECKS}


def by_id(check_id: str) -> Check:
    return _BY_ID[check_id]


@dataclass(frozen=True)
class Request:
    """What was sent, enough to reproduce it (credentials left out)."""

    method: str
    url: str
    body: object  # the JSON body, or None
    # how the credentials went: (kind, header or query name), as ir.Security says; None: without
    credentials: tuple[str, str] | None = None


@dataclass(frozen=True)
class Finding:
    check: str
    operation: str
    message: str
    request: Request
    pointer: str  # in the bundled spec: the schema or response the answer violates

    @property
    def severity(self) -> Severity:
        return by_id(self.check).severity
