"""`x-apiforge-breaking`: breaking changes the new document declares as reviewed and intended."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiforge.diff.change import Change, Locator, SourcePlace
from apiforge.diff.kinds import ALL_KINDS
from apiforge.document import pointer as jp

__all__ = ["DECLARATIONS_KEY", "Declaration", "DeclarationError", "parse_declarations"]

DECLARATIONS_KEY = "x-apiforge-breaking"
_FIELDS = frozenset({"pointer", "kind", "reason"})


@dataclass(frozen=True)
class Declaration:
    """An entry of `x-apiforge-breaking` in the new document: a reviewed, intended break."""

    index: int
    pointer: str
    kind: str | None
    reason: str
    location: SourcePlace | None = None

    def covers(self, change: Change) -> bool:
        """Same kind (if given), and the pointer is the change's or a parent of it on either side."""
        if self.kind is not None and self.kind != change.kind:
            return False
        mine = jp.split(self.pointer)  # checked when the declaration was read
        places = (change.new_pointer, change.old_pointer, change.new_source, change.old_source)
        for place in places:
            tokens = _tokens(place) if place is not None else None
            if tokens is not None and tokens[: len(mine)] == mine:
                return True
        return False


def _tokens(pointer: str) -> list[str] | None:
    try:
        return jp.split(pointer)
    except ValueError:
        return None


@dataclass(frozen=True)
class DeclarationError:
    """A malformed `x-apiforge-breaking` entry; it declares nothing."""

    pointer: str
    message: str
    location: SourcePlace | None = None


def parse_declarations(
    doc: Mapping[str, Any], locate: Locator | None = None
) -> tuple[tuple[Declaration, ...], tuple[DeclarationError, ...]]:
    """Read `x-apiforge-breaking`; every malformed entry becomes an error and declares nothing."""
    base = jp.join("#", DECLARATIONS_KEY)
    raw = doc.get(DECLARATIONS_KEY)
    where = locate or (lambda _p: None)
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        return (), (DeclarationError(base, f"{DECLARATIONS_KEY} must be a list", where(base)),)
    found: list[Declaration] = []
    errors: list[DeclarationError] = []
    for index, entry in enumerate(raw):
        at = jp.join(base, index)
        problems = _problems(entry)
        if problems:
            errors.extend(DeclarationError(at, p, where(at)) for p in problems)
            continue
        pointer = _fragment(str(entry["pointer"]))
        reason = str(entry["reason"]).strip()
        found.append(Declaration(index, pointer, entry.get("kind"), reason, where(at)))
    return tuple(found), tuple(errors)


def _fragment(pointer: str) -> str:
    """`/paths/...` and `#/paths/...` name the same place."""
    return "#" + pointer if pointer.startswith("/") else pointer


def _problems(entry: Any) -> list[str]:
    if not isinstance(entry, Mapping):
        return ["a declaration must be a mapping with `pointer` and `reason`"]
    problems = [f"unknown key `{k}`" for k in sorted(map(str, entry)) if k not in _FIELDS]
    pointer = entry.get("pointer")
    if not isinstance(pointer, str) or not pointer:
        problems.append("`pointer` must be a JSON pointer such as `#/paths/~1pets/get`")
    elif _tokens(_fragment(pointer)) is None:
        problems.append(f"`pointer` {pointer!r} is not a JSON pointer (start it with `#/`)")
    kind = entry.get("kind")
    if kind is not None and kind not in ALL_KINDS:
        close = difflib.get_close_matches(str(kind), sorted(ALL_KINDS), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problems.append(f"unknown kind `{kind}`{hint}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append("`reason` is required and must be non-empty")
    return problems
