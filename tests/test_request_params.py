"""Request TypedDicts and docstrings for a body unlike ours: a oneOf of messages, an enum, a
default and bounds; mypy accepts the dicts a user writes and refuses the wrong ones, and the call
sends what was given."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from apiforge.pipeline import generate
from tests.helpers import import_fresh, mypy_strict

REPO = Path(__file__).resolve().parent.parent
SPEC = """
openapi: 3.1.0
info: {title: Chat, version: "1"}
paths:
  /chat:
    post:
      operationId: chat
      summary: send a chat
      description: The model answers the last message
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ChatRequest"}
      responses:
        "204": {description: done}
components:
  schemas:
    ChatRequest:
      type: object
      required: [messages]
      properties:
        messages:
          type: array
          description: the conversation
          items: {$ref: "#/components/schemas/Message"}
        temperature:
          type: number
          description: How random
          default: 1
          minimum: 0
          maximum: 2
    Message:
      oneOf:
        - {$ref: "#/components/schemas/SystemMessage"}
        - {$ref: "#/components/schemas/UserMessage"}
    SystemMessage:
      type: object
      required: [role, content]
      properties:
        role: {type: string, enum: [system]}
        content: {type: string}
    UserMessage:
      type: object
      required: [role, content]
      properties:
        role: {type: string, enum: [user]}
        content: {type: string}
        name: {type: string}
"""
USAGE = """
from chat import models, params
from chat.client import Client


def calls(client: Client) -> None:
    client.chat(messages=[{"role": "system", "content": "s"}, {"role": "user", "content": "u"}])
    client.chat(messages=(m for m in [models.UserMessage(role="user", content="u")]))
    history: list[params.SystemMessageParam | params.UserMessageParam] = [{"role": "user", "content": "u", "name": "n"}]
    client.chat(messages=history, temperature=0.5)
    client.chat({"messages": history})
    client.chat(messages=[{"role": "robot", "content": "u"}])  # E: no such role
    client.chat(messages=[{"role": "system", "content": "s", "name": "n"}])  # E: not a system key
    client.chat(messages=[{"role": "user"}])  # E: content is required
"""


def test_typeddicts_follow_the_models_and_type_check(tmp_path: Path) -> None:
    spec = tmp_path / "chat.yaml"
    spec.write_text(SPEC)
    generate([spec], tmp_path / "out")
    params = (tmp_path / "out" / "chat" / "params.py").read_text()
    assert 'role: Required[Literal["user"]]' in params
    assert "temperature: float\n" in params  # it has a default: neither Required nor None
    client = (tmp_path / "out" / "chat" / "client.py").read_text()
    one_line = " ".join(client.split())
    assert (
        "messages: Iterable[ params.SystemMessageParam | models.SystemMessage"
        " | params.UserMessageParam | models.UserMessage ]"
    ) in one_line
    assert "Send a chat. The model answers the last message." in client
    assert "temperature: How random. Defaults to `1`. Must be at least 0, at most 2." in client
    (tmp_path / "usage.py").write_text(USAGE)
    done = mypy_strict("usage.py", cwd=tmp_path, mypypath=tmp_path / "out")
    found = {int(m.group(1)) for m in re.finditer(r"usage\.py:(\d+): error:", done.stdout)}
    expected = {n for n, line in enumerate(USAGE.splitlines(), 1) if "# E:" in line}
    assert found == expected, done.stdout
    assert "chat/" not in done.stdout, done.stdout  # the generated package is clean


def test_dicts_and_models_are_sent_as_given(tmp_path: Path) -> None:
    spec = tmp_path / "chat.yaml"
    spec.write_text(SPEC)
    generate([spec], tmp_path / "out")
    module: Any = import_fresh(tmp_path / "out", "chat.client")
    sent: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(204)

    client = module.Client("http://chat.test", transport=httpx.MockTransport(answer))
    user = module.models.UserMessage(role="user", content="u")
    client.chat(messages=iter([{"role": "system", "content": "s"}, user]))
    client.chat({"messages": [{"role": "user", "content": "x"}]}, extra_body={"seed": 1})
    assert sent == [
        {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]},
        {"messages": [{"role": "user", "content": "x"}], "seed": 1},
    ]
