"""`apiforge check` as one call: every spec valid (strictly, as `validate` says, unless an unchanged
manifest already proves it), generated/ what the valid ones generate, no package left whose spec is
gone, and, given a base ref, no undeclared breaking change since it. The CLI prints the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from apiforge.document.files import display_path
from apiforge.findings.diagnostic import Diagnostic, SpecError
from apiforge.guard.up_to_date import Stale, find_stale, orphan_packages, proven_strictly_valid
from apiforge.output.fingerprint import output_fingerprint
from apiforge.output.format import ruff_config_for

if TYPE_CHECKING:
    from apiforge.config import Config
    from apiforge.diff.base import BaseComparison

__all__ = ["CheckResult", "check"]


@dataclass(frozen=True)
class CheckResult:
    """What `check` found, and what it checked, for the summary line."""

    findings: list[Diagnostic]
    shown: dict[Path, str]  # each spec checked, as printed
    valid: list[Path]
    stale: list[Stale]
    out_dir: str  # as printed
    base: BaseComparison | None = None

    @property
    def failed(self) -> bool:
        return any(f.is_error for f in self.findings)

    def said(self) -> str:
        """What was checked, in the words of the summary line."""
        shown = ", ".join(self.shown.values())
        checked = [f"{len(self.valid)} of {len(self.shown)} spec(s) valid ({shown})"]
        checked.append(
            f"{len(self.stale)} stale file(s) in {self.out_dir}/"
            if self.stale
            else f"{self.out_dir}/ up to date"
        )
        if self.base is not None:
            checked.append(self.base.said())
        if len(self.valid) < len(self.shown):
            checked.append("invalid specs not compared")
        return ", ".join(checked)

    def facts(self) -> dict[str, object]:
        """The summary as data (`--format json`)."""
        return {
            "specs": list(self.shown.values()),
            "valid": len(self.valid),
            "stale": len(self.stale),
            "base": self.base.base if self.base is not None else None,
        }


def check(
    specs: Sequence[Path],
    config: Config,
    *,
    orphans: bool = True,
    base: str | None = None,
    skip_missing_base: bool = False,
) -> CheckResult:
    """Check `specs` against `config`'s output folder. `orphans`: also report packages no spec in
    `specs` generates (when they are all the specs there are). MissingRef (a usage error) when
    `base` does not exist, unless `skip_missing_base`."""
    from apiforge.validate.spec import validate_specs

    out_dir = config.out_dir
    shown_out = display_path(out_dir)
    shown = {spec: display_path(spec) for spec in specs}
    fingerprint = output_fingerprint(ruff_config_for(out_dir), config.templates, config.names)
    verdicts = validate_specs(
        specs, proven=lambda s: proven_strictly_valid(s, out_dir, fingerprint)
    )
    found = list(verdicts.findings)
    valid = [s for s in specs if s not in verdicts.invalid]  # an invalid spec generates nothing
    try:
        stale = find_stale(valid, out_dir, shown_out, fingerprint, config.templates, config.names)
    except SpecError as exc:  # what generate refuses beyond `validate` (the same spec, once)
        found += exc.diagnostics
        stale = []
    if orphans:
        stale += orphan_packages(out_dir, list(specs), shown_out)
    found += [item.finding() for item in stale]
    compared = None
    if base:
        from apiforge.diff.base import compare_with_base

        compared = compare_with_base(valid, base, shown, skip_missing=skip_missing_base)
        found += compared.findings
    return CheckResult(found, shown, valid, stale, shown_out, compared)
