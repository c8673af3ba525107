"""Operations sharing one (method, route) are picked by header or query value, with plain requests."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from apiforge.runtime.server.app import Call, OperationSpec, ParamSpec, Server
from apiforge.runtime.server.dispatch import Condition, describe
from apiforge.runtime.server.errors import ErrorEnvelope

ENVELOPE = ErrorEnvelope(
    message="/error/message", status=None, type="/error/type", code="/error/code"
)


def _request(query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": query}
    return Request({**scope, "headers": headers or []})


def test_conditions_read_headers_in_any_case_and_query_keys_with_or_without_values() -> None:
    target = Condition("header", "X-Amz-Target", "Svc.A")
    assert target.holds(_request(headers=[(b"x-amz-target", b"Svc.A")]))
    assert not target.holds(_request(headers=[(b"x-amz-target", b"Svc.B")]))
    assert not target.holds(_request())
    uploads = Condition("query", "uploads")
    assert uploads.holds(_request(b"uploads")) and uploads.holds(_request(b"uploads=true"))
    assert not uploads.holds(_request(b"upload=1"))
    assert Condition("query", "method", "a.b").holds(_request(b"x=1&method=a.b"))
    assert describe([(target,), (uploads, Condition("query", "id"))]) == (
        "header 'X-Amz-Target' = 'Svc.A'; query parameter 'uploads' and query parameter 'id'"
    )


def _app() -> TestClient:
    app = FastAPI()
    server = Server(app, ENVELOPE, None)
    specs = [
        OperationSpec(
            "A", "POST", "/#X-Amz-Target=A", route="/", selector=(Condition("header", "T", "A"),)
        ),
        OperationSpec(
            "B", "POST", "/#X-Amz-Target=B", route="/", selector=(Condition("header", "T", "B"),)
        ),
        OperationSpec(
            "Two",
            "GET",
            "/{Bucket}#analytics&id",
            route="/{Bucket}",
            selector=(Condition("query", "analytics"), Condition("query", "id")),
        ),
        OperationSpec(
            "One",
            "GET",
            "/{Bucket}#analytics",
            route="/{Bucket}",
            selector=(Condition("query", "analytics"),),
        ),
        OperationSpec("Plain", "GET", "/{Bucket}"),
        OperationSpec(
            "Child", "GET", "/v1/{+parent}/things", params=(ParamSpec("parent", "parent", "path"),)
        ),
        OperationSpec("Get", "GET", "/v1/{+name}", params=(ParamSpec("name", "name", "path"),)),
    ]
    for spec in specs:

        def endpoint(spec: OperationSpec) -> object:
            async def answer(call: Call) -> Response:
                return Response(spec.operation_id)

            return answer

        server.operation(spec)(endpoint(spec))  # type: ignore[arg-type]

    return TestClient(app)


def test_each_request_reaches_the_first_operation_whose_selector_holds() -> None:
    client = _app()
    assert client.post("/", headers={"T": "A"}).text == "A"
    assert client.post("/", headers={"t": "B"}).text == "B"
    assert client.get("/b?analytics&id=3").text == "Two"
    assert client.get("/b?analytics").text == "One"
    assert client.get("/b").text == "Plain"  # no selector: what the others leave


def test_a_request_no_selector_picks_is_refused_in_the_envelope() -> None:
    client = _app()
    for headers in ({}, {"T": "C"}):
        response = client.post("/", headers=headers)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "unknown_operation"
        assert "header 'T' = 'A'; header 'T' = 'B'" in error["message"]


def test_a_reserved_expansion_matches_across_slashes() -> None:
    client = _app()
    assert client.get("/v1/projects/p/things").text == "Child"
    assert client.get("/v1/projects/p/locations/l").text == "Get"
