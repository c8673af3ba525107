"""`.pre-commit-hooks.yaml` run by the real pre-commit (`try-repo`) in a team's own git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, run_cli

pytest.importorskip("pre_commit")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment (apiforge installed from this checkout) for every test here."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture()
def team(tmp_path: Path) -> Path:
    """A repository holding a copy of spec/ and generated/, committed, with no remote."""
    root = tmp_path / "team"
    root.mkdir()
    shutil.copytree(REPO / "spec", root / "spec")
    shutil.copy(REPO / "pyproject.toml", root)  # the ruff settings generated/ was formatted with
    shutil.copytree(
        REPO / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    return root


def _try(team: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--all-files", "-v"],
        cwd=team,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _edit_spec(team: Path) -> None:
    spec = team / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("title: Sandbox OpenAI", "title: Edited OpenAI"))
    _git(team, "add", "-A")


def test_check_passes_on_a_clean_tree_without_origin_main(
    team: Path, pre_commit_home: Path
) -> None:
    done = _try(team, pre_commit_home, "apiforge-check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout
    assert "'origin/main' does not exist" in done.stdout  # said once, plainly
    assert "fatal:" not in done.stdout and "Traceback" not in done.stdout


def test_check_fails_naming_the_stale_file_after_a_spec_edit(
    team: Path, pre_commit_home: Path
) -> None:
    _edit_spec(team)
    done = _try(team, pre_commit_home, "apiforge-check")
    assert done.returncode == 1, done.stdout
    assert "Failed" in done.stdout
    assert "generated/sandbox/__init__.py: error: differs" in done.stdout


def test_check_refuses_an_undeclared_breaking_change_against_origin_main(
    team: Path, pre_commit_home: Path
) -> None:
    _git(team, "update-ref", "refs/remotes/origin/main", "HEAD")
    spec = team / "spec" / "sandbox.yaml"
    text = spec.read_text()
    spec.write_text(
        text.replace("        - messages\n", "        - messages\n        - temperature\n", 1)
    )
    generate = run_cli("generate", "--quiet", cwd=team)
    assert generate.returncode == 0, generate.stderr
    _git(team, "add", "-A")
    done = _try(team, pre_commit_home, "apiforge-check")
    assert done.returncode == 1, done.stdout
    assert "request-property-became-required" in done.stdout


def test_generate_rewrites_stale_output_then_passes(team: Path, pre_commit_home: Path) -> None:
    _edit_spec(team)
    first = _try(team, pre_commit_home, "apiforge-generate")
    assert first.returncode == 1, (
        first.stdout
    )  # pre-commit stops a commit whose files a hook changed
    assert "files were modified by this hook" in first.stdout
    assert "Edited OpenAI" in (team / "generated" / "sandbox" / "__init__.py").read_text()
    _git(team, "add", "-A")
    second = _try(team, pre_commit_home, "apiforge-generate")
    assert second.returncode == 0, second.stdout
