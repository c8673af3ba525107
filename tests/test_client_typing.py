"""mypy --strict sees the types a user of the generated client relies on: overloads by `stream`."""

from __future__ import annotations

import re
from pathlib import Path

from apiforge.pipeline import generate
from tests.helpers import REPO, mypy_strict
from tests.test_client_spec import SPEC

USAGE = """
from typing import assert_type

from generated.provider import models
from generated.provider.client import (
    APIStatusError, AsyncClient, AsyncStream, Client, Stream, merge_chunks
)

messages = [models.ChatMessage(role="user", content="Hi")]
request = models.CreateChatCompletionRequest(model="m", messages=messages)


def sync_calls(client: Client, flag: bool) -> None:
    plain = client.create_chat_completion(model="m", messages=messages, temperature=0.2)
    assert_type(plain, models.ChatCompletion)
    chunks = client.create_chat_completion(model="m", messages=messages, stream=True)
    assert_type(chunks, Stream[models.ChatCompletionChunk])
    with chunks:
        for chunk in chunks:
            assert_type(chunk, models.ChatCompletionChunk)
    assert_type(merge_chunks(chunks), models.ChatCompletion)
    either = client.create_chat_completion(model="m", messages=messages, stream=flag)
    assert_type(either, models.ChatCompletion | Stream[models.ChatCompletionChunk])
    as_sent = client.create_chat_completion(request)
    assert_type(as_sent, models.ChatCompletion | Stream[models.ChatCompletionChunk])
    streamed = client.create_chat_completion(request, stream=True, timeout=5.0, max_retries=0)
    assert_type(streamed, Stream[models.ChatCompletionChunk])
    assert_type(client.create_chat_completion(request, stream=False), models.ChatCompletion)
    try:
        pass
    except APIStatusError as error:
        assert_type(error.status_code, int)


async def async_calls(client: AsyncClient) -> None:
    plain = await client.create_chat_completion(model="m", messages=messages)
    assert_type(plain, models.ChatCompletion)
    stream = await client.create_chat_completion(model="m", messages=messages, stream=True)
    assert_type(stream, AsyncStream[models.ChatCompletionChunk])
    async with stream:
        async for chunk in stream:
            assert_type(chunk, models.ChatCompletionChunk)


def mistakes(client: Client) -> None:
    client.create_chat_completion(model="m")  # E: messages is required
    client.create_chat_completion(request, model="m")  # E: a request model takes no fields
    client.create_chat_completion(model="m", messages=messages, stream="yes")  # E: not a bool
    client.create_chat_completion(model="m", messages=messages, colour=1)  # E: no such field
"""


INVENTORY_USAGE = """
from typing import assert_type

from inventory import models
from inventory.client import Client, Stream


def calls(client: Client) -> None:
    assert_type(client.get_item(item_id="i", x_request_id="r", verbose=True), models.Item)
    assert_type(client.delete_item(item_id="i"), None)
    assert_type(client.list_(tag=["a"]), models.ListResponse)
    assert_type(client.create_item(name="n", body="b"), models.Item)
    assert_type(client.generate(), models.Generated)
    assert_type(client.generate(prompt="p", stream=True, session="s"), Stream[models.Piece])
    client.get_item(item_id="i")  # E: the header parameter is required
    client.create_item(models.NewItem(name="n"), item_id="x")  # E: no such parameter
"""


def _expected(source: str) -> set[int]:
    return {n for n, line in enumerate(source.splitlines(), 1) if "# E:" in line}


def _errors(output: str, file: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(rf"{file}:(\d+): error:", output)}


def test_overloads_give_mypy_the_return_types(tmp_path: Path) -> None:
    """One mypy run over our dialect's client in use, and over a client of a spec unlike ours."""
    spec = tmp_path / "inventory.yaml"
    spec.write_text(SPEC)
    generate([spec], tmp_path / "out")
    (tmp_path / "usage.py").write_text(USAGE)
    (tmp_path / "inventory_usage.py").write_text(INVENTORY_USAGE)
    files = ["usage.py", "inventory_usage.py"]  # mypy checks the clients they import too
    done = mypy_strict(
        *[str(tmp_path / f) for f in files], cwd=REPO, mypypath=tmp_path / "out", reuse_cache=True
    )
    report = done.stdout + done.stderr
    assert _errors(done.stdout, "usage.py") - _errors(done.stdout, "inventory_usage.py") == (
        _expected(USAGE)
    ), report
    assert _errors(done.stdout, "inventory_usage.py") == _expected(INVENTORY_USAGE), report
    assert "client.py" not in done.stdout and "models.py" not in done.stdout, report
