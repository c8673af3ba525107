"""Could models be generated per schema group and assembled into the same bytes?

A group is a strongly connected component of the ref graph of the model generator's input
(OpenAI's whole document, as `apiforge generate` hands it to datamodel-code-generator). For sample
groups, the library runs on the group with every schema it reaches (the smallest document that
defines it); each class it writes is compared with the same class in the whole document's
models.py, and the times are compared with the whole run's.

    python bench/model_groups.py [--samples N] [--seed S]

Its answer on OpenAI's document (bench/results/generate.txt): not the same bytes. The library
names inline models document-wide (the first `SamplingParams` it meets keeps the name, later ones
become `SamplingParams1`, ...) and collapses a root model into its users only when it has users,
so a class's name and text depend on schemas outside its group; `generate` keeps one whole run.
"""

from __future__ import annotations

import argparse
import ast
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "generator"))

PREFIX = "#/components/schemas/"
LEAF = "CompletionUsage"  # the schema bench/generate.py's leaf edit changes


def library_document(spec: Path) -> dict[str, Any]:
    from apiforge.document.bundle import load_bundle
    from apiforge.models.input import model_input
    from apiforge.plan.operations import plan_models
    from apiforge.repair.mistakes import repair_bundle

    bundle, _ = repair_bundle(load_bundle(spec, spec.name))
    return model_input(plan_models(bundle).document)


def refs_of(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(PREFIX):
                found.add(ref[len(PREFIX) :].split("/", 1)[0])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def groups_of(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                found.append(sorted(group))
    return found


def closure(names: set[str], graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(names), list(names)
    while todo:
        for child in graph.get(todo.pop(), ()):
            if child in graph and child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def classes(source: str) -> dict[str, str]:
    """Class name -> its source text, in models.py."""
    tree = ast.parse(source)
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def run(document: dict[str, Any]) -> tuple[float, str]:
    import json

    from apiforge.models.library import run_library

    start = time.perf_counter()
    out = run_library(json.dumps(document), "# header")
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "bench"))
    from generate import openai_document

    from apiforge.models.library import warm_library

    warm_library()
    document = library_document(openai_document())
    schemas = document["components"]["schemas"]
    graph = {name: refs_of(schema) for name, schema in schemas.items()}
    groups = groups_of(graph)
    sizes = sorted((len(g) for g in groups), reverse=True)
    dependents = {name: {n for n, refs in graph.items() if name in refs} for name in graph}
    reached_by_leaf = closure({LEAF}, dependents)
    print(
        f"OpenAI whole document: {len(schemas)} schemas in {len(groups)} groups; largest "
        f"{sizes[:5]}, {sum(1 for s in sizes if s == 1)} of one schema; {LEAF} is reached "
        f"from {len(reached_by_leaf) - 1} schemas"
    )
    whole_time, whole = run(document)
    whole_classes = classes(whole)
    print(f"whole document: {whole_time:.2f} s, {len(whole_classes)} classes")

    rng = random.Random(args.seed)
    leaf_group = next(g for g in groups if LEAF in g)
    largest = max(groups, key=len)
    samples = [leaf_group, largest, *rng.sample(groups, min(args.samples, len(groups)))]
    same = differs = absent = 0
    ratios = []
    for group in samples:
        names = closure(set(group), graph)
        sub = {**document, "components": {**document["components"]}}
        sub["components"]["schemas"] = {n: schemas[n] for n in schemas if n in names}
        took, out = run(sub)
        mine = classes(out)
        s = sum(1 for n, text in mine.items() if whole_classes.get(n) == text)
        d = sum(1 for n, text in mine.items() if n in whole_classes and whole_classes[n] != text)
        a = sum(1 for n in mine if n not in whole_classes)
        same, differs, absent = same + s, differs + d, absent + a
        ratios.append(took / whole_time)
        print(
            f"  group of {len(group):3d} ({group[0]}{', ...' if len(group) > 1 else ''}) with "
            f"{len(names) - len(group):3d} schemas it reaches: {took:5.2f} s "
            f"({took / whole_time:.2f}x whole); classes: {s} identical, {d} differ, "
            f"{a} not in the whole output"
        )
    total = same + differs + absent
    print(
        f"per-group runs: median {statistics.median(ratios):.2f}x the whole run's time; of "
        f"{total} classes written, {same} ({same / total:.0%}) are byte-identical to the whole "
        f"document's, {differs} differ, {absent} are named otherwise"
    )


if __name__ == "__main__":
    main()
