"""Every document gets an answer in bounded time and memory: the CLI runs under a timeout and an
address-space limit, on documents that once hung it (issue 21: allOf loops, catastrophic patterns).
"""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import run_cli

MEMORY = 1536 << 20  # bytes of address space; a generate of a small document needs under 1 GiB
SECONDS = 30.0

HEAD = """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /x:
    post:
      operationId: x
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
      responses:
        '200': {description: ok}
components:
  schemas:
"""


def run_bounded(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """`python -m apiforge ARGS` with at most MEMORY of address space, killed after SECONDS."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    start = time.monotonic()
    done = run_cli(*args, cwd=cwd, timeout=SECONDS, preexec_fn=limit)
    return done, time.monotonic() - start


@pytest.mark.parametrize("command", ["validate", "generate", "check"])
def test_an_allof_loop_is_refused_at_its_line_naming_the_loop(command: str, tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(
        HEAD
        + "    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n"
        + "    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n"
    )
    extra = ["--out", str(tmp_path / "out")] if command != "validate" else []
    done, _ = run_bounded(command, "api.yaml", *extra, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    expected = "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
    line = next(x for x in (done.stdout + done.stderr).splitlines() if expected in x)
    assert line.startswith("api.yaml:15:")
    assert "[ref] (at #/components/schemas/A)" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "schemas",
    [
        # anyOf with a way out is still a loop on the same value: jsonschema would never return
        "    A: {anyOf: [{type: string}, {$ref: '#/components/schemas/A'}]}\n",
        "    A: {not: {$ref: '#/components/schemas/A'}}\n",
        "    A: {$ref: '#/components/schemas/B'}\n    B: {oneOf: [{$ref: '#/components/schemas/A'}]}\n",
    ],
)
def test_other_in_place_loops_are_refused(schemas: str, tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(HEAD + schemas)
    done, _ = run_bounded("validate", "api.yaml", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "a loop that never reaches a value" in done.stdout


def test_recursion_through_items_or_properties_is_valid_and_generates(tmp_path: Path) -> None:
    """A schema reached again through `items` or `properties` is an ordinary recursive type; the
    OpenAPI validator's property collection once recursed through it without end."""
    (tmp_path / "api.yaml").write_text(
        HEAD
        + "    A: {allOf: [{$ref: '#/components/schemas/T'}], description: all of T}\n"
        + "    T: {type: array, items: {$ref: '#/components/schemas/T'}}\n"
        + "    N: {type: object, properties: {next: {allOf: [{$ref: '#/components/schemas/N'}]}}}\n"
    )
    for args in (["validate"], ["generate", "--out", "out"]):
        done, _ = run_bounded(args[0], "api.yaml", *args[1:], cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / "api" / "models.py").is_file()


CATASTROPHIC = "a" * 40 + "!"  # `^(a+)+$` backtracks 2**40 ways before refusing it


@pytest.mark.parametrize("command", ["validate", "generate", "check"])
@pytest.mark.parametrize("slow_path", [False, True], ids=["fast", "located"])
def test_a_catastrophic_pattern_is_matched_in_linear_time(
    command: str, slow_path: bool, tmp_path: Path
) -> None:
    """The default is matched (and refused, or left out by generate) in well under a second."""
    (tmp_path / "api.yaml").write_text(
        HEAD
        + "    A: {type: object, properties: {s: {type: string, pattern: '^(a+)+$',"
        + f" default: '{CATASTROPHIC}'}}}}}}\n"
        + "    M:\n      type: object\n      patternProperties: {'^(a+)+$': {type: integer}}\n"
        + f"      additionalProperties: false\n      default: {{'{CATASTROPHIC}': 1}}\n"
        # a `$schema` sends the document to the located validator (openapi-spec-validator)
        + ("    X: {$schema: x}\n" if slow_path else "")
    )
    extra = ["--out", str(tmp_path / "out")] if command != "validate" else []
    done, took = run_bounded(command, "api.yaml", *extra, cwd=tmp_path)
    said = done.stdout + done.stderr
    assert "Traceback" not in said
    if command == "generate" and not slow_path:
        assert done.returncode == 0, said
        assert "api.yaml:15:" in said and "default does not fit its schema" in said
        assert "(at #/components/schemas/M/default)" in said  # no pattern matches the key
    else:
        assert done.returncode == 1, said
    if command == "validate":
        assert f"'{CATASTROPHIC}' does not match '^(a+)+$'" in said
    assert took < 15
