"""The three linters as subprocesses: installed, run with a timeout, timed, measured, parsed.

Redocly CLI (`recommended`) and Spectral (`spectral:oas`) are installed by npm into
bench/.cache/node at the versions pinned here; apiforge runs from this checkout's generator/. Each
run is one process group, killed at the timeout; its wall time and peak resident memory come from
wait4() on the child (node runs the CLIs in the process npm's shim starts, so that is their peak).
Redocly's telemetry and update check are turned off: the bench talks to no one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lint_families import Finding, also_places, apiforge_family, peer_family, pointer_from_path

REPO = Path(__file__).resolve().parent.parent
NODE = REPO / "bench" / ".cache" / "node"
PEERS = {"redocly": "@redocly/cli@2.77.0", "spectral": "@stoplight/spectral-cli@6.16.3"}
BINARIES = {"redocly": NODE / "node_modules" / ".bin" / "redocly",
            "spectral": NODE / "node_modules" / ".bin" / "spectral"}  # fmt: skip
PACKAGE_JSON = {
    "redocly": NODE / "node_modules" / "@redocly" / "cli" / "package.json",
    "spectral": NODE / "node_modules" / "@stoplight" / "spectral-cli" / "package.json",
}
QUIET_NODE: dict[str, str | None] = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "NODE_OPTIONS": "--max-old-space-size=4096",
}
_DIAGNOSTIC = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): (?P<msg>.*?)"
    r"(?: \[(?P<rule>[^\]\s]+)\])? \(at (?P<pointer>#.*)\)$"
)


@dataclass
class Run:
    """One process: its exit code (None at the timeout), output, wall seconds and peak memory."""

    code: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_kb: int


def ensure_peers() -> dict[str, str]:
    """Install the peers once into bench/.cache/node; their versions, as installed."""
    if not all(b.exists() for b in BINARIES.values()):
        NODE.mkdir(parents=True, exist_ok=True)
        print(f"lint: npm install {' '.join(PEERS.values())} into {NODE}", file=sys.stderr)
        command = ["npm", "install", "--prefix", str(NODE), "--no-audit", "--no-fund"]
        subprocess.run([*command, *PEERS.values()], check=True, stdout=sys.stderr, timeout=900)
    versions = {}
    for tool, path in PACKAGE_JSON.items():
        versions[tool] = str(json.loads(path.read_text())["version"])
    return versions


def _environment(extra: dict[str, str | None] | None) -> dict[str, str]:
    """This process's environment with `extra`; a variable set to None there is removed."""
    merged = {**os.environ, **(extra or {})}
    return {name: value for name, value in merged.items() if value is not None}


def measure(
    argv: list[str], cwd: Path, timeout: float, env: dict[str, str | None] | None = None
) -> Run:
    """Run argv in its own process group; output goes to files, so a big report never blocks."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            env=_environment(env), start_new_session=True,
        )  # fmt: skip
        killed: list[bool] = []
        timer = threading.Timer(timeout, _kill, (process.pid, killed))
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    code = None if killed else process.returncode
    return Run(code, text[0], text[1], seconds, int(usage.ru_maxrss))


def _kill(pid: int, killed: list[bool]) -> None:
    killed.append(True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def command(
    tool: str, spec: Path, work: Path, generator: Path = REPO / "generator"
) -> tuple[list[str], dict[str, str | None]]:
    """The command line (and environment) that lints `spec` with `tool`, configs written to work;
    apiforge runs from `generator` (this checkout's, unless told)."""
    if tool == "redocly":
        config = work / "redocly.yaml"
        config.write_text("extends:\n  - recommended\n")
        argv = [str(BINARIES[tool]), "lint", "--format", "json", "--max-problems", "1000000"]
        return [*argv, "--config", str(config), str(spec)], QUIET_NODE
    if tool == "spectral":
        ruleset = work / ".spectral.yaml"
        ruleset.write_text('extends: ["spectral:oas"]\n')
        argv = [str(BINARIES[tool]), "lint", "-r", str(ruleset), "-f", "json", "-q"]
        return [*argv, "--fail-severity", "error", str(spec)], QUIET_NODE
    # Python as a user's runs it: bytecode cached (pip compiles it at install; an editable
    # install writes it on the first run), whatever this shell's PYTHONDONTWRITEBYTECODE says
    env: dict[str, str | None] = {"PYTHONPATH": str(generator), "PYTHONDONTWRITEBYTECODE": None}
    return [sys.executable, "-m", "apiforge", "validate", str(spec)], env


def parse(tool: str, run: Run, cwd: Path) -> list[Finding]:
    """A tool's report as findings (files absolute); ValueError when it wrote no report."""
    if tool == "redocly":
        return _redocly(run.stdout, cwd)
    if tool == "spectral":
        return _spectral(run.stdout)
    return _apiforge(run.stdout + "\n" + run.stderr, cwd)


def _redocly(text: str, cwd: Path) -> list[Finding]:
    report = json.loads(text[text.index("{") :])
    found = []
    for problem in report["problems"]:
        location = (problem.get("location") or [{}])[0]
        source = location.get("source", {}).get("ref", "")
        pointer = str(location.get("pointer", "#"))
        rule, message = str(problem["ruleId"]), str(problem["message"])
        family = peer_family("redocly", rule, message, pointer)
        also = also_places(family, message, pointer)
        file = str((cwd / source).resolve()) if source else ""
        found.append(Finding("redocly", rule, family, file, pointer, message, also))
    return found


def _spectral(text: str) -> list[Finding]:
    report = json.loads(text[text.index("[") :]) if text.strip() else []
    found = []
    for problem in report:
        pointer = pointer_from_path(problem.get("path", []))
        rule, message = str(problem["code"]), str(problem["message"])
        family = peer_family("spectral", rule, message, pointer)
        also = also_places(family, message, pointer)
        file = str(Path(problem.get("source") or "").resolve()) if problem.get("source") else ""
        found.append(Finding("spectral", rule, family, file, pointer, message, also))
    return found


def _apiforge(text: str, cwd: Path) -> list[Finding]:
    found = []
    for line in text.splitlines():
        hit = _DIAGNOSTIC.match(line)
        if hit is None:
            continue
        rule, pointer = hit["rule"] or "", hit["pointer"]
        file = str((cwd / hit["file"]).resolve())
        family = apiforge_family(rule, pointer)
        found.append(Finding("apiforge", rule, family, file, pointer, hit["msg"]))
    return found


def fill_files(found: list[Finding], spec: Path) -> list[Finding]:
    """Findings without a file are about the document itself."""
    root = str(spec.resolve())
    return [f if f.file else Finding(**{**f.__dict__, "file": root}) for f in found]


def as_json(found: list[Finding]) -> list[dict[str, Any]]:
    return [{**f.__dict__, "also": list(f.also)} for f in found]


def from_json(rows: list[dict[str, Any]]) -> list[Finding]:
    """Journaled findings, their families taken afresh (the mapping may have changed since)."""
    found = []
    for r in rows:
        tool, rule, pointer, message = r["tool"], r["rule"], r["pointer"], r["message"]
        if tool == "apiforge":
            family = apiforge_family(rule, pointer)
        else:
            family = peer_family(tool, rule, message, pointer)
        also = also_places(family, message, pointer)
        found.append(Finding(tool, rule, family, r["file"], pointer, message, also))
    return found
