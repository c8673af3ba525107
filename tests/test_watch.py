"""`apiforge generate --watch` with real file edits: regenerate, survive a bad edit, exit 0 on Ctrl-C."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import APIFORGE, REPO

DEADLINE = 60.0  # seconds to wait for any one reaction


class Watcher:
    """`apiforge generate --watch` in a subprocess, its stderr read line by line."""

    def __init__(self, project: Path) -> None:
        self.process = subprocess.Popen(
            [*APIFORGE, "generate", "--watch"],
            cwd=project,
            env={**os.environ, "APIFORGE_CACHE_DIR": str(project / ".cache")},
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        for stream in (self.process.stderr, self.process.stdout):
            threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line)

    def wait_for(self, text: str) -> str:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} within {DEADLINE}s; saw:\n{''.join(self.seen)}")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "team"
    (root / "spec").mkdir(parents=True)
    shutil.copy(REPO / "spec" / "sandbox.yaml", root / "spec")
    shutil.copytree(REPO / "spec" / "components", root / "spec" / "components")
    (root / "pyproject.toml").write_text('[project]\nname = "team"\n')
    return root


@pytest.fixture()
def watcher(project: Path) -> Iterator[Watcher]:
    running = Watcher(project)
    try:
        running.wait_for("watching")
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
        running.process.wait(timeout=30)


def test_edits_regenerate_a_bad_edit_keeps_the_output_and_ctrl_c_exits_0(
    project: Path, watcher: Watcher
) -> None:
    spec = project / "spec" / "sandbox.yaml"
    init = project / "generated" / "sandbox" / "__init__.py"
    assert "Sandbox OpenAI chat completions" in init.read_text()

    spec.write_text(spec.read_text().replace("title: Sandbox OpenAI", "title: Renamed OpenAI"))
    watcher.wait_for("wrote 1 package(s)")
    assert "Renamed OpenAI chat completions" in init.read_text()

    good = spec.read_text()
    before = init.read_bytes()
    spec.write_text(good.replace("openapi: 3.1.0", "openapi: [3.1.0"))
    watcher.wait_for("nothing was written")
    assert init.read_bytes() == before
    assert watcher.process.poll() is None  # still watching

    component = project / "spec" / "components" / "chunks.yaml"  # a file the spec refers to
    spec.write_text(good)
    watcher.wait_for("sandbox: up to date")  # the bad edit wrote nothing: the output still fits
    component.write_text(component.read_text() + "\n# touched\n")
    watcher.wait_for("changed: spec/components/chunks.yaml")
    watcher.wait_for("wrote 1 package(s)")

    watcher.process.send_signal(signal.SIGINT)
    assert watcher.process.wait(timeout=30) == 0
    assert "Traceback" not in "".join(watcher.seen)


def test_each_rebuild_reports_its_time_and_what_it_skipped(project: Path, watcher: Watcher) -> None:
    spec = project / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("summary: OpenAI chat", "summary: Edited chat"))
    report = watcher.wait_for("rebuilt in")
    assert "sandbox's model generator (cached models)" in report
    assert "unchanged file(s)" in report
    spec.write_text(spec.read_text().replace("Request body of a chat", "The body of a chat"))
    report = watcher.wait_for("rebuilt in")
    assert "cached models" not in report  # a schema changed: the library ran
    watcher.process.send_signal(signal.SIGINT)
    assert watcher.process.wait(timeout=30) == 0


def test_files_other_than_specs_and_templates_do_not_trigger(
    project: Path, watcher: Watcher
) -> None:
    (project / "spec" / "notes.txt").write_text("scratch\n")
    (project / "spec" / ".sandbox.yaml.swp").write_bytes(b"\0")
    time.sleep(1.5)  # five debounce windows
    assert watcher.lines.empty(), "".join(watcher.seen)
    watcher.process.send_signal(signal.SIGINT)
    assert watcher.process.wait(timeout=30) == 0
