"""Fixtures shared across test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat_stub import ChatStub


@pytest.fixture(scope="session")
def chat_stub() -> Iterator[ChatStub]:
    """A chat-completion server on 127.0.0.1 speaking every dialect (see tests/chat_stub.py)."""
    with ChatStub() as stub:
        yield stub
