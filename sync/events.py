"""What a sync cycle tells its listener, and the limits and pacing it runs with.

Events: `SyncStarted`, `SyncProgress` (phase "push", "snapshot" or "pull"), then `SyncFinished`
or `SyncFailed`. The client (`sync.client.SyncClient`) emits the first three; whoever runs it maps
a failure to words the user reads and emits `SyncFailed` (app/sync_service.py does, in Chinese).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncStarted:
    manual: bool


@dataclass(frozen=True)
class SyncProgress:
    """`phase` is "push", "snapshot" or "pull"; `total` is 0 when not known in advance."""

    phase: str
    done: int
    total: int


@dataclass(frozen=True)
class SyncFinished:
    pushed: int
    pulled: int
    conflicts: int
    rejected: int = 0
    evicted: int = 0


@dataclass(frozen=True)
class SyncFailed:
    """`reason` is the readable text; `code` the machine code to branch on."""

    reason: str
    code: str
    offline: bool = False


SyncEvent = SyncStarted | SyncProgress | SyncFinished | SyncFailed


@dataclass(frozen=True)
class CycleLimits:
    push_batch: int = 500
    pull_page: int = 1000
    max_push_rounds: int = 10_000  # a guard against a server that never acknowledges anything


@dataclass
class LinkPace:
    """A batch size that follows the link: a batch that took longer than `target` seconds (a slow
    or stalling mobile link, where a break loses the whole batch) makes the next one proportionally
    smaller; one that took under a quarter of it lets the size double back up to `ceiling`."""

    size: int
    ceiling: int
    floor: int = 25
    target: float = 8.0

    def after(self, count: int, seconds: float) -> None:
        if seconds > self.target and count > self.floor:
            self.size = min(self.ceiling, max(self.floor, int(count * self.target / seconds)))
        elif seconds < self.target / 4 and count >= self.size:
            self.size = min(self.ceiling, self.size * 2)
