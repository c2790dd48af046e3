"""Token buckets per sender and a count of open streams per token (shared/platform/rate_limit.py)."""

from __future__ import annotations

import pytest

from shared.platform.errors import TooManyRequests
from shared.platform.rate_limit import RateLimiter, StreamLimit


def test_a_bucket_refills_at_its_rate():
    now = [0.0]
    limiter = RateLimiter(per_second=2, burst=2, clock=lambda: now[0])
    limiter.take("a")
    limiter.take("a")
    with pytest.raises(TooManyRequests) as refused:
        limiter.take("a")
    assert refused.value.retry_after_seconds == 1
    now[0] = 0.5  # one request's worth back
    limiter.take("a")
    with pytest.raises(TooManyRequests):
        limiter.take("a")
    limiter.take("b")  # another sender, a full bucket of its own


def test_streams_are_counted_per_token_and_released_once():
    streams = StreamLimit(per_token=2)
    first, second = streams.acquire("t"), streams.acquire("t")
    with pytest.raises(TooManyRequests):
        streams.acquire("t")
    streams.acquire("u")  # another token
    first()
    first()  # a stream ended twice (its generator, then its response) frees one place, not two
    third = streams.acquire("t")
    with pytest.raises(TooManyRequests):
        streams.acquire("t")
    second()
    third()
    assert streams.acquire("t")
