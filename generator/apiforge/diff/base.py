"""`diff`'s two files and `check --base`'s specs against themselves at a git ref: one comparison,
which turns refs nested past what it can follow into bad input, not a crash."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from apiforge.diff.documents import Change, DiffResult
from apiforge.diff.gitbase import MissingRef
from apiforge.diff.report import breaking_finding, findings_of
from apiforge.document.bundle import Bundle
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError
from apiforge.findings.printer import merged, plural

__all__ = ["BaseComparison", "compare", "compare_files", "compare_with_base"]


@dataclass
class BaseComparison:
    """What `check --base` found: findings to print, and what was (not) compared, for the summary."""

    base: str
    findings: list[Diagnostic] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)  # specs that do not exist at the base
    declared: int = 0  # declared breaking changes (accepted, not printed)
    undeclared: int = 0  # undeclared ones, as printed: once each, however many specs share it
    skipped: str | None = None  # why nothing was compared (a base that does not exist)

    def said(self) -> str:
        """The comparison in the words of `check`'s summary line."""
        if self.skipped is not None:
            return f"breaking changes not checked ({self.skipped})"
        said = (
            plural(self.undeclared, "undeclared breaking change")
            if self.undeclared
            else "no undeclared breaking change"
        )
        said += f" since {self.base}"
        if self.declared:
            said += f" ({self.declared} declared)"
        if self.new:
            said += f" ({', '.join(self.new)} new since then)"
        return said


def compare(old: Bundle, new: Bundle) -> DiffResult:
    """The structural diff; refs nested deeper than the comparison can follow are bad input."""
    from apiforge.diff.documents import diff_documents

    try:
        return diff_documents(old.data, new.data, old_locate=old.locate, new_locate=new.locate)
    except RecursionError:
        message = "schemas nest too deeply (through $refs) to compare; flatten the chain"
        raise SpecError(
            [Diagnostic(new.root.display, 1, 1, Severity.ERROR, message, "#", "diff")]
        ) from None


def compare_files(old: Path, new: Path) -> DiffResult:
    """`diff OLD NEW`; SpecError naming what keeps either side, or both, from being compared."""
    from apiforge.diff.inputs import load_for_diff

    errors: list[Diagnostic] = []
    sides = []
    for path in (old, new):
        try:
            sides.append(load_for_diff(path))
        except SpecError as exc:
            errors += exc.diagnostics
    if errors:
        raise SpecError(errors)
    return compare(*sides)


def compare_with_base(
    specs: list[Path], base: str, shown: dict[Path, str], *, skip_missing: bool = False
) -> BaseComparison:
    """Undeclared breaking changes (and bad declarations) between each spec at `base` and now.

    `shown` names each spec as the output does. A spec that does not load now or at the base is
    not compared (a warning; `check` reports the spec itself). When `base` does not exist:
    MissingRef, or with `skip_missing` a comparison that says it was skipped.
    """
    try:
        return _compare_with_base(specs, base, shown)
    except MissingRef as exc:
        if not skip_missing:
            raise
        return BaseComparison(base, skipped=str(exc))


def _compare_with_base(specs: list[Path], base: str, shown: dict[Path, str]) -> BaseComparison:
    from apiforge.config import ref_root_for
    from apiforge.diff.gitbase import export_folder
    from apiforge.diff.inputs import load_for_diff

    out = BaseComparison(base)
    breaks: dict[tuple[object, ...], list[tuple[str, Change]]] = {}
    with tempfile.TemporaryDirectory(prefix="apiforge-base-") as tmp:
        exported: dict[Path, Path] = {}
        for spec in specs:
            name = shown[spec]
            folder = ref_root_for(spec)  # the spec's folder, or the ref-root its refs may reach
            if folder not in exported:
                exported[folder] = export_folder(base, folder, Path(tmp))
            old_path = exported[folder] / spec.resolve().relative_to(folder)
            if not old_path.is_file():
                out.new.append(name)
                continue
            try:
                old = load_for_diff(old_path, f"{base}:{name}", exported[folder])
            except SpecError:
                message = f"does not load at {base}; not compared for breaking changes"
                out.findings.append(
                    Diagnostic(name, 0, 0, Severity.WARNING, message, "", "breaking", specs=(name,))
                )
                continue
            try:
                result = compare(old, load_for_diff(spec, name))
            except SpecError as exc:
                out.findings += exc.diagnostics
                continue
            out.compared.append(name)
            out.declared += len(result.declared_breaking)
            out.findings += findings_of(result, name, breaking=False)
            for change in result.undeclared_breaking:
                breaks.setdefault(_same_edit(change, name), []).append((name, change))
    undeclared = merged(breaking_finding(found) for found in breaks.values())
    out.findings += undeclared
    out.undeclared = len(undeclared)  # not a malformed declaration, not a spec too deep to compare
    return out


def _same_edit(change: Change, spec: str) -> tuple[object, ...]:
    """Breaks found through several specs at one place of a shared file are one edit."""
    where = change.new_location or change.old_location
    if where is None:
        return (spec, change.kind, change.pointer, change.detail)
    return (where.file, where.line, where.col, change.kind, change.detail)
