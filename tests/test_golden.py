"""Golden trees: each case's generated package against its committed expected tree; the runtime,
the same in every package, checked once; the output lint-clean and strictly typed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apiforge.codegen.assets import runtime_files
from apiforge.output.format import format_tree, ruff_config_for
from apiforge.output.write import MANIFEST, stage_package
from tests.helpers import REPO, mypy_strict, run_cli, tree_bytes

GOLDEN = REPO / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / f"{p.name}.yaml").is_file())
RUNTIME_FOLDER = "_runtime/"


def _generate_case(case: str, out: Path) -> None:
    spec_dir = GOLDEN / case
    done = run_cli("generate", f"{case}.yaml", "--out", str(out), "--quiet", cwd=spec_dir)
    assert done.returncode == 0, done.stdout + done.stderr


def _assert_same_files(got: dict[str, bytes], want: dict[str, bytes], where: str) -> None:
    assert sorted(got) == sorted(want), where
    for name in want:
        assert got[name] == want[name], f"{where}/{name} differs"


def _split_runtime(tree: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A package's own files, and its `_runtime/` (the same in every package, so checked once);
    not the manifest, whose generator fingerprint any edit of apiforge changes."""
    runtime = {k: v for k, v in tree.items() if k.startswith(RUNTIME_FOLDER)}
    own = {k: v for k, v in tree.items() if k not in runtime and k != MANIFEST}
    return own, runtime


@pytest.fixture(scope="session")
def stock_formatted_runtime(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The shipped runtime as a golden case holds it: formatted, like the case's own code, by the
    ruff settings of a folder without any (stock ruff); generated/'s settings are the runtime's."""
    stage = stage_package(tmp_path_factory.mktemp("runtime"), "package", runtime_files())
    format_tree(stage, ruff_config_for(stage))
    return tree_bytes(stage)


@pytest.mark.parametrize("case", CASES)
def test_golden_output(
    case: str, tmp_path: Path, stock_formatted_runtime: dict[str, bytes]
) -> None:
    """The generated tree equals the committed expected tree, file for file, byte for byte; its
    `_runtime/` is the shipped runtime (not stored per case: it does not depend on the spec)."""
    _generate_case(case, tmp_path)
    expected = GOLDEN / case / "expected"
    if os.environ.get("APIFORGE_UPDATE_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        ignored = shutil.ignore_patterns(MANIFEST, RUNTIME_FOLDER.rstrip("/"))
        shutil.copytree(tmp_path / case, expected, ignore=ignored)
    own, runtime = _split_runtime(tree_bytes(tmp_path / case))
    _assert_same_files(own, tree_bytes(expected), case)
    _assert_same_files(runtime, stock_formatted_runtime, f"{case} (runtime)")


@pytest.mark.parametrize(
    "package", sorted(p.parent.name for p in REPO.glob(f"generated/*/{MANIFEST}"))
)
def test_generated_packages_ship_the_runtime_byte_for_byte(package: str) -> None:
    """generated/ is formatted with the settings the runtime's source is formatted with, so each
    package's `_runtime/` is that source as it is."""
    _, runtime = _split_runtime(tree_bytes(REPO / "generated" / package))
    _assert_same_files(runtime, runtime_files(), package)


def test_generated_code_is_clean_under_ruff_and_mypy_strict(tmp_path: Path) -> None:
    """Golden cases and the shipped dialects type-check strictly and lint clean, as users run them."""
    for case in CASES:
        _generate_case(case, tmp_path)
    shutil.copytree(REPO / "generated", tmp_path / "generated")
    targets = [*CASES, "generated"]
    # golden cases were generated with no ruff settings around them: stock ruff; generated/ with ours
    for settings, paths in (
        (["--isolated"], CASES),
        (["--config", str(REPO / "pyproject.toml")], ["generated"]),
    ):
        for command in (["check"], ["format", "--check"]):
            done = subprocess.run(
                [sys.executable, "-m", "ruff", *command, "--no-cache", *settings, *paths],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (command, settings, done.stdout)
    mypy = mypy_strict(*targets, cwd=tmp_path)
    assert mypy.returncode == 0, mypy.stdout
