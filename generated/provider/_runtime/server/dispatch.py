"""Operations that share one (method, route) told apart by a header or query value.

AWS keys its operations `/#X-Amz-Target=Svc.Op` and S3 `/{Bucket}#uploads`: the fragment is never
sent, so every such operation arrives as the same request line. Each carries the conditions that
pick it (decided at generate time); a request goes to the first whose conditions all hold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

__all__ = ["Condition", "RouteGroup", "describe", "holds"]

Serve = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Condition:
    """A header (any case) or query key the request carries, with this value unless None."""

    location: Literal["header", "query"]
    name: str
    value: str | None = None

    def holds(self, request: Request) -> bool:
        if self.location == "header":
            found = request.headers.getlist(self.name)
        else:
            found = request.query_params.getlist(self.name)
        return bool(found) if self.value is None else self.value in found

    def __str__(self) -> str:
        where = "header" if self.location == "header" else "query parameter"
        shown = f"{where} {self.name!r}"
        return shown if self.value is None else f"{shown} = {self.value!r}"


def holds(conditions: Sequence[Condition], request: Request) -> bool:
    return all(c.holds(request) for c in conditions)


def describe(options: Sequence[Sequence[Condition]], limit: int = 5) -> str:
    """What a request could have carried, for the message of one that carried none of it."""
    shown = [" and ".join(str(c) for c in conditions) for conditions in options[:limit]]
    more = f", or {len(options) - limit} more" if len(options) > limit else ""
    return "; ".join(shown) + more


@dataclass
class RouteGroup:
    """The operations of one (method, route), in the order they are tried."""

    members: list[tuple[tuple[Condition, ...], Serve]]

    def choose(self, request: Request) -> Serve | None:
        for conditions, serve in self.members:
            if holds(conditions, request):
                return serve
        return None
