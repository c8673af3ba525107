"""Typed iterators over an event-stream response that always release the connection."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .errors import DEFAULT_MESSAGE_POINTERS, APIResponseValidationError, transport_error
from .sse import DONE_SENTINEL, ChunkPayloadDecoder

__all__ = ["AsyncStream", "Stream"]

_M = TypeVar("_M", bound=BaseModel)


def _validate(cast_to: type[_M], payload: Any, response: httpx.Response) -> _M:
    try:
        return cast_to.model_validate(payload)
    except ValidationError as exc:
        message = f"Stream chunk does not match {cast_to.__name__}: {exc}"
        raise APIResponseValidationError(message, response=response, body=payload) from exc


class Stream(Generic[_M]):
    """Chunks of one streamed response; the response closes on exhaustion, error, break or close."""

    response: httpx.Response

    def __init__(
        self,
        response: httpx.Response,
        *,
        cast_to: type[_M],
        done: str | None = DONE_SENTINEL,
        message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
    ) -> None:
        self.response = response
        self._cast_to = cast_to
        self._decoder = ChunkPayloadDecoder(done=done, message_pointers=message_pointers)
        self._chunks = self._generate()

    def _generate(self) -> Generator[_M, None, None]:
        try:
            for data in self.response.iter_bytes():
                for payload in self._decoder.feed(data):
                    yield _validate(self._cast_to, payload, self.response)
                if self._decoder.finished:
                    return
            for payload in self._decoder.flush():
                yield _validate(self._cast_to, payload, self.response)
        except httpx.RequestError as exc:
            raise transport_error(exc, self.response.request) from exc
        finally:
            self.response.close()

    def __next__(self) -> _M:
        return next(self._chunks)

    def __iter__(self) -> Iterator[_M]:
        """A `for` loop's iterator; leaving the loop early (break, exception) closes the stream."""
        try:
            yield from self._chunks
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._chunks.close()
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStream(Generic[_M]):
    """The async twin of Stream; prefer `async with` so the connection is released promptly."""

    response: httpx.Response

    def __init__(
        self,
        response: httpx.Response,
        *,
        cast_to: type[_M],
        done: str | None = DONE_SENTINEL,
        message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
    ) -> None:
        self.response = response
        self._cast_to = cast_to
        self._decoder = ChunkPayloadDecoder(done=done, message_pointers=message_pointers)
        self._chunks = self._generate()

    async def _generate(self) -> AsyncGenerator[_M, None]:
        try:
            async for data in self.response.aiter_bytes():
                for payload in self._decoder.feed(data):
                    yield _validate(self._cast_to, payload, self.response)
                if self._decoder.finished:
                    return
            for payload in self._decoder.flush():
                yield _validate(self._cast_to, payload, self.response)
        except httpx.RequestError as exc:
            raise transport_error(exc, self.response.request) from exc
        finally:
            await self.response.aclose()

    async def __anext__(self) -> _M:
        return await self._chunks.__anext__()

    async def __aiter__(self) -> AsyncIterator[_M]:
        """An `async for` loop's iterator; closes the stream when the loop ends or is dropped."""
        try:
            async for chunk in self._chunks:
                yield chunk
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        await self._chunks.aclose()
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
