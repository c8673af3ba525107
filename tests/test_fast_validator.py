"""The fast verdict (openapi-spec-validator-rs) agrees with the located validator on every document."""

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

from apiforge.diagnostics import SpecError
from apiforge.fast_validator import fast_verdict
from apiforge.located_validator import located_diagnostics
from apiforge.resolve import Bundle, load_bundle
from apiforge.validate import validate_bundle
from tests.helpers import REPO
from tests.test_real_documents import VENDOR, oas_examples  # noqa: F401 - a fixture

SANDBOX = load_bundle(REPO / "spec" / "sandbox.yaml")


def _slow_verdict(bundle: Bundle) -> bool:
    return not [d for d in located_diagnostics(bundle, bundle.release or (3, 0)) if d.is_error]


def _agree(bundle: Bundle) -> bool | None:
    """The fast verdict, after checking it against the located validator (None: not judged)."""
    fast = fast_verdict(bundle.data, bundle.release or (3, 0))
    if fast is not None:
        assert fast == _slow_verdict(bundle), bundle.root.path
    return fast


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


def test_an_invalid_document_is_located_by_the_slow_path(tmp_path: Path) -> None:
    data = copy.deepcopy(SANDBOX.data)
    data["paths"]["/v1/chat/completions"]["post"]["responses"]["200"].pop("description")
    bundle = _bundle_of(data, tmp_path)
    assert fast_verdict(bundle.data, bundle.release or (3, 0)) is False
    errors = [d for d in validate_bundle(bundle) if d.is_error]
    assert errors and errors[0].pointer.startswith(
        "#/paths/~1v1~1chat~1completions/post/responses/200"
    )


@pytest.mark.parametrize("preloaded", [False, True])
def test_threads_never_crash_the_rust_validator(preloaded: bool) -> None:
    """Imported first on a thread that ends, openapi-spec-validator-rs 0.2.3 crashes (SIGSEGV) on
    the next thread's call: off the main thread it is used only once the main thread imported it."""
    code = f"""
import threading
from pathlib import Path
from apiforge import fast_validator
from apiforge.resolve import load_bundle
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
