"""The fast validator (openapi-spec-validator-rs) agrees with the located validator on every
document: the same verdict, and, where its errors can be placed, the same diagnostics."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle, load_bundle
from apiforge.document.versions import supported_release
from apiforge.findings.diagnostic import SpecError
from apiforge.validate.fast import fast_errors, fast_verdict
from apiforge.validate.located import located_diagnostics
from apiforge.validate.openapi import validate_bundle
from apiforge.validate.placing import _Places, placed_diagnostics
from tests.helpers import REPO
from tests.test_real_documents import VENDOR, oas_examples  # noqa: F401 - a fixture

SANDBOX = load_bundle(REPO / "spec" / "sandbox.yaml")


def _slow_verdict(bundle: Bundle) -> bool:
    return not [d for d in located_diagnostics(bundle, bundle.release or (3, 0)) if d.is_error]


def _agree(bundle: Bundle) -> bool | None:
    """The fast verdict, after checking it against the located validator (None: not judged);
    and where the fast path places the errors itself, each is one the located validator reports
    at that place, or another error of a schema the located validator faults (a schema's
    meta-check reports one of its errors, and the two need not pick the same). Not always all of
    them: the two disagree on a few format and `oneOf` checks of invalid documents, seen in
    oas-examples' schema-validation.json."""
    release = bundle.release or (3, 0)
    fast = fast_verdict(bundle.data, release)
    if fast is not None:
        assert fast == _slow_verdict(bundle), bundle.root.path
    errors = fast_errors(bundle.data, release)
    if errors and supported_release(bundle.data) is not None:  # what `validate` would place
        placed = placed_diagnostics(bundle, errors)
        if placed is not None:
            located = located_diagnostics(bundle, release)
            extra = set(_worded_alike(placed)) - set(_worded_alike(located))
            entries = [
                jp.from_tokens(list(t))
                for t, _ in _Places(bundle.data, bundle.objects).entry_schemas
            ]
            for place in extra:  # another error of a schema the located validator faults
                entry = max((e for e in entries if _within(place[3], e)), key=len, default=None)
                assert entry is not None, (bundle.root.path, place)
                assert any(_within(d.pointer, entry) for d in located), (bundle.root.path, place)
    return fast


def _within(pointer: str, prefix: str) -> bool:
    return pointer == prefix or pointer.startswith(prefix + "/")


def _worded_alike(diagnostics: list[Any]) -> list[tuple[Any, ...]]:
    """Where each error is: the two word some messages differently (jsonschema 4.24 says
    `null is not of type "object"` where the Rust port says `None is not of type 'object'`),
    and jsonschema has reworded them before and may again."""
    return sorted((d.file, d.line, d.col, d.pointer, d.severity) for d in diagnostics)


def _bundle_of(data: dict[str, Any], tmp_path: Path) -> Bundle:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(data))
    return load_bundle(path)


@pytest.mark.parametrize("name", ["gateway", "provider", "sandbox"])
def test_our_dialects_are_valid_by_both(name: str) -> None:
    assert _agree(load_bundle(REPO / "spec" / f"{name}.yaml")) is True


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_vendor_documents_get_the_same_verdict(name: str) -> None:
    assert _agree(load_bundle(VENDOR[name])) is not None


def test_openais_errors_are_all_placed_without_the_located_validator() -> None:
    """Its 23 errors (meta-checks of schemas, defaults that do not fit): the reason `validate`
    takes under a second on the whole document; `_agree` proved them the located validator's."""
    bundle = load_bundle(VENDOR["openai_official"])
    placed = placed_diagnostics(bundle, fast_errors(bundle.data, (3, 1)) or [])
    assert placed is not None and len(placed) >= 20
    assert any(d.pointer.endswith("/default") for d in placed)
    assert any("exclusiveMinimum" in d.pointer for d in placed)


def test_example_documents_get_the_same_verdict(oas_examples: Path) -> None:  # noqa: F811
    judged = 0
    for path in sorted(oas_examples.glob("3.*/json/*.json")):
        try:
            bundle = load_bundle(path)
        except SpecError:
            continue  # refused before validation (a remote ref, say): nothing to compare
        judged += _agree(bundle) is not None
    assert judged >= 40


def _places(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _places(value, (*at, index))
    return out


PLACES = _places(SANDBOX.data)
ODD_VALUES = [None, 0, -1, 1.5, "", "x", True, [], {}, ["a"], {"type": "bogus"}]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(PLACES), st.sampled_from(["drop", *range(len(ODD_VALUES))])),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_documents_get_the_same_verdict(
    edits: list[tuple[Any, Any]], tmp_path: Path
) -> None:
    """Dropped keys and values of the wrong type anywhere in a dialect: the verdicts agree."""
    data = copy.deepcopy(SANDBOX.data)
    for place, edit in edits:
        parent: Any = data
        try:
            for step in place[:-1]:
                parent = parent[step]
            if edit == "drop":
                del parent[place[-1]]
            else:
                parent[place[-1]] = copy.deepcopy(ODD_VALUES[edit])
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this place
    try:
        bundle = _bundle_of(data, tmp_path)
    except SpecError:
        return  # refused while bundling (a broken ref): validation never runs
    _agree(bundle)


def test_a_document_with_a_non_local_ref_never_reaches_the_fast_validator(tmp_path: Path) -> None:
    """It would read `file:` refs itself: such a document takes the located path, which refuses."""
    outside = tmp_path / "outside.json"
    outside.write_text('{"type": "string"}')
    data = copy.deepcopy(SANDBOX.data)
    data["components"]["schemas"]["Leak"] = {
        "type": "object",
        "default": {"$ref": outside.as_uri()},
    }
    assert fast_verdict(data, "3.1.0") is None
    rebased = copy.deepcopy(SANDBOX.data)
    rebased["components"]["schemas"]["Rebased"] = {"$id": outside.as_uri(), "type": "string"}
    assert fast_verdict(rebased, "3.1.0") is None


def test_an_invalid_document_is_located(tmp_path: Path) -> None:
    data = copy.deepcopy(SANDBOX.data)
    data["paths"]["/v1/chat/completions"]["post"]["responses"]["200"].pop("description")
    bundle = _bundle_of(data, tmp_path)
    assert fast_verdict(bundle.data, bundle.release or (3, 0)) is False
    errors = [d for d in validate_bundle(bundle) if d.is_error]
    assert errors and errors[0].pointer.startswith(
        "#/paths/~1v1~1chat~1completions/post/responses/200"
    )
    assert _agree(bundle) is False


def _schemas_of(bundle_data: dict[str, Any]) -> dict[str, Any]:
    return bundle_data["components"]["schemas"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("edit", "pointer"),
    [
        # a default checked against its own schema: the path starts inside the default
        (lambda s: s.update(Bad={"type": "integer", "default": "x"}), "Bad/default"),
        # a schema's meta-check: the path starts at the schema
        (lambda s: s.update(Bad={"type": "object", "minProperties": -1}), "Bad/minProperties"),
        # two schemas alike, each with its error: two places for two errors
        (
            lambda s: s.update(
                A={"type": "string", "default": 1}, B={"type": "string", "default": 1}
            ),
            "A/default",
        ),
    ],
    ids=["default", "meta-check", "twins"],
)
def test_errors_are_placed_by_what_they_carry(edit: Any, pointer: str, tmp_path: Path) -> None:
    data = copy.deepcopy(SANDBOX.data)
    edit(_schemas_of(data))
    bundle = _bundle_of(data, tmp_path)
    placed = placed_diagnostics(bundle, fast_errors(bundle.data, (3, 1)) or [])
    assert placed is not None
    assert f"#/components/schemas/{pointer}" in [d.pointer for d in placed]
    assert _worded_alike(placed) == _worded_alike(located_diagnostics(bundle, (3, 1)))


@pytest.mark.parametrize(
    "schemas",
    [
        # the same message and path, found values that differ: each goes where its value is
        {"A": {"discriminator": {}}, "B": {"discriminator": {"mapping": {}}}, "C": {"type": 5}},
        # a $ref's target inside another schema is meta-checked too: C's two candidates are unsure
        {
            "R": {"$ref": "#/components/schemas/D/properties/p"},
            "D": {"properties": {"p": {"minimum": "a"}}},
            "C": {"type": 5, "minimum": "a"},
        },
    ],
    ids=["found-values", "ref-target"],
)
def test_errors_are_never_placed_where_the_located_validator_does_not_put_them(
    schemas: dict[str, Any], tmp_path: Path
) -> None:
    """Cases found in review: each once put an error at a schema that never reported it."""
    data = copy.deepcopy(SANDBOX.data)
    _schemas_of(data).update(schemas)
    bundle = _bundle_of(data, tmp_path)
    placed = placed_diagnostics(bundle, fast_errors(bundle.data, (3, 1)) or [])
    located = _worded_alike(located_diagnostics(bundle, (3, 1)))
    assert placed is None or _worded_alike(placed) == located


def test_an_error_that_fits_a_place_the_validator_never_checks_goes_to_the_located_path(
    tmp_path: Path,
) -> None:
    """The same bad schema under a component and under an extension's `schema`-shaped data: two
    places fit one error, so the fast path cannot say which and leaves it to the located one."""
    data = copy.deepcopy(SANDBOX.data)
    bad = {"type": "object", "minProperties": -1}
    _schemas_of(data)["Bad"] = bad
    data["components"]["schemas"]["Holder"] = {"type": "object", "not": {"not": copy.deepcopy(bad)}}
    bundle = _bundle_of(data, tmp_path)
    errors = fast_errors(bundle.data, (3, 1)) or []
    assert errors
    placed = placed_diagnostics(bundle, errors)
    assert placed is None or _worded_alike(placed) == _worded_alike(
        located_diagnostics(bundle, (3, 1))
    )
    located = [d for d in validate_bundle(bundle) if d.is_error]
    assert "#/components/schemas/Bad/minProperties" in [d.pointer for d in located]


@pytest.mark.parametrize("preloaded", [False, True])
def test_threads_never_crash_the_rust_validator(preloaded: bool) -> None:
    """Imported first on a thread that ends, openapi-spec-validator-rs 0.2.3 crashes (SIGSEGV) on
    the next thread's call: off the main thread it is used only once the main thread imported it."""
    code = f"""
import threading
from pathlib import Path
from apiforge.validate import fast as fast_validator
from apiforge.document.bundle import load_bundle
bundle = load_bundle(Path("spec/sandbox.yaml"))
if {preloaded}:
    fast_validator.preload()
verdicts = []
for _ in range(3):
    worker = threading.Thread(target=lambda: verdicts.append(fast_validator.fast_verdict(bundle.data, (3, 1))))
    worker.start()
    worker.join()
print(verdicts)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([True] * 3 if preloaded else [None] * 3)
