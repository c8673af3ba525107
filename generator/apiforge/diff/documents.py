"""`apiforge diff`: compare two bundled documents and say which changes break existing clients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from apiforge.diff.change import Change, Emitter, Locator, SourcePlace
from apiforge.diff.declarations import (
    DECLARATIONS_KEY,
    Declaration,
    DeclarationError,
    parse_declarations,
)
from apiforge.diff.events import compare_webhooks
from apiforge.diff.kinds import ALL_KINDS
from apiforge.diff.operations import Operations
from apiforge.diff.security import SecurityChanges
from apiforge.diff.side_versions import version_warnings

__all__ = [
    "ALL_KINDS",
    "DECLARATIONS_KEY",
    "Change",
    "Declaration",
    "DeclarationError",
    "DiffResult",
    "SourcePlace",
    "Locator",
    "diff_documents",
    "parse_declarations",
]


@dataclass(frozen=True)
class DiffResult:
    """Every change found, ordered by pointer, and the declarations read from the new document.

    `warnings` are about the comparison itself (e.g. the sides are different OpenAPI versions):
    shown by every format, they never fail the build.
    """

    changes: tuple[Change, ...]
    declarations: tuple[Declaration, ...] = ()
    errors: tuple[DeclarationError, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def undeclared_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking and not c.declared)

    @property
    def declared_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking and c.declared)

    @property
    def non_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.breaking)

    @property
    def unused_declarations(self) -> tuple[Declaration, ...]:
        """Declarations that cover no breaking change: stale, or aimed at the wrong place."""
        used = {d.index for c in self.breaking for d in c.declarations}
        return tuple(d for d in self.declarations if d.index not in used)

    @property
    def ok(self) -> bool:
        """True when nothing should fail the build: no undeclared break, no malformed declaration."""
        return not self.undeclared_breaking and not self.errors


def diff_documents(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_locate: Locator | None = None,
    new_locate: Locator | None = None,
) -> DiffResult:
    """Compare two bundles (local `$ref`s only); breaking changes are judged per direction.

    Each side's schemas are read by that side's own `openapi` version.
    """
    emitter = Emitter(old_locate, new_locate)
    security = SecurityChanges(old, new, emitter)
    operations = Operations(old, new, emitter, security)
    operations.compare_paths()
    compare_webhooks(operations)
    security.compare_schemes()
    unique = {(c.kind, c.old_pointer, c.new_pointer, c.detail): c for c in emitter.changes}
    ordered = sorted(unique.values(), key=_order)
    declarations, errors = parse_declarations(new, new_locate)
    changes = []
    for change in ordered:
        covering = tuple(d for d in declarations if change.breaking and d.covers(change))
        changes.append(replace(change, declarations=covering) if covering else change)
    return DiffResult(tuple(changes), declarations, errors, version_warnings(old, new))


def _order(change: Change) -> tuple[str, ...]:
    return (change.pointer, change.kind, change.old_pointer or "", change.detail)
