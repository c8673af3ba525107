"""One compared node of a document, with its logical and physical pointers, for the walks."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from apiforge.diff.change import Emitter
from apiforge.document import pointer as jp
from apiforge.document.walk import deref_located

__all__ = ["Side", "Walk", "absent", "as_list", "as_mapping"]


@dataclass(frozen=True)
class Side:
    """One side of a compared object: the node, its logical and its physical pointer."""

    node: Any
    pointer: str
    src: str

    def get(self, key: str) -> Any:
        return self.node.get(key) if isinstance(self.node, Mapping) else None

    def at(self, doc: Any, *tokens: str | int) -> Side:
        node = self.node
        for token in tokens:
            node = _child(node, token)
        logical, physical = jp.join(self.pointer, *tokens), jp.join(self.src, *tokens)
        node, physical = deref_located(node, doc, physical)
        return Side(node, logical, physical)


def absent(parent: Side) -> Side:
    """The place a missing node would be: located at its parent, with no pointer of its own."""
    return Side(None, parent.pointer, parent.src)


def _child(node: Any, token: str | int) -> Any:
    if isinstance(node, list) and isinstance(token, int):
        return node[token] if token < len(node) else None
    if not isinstance(node, Mapping):
        return None
    if token in node:
        return node[token]
    return next((v for k, v in node.items() if str(k) == str(token)), None)  # YAML int keys


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Walk:
    """Both documents and the emitter: what every document-level comparison needs."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], emitter: Emitter) -> None:
        self.docs = (old, new)
        self.emitter = emitter

    def emit(self, kind: str, breaking: bool, subject: str, detail: str, o: Side, n: Side) -> None:
        """Report a change; a side whose node is None is absent there (pointer None)."""
        old = (None if o.node is None else o.pointer, o.src)
        new = (None if n.node is None else n.pointer, n.src)
        self.emitter.emit(kind, breaking, subject, detail, old, new)

    def keyed(
        self, o: Side, n: Side, olds: Mapping[str, Any], news: Mapping[str, Any], *tokens: str
    ) -> Iterator[tuple[str, Side, Side]]:
        """Each key of either side in order, with the child it names under `tokens` (or absent)."""
        for key in sorted(set(olds) | set(news)):
            at_o = o.at(self.docs[0], *tokens, olds[key]) if key in olds else absent(o)
            at_n = n.at(self.docs[1], *tokens, news[key]) if key in news else absent(n)
            yield key, at_o, at_n
