"""The component, path, server, schema-value and OpenAI-aware rules: each fires on the smallest
document that breaks it, at the place it is written, and stays quiet on its near miss."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.test_lint import HEAD30, HEAD31, fired, lint

OP = '{operationId: OPID, responses: {"200": {description: ok}}}'


def _paths(*keys: str) -> str:
    lines = ["paths:"]
    for i, key in enumerate(keys):
        lines.append(f"  '{key}': {{get: {OP.replace('OPID', f'op{i}')}}}")
    return "\n".join(lines) + "\n"


def pointers(found: list[tuple[str, str, str]]) -> list[str]:
    return sorted(p for _, p, _ in found)


UNUSED = """
paths:
  /a:
    get:
      operationId: a
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Used'}}}
components:
  schemas:
    Used:
      type: object
      properties: {pet: {$ref: '#/components/schemas/Pet'}}
    Pet:
      type: object
      discriminator: {propertyName: kind}
      properties: {kind: {type: string}}
    Dog:  # selected by Pet's implicit mapping: used
      allOf: [{$ref: '#/components/schemas/Pet'}]
    Extended:  # refers to Used, which has no discriminator: nothing selects it
      allOf: [{$ref: '#/components/schemas/Used'}, {properties: {more: {type: string}}}]
    Orphan:
      type: object
      properties: {child: {$ref: '#/components/schemas/OrphansChild'}}
    OrphansChild: {type: string}
  parameters:
    Unused: {name: u, in: query, schema: {type: string}}
"""


def test_unused_components_are_found_transitively(tmp_path: Path) -> None:
    found = fired(lint(tmp_path, UNUSED), "unused-components")
    assert pointers(found) == [
        "#/components/parameters/Unused",
        "#/components/schemas/Extended",
        "#/components/schemas/Orphan",
        "#/components/schemas/OrphansChild",  # used only by something unused
    ]
    assert {s for s, _, _ in found} == {"warning"}


SCHEMES = """
security: [{Global: []}]
paths:
  /a:
    post:
      operationId: a
      security: [{PerOperation: []}]
      callbacks:
        done:
          '{$request.body#/url}':
            post:
              security: [{InCallback: []}]
              responses: {"200": {description: ok}}
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    Global: {type: http, scheme: bearer}
    PerOperation: {$ref: '#/components/securitySchemes/Shared'}  # used through its ref
    Shared: {type: apiKey, in: header, name: X-Key}
    InCallback: {type: apiKey, in: header, name: X-Hook}
    Forgotten: {type: http, scheme: basic}
"""


def test_a_security_scheme_no_requirement_names_is_unused(tmp_path: Path) -> None:
    """Schemes are used by name, in the document's, an operation's or a callback's requirements
    (Redocly's no-unused-components and Spectral's oas3-unused-component report them too)."""
    found = fired(lint(tmp_path, SCHEMES), "unused-components")
    assert pointers(found) == ["#/components/securitySchemes/Forgotten"]


def test_a_document_of_components_alone_is_a_library(tmp_path: Path) -> None:
    body = "components:\n  schemas:\n    A: {type: string}\n"
    assert fired(lint(tmp_path, body), "unused-components") == []


def test_component_names_that_become_one_class(tmp_path: Path) -> None:
    body = "paths: {}\ncomponents:\n  schemas:\n    user-id: {type: string}\n    UserId: {type: string}\n    User: {type: string}\n"
    found = fired(lint(tmp_path, body), "component-names")
    assert pointers(found) == ["#/components/schemas/UserId"]
    assert "'user-id'" in found[0][2]


def test_query_strings_and_trailing_slash_twins(tmp_path: Path) -> None:
    found = lint(tmp_path, _paths("/a", "/a/", "/b/", "/search?q=1"))
    assert pointers(fired(found, "path-query-string")) == ["#/paths/~1search?q=1"]
    assert pointers(fired(found, "path-trailing-slash")) == ["#/paths/~1a~1"]


@pytest.mark.parametrize(
    ("keys", "ambiguous"),
    [
        (("/a/{x}/c", "/a/b/{y}"), True),
        (("/{x}/b", "/a/{y}"), True),
        (("/a/{x}", "/a/b"), False),  # the concrete path wins in every router
        (("/a/{x}/c", "/a/b/d"), False),
        (("/a/{x}", "/a/{x}/b"), False),
    ],
)
def test_ambiguous_paths(tmp_path: Path, keys: tuple[str, str], ambiguous: bool) -> None:
    found = fired(lint(tmp_path, _paths(*keys)), "path-ambiguous")
    assert len(found) == (1 if ambiguous else 0)


def test_operations_without_a_success_response(tmp_path: Path) -> None:
    body = """
    paths:
      /a: {get: {operationId: a, responses: {"404": {description: no}}}}
      /b: {get: {operationId: b, responses: {"2XX": {description: ok}}}}
      /c: {get: {operationId: c, responses: {default: {description: ok}}}}
    """
    found = fired(lint(tmp_path, body), "operation-success")
    # `default` alone is the error response (Spectral's operation-success-response agrees)
    assert pointers(found) == ["#/paths/~1a/get/responses", "#/paths/~1c/get/responses"]
    assert (
        "`default` is read as its error response"
        in dict((p, m) for _, p, m in found)["#/paths/~1c/get/responses"]
    )


def test_header_parameters_that_differ_only_in_case(tmp_path: Path) -> None:
    body = """
    paths:
      /a:
        get:
          operationId: a
          parameters:
            - {name: X-Trace, in: header, schema: {type: string}}
            - {name: x-trace, in: header, schema: {type: string}}
            - {name: x-trace, in: query, schema: {type: string}}
          responses: {"200": {description: ok}}
    """
    found = fired(lint(tmp_path, body), "duplicate-parameters")
    assert pointers(found) == ["#/paths/~1a/get/parameters/1"]
    assert found[0][0] == "error"


SERVERS = """
servers:
  - url: https://{region}.example.com/{version}/
    variables:
      region: {default: moon, enum: [eu, us]}
  - url: https://example.com/v1
  - url: /
paths: {}
"""


def test_server_variables_and_trailing_slashes(tmp_path: Path) -> None:
    found = lint(tmp_path, SERVERS)
    assert pointers(fired(found, "server-variables")) == [
        "#/servers/0/url",  # {version} is not defined
        "#/servers/0/variables/region/default",
    ]
    assert pointers(fired(found, "server-trailing-slash")) == ["#/servers/0/url"]


def test_an_empty_server_enum_in_30(tmp_path: Path) -> None:
    body = "servers: [{url: 'https://{r}.x', variables: {r: {default: a, enum: []}}}]\npaths: {}\n"
    assert pointers(fired(lint(tmp_path, body, HEAD30), "server-variables")) == [
        "#/servers/0/variables/r/enum"
    ]


VALUES = """
paths: {}
components:
  schemas:
    Kinds: {type: string, enum: [a, 1, a], default: b}
    Nullable: {type: string, nullable: true, enum: [a, null], default: null}
    Count: {type: integer, enum: [1, 2.0], default: 2}
    Bounds: {type: string, minLength: 5, maxLength: 1, minimum: 1, maximum: 5}
    List: {type: array}
    Sibling: {$ref: '#/components/schemas/Count', description: ignored, nullable: true}
    Floating: {nullable: true}
"""


def test_schema_values_in_30(tmp_path: Path) -> None:
    found = lint(tmp_path, VALUES, HEAD30)
    assert pointers(fired(found, "enum-type")) == ["#/components/schemas/Kinds/enum/1"]
    assert pointers(fired(found, "enum-duplicates")) == ["#/components/schemas/Kinds/enum/2"]
    assert pointers(fired(found, "default-enum")) == ["#/components/schemas/Kinds/default"]
    assert pointers(fired(found, "min-max")) == ["#/components/schemas/Bounds/minLength"]
    assert fired(found, "min-max")[0][0] == "error"
    assert pointers(fired(found, "array-items")) == ["#/components/schemas/List"]
    assert pointers(fired(found, "ref-siblings")) == ["#/components/schemas/Sibling/description"]
    # beside a $ref it has no effect by 3.0.3 (Redocly's nullable-type-sibling); we read null in
    nullable = fired(found, "nullable-type")
    assert sorted(pointers(nullable)) == [
        "#/components/schemas/Floating/nullable",
        "#/components/schemas/Sibling/nullable",
    ]
    assert any("apiforge reads it as null allowed" in f[2] for f in nullable)


def test_31_reads_refs_siblings_and_untyped_arrays(tmp_path: Path) -> None:
    found = lint(tmp_path, VALUES.replace(", nullable: true}", "}"), HEAD31)
    for rule in ("array-items", "ref-siblings", "nullable-type"):
        assert fired(found, rule) == []


STREAM = """
paths:
  /chat:
    post:
      operationId: chat
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {stream: {type: boolean}}
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/Chunk'}}
            EVENTS
components:
  schemas:
    Chunk:
      type: object
      properties:
        delta:
          type: object
          properties:
            tool_calls:
              type: array
              items: {type: object, properties: {INDEX: {type: integer}, id: {type: string}}}
"""


def test_a_stream_flag_needs_an_event_stream_response(tmp_path: Path) -> None:
    found = fired(lint(tmp_path, STREAM.replace("EVENTS", "")), "stream-response")
    assert pointers(found) == ["#/paths/~1chat/post"]
    events = "text/event-stream: {schema: {type: string}}"
    assert fired(lint(tmp_path, STREAM.replace("EVENTS", events)), "stream-response") == []


def test_stream_chunk_tool_calls_need_an_index(tmp_path: Path) -> None:
    chunk = STREAM.replace("EVENTS", "")
    assert fired(lint(tmp_path, chunk.replace("INDEX", "index")), "stream-tool-calls-index") == []
    without = chunk.replace("INDEX", "position")
    found = fired(lint(tmp_path, without), "stream-tool-calls-index")
    assert pointers(found) == ["#/components/schemas/Chunk/properties/delta"]


ENVELOPE = """
x-apiforge-error-envelope: {message: /error/message}
paths:
  /a:
    get:
      operationId: a
      responses:
        "200": {description: ok}
        "400":
          description: bad
          content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}
        "500":
          description: worse
          content: {application/json: {schema: {$ref: '#/components/schemas/Good'}}}
components:
  schemas:
    Bad: {type: object, properties: {message: {type: string}}}
    Good:
      type: object
      properties:
        error: {type: object, properties: {message: {type: string}}}
"""


def test_error_responses_carry_the_declared_envelope(tmp_path: Path) -> None:
    found = fired(lint(tmp_path, ENVELOPE), "error-envelope")
    assert pointers(found) == ["#/paths/~1a/get/responses/400"]
    undeclared = ENVELOPE.replace("x-apiforge-error-envelope: {message: /error/message}\n", "")
    assert fired(lint(tmp_path, undeclared), "error-envelope") == []


def test_generate_says_a_stream_without_events_once(tmp_path: Path) -> None:
    from apiforge.pipeline import generate

    spec = tmp_path / "chat.yaml"
    spec.write_text(HEAD31 + STREAM.replace("EVENTS", "").replace("INDEX", "index"))
    built = generate([spec], tmp_path / "out")
    said = [w.rule for w in built[0].warnings if "event stream" in w.message]
    assert said == ["stream"]


def test_generate_goes_on_over_the_new_rules_errors(tmp_path: Path) -> None:
    """Documents that generated before these rules still generate: their errors are warnings there."""
    from apiforge.pipeline import generate
    from apiforge.validate.lint import RULES

    blocking_before = {"apiforge-extensions", "operation-id", "path-params", "discriminator"}
    blocking_before |= {"schema-refs", "version-keywords"}
    blocking = {r.id for r in RULES.values() if r.severity.value == "error"}
    relaxed = {r.id for r in RULES.values() if r.relaxed_for_generate}
    assert blocking - relaxed == blocking_before
    spec = tmp_path / "api.yaml"
    body = """
    servers: [{url: "https://{region}.example.com"}]
    paths:
      /a:
        get:
          operationId: a
          parameters:
            - {name: X-Trace, in: header, schema: {type: string}}
            - {name: x-trace, in: header, schema: {type: string}}
          responses:
            "200":
              description: ok
              content: {application/json: {schema: {$ref: '#/components/schemas/Page'}}}
    components:
      schemas:
        Page:
          type: object
          properties:
            items: {type: array}
            name: {type: string, minLength: 5, maxLength: 1}
    """
    spec.write_text(HEAD30 + textwrap.dedent(body))
    built = generate([spec], tmp_path / "out")
    rules = {w.rule for w in built[0].warnings}
    assert {"server-variables", "min-max", "array-items", "duplicate-parameters"} <= rules


def test_each_keyword_beside_a_ref_is_its_own_finding(tmp_path: Path) -> None:
    """As Redocly's spec-ref-siblings and Spectral's no-$ref-siblings place them: one per key."""
    body = """
    paths:
      /a:
        get:
          operationId: a
          responses:
            "200": {$ref: '#/components/responses/Ok', description: ignored too}
    components:
      responses:
        Ok: {description: ok}
      schemas:
        Count: {type: integer}
        Twice: {$ref: '#/components/schemas/Count', description: d, example: 3, x-note: kept}
    """
    found = fired(lint(tmp_path, body, HEAD30), "ref-siblings")
    assert pointers(found) == [
        "#/components/schemas/Twice/description",
        "#/components/schemas/Twice/example",
        "#/paths/~1a/get/responses/200/description",  # a response's reference, too
    ]


def test_a_webhook_without_an_operation_id_is_named(tmp_path: Path) -> None:
    """Redocly's operation-operationId covers webhooks too; a warning (nothing is generated)."""
    body = """
    paths: {}
    webhooks:
      newPet:
        post: {responses: {"200": {description: ok}}}
        delete: {operationId: petGone, responses: {"200": {description: ok}}}
    """
    found = fired(lint(tmp_path, body), "operation-id")
    assert [(s, p) for s, p, _ in found] == [("warning", "#/webhooks/newPet/post")]


def test_required_beside_allof_parts_must_be_defined_by_one(tmp_path: Path) -> None:
    """Azure's chatCompletionRequestMessageFunction: `required` beside `allOf` parts that list
    their properties names one none of them defines (Redocly's no-required-schema-properties-
    undefined); a name a part defines, or a part that takes any property, is fine."""
    body = """
    paths: {}
    components:
      schemas:
        Base:
          oneOf:  # Azure's chatCompletionRequestMessage: a oneOf of message objects
            - {type: object, properties: {role: {type: string}}}
            - {type: object, properties: {role: {type: string}, tool_call_id: {type: string}}}
        Message:
          allOf:
            - $ref: '#/components/schemas/Base'
            - {type: object, properties: {content: {type: string}}}
          required: [function_call_id, content, role]
        Open:
          allOf:
            - $ref: '#/components/schemas/Base'
            - {type: object, additionalProperties: {type: string}}
          required: [anything]
    """
    found = fired(lint(tmp_path, body), "required-properties")
    assert pointers(found) == ["#/components/schemas/Message/required/0"]


MISPLACED = """
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                files:
                  type: array
                  required: [file_id]
                  items: {type: object, properties: {file_id: {type: string}}}
                kind: {type: string, enum: [x], required: [a, b]}
                either:
                  type: [object, "null"]
                  required: [c]
                  properties: {c: {type: string}}
      responses: {"200": {description: ok}}
"""


def test_required_on_a_schema_that_is_not_an_object(tmp_path: Path) -> None:
    """Azure's `object: {type: string, required: [...]}` and OpenAI's `attachments: {type: array,
    required: [file_id, tools]}`: the names were meant elsewhere, nothing requires them."""
    found = fired(lint(tmp_path, MISPLACED, head=HEAD31), "required-misplaced")
    base = "#/paths/~1a/post/requestBody/content/application~1json/schema/properties"
    assert pointers(found) == [
        f"{base}/files/required/0",
        f"{base}/kind/required/0",
        f"{base}/kind/required/1",
    ]
    assert "meant for `items`" in found[0][2]
    assert {s for s, _, _ in found} == {"warning"}
    assert fired(lint(tmp_path, MISPLACED, head=HEAD31), "required-properties") == []
