"""A token bucket per caller, fed an injected clock: sans-IO, so tests drive time by hand."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["RateLimiter", "retry_after_header"]


class RateLimiter:
    """`rate` requests per second per key, with bursts of up to `burst` (default: one second's worth).

    State is in this object only, so it is per process: N server workers allow N times the rate.
    At most `max_keys` buckets are kept: past that, full buckets are forgotten (which changes
    nothing), then the least recently used ones (which then start full again).
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def acquire(self, key: str) -> float:
        """Take one token: 0.0 when the request may go ahead, else the seconds until one is free."""
        now = self._clock()
        tokens, at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self._trim(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _trim(self, now: float) -> None:
        if len(self._buckets) <= self._max_keys:
            return
        full = [
            k
            for k, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > self._max_keys * 9 // 10:  # headroom: no scan on every new key
            self._buckets.popitem(last=False)


def retry_after_header(wait: float) -> str:
    """Whole seconds, rounded up, at least 1: what `Retry-After` (integer seconds) can say."""
    return str(max(1, math.ceil(wait)))
