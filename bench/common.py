"""Timing helpers for the benchmarks: repeated async calls, median and p95 in milliseconds."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0-100) of `values`, interpolated linearly between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Timing:
    """Wall-clock samples of one call, in milliseconds, and the last call's result."""

    samples_ms: list[float] = field(default_factory=list)
    result: Any = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    def summary(self) -> dict[str, Any]:
        """The figures as JSON-ready values."""
        return {
            "median_ms": round(self.median_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "samples_ms": [round(sample, 2) for sample in self.samples_ms],
        }


async def time_calls(
    call: Callable[[], Awaitable[Any]],
    repeat: int,
    *,
    warmup: int = 1,
    budget_s: float | None = None,
    min_samples: int = 3,
) -> Timing:
    """Await `call()` `warmup` times untimed, then up to `repeat` times timed.

    With `budget_s`, stop early once the timed runs have taken that long and at
    least `min_samples` were taken, so multi-second calls do not dominate a run.
    """
    timing = Timing()
    for _ in range(warmup):
        timing.result = await call()
    spent = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        timing.result = await call()
        elapsed = time.perf_counter() - started
        timing.samples_ms.append(elapsed * 1000)
        spent += elapsed
        if budget_s is not None and spent >= budget_s and len(timing.samples_ms) >= min_samples:
            break
    return timing


def ratio(baseline_ms: float | None, ms: float) -> float | None:
    """How many times faster `ms` is than `baseline_ms` (None without a baseline)."""
    if baseline_ms is None:
        return None
    return baseline_ms / ms if ms > 0 else math.inf
