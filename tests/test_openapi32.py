"""OpenAPI 3.2: validated, generated and diffed; `itemSchema` streams like x-apiforge-stream."""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from apiforge.diff import diff_documents
from apiforge.document.bundle import load_bundle
from apiforge.validate.fast import fast_verdict
from apiforge.validate.located import located_diagnostics
from apiforge.validate.openapi import validate_bundle
from tests.helpers import REPO, import_fresh, run_cli, tree_bytes, write
from tests.openapi32 import assemble, generate_package
from tests.serve.test_runner import free_port

CHUNK = "#/paths/~1v1~1chat~1completions/post/responses/200/content/text~1event-stream"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_package(tmp_path_factory.mktemp("openapi32"))


def test_the_32_provider_is_valid_in_both_validators(tmp_path: Path) -> None:
    spec = assemble(tmp_path)
    bundle = load_bundle(spec)
    assert [d for d in validate_bundle(bundle) if d.is_error] == []
    assert bundle.release == (3, 2)
    assert fast_verdict(bundle.data, (3, 2)) is True
    assert [d for d in located_diagnostics(bundle, (3, 2)) if d.is_error] == []
    done = run_cli("validate", str(spec))
    assert done.returncode == 0, done.stderr


def test_the_32_provider_generates_the_shipped_provider_package(package: Path) -> None:
    """itemSchema gives what x-apiforge-stream's `schema` gives: the same bytes in every module,
    so every client and server test of generated/provider holds for it."""
    ours, shipped = tree_bytes(package / "provider"), tree_bytes(REPO / "generated" / "provider")
    assert ours.keys() == shipped.keys()
    differing = [name for name in ours if ours[name] != shipped[name]]
    assert differing == ["apiforge-manifest.json"]  # the spec's own digest
    ours_manifest = json.loads(ours["apiforge-manifest.json"])
    shipped_manifest = json.loads(shipped["apiforge-manifest.json"])
    assert (
        ours_manifest.pop("inputs")["provider.yaml"]
        != shipped_manifest.pop("inputs")["provider.yaml"]
    )
    # the same outputs and verdict; the generator fingerprint names the tools installed where
    # generated/ was made, and CI installs today's
    ours_manifest.pop("generator"), shipped_manifest.pop("generator")
    assert ours_manifest == shipped_manifest


def test_a_32_chunk_change_is_judged_like_any_response_schema(tmp_path: Path) -> None:
    old_spec = assemble(tmp_path / "old")
    new_spec = assemble(tmp_path / "new")
    chunks = new_spec.parent / "components" / "chunks.yaml"
    data = yaml.safe_load(chunks.read_text())
    chunk = data["ChatCompletionChunk"]
    chunk["required"] = [*chunk["required"], "service_tier"]  # new and required: fine for clients
    chunk["properties"]["service_tier"] = {"type": "string"}
    del chunk["properties"]["created"]  # a removed property: clients reading it break
    chunks.write_text(yaml.safe_dump(data, sort_keys=False))
    result = diff_documents(load_bundle(old_spec).data, load_bundle(new_spec).data)
    by_kind = {c.kind: c for c in result.changes}
    assert by_kind["response-required-property-added"].breaking is False
    removed = next(c for c in result.changes if "created" in (c.old_pointer or ""))
    assert removed.breaking is True
    assert removed.old_pointer is not None
    assert removed.old_pointer.startswith(CHUNK + "/itemSchema/properties/data/contentSchema")


def test_moving_the_provider_from_31_to_32_changes_nothing(tmp_path: Path) -> None:
    result = diff_documents(
        load_bundle(REPO / "spec" / "provider.yaml").data, load_bundle(assemble(tmp_path)).data
    )
    assert result.changes == ()
    assert any("3.2.0" in w for w in result.warnings)


def test_a_32_chunk_removed_from_the_stream_is_breaking(tmp_path: Path) -> None:
    old_spec = assemble(tmp_path / "old")
    new_spec = assemble(tmp_path / "new")
    text = new_spec.read_text()
    new_spec.write_text(text.replace('$ref: "./components/chunks.yaml#/ChatCompletionChunk"', "{}"))
    result = diff_documents(load_bundle(old_spec).data, load_bundle(new_spec).data)
    assert result.breaking, result.changes


# --- the rest of 3.2 ------------------------------------------------------------------------------

FEATURES = """\
openapi: 3.2.0
info: {title: Features, version: "1"}
tags:
  - {name: items, summary: Items}
  - {name: search, parent: items, kind: nav}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        "200": {$ref: "#/components/responses/Items"}
    query:
      operationId: searchItems
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [q], properties: {q: {type: string}}}
      responses:
        "200": {$ref: "#/components/responses/Items"}
    additionalOperations:
      PURGE:
        operationId: purgeItems
        responses:
          "204": {description: gone}
  /events:
    get:
      operationId: streamEvents
      responses:
        "200":
          description: events
          content:
            application/jsonl:
              itemSchema: {$ref: "#/components/schemas/Item"}
            text/event-stream:
              $ref: "#/components/mediaTypes/TextEvents"
components:
  mediaTypes:
    TextEvents:
      itemSchema:
        type: object
        properties:
          data: {type: string}
  responses:
    Items:
      description: items
      content:
        application/json:
          schema: {type: array, items: {$ref: "#/components/schemas/Item"}}
  schemas:
    Item:
      type: object
      required: [id]
      properties:
        id: {type: string}
"""


def test_32_lint_says_what_the_generated_code_does_not_stream(tmp_path: Path) -> None:
    done = run_cli("validate", str(write(tmp_path / "features.yaml", FEATURES)))
    assert done.returncode == 0, done.stderr
    warnings = [
        line for line in (done.stdout + done.stderr).splitlines() if "[sequential-media]" in line
    ]
    assert len(warnings) == 2, done.stderr
    jsonl, untyped = sorted(warnings, key=lambda line: "jsonl" not in line)
    assert "`application/jsonl` items are not streamed" in jsonl
    assert "(at #/paths/~1events/get/responses/200/content/application~1jsonl/itemSchema)" in jsonl
    assert "`data` has no schema" in untyped and "contentSchema" in untyped


def test_32_additional_operations_must_be_other_methods(tmp_path: Path) -> None:
    spec = write(tmp_path / "features.yaml", FEATURES.replace("      PURGE:\n", "      get:\n"))
    done = run_cli("validate", str(spec))
    assert done.returncode == 1
    [line] = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "[additional-operations]" in line
    ]
    assert ": error: 'get' has a fixed field: write the operation under `get`" in line
    generated = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert generated.returncode == 0, generated.stderr  # generate warns and leaves it out
    output = generated.stdout + generated.stderr
    assert ": warning: 'get' has a fixed field" in output
    assert "purge_items" not in (tmp_path / "out" / "features" / "client.py").read_text()


def test_an_additional_operation_that_is_no_method_is_refused(tmp_path: Path) -> None:
    spec = write(tmp_path / "features.yaml", FEATURES.replace("      PURGE:\n", "      A B:\n"))
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "(at #/paths/~1items/additionalOperations" in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()


def test_a_32_document_with_a_wrong_item_schema_is_located(tmp_path: Path) -> None:
    text = FEATURES.replace('itemSchema: {$ref: "#/components/schemas/Item"}', "itemSchema: 5")
    done = run_cli("validate", str(write(tmp_path / "features.yaml", text)))
    assert done.returncode == 1
    [error] = [line for line in (done.stdout + done.stderr).splitlines() if ": error: " in line]
    assert "features.yaml:34:27: error: " in error
    assert "(at #/paths/~1events/get/responses/200/content/application~1jsonl/itemSchema)" in error


@pytest.mark.parametrize("version", ["3.3.0", "3.2"])
def test_versions_past_32_are_refused(tmp_path: Path, version: str) -> None:
    text = FEATURES.replace("openapi: 3.2.0", f"openapi: {version}")
    done = run_cli("validate", str(write(tmp_path / "features.yaml", text)))
    assert done.returncode == 1
    assert "apiforge reads 3.0.x, 3.1.x and 3.2.x" in done.stdout + done.stderr


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread, for the length of the block."""
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):  # 10 s at most
        if server.started:
            break
        time.sleep(0.02)
    try:
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_query_and_additional_operations_go_over_the_wire(tmp_path: Path) -> None:
    """The generated client sends QUERY and PURGE; the generated server routes them."""
    spec = write(tmp_path / "features.yaml", FEATURES)
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    server = import_fresh(tmp_path, "out.features.server")
    client = importlib.import_module("out.features.client")
    models = importlib.import_module("out.features.models")
    seen: list[tuple[str, Any]] = []

    class Handler:
        async def list_items(self, context: Any) -> Any:
            seen.append((context.operation_id, None))
            return models.ListItemsResponse([models.Item(id="a")])

        async def search_items(self, body: Any, context: Any) -> Any:
            seen.append((context.operation_id, body.q))
            return models.ListItemsResponse([models.Item(id=body.q)])  # one shared response

        async def purge_items(self, context: Any) -> None:
            seen.append((context.operation_id, None))

        async def stream_events(self, context: Any) -> None:
            return None

    app = server.create_app(Handler())
    with serving(app) as url, client.Client(base_url=url, max_retries=0) as api:
        assert api.search_items(q="needle").root == [models.Item(id="needle")]
        assert api.purge_items() is None
        assert [i.id for i in api.list_items().root] == ["a"]
        with httpx.Client(base_url=url) as raw:  # the routes are these methods, no other
            assert raw.post("/items", json={"q": "x"}).status_code == 405
    assert seen == [("searchItems", "needle"), ("purgeItems", None), ("listItems", None)]
