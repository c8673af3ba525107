"""The values bench/fidelity.py sends: valid instances of a schema, invalid ones near them, and
how two JSON values differ.

Valid instances come from hypothesis-jsonschema with a fixed seed and a bounded count, generated
from the schema with its refs inlined (recursion cut after one re-entry: a cut ref generates
nothing, so what is generated stays valid) and kept only when jsonschema's 2020-12 validator
accepts them against the whole schema, formats checked: the generated models parse date-time,
uuid and the like, so an instance whose format is wrong is not one the spec allows. Invalid
instances are small mutations of valid ones that the validator rejects with formats NOT checked:
whether a server checks formats is not what they test.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import math
import random
import re
import signal
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema as hypothesis_jsonschema_internals
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

INLINE_BUDGET = 4000  # schema nodes written while inlining; past it, refs generate nothing
UNKNOWN = "zz-fidelity-unknown"


class _OldMany:
    """hypothesis-jsonschema 0.23.1 draws object keys with `cu.many(...).more()`, an API that
    hypothesis 6.150+ replaced by `with many(...) as e: for _ in e:`; this adapter keeps the old
    calls working on the new protocol (without it, every object schema raises AttributeError)."""

    def __init__(self, data: Any, **sizes: Any) -> None:
        self._inner = conjecture_utils.many(data, **sizes)
        self._inner.__enter__()
        self._steps = iter(self._inner)

    def more(self) -> bool:
        try:
            next(self._steps)
        except StopIteration:
            self._inner.__exit__(None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._inner.reject(why)


class _ConjectureUtils:
    many = _OldMany


if not hasattr(conjecture_utils.many, "more"):
    hypothesis_jsonschema_internals.cu = _ConjectureUtils  # type: ignore[attr-defined]


# --- valid instances ---------------------------------------------------------------------------


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """`pattern` as ECMA-262 reads it: `\\d` and `\\w` are ASCII there, Unicode in Python's `re`."""
    if not isinstance(instance, str):
        return
    try:
        found = re.search("(?a)" + pattern, instance)
    except re.error:
        found = re.search(pattern, instance)
    if found is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


def validator(schema: Any, formats: bool) -> Any:
    """The judge of what a schema allows. `formats` stays off by default: formats are annotations
    (JSON Schema 2020-12), and the generated models read them so."""
    checker = Draft202012Validator.FORMAT_CHECKER if formats else None
    return _EcmaValidator(schema, format_checker=checker)


def inline_refs(schema: Any, closed: bool = False) -> Any:
    """The schema with `#/$defs/...` refs replaced by their targets, each re-entered at most once.

    `closed`: objects that allow undeclared keys get `additionalProperties: false` (not the direct
    members of an allOf, which must stay open to combine), so that most instances test what the
    schema declares and the undeclared keys a model drops do not hide every other difference.
    """
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    budget = [INLINE_BUDGET]

    def walk(node: Any, stack: tuple[str, ...], combined: bool = False) -> Any:
        budget[0] -= 1
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = _def_name(ref)
            if name not in defs or stack.count(name) > 1 or budget[0] < 0:
                return False
            target = walk(defs[name], (*stack, name), combined)
            rest = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
            return {"allOf": [target, rest]} if rest else target
        out = {}
        for key, value in node.items():
            if key in ("$defs", "$schema"):
                continue
            if key in ("enum", "const", "default", "examples"):
                out[key] = value
            elif key == "allOf" and isinstance(value, list):
                out[key] = [walk(item, stack, combined=True) for item in value]
            else:
                out[key] = walk(value, stack)
        open_object = (
            "properties" in out and not {"additionalProperties", "patternProperties"} & out.keys()
        )
        if closed and open_object and not combined and "allOf" not in out:
            out["additionalProperties"] = False
        return out

    return walk(schema, ())


def _def_name(ref: str) -> str:
    from urllib.parse import unquote

    token = unquote(ref.removeprefix("#/$defs/"))
    return token.replace("~1", "/").replace("~0", "~")


def instances(schema: Any, count: int, seed: int) -> tuple[list[Any], str]:
    """Up to `count` distinct valid instances (three in four with objects closed), and why none
    came when none did."""
    open_count = count // 4
    found, why = _draw(schema, count - open_count, seed, closed=True)
    more, why_open = _draw(schema, max(open_count, count - len(found)), seed + 1, closed=False)
    found += [m for m in more if m not in found]
    return found, "" if found else why or why_open


def _draw(schema: Any, count: int, seed: int, closed: bool) -> tuple[list[Any], str]:
    check = validator(schema, formats=False)
    found: list[Any] = []
    if count <= 0:
        return found, ""
    try:
        strategy = from_schema(inline_refs(schema, closed), allow_x00=False)
    except Exception as exc:  # the library raises many kinds
        return [], f"generator refused the schema: {type(exc).__name__}"

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        if value not in found and _is_valid(check, value):
            found.append(value)

    try:
        with warnings.catch_warnings(), _generation_budget(GENERATION_SECONDS):
            warnings.simplefilter("ignore")
            collect()
    except _GenerationSlow:
        if not found:
            return [], "instance generation over its budget"
    except Exception as exc:
        if not found:
            return [], f"generator failed: {type(exc).__name__}"
    return found, "" if found else "no valid instance generated"


# hypothesis-jsonschema can take minutes to draw one instance of a large, deeply merged schema
# (Anthropic's): the bench's own time, not the generated code's, so it is cut and counted apart
GENERATION_SECONDS = 20.0
# the worker's whole budget ends here (time.monotonic()): no draw runs past it
BUDGET_ENDS: list[float] = []


class _GenerationSlow(BaseException):
    """Raised by the timer inside a draw; a BaseException, so hypothesis does not catch it."""


@contextlib.contextmanager
def _generation_budget(seconds: float) -> Iterator[None]:
    """SIGALRM after `seconds` (the worker is a process of its own, on its main thread)."""

    def expire(_signum: int, _frame: Any) -> None:
        raise _GenerationSlow

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if BUDGET_ENDS:
        seconds = min(seconds, BUDGET_ENDS[-1] - time.monotonic())
        if seconds <= 0:
            raise _GenerationSlow
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def keep_valid(schema: Any, candidates: list[Any]) -> list[Any]:
    """The spec's own examples that the validator accepts."""
    check = validator(schema, formats=False)
    return [c for c in candidates if _is_valid(check, c)]


def _is_valid(check: Draft202012Validator, value: Any) -> bool:
    try:
        return bool(check.is_valid(value))
    except Exception:  # a pattern Python cannot compile, a recursion too deep
        return False


# --- invalid instances -------------------------------------------------------------------------


def mutations(schema: Any, valid: list[Any], count: int, seed: int) -> list[tuple[str, Any, str]]:
    """(mutation, instance, the keyword the validator names) for invalid instances near `valid`."""
    check = validator(schema, formats=False)
    rng = random.Random(seed)
    out: list[tuple[str, Any, str]] = []
    seen: list[Any] = []
    candidates = [(kind, m) for v in valid for kind, m in _mutants(v)]
    rng.shuffle(candidates)
    for kind, mutant in candidates:
        if len(out) >= count:
            break
        if mutant in seen:
            continue
        seen.append(mutant)
        try:
            errors = list(check.iter_errors(mutant))
        except Exception:
            continue
        if errors:
            error = best_match(errors)
            out.append((kind, mutant, _keyword(error)))
    return out


def _keyword(error: ValidationError) -> str:
    return str(error.validator)


def _mutants(value: Any) -> Iterator[tuple[str, Any]]:
    """Every single mutation at every place of a value: wrong type, null, dropped or unknown key,
    a value outside an enum, a string too long, a number out of range, an empty container."""
    for path, node in _places(value):
        for kind, replacement in _replacements(node):
            yield kind, _replace(value, path, replacement)
        if isinstance(node, dict):
            for key in node:
                smaller = {k: v for k, v in node.items() if k != key}
                yield "key dropped", _replace(value, path, smaller)
            yield "unknown key", _replace(value, path, {**node, UNKNOWN: 1})


def _replacements(node: Any) -> Iterator[tuple[str, Any]]:
    yield "null", None
    if isinstance(node, bool):
        yield "wrong type", "true"
        yield "wrong type", 1
    elif isinstance(node, int | float):
        yield "wrong type", str(node)
        yield "wrong type", True
        yield "out of range", node + 10**12
        yield "out of range", node - 10**12
        if isinstance(node, int):
            yield "fraction", node + 0.5
    elif isinstance(node, str):
        yield "wrong type", 12345
        yield "outside enum", UNKNOWN
        yield "too long", node + "x" * 5000
        yield "too short", ""
    elif isinstance(node, list):
        yield "wrong type", {"0": node[0] if node else 1}
        yield "empty", []
        if node:
            yield "too long", node * 600
    elif isinstance(node, dict):
        yield "wrong type", [node]
        yield "wrong type", "object"
        yield "empty", {}


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _places(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            yield from _places(child, (*path, index))


def _replace(value: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    if not path:
        return replacement
    out = copy.deepcopy(value)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = replacement
    return out


# --- comparing ---------------------------------------------------------------------------------


def property_names(schema: Any) -> set[str]:
    """Every name a `properties` keyword declares anywhere in a schema (its $defs included)."""
    names: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                names.update(node["properties"])
            stack.extend(v for k, v in node.items() if k not in ("enum", "const", "default"))
        elif isinstance(node, list):
            stack.extend(node)
    return names


def value_at(value: Any, where: str) -> Any:
    """The value at a difference's path (`/a/0/b`), or None where there is none."""
    for token in [t for t in where.split("/")[1:]]:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def difference(sent: Any, got: Any, path: str = "") -> tuple[str, str] | None:
    """(class, where) of the first way `got` differs from `sent` as JSON, None when it does not.

    Numbers compare by value (1 == 1.0), but a bool is never a number.
    """
    if isinstance(sent, dict) and isinstance(got, dict):
        for key in sent:
            if key not in got:
                lost = "null-valued key lost" if sent[key] is None else "key lost"
                return lost, f"{path}/{key}"
        for key in got:
            if key not in sent:
                return f"key added ({_kind(got[key])})", f"{path}/{key}"
        for key in sent:
            found = difference(sent[key], got[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(sent, list) and isinstance(got, list):
        if len(sent) != len(got):
            return "array length changed", path
        for index, (a, b) in enumerate(zip(sent, got, strict=True)):
            found = difference(a, b, f"{path}/{index}")
            if found:
                return found
        return None
    if _kind(sent) != _kind(got):
        return f"type changed ({_kind(sent)} -> {_kind(got)})", path
    if isinstance(sent, float | int) and not isinstance(sent, bool):
        same = sent == got or (math.isnan(sent) and math.isnan(got))
        return None if same else ("number changed", path)
    if sent == got:
        return None
    if isinstance(sent, str) and same_value(sent, got):
        return "string reformatted", path
    return f"{_kind(sent)} changed", path


def same_on_the_wire(sent: Any, got: Any) -> bool:
    """Whether a parameter the server read differs from the one sent only where its text cannot
    tell: `videogame=4` is the number 4 and the string "4" alike, and a schema that allows both
    (`oneOf: [integer, string]`) lets the server keep the string."""
    return _wire(sent) == _wire(got)


def _wire(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return value


def same_value(a: str, b: str) -> bool:
    """Two texts of one date, time, date-time or UUID."""
    for parse in (datetime.datetime.fromisoformat, datetime.date.fromisoformat, uuid.UUID):
        try:
            return bool(parse(a.replace("Z", "+00:00")) == parse(b.replace("Z", "+00:00")))
        except (ValueError, TypeError):
            continue
    return False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def brief(value: Any, limit: int = 240) -> str:
    """A value as short JSON text, for examples in the report."""
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
