"""mypy --strict sees the types a user of the generated client relies on: overloads by `stream`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

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


def test_overloads_give_mypy_the_return_types(tmp_path: Path) -> None:
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(usage)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors = {int(m.group(1)) for m in re.finditer(r"usage\.py:(\d+): error:", done.stdout)}
    expected = {n for n, line in enumerate(USAGE.splitlines(), 1) if "# E:" in line}
    assert errors == expected, done.stdout + done.stderr
