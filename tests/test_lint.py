"""lint.py: each rule fires on the smallest document that breaks it, and stays quiet otherwise."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from apiforge.document.bundle import load_bundle
from apiforge.document.walk import iter_operations
from apiforge.findings.diagnostic import Diagnostic, Severity
from apiforge.validate.lint import RULES, lint_bundle

HEAD31 = 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\n'
HEAD30 = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n'
OK = '{"200": {description: ok}}'


def lint(tmp_path: Path, body: str, head: str = HEAD31, **files: str) -> list[Diagnostic]:
    spec = tmp_path / "api.yaml"
    spec.write_text(head + textwrap.dedent(body))
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return lint_bundle(load_bundle(spec, "api.yaml"))


def fired(diagnostics: list[Diagnostic], rule: str) -> list[tuple[str, str, str]]:
    return [(d.severity.value, d.pointer, d.message) for d in diagnostics if d.rule == rule]


def test_the_rules() -> None:
    assert {
        "additional-operations",
        "apiforge-extensions",
        "discriminator",
        "error-response-schema",
        "operation-id",
        "path-params",
        "path-template-names",
        "path-templates",
        "required-properties",
        "schema-refs",
        "security-schemes",
        "sequential-media",
        "version-keywords",
    } <= set(RULES)
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.summary and "\n" not in rule.summary
        assert rule.severity in (Severity.ERROR, Severity.WARNING)


CLEAN = """\
security: [{bearer: []}]
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getPet
      security: [{bearer: []}, {}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}
        "404":
          description: missing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        default: {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  responses:
    Problem:
      description: problem
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
  schemas:
    Error:
      type: object
      properties:
        message: {type: [string, "null"]}
        code: {type: integer, exclusiveMinimum: 0}
    Pet:
      oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Error"}]
      discriminator:
        propertyName: kind
        mapping: {cat: Cat, error: "#/components/schemas/Error"}
    Cat: {type: object}
"""


def test_a_clean_document_has_no_findings(tmp_path: Path) -> None:
    assert lint(tmp_path, CLEAN) == []


# -- operation-id ----------------------------------------------------------------------------------


def test_operation_id_missing_duplicate_and_unsafe(tmp_path: Path) -> None:
    body = f"""\
    paths:
      /a:
        get: {{responses: {OK}}}
        post: {{operationId: same, responses: {OK}}}
      /b:
        put: {{operationId: same, responses: {OK}}}
        delete: {{operationId: delete-it, responses: {OK}}}
        patch: {{operationId: class, responses: {OK}}}
    """
    found = fired(lint(tmp_path, body), "operation-id")
    assert found == [
        (
            "warning",
            "#/paths/~1a/get",
            "GET /a has no operationId; the client method name is guessed",
        ),
        ("error", "#/paths/~1b/put/operationId", "operationId 'same' is also used by POST /a"),
        (
            "warning",
            "#/paths/~1b/delete/operationId",
            "operationId 'delete-it' is not a safe identifier (letters, digits, _)",
        ),
        (
            "warning",
            "#/paths/~1b/patch/operationId",
            "operationId 'class' is not a safe identifier (letters, digits, _)",
        ),
    ]


# -- path-params -----------------------------------------------------------------------------------


def test_path_params_undeclared_and_unused(tmp_path: Path) -> None:
    body = """\
    paths:
      /pets/{petId}/toys/{toyId}:
        parameters:
          - {name: petId, in: path, required: true, schema: {type: string}}
        get:
          operationId: getToy
          parameters:
            - {name: colour, in: path, required: true, schema: {type: string}}
            - {name: toyId, in: query, schema: {type: string}}
          responses:
            "200": {description: ok}
    """
    found = fired(lint(tmp_path, body), "path-params")
    assert found == [
        (
            "error",
            "#/paths/~1pets~1{petId}~1toys~1{toyId}/get",
            "GET /pets/{petId}/toys/{toyId}: path parameter {toyId} is not declared",
        ),
        (
            "error",
            "#/paths/~1pets~1{petId}~1toys~1{toyId}/get/parameters/0",
            "path parameter 'colour' is not in the path '/pets/{petId}/toys/{toyId}'",
        ),
    ]


def test_a_path_template_naming_a_parameter_twice(tmp_path: Path) -> None:
    body = """\
    paths:
      /a/{id}/{action}/{id}:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
          - {name: action, in: path, required: true, schema: {type: string}}
        get: {operationId: a, responses: {"200": {description: ok}}}
        put: {operationId: b, responses: {"200": {description: ok}}}
    """
    found = fired(lint(tmp_path, body), "path-params")
    assert found == [  # once for the path, not once per operation
        (
            "error",
            "#/paths/~1a~1{id}~1{action}~1{id}",
            "path '/a/{id}/{action}/{id}' names {id} twice, but a parameter has one value",
        )
    ]


def test_path_params_declared_through_refs_are_seen(tmp_path: Path) -> None:
    body = """\
    paths:
      /pets/{petId}:
        get:
          operationId: getPet
          parameters: [{$ref: "#/components/parameters/PetId"}]
          responses:
            "200": {description: ok}
    components:
      parameters:
        PetId: {name: petId, in: path, required: true, schema: {type: string}}
    """
    assert fired(lint(tmp_path, body), "path-params") == []


def test_operations_in_a_path_item_from_another_file_are_linted(tmp_path: Path) -> None:
    body = """\
    paths:
      /pets/{petId}:
        $ref: "items.yaml#/Pet"
    """
    item = """\
    Pet:
      get:
        responses:
          "200": {description: ok}
    """
    diagnostics = lint(tmp_path, body, **{"items.yaml": item})
    assert [(Path(d.file).name, d.rule, d.pointer) for d in diagnostics] == [
        ("items.yaml", "operation-id", "#/Pet/get"),
        ("items.yaml", "path-params", "#/Pet/get"),
    ]


# -- security-schemes ------------------------------------------------------------------------------


def test_security_requirements_name_defined_schemes(tmp_path: Path) -> None:
    body = f"""\
    security: [{{apiKey: []}}]
    paths:
      /a:
        get:
          operationId: getA
          security: [{{bearer: []}}, {{oauth: [read]}}]
          responses: {OK}
    components:
      securitySchemes:
        bearer: {{type: http, scheme: bearer}}
    """
    found = fired(lint(tmp_path, body), "security-schemes")
    assert found == [
        ("error", "#/security/0/apiKey", "security scheme 'apiKey' is not defined"),
        ("error", "#/paths/~1a/get/security/1/oauth", "security scheme 'oauth' is not defined"),
    ]


# -- discriminator ---------------------------------------------------------------------------------


def test_discriminator_mapping_must_resolve(tmp_path: Path) -> None:
    body = """\
    paths: {}
    components:
      schemas:
        Pet:
          oneOf: [{$ref: "#/components/schemas/Cat"}]
          discriminator:
            propertyName: kind
            mapping:
              cat: Cat
              dog: Dog
              bird: "#/components/schemas/Bird"
        Cat: {type: object}
    """
    found = fired(lint(tmp_path, body), "discriminator")
    at = "#/components/schemas/Pet/discriminator/mapping"
    assert found == [
        ("error", f"{at}/dog", "discriminator mapping 'dog' -> 'Dog' does not resolve"),
        (
            "error",
            f"{at}/bird",
            "discriminator mapping 'bird' -> '#/components/schemas/Bird' does not resolve",
        ),
    ]


# -- version-keywords ------------------------------------------------------------------------------


def test_30_keywords_in_a_31_document(tmp_path: Path) -> None:
    body = """\
    paths: {}
    components:
      schemas:
        A: {type: string, nullable: true}
        B: {type: integer, minimum: 0, exclusiveMinimum: true}
    """
    found = fired(lint(tmp_path, body), "version-keywords")
    assert [(sev, at) for sev, at, _ in found] == [
        ("error", "#/components/schemas/A/nullable"),
        ("error", "#/components/schemas/B/exclusiveMinimum"),
    ]


def test_31_keywords_in_a_30_document(tmp_path: Path) -> None:
    body = """\
    paths: {}
    components:
      schemas:
        A: {type: [string, "null"]}
        B: {type: integer, exclusiveMaximum: 10}
        C: {const: 1}
    """
    found = fired(lint(tmp_path, body, head=HEAD30), "version-keywords")
    assert [(sev, at) for sev, at, _ in found] == [
        ("error", "#/components/schemas/A/type"),
        ("error", "#/components/schemas/B/exclusiveMaximum"),
        ("warning", "#/components/schemas/C/const"),
    ]


def test_each_versions_own_keywords_are_fine(tmp_path: Path) -> None:
    body30 = "paths: {}\ncomponents:\n  schemas:\n    A: {type: string, nullable: true, exclusiveMinimum: true, minimum: 1}\n"
    body31 = "paths: {}\ncomponents:\n  schemas:\n    A: {type: [string, 'null'], exclusiveMinimum: 1, const: x}\n"
    assert fired(lint(tmp_path, body30, head=HEAD30), "version-keywords") == []
    assert fired(lint(tmp_path, body31), "version-keywords") == []


def test_keywords_inside_examples_are_not_schemas(tmp_path: Path) -> None:
    body = """\
    paths: {}
    components:
      schemas:
        A:
          type: object
          example: {nullable: true}
          properties:
            nullable: {type: boolean}
    """
    assert fired(lint(tmp_path, body), "version-keywords") == []


# -- error-response-schema -------------------------------------------------------------------------


def test_error_responses_need_a_body_schema(tmp_path: Path) -> None:
    body = """\
    paths:
      /a:
        get:
          operationId: getA
          responses:
            "200": {description: ok}
            "404": {description: missing}
            "5XX":
              description: broken
              content: {application/json: {}}
            default: {$ref: "#/components/responses/Bare"}
            "429":
              description: slow down
              content:
                application/json: {schema: {type: object}}
    components:
      responses:
        Bare: {description: bare}
    """
    found = fired(lint(tmp_path, body), "error-response-schema")
    assert [(sev, at) for sev, at, _ in found] == [
        ("warning", "#/paths/~1a/get/responses/404"),
        ("warning", "#/paths/~1a/get/responses/5XX"),
        ("warning", "#/paths/~1a/get/responses/default"),
    ]
    assert found[0][2] == "GET /a: error response 404 has no body schema"


# -- shape -----------------------------------------------------------------------------------------


def test_findings_are_sorted_and_located(tmp_path: Path) -> None:
    body = f"""\
    paths:
      /b:
        get: {{responses: {OK}}}
      /a:
        get: {{responses: {OK}}}
    """
    diagnostics = lint(tmp_path, body)
    assert [(d.line, d.col, d.pointer) for d in diagnostics] == [
        (5, 10, "#/paths/~1b/get"),
        (7, 10, "#/paths/~1a/get"),
    ]
    assert all(d.file == "api.yaml" and d.severity is Severity.WARNING for d in diagnostics)


def test_iter_operations_follows_path_item_refs(tmp_path: Path) -> None:
    body = """\
    paths:
      /a: {$ref: "#/components/pathItems/A"}
      /b: {get: {responses: {"200": {description: ok}}}}
    components:
      pathItems:
        A: {post: {responses: {"200": {description: ok}}}}
    """
    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD31 + textwrap.dedent(body))
    found = [(o.path, o.method, o.pointer) for o in iter_operations(load_bundle(spec).data)]
    assert found == [
        ("/a", "post", "#/components/pathItems/A/post"),
        ("/b", "get", "#/paths/~1b/get"),
    ]


@pytest.mark.parametrize("paths", ["paths: []", "paths: {/a: 5}", "paths: {/a: {get: 5}}"])
def test_malformed_documents_do_not_crash_the_rules(tmp_path: Path, paths: str) -> None:
    body = f"{paths}\nsecurity: 5\ncomponents: {{schemas: []}}\n"
    assert lint(tmp_path, body) == []


def test_apiforge_extensions_rule_fires_on_malformed_extensions(tmp_path: Path) -> None:
    from apiforge.document.bundle import load_bundle
    from apiforge.validate.lint import lint_bundle

    spec = tmp_path / "ext.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "x-apiforge-error-envelope: {message: error.message, colour: /x}\n"
        "paths:\n  /a:\n    post:\n      operationId: a\n"
        "      x-apiforge-rate-limit: {requests-per-second: -1}\n"
        "      x-apiforge-models-without-tools: {prefixes: perplexity/}\n"
        "      responses: {'200': {description: ok}}\n"
        "components:\n  schemas:\n    R: {type: object, x-apiforge-unknown-properties: drop}\n"
    )
    found = [d for d in lint_bundle(load_bundle(spec)) if d.rule == "apiforge-extensions"]
    assert {d.line for d in found} == {3, 8, 9, 13}
    assert all(d.is_error for d in found)


def test_apiforge_extensions_rule_accepts_the_shipped_specs() -> None:
    from apiforge.document.bundle import load_bundle
    from apiforge.validate.lint import lint_bundle
    from tests.helpers import REPO

    for name in ("gateway", "provider", "sandbox"):
        found = lint_bundle(load_bundle(REPO / "spec" / f"{name}.yaml"))
        assert [d for d in found if d.rule == "apiforge-extensions"] == []


def test_templates_that_differ_only_in_parameter_names_are_one_route(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        paths:
          /v1/x/{id}:
            get: {operationId: a, parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: RESP}
          /v1/x/{item}:
            get: {operationId: b, parameters: [{name: item, in: path, required: true, schema: {type: string}}], responses: RESP}
          /v1/x/{item}/y:
            get: {operationId: c, parameters: [{name: item, in: path, required: true, schema: {type: string}}], responses: RESP}
        """.replace("RESP", OK),
    )
    hits = fired(found, "path-templates")
    assert len(hits) == 1
    severity, pointer, message = hits[0]
    assert severity == "error" and pointer == "#/paths/~1v1~1x~1{item}"
    assert "/v1/x/{id}" in message and "/v1/x/{item}" in message
    assert found[[d.rule for d in found].index("path-templates")].line == 8  # the path item


def test_a_schema_ref_must_land_on_a_schema(tmp_path: Path) -> None:
    found = lint(
        tmp_path,
        """
        paths:
          /v1/x:
            get:
              operationId: getX
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          a: {$ref: "#/info"}
                          b: {$ref: "#/components/responses/Gone"}
                          c: {$ref: "#/components/schemas/Pet/properties/name"}
                          d: {$ref: "#/components/schemas/Pet"}
        components:
          schemas:
            Pet: {type: object, properties: {name: {type: string}}}
          responses:
            Gone: {description: gone}
        """,
    )
    hits = fired(found, "schema-refs")
    assert [(h[0], h[1].rsplit("/", 2)[-2]) for h in hits] == [("error", "a"), ("error", "b")]
    assert "'#/info'" in hits[0][2] and "'#/components/responses/Gone'" in hits[1][2]


def test_same_templates_with_no_method_in_common_are_their_own_rule(tmp_path: Path) -> None:
    """OpenAPI forbids it, but a server routes by method: a rule `generate` only warns about."""
    found = lint(
        tmp_path,
        """
        paths:
          /render/{renderId}:
            get: {operationId: a, parameters: [{name: renderId, in: path, required: true, schema: {type: string}}], responses: RESP}
          /render/{templateId}:
            post: {operationId: b, parameters: [{name: templateId, in: path, required: true, schema: {type: string}}], responses: RESP}
        """.replace("RESP", OK),
    )
    assert fired(found, "path-templates") == []
    [(severity, pointer, message)] = fired(found, "path-template-names")
    assert severity == "error" and pointer == "#/paths/~1render~1{templateId}"
    assert "OpenAPI forbids" in message and "/render/{renderId}" in message


def test_generate_warns_about_one_route_and_keeps_both_client_methods(tmp_path: Path) -> None:
    """Clients are right about each operation; only a server cannot route both (seen in Trello's,
    Google's and VTEX's public documents): `validate` refuses, `generate` warns."""
    from tests.helpers import run_cli

    spec = tmp_path / "api.yaml"
    body = """
        paths:
          /v1/x/{id}:
            get: {operationId: byId, parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: RESP}
          /v1/x/{name}:
            get: {operationId: byName, parameters: [{name: name, in: path, required: true, schema: {type: string}}], responses: RESP}
        """
    spec.write_text(HEAD31 + textwrap.dedent(body).replace("RESP", OK))
    assert run_cli("validate", str(spec)).returncode == 1
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    [warning] = [line for line in done.stdout.splitlines() if "[path-templates]" in line]
    assert ": warning: " in warning and "answers both with the first" in warning
    client = (tmp_path / "out" / "api" / "client.py").read_text()
    assert "def by_id(" in client and "def by_name(" in client


REQUIRED = """\
paths: {}
components:
  schemas:
    Closed:
      type: object
      properties: {a: {type: string}}
      required: [a, gone]
      additionalProperties: false
    Listed: {type: object, properties: {a: {type: string}}, required: [missing]}
    Base: {type: object, properties: {base: {type: string}}}
    FromParts:
      allOf:
        - $ref: '#/components/schemas/Base'
        - {type: object, properties: {own: {type: string}}, required: [base, own, nowhere]}
      required: [base]
    FromBranch:
      type: object
      properties: {a: {type: string}}
      oneOf:
        - {properties: {b: {type: string}}}
        - {properties: {c: {type: string}}, required: [a, c]}
      required: [a, b]
    ByPattern:
      type: object
      properties: {a: {type: string}}
      patternProperties: {'^x_': {type: string}}
      required: [x_1, q]
      additionalProperties: false
    Unchecked:  # a pattern the linear engine cannot check is taken to match
      type: object
      properties: {a: {type: string}}
      patternProperties: {'(?<=y)z': {}}
      required: [yz]
    OpenExtra:
      type: object
      properties: {a: {type: string}}
      additionalProperties: {type: string}
      required: [anything]
    OnlyRequired:
      type: object
      properties: {a: {type: string}, b: {type: string}}
      anyOf: [{required: [a]}, {required: [b]}]
      not: {required: [a, b]}
"""


def test_required_names_must_be_defined(tmp_path: Path) -> None:
    """The issue's case (a property removed, the name left in `required`, extras refused) and the
    same mistake with properties listed; names from allOf parts, anyOf/oneOf branches, the
    schema a branch belongs to, patternProperties and a schema of additionalProperties count;
    the "one of these" idioms (`anyOf: [{required: [a]}, ...]`, `not: {required}`) are fine."""
    found = fired(lint(tmp_path, REQUIRED), "required-properties")
    at = "#/components/schemas"
    closed = "; with additionalProperties: false no object is valid"
    assert found == [
        (
            "error",
            f"{at}/Closed/required/1",
            f"required property 'gone' is not defined in properties{closed}",
        ),
        (
            "error",
            f"{at}/Listed/required/0",
            "required property 'missing' is not defined in properties",
        ),
        (
            "error",
            f"{at}/FromParts/allOf/1/required/2",
            "required property 'nowhere' is not defined in properties",
        ),
        (
            "error",
            f"{at}/ByPattern/required/1",
            f"required property 'q' is not defined in properties{closed}",
        ),
    ]


def test_required_names_are_an_error_for_validate(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD31 + REQUIRED)
    done = run_cli("validate", "api.yaml", cwd=tmp_path)  # paths print relative to the cwd
    assert done.returncode == 1
    assert "api.yaml:9:21: error: required property 'gone' is not defined" in done.stdout


def test_generate_warns_about_undefined_required_names(tmp_path: Path) -> None:
    from tests.helpers import run_cli

    spec = tmp_path / "api.yaml"
    spec.write_text(HEAD31 + REQUIRED)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if "[required-properties]" in line]
    # where additionalProperties is not false, repair declares the name (a warning of its own);
    # the two closed schemas accept no object, and their models none either
    assert len(warnings) == 2 and all(": warning: " in line for line in warnings)
    assert all("no object is valid" in line for line in warnings)
