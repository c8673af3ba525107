"""A reported difference, where each side of it was written, and the emitter that records it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from apiforge.document import pointer as jp

__all__ = ["Change", "Emitter", "SourcePlace", "Locator", "Place"]


class SourcePlace(Protocol):
    """Where a node was written; `apiforge.document.load.Location` satisfies it."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def col(self) -> int: ...


Locator = Callable[[str], SourcePlace | None]


@dataclass(frozen=True)
class Change:
    """One difference between the documents; pointers are logical (through `$ref`s), per side."""

    kind: str
    old_pointer: str | None
    new_pointer: str | None
    old_location: SourcePlace | None
    new_location: SourcePlace | None
    breaking: bool
    subject: str
    detail: str
    old_source: str | None = None  # physical pointer in the old bundle (after `$ref`s)
    new_source: str | None = None
    declarations: tuple[Any, ...] = ()  # the diff_declarations.Declaration objects that cover it

    @property
    def message(self) -> str:
        return f"{self.subject}: {self.detail}"

    @property
    def declared(self) -> bool:
        return bool(self.declarations)

    @property
    def pointer(self) -> str:
        return self.new_pointer or self.old_pointer or "#"


Place = tuple[str | None, str | None]  # (logical pointer, None when absent; physical pointer)


class Emitter:
    """Collects changes and looks up where each side of a change was written."""

    def __init__(self, old_locate: Locator | None, new_locate: Locator | None) -> None:
        self._locators = (old_locate, new_locate)
        self.changes: list[Change] = []

    def emit(
        self, kind: str, breaking: bool, subject: str, detail: str, old: Place, new: Place
    ) -> None:
        """`old`/`new` are (logical pointer or None when absent, physical pointer to locate)."""
        old_at = _locate(self._locators[0], old[1])
        new_at = _locate(self._locators[1], new[1])
        self.changes.append(
            Change(kind, old[0], new[0], old_at, new_at, breaking, subject, detail, old[1], new[1])
        )


def _locate(locate: Locator | None, pointer: str | None) -> SourcePlace | None:
    """The location of the pointer, or of its nearest written ancestor."""
    if locate is None or pointer is None:
        return None
    try:
        tokens = jp.split(pointer)
    except ValueError:
        return None
    for n in range(len(tokens), -1, -1):
        found = locate(jp.from_tokens(tokens[:n]))
        if found is not None:
            return found
    return None
