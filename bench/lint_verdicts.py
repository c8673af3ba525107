"""Each peer finding of a family, judged: matched by apiforge, a named false alarm, or a miss.

A miss carries a reduced example for the lint helper: the operation, path item or component the
finding is in, cut to a few levels and items, with the pointer and the peer's message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lint_examples import classify_example
from lint_families import Finding, matched, scope, split_pointer

from apiforge.document.walk import deref

__all__ = ["Judged", "judge_document", "reduced"]

EXAMPLE_FAMILIES = frozenset({"examples", "defaults"})
LONE_SLASH = (
    "a lone trailing slash: /a/ is a route of its own, legal and generated as written; only twins"
    " /a and /a/ collide (apiforge's rule is about twins)"
)

DISCRIMINATED_CHILD = (
    "discriminator: the component is an allOf child of a schema with a discriminator, so the base"
    " selects it by its tag (the spec's allOf pattern, the models' tagged union); the peer counts"
    " $refs only"
)


NOT_REQUIRED = (
    "required inside not: `not: {required: [a, b]}` forbids the parent's properties together; they"
    " are defined beside the `not`, where they belong (the peer looks for them inside it)"
)
NULLABLE_FALSE = "nullable: false: the default, it says nothing, so no `type` is needed beside it"
ARRAY_ANY_31 = (
    "3.1: an array schema without `items` takes any items (JSON Schema 2020-12); only 3.0"
    " requires `items` (apiforge's rule, as OpenAPI, asks it of 3.0 documents)"
)


@dataclass(frozen=True)
class Judged:
    """One peer finding in a family and what became of it."""

    finding: Finding
    verdict: str  # "matched", "false-alarm" or "miss"
    reason: str = ""
    example: str = ""  # for a miss: the reduced node around it


def judge_document(
    peers: list[Finding], ours: list[Finding], load: Callable[[], dict[str, Any] | None]
) -> list[Judged]:
    """Every peer finding in a family, judged; `load` gives the document (once, when needed)."""
    document: dict[str, Any] | None = None
    loaded = False
    judged = []
    for finding in peers:
        if not finding.family:
            continue
        if matched(finding, ours):
            judged.append(Judged(finding, "matched"))
            continue
        if not loaded:
            document, loaded = load(), True
        judged.append(_unmatched(finding, document))
    return judged


def _unmatched(finding: Finding, document: dict[str, Any] | None) -> Judged:
    if document is None:
        return Judged(finding, "miss", "not checked: the document did not load in apiforge")
    if finding.family in EXAMPLE_FAMILIES:
        verdict = classify_example(document, finding)
        if verdict.kind == "false-alarm":
            return Judged(finding, verdict.kind, verdict.reason)
        return Judged(finding, "miss", verdict.reason, reduced(document, finding.pointer))
    if finding.family == "trailing-slash" and not _has_twin(document, finding.pointer):
        return Judged(finding, "false-alarm", LONE_SLASH)
    if finding.family == "unused-components" and _discriminated_child(document, finding.pointer):
        return Judged(finding, "false-alarm", DISCRIMINATED_CHILD)
    reason = _schema_false_alarm(document, finding)
    if reason:
        return Judged(finding, "false-alarm", reason)
    return Judged(finding, "miss", "", reduced(document, finding.pointer))


def _schema_false_alarm(document: dict[str, Any], finding: Finding) -> str:
    """The reason a peer's schema-rule finding is a false alarm, or ""."""
    tokens = split_pointer(finding.pointer)
    parent = _node(document, tokens[:-1])
    if finding.family == "required-not-defined" and len(tokens) >= 4 and tokens[-3] == "not":
        owner = _node(document, tokens[:-3])
        props = owner.get("properties") if isinstance(owner, dict) else None
        name = _node(document, tokens)
        if isinstance(props, dict) and name in props:
            return NOT_REQUIRED
    if (
        finding.family == "nullable-without-type"
        and isinstance(parent, dict)
        and parent.get("nullable") is False
    ):
        return NULLABLE_FALSE
    if finding.family == "array-items" and str(document.get("openapi", "")).startswith("3.1"):
        return ARRAY_ANY_31
    return ""


def _node(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens:
        node = _child(node, token)
        if node is _MISSING:
            return None
    return node


def _has_twin(document: dict[str, Any], pointer: str) -> bool:
    tokens = split_pointer(pointer)
    paths = document.get(tokens[0]) if tokens else None
    if len(tokens) < 2 or not isinstance(paths, dict):
        return True  # cannot tell: leave it a miss
    path = tokens[1]
    return (path.rstrip("/") or "/") in paths if path.endswith("/") else path + "/" in paths


def _discriminated_child(document: dict[str, Any], pointer: str) -> bool:
    """Whether a component schema's allOf refers to a schema that has a discriminator."""
    tokens = split_pointer(pointer)
    if tokens[:2] != ["components", "schemas"] or len(tokens) != 3:
        return False
    schema = document.get("components", {}).get("schemas", {}).get(tokens[2])
    parts = schema.get("allOf") if isinstance(schema, dict) else None
    for part in parts if isinstance(parts, list) else ():
        base = deref(part, document) if isinstance(part, dict) and "$ref" in part else None
        if isinstance(base, dict) and "discriminator" in base:
            return True
    return False


def reduced(document: Any, pointer: str, depth: int = 3, items: int = 6, lines: int = 48) -> str:
    """The node the finding is about (its operation, component, ...), cut down to read: the way
    down to the pointer kept whole, the rest a few levels and items deep."""
    tokens = split_pointer(pointer)
    top = max(scope(tokens), min(len(tokens), 2))
    node = document
    for token in tokens[:top]:
        node = _child(node, token)
        if node is _MISSING:
            return ""
    cut = _cut(node, tokens[top:], depth, items)
    text = json.dumps(cut, indent=2, ensure_ascii=False, default=str)
    rows = text.splitlines()
    return "\n".join(rows[:lines] + (["..."] if len(rows) > lines else []))


_MISSING = object()


def _child(node: Any, token: str) -> Any:
    try:
        return node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, TypeError, ValueError):
        return _MISSING


def _cut(node: Any, path: list[str], depth: int, items: int) -> Any:
    """`node` a few levels deep, except along `path`, which is followed to its end."""
    if isinstance(node, str):
        return node if len(node) <= 80 else node[:77] + "..."
    if not path and depth == 0 and isinstance(node, (dict, list)):
        return "..." if node else node
    head, rest = (path[0], path[1:]) if path else (None, [])
    if isinstance(node, dict):
        keys = [k for k in node if k not in ("description", "summary") or k == head]
        keys = ([head] if head in node else []) + [k for k in keys if k != head][: items - 1]
        aside = depth - 1 if not path else 0  # beside the way down: a glimpse only
        cut = {
            k: _cut(node[k], rest, depth, items) if k == head else _cut(node[k], [], aside, items)
            for k in node
            if k in keys
        }
        return cut | ({"...": f"{len(node) - len(keys)} more"} if len(keys) < len(node) else {})
    if isinstance(node, list):
        at = int(head) if head is not None and head.isdigit() else -1
        shown = sorted({*range(min(items, len(node))), *([at] if 0 <= at < len(node) else [])})
        out = [_cut(node[i], rest if i == at else [], depth - 1, items) for i in shown]
        return out + (["..."] if len(node) > len(shown) else [])
    return node
