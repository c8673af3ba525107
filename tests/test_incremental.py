"""Incremental `generate`: an up-to-date package is left alone, and a regenerated one rewrites
only the files whose bytes change (the others keep their mtime)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, run_cli


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "team"
    (root / "spec").mkdir(parents=True)
    for name in ("sandbox.yaml", "provider.yaml"):
        shutil.copy(REPO / "spec" / name, root / "spec")
    shutil.copytree(REPO / "spec" / "components", root / "spec" / "components")
    (root / "pyproject.toml").write_text('[project]\nname = "team"\n')
    return root


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Relative path -> (inode, mtime in ns) of every file below root."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_an_unchanged_tree_is_up_to_date_and_nothing_is_touched(project: Path) -> None:
    assert run_cli("generate", cwd=project).returncode == 0
    before = stamps(project / "generated")
    again = run_cli("generate", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "apiforge: provider: up to date" in again.stdout  # summaries go to stdout
    assert "apiforge: sandbox: up to date" in again.stdout
    assert "wrote" not in again.stdout
    assert stamps(project / "generated") == before


def test_an_up_to_date_generate_never_imports_the_pipeline(project: Path) -> None:
    assert run_cli("generate", cwd=project).returncode == 0
    probe = (
        "import sys; from apiforge.cli import main; code = main(['generate']); "
        "print(code, 'apiforge.pipeline' in sys.modules, 'apiforge.models.worker' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=False
    )
    assert done.stdout.splitlines()[-1].split() == ["0", "False", "False"], done.stderr


def test_an_edit_regenerates_its_package_and_rewrites_only_changed_files(project: Path) -> None:
    assert run_cli("generate", cwd=project).returncode == 0
    out = project / "generated"
    before = stamps(out)
    spec = project / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("summary: OpenAI chat completions", "summary: Chat"))
    done = run_cli("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "apiforge: provider: up to date" in done.stdout
    assert "wrote 1 package(s) (sandbox)" in done.stdout
    after = stamps(out)
    assert set(after) == set(before)
    changed = {rel for rel in after if after[rel] != before[rel]}
    # the summary shapes the client's and the server's docstrings; models and runtime are the same
    assert "sandbox/client.py" in changed
    assert "sandbox/apiforge-manifest.json" in changed
    assert not {rel for rel in changed if not rel.startswith("sandbox/")}
    assert "sandbox/models.py" not in changed
    assert not {rel for rel in changed if rel.startswith("sandbox/_runtime/")}
    assert "unchanged, not rewritten" in done.stdout
    assert run_cli("check", cwd=project).returncode == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".apiforge")]


def test_a_hand_edited_output_file_is_regenerated(project: Path) -> None:
    assert run_cli("generate", cwd=project).returncode == 0
    client = project / "generated" / "sandbox" / "client.py"
    pristine = client.read_bytes()
    client.write_bytes(pristine + b"# edited by hand\n")
    done = run_cli("generate", cwd=project)
    assert "wrote 1 package(s) (sandbox)" in done.stdout
    assert client.read_bytes() == pristine


def test_two_specs_of_one_package_are_refused_even_when_one_is_up_to_date(project: Path) -> None:
    assert run_cli("generate", "spec/sandbox.yaml", cwd=project).returncode == 0
    other = project / "other"
    other.mkdir()
    shutil.copy(project / "spec" / "sandbox.yaml", other)
    shutil.copytree(project / "spec" / "components", other / "components")
    done = run_cli("generate", "spec/sandbox.yaml", "other/sandbox.yaml", cwd=project)
    assert done.returncode == 2
    assert "two specs would both generate the package 'sandbox'" in done.stderr
