"""The schema walk of `apiforge diff`: compare two schemas in step and report what the rules find."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from apiforge.diff.applicators import (
    SLOTS,
    extra_changes,
    slot_pairs,
    slot_polarity,
    slot_text,
)
from apiforge.diff.change import Emitter
from apiforge.diff.rules import (
    Direction,
    Effect,
    Polarity,
    breaks,
    nullable_changes,
    polarized,
    value_changes,
)
from apiforge.diff.schema import Sub, View, ViewCache
from apiforge.diff.schema_hashes import Fingerprints
from apiforge.diff.unions import Branch, Tokens, Unions, stem
from apiforge.document import pointer as jp

__all__ = ["SchemaContext", "SchemaDiffer"]


@dataclass(frozen=True)
class SchemaContext:
    """Where a schema comparison stands: direction, kind prefixes, logical pointers and label."""

    direction: Direction
    root_prefix: str  # e.g. "request-body"
    nested_prefix: str  # e.g. "request-property"
    old_pointer: str
    new_pointer: str
    subject: str  # e.g. "`POST /pets` request body"
    path: tuple[str, ...] = ()
    depth: int = 0
    relevant: bool = True  # False under readOnly (requests) or writeOnly (responses)
    old_src: str = "#"
    new_src: str = "#"
    wrapped: bool = False  # one side was not a union: its nullability was compared outside
    half_hidden: bool = False  # readOnly/writeOnly on one side only: only that change can break
    polarity: Polarity = Polarity.SAME  # inside `not` or `if`, a change acts differently

    @property
    def prefix(self) -> str:
        return self.nested_prefix if self.depth else self.root_prefix

    @property
    def side(self) -> str:
        """Whose shape the kind ids name: `request` or `response` (a webhook's roles reverse)."""
        return self.root_prefix.split("-", 1)[0]

    @property
    def label(self) -> str:
        text = ""
        for part in self.path:
            text += part if part[:1] in "[<" else ("." if text else "") + part
        if text.startswith(("<", "[")):
            return f"{self.subject} subschema `{text}`"
        return f"{self.subject} property `{text}`" if text else self.subject

    def child(self, *tokens: str, part: str) -> SchemaContext:
        return replace(
            self,
            old_pointer=jp.join(self.old_pointer, *tokens),
            new_pointer=jp.join(self.new_pointer, *tokens),
            path=(*self.path, part),
            depth=self.depth + 1,
            wrapped=False,
            relevant=self.relevant and not self.half_hidden,
            half_hidden=False,
        )


class SchemaDiffer:
    """Compares schema pairs; each (old, new) pair is compared once until `reset()`."""

    def __init__(self, old_doc: Any, new_doc: Any, emitter: Emitter) -> None:
        self.fps = (Fingerprints(old_doc), Fingerprints(new_doc))
        self.views = (ViewCache(old_doc), ViewCache(new_doc))
        self.unions = Unions(self.fps, self.views)
        self.emitter = emitter
        self._seen: set[tuple[Any, ...]] = set()

    def reset(self) -> None:
        self._seen.clear()

    def compare(self, ctx: SchemaContext, old: list[Sub], new: list[Sub]) -> None:
        if self.fps[0].of(old) == self.fps[1].of(new):
            return
        ov, nv = self.views[0].of(old, ctx.old_src), self.views[1].of(new, ctx.new_src)
        key = (
            ov.key,
            nv.key,
            ctx.direction,
            ctx.relevant,
            ctx.wrapped,
            ctx.half_hidden,
            ctx.polarity,
        )
        if key in self._seen:
            return
        self._seen.add(key)
        ctx = replace(ctx, old_src=ov.pointer, new_src=nv.pointer)
        if (ov.union is None) != (nv.union is None):
            for finding in nullable_changes(ov, nv):
                self._emit(ctx, *finding)
            self._union(ctx, ov, nv, old, new)
            return
        nested = ctx.depth > 0
        for finding in value_changes(ctx.direction, nested, ov, nv, nullability=not ctx.wrapped):
            self._emit(ctx, *finding)
        if ov.union is not None:
            self._union(ctx, ov, nv, old, new)
        dctx = replace(
            ctx, old_src=ov.disc_pointer or ctx.old_src, new_src=nv.disc_pointer or ctx.new_src
        )
        for finding in self.unions.discriminator_changes(ov, nv):
            self._emit(dctx, *finding)
        self._properties(ctx, ov, nv)
        self._additional(ctx, ov, nv)
        if ov.items or nv.items:  # no `items` admits any item
            self.compare(ctx.child("items", part="[]"), ov.items, nv.items)
        self._extra(ctx, ov, nv)

    def _extra(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        """The 2020-12 keywords: values here, subschemas walked with their polarity."""
        for finding in extra_changes(ov.extra, nv.extra):
            self._emit(ctx, *finding)
        olds, news = ov.extra.prefix_items, nv.extra.prefix_items
        for i in range(max(len(olds), len(news))):  # a position past the prefix takes `items`
            old = olds[i] if i < len(olds) else ov.items
            new = news[i] if i < len(news) else nv.items
            self.compare(ctx.child("prefixItems", str(i), part=f"[{i}]"), old, new)
        for slot, old_subs, new_subs in slot_pairs(ov.extra, nv.extra):
            stem, what = SLOTS[slot[0]], slot_text(slot)
            if old_subs is None:
                self._emit(ctx, f"{stem}-added", Effect.NARROW, f"{what} added")
            elif new_subs is None:
                self._emit(ctx, f"{stem}-removed", Effect.WIDEN, f"{what} removed")
            else:
                tokens = slot if slot[1] else slot[:1]
                part = f"<{slot[0]}{f' {slot[1]}' if slot[1] else ''}>"
                polarity = ctx.polarity.inside(slot_polarity(slot, ov.extra, nv.extra))
                child = replace(ctx.child(*tokens, part=part), polarity=polarity)
                self.compare(child, old_subs, new_subs)

    def _emit(self, ctx: SchemaContext, suffix: str, effect: Effect, detail: str) -> None:
        visible = not ctx.half_hidden or suffix in _VISIBILITY
        effect = polarized(effect, ctx.polarity)
        breaking = ctx.relevant and visible and breaks(effect, ctx.direction)
        self.emitter.emit(
            f"{ctx.prefix}-{suffix}",
            breaking,
            ctx.label,
            detail,
            (ctx.old_pointer, ctx.old_src),
            (ctx.new_pointer, ctx.new_src),
        )

    def _union(
        self, ctx: SchemaContext, ov: View, nv: View, old: list[Sub], new: list[Sub]
    ) -> None:
        """Compare alternatives; a side that is not a union counts as a union of itself."""
        old_alts = self.unions.alternatives(0, ov, old)
        new_alts = self.unions.alternatives(1, nv, new)
        old_br, new_br = [b for b, _ in old_alts], [b for b, _ in new_alts]
        pairs, removed, added = self.unions.match(ov, nv, old_br, new_br)
        keyword = (nv.union or ov.union or ("oneOf", []))[0]
        lone = (
            (0, removed, old_alts, "removed", Effect.NARROW),
            (1, added, new_alts, "added", Effect.WIDEN),
        )
        for side, indices, alts, verb, effect in lone:
            for i in indices:
                branch, tokens = alts[i]
                detail = f"alternative {self.unions.name(side, branch)} {verb}"
                bctx = _one_sided(ctx, side, tokens, branch)
                self._emit(bctx, f"{stem(tokens, keyword)}-{verb}", effect, detail)
                if side == 1 and stem(tokens, keyword) == "one-of" and _refuses(ctx, nv):
                    self._ambiguous(bctx, [old_br[p] for p, _ in pairs], branch)
        for i, j in pairs:
            bctx = replace(
                ctx,
                old_pointer=jp.join(ctx.old_pointer, *old_alts[i][1]),
                new_pointer=jp.join(ctx.new_pointer, *new_alts[j][1]),
                wrapped=ov.union is None or nv.union is None,
            )
            self.compare(bctx, old_br[i], new_br[j])

    def _ambiguous(self, ctx: SchemaContext, kept: list[Branch], added: Branch) -> None:
        """A `oneOf` alternative an old value may also match: that value now matches two, and
        `oneOf` refuses it (JSON Schema 2020-12 §10.2.1.3)."""
        new = self.views[1].of(added)
        for branch in kept:
            if self.unions.may_overlap(self.views[0].of(branch), new, self.views):
                name = self.unions.name(1, added)
                detail = (
                    f"alternative {name} added: a value valid for {self.unions.name(0, branch)} "
                    "may match it too, and oneOf refuses a value that matches two"
                )
                self._emit(ctx, "one-of-ambiguous", Effect.NARROW, detail)
                return

    def _properties(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        request = ctx.direction is Direction.REQUEST
        for name in sorted(set(ov.props) | set(nv.props) | ov.required | nv.required):
            old, new = ov.props.get(name, []), nv.props.get(name, [])
            child = ctx.child("properties", name, part=name)
            src_o = old[0][1] if old else ov.pointer
            src_n = new[0][1] if new else nv.pointer
            if not (old or name in ov.required):
                n = self.views[1].of(new, nv.pointer)
                hidden = n.read_only if request else n.write_only
                self._added(child, name in nv.required, hidden, (ov.pointer, src_n))
                continue
            o = self.views[0].of(old, ov.pointer)
            o_hidden = o.read_only if request else o.write_only
            if not (new or name in nv.required):
                self._removed(child, o_hidden, nv.additional is False, (src_o, nv.pointer))
                continue
            n = self.views[1].of(new, nv.pointer)
            n_hidden = n.read_only if request else n.write_only
            relevant = ctx.relevant and not (o_hidden and n_hidden)
            child = replace(child, relevant=relevant, old_src=src_o, new_src=src_n)
            pair = child  # a value change under a side that hides it reaches no reader
            child = replace(child, half_hidden=o_hidden != n_hidden)
            was, now = name in ov.required, name in nv.required
            if o_hidden == n_hidden and was != now:
                if now:
                    self._emit(pair, "became-required", Effect.NARROW, "became required")
                else:
                    self._emit(pair, "became-optional", Effect.WIDEN, "became optional")
            elif request and o_hidden and not n_hidden and now:
                detail = "is no longer read-only and is required"
                self._emit(pair, "became-required", Effect.NARROW, detail)
            self.compare(child, old, new)

    def _added(
        self, ctx: SchemaContext, required: bool, hidden: bool, src: tuple[str, str]
    ) -> None:
        level = "required" if required else "optional"
        if ctx.side == "request":
            kind = f"new-{level}-request-property"
        else:
            kind = f"response-{level}-property-added"
        effect = Effect.NARROW if required and not hidden else Effect.NONE
        pointers = ((None, src[0]), (ctx.new_pointer, src[1]))
        breaking = ctx.relevant and breaks(polarized(effect, ctx.polarity), ctx.direction)
        self.emitter.emit(kind, breaking, ctx.label, f"{level} property added", *pointers)

    def _removed(
        self, ctx: SchemaContext, hidden: bool, closed: bool, src: tuple[str, str]
    ) -> None:
        """Gone from an open object it widens it; from a closed one a client may not send it."""
        request = ctx.direction is Direction.REQUEST
        effect = Effect.NONE if hidden else Effect.NARROW if request and closed else Effect.WIDEN
        breaking = ctx.relevant and breaks(polarized(effect, ctx.polarity), ctx.direction)
        detail = "property removed" + (
            " (other properties are not allowed)" if request and closed else ""
        )
        pointers = ((ctx.old_pointer, src[0]), (None, src[1]))
        kind = f"{ctx.side}-property-removed"
        self.emitter.emit(kind, breaking, ctx.label, detail, *pointers)

    def _additional(self, ctx: SchemaContext, ov: View, nv: View) -> None:
        if isinstance(ov.additional, list) and isinstance(nv.additional, list):
            self.compare(ctx.child("additionalProperties", part="*"), ov.additional, nv.additional)
            return
        old, new = _openness(ov.additional), _openness(nv.additional)
        if new < old:
            detail = "additional properties " + (
                "are no longer allowed" if new == 0 else "were restricted"
            )
            self._emit(ctx, "additional-properties-narrowed", Effect.NARROW, detail)
        elif new > old:
            # clients must tolerate unknown properties, as they tolerate new optional ones
            detail = "additional properties were relaxed"
            self._emit(ctx, "additional-properties-widened", Effect.NONE, detail)


def _refuses(ctx: SchemaContext, nv: View) -> bool:
    """A request `oneOf` without a discriminator refuses a value two alternatives admit."""
    return ctx.direction is Direction.REQUEST and nv.discriminator is None


_VISIBILITY = frozenset(
    {"became-read-only", "became-not-read-only", "became-write-only", "became-not-write-only"}
)


def _openness(additional: bool | list[Sub]) -> int:
    if isinstance(additional, list):
        return 1
    return 2 if additional else 0


def _one_sided(ctx: SchemaContext, side: int, tokens: Tokens, branch: Branch) -> SchemaContext:
    """The context of a branch found on one side only: only that side moves into it."""
    if side == 0:
        src = branch[0][1] if branch else ctx.old_src
        return replace(ctx, old_pointer=jp.join(ctx.old_pointer, *tokens), old_src=src)
    src = branch[0][1] if branch else ctx.new_src
    return replace(ctx, new_pointer=jp.join(ctx.new_pointer, *tokens), new_src=src)
