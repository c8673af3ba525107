"""Spec text never becomes code: hostile documents generate inert, importable, type-clean packages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from apiforge.findings.diagnostic import SpecError
from apiforge.pipeline import generate
from tests.helpers import mypy_strict

BREAKOUTS = [
    '"""',
    "'''",
    "\\",
    "\n",
    "\r\n",
    "{{ 7 * 7 }}",
    "{% raw %}",
    "{#",
    "# comment",
    "\x00",
    "\u2028",
    ");",
]


def payload(canary: Path) -> str:
    return f"__import__('pathlib').Path({str(canary)!r}).write_text('pwned')"


def hostile_spec(canary: Path) -> dict[str, object]:
    """A valid 3.1 document with a code-injection attempt in every place text can reach."""
    evil = payload(canary)
    texts = [f"{b}{evil}{b}" for b in BREAKOUTS] + [f'"+{evil}+"', f"'+{evil}+'", f"\\'+{evil}#"]
    joined = " ".join(texts)
    props = {
        f"p{i}{name}": {
            "type": "string",
            "description": text,
            "default": text,
            "examples": [text],
            "pattern": "^.*$",
        }
        for i, (name, text) in enumerate(zip(["_a", "_b", "_c", "_d"], texts, strict=False))
    }
    props["class"] = {"type": "string", "enum": texts, "description": joined}
    props["from"] = {"type": "integer", "default": 3, "description": "{{ config }}"}
    return {
        "openapi": "3.1.0",
        "info": {"title": joined, "version": texts[0], "description": joined},
        "servers": [{"url": f"https://example.test/{evil}"}],
        "x-apiforge-error-envelope": {"message": f"/error/{evil}"},
        "paths": {
            "/items/{id}/'\"%7B%7Bx%7D%7D": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "post": {
                    "operationId": f"do'; {evil}; x='",
                    "summary": joined,
                    "description": joined,
                    "parameters": [
                        {
                            "name": "x",
                            "in": "query",
                            "description": joined,
                            "schema": {"type": "string", "default": texts[1]},
                        },
                        {"name": f"h-{texts[2]}", "in": "header", "schema": {"type": "string"}},
                        {"name": "'\"", "in": "cookie", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Evil.Name-1"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": joined,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Evil.Name-1"}
                                }
                            },
                        },
                        "400": {
                            "description": joined,
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "description": joined,
                                        "properties": {
                                            "error": {
                                                "type": "object",
                                                "properties": {"message": {"type": "string"}},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "Evil.Name-1": {
                    "type": "object",
                    "description": joined,
                    "title": joined,
                    "required": ["class"],
                    "properties": props,
                },
                "__import__.os": {"type": "string", "enum": texts, "description": joined},
                "import": {
                    "type": "object",
                    "properties": {"def": {"type": "boolean", "default": True}},
                },
            }
        },
    }


def test_hostile_document_generates_inert_code(tmp_path: Path) -> None:
    canary = tmp_path / "CANARY"
    spec = tmp_path / "evil.json"
    spec.write_text(json.dumps(hostile_spec(canary)))
    out = tmp_path / "out"
    generate([spec], out)
    assert not canary.exists(), "generation ran spec text"
    sources = "\n".join(p.read_text() for p in (out / "evil").glob("*.py"))
    assert (
        "{{" not in sources.replace("'{{", "").replace('"{{', "") or "7 * 7" in sources
    )  # rendered as text
    # no template expression was evaluated; the canary's path (pytest-of-root/pytest-49/...) is
    # in the text and in names made of it (RootPytest49...), so those words are left out
    assert "49" not in re.sub(r"\w*[Pp]ytest\w*", "", sources.replace(str(tmp_path), ""))
    code = (
        "import importlib\n"
        "for m in ('models', 'client', 'server'):\n"
        "    importlib.import_module('evil.' + m)\n"
        "from evil import models\n"
        "print(sorted(n for n in dir(models) if not n.startswith('_'))[:3])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=out, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not canary.exists(), "importing the generated package ran spec text"
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "evil"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout[-3000:]
    mypy = mypy_strict("evil", cwd=out)
    assert mypy.returncode == 0, mypy.stdout[-3000:]
    assert not canary.exists()


def test_hostile_enum_and_default_values_survive_as_data(tmp_path: Path) -> None:
    """The injected strings are still there, as the exact values the spec gave."""
    canary = tmp_path / "CANARY"
    spec = tmp_path / "evil2.json"
    doc = hostile_spec(canary)
    spec.write_text(json.dumps(doc))
    out = tmp_path / "out"
    generate([spec], out)
    code = (
        "import json, typing\n"
        "from evil2 import models\n"
        "cls = [getattr(models, n) for n in dir(models) if n.startswith('Evil')][0]\n"
        "fields = cls.model_fields\n"
        "print(json.dumps({'defaults': [f.default for n, f in sorted(fields.items()) if isinstance(f.default, str)],\n"
        "                  'enum': list(typing.get_args(fields['class_'].annotation))}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=out, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout)
    props = doc["components"]["schemas"]["Evil.Name-1"]["properties"]  # type: ignore[index]
    assert sorted(seen["enum"]) == sorted(props["class"]["enum"])
    assert set(seen["defaults"]) <= {p.get("default") for p in props.values()}
    assert len(seen["defaults"]) >= 3
    assert not canary.exists()


@pytest.mark.parametrize(
    "ref",
    [
        "https://example.com/x.yaml#/A",
        "file:///etc/passwd",
        "../outside.yaml#/A",
        "/etc/hosts#/A",
        "//host/x",
    ],
)
def test_refs_that_leave_the_spec_are_refused_before_generation(ref: str, tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (tmp_path / "outside.yaml").write_text("A: {type: string}\n")
    spec = folder / "leaky.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
        f"components:\n  schemas:\n    B:\n      $ref: '{ref}'\n"
    )
    with pytest.raises(SpecError) as refused:
        generate([spec], tmp_path / "out")
    assert refused.value.diagnostics[0].line == 7
    assert not (tmp_path / "out" / "leaky").exists()


def test_dynamic_refs_and_custom_type_keywords_never_reach_the_models(tmp_path: Path) -> None:
    """`$dynamicRef` must not read files; `customTypePath`/`x-python-*` must not choose imports."""
    secret = tmp_path / "secret.json"
    secret.write_text('{"LEAKED_SECRET_FIELD": {"type": "string"}}')
    folder = tmp_path / "specs"
    folder.mkdir()
    spec = folder / "sneaky.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A:\n      type: object\n      customBasePath: subprocess.Popen\n      properties:\n"
        f"        leak: {{$dynamicRef: '{secret.as_uri()}'}}\n"
        "        b: {type: string, customTypePath: os.system, x-python-type: os.system}\n"
        "        c: {type: string, x-python-import: {module: os, name: system}}\n"
    )
    generate([spec], tmp_path / "out")
    models = (tmp_path / "out" / "sneaky" / "models.py").read_text()
    assert "LEAKED_SECRET_FIELD" not in models
    assert "system" not in models and "Popen" not in models
    from apiforge.models.allowed_imports import foreign_imports

    assert foreign_imports(models) == []
