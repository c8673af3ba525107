"""What `check` and `diff` print, in every format, as a reviewer reads it in CI: snapshots.

One small project (two specs sharing a component file, generated and committed as `base`) is
copied per case and edited into: a clean tree, a stale file, an invalid spec, an invalid shared
component, a breaking change in a shared component, and an unreadable document. Each snapshot is
stdout, stderr and the exit code. `APIFORGE_UPDATE_GOLDEN=1` rewrites them after a deliberate change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from apiforge.cli import main
from tests.helpers import REPO, run_cli

SNAPSHOTS = Path(__file__).resolve().parent / "data" / "cli_output"
UPDATE = os.environ.get("APIFORGE_UPDATE_GOLDEN") == "1"

SPEC = """\
openapi: 3.1.0
info: {{title: {name}, version: "1"}}
paths:
  /v1/{name}:
    post:
      operationId: {name}
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: "./components/common.yaml#/Message"}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "./components/common.yaml#/Usage"}}
"""
COMMON = """\
Message:
  type: object
  required: [text]
  properties:
    text: {type: string}
Usage:
  type: object
  properties:
    tokens: {type: integer}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Specs `echo` and `count` sharing spec/components/common.yaml, generated, committed as base."""
    root = tmp_path_factory.mktemp("cli-output") / "project"
    (root / "spec" / "components").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.apiforge]\n")
    for name in ("count", "echo"):
        (root / "spec" / f"{name}.yaml").write_text(SPEC.format(name=name))
    (root / "spec" / "components" / "common.yaml").write_text(COMMON)
    done = run_cli("generate", "--quiet", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    _git(root, "tag", "base")
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _clean(project: Path) -> None:
    """Nothing changed."""


def _stale(project: Path) -> None:
    with (project / "generated" / "echo" / "client.py").open("a") as f:
        f.write("# edited by hand\n")


def _invalid(project: Path) -> None:
    _edit(project / "spec" / "echo.yaml", "operationId: echo", "operationId: [echo]")


def _invalid_shared(project: Path) -> None:
    _edit(project / "spec" / "components" / "common.yaml", "{type: string}", "{type: strin}")


def _shared_break(project: Path) -> None:
    _edit(project / "spec" / "components" / "common.yaml", "{type: integer}", "{type: string}")
    done = run_cli("generate", "--quiet", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


def _unreadable(project: Path) -> None:
    (project / "spec" / "count.yaml").write_text("openapi: 3.1.0\ninfo: [title\n")


CASES: dict[str, Callable[[Path], None]] = {
    "clean": _clean,
    "stale": _stale,
    "invalid": _invalid,
    "invalid-shared": _invalid_shared,
    "shared-break": _shared_break,
    "unreadable": _unreadable,
}

# diff compares documents: a stale generated file is not one of its inputs.
DIFF_NEW = {
    "clean": "spec/echo.yaml",
    "invalid": "not-openapi.yaml",
    "shared-break": "spec/echo.yaml",
    "unreadable": "spec/count.yaml",
    "missing": "spec/nope.yaml",
}


@pytest.fixture(scope="module")
def projects(base_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One copy of the project per case, edited into it (made once: shared-break regenerates)."""
    made = {}
    for case, edit in CASES.items():
        project = tmp_path_factory.mktemp(case) / "project"
        shutil.copytree(base_project, project, symlinks=True)
        edit(project)
        shutil.copytree(base_project / "spec", project / "old" / "spec")  # diff's OLD side
        (project / "not-openapi.yaml").write_text("title: a list of things\npaths: 5\n")
        made[case] = project
    made["missing"] = made["clean"]
    return made


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return f"$ apiforge {' '.join(args)}\n{out}--- stderr\n{err}--- exit {code}\n"


def _matches(name: str, shown: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(shown)
    assert path.is_file(), f"no snapshot {path.name}; run with APIFORGE_UPDATE_GOLDEN=1"
    assert shown == path.read_text(), f"{path.name} differs:\n{shown}"


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
@pytest.mark.parametrize("case", list(CASES))
def test_check_output(
    projects: dict[str, Path],
    case: str,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(projects[case])
    shown = _run(capsys, "check", "--base", "base", "--format", fmt)
    if fmt in ("json", "sarif"):
        json.loads(shown.split("\n", 1)[1].split("--- stderr")[0])  # one document, nothing else
    _matches(f"check-{case}.{fmt}", shown)


@pytest.mark.parametrize("fmt", ["text", "json", "github", "markdown"])
@pytest.mark.parametrize("case", list(DIFF_NEW))
def test_diff_output(
    projects: dict[str, Path],
    case: str,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(projects[case])
    old = "old/" + DIFF_NEW[case] if case in ("shared-break", "unreadable") else "spec/echo.yaml"
    shown = _run(capsys, "diff", old, DIFF_NEW[case], "--format", fmt)
    if fmt == "json":
        json.loads(shown.split("\n", 1)[1].split("--- stderr")[0])
    _matches(f"diff-{case}.{fmt}", shown)


# The parts of the SARIF 2.1.0 schema (docs.oasis-open.org/sarif/sarif/v2.1.0) that code-scanning
# UIs read: required keys, enums and bounds, and no property the standard does not define.
_MESSAGE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_ARTIFACT = {
    "type": "object",
    "properties": {
        "uri": {"type": "string", "format": "uri-reference"},
        "uriBaseId": {"type": "string"},
        "description": _MESSAGE,
    },
    "additionalProperties": False,
}
_LOCATION = {
    "type": "object",
    "properties": {
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation"],
            "properties": {
                "artifactLocation": {**_ARTIFACT, "required": ["uri"]},
                "region": {
                    "type": "object",
                    "required": ["startLine"],
                    "properties": {
                        "startLine": {"type": "integer", "minimum": 1},
                        "startColumn": {"type": "integer", "minimum": 1},
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
        "logicalLocations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "fullyQualifiedName": {"type": "string"},
                    "kind": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
_RESULT = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "ruleId": {"type": "string"},
        "ruleIndex": {"type": "integer", "minimum": -1},
        "level": {"enum": ["none", "note", "warning", "error"]},
        "message": _MESSAGE,
        "locations": {"type": "array", "items": _LOCATION},
    },
    "additionalProperties": False,
}
_RULE = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "shortDescription": _MESSAGE},
    "additionalProperties": False,
}
SARIF_2_1_0 = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {"type": "array", "items": _RULE},
                                },
                                "additionalProperties": False,
                            }
                        },
                        "additionalProperties": False,
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "originalUriBaseIds": {"type": "object", "additionalProperties": _ARTIFACT},
                    "results": {"type": "array", "items": _RESULT},
                    "properties": {"type": "object"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


def _sarif_results(log: dict[str, object]) -> list[tuple[str, int, int, str, str]]:
    """(file, line, col, level, rule) of each result, after checking the log's shape."""
    import jsonschema

    jsonschema.validate(log, SARIF_2_1_0)
    [run] = log["runs"]  # type: ignore[index]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    found = []
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        place = result["locations"][0]["physicalLocation"]
        region = place.get("region", {})
        found.append(
            (
                place["artifactLocation"]["uri"],
                region.get("startLine", 0),
                region.get("startColumn", 0),
                result["level"],
                result["ruleId"],
            )
        )
    return found


VALIDATE_FINDINGS = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a/{id}:
    get:
      responses:
        "200": {description: ok}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_validate_prints_the_same_findings_in_every_format(
    tmp_path: Path,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An error and a warning of our lint and one of OpenAPI's, at the same places in every format."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "api.yaml").write_text(VALIDATE_FINDINGS)
    (tmp_path / "bad.yaml").write_text(VALIDATE_FINDINGS.replace('version: "1"', "version: 1"))
    assert main(["validate", "api.yaml", "bad.yaml"]) == 1
    text = capsys.readouterr().out.splitlines()
    expected = sorted(
        (f, int(line), int(col), level.strip(), line_text.rsplit("[", 1)[1].split("]")[0])
        for f, line, col, level, line_text in (x.split(":", 4) for x in text[:-1])
    )
    assert {e[3] for e in expected} == {"error", "warning"} and len(expected) >= 3
    errors = sum(e[3] == "error" for e in expected)
    said = f"apiforge: 0 of 2 document(s) valid; {errors} errors, {len(expected) - errors} warnings"
    assert text[-1] == said
    assert main(["validate", "api.yaml", "bad.yaml", "--format", fmt]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    if fmt == "sarif":
        assert sorted(_sarif_results(json.loads(out))) == expected
    elif fmt == "json":
        body = json.loads(out)
        found = [
            (f["file"], f["line"], f["col"], f["severity"], f["rule"]) for f in body["findings"]
        ]
        assert sorted(found) == expected
        assert body["summary"] == {
            "documents": 2,
            "valid": 0,
            "ok": False,
            "errors": errors,
            "warnings": len(expected) - errors,
            "text": said,
        }
    elif fmt == "github":
        *lines, last = out.splitlines()
        assert last == said
        heads = sorted(line[: line.index("::", 2) + 2] for line in lines)
        assert heads == sorted(
            f"::{level} file={f},line={n},col={col},title={rule}::"
            for f, n, col, level, rule in expected
        )
    else:
        assert out.splitlines() == text


@pytest.mark.parametrize("case", list(CASES))
def test_check_sarif_is_a_sarif_2_1_0_log_of_what_text_prints(
    projects: dict[str, Path],
    case: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(projects[case])
    main(["check", "--base", "base", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    main(["check", "--base", "base", "--format", "sarif"])
    results = _sarif_results(json.loads(capsys.readouterr().out))
    assert results == [
        (f["file"], f["line"] or 0, f["col"] or 0, f["severity"], f["rule"]) for f in findings
    ]


REPAIRED = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  n: {type: integer, nullable: true, default: "x"}
"""


def test_generate_quiet_prints_no_repair_warnings_only_their_count(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(REPAIRED)
    loud = run_cli("generate", "api.yaml", "--out", "out", cwd=tmp_path)
    assert loud.returncode == 0 and loud.stderr == ""
    *warnings, summary = loud.stdout.splitlines()
    assert [w.split(": warning: ")[0] for w in warnings] == ["api.yaml:15:48", "api.yaml:15:63"]
    assert all(" [repair] (at #/paths/" in w for w in warnings)
    assert re.fullmatch(
        r"apiforge: wrote 1 package\(s\) \(api\), \d+ files, to out/; 2 warnings", summary
    )
    # another folder: `out` is up to date, and generate would leave it alone
    quiet = run_cli("generate", "api.yaml", "--out", "quiet", "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    [line] = quiet.stdout.splitlines()
    assert line == summary.replace("to out/", "to quiet/") + " (not shown: --quiet)"


UNKNOWN_SCHEME = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /v1/ping:
    get:
      operationId: ping
      security: [{NoSuchScheme: []}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object}}}
"""


def test_a_relaxed_lint_error_reads_the_same_from_validate_and_generate(tmp_path: Path) -> None:
    """One finding, two verdicts: `validate`'s error is `generate`'s warning, saying so."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "api.yaml").write_text(UNKNOWN_SCHEME)
    strict = run_cli("validate", "api.yaml", "--format", "json", cwd=tmp_path)
    [finding] = [
        f for f in json.loads(strict.stdout)["findings"] if f["rule"] == "security-schemes"
    ]
    assert finding["severity"] == "error" and finding["relaxed"] is False
    done = run_cli("generate", "api.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    [line] = [x for x in done.stdout.splitlines() if "[security-schemes]" in x]
    place = f"api.yaml:{finding['line']}:{finding['col']}"
    assert line == (
        f"{place}: warning: {finding['message']} (an error for `validate`; generate goes on)"
        f" [security-schemes] (at {finding['pointer']})"
    )
    manifest = json.loads((tmp_path / "out" / "api" / "apiforge-manifest.json").read_text())
    assert manifest["strictly_valid"] is False  # decided by the flag, not by the message's words


def test_generate_quiet_refusing_a_spec_prints_only_its_errors(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(REPAIRED.replace("operationId: getA", "operationId: [x]"))
    loud = run_cli("generate", "api.yaml", "--out", "out", cwd=tmp_path)
    quiet = run_cli("generate", "api.yaml", "--out", "out", "--quiet", cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 1
    assert "[repair]" in loud.stdout
    errors = [x for x in loud.stdout.splitlines() if ": error: " in x]
    assert errors and quiet.stdout.splitlines() == [
        *errors,
        "apiforge: nothing was written: 1 error",
    ]
    assert not (tmp_path / "out").exists()


def test_version_prints_the_version_a_wheel_is_built_with(
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert main(["--version"]) == 0
    assert capsys.readouterr() == (f"apiforge {project['version']}\n", "")
