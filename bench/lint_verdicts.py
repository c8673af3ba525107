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

__all__ = ["Judged", "judge_document", "reduced"]

EXAMPLE_FAMILIES = frozenset({"examples", "defaults"})
LONE_SLASH = (
    "a lone trailing slash: /a/ is a route of its own, legal and generated as written; only twins"
    " /a and /a/ collide (apiforge's rule is about twins)"
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
    return Judged(finding, "miss", "", reduced(document, finding.pointer))


def _has_twin(document: dict[str, Any], pointer: str) -> bool:
    tokens = split_pointer(pointer)
    paths = document.get(tokens[0]) if tokens else None
    if len(tokens) < 2 or not isinstance(paths, dict):
        return True  # cannot tell: leave it a miss
    path = tokens[1]
    return (path.rstrip("/") or "/") in paths if path.endswith("/") else path + "/" in paths


def reduced(document: Any, pointer: str, depth: int = 4, items: int = 6, lines: int = 40) -> str:
    """The node the finding is about (its operation, component, ...), cut down to read."""
    tokens = split_pointer(pointer)
    node = document
    for token in tokens[: max(scope(tokens), min(len(tokens), 2))]:
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, TypeError, ValueError):
            return ""
    text = json.dumps(_cut(node, depth, items), indent=2, ensure_ascii=False, default=str)
    rows = text.splitlines()
    return "\n".join(rows[:lines] + (["..."] if len(rows) > lines else []))


def _cut(node: Any, depth: int, items: int) -> Any:
    if isinstance(node, str):
        return node if len(node) <= 80 else node[:77] + "..."
    if depth == 0 and isinstance(node, (dict, list)):
        return "..." if node else node
    if isinstance(node, dict):
        keys = [k for k in node if k not in ("description", "summary")][:items]
        cut = {k: _cut(node[k], depth - 1, items) for k in keys}
        return cut | ({"...": f"{len(node) - len(keys)} more"} if len(keys) < len(node) else {})
    if isinstance(node, list):
        return [_cut(v, depth - 1, items) for v in node[:items]] + (
            ["..."] if len(node) > items else []
        )
    return node
