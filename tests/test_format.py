"""Generated code is formatted the way the repository that holds it says, and `check` agrees."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apiforge.guard.up_to_date import vouching_manifest
from apiforge.output.fingerprint import output_fingerprint
from apiforge.output.format import ruff_config_for
from tests.helpers import REPO, run_cli, tree_bytes


def _project(tmp_path: Path, pyproject: str) -> Path:
    project = tmp_path / "team"
    (project / "spec").mkdir(parents=True)
    shutil.copy(REPO / "spec" / "sandbox.yaml", project / "spec")
    shutil.copytree(REPO / "spec" / "components", project / "spec" / "components")
    (project / "pyproject.toml").write_text(pyproject)
    return project


def _ruff_format_check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def _python_lines(tree: dict[str, bytes]) -> int:
    return sum(data.count(b"\n") for name, data in tree.items() if name.endswith(".py"))


@pytest.mark.parametrize("width", [100, 88])
def test_the_repository_formatter_and_check_both_pass_after_generate(
    tmp_path: Path, width: int
) -> None:
    project = _project(
        tmp_path, f'[project]\nname = "team"\n\n[tool.ruff]\nline-length = {width}\n'
    )
    assert run_cli("generate", cwd=project).returncode == 0
    formatted = _ruff_format_check(project)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = run_cli("check", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_line_length_shapes_the_output(tmp_path: Path) -> None:
    trees = []
    for width in (100, 88):
        project = _project(tmp_path / str(width), f"[tool.ruff]\nline-length = {width}\n")
        assert run_cli("generate", cwd=project).returncode == 0
        trees.append(tree_bytes(project / "generated" / "sandbox"))
    assert trees[0].keys() == trees[1].keys() and trees[0] != trees[1]
    assert _python_lines(trees[0]) < _python_lines(trees[1])  # wider lines: fewer of them


def test_a_formatter_setting_edit_makes_check_regenerate_and_name_the_files(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.ruff]\nline-length = 100\n")
    assert run_cli("generate", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text("[tool.ruff]\nline-length = 88\n")
    checked = run_cli("check", cwd=project)
    assert checked.returncode == 1
    assert "generated/sandbox/" in checked.stdout + checked.stderr
    assert "differs" in checked.stdout + checked.stderr


def test_an_edit_outside_the_ruff_settings_keeps_the_manifest_fast_path(tmp_path: Path) -> None:
    project = _project(tmp_path, '[project]\nname = "team"\n\n[tool.ruff]\nline-length = 100\n')
    assert run_cli("generate", cwd=project).returncode == 0
    spec, package = project / "spec" / "sandbox.yaml", project / "generated" / "sandbox"
    before = output_fingerprint(ruff_config_for(project / "generated"))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('name = "team"', 'name = "team2"'))
    assert output_fingerprint(ruff_config_for(project / "generated")) == before
    assert vouching_manifest(spec, package, before) is not None


def test_ruff_finds_the_nearest_configuration_as_ruff_does(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "no-ruff-here"\n')
    assert ruff_config_for(inner / "generated").path == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "ruff.toml").write_text("line-length = 90\n")
    (tmp_path / "a" / ".ruff.toml").write_text("line-length = 95\n")
    assert ruff_config_for(inner / "generated").path == tmp_path / "a" / ".ruff.toml"
    stock = ruff_config_for(Path("/"))
    assert stock.path is None and "--isolated" in stock.arguments()


def test_an_extended_configuration_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text("line-length = 100\n")
    (tmp_path / "ruff.toml").write_text('extend = "base.toml"\n')
    before = ruff_config_for(tmp_path).digest
    (tmp_path / "base.toml").write_text("line-length = 80\n")
    assert ruff_config_for(tmp_path).digest != before


def test_an_unreadable_ruff_configuration_is_a_clear_error(tmp_path: Path) -> None:
    project = _project(tmp_path, "[tool.ruff\nline-length = 100\n")
    result = run_cli("generate", cwd=project)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "generated" / "sandbox").exists()
