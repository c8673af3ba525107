"""The JSON Schema 2020-12 keywords compared: plain values judged here, subschemas paired to walk.

Each keyword's direction follows what it does to the set of valid instances, as for the 3.0
keywords: a new `dependentRequired` entry, `contains`, `propertyNames`, `patternProperties`,
`dependentSchemas`, `then`/`else`, `not` or `unevaluatedProperties` admits fewer instances
(narrows); its removal admits more (widens). Inside `not` a change acts the other way round;
inside `if` (which picks the branch) and a `contains` bounded by `maxContains`, either way.
`contentEncoding` changes what the string is (the value, or its base64), so any change breaks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apiforge.diff.keywords import CONTENT, SLOTS, Extra, Slot
from apiforge.diff.rules import Effect, Finding, Polarity, bound_changes
from apiforge.diff.schema import ANNOTATIONS, Bound, Sub

__all__ = ["SLOTS", "extra_changes", "slot_pairs", "slot_polarity", "slot_text"]

_KEPT_WHEN_TRIVIAL = {"not", "contains", "if"}  # `not: {}` refuses all; `contains: {}` one item


def extra_changes(ox: Extra, nx: Extra) -> Iterator[Finding]:
    """`dependentRequired`, `contentMediaType`/`contentEncoding`, `minContains`/`maxContains`."""
    for key in sorted(set(ox.dependent_required) | set(nx.dependent_required)):
        was = ox.dependent_required.get(key, frozenset())
        now = nx.dependent_required.get(key, frozenset())
        for names, verb, effect in (
            (now - was, "added", Effect.NARROW),
            (was - now, "removed", Effect.WIDEN),
        ):
            if names:
                listed = ", ".join(f"`{n}`" for n in sorted(names))
                detail = f"dependentRequired: {listed} with `{key}` {verb}"
                yield f"dependent-required-{verb}", effect, detail
    for keyword, stem in CONTENT.items():
        old, new = ox.content.get(keyword), nx.content.get(keyword)
        if old == new:
            continue
        encoding = keyword == "contentEncoding"  # the string is no longer the value itself
        if old is None:
            effect = Effect.CHANGE if encoding else Effect.NARROW
            yield f"{stem}-added", effect, f"{keyword} `{new}` added"
        elif new is None:
            effect = Effect.CHANGE if encoding else Effect.WIDEN
            yield f"{stem}-removed", effect, f"{keyword} `{old}` removed"
        else:
            yield f"{stem}-changed", Effect.CHANGE, f"{keyword} changed from `{old}` to `{new}`"
    if ("contains", "") in ox.slots and ("contains", "") in nx.slots:
        yield from bound_changes(
            "min-contains", False, _bound(ox.min_contains), _bound(nx.min_contains)
        )
        yield from bound_changes(
            "max-contains", True, _bound(ox.max_contains), _bound(nx.max_contains)
        )


def _bound(value: int | None) -> Bound | None:
    return None if value is None else Bound(float(value))


def slot_pairs(ox: Extra, nx: Extra) -> Iterator[tuple[Slot, list[Sub] | None, list[Sub] | None]]:
    """Each subschema slot of either side: (slot, old or None when absent, new or None)."""
    olds, news = _live(ox), _live(nx)
    if (("if", "") in olds) != (("if", "") in news):  # one conditional appeared or went
        for side in (olds, news):
            side.pop(("then", ""), None)
            side.pop(("else", ""), None)
    for slot in sorted(set(olds) | set(news), key=lambda s: (list(SLOTS).index(s[0]), s[1])):
        yield slot, olds.get(slot), news.get(slot)


def slot_polarity(slot: Slot, ox: Extra, nx: Extra) -> Polarity:
    keyword = slot[0]
    if keyword == "not":
        return Polarity.INVERSE
    if keyword == "if":
        return Polarity.UNKNOWN
    if keyword == "contains" and (ox.max_contains is not None or nx.max_contains is not None):
        return Polarity.UNKNOWN  # at most n matches: a narrower `contains` admits more arrays
    return Polarity.SAME


def slot_text(slot: Slot) -> str:
    keyword, key = slot
    if keyword == "if":
        return "conditional `if`/`then`/`else`"
    return f"`{keyword}`" + (f" `{key}`" if key else "")


def _live(extra: Extra) -> dict[Slot, list[Sub]]:
    """The slots that constrain anything: `then`/`else` only under an `if`, which is reported as
    one conditional when it appears or goes; a subschema that admits everything is no slot."""
    live = {
        slot: subs
        for slot, subs in extra.slots.items()
        if slot[0] in _KEPT_WHEN_TRIVIAL or not all(_trivial(node) for node, _ in subs)
    }
    if ("if", "") not in live:
        live.pop(("then", ""), None)
        live.pop(("else", ""), None)
    elif ("then", "") not in live and ("else", "") not in live:
        live.pop(("if", ""))  # an `if` alone constrains nothing
    return live


def _trivial(node: Any) -> bool:
    if node is True:
        return True
    return isinstance(node, Mapping) and all(k in ANNOTATIONS for k in node)
