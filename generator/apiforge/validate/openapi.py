"""Bundle -> OpenAPI diagnostics: the fast validator first, the located validator only when needed.

openapi-spec-validator-rs (a Rust port with the same verdicts) checks a document in milliseconds;
most are valid. The errors of one that is not are placed in the document from what they carry
(`fast_locator`). A document whose errors cannot all be placed for sure, or that the fast
validator cannot judge safely, goes to openapi-spec-validator (`located_validator`), which places
every error it reports, and whose imports (a quarter of a second) and run (seconds on a large
document) only that path pays.
"""

from __future__ import annotations

from collections.abc import Callable

from apiforge.document.bundle import Bundle
from apiforge.document.versions import supported_release, supported_text
from apiforge.findings.diagnostic import Diagnostic
from apiforge.validate.fast import fast_errors_begun
from apiforge.validate.placing import placed_diagnostics

__all__ = ["begin_validation", "validate_bundle"]


def validate_bundle(bundle: Bundle) -> list[Diagnostic]:
    """Standard OpenAPI validation of the whole bundled document; no I/O, no network."""
    return begin_validation(bundle)()


def begin_validation(bundle: Bundle) -> Callable[[], list[Diagnostic]]:
    """`validate_bundle`, begun: the fast validator works on its own thread while the caller goes
    on (lint); the returned call waits for it and places its errors. The bundle must not change
    meanwhile."""
    release = supported_release(bundle.data)
    if release is None:
        unsupported = [_unsupported(bundle, bundle.openapi_version)]
        return lambda: unsupported
    pending = fast_errors_begun(bundle.data, release)

    def diagnostics() -> list[Diagnostic]:
        errors = pending()
        if errors is not None:
            if not errors:
                return []
            try:
                placed = placed_diagnostics(bundle, errors)
            except Exception:  # a bug in placing them is no verdict: the located validator decides
                placed = None
            if placed is not None:
                return placed
        from apiforge.validate.located import located_diagnostics

        return located_diagnostics(bundle, release)

    return diagnostics


def _unsupported(bundle: Bundle, version: str) -> Diagnostic:
    if not version and "swagger" in bundle.data:
        message = f"Swagger 2.0 is not supported: apiforge reads OpenAPI {supported_text()}"
        return bundle.diagnostic("#/swagger", message, rule="openapi-version")
    shown = version or "missing"
    message = f"unsupported 'openapi' version {shown!r}: apiforge reads {supported_text()}"
    return bundle.diagnostic("#/openapi", message, rule="openapi-version")
