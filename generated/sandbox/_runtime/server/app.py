"""What every generated endpoint does before and after the handler: the request pipeline.

auth (401) -> rate limit (429) -> body and parameters (400) -> dialect rules (400) -> handler ->
JSON, or server-sent events when the request's stream flag is true. Any error is answered in the
dialect's envelope; an unexpected exception is a 500 that says nothing about itself. A refused
body or parameter gets the operation's own status and error shape where the spec documents them
(`OperationSpec.refusal_status`, `refusal_shape`: decided at generate time).
"""

from __future__ import annotations

import logging
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from typing import Any, Literal, TypeVar

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from .auth import AuthScheme, KeyCheck, read_credential
from .dispatch import RouteGroup, describe
from .errors import (
    ApiError,
    ErrorEnvelope,
    ErrorShape,
    error_json,
    internal_error,
    not_implemented,
)
from .params import error_details, param_reader, route_path
from .ratelimit import RateLimiter, retry_after_header
from .specs import BodySpec, OperationSpec, ParamSpec, RequestContext, StreamSpec
from .sse import ChunkEncoder
from .stream import aclose_quietly, start_stream
from .validation import (
    NotNullTable,
    field_value,
    parse_json_body,
    read_pointer,
    reject_tools_for_models,
)

__all__ = [
    "BodySpec",
    "Call",
    "HandlerMethod",
    "OperationSpec",
    "ParamSpec",
    "RateLimitSetting",
    "RequestContext",
    "Server",
    "StreamSpec",
    "handler_methods",
]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P")
Endpoint = Callable[["Call"], Awaitable[Response]]
RateLimitSetting = float | None | Literal["spec"]
HandlerMethod = Callable[..., Awaitable[Any]]


class Call:
    """One admitted request: validated body and parameters, the caller, and how to answer."""

    __slots__ = ("_body", "_encoder", "_envelope", "_params", "_status", "context")

    def __init__(
        self,
        context: RequestContext,
        body: BaseModel | None,
        params: object,
        status: int,
        envelope: ErrorEnvelope,
        encoder: ChunkEncoder | None,
    ) -> None:
        self.context = context
        self._body = body
        self._params = params
        self._status = status
        self._envelope = envelope
        self._encoder = encoder  # set when the request asked for a stream

    def body(self, model: type[M]) -> M:
        if not isinstance(self._body, model):
            raise TypeError(f"no {model.__name__} body in this request")
        return self._body

    def optional_body(self, model: type[M]) -> M | None:
        return None if self._body is None else self.body(model)

    def params(self, kind: type[P]) -> P:
        if not isinstance(self._params, kind):
            raise TypeError(f"no {kind.__name__} in this request")
        return self._params

    async def reply(self, result: object) -> Response:
        """The handler's result as the answer: a model as JSON, chunks as events, None as no body."""
        streamed = isinstance(result, AsyncIterator)
        if self._encoder is not None and streamed:
            chunks = typing.cast(AsyncIterator[BaseModel], result)
            return await start_stream(chunks, self._encoder, self._envelope)
        if streamed:
            await aclose_quietly(result)
            raise TypeError("the handler returned a stream for a request that did not ask for one")
        if self._encoder is not None:
            raise TypeError("the handler returned no stream for a request that asked for one")
        if isinstance(result, BaseModel):
            content = result.model_dump_json(by_alias=True, exclude_unset=True)
            return Response(content, self._status, media_type="application/json")
        if result is None:
            return Response(None, self._status)
        raise TypeError(f"the handler returned {type(result).__name__}, not a model")


class Server:
    """Registers generated endpoints on a FastAPI app and runs the pipeline around each."""

    def __init__(
        self,
        app: FastAPI,
        envelope: ErrorEnvelope,
        auth: AuthScheme | None,
        *,
        api_keys: Collection[str] | None = None,
        rate_limit: RateLimitSetting = "spec",
        not_null: NotNullTable | None = None,
    ) -> None:
        self.app = app
        self.not_null = not_null or {}
        self.envelope = envelope
        self.auth = auth
        self.keys = KeyCheck(auth, api_keys) if auth is not None else None
        self.rate_limit = rate_limit
        self._groups: dict[tuple[str, str], tuple[RouteGroup, list[OperationSpec]]] = {}
        app.add_exception_handler(HTTPException, self._http_exception)
        app.add_exception_handler(RequestValidationError, self._request_validation_error)

    def error_response(self, error: ApiError, shape: ErrorShape | None = None) -> Response:
        return Response(
            error_json(self.envelope, error, shape),
            error.status,
            headers=error.headers,
            media_type="application/json",
        )

    def operation(self, spec: OperationSpec) -> Callable[[Endpoint], Endpoint]:
        """Decorator: serve `spec.method spec.path` with the endpoint, inside the pipeline.

        Operations on one (method, route) share it: each request goes to the first, in the order
        they are registered, whose selector holds."""

        def register(endpoint: Endpoint) -> Endpoint:
            admit = self._admission(spec)

            async def route(request: Request) -> Response:
                try:
                    return await endpoint(await admit(request))
                except _Refused as refused:
                    return self.error_response(refused.error, spec.refusal_shape)
                except ApiError as exc:
                    return self.error_response(exc)
                except Exception:
                    logger.exception("unhandled error in %s", spec.operation_id)
                    return self.error_response(internal_error())

            self._add(spec, route)
            return endpoint

        return register

    def _add(self, spec: OperationSpec, serve: Callable[[Request], Awaitable[Response]]) -> None:
        """`serve` on its route: a new route, or one more candidate of an existing one."""
        path = route_path(spec)
        found = self._groups.get((spec.method, path))
        if found is not None:
            found[0].members.append((spec.selector, serve))
            found[1].append(spec)
            return
        group, specs = RouteGroup([(spec.selector, serve)]), [spec]
        self._groups[(spec.method, path)] = (group, specs)

        async def dispatch(request: Request) -> Response:
            chosen = group.choose(request)
            if chosen is not None:
                return await chosen(request)
            return self._unmatched(request, specs)

        self.app.router.add_route(
            path, dispatch, methods=[spec.method], name=spec.operation_id, include_in_schema=False
        )

    def _unmatched(self, request: Request, specs: list[OperationSpec]) -> Response:
        """A request on a shared route that no operation's selector picks: refused as an invalid
        parameter would be where the operations agree on how, else the envelope's 404."""
        options = [spec.selector for spec in specs]
        message = (
            f"No operation of {request.method} {request.url.path} matches this request; it needs"
            f" {describe(options)}."
        )
        refusals = {(spec.refusal_status, spec.refusal_shape) for spec in specs}
        if len(refusals) != 1:
            return self.error_response(ApiError(404, message, code="unknown_operation"))
        status, shape = refusals.pop()
        error = ApiError(400, message, code="unknown_operation")
        return self.error_response(_refusal(error, status), shape)

    def _limiter(self, spec: OperationSpec) -> RateLimiter | None:
        rate = spec.rate_limit if self.rate_limit == "spec" else self.rate_limit
        return RateLimiter(rate) if rate is not None and rate > 0 else None

    def _admission(self, spec: OperationSpec) -> Callable[[Request], Awaitable[Call]]:
        """The checks for one operation, bound once so each request does only the work it needs."""
        limiter = self._limiter(spec)
        keys = self.keys if spec.requires_auth else None
        read_params = param_reader(spec)

        async def admit(request: Request) -> Call:
            headers = request.headers
            client = request.client.host if request.client is not None else None
            key = None
            if self.auth is not None:
                key = read_credential(self.auth, headers, request.query_params)
            if keys is not None:
                key = keys.check(key)
            if limiter is not None:  # per checked key; per peer address where none is required
                wait = limiter.acquire((key if keys is not None else None) or client or "")
                if wait > 0:
                    raise _rate_limited(limiter.rate, wait)
            body, raw = None, b""
            try:
                if spec.body is not None:
                    raw = await request.body()
                    body = parse_json_body(
                        raw,
                        spec.body.model,
                        required=spec.body.required,
                        nullable=spec.body.nullable,
                        unknown=spec.body.unknown,
                        content_type=headers.get("content-type"),
                        not_null=self.not_null,
                    )
                params = read_params(request) if read_params is not None else None
                if body is not None and spec.models_without_tools:
                    reject_tools_for_models(body, spec.models_without_tools)
            except ApiError as exc:
                if exc.status != 400:
                    raise
                raise _Refused(_refusal(exc, spec.refusal_status)) from None
            context = RequestContext(spec.operation_id, key, headers, client, raw)
            return Call(context, body, params, spec.status, self.envelope, _encoder(spec, body))

        return admit

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        if status == 404:
            message = f"Unknown request URL: {request.method} {request.url.path}."
        elif status == 405:
            message = f"Method {request.method} is not allowed for {request.url.path}."
        else:
            message = str(getattr(exc, "detail", "")) or "The request failed."
        code = {404: "unknown_url", 405: "method_not_allowed"}.get(status)
        return self.error_response(ApiError(status, message, code=code, headers=headers))

    async def _request_validation_error(self, request: Request, exc: Exception) -> Response:
        """Routes added to the app by hand answer in the envelope too, with 400 instead of 422."""
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"Invalid value for '{where}': {first.get('msg', 'invalid')}." if where else None
        error = ApiError(400, message or "The request is invalid.", code="invalid_value")
        return self.error_response(error)


class _Refused(Exception):
    """The request's body or parameters were refused: answered in the operation's refusal shape."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def _refusal(error: ApiError, status: int) -> ApiError:
    """The validator's 400 with the operation's status, and FastAPI-style details of what was wrong:
    the error's own, else pydantic's for the body (the ValidationError it was raised from)."""
    details = error.details
    cause = error.__context__
    if details is None and isinstance(cause, ValidationError):
        details = error_details(cause, ("body",))
    if details is None:
        details = [{"loc": ["body"], "msg": error.message, "type": error.code or error.type}]
    return ApiError(
        status,
        error.message,
        type=error.type,
        code=error.code,
        headers=error.headers,
        details=details,
    )


def handler_methods(
    handler: object, operations: Mapping[str, OperationSpec]
) -> dict[str, HandlerMethod]:
    """Method name -> the handler's method; an operation it lacks answers 501, not a traceback.

    Looked up once, when the app is made: any object serves, implementing what it implements.
    """
    found: dict[str, HandlerMethod] = {}
    for name, spec in operations.items():
        method = getattr(handler, name, None)
        found[name] = method if callable(method) else _unimplemented(spec.operation_id)
    return found


def _unimplemented(operation_id: str) -> HandlerMethod:
    async def answer(*args: object, **kwargs: object) -> object:
        raise not_implemented(operation_id)

    return answer


def _encoder(spec: OperationSpec, body: BaseModel | None) -> ChunkEncoder | None:
    """A chunk encoder when the request's stream flag is true; None answers with JSON."""
    stream = spec.stream
    if stream is None or body is None or field_value(body, stream.flag) is not True:
        return None
    usage = stream.include_usage is not None and read_pointer(body, stream.include_usage) is True
    return ChunkEncoder(done=stream.done, include_usage=usage)


def _rate_limited(rate: float, wait: float) -> ApiError:
    retry = retry_after_header(wait)
    return ApiError(
        429,
        f"Rate limit reached: at most {rate:g} requests per second. Retry after {retry} s.",
        code="rate_limit_exceeded",
        headers={"Retry-After": retry},
    )
