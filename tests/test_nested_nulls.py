"""The generated server refuses a null the spec forbids at any depth: inline objects inside
objects, array items, maps and allOf, not only component schemas (issue 21, fidelity finding:
getpostman.com's `updateMonitor` accepted `{"monitor": {"schedule": {"cron": null}}}`).

Each document is generated with the CLI and served with a handler that records what it got.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import import_fresh, run_cli


def _maybe(schema: dict[str, Any], version: str) -> dict[str, Any]:
    """The schema, also admitting null, as each version writes it."""
    if version == "3.0":
        return {**schema, "nullable": True}
    return {**schema, "type": [schema["type"], "null"]}


def _nested_document(version: str) -> dict[str, Any]:
    text = {"type": "string"}
    tag = {"type": "object", "properties": {"label": text}}
    body = {
        "type": "object",
        "properties": {
            "inner": {
                "type": "object",
                "properties": {
                    "a": text,
                    "maybe": _maybe(text, version),
                    "deeper": {"type": "object", "properties": {"z": {"type": "integer"}}},
                },
            },
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"b": text, "nb": _maybe(text, version)},
                },
            },
            "map": {
                "type": "object",
                "additionalProperties": {"type": "object", "properties": {"c": text}},
            },
            "combo": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"d": text}},
                ]
            },
            "merged": {
                "allOf": [
                    {"type": "object", "properties": {"e": text}},
                    {"type": "object", "properties": {"f": text}},
                ]
            },
            "either": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {"kind": {"enum": ["one"]}, "e1": text},
                        "required": ["kind"],
                    },
                    {
                        "type": "object",
                        "properties": {"kind": {"enum": ["two"]}, "e2": text},
                        "required": ["kind"],
                    },
                ]
            },
            "holder": _maybe({"type": "object", "properties": {"g": text}}, version),
            "pet": {"$ref": "#/components/schemas/Pet"},
        },
    }
    return {
        "openapi": "3.0.3" if version == "3.0" else "3.1.0",
        "info": {"title": "nested", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "makeThing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": {"200": {"description": "stored"}},
                }
            },
            "/batch": {
                "post": {
                    "operationId": "addBatch",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Pet"},
                                }
                            }
                        },
                    },
                    "responses": {"200": {"description": "stored"}},
                }
            },
            "/pets": {
                "post": {
                    "operationId": "addPet",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                    },
                    "responses": {"200": {"description": "stored"}},
                }
            },
        },
        "components": {
            "schemas": {
                "Base": {"type": "object", "properties": {"base": text}},
                "Pet": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "readOnly": True},
                        "name": text,
                        "tag": tag,
                    },
                },
            }
        },
    }


POSTMAN = {  # getpostman.com's updateMonitor, reduced
    "openapi": "3.0.3",
    "info": {"title": "postman", "version": "1"},
    "paths": {
        "/monitors/{monitor_uid}": {
            "put": {
                "operationId": "updateMonitor",
                "parameters": [
                    {
                        "name": "monitor_uid",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "monitor": {
                                        "type": "object",
                                        "properties": {
                                            "name": {"type": "string"},
                                            "schedule": {
                                                "type": "object",
                                                "properties": {
                                                    "cron": {"type": "string"},
                                                    "timezone": {"type": "string"},
                                                },
                                            },
                                        },
                                    }
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "updated"}},
            }
        }
    },
}


PLACEKIT = {  # placekit.co's reverse, reduced: the body extends a component through allOf
    "openapi": "3.0.3",
    "info": {"title": "placekit", "version": "1"},
    "paths": {
        "/reverse": {
            "post": {
                "operationId": "reverse",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": "#/components/schemas/parameters"},
                                    {
                                        "type": "object",
                                        "properties": {
                                            "countryByIP": {"type": "boolean", "default": True}
                                        },
                                    },
                                ]
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "places"}},
            }
        }
    },
    "components": {
        "schemas": {
            "parameters": {
                "type": "object",
                "properties": {
                    "coordinates": {"type": "string"},
                    "countries": {"type": "array", "items": {"type": "string"}},
                    "maxResults": {"type": "integer", "default": 5},
                },
            }
        }
    },
}


class Recorder:
    """A handler for every operation of these documents: it keeps the body it was given."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    async def make_thing(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def add_pet(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def add_batch(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def reverse(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def update_monitor(self, body: Any, params: Any, context: Any) -> None:
        self.bodies.append(body)

    async def configurations_create(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def rules_update(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def pulls_update_branch(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def strict_update(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def questions_patch(self, body: Any, context: Any) -> None:
        self.bodies.append(body)

    async def update_tags(self, body: Any, context: Any) -> None:
        self.bodies.append(body)


def _serve(tmp: Path, name: str, document: dict[str, Any]) -> Any:
    """Generate package `name` from the document with the CLI; its server module."""
    spec = tmp / f"{name}.json"
    spec.write_text(json.dumps(document))
    done = run_cli("generate", str(spec), "--out", str(tmp / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    return import_fresh(tmp / "out", f"{name}.server")


@pytest.fixture(scope="module", params=["3.0", "3.1"])
def nested(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    version = request.param
    name = "nested" + version.replace(".", "")
    return _serve(tmp_path_factory.mktemp(name), name, _nested_document(version))


def _post(server: Any, path: str, body: Any) -> tuple[int, Any, Recorder]:
    handler = Recorder()
    method = "PUT" if "monitors" in path else "PATCH" if "questions" in path else "POST"
    with TestClient(server.create_app(handler)) as http:
        answer = http.request(method, path, json=body)
    return answer.status_code, answer.json() if answer.content else None, handler


REFUSED = [
    ({"inner": {"a": None}}, "inner.a"),
    ({"inner": {"deeper": {"z": None}}}, "inner.deeper.z"),
    ({"rows": [{"b": "x"}, {"b": None}]}, "rows[1].b"),
    ({"map": {"k": {"c": None}}}, "map.k.c"),
    ({"combo": {"d": None}}, "combo.d"),
    ({"combo": {"base": None}}, "combo.base"),
    ({"merged": {"f": None}}, "merged.f"),
    ({"either": {"kind": "two", "e2": None}}, "either.e2"),
    ({"holder": {"g": None}}, "holder.g"),
    ({"pet": {"tag": {"label": None}}}, "pet.tag.label"),
]


@pytest.mark.parametrize(("body", "where"), REFUSED, ids=[w for _, w in REFUSED])
def test_a_nested_null_the_spec_forbids_is_refused_and_named(
    nested: Any, body: dict[str, Any], where: str
) -> None:
    status, answer, handler = _post(nested, "/things", body)
    assert status == 400, answer
    assert f"'{where}'" in answer["error"]["message"], answer
    assert handler.bodies == []


ACCEPTED = [
    {},
    {"inner": {"maybe": None}, "holder": None, "rows": [{"nb": None}]},
    {
        "inner": {"a": "", "maybe": "m", "deeper": {"z": 1}},
        "rows": [{"b": "x"}, {}],
        "map": {"k": {"c": "c"}, "l": {}},
        "combo": {"base": "b", "d": "d"},
        "merged": {"e": "e", "f": "f"},
        "either": {"kind": "two", "e2": "2"},
        "holder": {"g": "g"},
        "pet": {"name": "rex", "tag": {"label": "good"}},
    },
    {"rows": [], "map": {}, "combo": {}, "pet": {"tag": {}}},
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_left_out_or_nullable_reaches_the_handler_as_sent(
    nested: Any, body: dict[str, Any]
) -> None:
    status, answer, handler = _post(nested, "/things", body)
    assert status == 200, answer
    (got,) = handler.bodies
    assert got.model_dump(mode="json", by_alias=True, exclude_unset=True) == body


def test_a_component_body_sent_as_its_request_variant_refuses_a_nested_null(nested: Any) -> None:
    """`addPet`'s body class is `PetRequest` (Pet without its readOnly id): its inline `tag` too."""
    status, answer, _ = _post(nested, "/pets", {"name": None})
    assert status == 400 and "'name'" in answer["error"]["message"], answer
    status, answer, _ = _post(nested, "/pets", {"tag": {"label": None}})
    assert status == 400 and "'tag.label'" in answer["error"]["message"], answer
    status, answer, handler = _post(nested, "/pets", {"name": "rex", "tag": {}})
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == {
        "name": "rex",
        "tag": {},
    }


def test_an_array_body_names_the_item_that_sent_null(nested: Any) -> None:
    """The body's class is a RootModel of a list: the path starts at the item's index."""
    status, answer, _ = _post(nested, "/batch", [{"name": "a"}, {"tag": {"label": None}}])
    assert status == 400, answer
    assert "'[1].tag.label'" in answer["error"]["message"], answer
    sent = [{"name": "a"}, {"tag": {}}]
    status, answer, handler = _post(nested, "/batch", sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent


def test_postman_update_monitor(tmp_path: Path) -> None:
    """The fidelity finding itself: a null cron in the monitor's inline schedule is a 400."""
    server = _serve(tmp_path, "postman", POSTMAN)
    path = "/monitors/m1"
    status, answer, handler = _post(
        server, path, {"monitor": {"name": "", "schedule": {"cron": None}}}
    )
    assert status == 400, answer
    assert "'monitor.schedule.cron'" in answer["error"]["message"]
    assert handler.bodies == []
    sent = {"monitor": {"name": "", "schedule": {"timezone": "UTC"}}}
    status, answer, handler = _post(server, path, sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent


@pytest.mark.parametrize("name", ["coordinates", "countries", "maxResults", "countryByIP"])
def test_placekit_reverse_refuses_a_null_its_base_component_forbids(
    tmp_path: Path, name: str
) -> None:
    """The body's class extends the component's class (`Reverse(Parameters)`): the server reads
    the base's entry too."""
    server = _serve(tmp_path, "placekit", PLACEKIT)
    status, answer, handler = _post(server, "/reverse", {name: None})
    assert status == 400, answer
    assert f"'{name}'" in answer["error"]["message"], answer
    sent = {"coordinates": "48.87, 2.29", "countries": []}
    status, answer, handler = _post(server, "/reverse", sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


AZURE_CONFIGURATION = {  # azure.com/mariadb's Configurations_CreateOrUpdate, reduced
    "openapi": "3.0.0",
    "info": {"title": "mariadb", "version": "1"},
    "paths": {
        "/configurations": {
            "post": {
                "operationId": "configurations_create",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("Configuration")}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
    "components": {
        "schemas": {
            "ProxyResource": {"properties": {"id": {"type": "string", "readOnly": True}}},
            "Configuration": {
                "allOf": [ref("ProxyResource")],
                "properties": {"properties": ref("ConfigurationProperties")},
            },
            # no `type`: an object by our documented reading, and a class in the models
            "ConfigurationProperties": {"properties": {"value": {"type": "string"}}},
        }
    },
}


def test_a_typeless_object_schema_refuses_null_as_its_class_does(tmp_path: Path) -> None:
    """JSON Schema lets null through `{properties: ...}`, but the models read it as an object (a
    class: a required one refuses null), so an optional one left out is fine and null is a 400."""
    from apiforge.codegen.nullability import allows_null

    assert not allows_null(ref("ConfigurationProperties"), AZURE_CONFIGURATION)
    server = _serve(tmp_path, "azure_configuration", AZURE_CONFIGURATION)
    status, answer, handler = _post(server, "/configurations", {"properties": None})
    assert status == 400, answer
    assert "'properties'" in answer["error"]["message"] and handler.bodies == []
    sent = {"properties": {"value": "x"}}
    status, answer, handler = _post(server, "/configurations", sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent


OSISOFT_ANNOTATED = {  # osisoft.com: a property named `Annotated` renames typing's import
    "openapi": "3.0.0",
    "info": {"title": "osisoft", "version": "1"},
    "paths": {
        "/rules": {
            "post": {
                "operationId": "rules_update",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("TimeRule")}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
    "components": {
        "schemas": {
            "TimeRule": {
                "type": "object",
                "properties": {
                    "Annotated": {"type": "boolean"},
                    "IsConfigured": {"type": "boolean", "example": True},
                    "Web-Id": {"type": "string", "example": "x"},
                },
            },
        }
    },
}


def test_typings_annotated_under_another_name_is_still_read(tmp_path: Path) -> None:
    """The library writes `from typing import Annotated as Annotated_aliased` there; its
    fields' aliases and optionality were lost, so a null the spec forbids got through."""
    server = _serve(tmp_path, "osisoft", OSISOFT_ANNOTATED)
    for name in ("IsConfigured", "Web-Id"):
        status, answer, handler = _post(server, "/rules", {name: None})
        assert status == 400, (name, answer)
        assert f"'{name}'" in answer["error"]["message"] and handler.bodies == []
    sent = {"Annotated": True, "IsConfigured": False, "Web-Id": "w"}
    status, answer, handler = _post(server, "/rules", sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent


GITHUB_UPDATE_BRANCH = {  # github.com/ghes-3.0's pulls/update-branch, reduced
    "openapi": "3.0.3",
    "info": {"title": "ghes", "version": "1"},
    "paths": {
        "/update-branch": {
            "put": {
                "operationId": "pulls_update_branch",
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "nullable": True,
                                "properties": {"expected_head_sha": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/strict": {
            "put": {
                "operationId": "strict_update",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("TimeRule")}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
    "components": {"schemas": OSISOFT_ANNOTATED["components"]["schemas"]},
}


def test_a_null_body_the_spec_allows_reaches_the_handler_as_none(tmp_path: Path) -> None:
    """`nullable: true` on the body's schema: JSON `null` is a valid body, not a 400; where the
    schema does not say so, null is still refused."""
    server = _serve(tmp_path, "ghes", GITHUB_UPDATE_BRANCH)
    handler = Recorder()
    with TestClient(server.create_app(handler)) as http:
        sent = http.put(
            "/update-branch", content=b"null", headers={"content-type": "application/json"}
        )
        assert sent.status_code == 200, sent.text
        assert handler.bodies == [None]
        left_out = http.put("/update-branch")
        assert left_out.status_code == 200, left_out.text
        strict = http.put("/strict", content=b"null", headers={"content-type": "application/json"})
        assert strict.status_code == 400, strict.text
    assert handler.bodies == [None, None]


GOOGLE_QUESTION = {  # googleapis.com/mybusinessqanda's questions.patch, reduced
    "openapi": "3.0.0",
    "info": {"title": "qanda", "version": "1"},
    "paths": {
        "/questions": {
            "patch": {
                "operationId": "questions_patch",
                "requestBody": {"content": {"application/json": {"schema": ref("Question")}}},
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
    "components": {
        "schemas": {
            "Question": {
                "type": "object",
                "properties": {
                    # readOnly beside the ref: the request variant leaves `author` out
                    "author": {"$ref": "#/components/schemas/Author", "readOnly": True},
                    "name": {"type": "string"},
                },
            },
            "Author": {"type": "object", "properties": {"displayName": {"type": "string"}}},
        }
    },
}


def test_a_request_variant_without_a_ref_marked_read_only_still_refuses_null(
    tmp_path: Path,
) -> None:
    server = _serve(tmp_path, "qanda", GOOGLE_QUESTION)
    status, answer, handler = _post(server, "/questions", {"name": None})
    assert status == 400, answer
    assert "'name'" in answer["error"]["message"] and handler.bodies == []


AZURE_TAGS = {  # azure.com/iothub's IotHubResource_Update, reduced: a map with no `type`
    "openapi": "3.0.0",
    "info": {"title": "iothub", "version": "1"},
    "paths": {
        "/tags": {
            "post": {
                "operationId": "update_tags",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("TagsResource")}},
                },
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
    "components": {
        "schemas": {
            "TagsResource": {
                "properties": {"tags": {"additionalProperties": {"type": "string"}}},
            }
        }
    },
}


def test_a_typeless_map_is_read_as_the_object_it_describes(tmp_path: Path) -> None:
    """`{additionalProperties: {type: string}}` without `type`: a map of strings by our
    documented reading (the models were `Any`, so a number among the tags got through)."""
    server = _serve(tmp_path, "iothub", AZURE_TAGS)
    status, answer, handler = _post(server, "/tags", {"tags": {"env": 12345}})
    assert status == 400, answer
    assert handler.bodies == []
    sent = {"tags": {"env": "prod"}}
    status, answer, handler = _post(server, "/tags", sent)
    assert status == 200, answer
    assert handler.bodies[0].model_dump(mode="json", by_alias=True, exclude_unset=True) == sent
