"""One document through bench/fidelity.py's checks, in a process of its own; prints one JSON line.

    python bench/fidelity_worker.py SPEC WORKDIR --seed S --examples N --max-operations M

generate (`python -m apiforge generate SPEC --out WORKDIR/out --quiet`) -> import the package ->
per operation (the generated server's OPERATIONS, matched to the spec's by method and path):
responses through the generated Client and httpx.MockTransport, valid requests and invalid ones
through create_app(recorder) and httpx.ASGITransport. The bundle the checks read is the one
generate reads, repairs included (generate's repairs are what the code means).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib
import json
import random
import re
import subprocess
import sys
import time
import traceback
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from pydantic_core import to_jsonable_python

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fidelity_peer  # noqa: E402
import fidelity_values  # noqa: E402
from fidelity_values import (  # noqa: E402
    brief,
    difference,
    instances,
    keep_valid,
    mutations,
    property_names,
    same_on_the_wire,
    validator,
    value_at,
)

from apiforge.document.bundle import load_bundle  # noqa: E402
from apiforge.document.json_schema import (  # noqa: E402
    SchemaConversionError,
    reads_as_object,
    to_json_schema,
)
from apiforge.document.walk import deref, item_operations, iter_path_items  # noqa: E402
from apiforge.repair.mistakes import repair_bundle  # noqa: E402

BASE = "http://fidelity.test"
KEY = "fidelity-key"
JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json$|^[\w.+-]+/[\w.+-]*\+json$", re.I)
# accepted on purpose: (mutation, keyword) -> why. Filled from what the bench found; tested.
ACCEPTED_ON_PURPOSE: dict[tuple[str, str], str] = {}


@dataclass
class Tally:
    """One direction's counts in one document, and its failures by class (one example each)."""

    operations: int = 0
    instances: int = 0
    failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_purpose: int = 0
    readings: int = 0  # schemas read as objects for want of a `type` (read_as_objects)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def fail(
        self, cls: str, operation: str, where: str, sent: Any, detail: str = "", at: Any = None
    ) -> None:
        self.failed += 1
        example = {"operation": operation, "where": where, "sent": brief(sent), "detail": detail}
        if at is not None:
            example["at"] = brief(at)  # the object around the difference: the reduced example
        known = self.failures.get(cls)
        if known is None:
            self.failures[cls] = {"count": 1, "example": example}
            return
        known["count"] += 1
        if len(example["sent"]) < len(known["example"]["sent"]):
            known["example"] = example  # the smallest failing value is the reduced example


@dataclass
class Operation:
    key: str  # generated method name
    spec: Any  # OperationSpec of the generated server
    op: dict[str, Any]  # the spec's operation
    params: list[dict[str, Any]]  # path-level and operation-level, dereferenced
    path: str = ""  # the spec's path key, as written (a fragment or a query string included)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--invalid", type=int, default=10)
    parser.add_argument("--max-operations", type=int, default=40)
    parser.add_argument("--budget", type=float, default=240.0)
    parser.add_argument("--peer", action="store_true", help="also datamodel-codegen's models")
    args = parser.parse_args()
    result: dict[str, Any] = {"stages": {}}
    try:
        run(args, result)
    except Exception:
        result["stages"]["checks"] = "traceback"
        result["traceback"] = traceback.format_exc()[-2000:]
    print(json.dumps(result, default=str))
    return 0


def run(args: argparse.Namespace, result: dict[str, Any]) -> None:
    stages = result["stages"]
    out = args.work / "out"
    command = [sys.executable, "-m", "apiforge", "generate", str(args.spec), "--out", str(out)]
    done = subprocess.run([*command, "--quiet"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        stages["generate"] = "traceback" if "Traceback" in done.stderr else "fail"
        result["message"] = (done.stderr.strip().splitlines() or [""])[-1][:300]
        return
    stages["generate"] = "pass"
    found = sorted(out.glob("*/server.py"))
    sys.path.insert(0, str(out))
    try:
        name = found[0].parent.name
        client, server = (importlib.import_module(f"{name}.{m}") for m in ("client", "server"))
    except Exception as exc:
        stages["import"] = "fail"
        result["message"] = f"{type(exc).__name__}: {exc}"[:300]
        return
    stages["import"] = "pass"
    bundle, _ = repair_bundle(load_bundle(args.spec))
    data = bundle.data
    operations = match_operations(server, data)
    rng = random.Random(args.seed)
    result["operations"] = len(operations)
    if len(operations) > args.max_operations:
        operations = sorted(rng.sample(operations, args.max_operations), key=lambda o: o.key)
    tallies = {d: Tally() for d in ("responses", "requests", "invalid")}
    checker = Checker(data, client, server, args, tallies)
    if args.peer:
        peer = fidelity_peer.generate(args.spec, args.work, timeout=args.budget / 2)
        stages["peer"] = "pass" if not isinstance(peer, str) else "fail"
        tallies["peer"], tallies["ours_on_peer_set"] = Tally(), Tally()
        checker.peer = None if isinstance(peer, str) else peer
    deadline = time.monotonic() + args.budget
    fidelity_values.BUDGET_ENDS.append(deadline)
    for operation in operations:
        if time.monotonic() > deadline:
            for tally in tallies.values():
                tally.skip("time budget spent")
            continue
        try:
            checker.responses(operation)
            asyncio.run(checker.requests(operation))
        except Exception:  # the bench's own fault on one operation: the others still count
            errors = result.setdefault("bench_errors", [])
            errors.append(f"{operation.key}: {traceback.format_exc()[-600:]}")
    result["checked_operations"] = len(operations)
    result["tallies"] = {d: t.__dict__ for d, t in tallies.items()}
    stages["checks"] = "pass"


def match_operations(server: ModuleType, data: dict[str, Any]) -> list[Operation]:
    """The generated server's operations with the spec's operation and parameters each."""
    spec_ops: dict[tuple[str, str], tuple[dict[str, Any], list[Any]]] = {}
    for path, item, _ in iter_path_items(data):
        for method, _tokens, op in item_operations(item):
            params = merged_params(item.get("parameters"), op.get("parameters"), data)
            spec_ops[(method.upper(), path)] = (op, params)
    out = []
    for key, spec in server.OPERATIONS.items():
        found = spec_ops.get((spec.method.upper(), spec.path))
        if found is not None:
            out.append(Operation(key, spec, found[0], found[1], spec.path))
    return out


def merged_params(item_params: Any, op_params: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(item_params or []), *(op_params or [])]:
        param = deref(raw, data)
        if isinstance(param, dict) and isinstance(param.get("name"), str):
            merged[(param["name"], str(param.get("in")))] = param
    return list(merged.values())


def json_media(content: Any, data: dict[str, Any]) -> list[tuple[str, Any, list[Any]]]:
    """(media type, schema, the spec's examples) of each JSON-like media type of a content map."""
    out = []
    for media, body in (content or {}).items():
        body = deref(body, data)
        if not isinstance(body, dict) or "schema" not in body:
            continue
        if JSON_MEDIA.match(media.split(";")[0].strip()):
            examples = [body["example"]] if "example" in body else []
            for example in (body.get("examples") or {}).values():
                example = deref(example, data)
                if isinstance(example, dict) and "value" in example:
                    examples.append(example["value"])
            out.append((media, body["schema"], examples))
    return out


class Checker:
    """The three checks of one document's operations."""

    def __init__(
        self,
        data: dict[str, Any],
        client: ModuleType,
        server: ModuleType,
        args: argparse.Namespace,
        tallies: dict[str, Tally],
    ) -> None:
        self.data, self.client, self.server, self.args = data, client, server, args
        self.tallies = tallies
        self.request_schema: Any = None
        self.peer: ModuleType | None = None  # datamodel-codegen's models (--peer)

    def schema(self, node: Any, direction: str) -> Any:
        converted = to_json_schema(self.data, node, direction)  # type: ignore[arg-type]
        self.tallies[_DIRECTION_TALLY[direction]].readings += read_as_objects(converted)
        return converted

    def values(self, schema: Any, examples: list[Any], salt: str) -> tuple[list[Any], str]:
        seed = self.args.seed ^ zlib.crc32(salt.encode())
        found, why = instances(schema, self.args.examples, seed)
        found += [e for e in keep_valid(schema, examples) if e not in found]
        return found, why

    # --- responses ---------------------------------------------------------------------------

    def responses(self, operation: Operation) -> None:
        tally = self.tallies["responses"]
        checked = False
        for status, response in (operation.op.get("responses") or {}).items():
            code = str(status)
            if not re.fullmatch(r"2(\d\d|XX)", code, re.I):
                continue
            response = deref(response, self.data)
            content = response.get("content") if isinstance(response, dict) else None
            if any("event-stream" in m.lower() for m in (content or {})):
                tally.skip("event stream (counted, not checked)")
            for media, schema, examples in json_media(content, self.data):
                checked = True
                self.response(
                    operation, int(code.upper().replace("XX", "00")), media, schema, examples
                )
        if checked:
            tally.operations += 1
        else:
            tally.skip("no JSON 2xx response")

    def response(
        self, operation: Operation, status: int, media: str, node: Any, examples: list[Any]
    ) -> None:
        tally = self.tallies["responses"]
        name = operation.spec.operation_id
        try:
            schema = self.schema(node, "response")
        except SchemaConversionError:
            tally.skip("schema not convertible")
            return
        values, why = self.values(schema, examples, f"response {name} {status}")
        if not values:
            tally.skip(why)
            return
        kwargs = self.call_arguments(operation)
        if kwargs is None:
            tally.skip("a required parameter has no sendable value")
            return
        args, kwargs = kwargs
        peer_class = None if self.peer is None else fidelity_peer.component_class(self.peer, node)
        if self.peer is not None and peer_class is None:
            self.tallies["peer"].skip("no peer class for the response (not one component $ref)")
        for value in values:
            failed_before = tally.failed
            self.response_value(operation, status, media, schema, value, args, kwargs)
            if peer_class is not None:
                self.compare_peer(peer_class, value, name, status, tally.failed > failed_before)

    def compare_peer(
        self, peer_class: type, value: Any, name: str, status: int, ours_failed: bool
    ) -> None:
        """The peer's round trip of one instance, and ours on the same instance, tallied apart."""
        ours, peer = self.tallies["ours_on_peer_set"], self.tallies["peer"]
        ours.instances += 1
        peer.instances += 1
        if ours_failed:
            ours.fail("apiforge failed (see responses)", name, str(status), value)
        found = fidelity_peer.round_trip(peer_class, value)
        if found is not None:
            peer.fail(found[0], name, str(status), value, found[1])

    def response_value(
        self,
        operation: Operation,
        status: int,
        media: str,
        schema: Any,
        value: Any,
        args: list[Any],
        kwargs: dict[str, Any],
    ) -> None:
        """One instance through the generated client, answered by a mock transport."""
        tally = self.tallies["responses"]
        name = operation.spec.operation_id
        tally.instances += 1
        body = json.dumps(value).encode()

        def answer(request: httpx.Request, body: bytes = body) -> httpx.Response:
            return httpx.Response(status, content=body, headers={"content-type": media})

        client = self.client.Client(BASE, KEY, transport=httpx.MockTransport(answer), max_retries=0)
        try:
            got = getattr(client, operation.key)(*args, **kwargs)
        except Exception as exc:
            tally.fail(
                exception_class("response refused", exc), name, str(status), value, detail(exc)
            )
            return
        finally:
            client.close()
        if got is None:
            tally.fail("response body not returned", name, str(status), value)
            return
        dumped = got.model_dump(mode="json", by_alias=True, exclude_unset=True)
        found = difference(value, dumped)
        if found:
            cls, where = found
            cls = undeclared(cls, where, schema)
            around = value_at(value, where.rsplit("/", 1)[0])
            tally.fail(f"dump differs: {cls}", name, where, value, brief(dumped, 160), around)

    def call_arguments(self, operation: Operation) -> tuple[list[Any], dict[str, Any]] | None:
        """A generated method's arguments for the response check: required parameters and body."""
        kwargs: dict[str, Any] = {}
        values = self.param_values(operation, required_only=True)
        if values is None:
            return None
        for spec_param, value in values[0] if values else []:
            kwargs[spec_param.name] = value
        body = operation.spec.body
        args = [construct(body.model)] if body is not None and body.required else []
        return args, kwargs

    # --- parameters --------------------------------------------------------------------------

    def param_values(
        self, operation: Operation, required_only: bool
    ) -> list[list[tuple[Any, Any]]] | None:
        """Sets of (ParamSpec, value), one per instance; None when a required one has no value."""
        spec_params = {(p.wire_name, p.location): p for p in operation.spec.params}
        columns: list[tuple[Any, list[Any]]] = []
        for param in operation.params:
            found = spec_params.get((param["name"], param.get("in")))
            if param.get("in") == "header" and str(param["name"]).lower() in _HEADERS_HTTP_OWNS:
                continue  # OpenAPI: such a parameter definition is ignored
            required = bool(param.get("required")) or param.get("in") == "path"
            if found is None or (required_only and not required):
                continue
            schema = param.get("schema")
            values: list[Any] = []
            if isinstance(schema, dict | bool) and sendable_schema(deref(schema, self.data)):
                try:
                    js = self.schema(schema, "request")
                    salt = f"param {operation.key} {param['name']}"
                    found_values, _ = self.values(js, [], salt)
                    values = [v for v in found_values if wire_text(v, found.location) is not None]
                except SchemaConversionError:
                    values = []
            if not values and required:
                return None
            if values:
                columns.append((found, values))
        count = max((len(v) for _, v in columns), default=0)
        return [[(p, v[i % len(v)]) for p, v in columns] for i in range(count)]

    # --- requests ----------------------------------------------------------------------------

    async def requests(self, operation: Operation) -> None:
        tally = self.tallies["requests"]
        name = operation.spec.operation_id
        if shares_route(self.server, operation.spec):
            for direction in ("requests", "invalid"):
                self.tallies[direction].skip(
                    "route shared with another operation, no selector between them (the spec's"
                    " ambiguity)"
                )
            return
        body_node = deref(operation.op.get("requestBody"), self.data)
        bodies = json_media(
            body_node.get("content") if isinstance(body_node, dict) else None, self.data
        )
        param_sets = self.param_values(operation, required_only=False)
        if param_sets is None:
            tally.skip("a required parameter has no sendable value")
            return
        if isinstance(body_node, dict) and body_node.get("content") and not bodies:
            tally.skip("request body not JSON")
            return
        media, schema, valid = "", None, [None]
        if bodies:
            media, node, examples = bodies[0]
            try:
                schema = self.schema(node, "request")
            except SchemaConversionError:
                tally.skip("schema not convertible")
                return
            self.request_schema = schema
            valid, why = self.values(schema, examples, f"request {name}")
            if not valid:
                tally.skip(why)
                return
        elif not operation.spec.params:
            tally.skip("no body and no parameters")
            return
        tally.operations += 1
        recorder = Recorder(operation)
        app = self.server.create_app(recorder, rate_limit=None)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            rounds = max(len(valid), len(param_sets or [[]]))
            for i in range(rounds):
                value = valid[i % len(valid)]
                params = param_sets[i % len(param_sets)] if param_sets else []
                if i % 2 == 1:  # every other request sends the required parameters only
                    params = [(p, v) for p, v in params if self.required(operation, p)]
                tally.instances += 1
                await self.valid_request(http, recorder, operation, media, value, params, bodies)
            if schema is not None:
                await self.invalid_requests(http, operation, media, schema, valid, param_sets)

    def required(self, operation: Operation, spec_param: Any) -> bool:
        for param in operation.params:
            if (param["name"], param.get("in")) == (spec_param.wire_name, spec_param.location):
                return bool(param.get("required")) or param.get("in") == "path"
        return False

    async def valid_request(
        self,
        http: httpx.AsyncClient,
        recorder: Recorder,
        operation: Operation,
        media: str,
        value: Any,
        params: list[tuple[Any, Any]],
        bodies: list[Any],
    ) -> None:
        tally = self.tallies["requests"]
        name = operation.spec.operation_id
        recorder.calls.clear()
        sent = {"body": value, "params": {p.wire_name: v for p, v in params}} if params else value
        response = await send(
            http, operation, self.server, media, value if bodies else None, params
        )
        if response.status_code >= 400:
            message = error_message(response)
            cls = f"{response.status_code // 100}xx for valid: {message_class(message)}"
            tally.fail(cls, name, "", sent, message[:200])
            return
        if not recorder.calls:
            tally.fail("handler not reached", name, "", sent, str(response.status_code))
            return
        body, received = recorder.calls[-1]
        if bodies and operation.spec.body is None:
            tally.fail("request body not read by the server", name, "", sent)
        elif bodies:
            got = body.model_dump(mode="json", by_alias=True, exclude_unset=True) if body else None
            expected = dropped_as_documented(value, deref(node_of(bodies), self.data))
            found = difference(expected, got)
            if found:
                cls, where = found
                cls = undeclared(cls, where, self.request_schema)
                around = value_at(value, where.rsplit("/", 1)[0])
                tally.fail(f"body dump differs: {cls}", name, where, sent, brief(got, 160), around)
                return
        for spec_param, expected in params:
            if is_credential(self.server, spec_param):
                continue
            got = to_jsonable_python(getattr(received, spec_param.name, None))
            found = difference(expected, got)
            if found and found[0].startswith("type changed") and same_on_the_wire(expected, got):
                continue  # `?n=4`: the number and the string alike, and the schema allows both
            if found:
                where = f"{spec_param.location} {spec_param.wire_name}"
                tally.fail(f"parameter differs: {found[0]}", name, where, sent, brief(got, 160))
                return

    async def invalid_requests(
        self,
        http: httpx.AsyncClient,
        operation: Operation,
        media: str,
        schema: Any,
        valid: list[Any],
        param_sets: list[list[tuple[Any, Any]]],
    ) -> None:
        tally = self.tallies["invalid"]
        name = operation.spec.operation_id
        tally.operations += 1
        seed = self.args.seed ^ zlib.crc32(name.encode())
        params = [
            (p, v) for p, v in (param_sets[0] if param_sets else []) if self.required(operation, p)
        ]
        for kind, value, keyword in mutations(schema, valid, self.args.invalid, seed):
            tally.instances += 1
            response = await send(http, operation, self.server, media, value, params)
            status = response.status_code
            if status < 400:
                reason = ACCEPTED_ON_PURPOSE.get((kind, keyword))
                if reason is not None:
                    tally.on_purpose += 1
                else:
                    tally.fail(f"invalid accepted: {kind} ({keyword})", name, "", value)
            elif status >= 500:
                tally.fail("5xx for invalid", name, str(status), value, error_message(response))
            else:
                problem = self.error_problem(operation, response)
                if problem:
                    tally.fail(problem, name, str(status), value, response.text[:200])

    def error_problem(self, operation: Operation, response: httpx.Response) -> str:
        """Why a 4xx is not the documented one in the spec's error envelope ("" when it is)."""
        responses = operation.op.get("responses") or {}
        status = str(response.status_code)
        documented = [k for k in map(str, responses) if k[0] == "4" or k == "default"]
        if not documented:
            return ""  # the spec says nothing about its errors here
        key = next(
            (k for k in (status, status[0] + "XX", status[0] + "xx", "default") if k in documented),
            None,
        )
        if key is None:
            if not set(documented) & _BAD_REQUEST_KEYS:
                return ""  # no documented status means "bad request" (AWS's 480-483): any 4xx
            return f"undocumented status {status} for invalid"
        media = json_media((deref(responses[key], self.data) or {}).get("content"), self.data)
        if not media:
            return ""
        try:
            schema = self.schema(media[0][1], "response")
            body = response.json()
        except (SchemaConversionError, ValueError):
            return "error body not JSON"
        if not validator(schema, formats=False).is_valid(body):
            return "error body outside the documented schema"
        return ""


# The responses that can answer a request the server refuses for its body or parameters.
_BAD_REQUEST_KEYS = frozenset({"400", "422", "4XX", "4xx", "default"})


_HEADERS_HTTP_OWNS = frozenset({"accept", "content-type", "authorization"})
_DIRECTION_TALLY = {"request": "requests", "response": "responses"}


def read_as_objects(schema: Any) -> int:
    """A documented reading: a schema with `properties` (or `required`...) and no `type` is an
    object, as its authors mean it (Azure's documents write hundreds), although JSON Schema lets
    any non-object through it. Adds `type: object` to each such schema (schema positions only,
    never inside a `properties` map); how many it changed."""
    changed = 0
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if reads_as_object(node):
            node["type"] = "object"
            changed += 1
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                stack.extend(value.values())
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                stack.extend(value)
            elif key in _SCHEMA_ONE:
                stack.append(value)
    return changed


_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {"items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"}
    | {"unevaluatedProperties", "unevaluatedItems", "contentSchema"}
)


def node_of(bodies: list[Any]) -> Any:
    return bodies[0][1]


def dropped_as_documented(value: Any, schema: Any) -> Any:
    """x-apiforge-unknown-properties: ignore: the server drops a body's undeclared top-level
    properties on purpose (docs/extensions.md), so the handler gets the value without them."""
    if not isinstance(schema, dict) or schema.get("x-apiforge-unknown-properties") != "ignore":
        return value
    if not isinstance(value, dict):
        return value
    declared = schema.get("properties") or {}
    return {k: v for k, v in value.items() if k in declared}


def construct(model: Any) -> Any:
    """An unvalidated instance of a body model (the mock transport never reads it)."""
    try:
        return model.model_construct()
    except TypeError:  # a RootModel needs its root
        return model.model_construct(None)


class Recorder:
    """A Handler whose every method records what it received and answers nothing."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.calls: list[tuple[Any, Any]] = []

    def __getattr__(self, name: str) -> Any:
        spec = self.operation.spec

        async def method(*args: Any) -> Any:
            args_list = list(args[:-1])
            body = args_list.pop(0) if spec.body is not None else None
            params = args_list.pop(0) if spec.params else None
            self.calls.append((body, params))
            context = args[-1]
            if spec.stream is not None and streamed(context.raw_body, spec.stream.flag):
                return no_chunks()
            return None

        return method


def streamed(raw: bytes, flag: str) -> bool:
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get(flag) is True


async def no_chunks() -> AsyncIterator[Any]:
    return
    yield


async def send(
    http: httpx.AsyncClient,
    operation: Operation,
    server: ModuleType,
    media: str,
    value: Any,
    params: list[tuple[Any, Any]],
) -> httpx.Response:
    """One request as a client on the wire would send it: the body's bytes, the parameters' text."""
    spec = operation.spec
    # what a client sends for the path key: a fragment never leaves it, a query string joins
    # the query (AWS's `/#X-Amz-Target=...`, Anthropic's `/v1/messages?beta=true`)
    path, _, query_text = (operation.path or spec.path).split("#", 1)[0].partition("?")
    query: list[tuple[str, str]] = parse_qsl(query_text, keep_blank_values=True)
    headers = auth_headers(server, query)
    for p, v in params:
        if is_credential(server, p):
            continue  # a parameter that is also the credential: the key above is what is sent
        text = wire_text(v, p.location) or ""
        if p.location == "path":
            path = path.replace("{" + p.wire_name + "}", quote(text, safe=""))
        elif p.location == "query":
            query.extend(
                (p.wire_name, wire_text(i, "query") or "")
                for i in (v if isinstance(v, list) else [v])
            )
        elif p.location == "header":
            headers[p.wire_name] = text
        else:
            headers["cookie"] = "; ".join(
                filter(None, [headers.get("cookie", ""), f"{p.wire_name}={text}"])
            )
    content = None
    if value is not None or media:
        content = json.dumps(value).encode()
        headers["content-type"] = media
    return await http.request(spec.method, path, params=query, headers=headers, content=content)


def shares_route(server: ModuleType, spec: Any) -> bool:
    """Whether another operation has this one's method and URL pattern (`/v1/{+topic}` and
    `/v1/{+snapshot}`) and nothing on the wire picks between them: no server can tell which."""

    def pattern(s: Any) -> str:
        return re.sub(r"\{[^}]*\}", "{}", s.route or s.path.split("#")[0].split("?")[0])

    mine = pattern(spec)
    return any(
        other is not spec
        and other.method == spec.method
        and pattern(other) == mine
        and (not spec.selector or other.selector == spec.selector)
        for other in server.OPERATIONS.values()
    )


def is_credential(server: ModuleType, param: Any) -> bool:
    """A declared parameter that is also the security scheme's credential (spinbot's `key`)."""
    auth = server.AUTH
    if auth is None:
        return False
    if auth.kind == "query":
        return bool(param.location == "query" and param.wire_name == auth.parameter)
    return bool(param.location == "header" and param.wire_name.lower() == auth.parameter.lower())


def auth_headers(server: ModuleType, query: list[tuple[str, str]]) -> dict[str, str]:
    auth = server.AUTH
    if auth is None:
        return {}
    if auth.kind == "query":
        query.append((auth.parameter, KEY))
        return {}
    if auth.kind == "bearer":
        return {auth.parameter: f"Bearer {KEY}"}
    if auth.kind == "basic":
        return {auth.parameter: "Basic " + base64.b64encode(b"user:" + KEY.encode()).decode()}
    return {auth.parameter: KEY}


_HEADER_SAFE = re.compile(r"[!-~]([ -~]*[!-~])?")
_COOKIE_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def sendable_schema(schema: Any) -> bool:
    """Parameters with a primitive type, or an array of them (query): what a URL carries as text."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    return kind in ("string", "integer", "number", "boolean", "array")


def wire_text(value: Any, location: str) -> str | None:
    """A parameter's text on the wire, None where the transport cannot carry it unchanged
    (a `/` in a path segment, a control character in a header, an object anywhere)."""
    if isinstance(value, list):
        # an empty array is no `name=` at all in a query: absent, which the spec tells apart
        if location != "query" or not value:
            return None
        if not all(wire_text(v, "query") is not None for v in value):
            return None
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = json.dumps(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    if location == "path" and (not text or "/" in text or text in (".", "..")):
        return None
    if location == "header" and not _HEADER_SAFE.fullmatch(text):
        return None
    if location == "cookie" and not _COOKIE_SAFE.fullmatch(text):
        return None
    return text


def undeclared(cls: str, where: str, schema: Any) -> str:
    """A "key lost" of a key no schema declares: an additional property the model dropped."""
    key = where.rsplit("/", 1)[-1]
    if cls.endswith("key lost") and key not in property_names(schema):
        return "undeclared " + cls
    return cls


def error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or data)[:300]


def message_class(message: str) -> str:
    """A message with quoted names and numbers taken out."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    return re.sub(r"\b\d+(\.\d+)?\b", "N", text)[:120]


def exception_class(prefix: str, exc: BaseException) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            return f"{prefix}: {first['type']}"
        except (IndexError, KeyError, TypeError):
            pass
    return f"{prefix}: {type(exc).__name__}"


def detail(exc: BaseException) -> str:
    return str(exc).replace("\n", " ")[:300]


if __name__ == "__main__":
    sys.exit(main())
