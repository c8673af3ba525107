"""Handlers that implement some operations (issue 21, class 6): the others answer 501 in the
dialect's envelope, with nothing in the log; README's handler example type-checks and runs."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import REPO, import_fresh, mypy_strict, run_cli

SPEC = """
openapi: 3.1.0
info: {title: partial, version: "1"}
x-apiforge-error-envelope: {message: /message, status: /status}
paths:
  /v1/pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: the pets
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pets"}
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "201":
          description: the pet
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
  /v1/pets/{petId}:
    delete:
      operationId: deletePet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Pets:
      type: object
      required: [pets]
      properties:
        pets: {type: array, items: {$ref: "#/components/schemas/Pet"}}
    Error:
      type: object
      required: [message, status]
      properties:
        message: {type: string}
        status: {type: string}
"""

# what a team that implements one operation writes: a subclass, checked by mypy --strict
ONE_OPERATION = '''
from partial import models
from partial.server import Handler, RequestContext, create_app


class PetStore(Handler):
    async def create_pet(self, body: models.Pet, context: RequestContext) -> models.Pet:
        return models.Pet(name=body.name.upper())


class Listing:
    """Not a Handler: any object serves, implementing the methods it has."""

    async def list_pets(self, context: RequestContext) -> models.Pets:
        return models.Pets(pets=[models.Pet(name="rex")])


subclassed = create_app(PetStore())
plain = create_app(Listing())
'''


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`partial` generated with the CLI, and the user's module beside it, type-checked."""
    root = tmp_path_factory.mktemp("partial")
    spec = root / "partial.yaml"
    spec.write_text(SPEC)
    out = root / "out"
    done = run_cli("generate", str(spec), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "__init__.py").unlink()
    (out / "petstore.py").write_text(ONE_OPERATION)
    checked = mypy_strict("partial", "petstore.py", cwd=out)
    assert checked.returncode == 0, checked.stdout
    return out


def _not_implemented(operation_id: str) -> dict[str, str]:
    message = f"The operation {operation_id} is not implemented by this server."
    return {"message": message, "status": "501"}


def test_a_subclass_answers_what_it_overrides_and_501_for_the_rest(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user: Any = import_fresh(package, "petstore")
    caplog.set_level(logging.DEBUG)
    with TestClient(user.subclassed) as http:
        created = http.post("/v1/pets", json={"name": "rex"})
        listed = http.get("/v1/pets")
        deleted = http.delete("/v1/pets/7")
    assert (created.status_code, created.json()) == (201, {"name": "REX"})
    assert (listed.status_code, listed.json()) == (501, _not_implemented("listPets"))
    assert (deleted.status_code, deleted.json()) == (501, _not_implemented("deletePet"))
    assert listed.headers["content-type"] == "application/json"
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]


def test_an_object_lacking_a_method_answers_501_without_a_traceback(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user: Any = import_fresh(package, "petstore")
    caplog.set_level(logging.DEBUG)
    with TestClient(user.plain) as http:
        listed = http.get("/v1/pets")
        created = http.post("/v1/pets", json={"name": "rex"})
        invalid = http.post("/v1/pets", json={"name": 3})
    assert (listed.status_code, listed.json()) == (200, {"pets": [{"name": "rex"}]})
    assert (created.status_code, created.json()) == (501, _not_implemented("createPet"))
    assert invalid.status_code == 400  # the request is still checked before the 501
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text


def test_an_object_with_no_methods_serves_every_operation_as_501(package: Path) -> None:
    server: Any = import_fresh(package, "partial.server")
    with TestClient(server.create_app(object())) as http:
        answer = http.delete("/v1/pets/7")
    assert (answer.status_code, answer.json()) == (501, _not_implemented("deletePet"))


def _readme_handler_example() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("In your own deployment you write the handler") :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "README.md has no handler example"
    return found[1]


def test_the_readme_handler_example_type_checks_and_serves(tmp_path: Path) -> None:
    """As written in README.md: next to a generated `generated/provider`, mypy --strict accepts
    it, and the app it makes answers, streams and refuses as the example says."""
    done = run_cli(
        "generate", str(REPO / "spec" / "provider.yaml"), "--out", str(tmp_path / "generated")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "mymodule.py").write_text(_readme_handler_example())
    checked = mypy_strict("mymodule.py", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    script = textwrap.dedent(
        """
        import json
        from starlette.testclient import TestClient
        from mymodule import app

        key = {"Authorization": "Bearer sk-1"}
        ask = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}
        with TestClient(app) as http:
            plain = http.post("/v1/chat/completions", headers=key, json=ask)
            streamed = http.post("/v1/chat/completions", headers=key, json={**ask, "stream": True})
            missing = http.post("/v1/chat/completions", headers=key, json={**ask, "model": "x"})
            no_key = http.post("/v1/chat/completions", json=ask)
        print(json.dumps({
            "plain": [plain.status_code, plain.json()["choices"][0]["message"]["content"]],
            "streamed": [streamed.status_code, streamed.text.count("data: ")],
            "missing": [missing.status_code, missing.json()["error"]["code"]],
            "no_key": no_key.status_code,
        }))
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result == {
        "plain": [200, "hi"],
        "streamed": [200, 2],  # one chunk, then [DONE]
        "missing": [404, "model_not_found"],
        "no_key": 401,
    }
