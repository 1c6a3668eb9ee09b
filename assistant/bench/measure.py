"""Percentiles and resident memory, read without extra dependencies."""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else float("nan"),
    }


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (Rasa and sanic may fork)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            stack += _children(current)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return round(total / 1024, 1)


@dataclass
class RssSampler:
    """Peak memory of each named process while a block of load runs."""

    pids: dict[str, int]
    interval: float = 0.25
    peaks: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), tree_rss_mb(pid))
            time.sleep(self.interval)

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_count() -> int:
    return os.cpu_count() or 1


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            stack += _children(current)
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return total / ticks
