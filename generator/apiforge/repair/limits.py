"""What generated models cannot hold: schemas nested too deep for pydantic, literals too deep for
Python's parser.

pydantic builds each model's schema recursively when the module is imported, in the user's
process and under Python's default recursion limit: measured with pydantic 2.13, a chain of 160
nested models imports and one of 200 does not. A literal (a default, an enum value) nested 200
brackets deep is more than Python's parser accepts. So `generate` keeps the first
MAX_SCHEMA_DEPTH levels of every schema (through `$ref`s) and types what lies deeper as Any,
and drops literals nested deeper than MAX_LITERAL_DEPTH, each with a warning at file:line. The
document itself is valid; `validate` is not concerned.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.walk import ObjectAt, enclosing, get_ref, iter_objects, walk_pointer
from apiforge.findings.finding import Finding
from apiforge.repair import repaired

__all__ = ["MAX_LITERAL_DEPTH", "MAX_SCHEMA_DEPTH", "limit_for_models"]

MAX_SCHEMA_DEPTH = 128  # levels of schemas, a `$ref` counting as one
MAX_LITERAL_DEPTH = 64  # levels of lists and objects in one literal value
_LITERAL_KEYS = ("default", "const", "enum", "example", "examples")

Tokens = tuple[str, ...]


def limit_for_models(
    doc: dict[str, Any], walked: Sequence[ObjectAt] | None = None
) -> list[Finding]:
    """Cut what generated models cannot hold, in place; one warning per cut (no warning: nothing
    changed). `walked`: the document's objects as it is, if walked already."""
    # one walk serves the literals and the first (mostly only) round
    nodes = _schemas(doc) if walked is None else _schemas_of(walked)
    fixes = list(_deep_literals(nodes))
    cut: list[Tokens] = []
    while cuts := _schema_cuts(doc, nodes):  # each round cuts the deepest 127 levels left
        for tokens in cuts:
            container = walk_pointer(doc, list(tokens[:-1]))
            key: str | int = int(tokens[-1]) if isinstance(container, list) else tokens[-1]
            container[key] = {}
        cut.extend(cuts)
        nodes = _schemas(doc)
    message = (
        f"schemas nest deeper than {MAX_SCHEMA_DEPTH} levels here; generated as Any from here on"
        " (pydantic cannot build models nested deeper)"
    )
    for tokens in cut:  # a cut inside what a later round cut away is not worth a warning
        if not any(len(other) < len(tokens) and tokens[: len(other)] == other for other in cut):
            fixes.append(repaired(jp.from_tokens(list(tokens)), message))
    return fixes


def _schemas(doc: dict[str, Any]) -> dict[Tokens, dict[str, Any]]:
    """Every schema object of the document, by the pointer tokens where it is written."""
    return _schemas_of(iter_objects(doc))


def _schemas_of(walked: Iterable[ObjectAt]) -> dict[Tokens, dict[str, Any]]:
    return {tokens: node for tokens, kind, node in walked if kind == "schema"}


def _deep_literals(nodes: dict[Tokens, dict[str, Any]]) -> Iterator[Finding]:
    for tokens, node in nodes.items():
        for key in _LITERAL_KEYS:
            if key in node and _nested_deeper_than(node[key], MAX_LITERAL_DEPTH):
                del node[key]
                message = (
                    f"`{key}` is nested deeper than {MAX_LITERAL_DEPTH} levels; left out of the"
                    " models (Python's parser cannot hold it)"
                )
                yield repaired(jp.from_tokens([*tokens, key]), message)


def _nested_deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


def _schema_cuts(doc: dict[str, Any], nodes: dict[Tokens, dict[str, Any]]) -> list[Tokens]:
    """Where to cut so that every schema's height falls below the limit (empty: nothing to cut).

    Heights follow inline sub-schemas and local refs (a ref back into a cycle is not followed:
    pydantic builds recursive models by name). Every path long enough to pass the limit goes
    through a node of height exactly limit - 1, so cutting the edges into those nodes from above
    lowers every height; repeated until none is left at the limit.
    """
    by_id = {id(node): tokens for tokens, node in nodes.items()}
    edges: dict[Tokens, list[tuple[Tokens, Tokens]]] = {t: [] for t in nodes}  # (child, cut here)
    parents = enclosing(nodes)  # `nodes` is in walk order
    for (tokens, node), parent in zip(nodes.items(), parents, strict=True):
        if parent is not None:
            edges[parent].append((tokens, tokens))
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            target = by_id.get(id(get_ref(doc, ref)))
            if target is not None:
                edges[tokens].append((target, tokens))  # cut the ref, not the shared target
    heights = _heights(nodes, edges)
    if not heights or max(heights.values()) < MAX_SCHEMA_DEPTH:
        return []
    cuts = {
        cut
        for tokens, out in edges.items()
        if heights[tokens] >= MAX_SCHEMA_DEPTH
        for child, cut in out
        if heights[child] == MAX_SCHEMA_DEPTH - 1
    }
    return sorted(cuts, key=lambda t: (len(t), t), reverse=True)  # deepest first: slots stay put


def _heights(
    nodes: dict[Tokens, Any], edges: dict[Tokens, list[tuple[Tokens, Tokens]]]
) -> dict[Tokens, int]:
    """The longest path below each node (0 for a leaf), iteratively; back edges are skipped."""
    heights: dict[Tokens, int] = {}
    on_path: set[Tokens] = set()
    for root in nodes:
        if root in heights:
            continue
        stack: list[tuple[Tokens, int]] = [(root, 0)]
        on_path.add(root)
        while stack:
            tokens, index = stack[-1]
            out = edges[tokens]
            if index < len(out):
                stack[-1] = (tokens, index + 1)
                child = out[index][0]
                if child not in heights and child not in on_path:
                    on_path.add(child)
                    stack.append((child, 0))
                continue
            stack.pop()
            on_path.discard(tokens)
            heights[tokens] = max(
                (heights.get(c, -1) + 1 for c, _ in out if c in heights), default=0
            )
    return heights
