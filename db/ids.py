"""Record identity: UUIDv7 (RFC 9562) made offline, time-ordered so indexes stay compact.

Python 3.11 has no `uuid.uuid7`; this is the RFC's method 1 layout with a 12-bit sub-millisecond
counter in `rand_a` so ids made in the same millisecond by one process still sort in creation order.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:  # counter overflow: borrow the next millisecond
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = 0
        counter = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)


def new_id() -> str:
    """A new record id as the canonical 36-character string stored in every synced table."""
    return str(uuid7())


TAG_NAMESPACE = uuid.UUID("5b3c1d9e-2f4a-4e8b-9c7d-6a1e0f2b3c4d")


def tag_assignment_id(subject_id: str, tag_code: str) -> str:
    """Deterministic id for a tag on a subject: two devices adding the same tag make the same record,
    so a set of tags merges as a union without duplicates."""
    return str(uuid.uuid5(TAG_NAMESPACE, f"{subject_id}:{tag_code}"))


def person_distinction_id(first_id: str, second_id: str) -> str:
    """Deterministic id of a "not the same person" decision on a pair, whichever order it is given
    in: two clerks deciding it make the same record."""
    low, high = sorted((first_id, second_id))
    return str(uuid.uuid5(TAG_NAMESPACE, f"distinct:{low}:{high}"))
