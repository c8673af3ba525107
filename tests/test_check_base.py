"""`apiforge check --base` in a temporary git repository: what a pull request's CI sees."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from apiforge.deep_stack import run_deep
from apiforge.diff.base import compare_with_base
from tests.helpers import REPO, run_cli
from tests.test_cli_diff import chain


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git repo holding the project's specs and generated code, committed as `base`."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "spec", root / "spec")
    shutil.copy(REPO / "pyproject.toml", root)  # its ruff settings shaped generated/
    shutil.copytree(
        REPO / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    _git(root, "tag", "base")
    return root


def _make_temperature_required(repo: Path) -> None:
    spec = repo / "spec" / "sandbox.yaml"
    text = spec.read_text()
    assert "        - messages\n" in text
    spec.write_text(
        text.replace("        - messages\n", "        - messages\n        - temperature\n", 1)
    )


def test_unchanged_specs_pass(repo: Path) -> None:
    done = run_cli("check", "--base", "base", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_undeclared_breaking_edit_fails(repo: Path) -> None:
    _make_temperature_required(repo)
    assert run_cli("generate", "--quiet", cwd=repo).returncode == 0
    done = run_cli("check", "--base", "base", cwd=repo)
    assert done.returncode == 1
    assert "request-property-became-required" in done.stdout
    assert "temperature" in done.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True
    )
    assert "spec/sandbox.yaml" in status.stdout  # the work tree was left as it was


def test_the_same_edit_declared_passes(repo: Path) -> None:
    _make_temperature_required(repo)
    spec = repo / "spec" / "sandbox.yaml"
    declaration = (
        "x-apiforge-breaking:\n"
        '  - pointer: "#/components/schemas/CreateChatCompletionRequest/properties/temperature"\n'
        "    kind: request-property-became-required\n"
        "    reason: every client we know already sends temperature\n"
    )
    spec.write_text(spec.read_text().replace("paths:\n", declaration + "paths:\n", 1))
    assert run_cli("generate", "--quiet", cwd=repo).returncode == 0
    done = run_cli("check", "--base", "base", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_spec_edit_without_regeneration_fails_naming_the_stale_file(repo: Path) -> None:
    spec = repo / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("title:", "title: Renamed", 1))
    done = run_cli("check", "--base", "base", cwd=repo)
    assert done.returncode == 1
    assert "generated/sandbox/" in done.stdout and "run `apiforge generate`" in done.stdout


def test_github_format_annotates_the_spec_line(repo: Path) -> None:
    _make_temperature_required(repo)
    assert run_cli("generate", "--quiet", cwd=repo).returncode == 0
    done = run_cli("check", "--base", "base", "--format", "github", cwd=repo)
    assert done.returncode == 1
    assert "::error file=spec/sandbox.yaml,line=" in done.stdout


def test_an_unknown_ref_is_a_usage_error(repo: Path) -> None:
    done = run_cli("check", "--base", "no-such-ref", cwd=repo)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_a_missing_base_is_skipped_when_asked_and_said_so(repo: Path) -> None:
    done = run_cli("check", "--base", "no-such-ref", "--skip-missing-base", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.splitlines()[-1]
    assert summary.startswith("apiforge: check passed: 3 of 3 spec(s) valid")
    assert "breaking changes not checked (git ref 'no-such-ref' does not exist" in summary


def _small_repo(root: Path, base: str, now: str) -> Path:
    """A repository whose one spec was `base` at the tag `base` and is `now` in the work tree."""
    spec = root / "spec" / "api.json"
    spec.parent.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.apiforge]\n")
    spec.write_text(base)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    _git(root, "tag", "base")
    spec.write_text(now)
    return Path("spec/api.json")


def test_refs_nested_past_what_can_be_compared_are_a_finding_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check --base` compares as `diff` does, deep as the CLI runs it, with the same guard."""
    old, new = (json.dumps(chain(10_000, last)) for last in ("string", "integer"))
    spec = _small_repo(tmp_path, old, new)
    monkeypatch.chdir(tmp_path)
    done = run_deep(lambda: compare_with_base([spec], "base", {spec: "spec/api.json"}))
    [finding] = done.findings
    assert finding.is_error and finding.rule == "diff", finding
    assert "nest too deeply" in finding.message
    assert done.said() == "no undeclared breaking change since base"  # the error says the rest


def test_the_summary_counts_breaking_changes_not_bad_declarations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = chain(1, "string")
    now = chain(1, "integer")
    now["x-apiforge-breaking"] = [{"pointer": "#/paths", "kind": "request-type-changed"}]
    spec = _small_repo(tmp_path, json.dumps(base), json.dumps(now))
    monkeypatch.chdir(tmp_path)
    done = compare_with_base([spec], "base", {spec: "spec/api.json"})
    errors = sorted(f.rule for f in done.findings if f.is_error)
    assert errors == ["malformed-declaration"] * 2 + ["request-property-type-changed"], errors
    assert done.said() == "1 undeclared breaking change since base"
