"""A sliding-window rate limiter that honours SSB's rate-limit headers."""

from __future__ import annotations

import email.utils
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAX_REQUESTS = 30
PERIOD_SECONDS = 60.0



@dataclass
class RateLimiter:
    """Sliding-window limiter: at most ``max_requests`` in any ``period`` seconds.

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock. Server headers can only
    tighten the limits (:meth:`observe`); ``Retry-After`` and ``x-ratelimit-remaining: 0`` block
    the next request (:meth:`block`).
    """

    max_requests: int = MAX_REQUESTS
    period: float = PERIOD_SECONDS
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_wait: Callable[[float], None] | None = None  # told of waits over 5 s (progress)
    _stamps: deque[float] = field(default_factory=deque, repr=False)
    _blocked_until: float = field(default=float("-inf"), repr=False)

    def acquire(self) -> float:
        """Wait until a request is allowed, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            while self._stamps and self._stamps[0] <= now - self.period:
                self._stamps.popleft()
            wait = self._blocked_until - now
            if len(self._stamps) >= self.max_requests:
                wait = max(wait, self._stamps[0] + self.period - now)
            if wait <= 0:
                break
            if wait > 5 and self.on_wait is not None:
                self.on_wait(wait)
            self.sleep(wait)
            waited += wait
        self._stamps.append(self.clock())
        return waited

    def block(self, seconds: float) -> None:
        """Allow no request for ``seconds`` from now (Retry-After, exhausted server quota)."""
        self._blocked_until = max(self._blocked_until, self.clock() + max(seconds, 0.0))

    def observe(self, headers: Mapping[str, str]) -> None:
        """Honour ``x-ratelimit-limit`` / ``-policy`` (e.g. ``30;w=60``) / ``-remaining``."""
        lowered = {k.lower(): v for k, v in headers.items()}
        policy = lowered.get("x-ratelimit-policy")
        if policy and (match := re.match(r"\s*(\d+)\s*;\s*w=(\d+(?:\.\d+)?)", policy)):
            self.max_requests = max(1, min(self.max_requests, int(match.group(1))))
            self.period = max(self.period, float(match.group(2)))
        limit = _as_float(lowered.get("x-ratelimit-limit"))
        if limit is not None and limit >= 1:
            self.max_requests = min(self.max_requests, int(limit))
        remaining = _as_float(lowered.get("x-ratelimit-remaining"))
        if remaining is not None and remaining <= 0:
            reset = _as_float(lowered.get("x-ratelimit-reset"))
            self.block(reset if reset is not None else self.period)


def _as_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Parse Retry-After: delta seconds or an HTTP date."""
    if not value:
        return None
    seconds = _as_float(value)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now(), 0.0)


