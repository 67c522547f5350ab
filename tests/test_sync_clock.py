"""The hybrid logical clock: ordering, persistence, a clock that jumps back, remote merge, clamp."""

from __future__ import annotations

from sync.clock import MAX_AHEAD_MS, HybridClock, Timestamp, clamp


class FakeWall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_string_form_sorts_like_the_timestamps():
    stamps = [Timestamp(5, 2, "b"), Timestamp(5, 10, "a"), Timestamp(40, 0, "a"), Timestamp(5, 2, "a")]
    assert sorted(stamps) == sorted(stamps, key=str)
    assert Timestamp.parse(str(stamps[1])) == stamps[1]


def test_ticks_strictly_increase_even_when_the_wall_clock_goes_back():
    wall = FakeWall(1_000_000)
    clock = HybridClock("dev-1", now_ms=wall)
    seen = [clock.tick()]
    for ms in (1_000_000, 999_000, 500, 1_000_001, 2_000_000, 1):
        wall.ms = ms
        seen.append(clock.tick())
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert str(seen[-1]) > str(seen[-2])


def test_clock_survives_a_restart_through_its_storage_callback():
    stored: dict[str, str] = {}
    wall = FakeWall(5_000)
    first = HybridClock("d", load=lambda: stored.get("hlc"), save=lambda t: stored.update(hlc=t), now_ms=wall)
    last = [first.tick() for _ in range(3)][-1]
    wall.ms = 10  # the PC clock was set years back while the program was closed
    second = HybridClock("d", load=lambda: stored.get("hlc"), save=lambda t: stored.update(hlc=t), now_ms=wall)
    assert second.tick() > last


def test_receive_moves_past_a_remote_timestamp():
    clock = HybridClock("a", now_ms=FakeWall(100))
    after = clock.receive("0000000000500-00007-b")
    assert after.ms == 500 and after.counter == 8
    assert clock.tick() > after


def test_clamp_pulls_far_future_timestamps_back_and_flags_the_sender():
    now = 1_700_000_000_000
    far = Timestamp(now + 3 * 24 * 3600 * 1000, 4, "fast")
    result = clamp(far, now)
    assert result.flagged and result.timestamp == Timestamp(now, 4, "fast")
    assert result.skew_ms == 3 * 24 * 3600 * 1000
    near = clamp(Timestamp(now + MAX_AHEAD_MS - 1, 0, "ok"), now)
    assert not near.flagged and near.timestamp.ms == now + MAX_AHEAD_MS - 1
