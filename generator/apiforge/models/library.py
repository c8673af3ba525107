"""datamodel-code-generator called as a library: its input, its options, its output as it is.

Its input is our bundled, renamed document with only local refs, so it never reads a file or the
network. Its own formatting is off: the format stage runs ruff once over the whole package. The
model worker runs `models_of_data` in its child; the model stage runs `library_output` here when
there is no worker's answer to use.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, TypeAlias

from apiforge.models.cache import OFF, ModelCache
from apiforge.models.input import model_input
from apiforge.plan.operations import ModelPlan, plan_data

__all__ = [
    "LibraryOutput",
    "has_schemas",
    "library_output",
    "models_of_data",
    "run_library",
    "warm_library",
]

# One module's source, or the modules the library split it into (which the model stage refuses)
LibraryOutput: TypeAlias = str | dict[tuple[str, ...], str]

_DEDUPE_OPTION = "--dedupe-request-response-variants"


def has_schemas(plan: ModelPlan) -> bool:
    """Whether there is anything to model: the library refuses a document without schemas."""
    return bool(plan.document.get("components", {}).get("schemas"))


def library_output(plan: ModelPlan, header: str, cache: ModelCache = OFF) -> LibraryOutput | None:
    """What the library writes for `plan` (None: the plan has no schemas), or its output for
    the same input from an earlier run. The library's errors are raised as they are."""
    if not has_schemas(plan):
        return None
    text = json.dumps(model_input(plan.document))
    key = cache.key("library", header, text)
    kept = (cache.get(key) or {}).get("output")
    if isinstance(kept, str):
        return kept
    out = run_library(text, header)
    if isinstance(out, str):
        cache.put(key, {"output": out})
    return out


def models_of_data(
    data: dict[str, Any], header: str, cache: ModelCache = OFF
) -> LibraryOutput | None:
    """What the worker does with a bundle's data: plan it, then `library_output`. The parent
    plans the same data the same way."""
    return library_output(plan_data(data), header, cache)


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
