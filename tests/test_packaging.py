"""apiforge as users install it: a wheel carries templates and runtime; the editable install is a path."""

from __future__ import annotations

import json
import os
import shutil
import site
import socket
import subprocess
import sys
import time
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import httpx
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


def _install(wheel: Path, env_dir: Path) -> Path:
    """A fresh venv outside the checkout holding only the wheel; its bin folder.

    The dependencies come from this interpreter through a path line (no network, seconds); its
    own apiforge (a .pth in a site folder, which a path line does not run) stays out of sight.
    """
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    venv_site = subprocess.run(
        [bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(venv_site, "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(bin_dir / "python")]
        + ["install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return bin_dir


def _serve_one_request(apiforge: Path, project: Path) -> httpx.Response:
    """`apiforge serve sandbox` on 127.0.0.1: up, one chat completion, stopped."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [apiforge, "serve", "sandbox", "--port", str(port)],
        cwd=project,
        env=_user_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()[1]
            try:
                httpx.get(base + "/", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        hello = {"model": "m", "messages": [{"role": "user", "content": "Hello"}]}
        return httpx.post(
            base + "/v1/chat/completions",
            json=hello,
            headers={"Authorization": "Bearer k"},
            timeout=30,
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _user_env() -> dict[str, str]:
    """What a user's shell holds: not this checkout on PYTHONPATH, no virtualenv active."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(name, None)
    return env


def test_an_installed_wheel_generates_checks_and_serves_from_another_folder(
    wheel: Path, tmp_path: Path
) -> None:
    """docs/ci.md's install path: the wheel in a fresh venv, run in a project of its own."""
    bin_dir = _install(wheel, tmp_path / "venv")
    apiforge = bin_dir / "apiforge"
    project = tmp_path / "elsewhere"
    shutil.copytree(REPO / "spec", project / "spec")
    shutil.copy(REPO / "pyproject.toml", project)  # the same ruff settings: the same bytes

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*args],
            cwd=project,
            env=_user_env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    where = run(bin_dir / "python", "-c", "import apiforge; print(apiforge.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where.stdout + where.stderr
    version = run(apiforge, "--version")
    wheel_version = wheel.name.split("-")[1]
    assert (version.returncode, version.stdout) == (0, f"apiforge {wheel_version}\n")

    generate = run(apiforge, "generate", "--quiet")
    assert generate.returncode == 0, generate.stdout + generate.stderr
    assert tree_without_tool_versions(project / "generated") == tree_without_tool_versions(
        REPO / "generated"
    )
    check = run(apiforge, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "check passed" in check.stdout

    answer = _serve_one_request(apiforge, project)
    assert answer.status_code == 200, answer.text
    assert isinstance(answer.json()["choices"][0]["message"]["content"], str)


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
