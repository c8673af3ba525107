"""Typed iterators over an event-stream response that always release the connection."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Sequence
from types import TracebackType
from typing import Generic, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .errors import DEFAULT_MESSAGE_POINTERS, APIResponseValidationError, transport_error
from .sse import DONE_SENTINEL, ChunkPayloadDecoder, parse_payload
from .tolerant import build_tolerant

__all__ = ["AsyncStream", "Stream"]

_M = TypeVar("_M", bound=BaseModel)


class _Chunks(Generic[_M]):
    """Event data -> typed chunks, parsed once by pydantic; errors found as iter_chunk_payloads does."""

    def __init__(
        self,
        response: httpx.Response,
        cast_to: type[_M],
        message_pointers: Sequence[str],
        strict: bool,
    ) -> None:
        self.response = response
        self.strict = strict
        self.cast_to = cast_to
        self.validate_json = cast_to.__pydantic_validator__.validate_json
        self.pointers = message_pointers

    def parse(self, data: str) -> _M:
        if '"error"' not in data:  # an error payload has that key; a chunk rarely has the text
            try:
                chunk: _M = self.validate_json(data)
                return chunk
            except ValidationError:
                pass  # parse again below, for the StreamError or the error the slow path gives
        payload = parse_payload(data, self.pointers)
        try:
            return self.cast_to.model_validate(payload)
        except ValidationError as exc:
            built = None if self.strict else build_tolerant(self.cast_to, payload)
            if built is not None:
                return built
            message = f"Stream chunk does not match {self.cast_to.__name__}: {exc}"
            raise APIResponseValidationError(message, response=self.response, body=payload) from exc


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
        strict: bool = False,
    ) -> None:
        self.response = response
        self._parser = _Chunks(response, cast_to, message_pointers, strict)
        self._decoder = ChunkPayloadDecoder(done=done, message_pointers=message_pointers)
        self._chunks = self._generate()

    def _generate(self) -> Generator[_M, None, None]:
        try:
            parse, decoder = self._parser.parse, self._decoder
            for data in self.response.iter_bytes():
                for text in decoder.feed_data(data):
                    yield parse(text)
                if decoder.finished:
                    return
            for text in decoder.flush_data():
                yield parse(text)
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
        strict: bool = False,
    ) -> None:
        self.response = response
        self._parser = _Chunks(response, cast_to, message_pointers, strict)
        self._decoder = ChunkPayloadDecoder(done=done, message_pointers=message_pointers)
        self._chunks = self._generate()

    async def _generate(self) -> AsyncGenerator[_M, None]:
        try:
            parse, decoder = self._parser.parse, self._decoder
            async for data in self.response.aiter_bytes():
                for text in decoder.feed_data(data):
                    yield parse(text)
                if decoder.finished:
                    return
            for text in decoder.flush_data():
                yield parse(text)
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
