"""`apiforge generate` and `apiforge check` end to end: determinism, atomicity, staleness, odd specs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apiforge.findings.diagnostic import SpecError
from apiforge.models.cache import OFF
from apiforge.output.write import MANIFEST
from apiforge.pipeline import generate
from tests.helpers import APIFORGE, REPO, import_fresh, mypy_strict, run_cli, tree_bytes


def test_output_is_identical_under_different_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "4242"):
        out = tmp_path / seed
        quiet = ["--out", str(out), "--quiet", "--no-cache"]  # each seed runs the model library
        done = run_cli("generate", *quiet, env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        trees.append(tree_bytes(out))
    assert trees[0] == trees[1]
    assert len(trees[0]) > 30  # three whole packages, not an empty tree


def test_output_has_no_timestamps_or_absolute_paths(tmp_path: Path) -> None:
    done = run_cli("generate", "--out", str(tmp_path), "--quiet")
    assert done.returncode == 0
    for name, data in tree_bytes(tmp_path).items():
        text = data.decode()
        assert str(REPO) not in text, name
        assert str(tmp_path) not in text, name
        assert "timestamp:" not in text.lower(), name


def _copy_project(tmp_path: Path) -> Path:
    """A throwaway copy of the project's specs and generated code to edit."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "spec", project / "spec")
    # a project has a root marker; generated headers name the spec relative to it
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(
        REPO / "generated", project / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    return project


def test_check_passes_on_a_clean_tree_and_names_a_hand_edited_file(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    assert run_cli("check", cwd=project).returncode == 0
    models = project / "generated" / "gateway" / "models.py"
    models.write_text(models.read_text() + "\n# hand edit\n")
    done = run_cli("check", cwd=project)
    assert done.returncode == 1
    assert "generated/gateway/models.py: error: differs" in done.stdout


def test_check_fails_after_a_spec_edit_without_regeneration(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    spec = project / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("title:", "title: Edited", 1))
    done = run_cli("check", cwd=project)
    assert done.returncode == 1
    assert "generated/sandbox/" in done.stdout
    assert run_cli("generate", "--quiet", cwd=project).returncode == 0
    assert run_cli("check", cwd=project).returncode == 0


def test_check_reports_extra_and_missing_files(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    (project / "generated" / "provider" / "stray.py").write_text("x = 1\n")
    (project / "generated" / "gateway" / "py.typed").unlink()
    done = run_cli("check", cwd=project)
    assert done.returncode == 1
    assert "generated/provider/stray.py: error: extra" in done.stdout
    assert "generated/gateway/py.typed: error: missing" in done.stdout


def test_check_fails_on_an_invalid_spec(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    spec = project / "spec" / "sandbox.yaml"
    spec.write_text(spec.read_text().replace("openapi: 3.1.0", "openapi: 3.1.0\nopenapi: 3.0.0", 1))
    done = run_cli("check", cwd=project)
    assert done.returncode == 1
    assert "duplicate key 'openapi'" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_broken_spec_leaves_the_previous_output_byte_identical(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    before = tree_bytes(project / "generated")
    spec = project / "spec" / "provider.yaml"
    spec.write_text(
        spec.read_text().replace("operationId: createChatCompletion", "operationId: [oops")
    )
    done = run_cli("generate", cwd=project)
    assert done.returncode == 1
    assert "nothing was written" in done.stdout
    assert tree_bytes(project / "generated") == before
    assert not [p for p in (project / "generated").iterdir() if p.name.startswith(".apiforge")]


def test_a_failure_while_formatting_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a failure after models were rendered (the last stage before the swap) writes nothing."""
    project = _copy_project(tmp_path)
    before = tree_bytes(project / "generated")
    (project / "spec" / "sandbox.yaml").write_text(
        (project / "spec" / "sandbox.yaml").read_text().replace("title:", "title: Changed", 1)
    )

    def broken_format(root: Path, config: object, store: object = None) -> Callable[[], None]:
        def finish() -> None:  # ruff fails while the checks run: seen when it is waited for
            raise RuntimeError("formatter crashed")

        return finish

    monkeypatch.setattr("apiforge.pipeline.begin_format_tree", broken_format)
    with pytest.raises(RuntimeError):
        generate(sorted((project / "spec").glob("*.yaml")), project / "generated")
    assert tree_bytes(project / "generated") == before
    assert not [p for p in (project / "generated").iterdir() if p.name.startswith(".apiforge")]


def test_generate_refuses_invalid_input_without_writing(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n"
    )
    with pytest.raises(SpecError) as err:
        generate([spec], tmp_path / "out")
    assert any("path parameter {id} is not declared" in d.message for d in err.value.diagnostics)
    assert not (tmp_path / "out" / "bad").exists()


def test_cli_generate_prints_a_summary_and_progress_only_on_a_terminal(tmp_path: Path) -> None:
    piped = run_cli("generate", "--out", str(tmp_path / "a"))
    assert piped.returncode == 0
    assert "apiforge: wrote 3 package(s) (gateway, provider, sandbox)" in piped.stdout
    assert piped.stderr == ""  # progress only on a terminal
    if sys.platform == "win32":  # pragma: no cover
        return
    import pty

    out_dir = tmp_path / "b"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*APIFORGE, "generate", "--out", str(out_dir)],
        cwd=REPO,
        stdout=slave,
        stderr=slave,
        stdin=slave,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(master)
    shown = b"".join(chunks).decode()
    assert "gateway: load" in shown and "format" in shown and "write" in shown
    quiet = run_cli("generate", "--out", str(tmp_path / "c"), "--quiet")
    assert quiet.stderr == "" and quiet.stdout.count("\n") == 1


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


def test_a_lint_error_that_leaves_code_well_defined_is_a_warning_for_generate(
    tmp_path: Path,
) -> None:
    """validate stays strict; generate warns at file:line, writes code that imports, and check
    does not take the package for strictly valid."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "api.yaml").write_text(UNKNOWN_SCHEME)
    refused = run_cli("validate", "api.yaml", cwd=tmp_path)
    assert refused.returncode == 1
    assert "api.yaml:7:" in refused.stdout and "error" in refused.stdout
    done = run_cli("generate", "api.yaml", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    shown = done.stdout + done.stderr
    assert "api.yaml:7:" in shown and "warning" in shown and "NoSuchScheme" in shown
    imported = subprocess.run(
        [sys.executable, "-c", "import out.api.client, out.api.server"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    manifest = (tmp_path / "out" / "api" / MANIFEST).read_text()
    assert '"strictly_valid": false' in manifest


EMAILS = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Person:
      type: object
      required: [mail]
      properties:
        mail: {type: string, format: email}
        idn: {type: string, format: idn-email}
"""


def test_email_formats_import_without_email_validator(tmp_path: Path) -> None:
    """EmailStr would need email-validator, which apiforge does not bring: emails are strings."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "api.yaml").write_text(EMAILS)
    done = run_cli("generate", "api.yaml", "--out", "out", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    code = (
        "import sys; sys.modules['email_validator'] = None\n"
        "from out.api.models import Person\n"
        "assert Person(mail='a@example.com', idn='b@example.com').mail == 'a@example.com'\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr


SAME_TEMPLATE_OTHER_METHODS = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /render/{renderId}:
    get:
      operationId: getRender
      parameters: [{name: renderId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}}
  /render/{templateId}:
    post:
      operationId: render
      parameters: [{name: templateId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}}
"""


def test_templates_differing_only_in_names_but_not_in_methods_are_served_by_method(
    tmp_path: Path,
) -> None:
    """A real document's GET /render/{renderId} + POST /render/{templateId}: generate warns, and the
    server answers each method from its own operation, with its own parameter name."""
    from starlette.testclient import TestClient

    spec = tmp_path / "routes.yaml"
    spec.write_text(SAME_TEMPLATE_OTHER_METHODS)
    [built] = generate([spec], tmp_path / "out")
    assert [w.rule for w in built.warnings] == ["path-template-names"]
    server: Any = import_fresh(tmp_path / "out", "routes.server")
    models: Any = sys.modules["routes.models"]

    class Handler:
        async def get_render(self, params: Any, context: Any) -> Any:
            return models.GetRenderResponse(id=f"got {params.render_id}")

        async def render(self, params: Any, context: Any) -> Any:
            return models.RenderResponse(id=f"rendered {params.template_id}")

    with TestClient(server.create_app(Handler())) as client:
        assert client.get("/render/r1").json() == {"id": "got r1"}
        assert client.post("/render/t1").json() == {"id": "rendered t1"}


MAP_RESPONSE = """\
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /settings:
    get:
      operationId: getSettings
      responses:
        "200":
          description: one setting per name
          content: {application/json: {schema: {$ref: "#/components/schemas/Settings"}}}
components:
  schemas:
    Settings: {type: object, additionalProperties: {type: string}}
    Profile:
      type: object
      properties:
        settings: {$ref: "#/components/schemas/Settings"}
"""


def test_an_operation_returning_a_map_that_others_refer_to_has_a_class(tmp_path: Path) -> None:
    """datamodel-code-generator folds a referenced map into its users; the operation keeps a class."""
    import httpx

    spec = tmp_path / "maps.yaml"
    spec.write_text(MAP_RESPONSE)
    generate([spec], tmp_path / "out")
    client: Any = import_fresh(tmp_path / "out", "maps.client")
    answer = httpx.MockTransport(lambda request: httpx.Response(200, json={"theme": "dark"}))
    with client.Client(base_url="http://api.test", transport=answer) as api:
        settings = api.get_settings()
    assert settings.root == {"theme": "dark"}
    assert sys.modules["maps.models"].Profile(settings={"a": "b"}).settings == {"a": "b"}


def test_a_field_named_like_a_class_does_not_shadow_it_for_later_fields(tmp_path: Path) -> None:
    """`ResourceArn: ResourceArn` then `Configs: list[ResourceArn]`: mypy reads the second as the
    field (valid-type); the models route it through an alias of the class (AWS WAF's document)."""
    models = _generated_models(
        tmp_path,
        """
openapi: 3.0.3
info: {title: shadow, version: "1"}
paths:
  /logging:
    get:
      operationId: getLogging
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/LoggingConfiguration"}
components:
  schemas:
    ResourceArn: {type: string, minLength: 1, pattern: '.*\\S.*'}
    LoggingConfiguration:
      type: object
      required: [ResourceArn, LogDestinationConfigs]
      properties:
        ResourceArn: {$ref: "#/components/schemas/ResourceArn"}
        LogDestinationConfigs:
          type: array
          items: {$ref: "#/components/schemas/ResourceArn"}
          maxItems: 1
""",
    )
    config = models.LoggingConfiguration.model_validate(  # type: ignore[attr-defined]
        {"ResourceArn": "arn:1", "LogDestinationConfigs": ["arn:2"]}
    )
    assert config.LogDestinationConfigs[0].root == "arn:2"


def test_read_write_variants_the_library_cannot_split_are_retried_as_it_advises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """datamodel-code-generator fails on some documents (Azure's applicationGateway) with an error
    that names --dedupe-request-response-variants; generate retries with it, for them only."""
    import datamodel_code_generator

    real = datamodel_code_generator.generate
    calls: list[bool] = []

    def picky(text: str, **options: Any) -> Any:
        calls.append(bool(options.get("dedupe_request_response_variants")))
        if not calls[-1]:
            raise ValueError(
                "Invalid JSON pointer array index '0Request': expected a non-negative integer. "
                "--dedupe-request-response-variants decides the read/write variants"
            )
        return real(text, **options)

    monkeypatch.setattr(datamodel_code_generator, "generate", picky)
    out = tmp_path / "out"
    generate(
        [REPO / "spec" / "sandbox.yaml"], out, lambda _step: None, cache=OFF
    )  # the library runs
    assert calls == [False, True]
    assert "class ChatCompletion(" in (tmp_path / "out" / "sandbox" / "models.py").read_text()


def test_a_field_named_list_keeps_the_list_type_under_another_name(tmp_path: Path) -> None:
    """The library writes `from builtins import list as list_aliased` for the other fields (seen
    in Google's Tool Results document): a builtin type, imported, type-checked, validated."""
    models = _generated_models(
        tmp_path,
        """
openapi: 3.0.3
info: {title: lists, version: "1"}
paths: {}
components:
  schemas:
    Report:
      type: object
      properties:
        list: {type: string, enum: [WHITE, BLACK]}
        names: {type: array, items: {type: string}}
""",
    )
    source = (tmp_path / "out" / "api" / "models.py").read_text()
    assert "from builtins import list as list_aliased" in source
    report = models.Report.model_validate({"list": "WHITE", "names": ["a"]})  # type: ignore[attr-defined]
    assert (report.list, report.names) == ("WHITE", ["a"])


def test_builtin_named_fields_and_defaults_pydantic_keeps_as_written_type_check(
    tmp_path: Path,
) -> None:
    """Seen in the corpus: a field named `list` before a list field (GoDaddy), defaults written
    as text for dates, durations and bytes and as numbers for Decimals (Azure, NetBox,
    NeutrinoAPI), and a default of models written as plain JSON (Docker, linqr)."""
    models = _generated_models(
        tmp_path,
        """
openapi: 3.0.3
info: {title: corpus, version: "1"}
paths: {}
components:
  schemas:
    Stop: {type: object, required: [color], properties: {color: {type: string}}}
    Pricing:
      type: object
      properties:
        list: {type: integer}
        taxes: {type: array, items: {type: string}}
    Job:
      type: object
      properties:
        due: {type: string, format: date-time, default: "2020-01-01T00:00:00Z"}
        limit: {type: string, format: duration, default: "P7D"}
        blob: {type: string, format: byte, default: ""}
        height: {type: number, format: decimal, default: 1}
        stops:
          type: array
          items: {$ref: "#/components/schemas/Stop"}
          default: [{color: black}]
        named:
          type: object
          additionalProperties: {$ref: "#/components/schemas/Stop"}
          default: {a: {color: red}}
""",
    )
    pricing = models.Pricing.model_validate({"list": 3, "taxes": ["vat"]})  # type: ignore[attr-defined]
    assert (pricing.list, pricing.taxes) == (3, ["vat"])
    job = models.Job()  # type: ignore[attr-defined]
    assert job.stops[0].color == "black" and job.named["a"].color == "red"


def test_an_operation_on_an_allof_of_one_union_has_a_class(tmp_path: Path) -> None:
    """`Check: {allOf: [CheckDiscriminator]}` over a discriminated oneOf, referred to by another
    model: the library writes no `Check` at all (InfluxData's document); the operation gets an
    alias class of the union, the client parses each variant, and the package type-checks."""
    import httpx

    spec = tmp_path / "checks.yaml"
    spec.write_text((Path(__file__).parent / "data" / "specs" / "allof_union.yaml").read_text())
    out = tmp_path / "out"
    generate([spec], out)
    (out / "__init__.py").unlink(missing_ok=True)  # the package alone, as a user imports it
    checked = mypy_strict("checks", cwd=out)
    assert checked.returncode == 0, checked.stdout
    client: Any = import_fresh(out, "checks.client")
    body = {"type": "deadman", "name": "cpu", "timeSince": "90s"}
    answer = httpx.MockTransport(lambda request: httpx.Response(201, json=body))
    with client.Client(base_url="http://api.test", transport=answer) as api:
        created = api.create_check(body)
    assert created.root.model_dump(exclude_none=True) == body


def _generated_models(tmp_path: Path, spec_text: str) -> object:
    """Generate `api` from the spec text with the CLI, type-check it strictly, import its models."""
    spec = tmp_path / "api.yaml"
    spec.write_text(spec_text)
    out = tmp_path / "out"
    done = run_cli("generate", str(spec), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "__init__.py").unlink(missing_ok=True)  # the package alone, as a user imports it
    checked = mypy_strict("api", cwd=out)
    assert checked.returncode == 0, checked.stdout
    return import_fresh(out, "api.models")


@pytest.mark.parametrize("stem", ["decimal", "json", "typing", "pydantic", "httpx"])
def test_a_spec_named_like_a_module_generated_code_imports_gets_a_package_that_shadows_nothing(
    stem: str, tmp_path: Path
) -> None:
    """`decimal.yaml` as a package `decimal` on sys.path would hide the standard library's from
    its own models (`from decimal import Decimal`): the package is `decimal_api`."""
    spec = tmp_path / f"{stem}.yaml"
    shutil.copy(REPO / "spec" / "sandbox.yaml", spec)
    for shared in (REPO / "spec").iterdir():
        if shared.is_dir():
            shutil.copytree(shared, tmp_path / shared.name)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / f"{stem}_api" / "models.py").is_file()
    assert not (tmp_path / "out" / stem).exists()
    probe = (
        "import sys; sys.path.insert(0, 'out'); import decimal, json, typing; "
        f"import {stem}_api.client, {stem}_api.server; "
        "assert decimal.__file__ and 'out' not in decimal.__file__"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
