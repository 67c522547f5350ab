"""Hybrid logical clock (HLC) per device: (wall ms, counter, device id).

A timestamp's string form `{ms:013d}-{counter:05d}-{device}` sorts lexicographically in HLC order,
so the server and the database can compare timestamps as plain strings. The clock never goes
backwards: it persists its last value through a small storage callback (on the client a
`db.client.SyncState` row) and, when the PC clock jumps back, keeps counting from the last value.
`receive()` folds in a remote timestamp; `clamp()` is the receiver's guard against a sender whose
clock runs far ahead (more than 5 minutes): the timestamp is pulled back and the sender is flagged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_AHEAD_MS = 5 * 60 * 1000
_MAX_COUNTER = 99_999  # five digits in the string form


@dataclass(frozen=True, order=True)
class Timestamp:
    ms: int
    counter: int
    device: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:05d}-{self.device}"

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        """Parse the string form; raises ValueError on anything else."""
        ms, counter, device = text.split("-", 2)
        if len(ms) != 13 or len(counter) != 5 or not ms.isdigit() or not counter.isdigit() or not device:
            raise ValueError(f"not an HLC timestamp: {text!r}")
        return cls(int(ms), int(counter), device)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """The HLC of one device. `load()` returns the last persisted string (or None), `save(text)`
    stores a new one; both are called synchronously so the caller decides the transaction."""

    def __init__(
        self,
        device: str,
        load: Callable[[], str | None] = lambda: None,
        save: Callable[[str], None] = lambda _text: None,
        now_ms: Callable[[], int] = wall_ms,
    ) -> None:
        if not device:
            raise ValueError("an HLC needs a device id")
        self.device = device
        self._save = save
        self._now_ms = now_ms
        stored = load()
        self._last = Timestamp.parse(stored) if stored else Timestamp(0, 0, device)

    @property
    def last(self) -> Timestamp:
        return self._last

    def _advance(self, ms: int, counter: int) -> Timestamp:
        if counter > _MAX_COUNTER:  # a burst beyond the counter's width borrows the next millisecond
            ms, counter = ms + 1, 0
        self._last = Timestamp(ms, counter, self.device)
        self._save(str(self._last))
        return self._last

    def tick(self) -> Timestamp:
        """A timestamp for a local event, greater than every timestamp seen before."""
        now = self._now_ms()
        if now > self._last.ms:
            return self._advance(now, 0)
        return self._advance(self._last.ms, self._last.counter + 1)

    def receive(self, remote: Timestamp | str) -> Timestamp:
        """Fold in a timestamp from another device (e.g. on pull), so later local events sort after it."""
        if isinstance(remote, str):
            remote = Timestamp.parse(remote)
        now = self._now_ms()
        top = max(now, self._last.ms, remote.ms)
        if top == self._last.ms == remote.ms:
            counter = max(self._last.counter, remote.counter) + 1
        elif top == self._last.ms:
            counter = self._last.counter + 1
        elif top == remote.ms:
            counter = remote.counter + 1
        else:
            counter = 0
        return self._advance(top, counter)


@dataclass(frozen=True)
class Clamped:
    """Result of a receiver's clamp: the timestamp to use and whether the sender must be flagged."""

    timestamp: Timestamp
    flagged: bool
    skew_ms: int


def clamp(remote: Timestamp | str, now_ms: int, max_ahead_ms: int = MAX_AHEAD_MS) -> Clamped:
    """Pull a timestamp more than `max_ahead_ms` ahead of the receiver's clock back to `now_ms`
    (keeping its counter and device, so it still orders deterministically) and report the skew."""
    if isinstance(remote, str):
        remote = Timestamp.parse(remote)
    skew = remote.ms - now_ms
    if skew > max_ahead_ms:
        return Clamped(Timestamp(now_ms, remote.counter, remote.device), True, skew)
    return Clamped(remote, False, skew)
