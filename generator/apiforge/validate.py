"""Bundle -> OpenAPI diagnostics: a fast verdict first, the located validator only when needed.

openapi-spec-validator-rs (a Rust port with the same verdicts) decides in milliseconds that a
document is valid; most are. A document it finds invalid, or cannot judge safely, goes to
openapi-spec-validator (`located_validator`), whose errors we can place at file:line:col, and
whose imports (most of a second) only that path pays.
"""

from __future__ import annotations

from apiforge.diagnostics import Diagnostic
from apiforge.fast_validator import fast_verdict
from apiforge.resolve import Bundle
from apiforge.versions import supported_release, supported_text

__all__ = ["validate_bundle"]


def validate_bundle(bundle: Bundle) -> list[Diagnostic]:
    """Standard OpenAPI validation of the whole bundled document; no I/O, no network."""
    release = supported_release(bundle.data)
    if release is None:
        return [_unsupported(bundle, bundle.openapi_version)]
    if fast_verdict(bundle.data, release) is True:
        return []
    from apiforge.located_validator import located_diagnostics

    return located_diagnostics(bundle, release)


def _unsupported(bundle: Bundle, version: str) -> Diagnostic:
    if not version and "swagger" in bundle.data:
        message = f"Swagger 2.0 is not supported: apiforge reads OpenAPI {supported_text()}"
        return bundle.diagnostic("#/swagger", message, rule="openapi-version")
    shown = version or "missing"
    message = f"unsupported 'openapi' version {shown!r}: apiforge reads {supported_text()}"
    return bundle.diagnostic("#/openapi", message, rule="openapi-version")
