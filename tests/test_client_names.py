"""Method names a team chooses: x-apiforge-name on an operation, `[tool.apiforge.names]` for a
spec it does not own, and a warning where two operations would share a name."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import run_cli

SPEC = """
openapi: 3.1.0
info: {title: Names, version: "1"}
paths:
  /v1/chat/completions:
    post:
      operationId: chat_completion_v1_chat_completions_post
      responses: {"204": {description: done}}
  /v1/models:
    get:
      operationId: listModels
      x-apiforge-name: models_list
      responses: {"204": {description: done}}
  /v1/models/{id}:
    get:
      operationId: retrieve
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: done}}
    delete:
      operationId: delete
      x-apiforge-name: retrieve
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: done}}
"""
PYPROJECT = """
[tool.apiforge.names.names]
chat_completion_v1_chat_completions_post = "create_chat_completion"
"""


def _methods(client: Path) -> set[str]:
    tree = ast.parse(client.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client")
    return {n.name for n in cls.body if isinstance(n, ast.FunctionDef) and n.name[0] != "_"}


def test_names_from_the_spec_and_the_table_and_a_warning_where_they_collide(
    tmp_path: Path,
) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "names.yaml").write_text(SPEC)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    done = run_cli("generate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    methods = _methods(tmp_path / "generated" / "names" / "client.py")
    operations = methods - {"with_raw_response", "with_streaming_response"}
    assert operations == {"create_chat_completion", "models_list", "retrieve", "retrieve2"}
    assert "warning: method name 'retrieve' is taken by the operation at" in done.stdout
    assert "[names] (at #/paths/~1v1~1models~1{id}/delete)" in done.stdout
    assert run_cli("check", cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace('"create_chat_completion"', '"c"'))
    assert run_cli("check", cwd=tmp_path).returncode == 1  # a renamed method is a stale client


def test_a_names_table_that_is_not_one_of_tables_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "names.yaml").write_text(SPEC)
    (tmp_path / "pyproject.toml").write_text('[tool.apiforge]\nnames = {listModels = "x"}\n')
    done = run_cli("generate", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert "[tool.apiforge.names] holds one table per package" in done.stderr
    assert "Traceback" not in done.stderr
