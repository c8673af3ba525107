"""Sync and async HTTP clients: the only I/O in the runtime, around the sans-IO retry policy."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ValidationError

from .errors import (
    DEFAULT_MESSAGE_POINTERS,
    APIResponseValidationError,
    APIStatusError,
    status_error_from_response,
    transport_error,
)
from .notgiven import NOT_GIVEN, NotGiven
from .retry import RetryPolicy
from .sse import DONE_SENTINEL
from .streaming import AsyncStream, Stream

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "AsyncAPIClient",
    "SyncAPIClient",
    "TimeoutTypes",
]

_M = TypeVar("_M", bound=BaseModel)

TimeoutTypes = float | httpx.Timeout | None
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
USER_AGENT: Final = "apiforge-runtime/0.1"


@dataclasses.dataclass(frozen=True)
class _Options:
    """One call's arguments, kept so each retry rebuilds an identical request."""

    method: str
    path: str
    json_body: object
    params: Mapping[str, Any] | None
    extra_headers: Mapping[str, str] | None
    timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven
    stream: bool


class _BaseClient:
    """What SyncAPIClient and AsyncAPIClient share: headers, request building, retry decisions."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: TimeoutTypes,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        error_parser: Callable[[Any], Any] | None,
        error_message_pointers: Sequence[str],
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.timeout = timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self.default_headers = dict(default_headers or {})
        self.error_parser = error_parser
        self.error_message_pointers = tuple(error_message_pointers)
        self.clock: Callable[[], float] = time.time
        self.rand: Callable[[], float] = random.random

    def _headers(self, options: _Options) -> dict[str, str]:
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if options.stream else "application/json",
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self.default_headers)
        headers.update(options.extra_headers or {})
        return headers

    def _build_request(
        self, client: httpx.Client | httpx.AsyncClient, options: _Options
    ) -> httpx.Request:
        body = options.json_body
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return client.build_request(
            options.method,
            options.path,
            json=None if isinstance(body, NotGiven) else body,
            params=options.params,
            headers=self._headers(options),
            timeout=(
                httpx.USE_CLIENT_DEFAULT
                if isinstance(options.timeout, NotGiven)
                else options.timeout
            ),
        )

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, unless a call passes its own `max_retries`."""
        return self.retry_policy.max_retries

    def _policy(self, options: _Options) -> RetryPolicy:
        given = options.max_retries
        if isinstance(given, NotGiven):
            return self.retry_policy
        return dataclasses.replace(self.retry_policy, max_retries=given)

    def _retry_delay(
        self, policy: RetryPolicy, attempt: int, response: httpx.Response | None
    ) -> float | None:
        """Seconds to sleep before the next attempt, or None when this outcome is final."""
        status = None if response is None else response.status_code
        headers = None if response is None else response.headers
        if not policy.should_retry(status, headers, attempt):
            return None
        return policy.delay(attempt, headers, now=self.clock(), rand=self.rand)

    def _status_error(self, response: httpx.Response) -> APIStatusError:
        return status_error_from_response(
            response,
            error_parser=self.error_parser,
            message_pointers=self.error_message_pointers,
        )

    def _parse(self, response: httpx.Response, cast_to: type[_M]) -> _M:
        try:
            data = response.json()
        except ValueError as exc:
            text = response.text
            message = f"Response is not JSON: {text[:200]!r}"
            raise APIResponseValidationError(message, response=response, body=text) from exc
        try:
            return cast_to.model_validate(data)
        except ValidationError as exc:
            message = f"Response does not match {cast_to.__name__}: {exc}"
            raise APIResponseValidationError(message, response=response, body=data) from exc


class SyncAPIClient(_BaseClient):
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
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            error_parser=error_parser,
            error_message_pointers=error_message_pointers,
        )
        self.sleep: Callable[[float], None] = time.sleep
        self._client = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)

    def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        json_body: object = NOT_GIVEN,
        params: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> _M:
        """Send a request, retrying per RetryPolicy, and validate the 2xx body as `cast_to`."""
        options = _Options(
            method, path, json_body, params, extra_headers, timeout, max_retries, stream=False
        )
        return self._parse(self._send(options), cast_to)

    def stream(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        json_body: object = NOT_GIVEN,
        params: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        done: str | None = DONE_SENTINEL,
    ) -> Stream[_M]:
        """Open an event stream of `cast_to` chunks; retries cover only the status line."""
        options = _Options(
            method, path, json_body, params, extra_headers, timeout, max_retries, stream=True
        )
        response = self._send(options)
        pointers = self.error_message_pointers
        return Stream(response, cast_to=cast_to, done=done, message_pointers=pointers)

    def _send(self, options: _Options) -> httpx.Response:
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


class AsyncAPIClient(_BaseClient):
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
    ) -> None:
        super().__init__(
            base_url,
            api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            error_parser=error_parser,
            error_message_pointers=error_message_pointers,
        )
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        json_body: object = NOT_GIVEN,
        params: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
    ) -> _M:
        """Send a request, retrying per RetryPolicy, and validate the 2xx body as `cast_to`."""
        options = _Options(
            method, path, json_body, params, extra_headers, timeout, max_retries, stream=False
        )
        return self._parse(await self._send(options), cast_to)

    async def stream(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_M],
        json_body: object = NOT_GIVEN,
        params: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        done: str | None = DONE_SENTINEL,
    ) -> AsyncStream[_M]:
        """Open an event stream of `cast_to` chunks; retries cover only the status line."""
        options = _Options(
            method, path, json_body, params, extra_headers, timeout, max_retries, stream=True
        )
        response = await self._send(options)
        pointers = self.error_message_pointers
        return AsyncStream(response, cast_to=cast_to, done=done, message_pointers=pointers)

    async def _send(self, options: _Options) -> httpx.Response:
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
