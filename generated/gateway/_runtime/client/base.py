"""What the sync and async clients share: one call's options, its headers, retry and parse rules."""

from __future__ import annotations

import dataclasses
import functools
import random
import ssl
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final, TypedDict, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .errors import APIResponseValidationError, APIStatusError, status_error_from_response
from .notgiven import NOT_GIVEN, NotGiven
from .raw import RAW_RESPONSE_HEADER
from .request import Auth, encode_body, fill_path, header_values, merge_json, query_values
from .retry import RetryPolicy
from .tolerant import build_tolerant, set_request_id

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "BaseAPIClient",
    "RequestArgs",
    "TimeoutTypes",
    "default_ssl_context",
]

_M = TypeVar("_M", bound=BaseModel)

TimeoutTypes = float | httpx.Timeout | None
DEFAULT_TIMEOUT: Final = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES: Final = 2
USER_AGENT: Final = "apiforge-runtime/0.1"
_BEARER: Final = Auth()


class RequestArgs(TypedDict, total=False):
    """Keyword arguments of `request` and `stream` besides the method, path and `cast_to`."""

    json_body: object  # a model or JSON-able value, encoded per `content_type`
    content_type: str
    path_params: Mapping[str, object] | None  # fills `{name}` in the path
    params: Mapping[str, object] | None  # query; NOT_GIVEN and None are left out
    headers: Mapping[str, object] | None  # header parameters of the operation
    cookies: Mapping[str, object] | None
    authenticated: bool  # False for operations the spec leaves without security
    timeout: TimeoutTypes | NotGiven
    max_retries: int | NotGiven
    extra_headers: Mapping[str, str] | None  # applied last, over everything else
    extra_query: Mapping[str, object] | None  # query parameters the spec does not name
    extra_body: Mapping[str, object] | None  # JSON properties merged into the body, as sent


@dataclasses.dataclass(frozen=True, slots=True)
class Options:
    """One call, encoded once, so that each retry sends an identical request."""

    method: str
    url: str
    content: bytes | None
    params: dict[str, Any] | None
    headers: dict[str, str]
    timeout: Any  # TimeoutTypes or httpx.USE_CLIENT_DEFAULT
    max_retries: int | NotGiven
    stream: bool  # send without reading the body: an event stream, or with_streaming_response
    raw: str | None = None  # "raw" or "stream": the call hands back its APIResponse


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """httpx's default context, built once: loading the CA bundle costs ~0.1 s per client."""
    return httpx.create_ssl_context()


class BaseAPIClient:
    """Headers, credentials, request encoding and retry decisions, free of I/O."""

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
        auth: Auth | None,
        strict_response_validation: bool = False,
        idempotency_header: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.strict_response_validation = strict_response_validation
        self.api_key = api_key
        self.timeout = timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self.default_headers = dict(default_headers or {})
        self.auth = _BEARER if auth is None else auth
        self.error_parser = error_parser
        self.error_message_pointers = tuple(error_message_pointers)
        self.idempotency_header = idempotency_header
        self.clock: Callable[[], float] = time.time
        self.rand: Callable[[], float] = random.random
        self.idempotency_key: Callable[[], str] = lambda: f"apiforge-retry-{uuid.uuid4()}"

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, unless a call passes its own `max_retries`."""
        return self.retry_policy.max_retries

    def _options(self, method: str, path: str, stream: bool, args: RequestArgs) -> Options:
        content_type = args.get("content_type", "application/json")
        content = encode_body(args.get("json_body"), content_type)
        extra_body = args.get("extra_body")
        if extra_body:
            content = merge_json(content, extra_body)
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "text/event-stream" if stream else "application/json",
        }
        if content is not None:
            headers["Content-Type"] = content_type
        params = query_values(args.get("params"))
        extra_query = args.get("extra_query")
        if extra_query:
            params.update(query_values(extra_query))
        if self.api_key and args.get("authenticated", True):
            self.auth.apply(self.api_key, headers, params)
        headers.update(self.default_headers)
        op_headers = args.get("headers")
        cookies = args.get("cookies")
        if op_headers or cookies:
            headers.update(header_values(op_headers, cookies))
        extra_headers = args.get("extra_headers")
        raw = None
        if extra_headers:
            if RAW_RESPONSE_HEADER in extra_headers:
                raw = extra_headers[RAW_RESPONSE_HEADER]
                extra_headers = {k: v for k, v in extra_headers.items() if k != RAW_RESPONSE_HEADER}
            headers.update(extra_headers)
        if self.idempotency_header and method != "GET" and self.idempotency_header not in headers:
            headers[self.idempotency_header] = self.idempotency_key()  # one key for every retry
        path_params = args.get("path_params")
        timeout = args.get("timeout", httpx.USE_CLIENT_DEFAULT)
        return Options(
            method=method,
            url=fill_path(path, path_params) if path_params else path,
            content=content,
            params=params or None,
            headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if isinstance(timeout, NotGiven) else timeout,
            max_retries=args.get("max_retries", NOT_GIVEN),
            stream=stream or raw == "stream",
            raw=raw,
        )

    def _build_request(
        self, client: httpx.Client | httpx.AsyncClient, options: Options
    ) -> httpx.Request:
        return client.build_request(
            options.method,
            options.url,
            content=options.content,
            params=options.params,
            headers=options.headers,
            timeout=options.timeout,
        )

    def _policy(self, options: Options) -> RetryPolicy:
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

    def _parse(
        self, response: httpx.Response, cast_to: type[_M] | None, bodiless: Collection[int] = ()
    ) -> _M | None:
        """The 2xx body as `cast_to`; None when the operation declares no response model, or
        none for this status (`bodiless`: Azure's 200 of a delete whose 202 has a body).

        A body that strays from the schema is built anyway (fields kept as sent) unless the
        client was made with `strict_response_validation=True`, as the openai SDK does."""
        if cast_to is None or response.status_code in bodiless:
            return None
        content = response.content
        try:
            result = cast_to.model_validate_json(content)
        except ValidationError as exc:
            data: Any
            try:
                data = response.json()
            except ValueError:
                text = response.text
                message = f"Response is not JSON: {text[:200]!r}"
                raise APIResponseValidationError(message, response=response, body=text) from exc
            built = None if self.strict_response_validation else build_tolerant(cast_to, data)
            if built is None:
                message = f"Response does not match {cast_to.__name__}: {exc}"
                raise APIResponseValidationError(message, response=response, body=data) from exc
            result = built
        set_request_id(result, response.headers.get("x-request-id"))
        return result
