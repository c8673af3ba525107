"""RFC 6901 JSON pointers: escape, join and split."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    """Append tokens to a pointer in fragment form (`#/a/b`)."""
    base = pointer if pointer.startswith("#") else "#" + pointer
    return base + "".join("/" + escape(t) for t in tokens)


def split(pointer: str) -> list[str]:
    """`#/a/b~1c` -> ["a", "b/c"]; raises ValueError for a pointer not starting with '/'."""
    body = pointer[1:] if pointer.startswith("#") else pointer
    if body == "":
        return []
    if not body.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    return [unescape(t) for t in body[1:].split("/")]


def from_tokens(tokens: Iterable[str | int]) -> str:
    return join("#", *tokens)
