"""Every kind id `apiforge diff` can report, so declarations can name one and be checked."""

from __future__ import annotations

from collections.abc import Iterator

from apiforge.diff.keywords import CONTENT, SLOTS
from apiforge.diff.rules import KEYWORDS

__all__ = ["ALL_KINDS", "DOCUMENT_KINDS", "SCHEMA_KINDS"]


def _words(text: str) -> list[str]:
    """Whitespace-separated names, for long lists of kind ids."""
    return text.split()


DOCUMENT_KINDS = frozenset(
    _words(
        """
        api-path-removed-without-deprecation api-path-removed-with-deprecation
        api-removed-without-deprecation api-removed-with-deprecation endpoint-added
        endpoint-deprecated endpoint-reactivated api-operation-id-added api-operation-id-removed
        api-operation-id-changed api-tag-added api-tag-removed request-parameter-removed
        new-request-path-parameter new-required-request-parameter new-optional-request-parameter
        request-parameter-became-required request-parameter-became-optional
        request-parameter-deprecated request-parameter-reactivated
        request-parameter-serialization-changed request-body-added-required
        request-body-added-optional request-body-removed request-body-became-required
        request-body-became-optional request-body-media-type-added request-body-media-type-removed
        response-success-status-removed response-non-success-status-removed
        response-success-status-added response-non-success-status-added response-media-type-added
        response-media-type-removed required-response-header-removed
        optional-response-header-removed response-header-added response-header-became-optional
        response-header-became-required api-security-added api-security-removed
        api-security-requirement-added api-security-requirement-removed api-security-scope-added
        api-security-scope-removed api-security-component-added api-security-component-removed
        api-security-component-type-changed api-security-component-changed
        api-security-component-oauth-url-changed api-security-component-oauth-scope-added
        api-security-component-oauth-scope-removed webhook-added webhook-removed callback-added
        callback-removed
        """
    )
)

_SUFFIXES = _words(
    """
    type-changed type-generalized type-specialized list-of-types-narrowed list-of-types-widened
    became-nullable became-not-nullable format-added format-removed format-changed became-enum
    enum-removed enum-value-removed enum-value-added pattern-added pattern-removed pattern-changed
    pattern-generalized pattern-restricted
    multiple-of-changed unique-items-set unique-items-unset deprecated reactivated
    default-value-added default-value-removed default-value-changed became-read-only
    became-not-read-only became-write-only became-not-write-only one-of-added one-of-removed
    one-of-ambiguous any-of-added any-of-removed discriminator-added discriminator-removed
    discriminator-property-name-changed discriminator-mapping-added discriminator-mapping-deleted
    discriminator-mapping-changed became-required became-optional additional-properties-narrowed
    additional-properties-widened
    """
)
_PLACES = _words(
    """
    request-body request-property request-parameter request-parameter-property
    response-body response-property response-header response-header-property
    """
)
_PROPERTY_KINDS = _words(
    """
    new-required-request-property new-optional-request-property request-property-removed
    response-required-property-added response-optional-property-added response-property-removed
    """
)


def _schema_kinds() -> Iterator[str]:
    """Every kind a schema comparison can report: `<place>-<suffix>` and property presence."""
    verbs = ("decreased", "increased", "set", "unset")
    suffixes = _SUFFIXES + [f"{stem}-{verb}" for stem in KEYWORDS for verb in verbs]
    suffixes += [f"{stem}-{verb}" for stem in SLOTS.values() for verb in ("added", "removed")]
    suffixes += [
        f"{stem}-{v}" for stem in CONTENT.values() for v in ("added", "removed", "changed")
    ]
    suffixes += ["dependent-required-added", "dependent-required-removed"]
    for place in _PLACES:
        for suffix in suffixes:
            yield f"{place}-{suffix}"
    yield from _PROPERTY_KINDS


SCHEMA_KINDS: frozenset[str] = frozenset(_schema_kinds())
ALL_KINDS: frozenset[str] = SCHEMA_KINDS | DOCUMENT_KINDS
