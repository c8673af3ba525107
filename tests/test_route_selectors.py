"""Operations whose path keys carry a fragment or a query reach their own handler method.

AWS keys operations `/#X-Amz-Target=Svc.Op`, S3 `/{Bucket}/{Key}#uploads`, others `/rest?method=x`:
a fragment is never sent, so several operations arrive as one (method, route) and the server must
tell them apart by the header or query value. Generated with the CLI, served through
httpx.ASGITransport, called with the generated client and with raw httpx.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from apiforge.serve import load_server_module
from tests.helpers import REPO, mypy_strict, run_cli


def _json(ref: str, description: str = "ok") -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": _json(ref)["content"]}


BUCKET_KEY = [
    {"name": "Bucket", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "Key", "in": "path", "required": True, "schema": {"type": "string"}},
]


def _target(name: str) -> dict[str, Any]:
    schema = {"type": "string", "enum": [f"Svc.{name}"]}
    return {"name": "X-Amz-Target", "in": "header", "required": True, "schema": schema}


SHAPES: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Shapes", "version": "1"},
    "paths": {
        "/#X-Amz-Target=Svc.CreateThing": {
            "post": {
                "operationId": "CreateThing",
                "parameters": [_target("CreateThing")],
                "requestBody": _body("Named"),
                "responses": {"200": _json("Thing"), "480": _json("Error", "Validation")},
            }
        },
        "/#X-Amz-Target=Svc.DeleteThing": {
            "post": {
                "operationId": "DeleteThing",
                "parameters": [_target("DeleteThing")],
                "requestBody": _body("Numbered"),
                "responses": {"200": _json("Thing")},
            }
        },
        "/{Bucket}/{Key}#uploads": {
            "parameters": BUCKET_KEY,
            "post": {
                "operationId": "CreateUpload",
                "parameters": [
                    {
                        "name": "uploads",
                        "in": "query",
                        "required": True,
                        "allowEmptyValue": True,
                        "schema": {"type": "boolean", "enum": [True]},
                    }
                ],
                "responses": {"200": _json("Thing")},
            },
        },
        "/{Bucket}/{Key}#uploadId": {
            "parameters": BUCKET_KEY,
            "post": {
                "operationId": "CompleteUpload",
                "parameters": [
                    {
                        "name": "uploadId",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": _body("Named"),
                "responses": {"200": _json("Thing")},
            },
        },
        "/{Bucket}/{Key}": {
            "parameters": BUCKET_KEY,
            "post": {
                "operationId": "PutThing",
                "requestBody": _body("Numbered"),
                "responses": {"200": _json("Thing")},
            },
        },
        "/rest?method=things.get": {
            "get": {
                "operationId": "GetThing",
                "parameters": [
                    {"name": "id", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": _json("Thing")},
            }
        },
        "/rest?method=things.list": {
            "get": {"operationId": "ListThings", "responses": {"200": _json("Thing")}}
        },
    },
    "components": {
        "schemas": {
            "Named": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
            "Numbered": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
            },
            "Thing": {"type": "object", "properties": {"via": {"type": "string"}}},
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        }
    },
}


def _aws(name: str, error: str) -> dict[str, Any]:
    """An operation of ce.json as APIs.guru writes it (descriptions dropped)."""
    schema = {"type": "string", "enum": [f"AWSInsightsIndexService.{name}"]}
    return {
        "post": {
            "operationId": name,
            "responses": {"200": _json(f"{name}Response", "Success"), "480": _json(error, error)},
            "requestBody": _body(f"{name}Request"),
            "parameters": [
                {"name": "X-Amz-Target", "in": "header", "required": True, "schema": schema}
            ],
        },
        "parameters": [{"$ref": "#/components/parameters/X-Amz-Date"}],
    }


def _all_of(name: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}, {}]}


# three operations of APIs.guru's amazonaws.com/ce.json (2017-10-25), their schemas as written
CE: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "AWS Cost Explorer Service", "version": "2017-10-25"},
    "servers": [{"url": "https://ce.us-east-1.amazonaws.com"}],
    "paths": {
        "/#X-Amz-Target=AWSInsightsIndexService.DeleteAnomalyMonitor": _aws(
            "DeleteAnomalyMonitor", "LimitExceededException"
        ),
        "/#X-Amz-Target=AWSInsightsIndexService.ProvideAnomalyFeedback": _aws(
            "ProvideAnomalyFeedback", "LimitExceededException"
        ),
        "/#X-Amz-Target=AWSInsightsIndexService.UntagResource": _aws(
            "UntagResource", "ResourceNotFoundException"
        ),
    },
    "components": {
        "parameters": {
            "X-Amz-Date": {
                "name": "X-Amz-Date",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        },
        "schemas": {
            "AnomalyFeedbackType": {"type": "string", "enum": ["YES", "NO", "PLANNED_ACTIVITY"]},
            "Arn": {
                "type": "string",
                "pattern": "arn:aws[-a-z0-9]*:[a-z0-9]+:[-a-z0-9]*:[0-9]{12}:[-a-zA-Z0-9/:_]+",
                "minLength": 20,
                "maxLength": 2048,
            },
            "DeleteAnomalyMonitorRequest": {
                "type": "object",
                "required": ["MonitorArn"],
                "title": "DeleteAnomalyMonitorRequest",
                "properties": {"MonitorArn": _all_of("GenericString")},
            },
            "DeleteAnomalyMonitorResponse": {"type": "object", "properties": {}},
            "GenericString": {
                "type": "string",
                "pattern": "[\\S\\s]*",
                "minLength": 0,
                "maxLength": 1024,
            },
            "LimitExceededException": {},
            "ProvideAnomalyFeedbackRequest": {
                "type": "object",
                "required": ["AnomalyId", "Feedback"],
                "title": "ProvideAnomalyFeedbackRequest",
                "properties": {
                    "AnomalyId": _all_of("GenericString"),
                    "Feedback": _all_of("AnomalyFeedbackType"),
                },
            },
            "ProvideAnomalyFeedbackResponse": {
                "type": "object",
                "required": ["AnomalyId"],
                "properties": {"AnomalyId": _all_of("GenericString")},
            },
            "ResourceNotFoundException": {},
            "ResourceTagKey": {
                "type": "string",
                "pattern": "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
                "minLength": 1,
                "maxLength": 128,
            },
            "ResourceTagKeyList": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ResourceTagKey"},
                "minItems": 0,
                "maxItems": 200,
            },
            "UntagResourceRequest": {
                "type": "object",
                "required": ["ResourceArn", "ResourceTagKeys"],
                "title": "UntagResourceRequest",
                "properties": {
                    "ResourceArn": _all_of("Arn"),
                    "ResourceTagKeys": _all_of("ResourceTagKeyList"),
                },
            },
            "UntagResourceResponse": {"type": "object", "properties": {}},
        },
    },
}


class Recorder:
    """A handler whose every method records what it got and answers a Thing-like model."""

    def __init__(self, server: ModuleType) -> None:
        self.server = server
        self.calls: list[tuple[str, Any, Any]] = []

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        spec = self.server.OPERATIONS.get(name)
        if spec is None:
            raise AttributeError(name)

        async def method(*args: Any) -> Any:
            body = next((a for a in args if hasattr(a, "model_dump")), None)
            params = next((a for a in args if hasattr(a, "__dataclass_fields__")), None)
            dumped = body.model_dump(by_alias=True, exclude_unset=True) if body else None
            self.calls.append((name, dumped, params))
            response = spec.response
            if response is None:
                return None
            fields = response.model_fields
            return response.model_validate({"via": name} if "via" in fields else {"AnomalyId": "a"})

        return method


Built = tuple[ModuleType, ModuleType, ModuleType, ModuleType, Path, str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("selectors")
    (root / "shapes.yaml").write_text(yaml.safe_dump(SHAPES, sort_keys=False))
    (root / "ce.json").write_text(json.dumps(CE, indent=1))
    out = root / "selector_pkgs"
    done = run_cli("generate", str(root / "shapes.yaml"), str(root / "ce.json"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    shapes_server = load_server_module("shapes", out)
    ce_server = load_server_module("ce", out)
    shapes = importlib.import_module(f"{out.name}.shapes.client")
    ce = importlib.import_module(f"{out.name}.ce.client")
    return shapes, shapes_server, ce, ce_server, out, done.stderr


def _run(server: ModuleType, talk: Callable[[httpx.AsyncClient, Recorder], Awaitable[Any]]) -> Any:
    recorder = Recorder(server)
    transport = httpx.ASGITransport(app=server.create_app(recorder))

    async def go() -> Any:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            return await talk(http, recorder)

    return asyncio.run(go())


def test_each_operation_reaches_its_own_method_from_the_generated_client(built: Built) -> None:
    shapes, server, *_ = built
    recorder = Recorder(server)
    transport = httpx.ASGITransport(app=server.create_app(recorder))

    async def go() -> list[Any]:
        async with shapes.AsyncClient("http://t", transport=transport) as client:
            return [
                await client.create_thing(name="n"),
                await client.delete_thing(id=3, x_amz_target="Svc.DeleteThing"),
                await client.create_upload(bucket="b", key="k"),
                await client.complete_upload(name="m", bucket="b", key="k", upload_id="u1"),
                await client.put_thing(id=4, bucket="b", key="k"),
                await client.get_thing(id="x"),
                await client.list_things(),
            ]

    results = asyncio.run(go())
    called = [(name, body) for name, body, _ in recorder.calls]
    assert called == [
        ("create_thing", {"name": "n"}),
        ("delete_thing", {"id": 3}),
        ("create_upload", None),
        ("complete_upload", {"name": "m"}),
        ("put_thing", {"id": 4}),
        ("get_thing", None),
        ("list_things", None),
    ]
    assert [r.via for r in results] == [name for name, _ in called]
    params = {name: p for name, _, p in recorder.calls}
    assert params["create_thing"].x_amz_target == "Svc.CreateThing"
    assert params["complete_upload"].upload_id == "u1"
    assert params["create_upload"].uploads is True
    assert params["get_thing"].id == "x"


RAW = [  # (method, url, headers, body, operation)
    ("POST", "/", {"X-Amz-Target": "Svc.DeleteThing"}, {"id": 1}, "delete_thing"),
    ("POST", "/", {"x-amz-target": "Svc.CreateThing"}, {"name": "a"}, "create_thing"),
    ("POST", "/b/k?uploads=true", {}, None, "create_upload"),
    ("POST", "/b/k?uploadId=9", {}, {"name": "z"}, "complete_upload"),
    ("POST", "/b/k", {}, {"id": 2}, "put_thing"),
    ("GET", "/rest?method=things.list", {}, None, "list_things"),
    ("GET", "/rest?id=1&method=things.get", {}, None, "get_thing"),
]


@pytest.mark.parametrize(("method", "url", "headers", "body", "operation"), RAW)
def test_raw_requests_reach_the_operation_their_selector_names(
    built: Built, method: str, url: str, headers: dict[str, str], body: Any, operation: str
) -> None:
    _, server, *_ = built

    async def talk(http: httpx.AsyncClient, recorder: Recorder) -> tuple[httpx.Response, Any]:
        response = await http.request(method, url, headers=headers, json=body)
        return response, [(name, got) for name, got, _ in recorder.calls]

    response, calls = _run(server, talk)
    assert response.status_code == 200, response.text
    assert calls == [(operation, body)]


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("POST", "/", {}),
        ("POST", "/", {"X-Amz-Target": "Svc.Nothing"}),
        ("GET", "/rest?method=things.delete", {}),
        ("GET", "/rest", {}),
    ],
)
def test_a_request_no_selector_picks_is_refused_in_the_envelope(
    built: Built, method: str, url: str, headers: dict[str, str]
) -> None:
    _, server, *_ = built

    async def talk(http: httpx.AsyncClient, recorder: Recorder) -> tuple[httpx.Response, int]:
        response = await http.request(method, url, headers=headers, json={"name": "a"})
        return response, len(recorder.calls)

    response, calls = _run(server, talk)
    assert calls == 0
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "unknown_operation"
    assert "No operation of" in error["message"]


def test_the_reduced_cost_explorer_document(built: Built) -> None:
    *_, ce, server, _, _ = built
    recorder = Recorder(server)
    transport = httpx.ASGITransport(app=server.create_app(recorder))
    arn = "arn:aws:ce::123456789012:anomalymonitor/x"

    async def go() -> tuple[Any, httpx.Response]:
        async with ce.AsyncClient("http://t", transport=transport) as client:
            await client.delete_anomaly_monitor(MonitorArn="m")
            feedback = await client.provide_anomaly_feedback(AnomalyId="a", Feedback="YES")
            await client.untag_resource(ResourceArn=arn, ResourceTagKeys=["k"])
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            target = {"X-Amz-Target": "AWSInsightsIndexService.UntagResource"}
            raw = await http.post("/", headers=target, json={"ResourceArn": "short"})
        return feedback, raw

    feedback, raw = asyncio.run(go())
    assert [(name, body) for name, body, _ in recorder.calls] == [
        ("delete_anomaly_monitor", {"MonitorArn": "m"}),
        ("provide_anomaly_feedback", {"AnomalyId": "a", "Feedback": "YES"}),
        ("untag_resource", {"ResourceArn": arn, "ResourceTagKeys": ["k"]}),
    ]
    assert feedback.AnomalyId == "a"
    assert raw.status_code == 400 and "error" in raw.json()  # the operation's own validation


def test_generated_packages_pass_mypy_strict(built: Built) -> None:
    *_, out, _ = built
    done = mypy_strict("-p", "shapes", "-p", "ce", cwd=REPO, mypypath=out, reuse_cache=True)
    assert done.returncode == 0, done.stdout + done.stderr
