"""RetryPolicy decisions and delays, with a fixed clock and random source."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from apiforge.runtime.client import RetryPolicy, parse_retry_after

NOW = 1_700_000_000.0
policy = RetryPolicy()


def no_jitter() -> float:
    return 0.0


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 599])
def test_transient_statuses_are_retried(status: int) -> None:
    assert policy.should_retry(status, {}, 0)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 413, 422, 451])
def test_other_client_errors_are_not_retried(status: int) -> None:
    assert not policy.should_retry(status, {}, 0)


def test_connection_errors_and_timeouts_are_retried() -> None:
    assert policy.should_retry(None, None, 0)
    assert policy.should_retry(None, None, 1)


def test_never_after_max_retries() -> None:
    assert policy.should_retry(503, None, 1)
    assert not policy.should_retry(503, None, 2)
    assert not policy.should_retry(None, {"x-should-retry": "true"}, 2)


def test_max_retries_zero_never_retries() -> None:
    zero = RetryPolicy(max_retries=0)
    assert not zero.should_retry(503, {}, 0)
    assert not zero.should_retry(None, None, 0)
    assert not zero.should_retry(429, {"x-should-retry": "true"}, 0)


def test_x_should_retry_overrides_the_status() -> None:
    assert policy.should_retry(400, {"x-should-retry": "true"}, 0)
    assert not policy.should_retry(503, {"x-should-retry": "false"}, 0)
    assert not policy.should_retry(None, {"X-Should-Retry": "false"}, 0)
    assert policy.should_retry(503, {"x-should-retry": "maybe"}, 0)
    assert policy.should_retry(400, httpx.Headers({"X-SHOULD-RETRY": "true"}), 0)


def test_backoff_doubles_and_is_capped() -> None:
    delays = [policy.delay(n, None, now=NOW, rand=no_jitter) for n in range(8)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert policy.delay(10_000, None, now=NOW, rand=no_jitter) == 8.0


def test_custom_backoff() -> None:
    custom = RetryPolicy(initial_delay=1.0, max_delay=3.0)
    assert [custom.delay(n, {}, now=NOW, rand=no_jitter) for n in range(3)] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(("rand", "expected"), [(0.0, 2.0), (0.5, 1.75), (0.999999, 1.5)])
def test_jitter_takes_off_up_to_a_quarter(rand: float, expected: float) -> None:
    assert policy.delay(2, None, now=NOW, rand=lambda: rand) == pytest.approx(expected, abs=1e-5)


def test_jitter_bounds_over_many_draws() -> None:
    draws = iter([i / 101 for i in range(101)])
    for _ in range(101):
        delay = policy.delay(1, None, now=NOW, rand=lambda: next(draws))
        assert 0.75 <= delay <= 1.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        ({"retry-after": formatdate(NOW + 7, usegmt=True)}, 7.0),
        ({"retry-after": formatdate(NOW + 30, localtime=True)}, 30.0),
        ({"retry-after": "60"}, 60.0),
    ],
)
def test_server_asked_delay_is_honoured(headers: dict[str, str], expected: float) -> None:
    assert policy.delay(0, headers, now=NOW, rand=lambda: 0.9) == pytest.approx(expected)
    assert policy.delay(0, httpx.Headers(headers), now=NOW, rand=lambda: 0.9) == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "61"},
        {"retry-after-ms": "600000"},
        {"retry-after": formatdate(NOW + 3600, usegmt=True)},
        {"retry-after": formatdate(NOW - 10, usegmt=True)},
        {"retry-after": "-1"},
        {"retry-after": "soon"},
        {"retry-after": "nan"},
        {"retry-after": "inf"},
        {"retry-after": ""},
        {"retry-after-ms": "nan"},
    ],
    ids=[
        "too large",
        "ms too large",
        "date far",
        "date past",
        "negative",
        "garbage",
        "nan",
        "inf",
        "empty",
        "ms nan",
    ],
)
def test_unusable_server_delay_falls_back_to_backoff(headers: dict[str, str]) -> None:
    assert policy.delay(1, headers, now=NOW, rand=no_jitter) == 1.0


def test_server_cap_is_configurable() -> None:
    patient = RetryPolicy(max_server_delay=120.0)
    assert patient.delay(0, {"retry-after": "90"}, now=NOW, rand=no_jitter) == 90.0


def test_parse_retry_after_without_headers() -> None:
    assert parse_retry_after(None, now=NOW) is None
    assert parse_retry_after({}, now=NOW) is None
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00"}, now=1445412480.0) == 0.0
