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

__all__ = ["validate_bundle"]


def validate_bundle(bundle: Bundle) -> list[Diagnostic]:
    """Standard OpenAPI validation of the whole bundled document; no I/O, no network."""
    version = bundle.openapi_version
    if not version.startswith(("3.0.", "3.1.")):
        return [_unsupported(bundle, version)]
    if fast_verdict(bundle.data, version) is True:
        return []
    from apiforge.located_validator import located_diagnostics

    return located_diagnostics(bundle, version)


def _unsupported(bundle: Bundle, version: str) -> Diagnostic:
    if not version and "swagger" in bundle.data:
        message = "Swagger 2.0 is not supported: apiforge reads OpenAPI 3.0.x and 3.1.x"
        return bundle.diagnostic("#/swagger", message, rule="openapi-version")
    shown = version or "missing"
    message = f"unsupported 'openapi' version {shown!r}: apiforge reads 3.0.x and 3.1.x"
    return bundle.diagnostic("#/openapi", message, rule="openapi-version")
