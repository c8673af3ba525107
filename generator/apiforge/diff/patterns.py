"""Whether one set of `pattern`s admits every string another does: regexes compared as automata.

JSON Schema's `pattern` is an unanchored ECMA-262 search, and a schema's patterns (through
`allOf`) must all match. Each pattern becomes a small NFA over code-point ranges; inclusion is
decided by exploring both sides' subset automata together, within a fixed budget of steps. A
pattern with look-around, back-references, inline flags or inner anchors, or one whose automata
outgrow the budget, gives no verdict (None): then a changed pattern is a change both ways.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from apiforge.document.patterns import portable_pattern

__all__ = ["includes", "matches_everything"]

Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive code-point ranges

_PARSER: Any = importlib.import_module("re._parser")  # the `re` module's own parser
_TOP = 0x10FFFF
_ALL: Ranges = ((0, _TOP),)
_LINE_ENDS = (0x0A, 0x0D, 0x2028, 0x2029)  # what ECMA's `.` does not match
_WHITE = (
    (0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF),
)  # fmt: skip
_CATEGORIES: dict[str, Ranges] = {
    "CATEGORY_DIGIT": ((0x30, 0x39),),
    "CATEGORY_WORD": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "CATEGORY_SPACE": _WHITE,
}
_MAX_STATES = 1_000  # NFA states per pattern (a counted repeat is copied out)
_MAX_WORK = 200_000  # NFA states visited while exploring one question (about 0.2 s)
_EVERYTHING = frozenset({"", ".*", "^.*", ".*$", "^.*$", r"[\s\S]*", r"^[\s\S]*$", "(.*)"})


class _Unsupported(Exception):
    """Syntax or size this comparison does not take on: no verdict."""


def matches_everything(pattern: str) -> bool:
    """A pattern no string fails (`.*`, `^.*$`, the empty pattern): written as no constraint."""
    return pattern in _EVERYTHING


def includes(wide: frozenset[str], narrow: frozenset[str]) -> bool | None:
    """Every string matching all of `narrow` matches all of `wide`; None when it cannot be told."""
    wide = frozenset(p for p in wide if not matches_everything(p))
    if not wide:
        return True
    try:
        narrows = [_automaton(p) for p in sorted(narrow) or [""]]
        return all(_included(narrows, _automaton(p)) for p in sorted(wide))
    except (_Unsupported, re.error, RecursionError):
        return None


class _Nfa:
    """States 0..n-1; `eps[s]` the empty moves, `moves[s]` the (ranges, target) moves."""

    def __init__(self) -> None:
        self.eps: list[list[int]] = []
        self.moves: list[list[tuple[Ranges, int]]] = []
        self.start = self.accept = 0

    def state(self) -> int:
        if len(self.eps) >= _MAX_STATES:
            raise _Unsupported("automaton too large")
        self.eps.append([])
        self.moves.append([])
        return len(self.eps) - 1

    def closure(self, states: frozenset[int] | set[int]) -> frozenset[int]:
        seen, stack = set(states), list(states)
        while stack:
            for nxt in self.eps[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)


@lru_cache(maxsize=512)
def _automaton(pattern: str) -> _Nfa:
    """The NFA of the strings in which `pattern` (ECMA-262) finds a match."""
    portable = portable_pattern(pattern)
    if portable is None:
        raise _Unsupported("pattern neither engine reads")
    parsed = _PARSER.parse(portable)
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE):
        raise _Unsupported("inline flags")
    items = list(parsed)
    anchored_start = bool(items) and _at(items[0], "AT_BEGINNING", "AT_BEGINNING_STRING")
    anchored_end = bool(items) and _at(items[-1], "AT_END", "AT_END_STRING")
    items = items[1 if anchored_start else 0 : len(items) - (1 if anchored_end else 0)]
    nfa = _Nfa()
    start, end = nfa.state(), nfa.state()
    if not anchored_start:
        nfa.moves[start].append((_ALL, start))
    if not anchored_end:
        nfa.moves[end].append((_ALL, end))
    first, last = _sequence(nfa, items)
    nfa.eps[start].append(first)
    nfa.eps[last].append(end)
    nfa.start, nfa.accept = start, end
    return nfa


def _at(item: tuple[Any, Any], *names: str) -> bool:
    return str(item[0]) == "AT" and str(item[1]) in names


def _sequence(nfa: _Nfa, items: Sequence[tuple[Any, Any]]) -> tuple[int, int]:
    first = last = nfa.state()
    for item in items:
        start, end = _item(nfa, item)
        nfa.eps[last].append(start)
        last = end
    return first, last


def _item(nfa: _Nfa, item: tuple[Any, Any]) -> tuple[int, int]:
    op, av = str(item[0]), item[1]
    if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN", "CATEGORY"):
        start, end = nfa.state(), nfa.state()
        nfa.moves[start].append((_ranges(op, av), end))
        return start, end
    if op == "SUBPATTERN":
        if av[1] or av[2]:
            raise _Unsupported("flags in a group")
        return _sequence(nfa, list(av[3]))
    if op == "BRANCH":
        start, end = nfa.state(), nfa.state()
        for branch in av[1]:
            first, last = _sequence(nfa, list(branch))
            nfa.eps[start].append(first)
            nfa.eps[last].append(end)
        return start, end
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return _repeat(nfa, av[0], av[1], list(av[2]))
    raise _Unsupported(op)  # anchors inside, look-around, back-references, atomic groups


def _repeat(nfa: _Nfa, low: int, high: int, body: list[tuple[Any, Any]]) -> tuple[int, int]:
    first = last = nfa.state()
    for _ in range(low):
        start, end = _sequence(nfa, body)
        nfa.eps[last].append(start)
        last = end
    if high >= _PARSER.MAXREPEAT:
        start, end = _sequence(nfa, body)
        nfa.eps[last].append(start)
        nfa.eps[end].append(last)
        return first, last
    tail = nfa.state()
    for _ in range(high - low):
        start, end = _sequence(nfa, body)
        nfa.eps[last].append(start)
        nfa.eps[last].append(tail)
        last = end
    nfa.eps[last].append(tail)
    return first, tail


def _ranges(op: str, av: Any) -> Ranges:
    if op == "LITERAL":
        return ((av, av),)
    if op == "NOT_LITERAL":
        return _negate(((av, av),))
    if op == "ANY":
        return _negate(tuple((c, c) for c in _LINE_ENDS))
    if op == "CATEGORY":
        return _category(str(av))
    negate, parts = False, []
    for sub_op, sub_av in av:
        name = str(sub_op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            parts.append((sub_av, sub_av))
        elif name == "RANGE":
            parts.append((sub_av[0], sub_av[1]))
        elif name == "CATEGORY":
            parts.extend(_category(str(sub_av)))
        else:
            raise _Unsupported(name)
    merged = _normal(parts)
    return _negate(merged) if negate else merged


def _category(name: str) -> Ranges:
    if name in _CATEGORIES:
        return _CATEGORIES[name]
    if name.startswith("CATEGORY_NOT_") and "CATEGORY_" + name[13:] in _CATEGORIES:
        return _negate(_CATEGORIES["CATEGORY_" + name[13:]])
    raise _Unsupported(name)


def _normal(parts: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(parts):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _negate(ranges: Ranges) -> Ranges:
    out, at = [], 0
    for lo, hi in _normal(list(ranges)):
        if lo > at:
            out.append((at, lo - 1))
        at = hi + 1
    if at <= _TOP:
        out.append((at, _TOP))
    return tuple(out)


def _included(narrows: list[_Nfa], wide: _Nfa) -> bool:
    """No string all of `narrows` accept is refused by `wide`: a search of the product of their
    subset automata for a state where they accept and `wide` does not."""
    machines = [*narrows, wide]
    first = tuple(m.closure({m.start}) for m in machines)
    seen, stack = {first}, [first]
    work = 0
    while stack:
        sets = stack.pop()
        accepted = all(m.accept in s for m, s in zip(narrows, sets, strict=False))
        if accepted and wide.accept not in sets[-1]:
            return False
        moves = [
            [mv for state in s for mv in m.moves[state]]
            for m, s in zip(machines, sets, strict=True)
        ]
        for lo in _cuts(moves):
            nxt = tuple(
                m.closure({t for rs, t in mv if _has(rs, lo)})
                for m, mv in zip(machines, moves, strict=True)
            )
            work += sum(len(mv) + len(s) for mv, s in zip(moves, nxt, strict=True))
            if work > _MAX_WORK:
                raise _Unsupported("too many states to compare")
            if all(nxt[:-1]) and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return True


def _cuts(moves: list[list[tuple[Ranges, int]]]) -> list[int]:
    """The first code point of each interval on which every machine's moves agree."""
    points = {0}
    for machine in moves:
        for ranges, _ in machine:
            for lo, hi in ranges:
                points.add(lo)
                points.add(hi + 1)
    return sorted(p for p in points if p <= _TOP)


def _has(ranges: Ranges, point: int) -> bool:
    return any(lo <= point <= hi for lo, hi in ranges)
