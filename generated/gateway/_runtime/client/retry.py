"""When to retry a request and how long to wait; the clock and the random source are arguments."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRYABLE_STATUSES = frozenset({408, 409, 429})


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive lookup that works for httpx.Headers and for plain dicts."""
    if headers is None:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == name:
            return candidate
    return None


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float) -> float | None:
    """Seconds the server asks us to wait (`retry-after-ms`, `Retry-After` seconds or date)."""
    millis = _header(headers, "retry-after-ms")
    if millis is not None and (value := _finite(millis)) is not None:
        return value / 1000
    text = _header(headers, "retry-after")
    if text is None:
        return None
    if (value := _finite(text)) is not None:
        return value
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - now


@dataclass(frozen=True)
class RetryPolicy:
    """openai-python's retry rules: transient statuses, `x-should-retry`, jittered backoff."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_server_delay: float = 60.0

    def should_retry(
        self, status_code: int | None, headers: Mapping[str, str] | None, attempt: int
    ) -> bool:
        """Whether retry number `attempt` (0-based) may follow; status None is a transport error."""
        if attempt >= self.max_retries:
            return False
        verdict = _header(headers, "x-should-retry")
        if verdict == "true":
            return True
        if verdict == "false":
            return False
        if status_code is None:
            return True
        return status_code in _RETRYABLE_STATUSES or status_code >= 500

    def delay(
        self,
        attempt: int,
        headers: Mapping[str, str] | None,
        *,
        now: float,
        rand: Callable[[], float],
    ) -> float:
        """Seconds to wait before retry `attempt`: the server's ask if sane, else backoff."""
        asked = parse_retry_after(headers, now=now)
        if asked is not None and 0 <= asked <= self.max_server_delay:
            return asked
        backoff = min(self.initial_delay * 2.0 ** min(attempt, 64), self.max_delay)
        return max(backoff * (1 - 0.25 * rand()), 0.0)
