"""Schema value rules for `apiforge diff`: each keyword change as a narrowing or a widening."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from enum import Enum
from functools import partial
from typing import Any

from apiforge.diff.patterns import includes, matches_everything
from apiforge.diff.schema import (
    LOWER,
    MISSING,
    UPPER,
    Bound,
    View,
    canon,
    tighter_lower,
    tighter_upper,
)
from apiforge.document.patterns import linear_search

__all__ = [
    "KEYWORDS",
    "Direction",
    "Effect",
    "Finding",
    "Polarity",
    "bound_changes",
    "breaks",
    "nullable_changes",
    "polarized",
    "type_text",
    "value_changes",
]

KEYWORDS = {stem: keyword for keyword, stem in (UPPER | LOWER).items()} | {
    "max": "maximum",
    "min": "minimum",
    "exclusive-max": "exclusiveMaximum",
    "exclusive-min": "exclusiveMinimum",
    "min-contains": "minContains",
    "max-contains": "maxContains",
}  # the stem of a limit's kind ids -> the keyword it names


class Direction(Enum):
    REQUEST = "request"  # the client writes: narrowing breaks
    RESPONSE = "response"  # the client reads: widening breaks


class Effect(Enum):
    NARROW = "narrow"  # fewer values valid than before
    WIDEN = "widen"  # more values valid than before
    CHANGE = "change"  # neither a subset nor a superset: breaks both ways
    NONE = "none"  # no effect on which values are valid


class Polarity(Enum):
    """How a change inside a subschema acts on the whole schema."""

    SAME = "same"  # a narrower subschema narrows the whole (`then`, `contains`, properties)
    INVERSE = "inverse"  # under `not`: a narrower subschema widens the whole
    UNKNOWN = "unknown"  # under `if`: it picks which branch applies, so either way

    def inside(self, inner: Polarity) -> Polarity:
        """The polarity of a subschema of polarity `inner` within one of this polarity."""
        if Polarity.UNKNOWN in (self, inner):
            return Polarity.UNKNOWN
        return Polarity.SAME if self is inner else Polarity.INVERSE


def polarized(effect: Effect, polarity: Polarity) -> Effect:
    """The effect on the whole schema of an effect inside a subschema of that polarity."""
    if polarity is Polarity.SAME or effect in (Effect.CHANGE, Effect.NONE):
        return effect
    if polarity is Polarity.UNKNOWN:
        return Effect.CHANGE
    return Effect.WIDEN if effect is Effect.NARROW else Effect.NARROW


def breaks(effect: Effect, direction: Direction) -> bool:
    if effect is Effect.CHANGE:
        return True
    if direction is Direction.REQUEST:
        return effect is Effect.NARROW
    return effect is Effect.WIDEN


Finding = tuple[str, Effect, str]  # kind suffix (after the place prefix), effect, detail


def value_changes(
    direction: Direction, nested: bool, ov: View, nv: View, *, nullability: bool = True
) -> Iterator[Finding]:
    """Every value-keyword difference of two views, in report order."""
    yield from _type_changes(ov, nv)
    if nullability:
        yield from nullable_changes(ov, nv)
    yield from _enum_changes(ov, nv)
    yield from _limit_changes(direction, ov, nv)
    yield from _flag_changes(direction, nested, ov, nv)


def _type_changes(ov: View, nv: View) -> Iterator[Finding]:
    old, new = _effective_types(ov), _effective_types(nv)
    if not (_covers(old, new) and _covers(new, old)):
        listed = any(t is not None and len(t) > 1 for t in (old, new))
        if _covers(old, new):
            suffix = "list-of-types-narrowed" if listed else "type-specialized"
            effect = Effect.NARROW
        elif _covers(new, old):
            suffix = "list-of-types-widened" if listed else "type-generalized"
            effect = Effect.WIDEN
        else:
            suffix, effect = "type-changed", Effect.CHANGE
        yield suffix, effect, f"type changed from {type_text(old)} to {type_text(new)}"
    if ov.format != nv.format:
        if ov.format is None:
            yield "format-added", Effect.NARROW, f"format `{nv.format}` added"
        elif nv.format is None:
            yield "format-removed", Effect.WIDEN, f"format `{ov.format}` removed"
        else:
            detail = f"format changed from `{ov.format}` to `{nv.format}`"
            yield "format-changed", Effect.CHANGE, detail


def nullable_changes(ov: View, nv: View) -> Iterator[Finding]:
    was, now = ov.is_nullable, nv.is_nullable
    if was is None or now is None or was == now:
        return
    if now:
        yield "became-nullable", Effect.WIDEN, "became nullable"
    else:
        hint = _UNMIGRATED if nv.ignored_nullable else ""
        yield "became-not-nullable", Effect.NARROW, "became not nullable" + hint


_UNMIGRATED = ' (`nullable` is no keyword in 3.1: write type: [.., "null"])'  # a 3.0 leftover


def _enum_changes(ov: View, nv: View) -> Iterator[Finding]:
    if ov.enum is None and nv.enum is None:
        return
    if ov.enum is None:
        yield "became-enum", Effect.NARROW, "was restricted to a list of values"
    elif nv.enum is None:
        yield "enum-removed", Effect.WIDEN, "is no longer restricted to a list"
    else:
        for suffix, effect, values in (
            ("enum-value-removed", Effect.NARROW, sorted(set(ov.enum) - set(nv.enum))),
            ("enum-value-added", Effect.WIDEN, sorted(set(nv.enum) - set(ov.enum))),
        ):
            if values:
                verb = suffix.rsplit("-", 1)[1]
                yield (
                    suffix,
                    effect,
                    f"enum value{'s' * (len(values) > 1)} {', '.join(values)} {verb}",
                )


def _limit_changes(direction: Direction, ov: View, nv: View) -> Iterator[Finding]:
    for upper, olds, news in ((True, ov.upper, nv.upper), (False, ov.lower, nv.lower)):
        for stem in sorted(set(olds) | set(news)):
            yield from _judged_bound(stem, upper, ov, nv)
    if ov.patterns != nv.patterns:
        yield _pattern_change(direction, ov, nv)
    if ov.multiple_of != nv.multiple_of:
        old_m, new_m = ov.multiple_of, nv.multiple_of
        detail = f"multipleOf changed from {_num(old_m)} to {_num(new_m)}"
        effect = _multiple_effect(old_m, new_m)
        factor = new_m if effect is Effect.NARROW else old_m
        fits = _enum_fits(effect, ov, nv, lambda v: _multiple(v, factor))
        yield "multiple-of-changed", Effect.NONE if fits else effect, detail
    if ov.unique != nv.unique:
        suffix = "unique-items-set" if nv.unique else "unique-items-unset"
        effect = Effect.NARROW if nv.unique else Effect.WIDEN
        yield suffix, effect, f"uniqueItems became {str(nv.unique).lower()}"


def _pattern_change(direction: Direction, ov: View, nv: View) -> Finding:
    """A changed `pattern` judged by the strings each side admits, not by its text."""
    olds = frozenset(p for p in ov.patterns if not matches_everything(p))
    news = frozenset(p for p in nv.patterns if not matches_everything(p))
    wider, narrower = includes(news, olds), includes(olds, news)
    if olds == news or (wider and narrower):
        suffix, effect = "pattern-changed", Effect.NONE
    elif wider:
        suffix, effect = ("pattern-removed" if not news else "pattern-generalized"), Effect.WIDEN
    elif narrower:
        suffix, effect = ("pattern-added" if not olds else "pattern-restricted"), Effect.NARROW
    else:
        suffix, effect = "pattern-changed", Effect.CHANGE
    if direction is Direction.RESPONSE:
        effect = Effect.NONE  # a pattern validates input; clients do not re-check output
    elif _enum_fits(
        effect, ov, nv, lambda v: _matches(news if effect is Effect.NARROW else olds, v)
    ):
        effect = Effect.NONE
    old, new = sorted(ov.patterns) or "none", sorted(nv.patterns) or "none"
    return suffix, effect, f"pattern changed from {old} to {new}"


def _judged_bound(stem: str, upper: bool, ov: View, nv: View) -> Iterator[Finding]:
    """A bound's change, judged against the enum values too."""
    olds, news = (ov.upper, nv.upper) if upper else (ov.lower, nv.lower)
    for suffix, effect, detail in bound_changes(stem, upper, olds.get(stem), news.get(stem)):
        bound = news.get(stem) if effect is Effect.NARROW else olds.get(stem)
        fits = _enum_fits(effect, ov, nv, partial(_within, stem, upper, bound))
        yield suffix, Effect.NONE if fits else effect, detail


def _enum_fits(effect: Effect, ov: View, nv: View, holds: Callable[[Any], bool]) -> bool:
    """A narrowing that refuses no value of the old enum, or a widening that admits no value
    outside the new enum, changes nothing a client can send or receive."""
    values = ov.enum if effect is Effect.NARROW else nv.enum if effect is Effect.WIDEN else None
    return bool(values) and all(holds(v) for v in (values or {}).values())


_SIZES: dict[str, tuple[type[Any], ...]] = {
    "length": (str,),
    "items": (list,),
    "properties": (dict,),
}


def _within(stem: str, upper: bool, bound: Bound | None, value: Any) -> bool:
    """Whether a bound (None: no bound) admits an enum value; a value it does not apply to passes."""
    if bound is None:
        return True
    measure = stem.rsplit("-", 1)[-1]
    if measure in _SIZES:
        if not isinstance(value, _SIZES[measure]):
            return True
        size: float = len(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        size = value
    else:
        return True
    if upper:
        return size < bound.value or (size == bound.value and not bound.exclusive)
    return size > bound.value or (size == bound.value and not bound.exclusive)


def _multiple(value: Any, factor: float | None) -> bool:
    if factor is None or not isinstance(value, int | float) or isinstance(value, bool):
        return True
    return math.isclose(value / factor, round(value / factor))


def _matches(patterns: frozenset[str], value: Any) -> bool:
    """Every pattern finds `value` (a string; other values are not checked by `pattern`)."""
    return not isinstance(value, str) or all(linear_search(p, value) for p in patterns)


def bound_changes(
    stem: str, upper: bool, old: Bound | None, new: Bound | None
) -> Iterator[Finding]:
    if not upper and stem != "min":  # minLength, minItems, minProperties default to 0
        old, new = old or Bound(0), new or Bound(0)
    if old == new:
        return
    exclusive = (new or old or Bound(0)).exclusive
    name = f"exclusive-{stem}" if exclusive else stem
    if old is None:
        verb, effect = "set", Effect.NARROW
    elif new is None:
        verb, effect = "unset", Effect.WIDEN
    else:
        tighter = (tighter_upper if upper else tighter_lower)(old, new) == new
        effect = Effect.NARROW if tighter else Effect.WIDEN
        verb = "decreased" if tighter == upper else "increased"
    sign = "<" if upper else ">"
    was, now = (_bound_text(b, sign) for b in (old, new))
    change = {"set": f"set to {now}", "unset": f"removed (was {was})"}.get(verb)
    yield f"{name}-{verb}", effect, f"{KEYWORDS[name]} {change or f'{verb} from {was} to {now}'}"


def _flag_changes(direction: Direction, nested: bool, ov: View, nv: View) -> Iterator[Finding]:
    if ov.deprecated != nv.deprecated:
        suffix = "deprecated" if nv.deprecated else "reactivated"
        yield suffix, Effect.NONE, suffix
    old_d, new_d = _value(ov.default), _value(nv.default)
    if direction is Direction.REQUEST and old_d != new_d:
        suffix = "default-value-" + (
            "added" if old_d == "none" else "removed" if new_d == "none" else "changed"
        )
        effect = Effect.NONE if old_d == "none" else Effect.CHANGE
        yield suffix, effect, f"default changed from {old_d} to {new_d}"
    if not nested:
        return
    if direction is Direction.REQUEST and ov.read_only != nv.read_only:
        suffix = "became-read-only" if nv.read_only else "became-not-read-only"
        yield suffix, Effect.NONE, suffix.replace("-", " ")
    if direction is Direction.RESPONSE and ov.write_only != nv.write_only:
        if nv.write_only:
            yield "became-write-only", Effect.CHANGE, "became write-only: it is no longer returned"
        else:
            yield "became-not-write-only", Effect.NONE, "is no longer write-only"


def _effective_types(view: View) -> frozenset[str] | None:
    """The declared types, or those of the enum values when no type is declared."""
    if view.types is not None or view.enum is None:
        return view.types
    return frozenset(_JSON_TYPES.get(type(value), "object") for value in view.enum.values())


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array"}


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _multiple_effect(old: float | None, new: float | None) -> Effect:
    if old is None:
        return Effect.NARROW
    if new is None:
        return Effect.WIDEN
    if math.isclose(new / old, round(new / old)):
        return Effect.NARROW
    if math.isclose(old / new, round(old / new)):
        return Effect.WIDEN
    return Effect.CHANGE


def type_text(types: frozenset[str] | None) -> str:
    """`string/integer`, `any` when unconstrained, `nothing` when no type is allowed."""
    return "any" if types is None else "/".join(sorted(types)) or "nothing"


def _num(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if value == int(value) else str(value)


def _bound_text(bound: Bound | None, sign: str) -> str:
    if bound is None:
        return "none"
    return (sign if bound.exclusive else "") + _num(bound.value)


def _value(value: Any) -> str:
    return "none" if value is MISSING else canon(value)
