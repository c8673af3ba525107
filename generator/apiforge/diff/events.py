"""Webhooks and callbacks for `apiforge diff`: operations the API sends to the consumer's server.

A webhook or callback gone breaks the consumers that handle it; one added breaks nobody. Inside
one, the roles of request and response reverse (`Roles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from apiforge.diff.rules import Direction
from apiforge.diff.sides import Side, as_mapping

if TYPE_CHECKING:
    from apiforge.diff.operations import Operations

__all__ = ["CLIENT", "SENDER", "Roles", "compare_callbacks", "compare_webhooks"]


@dataclass(frozen=True)
class Roles:
    """Who reads each half of an operation, which decides what breaks.

    Under `paths` the consumer writes the request and reads the response. In a webhook or a
    callback (OpenAPI 3.1 §4.8.1, §4.8.18) the API sends the request to the consumer's server and
    reads its response: the roles reverse, as does what a change breaks.
    """

    request: Direction
    response: Direction

    @property
    def sent_by_api(self) -> bool:
        return self.request is Direction.RESPONSE


CLIENT = Roles(Direction.REQUEST, Direction.RESPONSE)
SENDER = Roles(Direction.RESPONSE, Direction.REQUEST)


def compare_webhooks(ops: Operations) -> None:
    """The 3.1 `webhooks` of both documents, by name."""
    roots = [Side(doc.get("webhooks"), "#/webhooks", "#/webhooks") for doc in ops.docs]
    olds, news = ({str(k): str(k) for k in as_mapping(root.node)} for root in roots)
    for name, o, n in ops.keyed(roots[0], roots[1], olds, news):
        label = f"webhook `{name}`"
        if n.node is None:
            ops.emit("webhook-removed", True, label, "webhook removed", o, n)
        elif o.node is None:
            ops.emit("webhook-added", False, label, "webhook added", o, n)
        else:
            ops.compare_item(partial(_event_label, label), o, n, SENDER)


def compare_callbacks(ops: Operations, label: str, o: Side, n: Side) -> None:
    """An operation's `callbacks`: each name, then each runtime expression, holds a path item."""
    olds, news = (_names(side.get("callbacks")) for side in (o, n))
    for name, co, cn in ops.keyed(o, n, olds, news, "callbacks"):
        subject = f"{label} callback `{name}`"
        if cn.node is None:
            ops.emit("callback-removed", True, subject, "callback removed", co, cn)
            continue
        if co.node is None:
            ops.emit("callback-added", False, subject, "callback added", co, cn)
            continue
        for expression, eo, en in ops.keyed(co, cn, _names(co.node), _names(cn.node)):
            where = f"{subject} `{expression}`"
            if en.node is None:
                ops.emit("callback-removed", True, where, "callback expression removed", eo, en)
            elif eo.node is None:
                ops.emit("callback-added", False, where, "callback expression added", eo, en)
            else:
                ops.compare_item(partial(_event_label, where), eo, en, SENDER)


def _names(node: object) -> dict[str, str]:
    """The keys of a map, extensions aside."""
    return {str(k): str(k) for k in as_mapping(node) if not str(k).startswith("x-")}


def _event_label(label: str, method: str) -> str:
    return f"{label} `{method.upper()}`"
