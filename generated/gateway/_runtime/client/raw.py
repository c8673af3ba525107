"""`client.with_raw_response` and `client.with_streaming_response`, as in openai-python.

A wrapped method is the method itself, told through a marker header (removed before sending) to
hand back the response instead of its parsed body: status, headers and `.parse()` for the result
the plain call would have returned; the streaming form sends without reading the body first.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any, Generic, ParamSpec, TypeVar, cast

import httpx

__all__ = [
    "RAW_RESPONSE_HEADER",
    "APIResponse",
    "AsyncAPIResponse",
    "async_to_raw_response_wrapper",
    "async_to_streamed_response_wrapper",
    "to_raw_response_wrapper",
    "to_streamed_response_wrapper",
]

RAW_RESPONSE_HEADER = "X-Apiforge-Raw-Response"  # "raw" or "stream"; never sent
_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.http_response = response

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The response's `x-request-id`, where the server sends one."""
        found: str | None = self.http_response.headers.get("x-request-id")
        return found

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url


class APIResponse(_Response, Generic[_R]):
    """One response of a call, unparsed; `.parse()` gives what the call would have returned."""

    def __init__(self, response: httpx.Response, parser: Callable[[httpx.Response], Any]) -> None:
        super().__init__(response)
        self._parser = parser
        self._parsed: list[_R] = []

    def parse(self) -> _R:
        """The call's result (a model, or the stream of chunks); parsed once."""
        if not self._parsed:
            self._parsed.append(cast(_R, self._parser(self.http_response)))
        return self._parsed[0]

    def read(self) -> bytes:
        return self.http_response.read()

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def json(self) -> Any:
        self.read()
        return self.http_response.json()

    def iter_bytes(self) -> Iterator[bytes]:
        return self.http_response.iter_bytes()

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def close(self) -> None:
        self.http_response.close()


class AsyncAPIResponse(_Response, Generic[_R]):
    """The async twin of APIResponse: `await response.parse()`."""

    def __init__(self, response: httpx.Response, parser: Callable[[httpx.Response], Any]) -> None:
        super().__init__(response)
        self._parser = parser
        self._parsed: list[_R] = []

    async def parse(self) -> _R:
        """The call's result (a model, or the stream of chunks); parsed once."""
        if not self._parsed:
            self._parsed.append(cast(_R, await self._parser(self.http_response)))
        return self._parsed[0]

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def json(self) -> Any:
        await self.read()
        return self.http_response.json()

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return self.http_response.aiter_bytes()

    def iter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def close(self) -> None:
        await self.http_response.aclose()


def _marked(kwargs: dict[str, Any], mode: str) -> None:
    headers = dict(cast(Mapping[str, str], kwargs.get("extra_headers") or {}))
    headers[RAW_RESPONSE_HEADER] = mode
    kwargs["extra_headers"] = headers


def to_raw_response_wrapper(func: Callable[_P, _R]) -> Callable[_P, APIResponse[_R]]:
    """`func`, returning its response (status, headers, `.parse()`) instead of its result."""

    @functools.wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> APIResponse[_R]:
        _marked(kwargs, "raw")
        return cast(APIResponse[_R], func(*args, **kwargs))

    return wrapped


def to_streamed_response_wrapper(
    func: Callable[_P, _R],
) -> Callable[_P, contextlib.AbstractContextManager[APIResponse[_R]]]:
    """`func` as a context manager over its response, whose body is read only when asked."""

    @functools.wraps(func)
    @contextlib.contextmanager
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> Iterator[APIResponse[_R]]:
        _marked(kwargs, "stream")
        response = cast(APIResponse[_R], func(*args, **kwargs))
        try:
            yield response
        finally:
            response.close()

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Awaitable[AsyncAPIResponse[_R]]]:
    """The async `to_raw_response_wrapper`."""

    @functools.wraps(func)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> AsyncAPIResponse[_R]:
        _marked(kwargs, "raw")
        return cast(AsyncAPIResponse[_R], await func(*args, **kwargs))

    return wrapped


def async_to_streamed_response_wrapper(
    func: Callable[_P, Awaitable[_R]],
) -> Callable[_P, contextlib.AbstractAsyncContextManager[AsyncAPIResponse[_R]]]:
    """The async `to_streamed_response_wrapper`."""

    @functools.wraps(func)
    @contextlib.asynccontextmanager
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> AsyncIterator[AsyncAPIResponse[_R]]:
        _marked(kwargs, "stream")
        response = cast(AsyncAPIResponse[_R], await func(*args, **kwargs))
        try:
            yield response
        finally:
            await response.close()

    return wrapped
