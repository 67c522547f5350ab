"""The link lab in CI, short version: the proxy's delay, byte counts and cut on loopback;
then, as root in network namespaces, a small demo township's village synced over the "weak" profile
(64 kbit/s, 800 ms round trip, stalls), the same first sync over a "drop" (a 5 s cut half-way, every
connection reset at its end), and a few edits pushed. The drop must not make the client start over:
it finishes within one extra cycle at most, fetches again at most 10 % of the transfer's bytes, and its
progress never goes backwards. The full figures (20 s cut, 200 edits, full-size township) are
`python -m bench --only link`."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.linklab.lab import WEAK, Lab, drop_profile
from tests.linklab.netns import unavailable_reason
from tests.linklab.proxy import LinkProxy, Profile


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(4096):
        writer.write(data)
        await writer.drain()
    writer.close()


async def _through_proxy(profile: Profile, payloads: list[bytes], pause: float = 0.0):
    """Send each payload through a proxy in front of an echo server; (echoes, proxy, seconds each)."""
    upstream = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = LinkProxy(profile, upstream.sockets[0].getsockname()[:2], None)
    front = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection(*front.sockets[0].getsockname()[:2])
    echoes, seconds = [], []
    try:
        for payload in payloads:
            began = time.monotonic()
            writer.write(payload)
            echoes.append(await asyncio.wait_for(reader.readexactly(len(payload)), 10))
            seconds.append(time.monotonic() - began)
            await asyncio.sleep(pause)
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        echoes.append(exc)
    finally:
        writer.close()
        front.close()
        upstream.close()
    return echoes, proxy, seconds


def test_proxy_delays_each_way_and_counts_bytes():
    echoes, proxy, seconds = asyncio.run(_through_proxy(Profile(delay=0.15), [b"x" * 1000, "走访".encode()]))
    assert echoes == [b"x" * 1000, "走访".encode()]
    assert all(s >= 0.3 for s in seconds)  # one delay up, one down
    assert (proxy.stats.up, proxy.stats.down, proxy.stats.connections) == (1006, 1006, 1)


def test_proxy_cut_silences_the_link_then_resets_what_was_open():
    profile = Profile(cut_after_down=100, cut_seconds=0.5)
    echoes, proxy, _ = asyncio.run(_through_proxy(profile, [b"a" * 100, b"b" * 10], pause=0.05))
    assert echoes[0] == b"a" * 100  # the cut starts once these bytes went down
    assert isinstance(echoes[1], asyncio.IncompleteReadError | ConnectionError)  # silent, then reset
    assert proxy.stats.resets >= 1 and proxy.stats.cut_ended - proxy.stats.cut_started >= 0.5


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    # Small data, so chunks scale down with it: a break may lose one line of 25 records.
    lab = Lab(tmp_path_factory.mktemp("linklab"), households=300, snapshot_chunk=25)
    lab.seed()
    with lab.running():
        yield lab


@pytest.fixture(scope="module")
def first(lab):
    return lab.transfer("first-sync", WEAK, client="pc1", deadline=240)


def test_first_sync_over_a_weak_link(first):
    assert first.report["cycles"] == 1 and not first.report["failures"]
    assert first.report["records"] > 300
    assert first.progress_moves_forward("snapshot")
    assert first.down > 10_000 and first.resets == 0


def test_a_drop_mid_transfer_resumes_without_starting_over(lab, first):
    dropped = lab.transfer("first-sync", drop_profile(first.down // 2, 5.0), client="pc2", deadline=240)
    assert dropped.cut_started > 0 and dropped.resets >= 1  # the link really went away mid-transfer
    assert dropped.report["records"] == first.report["records"]
    assert dropped.report["cycles"] <= 2
    assert dropped.progress_moves_forward("snapshot")
    resent = dropped.down - first.down
    assert resent <= 0.10 * first.down, (resent, first.down)


def test_edits_pushed_over_a_weak_link(lab, first):
    pushed = lab.transfer("edits", WEAK, client="pc1", count=30, deadline=240)
    assert pushed.report["pushed"] == 30 and pushed.report["pending"] == 0
    assert pushed.up < 30 * 400  # compressed: well under the raw JSON of 30 changes


def test_batch_sizes_follow_the_link():
    from app.sync_service import LinkPace

    pace = LinkPace(500, 500)
    pace.after(500, 40.0)  # 40 s for 500 changes: a weak link; aim for 8 s batches
    assert pace.size == 100
    pace.after(100, 400.0)  # even slower: never below the floor
    assert pace.size == 25
    pace.after(25, 0.5)  # the signal came back: double up again, never past the ceiling
    assert pace.size == 50
    for _ in range(10):
        pace.after(pace.size, 0.1)
    assert pace.size == 500
    pace.after(120, 0.1)  # a short last batch says nothing about the link
    assert pace.size == 500


def test_a_photo_goes_up_through_two_cuts_while_records_keep_flowing(lab, first):
    """A photo after the first sync (the same PC), the link cut twice while its bytes go up: the
    upload resumes from the server's offset each time, so at most the chunk in flight per cut is
    sent again, and every sync cycle meanwhile still pushes the edit made before it."""
    from sync.attachments import CHUNK_BYTES
    from tests.linklab.lab import upload_cuts_profile

    photo = lab.transfer("photo", upload_cuts_profile((60_000, 140_000), 3.0), client="pc1", deadline=300,
                         photo_bytes=200_000)
    report = photo.report
    assert report["state"] == "uploaded" and photo.cuts == 2
    resent = report["photo_sent"] - report["photo_bytes"]
    assert 0 <= resent <= 2 * CHUNK_BYTES + 64 * 1024  # the preview goes first, then at most a chunk per cut
    assert len(report["edits_pushed"]) >= 2 and all(pushed >= 1 for _at, pushed in report["edits_pushed"])
