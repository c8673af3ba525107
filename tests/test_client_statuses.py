"""An operation with several 2xx answers, some without a body (Azure's long-running delete: 200
while polled, 202 with the resource, 204 when done): the client parses the one with a body and
returns None for the others, and its type says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import import_fresh, mypy_strict, run_cli

SPEC = {
    "openapi": "3.0.0",
    "info": {"title": "lro", "version": "1"},
    "paths": {
        "/things/{name}": {
            "delete": {
                "operationId": "delete_thing",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "polled"},
                    "202": {
                        "description": "accepted",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "204": {"description": "done"},
                },
            }
        }
    },
    "components": {
        "schemas": {"Thing": {"type": "object", "properties": {"state": {"type": "string"}}}}
    },
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("statuses")
    spec = root / "lro_statuses.json"
    spec.write_text(json.dumps(SPEC))
    done = run_cli("generate", str(spec), "--out", str(root / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "out"


def _answering(status: int, body: bytes) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/json"} if body else {}
        return httpx.Response(status, content=body, headers=headers)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [(202, b'{"state": "deleting"}', {"state": "deleting"}), (200, b"", None), (204, b"", None)],
)
def test_each_2xx_is_read_as_its_own_response_documents(
    package: Path, status: int, body: bytes, expected: Any
) -> None:
    client_module: Any = import_fresh(package, "lro_statuses.client")
    with client_module.Client("http://lro.test", "k", transport=_answering(status, body)) as client:
        got = client.delete_thing(name="a")
    assert (None if got is None else got.model_dump(exclude_unset=True)) == expected


def test_the_method_is_typed_as_the_body_or_none(package: Path) -> None:
    text = (package / "lro_statuses" / "client.py").read_text()
    assert "-> models.Thing | None:" in text
    done = mypy_strict("lro_statuses", cwd=package)
    assert done.returncode == 0, done.stdout
