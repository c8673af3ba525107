"""findings: every stage finds a `Finding` at a pointer; the bundle places it in the file, line and
column the node was written at; `relaxed` is a flag the finding carries, never words in its message."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apiforge.document.bundle import load_bundle
from apiforge.findings.diagnostic import Severity
from apiforge.findings.finding import Finding
from apiforge.pipeline import build_package
from apiforge.validate.lint import lint_bundle

UNKNOWN_SCHEME = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /v1/ping:
    get:
      operationId: ping
      security: [{NoSuchScheme: []}]
      responses:
        "200": {description: ok}
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_a_finding_is_placed_in_the_file_and_line_its_node_was_written(tmp_path: Path) -> None:
    _write(tmp_path / "pet.yaml", "Pet:\n  type: object\n  properties:\n    name: {type: string}\n")
    spec = _write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /p:
            get:
              responses:
                "200":
                  description: ok
                  content: {application/json: {schema: {$ref: "pet.yaml#/Pet"}}}
        """,
    )
    bundle = load_bundle(spec, "api.yaml")
    found = Finding("#/components/schemas/Pet/properties/name", "odd", Severity.WARNING, "r", True)
    placed = bundle.place(found)
    assert placed.file.endswith("pet.yaml") and (placed.line, placed.col) == (4, 11)
    assert placed.pointer == "#/Pet/properties/name"
    assert (placed.severity, placed.message, placed.rule, placed.relaxed) == (
        Severity.WARNING,
        "odd",
        "r",
        True,
    )


def test_relaxing_makes_an_error_a_warning_that_knows_it_was_one() -> None:
    error = Finding("#/paths", "bad", rule="r")
    assert error.relax() == Finding("#/paths", "bad", Severity.WARNING, "r", relaxed=True)
    warning = Finding("#/paths", "odd", Severity.WARNING, "r")
    assert warning.relax() is warning  # only errors are relaxed: a warning was never refused


def test_generate_knows_a_relaxed_error_by_its_flag_not_its_words(tmp_path: Path) -> None:
    bundle = load_bundle(_write(tmp_path / "api.yaml", UNKNOWN_SCHEME), "api.yaml")
    [strict] = [d for d in lint_bundle(bundle) if d.rule == "security-schemes"]
    [relaxed] = [d for d in lint_bundle(bundle, generating=True) if d.rule == "security-schemes"]
    assert strict.is_error and not strict.relaxed
    assert relaxed.severity is Severity.WARNING and relaxed.relaxed
    assert relaxed.message == strict.message  # the rule's words, nothing appended
    assert (relaxed.line, relaxed.col, relaxed.pointer) == (strict.line, strict.col, strict.pointer)
    assert relaxed.format() == (
        f"api.yaml:7:{strict.col}: warning: {strict.message}"
        " (an error for `validate`; generate goes on) [security-schemes]"
        f" (at {strict.pointer})"
    )
    built = build_package(tmp_path / "api.yaml")
    assert built.repaired  # decided by the flag: no finding's message says "generate goes on"
    assert not any("generate goes on" in w.message for w in built.warnings)


def test_a_rules_id_and_severity_are_stamped_on_what_its_check_finds(tmp_path: Path) -> None:
    """A check yields bare findings; the rule names them, and a warning rule's are warnings."""
    spec = _write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /a/:
            get:
              operationId: a
              responses: {"200": {description: ok}}
          /a:
            get:
              operationId: b
              responses: {"200": {description: ok}}
        """,
    )
    found = {(d.rule, d.severity) for d in lint_bundle(load_bundle(spec, "api.yaml"))}
    assert ("path-trailing-slash", Severity.WARNING) in found


def test_the_generators_notes_are_placed_at_their_lines(tmp_path: Path) -> None:
    spec = _write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              operationId: get_a
              responses: {"204": {description: done}}
          /b:
            get:
              operationId: getA
              responses: {"204": {description: done}}
        """,
    )
    [note] = [w for w in build_package(spec).warnings if w.rule == "names"]
    assert (note.line, note.col, note.pointer) == (10, 7, "#/paths/~1b/get")
    assert note.file.endswith("api.yaml") and note.severity is Severity.WARNING
