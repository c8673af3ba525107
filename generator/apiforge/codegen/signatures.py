"""What each generated method declares: a client method's overloads and implementation, how it
takes the body and sends the parameters, and what a server handler returns.

The overloads tell a type checker what a call returns from how it is made: the body as keyword
fields or whole and, where the operation streams, the flag's value (`Literal[True]` streams,
`Literal[False]` does not, `bool` may). A flag that can only be true always streams.
"""

from __future__ import annotations

from typing import Literal

from apiforge.codegen import ir

__all__ = ["client_method", "handler_returns"]

NOT_GIVEN = "NOT_GIVEN"
# what an overload's stream flag is: "false", "true" or "bool" pick the answer; "impl" is the
# implementation's (every field optional); "other" is an overload's whose flag picks nothing
FlagValue = Literal["false", "true", "bool", "impl", "other"]
Answer = Literal["result", "chunks", "either"]
_ANSWERS: dict[ir.StreamMode, Answer] = {"never": "result", "on_flag": "either", "always": "chunks"}
_SENT_AS: tuple[tuple[ir.ParamLocation, ir.SentAs], ...] = (
    ("path", "path_params"),
    ("query", "params"),
    ("header", "headers"),
    ("cookie", "cookies"),
)


def client_method(op: ir.Operation) -> ir.ClientMethod:
    """The method of `op` in Client and AsyncClient: its signatures, usage sentences, parameters."""
    params = tuple(_param_arg(p) for p in op.params)
    body = op.body
    if body is None:
        form: ir.BodyForm = "none"
        overloads: tuple[ir.Signature, ...] = ()
        implementation = _signature(op, "result", params)
    elif not body.fields:
        form, overloads = "whole", ()
        whole = _body_arg(body, optional=not body.required)
        implementation = _signature(op, "result", params, whole, positional_only=True)
    else:
        form = "fields"
        overloads = _overloads(op, body, params)
        fields = _field_args(op, body, "impl")
        whole = _body_arg(body, optional=True)
        implementation = _signature(op, _ANSWERS[op.streaming], fields + params, whole)
    return ir.ClientMethod(overloads, implementation, form, _usage(op, form), _sent(op))


def handler_returns(op: ir.Operation) -> str:
    """The type a server Handler's method returns: the result, or chunks where the call streams."""
    result = f"models.{op.result_model}" if op.result_model else "None"
    if op.stream is None:
        return result
    return f"{result} | AsyncIterator[models.{op.stream.chunk_model}]"


def _overloads(
    op: ir.Operation, body: ir.Body, params: tuple[ir.Argument, ...]
) -> tuple[ir.Signature, ...]:
    """Keyword fields, then the whole body, each once per answer the flag can pick."""
    whole = _body_arg(body, optional=False)

    def fields(value: FlagValue, answer: Answer) -> ir.Signature:
        return _signature(op, answer, _field_args(op, body, value) + params, overload=True)

    def given_whole(flag: tuple[ir.Argument, ...], answer: Answer) -> ir.Signature:
        return _signature(op, answer, flag + params, whole, positional_only=True, overload=True)

    stream = op.stream
    if stream is None:
        return fields("other", "result"), given_whole((), "result")
    if stream.always:
        always = ir.Argument(stream.flag_arg, "Literal[True]", "True")
        return fields("other", "chunks"), given_whole((always,), "chunks")
    return (
        fields("false", "result"),
        fields("true", "chunks"),
        fields("bool", "either"),
        given_whole((ir.Argument(stream.flag_arg, "Literal[True]"),), "chunks"),
        given_whole((ir.Argument(stream.flag_arg, "Literal[False]"),), "result"),
        given_whole((ir.Argument(stream.flag_arg, "bool | NotGiven", NOT_GIVEN),), "either"),
    )


def _signature(
    op: ir.Operation,
    answer: Answer,
    keywords: tuple[ir.Argument, ...],
    body: ir.Argument | None = None,
    *,
    positional_only: bool = False,
    overload: bool = False,
) -> ir.Signature:
    sync, in_async = _returns(op, answer, "Stream"), _returns(op, answer, "AsyncStream")
    return ir.Signature(keywords, sync, in_async, body, positional_only, overload)


def _returns(op: ir.Operation, answer: Answer, stream_class: str) -> str:
    result = "None"
    if op.result_model:
        result = f"models.{op.result_model}" + (" | None" if op.bodiless_2xx else "")
    if answer == "result" or op.stream is None:
        return result
    chunks = f"{stream_class}[models.{op.stream.chunk_model}]"
    return chunks if answer == "chunks" else f"{result} | {chunks}"


def _field_args(op: ir.Operation, body: ir.Body, value: FlagValue) -> tuple[ir.Argument, ...]:
    return tuple(_field_arg(f, op.stream, value) for f in body.fields)


def _field_arg(field: ir.Field, stream: ir.Stream | None, value: FlagValue) -> ir.Argument:
    name = field.arg_name
    if stream is not None and field.name == stream.flag_field:
        if stream.always:
            return ir.Argument(name, "Literal[True]", "True")
        if value == "true":
            return ir.Argument(name, "Literal[True]")
        if value in ("false", "bool"):
            kind = "Literal[False]" if value == "false" else "bool"
            if field.required:
                return ir.Argument(name, kind)
            nullable = " | None" if stream.flag_nullable else ""
            return ir.Argument(name, f"{kind}{nullable} | NotGiven", NOT_GIVEN)
    if field.required and value != "impl":
        return ir.Argument(name, field.param_annotation)
    return ir.Argument(name, f"{field.param_annotation} | NotGiven", NOT_GIVEN)


def _param_arg(param: ir.Param) -> ir.Argument:
    """A parameter the caller must give, or may leave out (one the route fixes is sent anyway)."""
    if param.required and param.fixed is None:
        return ir.Argument(param.name, param.annotation)
    return ir.Argument(param.name, f"{param.annotation} | NotGiven", NOT_GIVEN)


def _body_arg(body: ir.Body, *, optional: bool) -> ir.Argument:
    """The whole request body: its model, or its TypedDict where it has one."""
    kind = f"models.{body.model}" + (f" | params.{body.params_type}" if body.params_type else "")
    if optional:
        return ir.Argument(body.arg_name, f"{kind} | None", "None")
    return ir.Argument(body.arg_name, kind)


def _usage(op: ir.Operation, form: ir.BodyForm) -> str:
    """The docstring's sentences on how the body is given and what the call streams."""
    said = []
    if op.body is not None and form == "fields":
        typed = f" or a `params.{op.body.params_type}` dict" if op.body.params_type else ""
        said.append(
            "The body is given as keyword arguments, or whole as a"
            f" `models.{op.body.model}`{typed}."
        )
    elif op.body is not None and form == "whole":
        said.append(f"The body is given whole as a `models.{op.body.model}`.")
    if op.stream is not None and op.stream.always:
        said.append(f"It always streams `models.{op.stream.chunk_model}` chunks.")
    elif op.stream is not None:
        said.append(f"`{op.stream.flag_arg}=True` streams `models.{op.stream.chunk_model}` chunks.")
    return " ".join(said)


def _sent(op: ir.Operation) -> tuple[ir.SentParams, ...]:
    """The parameters by the keyword of `request()` that sends them; the path key's own query
    pairs go with the query parameters."""
    out = []
    for location, sent_as in _SENT_AS:
        params = tuple(p for p in op.params if p.location == location)
        fixed = op.fixed_query if location == "query" else ()
        if params or fixed:
            out.append(ir.SentParams(sent_as, params, fixed))
    return tuple(out)
