"""datamodel-code-generator called as a library: its input, its options, its output as it is.

Its input is our bundled, renamed document with only local refs, so it never reads a file or the
network. Its own formatting is off: the format stage runs ruff once over the whole package. The
input is made once, here (`library_request`): a cached output answers it at once; otherwise the
model worker's child runs the library on its text (`run_library`), or the model stage does here.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any, TypeAlias

from apiforge.models.cache import OFF, ModelCache
from apiforge.models.input import model_input, models_source
from apiforge.plan.operations import ModelPlan

__all__ = [
    "LibraryOutput",
    "LibraryRequest",
    "answer_here",
    "has_schemas",
    "keep_output",
    "library_output",
    "library_request",
    "run_library",
    "warm_library",
]

# One module's source, or the modules the library split it into (which the model stage refuses)
LibraryOutput: TypeAlias = str | dict[tuple[str, ...], str]

_DEDUPE_OPTION = "--dedupe-request-response-variants"


def has_schemas(plan: ModelPlan) -> bool:
    """Whether there is anything to model: the library refuses a document without schemas."""
    return bool(plan.document.get("components", {}).get("schemas"))


@dataclass(frozen=True)
class LibraryRequest:
    """What the library is to model (its input's text, under our header), the cache key of that
    input, and the output an earlier run kept for it (None: the library must run)."""

    text: str
    header: str
    key: str
    kept: LibraryOutput | None


def library_request(plan: ModelPlan, header: str, cache: ModelCache = OFF) -> LibraryRequest | None:
    """The library's input for `plan`, and its cached output if any; None: the plan has no
    schemas (the library refuses a document without them).

    Making the input takes a tenth of a second on OpenAI's document, so the cache also keeps,
    keyed by what the input is made from (`models_source`), the key of the input it made: an
    edit of an operation alone finds the output without making the input again.
    """
    if not has_schemas(plan):
        return None
    alias = ""
    if cache.enabled:
        alias = cache.key("library-source", header, json.dumps(models_source(plan.document)))
        known = (cache.get(alias) or {}).get("key")
        kept = (cache.get(known) or {}).get("output") if isinstance(known, str) else None
        if isinstance(known, str) and isinstance(kept, str):
            return LibraryRequest("", header, known, kept)  # no input needed: nothing to run
    text = json.dumps(model_input(plan.document))
    key = cache.key("library", header, text)
    kept = (cache.get(key) or {}).get("output")
    if alias:
        cache.put(alias, {"key": key})
    return LibraryRequest(text, header, key, kept if isinstance(kept, str) else None)


def keep_output(request: LibraryRequest, output: LibraryOutput, cache: ModelCache) -> None:
    """Remember the library's output for the request's input (one module only)."""
    if isinstance(output, str):
        cache.put(request.key, {"output": output})


def library_output(plan: ModelPlan, header: str, cache: ModelCache = OFF) -> LibraryOutput | None:
    """What the library writes for `plan` (None: the plan has no schemas), or its output for
    the same input from an earlier run. The library's errors are raised as they are."""
    request = library_request(plan, header, cache)
    return None if request is None else answer_here(request, cache)


def answer_here(request: LibraryRequest, cache: ModelCache = OFF) -> LibraryOutput:
    """The request's kept output, or the library's, run in this process (and then kept)."""
    if request.kept is not None:
        return request.kept
    out = run_library(request.text, request.header)
    keep_output(request, out, cache)
    return out


def run_library(text: str, header: str) -> LibraryOutput:
    """datamodel-code-generator's models.py for the document `text`, its errors as they are."""
    from datamodel_code_generator import (  # type: ignore[attr-defined, unused-ignore]
        DataModelType,
        InputFileType,
        PythonVersion,
        ReadOnlyWriteOnlyModelType,
        generate,
    )

    options: dict[str, Any] = dict(
        input_file_type=InputFileType.OpenAPI,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        use_standard_collections=True,
        use_union_operator=True,
        field_constraints=True,
        use_annotated=True,  # constraints as Annotated metadata: never calls in annotations
        # Cat plus CatRequest (no readOnly fields) and CatResponse (no writeOnly ones)
        read_only_write_only_model_type=ReadOnlyWriteOnlyModelType.All,
        disable_timestamp=True,
        enum_field_as_literal="all",
        collapse_root_models=True,
        allow_population_by_field_name=True,
        use_double_quotes=True,
        use_schema_description=True,
        use_field_description=True,
        keep_field_defaults_off_branch_roots=True,
        strict_nullable=True,
        custom_file_header=header,
        formatters=[],
    )
    options["allow_remote_refs"] = False  # the bundle has only local refs; never fetch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = generate(text, **options)
        except Exception as exc:
            if _DEDUPE_OPTION not in str(exc):
                raise
            # the library's own advice, for the read/write variants it cannot split one by
            # one (seen in Azure's applicationGateway document); other documents keep theirs
            out = generate(text, **options, dedupe_request_response_variants=True)
    if out is None:  # what it returns when told to write files, which it is not
        raise ValueError("the model generator returned no source")
    return out


def warm_library() -> None:
    """Import what `run_library` needs (a third of a second), ahead of the first call."""
    import datamodel_code_generator.parser.openapi  # noqa: F401
