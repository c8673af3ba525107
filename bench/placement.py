"""How often the fast path places a refused document's errors itself, and whether it places them
where openapi-spec-validator (the located validator) does, on APIs.guru's corpus.

For each document that bench/corpus.py's journal records as refused by `validate` (or every
document, with --all): the Rust validator's errors, placed by `fast_locator`; then the located
validator's diagnostics. Prints how many documents were placed by the fast path, how many of
those placed every error where the located validator does (the same file, line, column and
pointer), how many placed a subset or a different error of a schema both fault, and the time of
each path (medians, and the ratio of the sums).

    python bench/placement.py [--journal bench/results/corpus.jsonl] [--all] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = REPO / "bench" / ".cache" / "corpus" / "unpacked" / "package"


def refused_documents(journal: Path, every: bool) -> list[str]:
    names = []
    for line in journal.read_text().splitlines():
        row = json.loads(line)
        if every or row["stages"].get("validate", {}).get("status") == "fail":
            names.append(row["document"])
    return sorted(names)


def places(diagnostics: list[Any]) -> set[tuple[Any, ...]]:
    return {(d.file, d.line, d.col, d.pointer) for d in diagnostics if d.rule == "openapi"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--journal", type=Path, default=REPO / "bench/results/corpus.jsonl")
    parser.add_argument("--all", action="store_true", help="every journalled document")
    parser.add_argument("--limit", type=int, help="at most N documents")
    args = parser.parse_args()
    sys.setrecursionlimit(30_000)
    from apiforge.document.bundle import load_bundle
    from apiforge.document.versions import supported_release
    from apiforge.findings.diagnostic import SpecError
    from apiforge.validate.fast import fast_errors
    from apiforge.validate.located import located_diagnostics
    from apiforge.validate.placing import placed_diagnostics

    tally = {"documents": 0, "rust-valid": 0, "not judged": 0, "placed": 0, "fell back": 0}
    agree = {"same places": 0, "a subset": 0, "other errors": 0}
    fast_times: list[float] = []
    slow_times: list[float] = []
    names = refused_documents(args.journal, args.all)[: args.limit]
    for name in names:
        try:
            bundle = load_bundle(DOCUMENTS / name)
        except SpecError:
            continue
        release = supported_release(bundle.data)
        if release is None:
            continue
        tally["documents"] += 1
        start = time.perf_counter()
        errors = fast_errors(bundle.data, release)
        placed = placed_diagnostics(bundle, errors) if errors else None
        fast = time.perf_counter() - start
        start = time.perf_counter()
        located = located_diagnostics(bundle, release)
        slow = time.perf_counter() - start
        if errors is None:
            tally["not judged"] += 1
            continue
        if not errors:
            tally["rust-valid"] += 1  # refused by our lint only, or a verdict that differs
            continue
        if placed is None:
            tally["fell back"] += 1
            continue
        tally["placed"] += 1
        fast_times.append(fast)
        slow_times.append(slow)
        ours, theirs = places(placed), places(located)
        if ours == theirs:
            agree["same places"] += 1
        elif ours <= theirs:
            agree["a subset"] += 1
        else:
            agree["other errors"] += 1
            print(
                f"  {name}: placed where the located validator does not: {sorted(ours - theirs)[:3]}"
            )
    print(f"\nplacement on {tally['documents']} refused corpus documents ({args.journal.name})")
    for key, value in tally.items():
        print(f"  {key:12s} {value}")
    for key, value in agree.items():
        print(f"    of those placed, {key}: {value}")
    if fast_times:
        print(
            f"  time per placed document: fast path median {statistics.median(fast_times) * 1000:.0f} ms,"
            f" located validator median {statistics.median(slow_times) * 1000:.0f} ms;"
            f" sums {sum(fast_times):.1f} s vs {sum(slow_times):.1f} s"
            f" (fast / located = {sum(fast_times) / sum(slow_times):.2f}x)"
        )


if __name__ == "__main__":
    main()
