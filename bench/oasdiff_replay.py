"""Replay oasdiff's own checker tests against `apiforge diff`: how often do the verdicts agree?

oasdiff (the reference breaking-change tool) keeps document pairs under `data/` and, in
`checker/*_test.go`, the change ids each pair must produce; `checker/rules.go` gives each id its
level. A pair is breaking for oasdiff when some id its tests expect is an ERR (its default
`--fail-on ERR`); WARN-only pairs are counted apart. Each pair is diffed by this tree's engine
and by a named baseline's (`--baseline`, a git ref, extracted with `git archive`), in one run.

The oasdiff files are read from bench/.cache/oasdiff (`--import GIT_DIR` fills it from a local
clone or mirror of github.com/oasdiff/oasdiff). Tests that edit a document in code, set diff
options, or check deprecation or stability policy (no part of our engine) are left out, and
said so. A test checks one rule; a pair's verdict is the highest level any test expects of it.

    python bench/oasdiff_replay.py [--baseline main] [--show 20]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "oasdiff"
_LEVELS = {"INFO": 0, "WARN": 1, "ERR": 2}
_SKIP_WORDS = {
    ".Spec": "edits a document in code",
    "With": "sets diff options",
    "Deprecat": "deprecation policy",
    "Sunset": "deprecation policy",
    "Stability": "stability policy",
    "x-stability": "stability policy",
}
_NEGATIVE = ("NotContains", "require.False", "NotEqual", "assert.False")


@dataclass
class Pair:
    base: str
    revision: str
    level: int = -1  # the highest level expected; -1 when the tests expect no change at all
    ids: set[str] = field(default_factory=set)
    tests: list[str] = field(default_factory=list)


def import_files(git_dir: Path) -> None:
    """Copy oasdiff's `data/` and `checker/` at HEAD into the cache (replacing nothing else)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", "HEAD", "data", "checker"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryFile() as tmp:
        tmp.write(archive)
        tmp.seek(0)
        with tarfile.open(fileobj=tmp) as tar:
            tar.extractall(CACHE, filter="data")
    (CACHE / "COMMIT").write_text(commit + "\n")


def rule_levels() -> dict[str, int]:
    text = (CACHE / "checker" / "rules.go").read_text()
    found = re.findall(r"newBackwardCompatibilityRule\((\w+),\s*(ERR|WARN|INFO)\b", text)
    return {name: _LEVELS[level] for name, level in found}


def read_pairs() -> tuple[list[Pair], Counter[str]]:
    """Every (base, revision) pair the checker tests diff, with the verdict they expect."""
    levels = rule_levels()
    pairs: dict[tuple[str, str], Pair] = {}
    skipped: Counter[str] = Counter()
    for test_file in sorted((CACHE / "checker").glob("*_test.go")):
        text = test_file.read_text()
        for name, body in re.findall(
            r"^func (Test\w+)\(t \*testing\.T\) \{\n(.*?)^\}", text, re.S | re.M
        ):
            reason = _skip_reason(body)
            if reason:
                skipped[reason] += 1
                continue
            files = dict(re.findall(r"(\w+),\s*\w+\s*:?=\s*open\(\"\.\./(data/[^\"]+)\"", body))
            call = re.search(r"diff\.Get\w*\(diff\.NewConfig\(\),\s*(\w+),\s*(\w+)\)", body)
            if call is None or call.group(1) not in files or call.group(2) not in files:
                skipped["no document pair read"] += 1
                continue
            expected = _expected(body, levels)
            if expected is None:
                skipped["no verdict read"] += 1
                continue
            key = (files[call.group(1)], files[call.group(2)])
            if key[0] == key[1] or key[0].endswith("/"):
                skipped["edits a document in code"] += 1  # one file twice: the edit is in Go
                continue
            pair = pairs.setdefault(key, Pair(*key))
            pair.level = max(pair.level, expected[0])
            pair.ids |= expected[1]
            pair.tests.append(name)
    return sorted(pairs.values(), key=lambda p: (p.base, p.revision)), skipped


def _skip_reason(body: str) -> str | None:
    if "open(" not in body:
        return "no document pair read"
    for word, reason in _SKIP_WORDS.items():
        if word == "With":
            if re.search(r"NewConfig\(\)\.With", body):
                return reason
        elif word in body:
            return reason
    return None


def _expected(body: str, levels: dict[str, int]) -> tuple[int, set[str]] | None:
    ids: set[str] = set()
    level = -1
    for line in body.splitlines():
        if any(word in line for word in _NEGATIVE):
            continue
        for name in re.findall(r"checker\.(\w+Id)\b", line):
            if name in levels:
                ids.add(name)
                level = max(level, levels[name])
        for explicit in re.findall(r"Level:\s*checker\.(ERR|WARN|INFO)\b", line):
            level = max(level, _LEVELS[explicit])
    if ids or level >= 0:
        return level, ids
    if re.search(r"require\.(Empty\(t, errs\)|Len\(t, errs, 0\))", body):
        return -1, set()
    return None


def worker() -> None:
    """Diff each pair with the `apiforge` on sys.path; a JSON line per pair on stdout."""
    from apiforge.diff import diff_documents
    from apiforge.document.bundle import load_bundle

    for line in sys.stdin:
        base, revision = json.loads(line)
        try:
            old = load_bundle(CACHE / base, base)
            new = load_bundle(CACHE / revision, revision)
            result = diff_documents(old.data, new.data)
            kinds = sorted({c.kind for c in result.breaking})
            print(json.dumps({"breaking": bool(result.breaking), "kinds": kinds}), flush=True)
        except Exception as exc:  # a document our loader refuses: reported, not a verdict
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:200]}), flush=True)


def run_tree(generator: Path, pairs: list[Pair]) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(generator)}
    lines = "".join(json.dumps([p.base, p.revision]) + "\n" for p in pairs)
    out = subprocess.run(
        [sys.executable, __file__, "--worker"],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=1800,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def score(pairs: list[Pair], verdicts: list[dict[str, object]], strict: bool) -> tuple[int, int]:
    """(agreeing, compared): oasdiff breaking at ERR (or at WARN too when `strict`)."""
    agree = compared = 0
    for pair, verdict in zip(pairs, verdicts, strict=True):
        if "error" in verdict:
            continue
        compared += 1
        theirs = pair.level >= (_LEVELS["WARN"] if strict else _LEVELS["ERR"])
        agree += theirs is verdict["breaking"]
    return agree, compared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref whose engine is the baseline")
    parser.add_argument("--show", type=int, default=0, help="list this many disagreements")
    parser.add_argument("--import", dest="git_dir", type=Path, help="fill the cache from a clone")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write each pair's verdicts here")
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    if args.git_dir:
        import_files(args.git_dir)
    if not (CACHE / "checker" / "rules.go").is_file():
        print(
            f"no oasdiff files in {CACHE}: run with --import PATH_TO_OASDIFF_GIT", file=sys.stderr
        )
        return 2
    pairs, skipped = read_pairs()
    commit = (CACHE / "COMMIT").read_text().strip()[:12]
    base_hash = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "generator"],
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        before = run_tree(Path(tmp) / "generator", pairs)
    after = run_tree(ROOT / "generator", pairs)
    print(f"oasdiff {commit}: {len(pairs)} document pairs from its checker tests")
    print(f"  left out: {', '.join(f'{n} {r}' for r, n in skipped.most_common())} test(s)")
    errors = sum("error" in v for v in after)
    print(f"  {errors} pair(s) our loader refuses (not compared)")
    for strict, title in (
        (False, "oasdiff ERR = breaking"),
        (True, "oasdiff ERR or WARN = breaking"),
    ):
        was, n_was = score(pairs, before, strict)
        now, n_now = score(pairs, after, strict)
        print(
            f"  {title}: baseline {args.baseline} ({base_hash}) {was}/{n_was} = "
            f"{was / max(n_was, 1):.1%}; this tree {now}/{n_now} = {now / max(n_now, 1):.1%}"
        )
    _show(pairs, after, args.show)
    if args.json:
        rows = [
            {**asdict(p), "ids": sorted(p.ids), "before": b, "after": a}
            for p, b, a in zip(pairs, before, after, strict=True)
        ]
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


def _show(pairs: list[Pair], verdicts: list[dict[str, object]], count: int) -> None:
    if not count:
        return
    missed = Counter[str]()
    for pair, verdict in zip(pairs, verdicts, strict=True):
        if "error" in verdict or (pair.level >= _LEVELS["ERR"]) is verdict["breaking"]:
            continue
        side = "they break, we pass" if verdict["breaking"] is False else "we break, they pass"
        missed[f"{side}: {', '.join(sorted(pair.ids)) or 'no change'}"] += 1
    for text, n in missed.most_common(count):
        print(f"  {n:3d}  {text}")


if __name__ == "__main__":
    sys.exit(main())
