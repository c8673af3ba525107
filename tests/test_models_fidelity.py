"""Models accept what the schema allows: 3.0 `nullable` on required properties, optional consts
of any type, and schemas that can never match (issue 21, classes 1, 10 and 11).

Each case generates a package with the CLI, type-checks it with mypy --strict, and runs it.
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from apiforge.codegen.nullability import allows_null, not_null_fields
from apiforge.document.bundle import load_bundle
from apiforge.findings.diagnostic import SpecError
from apiforge.models import library, stage
from apiforge.models.index import index_models
from apiforge.pipeline import file_header
from apiforge.plan.operations import plan_models
from apiforge.repair.mistakes import repair_bundle
from tests.helpers import import_fresh, mypy_strict, run_cli

NULLABLE_30 = """
openapi: 3.0.3
info: {title: nullable, version: "1"}
paths:
  /v1/messages:
    post:
      operationId: createMessage
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Message"}
      responses:
        "200":
          description: the message as stored
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Message"}
components:
  schemas:
    Logprobs:
      type: object
      properties:
        tokens: {type: array, items: {type: string}}
    Role: {type: string, enum: [user, tool], nullable: true}
    Message:
      type: object
      required: [content, logprobs, finish_reason, plain, sender]
      properties:
        sender: {$ref: "#/components/schemas/Role"}
        content: {type: string, nullable: true}
        logprobs:
          nullable: true
          allOf: [{$ref: "#/components/schemas/Logprobs"}]
        finish_reason: {type: string, enum: [stop, length], nullable: true}
        plain: {type: string}
        note: {type: string, nullable: true}
        role: {type: string, default: user}
        name: {type: string}
        user: {type: string, nullable: false}
"""

NULLABLE_31 = """
openapi: 3.1.0
info: {title: nullable, version: "1"}
paths: {}
components:
  schemas:
    Logprobs:
      type: object
      properties:
        tokens: {type: array, items: {type: string}}
    Role: {type: [string, "null"], enum: [user, tool, null]}
    Message:
      type: object
      required: [content, logprobs, plain, sender]
      properties:
        sender: {$ref: "#/components/schemas/Role"}
        content: {type: [string, "null"]}
        logprobs:
          anyOf: [{$ref: "#/components/schemas/Logprobs"}, {type: "null"}]
        plain: {type: string}
        note: {type: [string, "null"]}
        role: {type: string, default: user}
        name: {type: string}
"""


def _generate(tmp_path: Path, spec_text: str, *, suffix: str = "") -> Path:
    """Generate package `api` from the spec text with the CLI and type-check it strictly."""
    spec = tmp_path / f"api{suffix}.yaml"
    spec.write_text(spec_text)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "out"
    (out / "__init__.py").unlink(missing_ok=True)  # the package alone, as a user imports it
    checked = mypy_strict(f"api{suffix}", cwd=out)
    assert checked.returncode == 0, checked.stdout
    return out


def _schema_doc(spec_text: str) -> dict[str, Any]:
    import yaml

    doc: dict[str, Any] = yaml.safe_load(spec_text)
    return doc


@pytest.mark.parametrize("spec_text", [NULLABLE_30, NULLABLE_31], ids=["3.0", "3.1"])
def test_a_property_is_nullable_exactly_when_its_schema_says_so(
    tmp_path: Path, spec_text: str
) -> None:
    """Required or not: null is accepted where the schema allows it, refused where it does not,
    and the request-side table (NOT_NULL) covers the optional properties the models let through."""
    out = _generate(tmp_path, spec_text)
    models: Any = import_fresh(out, "api.models")
    doc = _schema_doc(spec_text)
    properties = doc["components"]["schemas"]["Message"]["properties"]
    base = {"content": "hi", "logprobs": {"tokens": []}, "finish_reason": "stop", "plain": "p"}
    base = {k: v for k, v in base.items() if k in properties} | {"sender": "user"}
    required = set(doc["components"]["schemas"]["Message"]["required"])
    index = index_models((out / "api" / "models.py").read_text())
    table = {e.model: set(e.wire_names) for e in not_null_fields(doc, index, ["Message"])}
    for name, schema in properties.items():
        try:
            models.Message.model_validate({**base, name: None})
            accepted = True
        except Exception:
            accepted = False
        spec_allows = allows_null(schema, doc)
        if name in required or "default" in schema:
            assert accepted == spec_allows, name
        else:  # `x: T | None = None`: the server refuses a null the spec forbids by NOT_NULL
            assert spec_allows or name in table.get("Message", set()), name


@pytest.mark.parametrize("spec_text", [NULLABLE_30, NULLABLE_31], ids=["3.0", "3.1"])
def test_replies_round_trip_through_the_models(tmp_path: Path, spec_text: str) -> None:
    """What a real reply carries (`content: null`, `logprobs: null`) parses, and dumping what was
    set gives the reply back, an optional property with a default left out as it was."""
    out = _generate(tmp_path, spec_text)
    models: Any = import_fresh(out, "api.models")
    properties = _schema_doc(spec_text)["components"]["schemas"]["Message"]["properties"]
    for reply in (
        {"content": None, "logprobs": None, "finish_reason": None, "plain": "p", "sender": None},
        {"content": "x", "logprobs": {"tokens": ["a"]}, "finish_reason": "stop", "plain": "p"},
        {"content": None, "logprobs": None, "finish_reason": None, "plain": "p", "role": "tool"},
        {"content": "", "logprobs": None, "finish_reason": None, "plain": "", "note": None},
    ):
        reply.setdefault("sender", "tool")
        reply = {k: v for k, v in reply.items() if k in properties}
        message = models.Message.model_validate(reply)
        dumped = message.model_dump(mode="json", by_alias=True, exclude_unset=True)
        assert dumped == reply
        assert message.role == reply.get("role", "user")  # the default still applies


def test_the_server_answers_its_handlers_null_and_the_client_reads_it(tmp_path: Path) -> None:
    """The 3.0 document of the issue: the generated server validated its own handler's
    `content: None` into a 500, and the generated client refused the reply."""
    out = _generate(tmp_path, NULLABLE_30)
    server: Any = import_fresh(out, "api.server")
    models: Any = sys.modules["api.models"]

    class Handler:
        async def create_message(self, body: Any, context: Any) -> Any:
            null = {"content": None, "logprobs": None, "finish_reason": None, "sender": None}
            return models.Message(plain="p", **null)

    sent = {"content": "hi", "logprobs": None, "finish_reason": None, "plain": "p", "sender": None}
    with TestClient(server.create_app(Handler())) as http:
        answer = http.post("/v1/messages", json=sent)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**sent, "content": None}
    client: Any = sys.modules.get("api.client") or import_fresh(out, "api.client")
    reply = httpx.MockTransport(lambda request: httpx.Response(200, content=answer.content))
    with client.Client(base_url="http://api.test", transport=reply) as api:
        got = api.create_message(**sent)
    assert got.content is None and got.logprobs is None


CONSTS = """
openapi: 3.1.0
info: {title: consts, version: "1"}
paths: {}
components:
  schemas:
    Settings:
      type: object
      required: [fixed]
      properties:
        fixed: {const: 2.5}
        ratio: {const: 1.5}
        typed_ratio: {type: number, const: 1.5}
        count: {const: 3}
        flag: {const: true}
        shape: {const: {kind: square}}
        sizes: {const: [1, 2]}
        word: {const: hi}
        nothing: {const: null}
"""


def test_an_optional_const_of_any_type_may_be_left_out(tmp_path: Path) -> None:
    """`ratio: {const: 1.5}` optional was typed `float = None`, which mypy refuses (the package
    must pass mypy --strict: `_generate` checks it); optional means `| None` whatever the const."""
    out = _generate(tmp_path, CONSTS)
    models: Any = import_fresh(out, "api.models")
    settings = models.Settings(fixed=2.5)
    optional = ["ratio", "typed_ratio", "count", "flag", "shape", "sizes", "word", "nothing"]
    assert all(getattr(settings, name) is None for name in optional)
    full = {"fixed": 2.5, "ratio": 1.5, "typed_ratio": 1.5, "count": 3, "flag": True}
    full |= {"shape": {"kind": "square"}, "sizes": [1, 2], "word": "hi"}
    parsed = models.Settings.model_validate(full)
    assert parsed.model_dump(mode="json", exclude_unset=True) == full
    for name, field in models.Settings.model_fields.items():
        if not field.is_required():
            admitted = typing.get_args(field.annotation) or (field.annotation,)
            assert type(None) in admitted, name


NEVER = """
openapi: 3.1.0
info: {title: never, version: "1"}
paths:
  /v1/never:
    post:
      operationId: sendNever
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Never"}
      responses:
        "204": {description: never answered}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
    Never:
      description: A pet that is no value at all.
      allOf:
        - $ref: "#/components/schemas/Pet"
        - false
    Holder:
      type: object
      properties:
        pet: {$ref: "#/components/schemas/Pet"}
        never: {$ref: "#/components/schemas/Never"}
        inline:
          allOf: [{$ref: "#/components/schemas/Pet"}, false]
        puppy:
          allOf: [{$ref: "#/components/schemas/Never"}, {type: object}]
"""


def test_a_schema_that_can_never_match_is_a_model_that_accepts_nothing(tmp_path: Path) -> None:
    """`allOf: [{$ref: Pet}, false]` is valid JSON Schema; the document was refused at `1:1`.
    Now the package type-checks, imports, and its models refuse every value there."""
    out = _generate(tmp_path, NEVER)
    models: Any = import_fresh(out, "api.models")
    for bad in ({}, {"name": "rex"}, None, 3):
        with pytest.raises(ValueError, match="no value is valid"):
            models.Never.model_validate(bad)
    holder = models.Holder.model_validate({"pet": {"name": "rex"}})  # absent is fine
    assert holder.pet.name == "rex"
    for field in ("never", "inline", "puppy"):
        with pytest.raises(ValueError, match="no value is valid"):
            models.Holder.model_validate({field: {"name": "rex"}})
    server: Any = import_fresh(out, "api.server")

    class Handler:
        async def send_never(self, body: Any, context: Any) -> None:
            raise AssertionError("no body can reach the handler")

    with TestClient(server.create_app(Handler())) as http:
        answer = http.post("/v1/never", json={"name": "rex"})
    assert answer.status_code == 400, answer.text


def test_a_schema_that_can_never_match_is_named_with_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "never.yaml"
    spec.write_text(NEVER)
    bundle, _ = repair_bundle(load_bundle(spec, "never.yaml"))
    plan = plan_models(bundle)
    _source, index = stage.build_models(
        plan, file_header("never.yaml"), "never.yaml", locate=bundle.diagnostic
    )
    found = sorted((d.line, d.pointer, d.severity.value) for d in index.warnings)
    assert found == [
        (22, "#/components/schemas/Never", "warning"),
        (32, "#/components/schemas/Holder/properties/inline", "warning"),
        (34, "#/components/schemas/Holder/properties/puppy", "warning"),
    ]


def test_a_library_failure_that_names_a_schema_is_placed_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library names the schema of its failure by its path in our renamed copy; the error
    names the spec's own pointer, at its line, not `1:1 (at #)`."""
    from datamodel_code_generator import SchemaParseError  # type: ignore[attr-defined]

    spec = tmp_path / "api.yaml"
    spec.write_text(NEVER.replace("Holder:", "holder-box:"))
    bundle, _ = repair_bundle(load_bundle(spec, "api.yaml"))
    plan = plan_models(bundle)
    renamed = plan.schema_classes["#/components/schemas/holder-box"]
    assert renamed != "holder-box"

    def refuse(text: str, header: str) -> str:
        raise SchemaParseError("no", path=["#/components/schemas", renamed, "properties", "pet"])

    monkeypatch.setattr(library, "run_library", refuse)
    with pytest.raises(SpecError) as caught:
        stage.build_models(plan, "# h", "api.yaml", locate=bundle.diagnostic)
    (error,) = caught.value.diagnostics
    assert error.pointer == "#/components/schemas/holder-box/properties/pet"
    assert (error.file, error.line, error.col) == ("api.yaml", 29, 14)
    assert json.dumps(error.message).count("schema path") == 1


FORMATS_AND_EXTRAS = """
openapi: 3.1.0
info: {title: formats, version: "1"}
paths: {}
components:
  schemas:
    Record:
      type: object
      properties:
        at: {type: string, format: date-time}
        day: {type: string, format: date}
        clock: {type: string, format: time}
        lasts: {type: string, format: duration}
        link: {type: string, format: uri}
        id: {type: string, format: uuid}
        ip: {type: string, format: ipv6}
        blob: {type: string, format: byte}
        secret: {type: string, format: password}
        mail: {type: string, format: email}
        host: {type: string, format: hostname}
        price: {type: number, format: decimal}
        amount: {type: string, format: decimal}
        count: {type: integer, format: int64}
        inner: {type: object, properties: {a: {type: string}}}
    Closed:
      type: object
      additionalProperties: false
      properties: {a: {type: string}}
    Typed:
      type: object
      additionalProperties: {type: integer}
      properties: {a: {type: string}}
"""


def test_formats_are_annotations_and_undeclared_properties_are_kept(tmp_path: Path) -> None:
    """A value the schema allows dumps back as written: formats never refuse or rewrite text
    (AnyUrl's slash, a datetime's seven digits, SecretStr's stars, base64 padding), and an object
    that does not close itself keeps the keys it does not declare, at any depth."""
    out = _generate(tmp_path, FORMATS_AND_EXTRAS)
    models: Any = import_fresh(out, "api.models")
    reply = {
        "at": "2024-01-01T00:00:00.0000000Z",
        "day": "not a date, and formats do not refuse",
        "clock": "12:00",
        "lasts": "P1D",
        "link": "http://example.com",
        "id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "ip": "2001:0db8:0000:0000:0000:0000:0000:0001",
        "blob": "|",
        "secret": "hunter2",
        "mail": "no at sign",
        "host": "-not a hostname-",
        "price": 0.1,
        "amount": "0.10",
        "count": 2**62,
        "inner": {"a": "x", "undeclared": [1, {"deep": None}]},
        "also": {"not": "declared"},
    }
    record = models.Record.model_validate(reply)
    assert record.model_dump(mode="json", by_alias=True, exclude_unset=True) == reply
    assert models.Typed.model_validate({"a": "x", "n": 1}).model_dump(exclude_unset=True) == {
        "a": "x",
        "n": 1,
    }
    for refused in ({"a": "x", "n": "one"},):  # the extras' schema still holds
        with pytest.raises(ValueError):
            models.Typed.model_validate(refused)
    with pytest.raises(ValueError):  # additionalProperties: false still closes
        models.Closed.model_validate({"a": "x", "other": 1})


FOREIGN_KEYWORDS = """
openapi: 3.1.0
info: {title: foreign, version: "1"}
paths: {}
components:
  schemas:
    Page:
      type: object
      properties:
        queries: {type: array, items: {type: string, minItems: 1}}
        tags: {type: array, minLength: 2, maxItems: 3}
        count: {type: integer, maxLength: 1, maximum: 9}
"""


def test_a_keyword_of_another_type_is_ignored_as_json_schema_ignores_it(tmp_path: Path) -> None:
    """`minItems` on a string (Azure's search_query) constrains nothing; the library made it a
    minimum length. A keyword of the schema's own type still holds."""
    out = _generate(tmp_path, FOREIGN_KEYWORDS)
    models: Any = import_fresh(out, "api.models")
    page = {"queries": ["", "a"], "tags": [], "count": 10**6 // 10**6}
    assert models.Page.model_validate(page).model_dump(mode="json", exclude_unset=True) == page
    for refused in ({"tags": [1, 2, 3, 4]}, {"count": 10}):
        with pytest.raises(ValueError):
            models.Page.model_validate(refused)
