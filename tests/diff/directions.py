"""One schema change judged twice: as a request body the client writes, and as a response body
it reads. Table rows name the kinds by their suffix: `x` is `request-body-x` / `response-body-x`,
`.x` the same under a property (`request-property-x` / `response-property-x`); a suffix written
`request:x` or `response:x` is found in that direction only, and `=x` is the whole kind `x`."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from apiforge.diff import ALL_KINDS, DiffResult, diff_documents
from tests.diff.test_documents import api

__all__ = ["Row", "judge", "kinds_of"]


@dataclass(frozen=True)
class Row:
    """A schema pair with its verdict per direction; `why` says where oasdiff differs, and why."""

    name: str
    old: Any
    new: Any
    request: bool  # breaks a client that sends the old shape
    response: bool  # breaks a client that reads the new shape
    kinds: frozenset[str]
    why: str = ""
    openapi: str = "3.1.0"
    schemas: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name


def kinds_of(direction: str, suffixes: frozenset[str]) -> set[str]:
    place = {
        "request": ("request-body", "request-property"),
        "response": ("response-body", "response-property"),
    }[direction]
    found = set()
    for suffix in suffixes:
        only, _, suffix = suffix.rpartition(":")
        if only in ("", direction):
            nested = suffix.startswith(".")
            whole = suffix[1:] if suffix.startswith("=") else None
            found.add(whole or f"{place[nested]}-{suffix.lstrip('.')}")
    return found


def judge(row: Row, direction: str) -> DiffResult:
    """Diff the row's pair placed in `direction`, and check what every table test checks."""
    where = "req" if direction == "request" else "resp"
    extra: dict[str, Any] = {"openapi": row.openapi}
    if row.schemas:
        extra["schemas"] = row.schemas
    old, new = api(**{where: row.old}, **extra), api(**{where: row.new}, **extra)
    kept = copy.deepcopy((old, new))
    result = diff_documents(old, new)
    kinds = {c.kind for c in result.changes}
    messages = [f"{c.kind}: {c.message} breaking={c.breaking}" for c in result.changes]
    assert kinds == kinds_of(direction, row.kinds), messages
    assert bool(result.undeclared_breaking) is getattr(row, direction), messages
    assert kinds <= ALL_KINDS
    assert (old, new) == kept, "diff_documents must not mutate its inputs"
    return result
