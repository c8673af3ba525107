"""Union rules for `apiforge diff`: pair the alternatives of two unions, compare discriminators."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from apiforge.diff.rules import Effect, Finding, type_text
from apiforge.diff.schema import (
    ANNOTATIONS,
    Sub,
    View,
    ViewCache,
    effective_mapping,
    is_null,
    last_token,
)
from apiforge.diff.schema_hashes import Fingerprints
from apiforge.document import pointer as jp
from apiforge.document.walk import get_ref

__all__ = ["Branch", "Tokens", "Unions", "stem"]

Branch = list[Sub]  # one alternative of a union: usually one schema, several for a merged view
Tokens = tuple[str, ...]


class Unions:
    """Finds and pairs union alternatives on both sides; judges discriminator changes."""

    def __init__(
        self, fps: tuple[Fingerprints, Fingerprints], views: tuple[ViewCache, ViewCache]
    ) -> None:
        self.fps = fps
        self.views = views

    def alternatives(self, side: int, view: View, subs: list[Sub]) -> list[tuple[Branch, Tokens]]:
        """Union branches with their logical tokens; a branch that is only a union is opened."""
        if view.union is None:
            return [(subs, ())]
        found: list[tuple[Branch, Tokens]] = []
        opened: set[str] = set()  # a union named twice adds its alternatives once

        def walk(keyword: str, branches: list[Sub], tokens: Tokens, depth: int) -> None:
            for node, ptr in branches:
                here = (*tokens, keyword, last_token(ptr))
                inner = _pure_union(self.views[side].doc, node, ptr)
                if inner is None or depth >= 8:
                    found.append(([(node, ptr)], here))
                elif inner[0] not in opened:
                    opened.add(inner[0])
                    walk(inner[1], inner[2], here, depth + 1)

        walk(view.union[0], view.union[1], (), 0)
        return found

    def name(self, side: int, branch: Branch) -> str:
        """A branch as a reader knows it: its component name, else its types."""
        ref = _ref(branch)
        if ref is not None:
            return f"`{last_token(ref)}`"
        return f"`{type_text(self.views[side].of(branch).types)}`"

    def match(
        self, ov: View, nv: View, old_br: list[Branch], new_br: list[Branch]
    ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair old and new branches by structure, then by ref, discriminator value, or likeness."""
        pairs: list[tuple[int, int]] = []
        left, right = list(range(len(old_br))), list(range(len(new_br)))

        def pair_by(same: Callable[[int, int], bool]) -> None:
            for i in list(left):
                j = next((j for j in right if same(i, j)), None)
                if j is not None:
                    pairs.append((i, j))
                    left.remove(i)
                    right.remove(j)

        old_fp = [self.fps[0].of(b) for b in old_br]
        new_fp = [self.fps[1].of(b) for b in new_br]
        pair_by(lambda i, j: old_fp[i] == new_fp[j])
        pair_by(
            lambda i, j: _ref(old_br[i]) not in (None, "") and _ref(old_br[i]) == _ref(new_br[j])
        )
        if ov.discriminator is not None and nv.discriminator is not None:
            old_map = effective_mapping(ov.discriminator, [b[0][0] for b in old_br])
            new_map = effective_mapping(nv.discriminator, [b[0][0] for b in new_br])
            by_value = {
                (_index_of_ref(old_br, old_map[v]), _index_of_ref(new_br, new_map[v]))
                for v in set(old_map) & set(new_map)
            }
            pair_by(lambda i, j: (i, j) in by_value)
        if len(left) == 1 and len(right) == 1:
            pairs.append((left.pop(), right.pop()))
        views_o = {i: self.views[0].of(old_br[i]) for i in left}
        views_n = {j: self.views[1].of(new_br[j]) for j in right}
        pair_by(lambda i, j: _likeness(views_o[i], views_n[j]) >= 0.75)
        return sorted(pairs), left, right

    def may_overlap(self, a: View, b: View, views: tuple[ViewCache, ViewCache]) -> bool:
        """Whether some value may be valid for both `a` (old side) and `b` (new side).

        They are apart when their types or enums share nothing, or a property one requires is
        one the other forbids or types apart; otherwise some value may match both.
        """
        if _apart(a, b):
            return False
        for name in sorted(a.required | b.required):
            subs_a, subs_b = a.props.get(name), b.props.get(name)
            if (name in b.required and not subs_a and a.additional is False) or (
                name in a.required and not subs_b and b.additional is False
            ):
                return False
            if subs_a and subs_b and _apart(views[0].of(subs_a), views[1].of(subs_b)):
                return False
        return True

    def discriminator_changes(self, ov: View, nv: View) -> Iterator[Finding]:
        """Added, removed or renamed discriminators; values whose target changed shape."""
        od, nd = ov.discriminator, nv.discriminator
        if od is None and nd is None:
            return
        if od is None or nd is None:
            suffix = "discriminator-added" if od is None else "discriminator-removed"
            yield suffix, Effect.NONE, suffix.replace("-", " ")
            return
        if od.get("propertyName") != nd.get("propertyName"):
            detail = (
                f"discriminator property changed from `{od.get('propertyName')}` "
                f"to `{nd.get('propertyName')}`"
            )
            yield "discriminator-property-name-changed", Effect.CHANGE, detail
        old_br = [[b] for b in ov.union[1]] if ov.union else []
        new_br = [[b] for b in nv.union[1]] if nv.union else []
        old_map = effective_mapping(od, [b[0][0] for b in old_br])
        new_map = effective_mapping(nd, [b[0][0] for b in new_br])
        pairs = set(self.match(ov, nv, old_br, new_br)[0])
        for value in sorted(set(old_map) | set(new_map)):
            o, n = old_map.get(value), new_map.get(value)
            if n is None:
                yield (
                    "discriminator-mapping-deleted",
                    Effect.CHANGE,
                    (f"discriminator value `{value}` removed"),
                )
            elif o is None:
                yield (
                    "discriminator-mapping-added",
                    Effect.WIDEN,
                    (f"discriminator value `{value}` added"),
                )
            elif (_index_of_ref(old_br, o), _index_of_ref(new_br, n)) in pairs:
                continue
            elif o != n and self.fps[0].of_ref(o) != self.fps[1].of_ref(n):
                yield (
                    "discriminator-mapping-changed",
                    Effect.CHANGE,
                    (f"discriminator value `{value}` now maps to a different schema"),
                )


def stem(tokens: Tokens, keyword: str) -> str:
    """The kind stem of a branch: `any-of` under `anyOf`, else `one-of`."""
    return "any-of" if (tokens[-2] if tokens else keyword) == "anyOf" else "one-of"


def _pure_union(doc: Any, node: Any, ptr: str) -> tuple[str, str, list[Sub]] | None:
    """A schema that is only `oneOf`/`anyOf` (and a discriminator): where it is, and its branches."""
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ptr = node["$ref"]
        node = get_ref(doc, ptr)
    if not isinstance(node, Mapping):
        return None
    keys = {k for k in node if k not in ANNOTATIONS and not str(k).startswith("x-")}
    for keyword in ("oneOf", "anyOf"):
        if keys <= {keyword, "discriminator"} and isinstance(node.get(keyword), list):
            branches = [(b, jp.join(ptr, keyword, i)) for i, b in enumerate(node[keyword])]
            return ptr, keyword, [b for b in branches if not is_null(doc, b[0])]
    return None


def _ref(branch: Branch) -> str | None:
    node = branch[0][0] if len(branch) == 1 else None
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) else None


def _index_of_ref(branches: list[Branch], ref: str) -> int:
    return next((i for i, b in enumerate(branches) if _ref(b) == ref), -1)


def _apart(a: View, b: View) -> bool:
    """No value has a type, or an enum value, that both allow."""
    if a.enum is not None and b.enum is not None and not set(a.enum) & set(b.enum):
        return True
    ta, tb = _admitted(a), _admitted(b)
    return ta is not None and tb is not None and not (ta & tb)


def _admitted(view: View) -> set[str] | None:
    """The JSON types a view admits (an integer is a number), null included; None for any."""
    if view.types is None:
        if view.enum is None:
            return None
        found = {_json_type(v) for v in view.enum.values()}
    else:
        found = set(view.types)
    if "integer" in found or "number" in found:
        found |= {"integer", "number"}
    if view.is_nullable:
        found.add("null")
    return found


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    names = {str: "string", int: "integer", float: "number", list: "array", dict: "object"}
    return names.get(type(value), "object")


def _likeness(a: View, b: View) -> float:
    names_a, names_b = set(a.props), set(b.props)
    union = names_a | names_b
    overlap = len(names_a & names_b) / len(union) if union else 1.0
    return 0.5 * (a.types == b.types) + 0.5 * overlap
