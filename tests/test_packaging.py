"""apiforge as users install it: a wheel carries templates and runtime; the editable install is a path."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.helpers import REPO, tree_without_tool_versions


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would build, from the checkout as it is (hatchling, no network)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("apiforge-*.whl")
    return built


def test_the_wheel_carries_templates_and_both_runtime_parts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.name for p in (REPO / "templates").glob("*.jinja")}
    assert templates and {f"apiforge/_templates/{t}" for t in templates} <= names
    for part in ("client", "server"):
        modules = {p.name for p in (REPO / "generator/apiforge/runtime" / part).glob("*.py")}
        assert {f"apiforge/runtime/{part}/{m}" for m in modules} <= names
    assert "apiforge/py.typed" in names
    assert not [
        n for n in names if "__pycache__" in n or n.startswith(("tests/", "generated/", "spec/"))
    ]


def test_an_installed_wheel_generates_from_another_folder_what_the_checkout_does(
    wheel: Path, tmp_path: Path
) -> None:
    """A fresh venv with only the wheel (its dependencies seen through a path line) writes generated/."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / "python"
    venv_site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # the dependencies come from this interpreter; its own apiforge (a .pth in a site dir) does not
    (venv_site / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    project = tmp_path / "elsewhere"
    shutil.copytree(REPO / "spec", project / "spec")
    shutil.copy(REPO / "pyproject.toml", project)  # the same ruff settings: the same bytes

    where = subprocess.run(
        [python, "-c", "import apiforge; print(apiforge.__file__)"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout

    generate = subprocess.run(
        [bin_dir / "apiforge", "generate", "--quiet"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert generate.returncode == 0, generate.stderr
    assert tree_without_tool_versions(project / "generated") == tree_without_tool_versions(
        REPO / "generated"
    )
    check = subprocess.run(
        [bin_dir / "apiforge", "check"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_editable_install_is_a_path_line_not_an_import_hook() -> None:
    """mypy, pyright and IDEs follow a .pth that names generator/; they cannot run an import hook."""
    dist = metadata.distribution("apiforge")
    direct_url = dist.read_text("direct_url.json")
    if not direct_url or not json.loads(direct_url).get("dir_info", {}).get("editable"):
        pytest.skip("apiforge is not installed in editable mode here")
    pth_files = [f for f in dist.files or [] if f.name.endswith(".pth")]
    assert pth_files, "an editable install writes one .pth file"
    for entry in pth_files:
        lines = [
            line for line in Path(str(entry.locate())).read_text().splitlines() if line.strip()
        ]
        assert not [line for line in lines if line.startswith("import")], lines
        assert [Path(line).resolve() for line in lines] == [(REPO / "generator").resolve()]
