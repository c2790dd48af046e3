"""Limits on how much one caller takes (OWASP API4): a token bucket per source on the routes that take
deliveries (webhooks, CRM deliveries, imports), and a count of open streams per token on the live feeds.
Past a limit the answer is a 429 problem with Retry-After, never a queue that grows."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from shared.platform.errors import TooManyRequests

MAX_SOURCES = 10_000  # buckets kept; the least recently used goes first, full again when it returns


class RateLimiter:
    """`per_second` requests a source may sustain, with bursts of up to `burst`."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # source -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, source: str) -> None:
        """One request of `source`, or TooManyRequests saying when the next is welcome."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.pop(source, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
            if tokens < 1:
                self._buckets[source] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.per_second)
                raise TooManyRequests(f"{source} sends more than {self.per_second:g} requests a second", wait)
            self._buckets[source] = (tokens - 1, now)
            while len(self._buckets) > MAX_SOURCES:
                self._buckets.popitem(last=False)


class StreamLimit:
    """At most `per_token` streams open at once for one token."""

    RETRY_SECONDS = 5

    def __init__(self, per_token: int):
        self.per_token = per_token
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, token: str) -> Callable[[], None]:
        """Count one more stream of `token`, or TooManyRequests; the answer releases it, once however often
        it is called (a stream may end by its generator finishing and by its response closing)."""
        with self._lock:
            if self._open.get(token, 0) >= self.per_token:
                raise TooManyRequests(
                    f"this token has {self.per_token} streams open already; close one", self.RETRY_SECONDS
                )
            self._open[token] = self._open.get(token, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                self._open[token] -= 1
                if not self._open[token]:
                    del self._open[token]

        return release
