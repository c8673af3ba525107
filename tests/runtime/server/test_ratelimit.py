"""The token bucket driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from apiforge.runtime.server.ratelimit import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refusal_with_the_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(10, clock=clock)
    assert [limiter.acquire("k") for _ in range(10)] == [0.0] * 10
    assert limiter.acquire("k") == pytest.approx(0.1)


def test_tokens_come_back_with_time() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    assert limiter.acquire("k") == limiter.acquire("k") == 0.0
    assert limiter.acquire("k") > 0
    clock.now += 0.5
    assert limiter.acquire("k") == 0.0
    assert limiter.acquire("k") == pytest.approx(0.5)


def test_refused_requests_do_not_cost_a_token() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    assert limiter.acquire("k") == 0.0
    for _ in range(5):
        assert limiter.acquire("k") > 0
    clock.now += 1.0
    assert limiter.acquire("k") == 0.0


def test_keys_have_their_own_buckets() -> None:
    limiter = RateLimiter(1, clock=Clock())
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0
    assert limiter.acquire("b") == 0.0


def test_slow_rates_have_a_burst_of_one() -> None:
    clock = Clock()
    limiter = RateLimiter(0.5, clock=clock)
    assert limiter.acquire("k") == 0.0
    assert limiter.acquire("k") == pytest.approx(2.0)


def test_bucket_table_is_bounded_and_forgets_full_buckets_first() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock, max_keys=10)
    for i in range(10):
        limiter.acquire(f"idle{i}")
    clock.now += 5  # every idle bucket is full again
    limiter.acquire("busy")
    limiter.acquire("busy")
    assert len(limiter) <= 10
    assert limiter.acquire("busy") > 0  # the busy bucket was kept


def test_clock_going_backwards_adds_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    limiter.acquire("k")
    clock.now -= 100
    assert limiter.acquire("k") > 0


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (30, "30")])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: str) -> None:
    assert retry_after_header(wait) == header
