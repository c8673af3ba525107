"""bundle.py: a multi-file spec -> one Bundle with local refs only, and the way back to the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiforge.document.bundle import Bundle, load_bundle
from apiforge.document.load import Location
from apiforge.document.walk import deref, get_ref, iter_objects
from apiforge.findings.diagnostic import Diagnostic, SpecError
from tests.helpers import write

HEAD = """\
openapi: 3.1.0
info: {title: t, version: "1"}
"""

# the ref under test sits on line 13, its value at column 23
ONE_REF = (
    HEAD
    + """\
paths:
  /x:
    get:
      operationId: getX
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: {ref}
"""
)
REF_AT = "#/paths/~1x/get/responses/200/content/application~1json/schema/$ref"


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Each file below `root`; the first named is the document to load."""
    for name, text in files.items():
        write(root / name, text)
    return root / next(iter(files))


def bundle_of(root: Path, files: dict[str, str]) -> Bundle:
    return load_bundle(write_files(root, files), "spec/api.yaml")


def errors_of(root: Path, files: dict[str, str]) -> list[Diagnostic]:
    with pytest.raises(SpecError) as info:
        bundle_of(root, files)
    assert all(d.rule in ("ref", "load") for d in info.value.diagnostics)
    return info.value.diagnostics


def one_ref(ref: str, tail: str = "") -> str:
    return ONE_REF.replace("{ref}", repr(ref)) + tail


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    (tmp_path / "spec").mkdir()
    return tmp_path / "spec"


# -- refused refs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "http://example.com/schemas.yaml#/Pet",
        "https://example.com/schemas.yaml",
        "file:///etc/passwd",
        "//evil.example/schemas.yaml",
        "urn:x:y",
    ],
)
def test_remote_refs_are_refused(spec: Path, ref: str) -> None:
    [d] = errors_of(spec, {"api.yaml": one_ref(ref)})
    assert "remote $ref" in d.message
    assert (d.file, d.line, d.col, d.pointer) == ("spec/api.yaml", 13, 23, REF_AT)


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        ("/etc/passwd", "absolute $ref path"),
        ("/tmp/x.yaml#/A", "absolute $ref path"),
        ("\\\\server\\x.yaml", "absolute $ref path"),
        ("C:/x.yaml", "remote $ref"),  # a drive letter reads as a URI scheme: refused either way
    ],
)
def test_absolute_refs_are_refused(spec: Path, ref: str, kind: str) -> None:
    [d] = errors_of(spec, {"api.yaml": one_ref(ref)})
    assert d.message.startswith(kind)


@pytest.mark.parametrize("ref", ["../outside.yaml#/A", "components/../../outside.yaml"])
def test_refs_leaving_the_spec_root_are_refused(spec: Path, ref: str) -> None:
    (spec.parent / "outside.yaml").write_text("A: {type: string}\n")
    [d] = errors_of(spec, {"api.yaml": one_ref(ref)})
    assert "leaves the spec's root folder" in d.message


def test_symlink_inside_the_root_pointing_outside_is_refused(spec: Path) -> None:
    (spec.parent / "secret.yaml").write_text("A: {type: string}\n")
    (spec / "components").mkdir()
    (spec / "components" / "link.yaml").symlink_to(spec.parent / "secret.yaml")
    [d] = errors_of(spec, {"api.yaml": one_ref("components/link.yaml#/A")})
    assert "leaves the spec's root folder" in d.message


def test_symlink_staying_inside_the_root_is_fine(spec: Path) -> None:
    write_files(spec, {"real/x.yaml": "A: {type: string}\n"})
    (spec / "link.yaml").symlink_to(spec / "real" / "x.yaml")
    bundle = bundle_of(spec, {"api.yaml": one_ref("link.yaml#/A")})
    assert bundle.data["components"]["schemas"]["A"] == {"type": "string"}


def test_symlink_loop_is_an_error_not_a_crash(spec: Path) -> None:
    (spec / "a.yaml").symlink_to(spec / "b.yaml")
    (spec / "b.yaml").symlink_to(spec / "a.yaml")
    [d] = errors_of(spec, {"api.yaml": one_ref("a.yaml#/A")})
    assert d.message == "$ref 'a.yaml#/A': file 'a.yaml' cannot be resolved"


def test_nul_in_a_ref_path_is_an_error_not_a_crash(spec: Path) -> None:
    api = ONE_REF.replace("{ref}", '"a\\0.yaml"')
    [d] = errors_of(spec, {"api.yaml": api})
    assert "cannot be resolved" in d.message


def test_missing_file_is_refused(spec: Path) -> None:
    [d] = errors_of(spec, {"api.yaml": one_ref("components/nope.yaml#/A")})
    assert d.message == "$ref 'components/nope.yaml#/A': file 'components/nope.yaml' not found"
    assert (d.line, d.col) == (13, 23)


def test_missing_pointer_target_is_refused(spec: Path) -> None:
    files = {"api.yaml": one_ref("components/x.yaml#/Nope"), "components/x.yaml": "A: {}\n"}
    [d] = errors_of(spec, files)
    assert "not found in" in d.message and "components/x.yaml" in d.message


def test_missing_local_target_is_refused(spec: Path) -> None:
    [d] = errors_of(spec, {"api.yaml": one_ref("#/components/schemas/Nope")})
    assert d.message == "$ref target '#/components/schemas/Nope' not found"


def test_fragment_that_is_not_a_pointer_is_refused(spec: Path) -> None:
    [d] = errors_of(spec, {"api.yaml": one_ref("#Pet")})
    assert "only JSON-pointer fragments" in d.message


def test_a_broken_component_file_is_reported_in_that_file(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/x.yaml#/A"),
        "components/x.yaml": "A:\n  a: 1\n  a: 2\n",
    }
    [d] = errors_of(spec, files)
    assert d.file.endswith("components/x.yaml")
    assert (d.line, d.col, d.rule) == (3, 3, "load")


# -- loops -----------------------------------------------------------------------------------------

LOOP = """\
components:
  schemas:
    A: {$ref: "#/components/schemas/B"}
    B: {$ref: "#/components/schemas/A"}
    Self: {$ref: "#/components/schemas/Self"}
"""


@pytest.mark.parametrize("target", ["A", "Self"])
def test_pure_ref_loops_are_refused(spec: Path, target: str) -> None:
    diagnostics = errors_of(spec, {"api.yaml": one_ref(f"#/components/schemas/{target}", LOOP)})
    assert diagnostics[0].message == (
        f"$ref '#/components/schemas/{target}' is a loop of refs that never reaches a value"
    )
    assert (diagnostics[0].line, diagnostics[0].col) == (13, 23)


def test_loops_inside_component_files_are_reported_where_they_are_written(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/x.yaml#/A"),
        "components/x.yaml": "A: {$ref: 'y.yaml#/B'}\n",
        "components/y.yaml": "B: {$ref: 'x.yaml#/A'}\n",
    }
    found = {
        (Path(d.file).name, d.line, d.col, d.pointer, d.message) for d in errors_of(spec, files)
    }
    assert found == {
        (
            "x.yaml",
            1,
            11,
            "#/A/$ref",
            "$ref 'y.yaml#/B' is a loop of refs that never reaches a value",
        ),
        (
            "y.yaml",
            1,
            11,
            "#/B/$ref",
            "$ref 'x.yaml#/A' is a loop of refs that never reaches a value",
        ),
    }


def test_self_loop_inside_a_component_file(spec: Path) -> None:
    files = {"api.yaml": one_ref("components/x.yaml#/A"), "components/x.yaml": "A: {$ref: '#/A'}\n"}
    [d] = errors_of(spec, files)
    assert (Path(d.file).name, d.line, d.pointer) == ("x.yaml", 1, "#/A/$ref")


RECURSIVE = """\
components:
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: "#/components/schemas/Node"}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
"""


def test_recursive_schemas_are_fine(spec: Path) -> None:
    bundle = bundle_of(spec, {"api.yaml": one_ref("#/components/schemas/Node", RECURSIVE)})
    node = bundle.data["components"]["schemas"]["Node"]
    assert node["properties"]["next"] == {"$ref": "#/components/schemas/Node"}


def test_recursive_schema_in_a_component_file_is_fine(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/tree.yaml#/Tree"),
        "components/tree.yaml": "Tree:\n  type: object\n  properties:\n    kids: {type: array, items: {$ref: '#/Tree'}}\n",
    }
    bundle = bundle_of(spec, files)
    tree = bundle.data["components"]["schemas"]["Tree"]
    assert tree["properties"]["kids"]["items"] == {"$ref": "#/components/schemas/Tree"}


def test_long_chains_of_refs_do_not_exhaust_the_stack(spec: Path) -> None:
    chain = "".join(
        f"S{i}:\n  type: object\n  properties:\n    next: {{$ref: '#/S{i + 1}'}}\n"
        for i in range(600)
    )
    files = {
        "api.yaml": one_ref("components/x.yaml#/S0"),
        "components/x.yaml": chain + "S600: {}\n",
    }
    bundle = bundle_of(spec, files)
    assert len(bundle.data["components"]["schemas"]) == 601


# -- pointers --------------------------------------------------------------------------------------

ESCAPES = """\
components:
  schemas:
    Odd:
      type: object
      properties:
        a/b~c: {type: string}
        "100%": {type: integer}
    UsesOdd:
      type: object
      properties:
        slash: {$ref: "#/components/schemas/Odd/properties/a~1b~0c"}
        percent: {$ref: "#/components/schemas/Odd/properties/100%25"}
"""


def test_tilde_escapes_in_local_pointers(spec: Path) -> None:
    bundle = bundle_of(spec, {"api.yaml": one_ref("#/components/schemas/UsesOdd", ESCAPES)})
    props = bundle.data["components"]["schemas"]["UsesOdd"]["properties"]
    assert deref(props["slash"], bundle.data) == {"type": "string"}
    assert deref(props["percent"], bundle.data) == {"type": "integer"}


def test_wrongly_escaped_pointer_is_not_found(spec: Path) -> None:
    [d] = errors_of(
        spec, {"api.yaml": one_ref("#/components/schemas/Odd/properties/a/b~c", ESCAPES)}
    )
    assert "not found" in d.message


def test_percent_encoded_refs_are_decoded(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/my%20types.yaml#/Pet%7BA%7D"),
        "components/my types.yaml": "Pet{A}: {type: string}\n",
    }
    bundle = bundle_of(spec, files)
    assert bundle.data["components"]["schemas"]["Pet_A_"] == {"type": "string"}


# -- hoisting and the source map ---------------------------------------------------------------------

COMPONENT = """\
Pet:
  type: object
  required: [name]
  properties:
    name:
      type: string
    owner:
      $ref: "#/Owner"
Owner:
  type: object
"""


def test_external_targets_are_hoisted_and_keep_their_source(spec: Path) -> None:
    files = {"api.yaml": one_ref("./components/pets.yaml#/Pet"), "components/pets.yaml": COMPONENT}
    bundle = bundle_of(spec, files)
    schemas = bundle.data["components"]["schemas"]
    assert get_ref(bundle.data, REF_AT.removesuffix("/$ref"))["$ref"] == "#/components/schemas/Pet"
    assert schemas["Pet"]["properties"]["owner"] == {"$ref": "#/components/schemas/Owner"}
    assert schemas["Owner"] == {"type": "object"}

    source = bundle.source("#/components/schemas/Pet/properties/name/type")
    assert source.document.path == (spec / "components" / "pets.yaml").resolve()
    assert source.pointer == "#/Pet/properties/name/type"
    assert bundle.locate("#/components/schemas/Pet/properties/name/type") == Location(
        source.document.display, 6, 13
    )
    assert bundle.source("#/components/schemas/Owner").pointer == "#/Owner"
    assert bundle.source("#/info/title").document is bundle.root
    assert set(bundle.documents) == {(spec / "api.yaml").resolve(), source.document.path}


def test_name_clash_with_an_existing_component_is_renamed(spec: Path) -> None:
    tail = "components:\n  schemas:\n    Pet: {type: integer}\n"
    files = {
        "api.yaml": one_ref("components/pets.yaml#/Pet", tail),
        "components/pets.yaml": COMPONENT,
    }
    schemas = bundle_of(spec, files).data["components"]["schemas"]
    assert schemas["Pet"] == {"type": "integer"}
    assert schemas["PetsPet"]["required"] == ["name"]


def test_properties_and_headers_named_x_dash_are_not_extensions(spec: Path) -> None:
    tail = """\
components:
  schemas:
    A:
      type: object
      properties:
        x-id: {$ref: "components/x.yaml#/Id"}
      x-note: {$ref: "not/a/real/file.yaml"}
"""
    files = {
        "api.yaml": one_ref("#/components/schemas/A", tail),
        "components/x.yaml": "Id: {type: string}\n",
    }
    bundle = bundle_of(spec, files)
    a = bundle.data["components"]["schemas"]["A"]
    assert a["properties"]["x-id"] == {"$ref": "#/components/schemas/Id"}
    assert a["x-note"] == {"$ref": "not/a/real/file.yaml"}  # an extension's value is data


def test_discriminator_mapping_into_other_files_is_rewritten(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/pets.yaml#/Pet"),
        "components/pets.yaml": """\
            Pet:
              oneOf: [{$ref: '#/Cat'}, {$ref: 'dogs.yaml#/Dog'}]
              discriminator:
                propertyName: kind
                mapping: {cat: '#/Cat', dog: 'dogs.yaml#/Dog', bird: Bird}
            Cat: {type: object}
            """,
        "components/dogs.yaml": "Dog: {type: object}\n",
    }
    pet = bundle_of(spec, files).data["components"]["schemas"]["Pet"]
    assert pet["discriminator"]["mapping"] == {
        "cat": "#/components/schemas/Cat",
        "dog": "#/components/schemas/Dog",
        "bird": "Bird",
    }


def test_components_that_is_not_a_mapping_is_an_error_not_a_crash(spec: Path) -> None:
    files = {
        "api.yaml": one_ref("components/x.yaml#/A", "components: 5\n"),
        "components/x.yaml": "A: {}\n",
    }
    [d] = errors_of(spec, files)
    assert d.pointer == "#/components" and "must be a mapping" in d.message


def test_example_values_are_data_not_refs(spec: Path) -> None:
    tail = """\
components:
  schemas:
    A:
      type: object
      example: {$ref: "http://example.com/not-a-ref"}
      default: {$ref: "../outside.yaml"}
"""
    bundle = bundle_of(spec, {"api.yaml": one_ref("#/components/schemas/A", tail)})
    assert bundle.data["components"]["schemas"]["A"]["example"] == {
        "$ref": "http://example.com/not-a-ref"
    }


def test_iter_objects_sees_each_object_once_with_its_kind(spec: Path) -> None:
    bundle = bundle_of(spec, {"api.yaml": one_ref("#/components/schemas/Node", RECURSIVE)})
    kinds = {found.tokens: found.kind for found in iter_objects(bundle.data)}
    assert kinds[("paths", "/x", "get")] == "operation"
    assert kinds[("paths", "/x", "get", "responses", "200")] == "response"
    assert kinds[("components", "schemas", "Node", "properties", "children", "items")] == "schema"


def test_a_json_root_with_yaml_components(spec: Path) -> None:
    files = {
        "api.json": '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},\n'
        ' "paths": {}, "components": {"schemas": {"A": {"$ref": "c/x.yaml#/X"}}}}\n',
        "c/x.yaml": "X: {type: string}\n",
    }
    bundle = load_bundle(write_files(spec, files))
    assert deref(bundle.data["components"]["schemas"]["A"], bundle.data) == {"type": "string"}
    assert bundle.locate("#/components/schemas/A/$ref").line == 2


def test_openapi_30_path_items_in_other_files_are_inlined(spec: Path) -> None:
    files = {
        "api.yaml": """\
            openapi: 3.0.3
            info: {title: t, version: "1"}
            paths:
              /pets:
                $ref: "paths/pets.yaml#/Pets"
            """,
        "paths/pets.yaml": "Pets:\n  get:\n    responses:\n      '200': {description: ok}\n",
    }
    bundle = bundle_of(spec, files)
    assert bundle.data["paths"]["/pets"]["get"]["responses"]["200"] == {"description": "ok"}
    assert bundle.source("#/paths/~1pets/get").pointer == "#/Pets/get"


# -- [tool.apiforge] ref-root ----------------------------------------------------------------------

SHARED = "Pet: {type: object, properties: {name: {type: string}}}\n"


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """spec/nested/api.yaml refers to spec/common.yaml, a folder above its own."""
    write_files(tmp_path, {"spec/common.yaml": SHARED, "outside.yaml": SHARED})
    write_files(tmp_path / "spec" / "nested", {"api.yaml": one_ref("../common.yaml#/Pet")})
    return tmp_path


def set_ref_root(repo: Path, value: str) -> None:
    (repo / "pyproject.toml").write_text(f'[tool.apiforge]\nref-root = "{value}"\n')


def test_a_ref_above_the_spec_folder_is_refused_by_default(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(monorepo)
    with pytest.raises(SpecError) as info:
        load_bundle(Path("spec/nested/api.yaml"))
    [d] = info.value.diagnostics
    assert "leaves the spec's root folder nested/ (see ref-root)" in d.message


def test_a_named_ref_root_lets_a_spec_share_schemas_above_its_folder(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_ref_root(monorepo, "spec")
    monkeypatch.chdir(monorepo)
    bundle = load_bundle(Path("spec/nested/api.yaml"))
    assert bundle.data["components"]["schemas"]["Pet"]["type"] == "object"
    assert bundle.locate("#/components/schemas/Pet/properties").file.endswith("common.yaml")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("../../outside.yaml#/Pet", "leaves the ref root spec/ ([tool.apiforge] ref-root)"),
        ("link.yaml#/Pet", "leaves the ref root spec/ ([tool.apiforge] ref-root)"),
        ("/etc/passwd", "absolute $ref path"),
        ("https://example.com/common.yaml#/Pet", "remote $ref"),
    ],
    ids=["dot-dot", "symlink", "absolute", "remote"],
)
def test_every_other_guard_stays_with_a_ref_root(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch, ref: str, message: str
) -> None:
    set_ref_root(monorepo, "spec")
    (monorepo / "spec" / "nested" / "link.yaml").symlink_to(monorepo / "outside.yaml")
    write_files(monorepo / "spec" / "nested", {"api.yaml": one_ref(ref)})
    monkeypatch.chdir(monorepo)
    with pytest.raises(SpecError) as info:
        load_bundle(Path("spec/nested/api.yaml"))
    [d] = info.value.diagnostics
    assert message in d.message


def test_the_cli_reads_the_ref_root_and_refuses_one_that_is_no_folder(monorepo: Path) -> None:
    from tests.helpers import run_cli

    set_ref_root(monorepo, "spec")
    assert run_cli("validate", "spec/nested/api.yaml", cwd=monorepo).returncode == 0
    done = run_cli("generate", "spec/nested/api.yaml", "--out", "out", cwd=monorepo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pet" in (monorepo / "out" / "api" / "models.py").read_text()
    set_ref_root(monorepo, "nowhere")
    done = run_cli("validate", "spec/nested/api.yaml", cwd=monorepo)
    assert done.returncode == 2
    assert "ref-root 'nowhere' is not a folder" in done.stderr


def test_a_spec_outside_the_ref_root_keeps_its_own_folder(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_ref_root(monorepo, "spec/nested")
    write_files(monorepo / "other", {"api.yaml": one_ref("../spec/common.yaml#/Pet")})
    monkeypatch.chdir(monorepo)
    with pytest.raises(SpecError) as info:
        load_bundle(Path("other/api.yaml"))
    assert "leaves the spec's root folder other/" in info.value.diagnostics[0].message


def test_check_base_reads_the_old_spec_with_its_shared_files(monorepo: Path) -> None:
    """`check --base` exports the ref root at the base ref, so the old document loads too."""
    import subprocess

    from tests.helpers import run_cli

    set_ref_root(monorepo, "spec")
    (monorepo / "outside.yaml").unlink()
    assert run_cli("generate", "spec/nested/api.yaml", "--out", "out", cwd=monorepo).returncode == 0
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=monorepo, check=True
        )
    common = monorepo / "spec" / "common.yaml"
    common.write_text(SHARED.replace("{type: string}", "{type: integer}"))
    done = run_cli("check", "spec/nested/api.yaml", "--out", "out", "--base", "HEAD", cwd=monorepo)
    assert "does not load" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "/name" in done.stdout and done.returncode == 1


def test_generate_watch_watches_the_ref_root(
    monorepo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit to a shared file above the spec's folder regenerates too."""
    from apiforge.config import load_config
    from apiforge.watch import watched_folders

    set_ref_root(monorepo, "spec")
    monkeypatch.chdir(monorepo)
    config = load_config()
    spec = Path("spec/nested/api.yaml")
    assert watched_folders([spec], config) == [(monorepo / "spec").resolve()]
    assert config.ref_root == (monorepo / "spec").resolve()
