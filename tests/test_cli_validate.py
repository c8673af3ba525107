"""`apiforge validate`: every kind of bad input is one located message and an exit code, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from apiforge.cli import main
from apiforge.document import load
from tests.helpers import REPO, run_cli, write

DATA = Path(__file__).resolve().parent / "data" / "specs"

VALID = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: REF
"""
REF_LINE, REF_COL = 13, 23
REF_AT = "#/paths/~1pets/get/responses/200/content/application~1json/schema/$ref"


def with_ref(ref: str, tail: str = "") -> str:
    return VALID.replace("REF", repr(ref)) + tail


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, the findings printed, and the summary line after them (all on stdout)."""
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 2:  # a usage error: on stderr, nothing on stdout
        assert out == ""
        return code, out, err
    assert err == ""
    *findings, summary = out.splitlines(keepends=True)
    assert summary.startswith("apiforge: ")
    return code, "".join(findings), summary


def run_process(
    *args: str, cwd: Path, hash_seed: str = "random"
) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(REPO / "generator"), str(REPO)])  # this checkout's apiforge
    env = {"PYTHONPATH": path, "PYTHONHASHSEED": hash_seed}
    result = run_cli("validate", *args, cwd=cwd, env=env, timeout=60)
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty spec folder; the working directory is its parent, so files show as spec/..."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec").mkdir()
    return tmp_path / "spec"


def put(spec: Path, name: str, content: str | bytes) -> str:
    """Write `spec/NAME` and name it as the CLI, run from the spec folder's parent, shows it."""
    write(spec / name, content)
    return f"spec/{name}"


# -- the shipped specs -----------------------------------------------------------------------------


def test_shipped_specs_pass_as_a_process() -> None:
    result = run_process(cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error:" not in result.stdout
    assert "3 of 3 document(s) valid" in result.stdout


def test_shipped_specs_pass_without_touching_the_network(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys)
    assert code == 0, out
    remote = DATA / "remote"
    code, out, _ = run(capsys, str(remote / "api.yaml"), str(remote / "literal.yaml"))
    assert code == 1
    assert "remote $ref 'https://example.com/schemas/pet.yaml#/Pet' is not allowed" in out
    assert "would be fetched by the validator" in out


# -- usage errors: exit 2 --------------------------------------------------------------------------


def test_a_spec_path_that_does_not_exist(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "spec/nope.yaml")
    assert code == 2
    assert err.strip() == "apiforge: error: spec/nope.yaml: no such file"


def test_no_spec_folder_as_a_process(tmp_path: Path) -> None:
    result = run_process(cwd=tmp_path)
    assert result.returncode == 2
    assert "no spec folder" in result.stderr


# -- bad input: exit 1, one located diagnostic -------------------------------------------------------

BOMB = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

LOAD_ERRORS = [
    (
        "duplicate-key",
        "api.yaml",
        b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\ninfo: {title: u, version: '1'}\n",
        "spec/api.yaml:3:1: error: duplicate key 'info' [load] (at #/info)",
    ),
    (
        "python-tag",
        "api.yaml",
        b"openapi: 3.1.0\nx: !!python/object/apply:os.system ['touch pwned']\n",
        "spec/api.yaml:2:4: error: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    ),
    (
        "merge-key",
        "api.yaml",
        b"a: &a {type: string}\nb:\n  <<: *a\n",
        "spec/api.yaml:3:3: error: YAML merge keys (<<) are not supported [load] (at #/b)",
    ),
    ("alias-bomb", "api.yaml", BOMB, "(YAML alias bomb?) [load]"),
    (
        "not-utf8",
        "api.yaml",
        b"openapi: 3.1.0\ninfo: {title: caf\xe9}\n",
        "spec/api.yaml:2:18: error: file is not valid UTF-8 (byte 32) [load] (at #)",
    ),
    ("list", "api.yaml", b"- openapi\n", "spec/api.yaml:1:1: error: document is not a mapping"),
    ("scalar", "api.yaml", b"openapi\n", "spec/api.yaml:1:1: error: document is not a mapping"),
    ("empty", "api.yaml", b"", "spec/api.yaml:1:1: error: document is empty [load] (at #)"),
    (
        "too-deep",
        "api.yaml",
        b"a: " + b"[" * 1100 + b"]" * 1100 + b"\n",
        "spec/api.yaml:1:1004: error: document is nested deeper than 1000 levels",
    ),
    (
        "invalid-yaml",
        "api.yaml",
        b"openapi: 3.1.0\ninfo:\n  title: [t\n  version: 1\n",
        "spec/api.yaml:4:10: error: invalid YAML:",
    ),
    (
        "invalid-json",
        "api.json",
        b'{\n  "openapi": "3.1.0",\n  "info": {"title": "t",}\n}\n',
        "spec/api.json:3:25: error: invalid JSON: Expecting property name enclosed in double quotes",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [case[1:] for case in LOAD_ERRORS],
    ids=[c[0] for c in LOAD_ERRORS],
)
def test_load_errors(
    spec: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    code, out, err = run(capsys, put(spec, name, content))
    assert code == 1
    assert expected in out
    assert len(out.splitlines()) == 1
    assert "0 of 1 document(s) valid" in err


def test_python_tag_is_refused_as_a_process(spec: Path) -> None:
    put(spec, "api.yaml", "openapi: 3.1.0\nx: !!python/object/apply:os.system ['touch pwned']\n")
    result = run_process("spec/api.yaml", cwd=spec.parent)
    assert result.returncode == 1
    assert result.stdout.startswith("spec/api.yaml:2:4: error: unsupported YAML tag")
    assert not (spec.parent / "pwned").exists()


def test_a_file_over_the_size_limit(
    spec: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_BYTES", 64)
    code, out, _ = run(capsys, put(spec, "api.yaml", with_ref("#/x")))
    assert code == 1
    assert "spec/api.yaml:1:1: error: file is" in out and "over the 64-byte limit" in out


REF_ERRORS = [
    (
        "http",
        "http://example.com/pet.yaml",
        "remote $ref 'http://example.com/pet.yaml' is not allowed",
    ),
    ("https", "https://example.com/pet.yaml#/Pet", "remote $ref"),
    ("file-uri", "file:///etc/passwd", "remote $ref 'file:///etc/passwd' is not allowed"),
    (
        "network-path",
        "//example.com/pet.yaml",
        "remote $ref '//example.com/pet.yaml' is not allowed",
    ),
    ("absolute", "/etc/passwd", "absolute $ref path '/etc/passwd' is not allowed"),
    (
        "dot-dot",
        "../outside.yaml#/Pet",
        "$ref '../outside.yaml#/Pet' leaves the spec's root folder spec/",
    ),
    ("missing-file", "components/nope.yaml#/Pet", "file 'components/nope.yaml' not found"),
    (
        "missing-pointer",
        "components/pets.yaml#/Nope",
        "$ref target 'components/pets.yaml#/Nope' not found",
    ),
    (
        "missing-local",
        "#/components/schemas/Nope",
        "$ref target '#/components/schemas/Nope' not found",
    ),
    ("self-loop", "#/components/schemas/Self", "is a loop of refs that never reaches a value"),
    ("loop", "#/components/schemas/A", "$ref '#/components/schemas/A' is a loop of refs"),
]
LOOPS = """\
components:
  schemas:
    A: {$ref: "#/components/schemas/B"}
    B: {$ref: "#/components/schemas/A"}
    Self: {$ref: "#/components/schemas/Self"}
"""


@pytest.mark.parametrize(
    ("ref", "message"), [c[1:] for c in REF_ERRORS], ids=[c[0] for c in REF_ERRORS]
)
def test_ref_errors(spec: Path, capsys: pytest.CaptureFixture[str], ref: str, message: str) -> None:
    (spec.parent / "outside.yaml").write_text("Pet: {type: object}\n")
    put(spec, "components/pets.yaml", "Pet: {type: object}\n")
    code, out, _ = run(capsys, put(spec, "api.yaml", with_ref(ref, LOOPS)))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"spec/api.yaml:{REF_LINE}:{REF_COL}: error: ")
    assert message in first
    assert first.endswith(f" [ref] (at {REF_AT})")


def test_a_symlink_pointing_outside_the_root(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (spec.parent / "secret.yaml").write_text("Pet: {type: object}\n")
    (spec / "components").mkdir()
    (spec / "components" / "pets.yaml").symlink_to(spec.parent / "secret.yaml")
    code, out, _ = run(capsys, put(spec, "api.yaml", with_ref("components/pets.yaml#/Pet")))
    assert code == 1
    assert "leaves the spec's root folder spec/" in out


def test_a_loop_across_component_files(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put(spec, "components/a.yaml", "A:\n  $ref: 'b.yaml#/B'\n")
    put(spec, "components/b.yaml", "B:\n  $ref: 'a.yaml#/A'\n")
    code, out, _ = run(capsys, put(spec, "api.yaml", with_ref("components/a.yaml#/A")))
    assert code == 1
    assert out.splitlines() == [
        "spec/components/a.yaml:2:9: error: $ref 'b.yaml#/B' is a loop of refs that never reaches a value [ref] (at #/A/$ref)",
        "spec/components/b.yaml:2:9: error: $ref 'a.yaml#/A' is a loop of refs that never reaches a value [ref] (at #/B/$ref)",
    ]


# -- located validation errors -------------------------------------------------------------------------


def test_errors_in_a_component_file_name_that_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DATA)
    code, out, _ = run(capsys, "located/api.yaml")
    assert code == 1
    # the two validators quote a missing property's name differently ('x' or "x")
    assert out.replace('"', "'").splitlines() == [
        "located/components/pets.yaml:11:13: error: 'strng' is not valid under any of the given schemas [openapi] (at #/Pet/properties/name/type)",
        "located/components/responses.yaml:2:3: error: 'description' is a required property [openapi] (at #/Problem)",
    ]


def test_output_is_the_same_on_every_run() -> None:
    """Nothing in the output may depend on hash randomisation (these seeds once disagreed)."""
    args = ("located/api.yaml", "remote/api.yaml", "remote/literal.yaml")
    outputs = {run_process(*args, cwd=DATA, hash_seed=seed).stdout for seed in ("0", "1")}
    assert len(outputs) == 1


# -- documents that are fine ---------------------------------------------------------------------------

RECURSIVE = """\
components:
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
"""
ESCAPED = """\
components:
  schemas:
    Odd:
      type: object
      properties:
        a/b~c: {type: string}
"""


@pytest.mark.parametrize(
    ("ref", "tail"),
    [
        ("#/components/schemas/Node", RECURSIVE),
        ("#/components/schemas/Odd/properties/a~1b~0c", ESCAPED),
    ],
    ids=["recursive-schema", "tilde-escapes"],
)
def test_valid_documents_pass(
    spec: Path, capsys: pytest.CaptureFixture[str], ref: str, tail: str
) -> None:
    code, out, err = run(capsys, put(spec, "api.yaml", with_ref(ref, tail)))
    assert (code, out) == (0, "")
    assert "1 of 1 document(s) valid" in err


def test_a_json_spec(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = (
        '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},\n'
        ' "paths": {"/a": {"get": {"operationId": "getA",\n'
        '   "responses": {"200": {"description": "ok"}}}}}}\n'
    )
    assert run(capsys, put(spec, "api.json", doc))[:2] == (0, "")
    bad = doc.replace('"description": "ok"', '"description": false')
    code, out, _ = run(capsys, put(spec, "bad.json", bad))
    assert code == 1
    assert out.startswith("spec/bad.json:3:41: error: ")  # the message's wording is the library's
    assert "is not of type" in out and out.endswith(
        " (at #/paths/~1a/get/responses/200/description)\n"
    )


def test_a_30_spec(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = with_ref(
        "#/components/schemas/Pet",
        "components:\n  schemas:\n    Pet: {type: string, nullable: true}\n",
    )
    assert run(capsys, put(spec, "api.yaml", doc.replace("3.1.0", "3.0.3")))[:2] == (0, "")


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ('swagger: "2.0"\n', "spec/api.yaml:1:10: error: Swagger 2.0 is not supported"),
        ("", "spec/api.yaml:1:1: error: unsupported 'openapi' version 'missing'"),
    ],
    ids=["swagger-2.0", "missing"],
)
def test_unsupported_versions(
    spec: Path, capsys: pytest.CaptureFixture[str], head: str, message: str
) -> None:
    code, out, _ = run(
        capsys, put(spec, "api.yaml", head + "info: {title: t, version: '1'}\npaths: {}\n")
    )
    assert code == 1
    assert out.startswith(message)


def test_warnings_alone_do_not_fail(spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = with_ref("#/components/schemas/Pet", "components:\n  schemas:\n    Pet: {type: string}\n")
    code, out, _ = run(
        capsys, put(spec, "api.yaml", doc.replace("      operationId: listPets\n", ""))
    )
    assert code == 0
    assert (
        out
        == "spec/api.yaml:6:7: warning: GET /pets has no operationId; the client method name is guessed [operation-id] (at #/paths/~1pets/get)\n"
    )


def test_several_specs_are_checked_independently(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = put(
        spec,
        "good.yaml",
        with_ref("#/components/schemas/Pet", "components:\n  schemas:\n    Pet: {}\n"),
    )
    bad = put(spec, "bad.yaml", "- not a mapping\n")
    code, out, err = run(capsys, good, bad)
    assert code == 1
    assert out.startswith("spec/bad.yaml:1:1: error:")
    assert "1 of 2 document(s) valid" in err


def test_one_shot_commands_leave_the_cycle_collector_as_they_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate runs without the cycle collector (a fifth of its time on a 3 MB document) and
    turns it back on: a process that calls `main` (a test run, an editor plugin) keeps it."""
    import gc

    import apiforge.validate.spec as spec_module

    seen: list[bool] = []
    real = spec_module.validate_specs

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(spec_module, "validate_specs", recording)
    spec = write(tmp_path / "api.yaml", with_ref("#/components/schemas/Pet"))
    assert gc.isenabled()
    main(["validate", str(spec)])
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:  # one that had it off keeps it off
        main(["validate", str(spec)])
        assert not gc.isenabled()
    finally:
        gc.enable()
