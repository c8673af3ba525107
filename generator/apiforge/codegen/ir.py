"""The intermediate representation templates receive: frozen, typed, every decision already made.

Strings here are either Python identifiers (cleaned by apiforge.plan.names) or type expressions built
from generated class names; anything that came from the spec as text (paths, descriptions, enum
values) is rendered by the `py_str` filter, never pasted into code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ParamLocation = Literal["path", "query", "header", "cookie"]
SelectorLocation = Literal["header", "query"]
UnknownProperties = Literal["ignore", "reject", "allow"]
# what a documented error body gets at a pointer (the runtime's server/errors.py ErrorPart)
ErrorPart = Literal["message", "status", "status_text", "code", "type", "details", "null"]
# whether a client call streams: never, when the request's flag is true, or always
StreamMode = Literal["never", "on_flag", "always"]
# how a client method takes the request body: as keyword fields (or whole), whole only, or not at all
BodyForm = Literal["fields", "whole", "none"]
# the keyword of the runtime's request() that carries parameters of one location
SentAs = Literal["path_params", "params", "headers", "cookies"]


@dataclass(frozen=True)
class Field:
    """One property of a request body, as a keyword argument of a client method."""

    name: str  # the model's attribute name (a Python identifier)
    wire_name: str  # the JSON property name
    annotation: str
    required: bool
    # `annotation` for a module that does `from . import models`: classes written `models.X`,
    # anything models.py imports from elsewhere (datetimes, URLs...) widened to `Any`
    qualified_annotation: str = "Any"
    # the keyword argument: `name`, or `timeout_` where the field would hide a per-call option
    arg_name: str = ""
    # the keyword argument's type for client.py: objects as `params.XParam | models.X`, arrays
    # as `Iterable[...]` (request_params)
    param_annotation: str = "Any"
    # the property's description, default and constraints as sentences, for the docstring
    description: str = ""


@dataclass(frozen=True)
class Param:
    name: str  # Python identifier
    wire_name: str
    location: ParamLocation
    annotation: str
    required: bool
    description: str
    # the wire text the operation's route fixes (`/#X-Amz-Target=Svc.Op`): the client sends it
    # and takes no argument for it; None for a parameter the caller gives
    fixed: str | None = None
    # a path parameter sharing its segment with another (`{page}{extension}`): the strings its
    # enum lists, which the server's route matches alone so the split is the spec's; else ()
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteCondition:
    """A header or query value a request must carry to reach an operation on a shared route."""

    location: SelectorLocation
    name: str  # wire name
    value: str | None  # None: present with any value


@dataclass(frozen=True)
class RouteSelector:
    """What tells an operation apart from the others on its (method, route): all must hold."""

    conditions: tuple[RouteCondition, ...]


@dataclass(frozen=True)
class Body:
    model: str  # class of the request body
    content_type: str
    required: bool
    fields: tuple[Field, ...]  # empty when the body is not an object with known properties
    unknown_properties: UnknownProperties
    ignored_parameters: tuple[str, ...]
    arg_name: str = "body"  # the client's positional-only parameter for a whole request model
    nullable: bool = False  # the schema says `null` is a body (GitHub's update-branch)
    params_type: str | None = None  # the body's TypedDict in params.py, if it has one

    @property
    def may_be_none(self) -> bool:
        """Whether the handler can get None: a body left out, or a JSON `null` the spec allows."""
        return not self.required or self.nullable


@dataclass(frozen=True)
class ParamKey:
    """One key of a request TypedDict: the JSON property, its type in params.py, Required or not."""

    wire_name: str
    annotation: str
    required: bool

    @property
    def declared(self) -> str:
        """The key's type as the TypedDict declares it: `Required[...]` where it is required."""
        return f"Required[{self.annotation}]" if self.required else self.annotation


@dataclass(frozen=True)
class ParamsType:
    """A request object as a TypedDict in params.py (or, for a root model, a type alias)."""

    name: str
    model: str  # the model class it mirrors
    keys: tuple[ParamKey, ...]
    alias: str | None = None  # the aliased type for a root model or an object without properties
    functional: bool = False  # keys that cannot be class-body names: TypedDict("X", {...})


@dataclass(frozen=True)
class Response:
    status: str  # "200", "4XX", "default"
    status_code: int | None  # None for ranges and default
    model: str | None  # class of the JSON body, None when there is none
    description: str


@dataclass(frozen=True)
class Stream:
    """A streamed variant of an operation: SSE `data:` events of `chunk_model`, ending at `done`."""

    flag: str  # request property that turns streaming on (wire name)
    flag_field: str  # its Python attribute name
    flag_arg: str  # its keyword argument in client methods (the field's `arg_name`)
    chunk_model: str
    done: str
    include_usage: str | None  # JSON pointer into the request that asks for a final usage chunk
    always: bool = False  # the flag can only be true (enum [true], const true): always streams
    flag_nullable: bool = True  # the model takes None for the flag (no default of its own)


@dataclass(frozen=True)
class RateLimit:
    requests_per_second: float
    retry_after_seconds: int


@dataclass(frozen=True)
class ErrorBody:
    """The body of a refused request: the dialect's envelope, or the error's parts at pointers."""

    kind: Literal["envelope", "parts"] = "envelope"
    parts: tuple[tuple[str, ErrorPart], ...] = ()  # (JSON pointer, part); empty for the envelope
    constants: tuple[tuple[str, str], ...] = ()  # (JSON pointer, JSON text of the value put there)


@dataclass(frozen=True)
class Refusal:
    """How an operation answers an invalid body or parameter: the spec's status, in its schema."""

    status: int = 400
    body: ErrorBody = ErrorBody()


@dataclass(frozen=True)
class Argument:
    """One parameter of a generated method as its signature writes it."""

    name: str  # a Python identifier
    annotation: str
    # the default as written (`NOT_GIVEN`, `True`, `None`); None: the caller must give it
    default: str | None = None


@dataclass(frozen=True)
class Signature:
    """One `def` of a client method: an `@overload`, or the implementation."""

    keywords: tuple[Argument, ...]  # after `*`: the body's fields, then the parameters
    returns: str  # the return type in Client
    async_returns: str  # the return type in AsyncClient (`AsyncStream` for `Stream`)
    body: Argument | None = None  # the whole request body, before `*`
    positional_only: bool = False  # `/` after the body (mypy refuses it on an implementation)
    overload: bool = False


@dataclass(frozen=True)
class SentParams:
    """The parameters one keyword of the runtime's `request()` carries, in the operation's order."""

    sent_as: SentAs
    params: tuple[Param, ...]
    fixed: tuple[tuple[str, str], ...] = ()  # query pairs the path key fixes, sent as written


@dataclass(frozen=True)
class ClientMethod:
    """An operation's method in Client and AsyncClient, every choice of its source made."""

    overloads: tuple[Signature, ...]
    implementation: Signature
    body_form: BodyForm
    usage: str  # the docstring's sentences on how the body is given and what streams
    sent: tuple[SentParams, ...]  # the parameters by the keyword that sends them


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method_name: str  # snake_case Python identifier
    class_prefix: str  # PascalCase, for names derived from the operation
    http_method: str  # upper case
    path: str
    summary: str
    params: tuple[Param, ...]
    body: Body | None
    success: Response | None
    errors: tuple[Response, ...]
    stream: Stream | None
    requires_auth: bool
    models_without_tools: tuple[str, ...]
    rate_limit: RateLimit | None
    refusal: Refusal = Refusal()
    route: str = ""  # the path a request reaches: `path` before any `#` or `?`
    selector: RouteSelector | None = None
    fixed_query: tuple[tuple[str, str], ...] = ()  # the path key's own query, sent as written
    # 2xx statuses documented without a body beside `success`'s (a 200 before an LRO's 202 body)
    bodiless_2xx: tuple[int, ...] = ()
    doc: str = ""  # the client method's first docstring paragraph: summary, then description
    client: ClientMethod | None = None  # set last, by build, from the fields above
    handler_returns: str = "None"  # what the server Handler's method returns, as a type

    @property
    def streaming(self) -> StreamMode:
        """Whether a call streams: the one reading of `stream` the templates branch on."""
        if self.stream is None:
            return "never"
        return "always" if self.stream.always else "on_flag"

    @property
    def result_model(self) -> str | None:
        """The class of the answer a call parses (the success response's), if it has one."""
        return self.success.model if self.success else None

    @property
    def returns_value(self) -> bool:
        """Whether the handler's result is the reply: a model or a stream, not an empty body."""
        return self.result_model is not None or self.stream is not None


@dataclass(frozen=True)
class ErrorEnvelope:
    """How the dialect's error body is written and read, as JSON pointers into it."""

    model: str | None
    message: str
    status: str | None
    type: str | None
    code: str | None


@dataclass(frozen=True)
class Security:
    scheme_name: str
    kind: Literal["bearer", "header", "query", "basic"]
    parameter_name: str  # header or query parameter that carries the key


@dataclass(frozen=True)
class NotNull:
    """Optional properties of a request model class that may be absent but, per the spec, not null."""

    model: str
    wire_names: tuple[str, ...]


@dataclass(frozen=True)
class MergeChunks:
    """The `merge_chunks` helper: folds the chunks of one streaming operation into its result."""

    method_name: str
    chunk_model: str
    completion_model: str


@dataclass(frozen=True)
class Api:
    package: str
    title: str
    version: str
    spec_file: str
    generator_version: str
    base_url: str
    env_prefix: str
    operations: tuple[Operation, ...]
    security: Security | None
    error_envelope: ErrorEnvelope
    models: tuple[str, ...]  # every class in models.py, for __all__
    not_null: tuple[NotNull, ...] = ()  # request classes' optional properties that refuse null
    merge_chunks: MergeChunks | None = None  # the first streaming operation with a result model
    # the operations the server serves, in the order it registers and tries them (route_groups)
    served: tuple[Operation, ...] = ()
    params: tuple[ParamsType, ...] = ()  # request TypedDicts, for params.py
    # the header that carries one key per call, the same on each retry (x-apiforge-idempotency-header)
    idempotency_header: str | None = None
