"""validate.py: openapi-spec-validator on a Bundle, errors located in the file that holds them."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as osv_validate

from apiforge.document.bundle import load_bundle
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError
from apiforge.validate.openapi import validate_bundle
from tests.helpers import write

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted((REPO / "spec").glob("*.yaml"))
DATA = Path(__file__).resolve().parent / "data" / "specs"


def validate_file(path: Path, display: str | None = None) -> list[Diagnostic]:
    return validate_bundle(load_bundle(path, display))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to open a connection fails the test (and is recorded)."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


# -- located errors --------------------------------------------------------------------------------


def test_errors_in_component_files_are_located_in_those_files() -> None:
    diagnostics = validate_file(DATA / "located" / "api.yaml", "located/api.yaml")
    # the two validators quote a missing property's name differently ('x' or "x")
    found = [
        (Path(d.file).name, d.line, d.col, d.pointer, d.message.replace('"', "'"))
        for d in diagnostics
    ]
    assert found == [
        (
            "pets.yaml",
            11,
            13,
            "#/Pet/properties/name/type",
            "'strng' is not valid under any of the given schemas",
        ),
        ("responses.yaml", 2, 3, "#/Problem", "'description' is a required property"),
    ]
    assert all(d.severity is Severity.ERROR and d.rule == "openapi" for d in diagnostics)
    assert diagnostics[0].file.endswith("located/components/pets.yaml")


def test_errors_in_the_root_file_are_located_there(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /a:
            get:
              operationId: getA
              responses:
                "200":
                  description: 5
        """,
    )
    [d] = validate_file(spec, "api.yaml")
    assert (d.file, d.line, d.col, d.pointer) == (
        "api.yaml",
        9,
        24,
        "#/paths/~1a/get/responses/200/description",
    )


def test_json_spec_errors_are_located(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(
        '{\n  "openapi": "3.1.0",\n  "info": {"title": "t", "version": "1"},\n'
        '  "paths": {\n    "/a": {"get": {"responses": {"200": {"description": 5}}}}\n  }\n}\n'
    )
    [d] = validate_file(spec, "api.json")
    assert (d.line, d.col, d.pointer) == (5, 57, "#/paths/~1a/get/responses/200/description")


def test_messages_are_one_line_whatever_the_schema_backend(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.1.0
        info: {title: t}
        paths: {/a: {get: {responses: {"200": {description: 5}}}}}
        """,
    )
    diagnostics = validate_file(spec)
    assert diagnostics
    for d in diagnostics:
        assert "\n" not in d.message and "Failed validating" not in d.message


# -- versions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "message"),
    [
        ('swagger: "2.0"\n', "Swagger 2.0 is not supported"),
        ("", "unsupported 'openapi' version 'missing'"),
        ("openapi: 3.0\n", "unsupported 'openapi' version '3.0'"),
        ("openapi: 4.0.0\n", "unsupported 'openapi' version '4.0.0'"),
    ],
)
def test_unsupported_versions(tmp_path: Path, head: str, message: str) -> None:
    spec = write(tmp_path / "api.yaml", head + "info: {title: t, version: '1'}\npaths: {}\n")
    [d] = validate_file(spec)
    assert d.message.startswith(message)
    assert d.rule == "openapi-version"


def test_a_valid_30_spec_with_a_path_item_in_another_file(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /pets/{id}:
            $ref: "paths/pets.yaml#/Pet"
        """,
    )
    write(
        tmp_path / "paths" / "pets.yaml",
        """\
        Pet:
          get:
            operationId: getPet
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            responses:
              "200":
                description: ok
                content:
                  application/json:
                    schema: {type: object, nullable: true}
        """,
    )
    assert validate_file(spec) == []


def test_a_30_error_is_located_in_the_inlined_file(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "api.yaml",
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /p:\n    $ref: "p.yaml#/P"\n',
    )
    write(tmp_path / "p.yaml", "P:\n  get:\n    responses:\n      '200': {}\n")
    [d] = validate_file(spec)
    assert (Path(d.file).name, d.line, d.pointer) == ("p.yaml", 4, "#/P/get/responses/200")


# -- no network, no files outside the bundle -----------------------------------------------------------


def test_validating_never_opens_a_socket(tmp_path: Path, no_network: list[Any]) -> None:
    remote = write(
        tmp_path / "remote.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths: {}
        components:
          schemas:
            A: {$ref: "http://127.0.0.1:9/a.yaml#/A"}
        """,
    )
    with pytest.raises(SpecError) as info:
        load_bundle(remote)
    assert "remote $ref" in info.value.diagnostics[0].message

    # a $ref inside a literal value is data to us, but the library would follow it
    literal = write(
        tmp_path / "literal.yaml",
        """\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths: {}
        components:
          schemas:
            A:
              type: object
              default: {$ref: "http://127.0.0.1:9/default"}
        """,
    )
    [d] = validate_file(literal, "literal.yaml")
    assert d.message.startswith("$ref 'http://127.0.0.1:9/default' would be fetched")
    assert (d.line, d.col, d.pointer) == (8, 23, "#/components/schemas/A/default/$ref")

    for spec in SHIPPED:
        assert [d for d in validate_file(spec) if d.is_error] == []
    assert no_network == []


def test_refs_in_literal_values_never_read_local_files(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.yaml", "A: {type: string}\n")
    spec = write(
        tmp_path / "spec" / "api.yaml",
        f"""\
        openapi: 3.1.0
        info: {{title: t, version: "1"}}
        paths: {{}}
        components:
          schemas:
            A:
              type: object
              default: {{$ref: "{secret.as_uri()}#/A"}}
        """,
    )
    [d] = validate_file(spec)
    assert "would be fetched" in d.message


# -- the shipped specs -----------------------------------------------------------------------------


def test_there_are_shipped_specs() -> None:
    assert [p.name for p in SHIPPED] == ["gateway.yaml", "provider.yaml", "sandbox.yaml"]


@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.name)
def test_shipped_specs_are_valid(spec: Path) -> None:
    bundle = load_bundle(spec)
    assert validate_bundle(bundle) == []
    # and openapi-spec-validator agrees, both on the files as written and on our bundle
    osv_validate(yaml.safe_load(spec.read_text()), base_uri=spec.as_uri())
    osv_validate(bundle.data)


def test_a_crash_inside_the_validators_own_checks_is_a_located_warning(tmp_path: Path) -> None:
    """Path parameter names of mixed types make the library's own checks raise: that part is
    skipped with a warning at the operation, and the rest of the document is still judged."""
    spec = write(
        tmp_path / "api.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /v1/x/{a}/{1}:
            get:
              operationId: getX
              parameters:
                - {name: a, in: path, required: true, schema: {type: string}}
                - {name: 1, in: path, required: true, schema: {type: string}}
              responses:
                "200": {description: ok}
        """,
    )
    found = validate_file(spec, "api.yaml")
    assert not any("could not check this document" in d.message for d in found)
    warnings = [d for d in found if d.severity is Severity.WARNING]
    assert any(d.pointer == "#/paths/~1v1~1x~1{a}~1{1}/get" and d.line == 6 for d in warnings)
    errors = [d for d in found if d.is_error]
    assert [d.pointer for d in errors] == ["#/paths/~1v1~1x~1{a}~1{1}/get/parameters/1"]


def test_an_object_that_fits_no_form_is_named_not_quoted(tmp_path: Path) -> None:
    """A response (oneOf Response | Reference) with pages of examples: the message stays a line."""
    example = {"item": [{"name": f"n{i}", "description": "x" * 40} for i in range(50)]}
    response = {"content": {"application/json": {"example": example}}}  # no description
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": {"200": response}}}},
    }
    spec = tmp_path / "api.json"
    spec.write_text(json.dumps(doc))
    [d] = [d for d in validate_file(spec) if d.is_error]
    assert d.pointer == "#/paths/~1x/get/responses/200"
    assert len(d.message) < 300 and "n49" not in d.message
    assert "not valid under any of the given schemas" in d.message


VALID_31 = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /x:
    get:
      operationId: getX
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: number, minimum: 1e-08, default: 0.5}
"""


@pytest.mark.parametrize("where", ["keyword", "whole", "placing"])
def test_an_exception_inside_a_validator_never_refuses_a_valid_document(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a validator (or our placing of its errors) raises, the verdict is not "invalid":
    the part it failed on is named in a warning and left to lint (issue 21: a TypeError inside
    the library preceded a refusal of a valid document)."""
    import openapi_spec_validator.validation.keywords as keywords

    import apiforge.validate.openapi as validate_module

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("constructed failure")

    if where == "placing":
        monkeypatch.setattr(
            validate_module, "fast_errors_begun", lambda data, release: lambda: [object()]
        )
        monkeypatch.setattr(validate_module, "placed_diagnostics", crash)
    else:
        monkeypatch.setattr(
            validate_module, "fast_errors_begun", lambda data, release: lambda: None
        )
        target = keywords.MediaTypeValidator if where == "keyword" else keywords.RootValidator
        monkeypatch.setattr(target, "__call__", crash)
    found = validate_file(write(tmp_path / "api.yaml", VALID_31), "api.yaml")
    assert not [d for d in found if d.is_error], found
    if where != "placing":
        (warning,) = found
        assert "the OpenAPI validator failed on" in warning.message
        assert "ValueError: constructed failure" in warning.message


def test_a_yaml_12_number_is_a_number_to_the_validators(tmp_path: Path) -> None:
    """`minimum: 1e-08` was a string under YAML 1.1: "'1e-08' is not of type 'number'"."""
    from apiforge.validate.located import located_diagnostics

    bundle = load_bundle(write(tmp_path / "api.yaml", VALID_31), "api.yaml")
    assert validate_bundle(bundle) == []
    assert located_diagnostics(bundle, (3, 1)) == []
