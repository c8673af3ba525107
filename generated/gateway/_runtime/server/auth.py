"""The caller's key from the spec's security scheme, and the check against the configured keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import ApiError

__all__ = ["AuthScheme", "KeyCheck", "read_credential"]


@dataclass(frozen=True)
class AuthScheme:
    """How the spec's security scheme carries the key: `kind` and the header or query name."""

    kind: Literal["bearer", "header", "query", "basic"]
    parameter: str = "Authorization"

    def describe(self) -> str:
        if self.kind == "bearer":
            return f"the '{self.parameter}: Bearer <key>' header"
        if self.kind == "basic":
            return f"the '{self.parameter}: Basic <credentials>' header"
        return f"the '{self.parameter}' {'query parameter' if self.kind == 'query' else 'header'}"


def read_credential(
    scheme: AuthScheme, headers: Mapping[str, str], query: Mapping[str, str]
) -> str | None:
    """The key the request carries, or None when it carries none (empty counts as none)."""
    if scheme.kind == "query":
        return query.get(scheme.parameter) or None
    value = headers.get(scheme.parameter.lower())  # Starlette's headers are lower case
    if value is None:
        return None
    if scheme.kind == "header":
        return value.strip() or None
    prefix, _, token = value.strip().partition(" ")
    token = token.strip()
    if not token or prefix.lower() != scheme.kind:
        return None
    if scheme.kind == "basic":
        try:
            return base64.b64decode(token, validate=True).decode() or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return token


class KeyCheck:
    """Which keys are valid: any non-empty one (`keys=None`) or exactly those given.

    Keys are kept as SHA-256 digests, so a lookup takes the same time whichever key is close.
    """

    def __init__(self, scheme: AuthScheme, keys: Collection[str] | None = None) -> None:
        self.scheme = scheme
        self._digests = None if keys is None else frozenset(_digest(k) for k in keys)

    def check(self, credential: str | None) -> str:
        """The key when it is valid; else ApiError(401)."""
        if credential is None:
            raise ApiError(
                401,
                f"You didn't provide an API key: send it in {self.scheme.describe()}.",
                code="missing_api_key",
                headers=self._challenge(),
            )
        if self._digests is not None and _digest(credential) not in self._digests:
            raise ApiError(
                401,
                "Incorrect API key provided.",
                code="invalid_api_key",
                headers=self._challenge(),
            )
        return credential

    def _challenge(self) -> dict[str, str]:
        if self.scheme.kind in ("bearer", "basic"):
            return {"WWW-Authenticate": self.scheme.kind.capitalize()}
        return {}


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()
