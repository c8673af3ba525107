"""Whether one set of `pattern`s admits every string another does: regexes as finite automata.

JSON Schema's `pattern` is an unanchored search, and a schema's patterns (through `allOf`) must
all match; each side becomes one automaton (greenery) and the two are compared as languages.
A pattern greenery cannot read (look-around, back-references, `\\p{..}`), or one too large to
build quickly, gives no verdict; only then is a changed pattern a change both ways.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from greenery import parse

__all__ = ["includes", "matches_everything"]

_MAX_PATTERN = 200  # characters; automata of counted repeats grow with the count
_MAX_COUNT = 64  # the largest `{n}` or `{n,m}` bound read

_EVERYTHING = frozenset({"", ".*", "^.*", ".*$", "^.*$", r"[\s\S]*", r"^[\s\S]*$", "(.*)"})


def matches_everything(pattern: str) -> bool:
    """A pattern no string fails (`.*`, `^.*$`, the empty pattern): written as no constraint."""
    return pattern in _EVERYTHING


def includes(wide: frozenset[str], narrow: frozenset[str]) -> bool | None:
    """Every string matching all of `narrow` matches all of `wide`; None when it cannot be told."""
    if all(matches_everything(p) for p in wide):
        return True
    a, b = _language(wide), _language(narrow)
    if a is None or b is None:
        return None
    try:
        return bool(b.difference(a).empty())
    except Exception:  # greenery's own limits; no verdict rather than a crash
        return None


@lru_cache(maxsize=512)
def _language(patterns: frozenset[str]) -> Any:
    """The automaton of the strings every pattern finds a match in, or None."""
    machine: Any = None
    for pattern in sorted(patterns):
        one = _automaton(pattern)
        if one is None:
            return None
        machine = one if machine is None else machine & one
    return machine


def _automaton(pattern: str) -> Any:
    if len(pattern) > _MAX_PATTERN or _has_large_count(pattern):
        return None
    body, start, end = pattern, ".*", ".*"
    if body.startswith("^"):
        body, start = body[1:], ""
    if body.endswith("$") and not _escaped_at(body, len(body) - 1):
        body, end = body[:-1], ""
    if "^" in body.replace("[^", "").replace("\\^", "") or _bare_dollar(body):
        return None  # an anchor inside alternatives: not a plain search
    try:
        text = f"{start}(?:{_literal_dashes(body)}){end}" if body else start + end
        return parse(text).to_fsm()
    except Exception:  # greenery.parse.NoMatch and friends: syntax it does not read
        return None


def _literal_dashes(body: str) -> str:
    """`[.-]` -> `[.\\-]`: greenery reads a dash only as a range unless it is escaped."""
    out, i, in_class = [], 0, False
    while i < len(body):
        char = body[i]
        if char == "\\":
            out.append(body[i : i + 2])
            i += 2
            continue
        if not in_class and char == "[":
            in_class = True
            out.append(char)
            if body.startswith("^", i + 1):
                out.append("^")
                i += 1
            if body.startswith("-", i + 1):
                out.append("\\-")
                i += 1
        elif in_class and char == "]":
            in_class = False
            out.append(char)
        elif in_class and char == "-" and body.startswith("]", i + 1):
            out.append("\\-")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _escaped_at(text: str, index: int) -> bool:
    slashes = 0
    while index - 1 - slashes >= 0 and text[index - 1 - slashes] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _bare_dollar(body: str) -> bool:
    return any(c == "$" and not _escaped_at(body, i) for i, c in enumerate(body))


def _has_large_count(pattern: str) -> bool:
    number = ""
    for char in pattern + " ":
        if char.isdigit():
            number += char
            continue
        if number and int(number) > _MAX_COUNT:
            return True
        number = ""
    return False
