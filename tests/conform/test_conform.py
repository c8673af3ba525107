"""`apiforge conform` against real servers: each dialect's generated server is clean, and a server
that breaks one check is named by that check and nothing else."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from apiforge.conform import CHECKS, Options, Report, read, run
from apiforge.document.bundle import load_bundle
from tests.conform.servers import Asked, Breaker, Events, generated_app, proxy, serving
from tests.helpers import REPO
from tests.openapi32 import assemble

DIALECTS = ("gateway", "provider", "sandbox")


def conform(spec: Path, base: str, **options: Any) -> Report:
    return run(read(load_bundle(spec)), Options(base, **options))


@pytest.mark.parametrize("name", DIALECTS)
def test_each_dialect_served_by_apiforge_conforms(name: str) -> None:
    with serving(generated_app(name)) as base:
        report = conform(REPO / "spec" / f"{name}.yaml", base)
    assert [(f.check, f.message) for f in report.findings] == []
    assert report.ok and report.requests >= 6 and report.not_sent == 0
    assert ("chunk-schema", "createChatCompletion") in report.exercised


def _chunks(events: Events, edit: Any) -> Events:
    """Each JSON event through `edit(index, chunk)` (None drops it); the sentinel kept as it is."""
    out = []
    for index, data in enumerate(events):
        if data == "[DONE]":
            out.append(data)
            continue
        edited = edit(index, json.loads(data))
        if edited is not None:
            out.append(json.dumps(edited))
    return out


def _without(key: str) -> Any:
    def edit(index: int, chunk: dict[str, Any]) -> dict[str, Any]:
        if index == 1:
            chunk.pop(key, None)
        return chunk

    return edit


def _second_role(index: int, chunk: dict[str, Any]) -> dict[str, Any]:
    if index == 1 and chunk["choices"]:
        chunk["choices"][0]["delta"]["role"] = "user"
    return chunk


def _no_finish(index: int, chunk: dict[str, Any]) -> dict[str, Any]:
    for choice in chunk["choices"]:
        choice["finish_reason"] = None
    return chunk


def _repeat_call_id(events: Events) -> Events:
    out = []
    for data in events:
        out.append(data)
        chunk = json.loads(data) if data != "[DONE]" else {}
        for choice in chunk.get("choices") or []:
            for call in choice["delta"].get("tool_calls") or []:
                if call.get("id"):
                    again = {
                        **chunk,
                        "choices": [
                            {
                                "index": choice["index"],
                                "delta": {
                                    "tool_calls": [{"index": call["index"], "id": call["id"]}]
                                },
                            }
                        ],
                    }
                    out.append(json.dumps(again))
    return out


def _twice_usage(events: Events) -> Events:
    usage = [d for d in events if d != "[DONE]" and json.loads(d).get("usage")]
    return [d for d in events if d != "[DONE]"] + usage + ["[DONE]"]


def _refuse(status: int = 400) -> Any:
    return (status, {"error": {"message": "no", "type": "invalid_request_error", "code": "x"}})


def _answer_if(test: Any, edit: Any) -> Any:
    return lambda asked, status, body: edit(status, body) if test(asked) else (status, body)


def _events_if(test: Any, edit: Any) -> Any:
    return lambda asked, events: edit(events) if test(asked) else events


def _plain_stream(asked: Asked) -> bool:
    return asked.stream and not asked.usage and not asked.has("tools")


def _body_edit(path: str, value: Any) -> Any:
    def edit(status: int, body: Any) -> tuple[int, Any]:
        node = body
        *head, last = path.split("/")
        for token in head:
            node = node[int(token) if token.isdigit() else token]
        if value is _DROP:
            node.pop(last)
        else:
            node[last] = value(node[last]) if callable(value) else value
        return status, body

    return edit


_DROP = object()
_GATEWAY_ERROR = {"status": "400", "message": "no"}

# check -> (dialect, breaker): each breaks exactly that check
BROKEN: dict[str, tuple[str, Breaker]] = {
    "status-documented": (
        "provider",
        Breaker(
            answer=_answer_if(
                lambda a: a.has("model") and not isinstance(a.body["model"], str),
                lambda status, body: (422, body),
            )
        ),
    ),
    "accepted": (
        "provider",
        Breaker(answer=_answer_if(lambda a: a.plain, lambda status, body: _refuse())),
    ),
    "refused": (
        "provider",
        Breaker(
            request=lambda a: (
                dataclasses.replace(a, body={**a.body, "model": "m"})
                if a.has("model") and not isinstance(a.body["model"], str)
                else a
            )
        ),
    ),
    "content-type": (
        "provider",
        Breaker(
            request=lambda a: (
                dataclasses.replace(a, body={k: v for k, v in a.body.items() if k != "stream"})
                if _plain_stream(a)
                else a
            )
        ),
    ),
    "body-schema": (
        "provider",
        Breaker(answer=_answer_if(lambda a: a.plain, _body_edit("created", _DROP))),
    ),
    "error-envelope": (
        "provider",
        Breaker(
            answer=_answer_if(
                lambda a: not a.authorized, lambda status, body: (status, {"error": "invalid key"})
            )
        ),
    ),
    "chunk-schema": (
        "provider",
        Breaker(events=_events_if(_plain_stream, lambda ev: _chunks(ev, _without("id")))),
    ),
    "stream-sentinel": (
        "provider",
        Breaker(events=_events_if(_plain_stream, lambda ev: [d for d in ev if d != "[DONE]"])),
    ),
    "usage-chunk": ("provider", Breaker(events=_events_if(lambda a: a.usage, _twice_usage))),
    "stream-error": (
        "provider",
        Breaker(
            events=_events_if(
                _plain_stream,
                lambda ev: [
                    *ev[:-1],
                    json.dumps({"error": {"message": "overloaded", "type": "server_error"}}),
                    ev[-1],
                ],
            )
        ),
    ),
    "timeout": (
        "provider",
        Breaker(events=_events_if(_plain_stream, lambda ev: ev[:-1]), hang=_plain_stream),
    ),
    "merged-shape": (
        "provider",
        Breaker(events=_events_if(_plain_stream, lambda ev: _chunks(ev, _second_role))),
    ),
    "tool-call-deltas": (
        "provider",
        Breaker(events=_events_if(lambda a: a.stream and a.has("tools"), _repeat_call_id)),
    ),
    "finish-reason": (
        "provider",
        Breaker(events=_events_if(_plain_stream, lambda ev: _chunks(ev, _no_finish))),
    ),
    "usage-total": (
        "provider",
        Breaker(
            answer=_answer_if(lambda a: a.plain, _body_edit("usage/total_tokens", lambda n: n + 1))
        ),
    ),
    "tool-arguments": (
        "provider",
        Breaker(
            answer=_answer_if(
                lambda a: a.has("tools") and not a.stream,
                _body_edit("choices/0/message/tool_calls/0/function/arguments", "{}"),
            )
        ),
    ),
    "structured-output": (
        "provider",
        Breaker(
            answer=_answer_if(
                lambda a: a.has("response_format"),
                _body_edit("choices/0/message/content", "Hello!"),
            )
        ),
    ),
    "auth-required": (
        "provider",
        Breaker(request=lambda a: dataclasses.replace(a, authorized=True)),
    ),
    "unknown-ignored": (
        "gateway",
        Breaker(
            answer=_answer_if(
                lambda a: a.has("apiforge_conform_unknown"),
                lambda status, body: (400, _GATEWAY_ERROR),
            )
        ),
    ),
    "tools-refused": (
        "gateway",
        Breaker(
            request=lambda a: (
                dataclasses.replace(a, body={**a.body, "model": "m"})
                if a.has("tools") and a.body["model"].startswith("perplexity/")
                else a
            )
        ),
    ),
}


def test_every_check_has_a_broken_server() -> None:
    """required-headers has its own test below: its broken server is a spec that asks more."""
    assert sorted([*BROKEN, "required-headers"]) == sorted(c.id for c in CHECKS)


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_a_server_that_breaks_one_check_is_named_by_it_alone(check: str) -> None:
    dialect, breaker = BROKEN[check]
    severity = next(c.severity for c in CHECKS if c.id == check)
    with serving(proxy(generated_app(dialect), breaker)) as base:
        # a short --timeout where the server hangs on purpose; room elsewhere on a busy machine
        timeout = 3.0 if check == "timeout" else 15.0
        report = conform(REPO / "spec" / f"{dialect}.yaml", base, timeout=timeout)
    assert {f.check for f in report.findings} == {check}, [
        (f.check, f.message) for f in report.findings
    ]
    assert report.ok is (severity == "warning")


def test_a_required_header_the_server_leaves_out(tmp_path: Path) -> None:
    """The spec (a copy of the provider's) requires a header the generated server never sends."""
    shutil.copytree(REPO / "spec", tmp_path / "spec")
    spec = tmp_path / "spec" / "provider.yaml"
    text = spec.read_text()
    needle = '        "200":\n          description: >-\n'
    assert needle in text
    spec.write_text(
        text.replace(
            needle,
            '        "200":\n          headers:\n            '
            "X-Request-Id:\n              required: true\n              "
            "schema: {type: string}\n          description: >-\n",
            1,
        )
    )
    with serving(generated_app("provider")) as base:
        report = conform(spec, base)
    assert {f.check for f in report.findings} == {"required-headers"}
    assert "X-Request-Id" in report.findings[0].message


def test_the_32_provider_reads_its_item_schema_and_conforms(tmp_path: Path) -> None:
    """tests/data's provider in OpenAPI 3.2: the chunk is `itemSchema`'s data (contentSchema)."""
    spec = assemble(tmp_path)
    contract = read(load_bundle(spec))
    stream = contract.operations[0].stream
    assert stream is not None and stream.chunk is not None
    assert stream.chunk.pointer == "#/components/schemas/ChatCompletionChunk"
    with serving(generated_app("provider")) as base:
        report = conform(spec, base)
    assert [(f.check, f.message) for f in report.findings] == []
    assert ("chunk-schema", "createChatCompletion") in report.exercised


def test_an_endpoint_that_never_answers_is_cut_and_given_up_on() -> None:
    """Every answer hangs: three timeouts in a row, then nothing more is sent."""

    class Silent:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                await asyncio.sleep(5)

    with serving(Silent()) as base:
        report = conform(REPO / "spec" / "sandbox.yaml", base, timeout=0.5)
    assert report.requests == 3 and report.not_sent > 0
    assert {f.check for f in report.findings} == {"timeout"}


def test_a_stream_is_judged_as_it_arrives_not_when_it_ends() -> None:
    """A bad first chunk, then a stream that never ends: the chunk is reported beside the cut."""
    breaker = Breaker(
        events=_events_if(_plain_stream, lambda ev: _chunks(ev[:1], lambda i, c: {**c, "id": 7})),
        hang=_plain_stream,
    )
    with serving(proxy(generated_app("provider"), breaker)) as base:
        report = conform(REPO / "spec" / "provider.yaml", base, timeout=3.0)
    found = {(f.check, f.request.body.get("stream")) for f in report.findings}
    assert found == {("chunk-schema", True), ("timeout", True)}
    [bad] = [f for f in report.findings if f.check == "chunk-schema"]
    assert "chunk 1: at /id: 7 is not of type 'string'" in bad.message
