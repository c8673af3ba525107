"""Is generated/ what the specs generate? First ask each package's manifest (hashes of inputs,
generator and outputs: milliseconds); only when it cannot vouch, regenerate into a temporary folder
and compare every file, extra and missing ones included.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apiforge.findings.diagnostic import Diagnostic, Severity
from apiforge.output.write import MANIFEST, sha256, tree_hashes


@dataclass(frozen=True)
class Stale:
    path: str  # relative to the working folder
    reason: str  # "differs", "missing", "extra", "not generated", ...
    hint: str = "run `apiforge generate`"

    def format(self) -> str:
        return f"{self.path}: {self.reason}; {self.hint}"

    def finding(self) -> Diagnostic:
        """As every other finding, printed by `findings.render`: a whole file, no line."""
        return Diagnostic(
            self.path, 0, 0, Severity.ERROR, f"{self.reason}; {self.hint}", "", "stale"
        )


def vouching_manifest(spec: Path, package_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The package's manifest when it proves the package is what the spec would generate now.

    Its inputs are the spec and every file it references (relative to the spec's folder): a change
    to which files are referenced is a change to one of them, so the list needs no refresh.
    """
    try:
        manifest = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("generator") != fingerprint:
            return None
        for rel, digest in manifest["inputs"].items():
            if sha256((spec.parent / rel).read_bytes()) != digest:
                return None
        if tree_hashes(package_dir) != manifest["outputs"]:
            return None
        return dict(manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def proven_strictly_valid(spec: Path, out_dir: Path, fingerprint: str) -> bool:
    """Whether an unchanged manifest records that the spec passed `validate` as written."""
    from apiforge.output.fingerprint import package_name

    manifest = vouching_manifest(spec, out_dir / package_name(spec), fingerprint)
    return bool(manifest and manifest.get("strictly_valid") is True)


def orphan_packages(out_dir: Path, specs: list[Path], shown_out: str) -> list[Stale]:
    """Generated packages that no spec generates any more (a deleted or renamed spec)."""
    from apiforge.output.fingerprint import package_name

    expected = {package_name(s) for s in specs}
    if not out_dir.is_dir():
        return []
    return [
        Stale(
            f"{shown_out}/{child.name}/",
            "extra package, no spec generates it",
            "delete it, or restore its spec",
        )
        for child in sorted(out_dir.iterdir())
        if (child / MANIFEST).is_file() and child.name not in expected
    ]


def compare_trees(expected: Path, actual: Path, shown: str) -> list[Stale]:
    want, have = tree_hashes(expected), tree_hashes(actual)
    stale: list[Stale] = []
    for rel in sorted(set(want) | set(have)):
        where = f"{shown}/{rel}"
        if rel not in have:
            stale.append(Stale(where, "missing"))
        elif rel not in want:
            stale.append(Stale(where, "extra"))
        elif want[rel] != have[rel]:
            stale.append(Stale(where, "differs"))
    return stale


def find_stale(
    specs: list[Path],
    out_dir: Path,
    shown_out: str,
    fingerprint: str,
    templates: Path | None = None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Stale]:
    """Stale files of the packages these specs generate (SpecError if a spec is invalid).

    `fingerprint` is what the manifests must record (`output_fingerprint` of the output folder).
    """
    from apiforge.output.fingerprint import package_name

    todo = [s for s in specs if not vouching_manifest(s, out_dir / package_name(s), fingerprint)]
    if not todo:
        return []
    from apiforge.pipeline import generate  # only now: it imports every stage

    stale: list[Stale] = []
    with tempfile.TemporaryDirectory(prefix="apiforge-check-") as tmp:
        fresh = Path(tmp)
        generate(todo, fresh, format_as=out_dir, templates=templates, method_names=names)
        for spec in todo:
            name = package_name(spec)
            if not (out_dir / name).is_dir():
                stale.append(Stale(f"{shown_out}/{name}/", "not generated"))
                continue
            stale.extend(compare_trees(fresh / name, out_dir / name, f"{shown_out}/{name}"))
    return stale
