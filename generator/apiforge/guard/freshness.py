"""Which packages are already what their specs generate, proven by each package's manifest (the
hashes of its inputs, of the generator and of its outputs: `check`'s fast path). `generate`,
`generate --watch` and the pre-commit hooks skip those, without importing the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apiforge.findings.diagnostic import UsageError
from apiforge.guard.up_to_date import vouching_manifest
from apiforge.output.fingerprint import output_fingerprint, package_name
from apiforge.output.format import ruff_config_for

__all__ = ["Freshness", "split_fresh"]


@dataclass(frozen=True)
class Freshness:
    """The specs whose packages are up to date, and those that must be generated."""

    fresh: tuple[Path, ...]
    stale: tuple[Path, ...]

    def fresh_names(self) -> list[str]:
        return [package_name(spec) for spec in self.fresh]


def split_fresh(specs: list[Path], out_dir: Path, templates: Path | None = None) -> Freshness:
    """Split `specs` by whether `out_dir` holds exactly what each would generate now."""
    names = [package_name(spec) for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:  # one of them may be up to date: refuse before skipping it
        raise UsageError(f"two specs would both generate the package {duplicates[0]!r}")
    fingerprint = output_fingerprint(ruff_config_for(out_dir), templates)
    fresh: list[Path] = []
    stale: list[Path] = []
    for spec in specs:
        vouched = vouching_manifest(spec, out_dir / package_name(spec), fingerprint)
        (fresh if vouched is not None else stale).append(spec)
    return Freshness(tuple(fresh), tuple(stale))
