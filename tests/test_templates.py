"""`--templates DIR`: a user's templates replace ours by name, and `check` sees their edits."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO, mypy_strict, run_cli

EXAMPLE = REPO / "docs" / "examples" / "templates"


def _project(tmp_path: Path, templates: Path | None = EXAMPLE) -> Path:
    project = tmp_path / "team"
    (project / "spec").mkdir(parents=True)
    shutil.copy(REPO / "spec" / "provider.yaml", project / "spec")
    shutil.copytree(REPO / "spec" / "components", project / "spec" / "components")
    (project / "pyproject.toml").write_text('[project]\nname = "team"\n')
    if templates is not None:
        shutil.copytree(templates, project / "our-templates")
    return project


def _python(project: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=False
    )


def test_the_documented_example_runs_end_to_end(tmp_path: Path) -> None:
    project = _project(tmp_path)
    done = run_cli("generate", "--templates", "our-templates", cwd=project)
    assert done.returncode == 0, done.stderr
    shown = _python(project, "from generated.provider import OPERATIONS, models; print(OPERATIONS)")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "(('POST', '/v1/chat/completions', 'create_chat_completion'),)"
    linted = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "generated/provider"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout
    checked = mypy_strict("generated/provider", cwd=project)
    assert checked.returncode == 0, checked.stdout
    assert run_cli("check", "--templates", "our-templates", cwd=project).returncode == 0


def test_check_notices_an_edited_template_and_a_forgotten_one(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert run_cli("generate", "--templates", "our-templates", cwd=project).returncode == 0
    without = run_cli("check", cwd=project)
    assert (
        without.returncode == 1
        and "generated/provider/__init__.py: error: differs" in without.stdout
    )
    template = project / "our-templates" / "__init__.py.jinja"
    template.write_text(template.read_text() + "\nEXTRA = 1\n")
    edited = run_cli("check", "--templates", "our-templates", cwd=project)
    assert (
        edited.returncode == 1 and "generated/provider/__init__.py: error: differs" in edited.stdout
    )


def test_the_pyproject_setting_is_the_flag_made_permanent(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "pyproject.toml").write_text('[tool.apiforge]\ntemplates = "our-templates"\n')
    assert run_cli("generate", cwd=project).returncode == 0
    assert "OPERATIONS" in (project / "generated" / "provider" / "__init__.py").read_text()
    assert run_cli("check", cwd=project).returncode == 0


def test_a_new_template_adds_a_module_and_ours_stay_reachable_by_prefix(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "routes.py.jinja").write_text(
        '{{ header }}\n"""Routes."""\n\nROUTES = [\n{% for op in api.operations %}'
        "    {{ op.path | py_str }},\n{% endfor %}]\n"
    )
    (folder / "server.py.jinja").write_text('{% include "apiforge/server.py.jinja" %}\n')
    project = _project(tmp_path, folder)
    assert run_cli("generate", "--templates", "our-templates", cwd=project).returncode == 0
    shown = _python(project, "from generated.provider.routes import ROUTES; print(ROUTES)")
    assert shown.stdout.strip() == "['/v1/chat/completions']", shown.stderr
    ours = _project(tmp_path / "plain", None)
    assert run_cli("generate", cwd=ours).returncode == 0
    server = "generated/provider/server.py"
    assert (project / server).read_text() == (ours / server).read_text()


def _refused(tmp_path: Path, name: str, text: str) -> str:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / name).write_text(text)
    project = _project(tmp_path, folder)
    done = run_cli("generate", "--templates", "our-templates", cwd=project)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "generated" / "provider").exists()
    return done.stderr


def test_a_template_syntax_error_names_its_file_and_line(tmp_path: Path) -> None:
    message = _refused(tmp_path, "client.py.jinja", "{{ header }}\n\n{% for x in %}\n")
    assert "client.py.jinja:3:" in message


def test_a_misspelt_field_names_the_template_line(tmp_path: Path) -> None:
    message = _refused(
        tmp_path, "client.py.jinja", "{{ header }}\n\nX = {{ api.titel | py_str }}\n"
    )
    assert "client.py.jinja:3" in message and "titel" in message


def test_models_cannot_be_templated(tmp_path: Path) -> None:
    assert "models.py.jinja" in _refused(tmp_path, "models.py.jinja", "x = 1\n")


def test_a_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    project = _project(tmp_path, None)
    done = run_cli("generate", "--templates", "nowhere", cwd=project)
    assert done.returncode == 2 and "nowhere" in done.stderr and "Traceback" not in done.stderr
