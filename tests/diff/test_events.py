"""Webhooks and callbacks (OpenAPI 3.1 §4.8.1 `webhooks`, §4.8.18 Callback Object): the API sends
the request and the consumer's server receives it and answers. What breaks the consumer is then
the mirror of an ordinary operation: a request it reads may not widen, a response it writes may
not narrow."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from apiforge.diff import ALL_KINDS, diff_documents
from tests.diff.test_documents import api, obj

S: dict[str, Any] = {"type": "string"}
PET = obj({"id": S, "name": S}, ("id",))
OK = {"description": "ok"}


def operation(
    body: Any = None,
    reply: Any = None,
    params: list[Any] | None = None,
    headers: dict[str, Any] | None = None,
    responses: dict[str, Any] | None = None,
    required: bool = True,
    media: str = "application/json",
) -> dict[str, Any]:
    """A webhook or callback operation: the body the API sends, the reply it reads back."""
    answer: dict[str, Any] = dict(OK)
    if reply is not None:
        answer["content"] = {"application/json": {"schema": reply}}
    if headers is not None:
        answer["headers"] = headers
    op: dict[str, Any] = {"responses": responses or {"200": answer}}
    if body is not None:
        op["requestBody"] = {"required": required, "content": {media: {"schema": body}}}
    if params is not None:
        op["parameters"] = params
    return op


def hooks(**ops: dict[str, Any]) -> dict[str, Any]:
    """A 3.1 document whose `webhooks` are `name -> {post: op}`."""
    return api(openapi="3.1.0", webhooks={name: {"post": op} for name, op in ops.items()})


def hook(**parts: Any) -> dict[str, Any]:
    return hooks(newPet=operation(**parts))


def with_callback(expression: str = "{$request.body#/url}", **parts: Any) -> dict[str, Any]:
    callback = {"onPet": {expression: {"post": operation(**parts)}}}
    return api(openapi="3.1.0", op={"callbacks": callback})


def header(name: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": S}


@dataclass(frozen=True)
class Case:
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    breaking: bool
    kinds: frozenset[str]
    why: str = ""  # where oasdiff (which keeps the roles of `paths`) says otherwise


def case(name: str, old: Any, new: Any, breaking: bool, *kinds: str, why: str = "") -> Case:
    return Case(name, old, new, breaking, frozenset(kinds), why)


def prop(**schema: Any) -> dict[str, Any]:
    return obj({"id": S, "kind": schema}, ("id",))


CASES = [
    case(
        "webhook removed",
        hooks(newPet=operation(PET), ping=operation()),
        hooks(newPet=operation(PET)),
        True,
        "webhook-removed",
    ),
    case(
        "webhook added",
        hooks(newPet=operation(PET)),
        hooks(newPet=operation(PET), ping=operation()),
        False,
        "webhook-added",
    ),
    case(
        "webhook operation removed",
        api(openapi="3.1.0", webhooks={"newPet": {"post": operation(PET), "put": operation(PET)}}),
        hook(body=PET),
        True,
        "api-removed-without-deprecation",
    ),
    # the request: the API writes it, the consumer reads it
    case(
        "webhook request gains a required property",
        hook(body=PET),
        hook(body=obj({"id": S, "name": S, "age": S}, ("id", "age"))),
        False,
        "new-required-request-property",
        why="oasdiff says breaking as for a request the consumer writes; here it only reads more",
    ),
    case(
        "webhook request loses a property",
        hook(body=PET),
        hook(body=obj({"id": S}, ("id",))),
        True,
        "request-property-removed",
        why="oasdiff only warns; a consumer reading `name` no longer gets it",
    ),
    case(
        "webhook request property may be longer",
        hook(body=prop(type="string", maxLength=8)),
        hook(body=prop(type="string", maxLength=16)),
        True,
        "request-property-max-length-increased",
        why="oasdiff says info; the consumer may receive a value its storage refuses",
    ),
    case(
        "webhook request property may be shorter",
        hook(body=prop(type="string", maxLength=16)),
        hook(body=prop(type="string", maxLength=8)),
        False,
        "request-property-max-length-decreased",
    ),
    case(
        "webhook request gains an enum value",
        hook(body=prop(type="string", enum=["cat"])),
        hook(body=prop(type="string", enum=["cat", "dog"])),
        True,
        "request-property-enum-value-added",
        why="oasdiff says info; the consumer meets a value it does not know",
    ),
    case(
        "webhook request body became optional",
        hook(body=PET),
        hook(body=PET, required=False),
        True,
        "request-body-became-optional",
        why="oasdiff says info; the API may now send no body to a consumer that reads one",
    ),
    case(
        "webhook request body gains a media type",
        hook(body=PET),
        hooks(
            newPet={
                **operation(PET),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": PET},
                        "application/xml": {"schema": PET},
                    },
                },
            }
        ),
        True,
        "request-body-media-type-added",
        why="oasdiff says info; no negotiation here: the API may send a type the consumer cannot parse",
    ),
    case(
        "webhook request body loses a media type",
        hooks(
            newPet={
                **operation(PET),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": PET},
                        "application/xml": {"schema": PET},
                    },
                },
            }
        ),
        hook(body=PET),
        False,
        "request-body-media-type-removed",
        why="oasdiff says breaking; the API stops sending one type, and the consumer reads the rest",
    ),
    case(
        "webhook request gains a required header",
        hook(body=PET),
        hook(body=PET, params=[header("X-Signature", required=True)]),
        False,
        "new-required-request-parameter",
        why="oasdiff says breaking; the API sends the header, the consumer need not read it",
    ),
    case(
        "webhook request loses a header",
        hook(body=PET, params=[header("X-Signature")]),
        hook(body=PET),
        True,
        "request-parameter-removed",
    ),
    case(
        "webhook request header became optional",
        hook(body=PET, params=[header("X-Signature", required=True)]),
        hook(body=PET, params=[header("X-Signature")]),
        True,
        "request-parameter-became-optional",
        why="oasdiff says info; a consumer that verifies the signature may no longer get it",
    ),
    # the response: the consumer writes it, the API reads it
    case(
        "webhook reply property became required",
        hook(body=PET, reply=obj({"ack": S})),
        hook(body=PET, reply=obj({"ack": S}, ("ack",))),
        True,
        "response-property-became-required",
        why="oasdiff says info; the consumer's reply without `ack` is now refused",
    ),
    case(
        "webhook reply loses an accepted enum value",
        hook(body=PET, reply=obj({"status": {"type": "string", "enum": ["ok", "retry"]}})),
        hook(body=PET, reply=obj({"status": {"type": "string", "enum": ["ok"]}})),
        True,
        "response-property-enum-value-removed",
    ),
    case(
        "webhook reply accepts a new enum value",
        hook(body=PET, reply=obj({"status": {"type": "string", "enum": ["ok"]}})),
        hook(body=PET, reply=obj({"status": {"type": "string", "enum": ["ok", "retry"]}})),
        False,
        "response-property-enum-value-added",
        why="oasdiff warns as for a response read; the API reads this reply and now accepts more",
    ),
    case(
        "webhook reply must carry a new header",
        hook(body=PET),
        hook(body=PET, headers={"X-Ack": {"required": True, "schema": S}}),
        True,
        "response-header-added",
        why="oasdiff says info; the consumer's reply must now carry the header",
    ),
    case(
        "webhook reply need not carry a header any more",
        hook(body=PET, headers={"X-Ack": {"required": True, "schema": S}}),
        hook(body=PET),
        False,
        "required-response-header-removed",
        why="oasdiff says breaking; the consumer writes the header and may stop",
    ),
    case(
        "webhook success status no longer accepted",
        hook(body=PET),
        hook(body=PET, responses={"204": OK}),
        True,
        "response-success-status-removed",
        "response-success-status-added",
    ),
    # callbacks: the same roles, under an operation
    case(
        "callback removed", with_callback(body=PET), api(openapi="3.1.0"), True, "callback-removed"
    ),
    case("callback added", api(openapi="3.1.0"), with_callback(body=PET), False, "callback-added"),
    case(
        "callback expression changed",
        with_callback(body=PET),
        with_callback("{$request.body#/hook}", body=PET),
        True,
        "callback-removed",
        "callback-added",
    ),
    case(
        "callback request loses a property",
        with_callback(body=PET),
        with_callback(body=obj({"id": S}, ("id",))),
        True,
        "request-property-removed",
    ),
    case(
        "callback request gains a required property",
        with_callback(body=PET),
        with_callback(body=obj({"id": S, "name": S, "age": S}, ("id", "age"))),
        False,
        "new-required-request-property",
    ),
]


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_verdict_and_kinds(c: Case) -> None:
    old, new = copy.deepcopy(c.old), copy.deepcopy(c.new)
    result = diff_documents(old, new)
    kinds = {change.kind for change in result.changes}
    messages = [f"{x.kind}: {x.message} breaking={x.breaking}" for x in result.changes]
    assert kinds == c.kinds, messages
    assert bool(result.undeclared_breaking) is c.breaking, messages
    assert kinds <= ALL_KINDS
    assert (old, new) == (c.old, c.new)


def test_the_same_change_under_paths_reads_the_other_way() -> None:
    """A request property removed: nobody breaks under `paths`, the consumer does in a webhook."""
    shrunk = obj({"id": S}, ("id",))
    assert diff_documents(api(req=PET), api(req=shrunk)).ok
    assert not diff_documents(hook(body=PET), hook(body=shrunk)).ok


def test_changes_name_the_webhook_and_point_into_it() -> None:
    old, new = hook(body=PET), hook(body=obj({"id": S}, ("id",)))
    (change,) = diff_documents(old, new).changes
    assert change.subject == "webhook `newPet` `POST` request body property `name`"
    assert change.old_pointer == (
        "#/webhooks/newPet/post/requestBody/content/application~1json/schema/properties/name"
    )


def test_a_webhook_path_item_by_ref_is_followed() -> None:
    item = {"post": operation(PET)}
    old = api(openapi="3.1.0", webhooks={"newPet": {"$ref": "#/components/pathItems/Pet"}})
    old["components"] = {"pathItems": {"Pet": item}}
    new = copy.deepcopy(old)
    new["components"]["pathItems"]["Pet"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ] = obj({"id": S}, ("id",))
    (change,) = diff_documents(old, new).changes
    assert (change.kind, change.breaking) == ("request-property-removed", True)
    assert change.new_source is not None and change.new_source.startswith("#/components/pathItems")
