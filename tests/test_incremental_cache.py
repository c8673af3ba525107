"""The model cache: an edit that changes no schema never runs datamodel-code-generator, and every
cached result is byte-identical to a cold run (a fixed set of edits, then random ones)."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiforge.findings.diagnostic import SpecError, UsageError
from apiforge.models import library as models
from apiforge.models.cache import OFF, ModelCache, load_cache
from apiforge.pipeline import generate
from tests.helpers import REPO, run_cli, tree_bytes


class Counting:
    """`models.run_library`, counted."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = models.run_library

    def __call__(self, text: str, header: str) -> Any:
        self.calls += 1
        return self.real(text, header)


@pytest.fixture()
def library(monkeypatch: pytest.MonkeyPatch) -> Counting:
    counting = Counting()
    monkeypatch.setattr(models, "run_library", counting)
    return counting


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "team"
    (root / "spec").mkdir(parents=True)
    shutil.copy(REPO / "spec" / "sandbox.yaml", root / "spec")
    shutil.copytree(REPO / "spec" / "components", root / "spec" / "components")
    return root


def cold(spec: Path, out: Path) -> dict[str, bytes]:
    generate([spec], out, cache=OFF)
    return tree_bytes(out)


def edit(spec: Path, old: str, new: str) -> None:
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))


def test_edits_that_change_no_schema_never_run_the_library(
    project: Path, tmp_path: Path, library: Counting
) -> None:
    cache = ModelCache(tmp_path / "cache")
    spec = project / "spec" / "sandbox.yaml"
    generate([spec], project / "out", cache=cache)
    assert library.calls == 1

    edit(spec, "summary: OpenAI chat completions", "summary: Chat, edited")  # an operation
    edit(spec, "operationId: createChatCompletion", "operationId: makeChatCompletion")
    parameter = "\n      parameters:\n        - {name: trace, in: query, schema: {type: string}}"
    edit(spec, "operationId: makeChatCompletion", "operationId: makeChatCompletion" + parameter)
    templates = tmp_path / "templates"  # a user's template
    templates.mkdir()
    client = (REPO / "templates" / "client.py.jinja").read_text()
    (templates / "client.py.jinja").write_text("{# a team's copy #}\n" + client)
    generate([spec], project / "out", templates=templates, cache=cache)
    assert library.calls == 1
    assert "trace: str" in (project / "out" / "sandbox" / "client.py").read_text()
    assert tree_bytes(project / "out") == cold_with(spec, tmp_path / "cold", templates)
    assert library.calls == 2  # the cold run: the library, as always without a cache

    edit(spec, "Request body of a chat completion.", "The body of a chat completion.")  # a schema
    generate([spec], project / "out", cache=cache)
    assert library.calls == 3
    assert tree_bytes(project / "out") == cold(spec, tmp_path / "cold2")


def test_ruff_formats_only_the_files_whose_text_it_has_not_seen(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The format stage keeps ruff's answers in the cache folder: after an operation's edit, the
    models and the runtime (most of the bytes) are not formatted again, and the tree is a cold
    run's, byte for byte."""
    from apiforge.output import format as formatting

    formatted: list[list[str]] = []
    real = formatting._run_ruff

    def recording(paths: list[Path], config: Any) -> None:
        formatted.append(sorted(p.name for p in paths))
        real(paths, config)

    monkeypatch.setattr(formatting, "_run_ruff", recording)
    cache = ModelCache(tmp_path / "cache")
    spec = project / "spec" / "sandbox.yaml"
    generate([spec], project / "out", cache=cache)
    assert "models.py" in formatted[-1] and len(formatted[-1]) > 10  # cold: every file
    edit(spec, "summary: OpenAI chat completions", "summary: Chat, edited")
    generate([spec], project / "out", cache=cache)
    assert formatted[-1] == ["client.py", "server.py"]  # the files the summary is written in
    runs = len(formatted)
    generate([spec], project / "out2", cache=cache)
    assert len(formatted) == runs  # seen, all of them: ruff does not run
    assert tree_bytes(project / "out") == cold(spec, tmp_path / "cold")
    assert tree_bytes(project / "out2") == tree_bytes(project / "out")


def cold_with(spec: Path, out: Path, templates: Path) -> dict[str, bytes]:
    generate([spec], out, templates=templates, cache=OFF)
    return tree_bytes(out)


def test_an_operations_edit_finds_the_models_without_making_the_librarys_input(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the library's input is a tenth of a second on OpenAI's document: an edit of an
    operation finds the cached output by what the input is made from, and makes none."""
    cache = ModelCache(tmp_path / "cache")
    spec = project / "spec" / "sandbox.yaml"
    made: list[int] = []
    real = models.model_input
    monkeypatch.setattr(models, "model_input", lambda doc: made.append(1) or real(doc))
    generate([spec], project / "out", cache=cache)
    assert made == [1]
    edit(spec, "summary: OpenAI chat completions", "summary: Chat, edited")  # an operation
    generate([spec], project / "out", cache=cache)
    assert made == [1]
    assert tree_bytes(project / "out") == cold(spec, tmp_path / "cold")
    edit(spec, "Request body of a chat completion.", "Request body of a chat, edited.")
    before = len(made)  # the cold run above made one
    generate([spec], project / "out", cache=cache)
    assert len(made) == before + 1  # a schema's edit makes the input again
    assert tree_bytes(project / "out") == cold(spec, tmp_path / "cold2")


def test_a_refused_edit_writes_nothing_though_its_models_are_cached(
    project: Path, tmp_path: Path, library: Counting
) -> None:
    """With the models cached, the checks run while ruff formats (nothing else to wait on): a
    document they refuse still leaves the output folder as it was."""
    cache = ModelCache(tmp_path / "cache")
    spec = project / "spec" / "sandbox.yaml"
    generate([spec], project / "out", cache=cache)
    before = tree_bytes(project / "out")
    edit(spec, "summary: OpenAI chat completions", "summary: [not, a, string]")  # an operation
    with pytest.raises(SpecError) as refused:
        generate([spec], project / "out", cache=cache)
    assert any("summary" in d.pointer for d in refused.value.diagnostics if d.is_error)
    assert library.calls == 1  # the models were found, and still nothing was written
    assert tree_bytes(project / "out") == before


def test_an_unreadable_entry_is_a_miss_and_the_cache_keeps_its_bound(
    project: Path, tmp_path: Path, library: Counting
) -> None:
    folder = tmp_path / "cache"
    spec = project / "spec" / "sandbox.yaml"
    generate([spec], project / "out", cache=ModelCache(folder))
    entries = sorted(folder.glob("*.json"))
    # the library's output, our edits of it, and which input the planned schemas made
    assert len(entries) == 3
    for entry in entries:
        entry.write_text(entry.read_text()[: len(entry.read_text()) // 2])  # cut short
    generate([spec], project / "again", cache=ModelCache(folder))
    assert library.calls == 2
    assert tree_bytes(project / "again") == tree_bytes(project / "out")

    shutil.rmtree(folder)
    small = ModelCache(folder, max_bytes=1)  # room for nothing: each entry pruned once written
    generate([spec], project / "small", cache=small)
    assert not list(folder.glob("*.json"))
    assert tree_bytes(project / "small") == tree_bytes(project / "out")


def test_the_cache_is_configured_and_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APIFORGE_CACHE", raising=False)
    monkeypatch.delenv("APIFORGE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_cache(tmp_path).folder == tmp_path / "xdg" / "apiforge" / "models"
    assert not load_cache(tmp_path, disabled=True).enabled
    monkeypatch.setenv("APIFORGE_CACHE", "0")
    assert not load_cache(tmp_path).enabled
    monkeypatch.delenv("APIFORGE_CACHE")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.apiforge]\ncache-dir = ".apiforge-cache"\ncache-size-mb = 8\n'
    )
    found = load_cache(tmp_path)
    assert (found.folder, found.max_bytes) == (tmp_path / ".apiforge-cache" / "models", 8 << 20)
    found.put("0" * 64, {"output": "x"})
    assert found.get("0" * 64) == {"output": "x"}
    assert (tmp_path / ".apiforge-cache" / "models" / ".gitignore").read_text().endswith("*\n")
    (tmp_path / "pyproject.toml").write_text("[tool.apiforge]\ncache = false\n")
    assert not load_cache(tmp_path).enabled
    (tmp_path / "pyproject.toml").write_text('[tool.apiforge]\ncache-size-mb = "big"\n')
    with pytest.raises(UsageError, match="cache-size-mb"):
        load_cache(tmp_path)


def test_the_cli_shares_the_cache_through_the_worker(project: Path, tmp_path: Path) -> None:
    """`generate` (its forked model worker looks the library's output up) and `check` (in this
    process) write what a cold run writes, from one cache folder."""
    env = {"APIFORGE_CACHE_DIR": str(tmp_path / "cache")}
    spec = project / "spec" / "sandbox.yaml"
    assert run_cli("generate", "-q", cwd=project, env=env).returncode == 0
    stored = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "models").glob("*.json")}
    assert len(stored) == 3
    edit(spec, "summary: OpenAI chat completions", "summary: Chat, edited")
    done = run_cli("generate", "-q", cwd=project, env=env)
    assert done.returncode == 0, done.stderr
    assert set((tmp_path / "cache" / "models").glob("*.json")) == set(stored)  # all hits
    assert tree_bytes(project / "generated") == cold(spec, tmp_path / "cold")
    (project / "generated" / "sandbox" / "models.py").write_text("# stale\n")
    check = run_cli("check", cwd=project, env=env)
    assert check.returncode == 1 and "models.py: error: differs" in check.stdout
    off = run_cli("generate", "-q", "--no-cache", cwd=project, env=env)
    assert off.returncode == 0 and "wrote 1 package(s)" in off.stdout
    assert run_cli("check", cwd=project, env=env).returncode == 0


# A small document, edited at random: descriptions, a property added, a schema renamed.
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "paths": {
        "/pets": {
            "post": {
                "operationId": "addPet",
                "description": "Add a pet.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "The pets.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/PetList"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "description": "A pet.",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "owner": {"$ref": "#/components/schemas/Owner"},
                },
            },
            "Owner": {"type": "object", "properties": {"email": {"type": "string"}}},
            "PetList": {
                "type": "object",
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                },
            },
        }
    },
}

WORDS = st.text(alphabet="abcdefghij ", min_size=1, max_size=12)
EDITS = st.one_of(
    st.tuples(st.just("describe-operation"), WORDS),
    st.tuples(st.just("describe-schema"), st.sampled_from(["Pet", "Owner", "PetList"]), WORDS),
    st.tuples(st.just("add-property"), st.sampled_from(["Pet", "Owner"]), st.sampled_from("xyz")),
    st.tuples(st.just("rename"), st.sampled_from(["Owner", "PetList"]), st.sampled_from("AB")),
)


def apply(document: dict[str, Any], change: tuple[Any, ...]) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    schemas = doc["components"]["schemas"]
    if change[0] == "describe-operation":
        doc["paths"]["/pets"]["post"]["description"] = change[1]
    elif change[0] == "describe-schema" and change[1] in schemas:
        schemas[change[1]]["description"] = change[2]
    elif change[0] == "add-property" and change[1] in schemas:
        schemas[change[1]]["properties"][change[2]] = {"type": "integer"}
    elif change[0] == "rename" and change[1] in schemas:
        text = json.dumps(doc).replace(f'"{change[1]}"', f'"{change[1]}{change[2]}"')
        text = text.replace(f'/{change[1]}"', f'/{change[1]}{change[2]}"')
        doc = json.loads(text)
    return doc


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.lists(EDITS, min_size=1, max_size=3))
def test_random_edits_cached_equal_cold(tmp_path: Path, changes: list[tuple[Any, ...]]) -> None:
    run = tmp_path / f"run-{os.urandom(4).hex()}"
    spec = run / "pets.json"
    run.mkdir()
    cache = ModelCache(run / "cache")
    document = DOCUMENT
    spec.write_text(json.dumps(document))
    generate([spec], run / "cached", cache=cache)
    for change in changes:
        document = apply(document, change)
        spec.write_text(json.dumps(document))
        generate([spec], run / "cached", cache=cache)
        assert tree_bytes(run / "cached") == cold(spec, run / "cold")


def test_a_put_prunes_once_a_sixteenth_of_the_bound_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prune reads every entry's size: a generate that writes thirty entries into a folder of
    tens of thousands must not read it thirty times (it took seconds, and timed a test out)."""
    pruned: list[int] = []
    real = ModelCache._prune
    monkeypatch.setattr(ModelCache, "_prune", lambda self: pruned.append(1) or real(self))
    cache = ModelCache(tmp_path / "cache", max_bytes=16 * 10_000)
    for n in range(30):
        cache.put(f"k{n}", {"text": "x" * 1_000})  # 1 KB each, 30 KB in all; a sixteenth: 10 KB
    assert 1 <= len(pruned) <= 4  # the first put, then once every 10 KB written
    small = ModelCache(tmp_path / "small", max_bytes=1)
    for n in range(3):
        small.put(f"k{n}", {"text": "x"})
    assert not list((tmp_path / "small").glob("*.json"))  # the bound still holds
