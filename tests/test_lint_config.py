"""`[tool.apiforge.lint]`: severities per rule, overrides by file glob and pointer prefix, a
baseline that lets only new findings count, and `apiforge rules`; run through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apiforge.cli import main
from apiforge.validate.lint import RULES

SPEC = """\
openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com/v1/"}]
paths:
  /a:
    get:
      operationId: a
      responses: {"404": {description: no, content: {application/json: {schema: {type: object}}}}}
  /legacy/b:
    get:
      operationId: b
      responses: {"404": {description: no, content: {application/json: {schema: {type: object}}}}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text(SPEC)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def configure(project: Path, text: str) -> None:
    (project / "pyproject.toml").write_text("[tool.apiforge.lint]\n" + text)


def test_defaults_warn(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 0
    assert out.count("warning:") == 3 and "error:" not in out


def test_a_rule_raised_to_error_and_another_turned_off(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(project, 'rules = {operation-success = "error", server-trailing-slash = "off"}\n')
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 1
    assert out.count("error: GET") == 2 and "[server-trailing-slash]" not in out


def test_overrides_by_pointer_prefix_and_file_glob(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        project,
        'rules = {operation-success = "error"}\n'
        "[[tool.apiforge.lint.overrides]]\n"
        'pointers = ["#/paths/~1legacy~1b"]\n'
        'rules = {operation-success = "warning"}\n'
        "[[tool.apiforge.lint.overrides]]\n"
        'files = ["other/*.yaml"]\n'
        'rules = {operation-success = "off"}\n',
    )
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 1
    assert "error: GET /a " in out and "warning: GET /legacy/b " in out
    (project / "other").mkdir()
    (project / "other" / "api.yaml").write_text(SPEC)
    code, out = run(capsys, "validate", "other/api.yaml")
    assert code == 0 and "[operation-success]" not in out


def test_a_baseline_lets_only_new_findings_count(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(project, 'baseline = "lint-baseline.json"\nrules = {operation-success = "error"}\n')
    assert run(capsys, "validate", "api.yaml")[0] == 1
    code, out = run(capsys, "validate", "api.yaml", "--write-baseline", "lint-baseline.json")
    assert code == 0 and "wrote 3 finding(s)" in out
    recorded = json.loads((project / "lint-baseline.json").read_text())["findings"]
    assert {f["rule"] for f in recorded} == {"operation-success", "server-trailing-slash"}
    assert all("line" not in f for f in recorded)
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 0 and "error:" not in out and "warning:" not in out
    # lines move: the baseline still holds; a new finding still counts
    moved = SPEC.replace("paths:\n", "paths:\n  /c:\n    get: {operationId: c, responses: {}}\n")
    (project / "api.yaml").write_text("# a comment moves every line\n" + moved)
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 1
    assert out.count("[operation-success]") == 1 and "GET /c " in out


def test_generate_leaves_out_the_warnings_the_policy_silences(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`generate` prints the team's warnings, not the ones it turned off or baselined; a rule the
    policy raises to error is `validate`'s and `check`'s gate, and generate still writes."""
    code, out = run(capsys, "generate", "api.yaml", "--out", "gen")
    assert code == 0 and "[server-trailing-slash]" in out and "[operation-success]" in out
    configure(project, 'rules = {server-trailing-slash = "off", operation-success = "error"}\n')
    code, out = run(capsys, "generate", "api.yaml", "--out", "gen2")
    assert code == 0 and "[server-trailing-slash]" not in out and "[operation-success]" in out
    assert (project / "gen2" / "api" / "client.py").is_file()
    configure(project, "")
    assert run(capsys, "validate", "api.yaml", "--write-baseline", "known.json")[0] == 0
    configure(project, 'baseline = "known.json"\n')
    code, out = run(capsys, "generate", "api.yaml", "--out", "gen3")
    assert code == 0 and "warning:" not in out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('rules = {no-such-rule = "error"}\n', "unknown rule 'no-such-rule'"),
        ('rules = {operation-success = "loud"}\n', "'loud'"),
        ('colour = "red"\n', "unknown key 'colour'"),
        ("[[tool.apiforge.lint.overrides]]\nfiles = 5\n", "lists of strings"),
    ],
)
def test_a_bad_configuration_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    configure(project, text)
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 2 and says in out and "Traceback" not in out


def test_an_unreadable_baseline_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(project, 'baseline = "b.json"\n')
    (project / "b.json").write_text("{not json")
    code, out = run(capsys, "validate", "api.yaml")
    assert code == 2 and "cannot read the lint baseline" in out


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "rules")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(RULES)
    assert all(line.split()[1] in ("error", "warning") for line in lines)


def test_docs_describe_every_rule() -> None:
    from tests.helpers import REPO

    text = (REPO / "docs" / "lint.md").read_text()
    documented = {line[4:].strip() for line in text.splitlines() if line.startswith("### ")}
    assert documented == set(RULES)
