"""Sync and async HTTP clients: the only I/O in the runtime, around the sans-IO retry policy."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, cast, overload

import anyio
import httpx
from pydantic import BaseModel

from .base import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    BaseAPIClient,
    Options,
    RequestArgs,
    TimeoutTypes,
    default_ssl_context,
)
from .errors import DEFAULT_MESSAGE_POINTERS, transport_error
from .raw import APIResponse, AsyncAPIResponse
from .request import Auth
from .sse import DONE_SENTINEL
from .streaming import AsyncStream, Stream

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "AsyncAPIClient",
    "RequestArgs",
    "SyncAPIClient",
    "TimeoutTypes",
]

_M = TypeVar("_M", bound=BaseModel)


class SyncAPIClient(BaseAPIClient):
    """Blocking client; set `sleep`, `clock` or `rand` to observe or speed up retries."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.BaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        error_parser: Callable[[Any], Any] | None = None,
        error_message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
        auth: Auth | None = None,
        strict_response_validation: bool = False,
        idempotency_header: str | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            error_parser=error_parser,
            error_message_pointers=error_message_pointers,
            auth=auth,
            strict_response_validation=strict_response_validation,
            idempotency_header=idempotency_header,
        )
        self.sleep: Callable[[float], None] = time.sleep
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            verify=default_ssl_context(),
        )

    @overload
    def request(
        self, method: str, path: str, *, cast_to: type[_M], **args: Unpack[RequestArgs]
    ) -> _M: ...

    @overload
    def request(
        self, method: str, path: str, *, cast_to: None, **args: Unpack[RequestArgs]
    ) -> None: ...

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        bodiless: Collection[int],
        **args: Unpack[RequestArgs],
    ) -> _M | None: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M] | None,
        bodiless: Collection[int] = (),
        **args: Unpack[RequestArgs],
    ) -> _M | None:
        """Send a request, retrying per RetryPolicy, and validate the 2xx body as `cast_to`
        (None for a status in `bodiless`: one the spec documents without a body)."""
        options = self._options(method, path, False, args)
        response = self._send(options)
        if options.raw is not None:

            def parse(response: httpx.Response) -> _M | None:
                response.read()
                return self._parse(response, cast_to, bodiless)

            return cast(_M, APIResponse(response, parse))
        return self._parse(response, cast_to, bodiless)

    def stream(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        done: str | None = DONE_SENTINEL,
        **args: Unpack[RequestArgs],
    ) -> Stream[_M]:
        """Open an event stream of `cast_to` chunks; retries cover only the status line."""
        options = self._options(method, path, True, args)
        response = self._send(options)
        pointers = self.error_message_pointers
        strict = self.strict_response_validation

        def chunks(response: httpx.Response) -> Stream[_M]:
            return Stream(
                response, cast_to=cast_to, done=done, message_pointers=pointers, strict=strict
            )

        if options.raw is not None:
            return cast(Stream[_M], APIResponse(response, chunks))
        return chunks(response)

    def _send(self, options: Options) -> httpx.Response:
        policy = self._policy(options)
        attempt = 0
        while True:
            request = self._build_request(self._client, options)
            try:
                response = self._client.send(request, stream=options.stream)
            except httpx.RequestError as exc:
                retryable = isinstance(exc, httpx.TransportError)
                delay = self._retry_delay(policy, attempt, None) if retryable else None
                if delay is None:
                    raise transport_error(exc, request) from exc
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(policy, attempt, response)
                if delay is None:
                    raise self._read_status_error(response, request)
                response.close()
            self.sleep(delay)
            attempt += 1

    def _read_status_error(self, response: httpx.Response, request: httpx.Request) -> Exception:
        try:
            response.read()
        except httpx.RequestError as exc:
            return transport_error(exc, request)
        finally:
            response.close()
        return self._status_error(response)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAPIClient(BaseAPIClient):
    """Asyncio or trio client; set `sleep`, `clock` or `rand` to observe or speed up retries."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: httpx.AsyncBaseTransport | None = None,
        default_headers: Mapping[str, str] | None = None,
        error_parser: Callable[[Any], Any] | None = None,
        error_message_pointers: Sequence[str] = DEFAULT_MESSAGE_POINTERS,
        auth: Auth | None = None,
        strict_response_validation: bool = False,
        idempotency_header: str | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            error_parser=error_parser,
            error_message_pointers=error_message_pointers,
            auth=auth,
            strict_response_validation=strict_response_validation,
            idempotency_header=idempotency_header,
        )
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            verify=default_ssl_context(),
        )

    @overload
    async def request(
        self, method: str, path: str, *, cast_to: type[_M], **args: Unpack[RequestArgs]
    ) -> _M: ...

    @overload
    async def request(
        self, method: str, path: str, *, cast_to: None, **args: Unpack[RequestArgs]
    ) -> None: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        bodiless: Collection[int],
        **args: Unpack[RequestArgs],
    ) -> _M | None: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M] | None,
        bodiless: Collection[int] = (),
        **args: Unpack[RequestArgs],
    ) -> _M | None:
        """Send a request, retrying per RetryPolicy, and validate the 2xx body as `cast_to`
        (None for a status in `bodiless`: one the spec documents without a body)."""
        options = self._options(method, path, False, args)
        response = await self._send(options)
        if options.raw is not None:

            async def parse(response: httpx.Response) -> _M | None:
                await response.aread()
                return self._parse(response, cast_to, bodiless)

            return cast(_M, AsyncAPIResponse(response, parse))
        return self._parse(response, cast_to, bodiless)

    async def stream(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        done: str | None = DONE_SENTINEL,
        **args: Unpack[RequestArgs],
    ) -> AsyncStream[_M]:
        """Open an event stream of `cast_to` chunks; retries cover only the status line."""
        options = self._options(method, path, True, args)
        response = await self._send(options)
        pointers = self.error_message_pointers
        strict = self.strict_response_validation

        def chunks(response: httpx.Response) -> AsyncStream[_M]:
            return AsyncStream(
                response, cast_to=cast_to, done=done, message_pointers=pointers, strict=strict
            )

        if options.raw is not None:

            async def parse(response: httpx.Response) -> AsyncStream[_M]:
                return chunks(response)

            return cast(AsyncStream[_M], AsyncAPIResponse(response, parse))
        return chunks(response)

    async def _send(self, options: Options) -> httpx.Response:
        policy = self._policy(options)
        attempt = 0
        while True:
            request = self._build_request(self._client, options)
            try:
                response = await self._client.send(request, stream=options.stream)
            except httpx.RequestError as exc:
                retryable = isinstance(exc, httpx.TransportError)
                delay = self._retry_delay(policy, attempt, None) if retryable else None
                if delay is None:
                    raise transport_error(exc, request) from exc
            else:
                if response.is_success:
                    return response
                delay = self._retry_delay(policy, attempt, response)
                if delay is None:
                    raise await self._read_status_error(response, request)
                await response.aclose()
            await self.sleep(delay)
            attempt += 1

    async def _read_status_error(
        self, response: httpx.Response, request: httpx.Request
    ) -> Exception:
        try:
            await response.aread()
        except httpx.RequestError as exc:
            return transport_error(exc, request)
        finally:
            await response.aclose()
        return self._status_error(response)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
