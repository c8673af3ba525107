"""lint's example rules: true alarms, and none where the generated code would accept the value."""

from __future__ import annotations

from pathlib import Path

from tests.test_lint import HEAD30, HEAD31, fired, lint

PET = """
paths:
  /pets:
    post:
      operationId: addPet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
            example: EXAMPLE
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples:
                one: {value: RESPONSE}
                far: {externalValue: 'https://example.invalid/never-fetched.json'}
components:
  schemas:
    Pet:
      type: object
      required: [id, name, secret]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, nullable: true}
        secret: {type: string, writeOnly: true}
"""


def _pets(tmp_path: Path, request: str, response: str) -> list[tuple[str, str, str]]:
    body = PET.replace("EXAMPLE", request).replace("RESPONSE", response)
    return fired(lint(tmp_path, body, HEAD30), "media-examples")


def test_read_only_and_write_only_are_read_per_direction(tmp_path: Path) -> None:
    assert _pets(tmp_path, "{name: Rex, secret: s}", "{id: 1, name: Rex}") == []


def test_null_for_a_30_nullable_property_is_no_alarm(tmp_path: Path) -> None:
    assert _pets(tmp_path, "{name: null, secret: s}", "{id: 1, name: null}") == []


def test_a_wrong_request_example_is_found_where_it_is_written(tmp_path: Path) -> None:
    found = _pets(tmp_path, "{name: 5, secret: s}", "{id: 1, name: Rex}")
    assert len(found) == 1
    severity, pointer, message = found[0]
    assert severity == "warning"
    assert pointer == "#/paths/~1pets/post/requestBody/content/application~1json/example"
    assert "5 is not of type" in message and "/name" in message


def test_a_response_example_missing_a_required_property_is_found(tmp_path: Path) -> None:
    found = _pets(tmp_path, "{name: Rex, secret: s}", "{name: Rex}")
    assert [p for _, p, _ in found] == [
        "#/paths/~1pets/post/responses/200/content/application~1json/examples/one"
    ]
    assert '"id" is a required property' in found[0][2]


def test_a_read_only_property_missing_from_a_response_is_found(tmp_path: Path) -> None:
    assert len(_pets(tmp_path, "{name: Rex, secret: s}", "{name: Rex, secret: s}")) == 1


SCHEMAS = """
paths: {}
components:
  schemas:
    Count: {type: integer, minimum: 0, example: EXAMPLE}
    Listed: {type: string, examples: [a, 5]}
    Shape:
      oneOf: [{$ref: '#/components/schemas/Circle'}, {$ref: '#/components/schemas/Square'}]
      discriminator: {propertyName: kind}
      example: {kind: Circle, radius: 1}
    Circle:
      type: object
      required: [kind, radius]
      properties: {kind: {type: string}, radius: {type: number}}
    Square:  # {kind: Circle, radius: 1} is a Square too: only the discriminator makes it one
      type: object
      required: [kind]
      properties: {kind: {type: string}, side: {type: number}}
    Either:
      oneOf: [{type: integer}, {type: number}]
      example: 1
"""


def test_schema_examples_true_and_false_alarms(tmp_path: Path) -> None:
    found = fired(lint(tmp_path, SCHEMAS.replace("EXAMPLE", "-1"), HEAD31), "schema-examples")
    assert sorted(p for _, p, _ in found) == [
        "#/components/schemas/Count/example",
        "#/components/schemas/Either/example",  # 1 is an integer AND a number: oneOf is one
        "#/components/schemas/Listed/examples/1",  # 3.1's examples array, item by item
    ]
    assert all(severity == "warning" for severity, _, _ in found)


def test_a_valid_schema_example_is_quiet(tmp_path: Path) -> None:
    found = fired(lint(tmp_path, SCHEMAS.replace("EXAMPLE", "3"), HEAD31), "schema-examples")
    assert "#/components/schemas/Count/example" not in [p for _, p, _ in found]
    assert "#/components/schemas/Shape/example" not in [p for _, p, _ in found]


def test_a_pattern_that_would_backtrack_forever_answers_at_once(tmp_path: Path) -> None:
    body = "paths: {}\ncomponents:\n  schemas:\n    S: {type: string, pattern: '^(a+)+$', example: '%s'}\n"
    found = fired(lint(tmp_path, body % ("a" * 40 + "!"), HEAD31), "schema-examples")
    assert [p for _, p, _ in found] == ["#/components/schemas/S/example"]


def test_parameter_and_header_examples(tmp_path: Path) -> None:
    body = """
    paths:
      /a:
        get:
          operationId: a
          parameters:
            - {name: n, in: query, schema: {type: integer}, example: ten}
            - {name: m, in: query, schema: {type: integer}, examples: {ok: {value: 10}}}
          responses:
            "200":
              description: ok
              headers:
                X-Left: {schema: {type: integer}, example: "many"}
    """
    found = fired(lint(tmp_path, body, HEAD31), "media-examples")
    assert sorted(p for _, p, _ in found) == [
        "#/paths/~1a/get/parameters/0/example",
        "#/paths/~1a/get/responses/200/headers/X-Left/example",
    ]


def test_defaults_are_checked_against_their_schema(tmp_path: Path) -> None:
    body = """
    paths: {}
    components:
      schemas:
        Wrong: {type: integer, default: "ten"}
        Null: {type: object, default: null}
        Nullable: {type: object, nullable: true, default: null}
        Right: {type: integer, minimum: 1, default: 1}
        OutsideEnum: {type: string, enum: [a], default: b}  # default-enum's, not said twice
    """
    found = fired(lint(tmp_path, body, HEAD30), "schema-defaults")
    assert sorted(p for _, p, _ in found) == [
        "#/components/schemas/Null/default",
        "#/components/schemas/Wrong/default",
    ]


def test_a_pattern_no_linear_engine_takes_spoils_only_its_own_example(tmp_path: Path) -> None:
    body = (
        "paths: {}\ncomponents:\n  schemas:\n"
        "    Behind: {type: string, pattern: '(?<=a)b', example: ab}\n"
        "    Count: {type: integer, example: ten}\n"
    )
    found = fired(lint(tmp_path, body, HEAD31), "schema-examples")
    assert [p for _, p, _ in found] == ["#/components/schemas/Count/example"]


def test_null_examples_of_30_nullable_compositions_and_refs(tmp_path: Path) -> None:
    body = """
    paths: {}
    components:
      schemas:
        Id: {type: string}
        Either: {oneOf: [{type: string}, {type: integer}], nullable: true, example: null}
        Both: {allOf: [{$ref: '#/components/schemas/Id'}], nullable: true, example: null}
        Holder:
          type: object
          properties: {id: {$ref: '#/components/schemas/Id', nullable: true}}
          example: {id: null}
        Strict: {oneOf: [{type: string}, {type: integer}], example: null}
    """
    found = fired(lint(tmp_path, body, HEAD30), "schema-examples")
    assert [p for _, p, _ in found] == ["#/components/schemas/Strict/example"]
