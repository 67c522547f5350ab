"""Sync over emulated weak mobile links, measured in the link lab (tests/linklab): a city
server seeded with the demo township in one network namespace, a village cadre's client in another,
joined by a veth pair shaped to 64 kbit/s with tbf, behind a proxy adding an 800 ms round trip and a
0.4 s stall about every 4 s ("weak"), or additionally cutting the link for 20 s half-way through the
transfer ("drop"). The cadre looks after the township's largest village.

Figures: a 3 MB photo uploaded over "weak" with the link cut twice (at a third and two thirds of its
bytes) while the PC keeps editing and syncing records (its time against its bytes at 64 kbit/s, the
share of its bytes sent again, the edits that reached the server during the upload); the first sync
of the village over "weak"; 200 one-field edits pushed over "weak"; the same
first sync over "drop" and the bytes it had to fetch again (its bytes towards the client minus those
of the undisturbed first sync, as a share of the latter); bytes on the wire per changed field; the
longest wait between two progress events; after the city server is restored from a backup taken
before the edits, the sync in which another PC of the village offers back the edits it received and
the one in which the editing PC re-offers its own. Floors: the time the same bytes need at the nominal 64
kbit/s with no latency, stalls or cut; for bytes per field, the gzip of just the record ids and new
values. Needs root (network namespaces); skipped in `--quick` and where namespaces are not allowed.
Runs as a group of `python -m bench` (`--only link`) or alone: `python -m bench.bench_link`."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import BenchConfig, Figure
from db.ids import new_id
from tests.linklab.lab import WEAK, Lab, Transfer, drop_profile, upload_cuts_profile
from tests.linklab.netns import unavailable_reason

LINK_BITS_PER_S = 64_000
EDITS = 200
CUT_SECONDS = 20.0
PHOTO_BYTES = 3_000_000


@dataclass
class LinkRun:
    first: Transfer  # first sync over "weak"
    dropped: Transfer  # first sync of another PC over "drop"
    edits: Transfer  # EDITS one-field edits pushed over "weak"
    cut_seconds: float
    photo: Transfer | None = None  # a 3 MB photo over "weak", cut twice
    # after a server restore: (pc2 offering back what it received, pc1 re-offering its own edits)
    reoffer: tuple[Transfer, Transfer] | None = None

    @property
    def resent_share(self) -> float:
        return max(0, self.dropped.down - self.first.down) / self.first.down


def wire_seconds(transfer: Transfer) -> float:
    """How long the transfer's bytes take at the nominal link rate, without latency or stalls."""
    return (transfer.up + transfer.down) * 8 / LINK_BITS_PER_S


def measure(workdir: Path, households: int, edits: int = EDITS, cut_seconds: float = CUT_SECONDS,
            log=print) -> LinkRun:
    lab = Lab(workdir, households)
    log(f"# link: seeding a demo township of {households} households")
    lab.seed()
    with lab.running():
        log(f"# link: first sync of village {lab.scope} over weak")
        first = lab.transfer("first-sync", WEAK, client="pc1")
        log(f"# link: progress events (s, phase, done, total): {first.report['progress']}")
        log(f"# link: first sync over drop (cut {cut_seconds:g} s after {first.down // 2} bytes)")
        dropped = lab.transfer("first-sync", drop_profile(first.down // 2, cut_seconds), client="pc2")
        log(f"# link: drop at {dropped.cut_started:.1f}-{dropped.cut_ended:.1f} s (proxy clock); "
            f"failures {dropped.report['failures']}; progress {dropped.report['progress']}")
        photo = measure_photo(lab, cut_seconds, log)
        lab.backup(workdir / "nightly.db")
        log(f"# link: {edits} edits pushed over weak")
        pushed = lab.transfer("edits", WEAK, client="pc1", count=edits)
        reoffer = measure_reoffer(lab, workdir / "nightly.db", log)
    return LinkRun(first, dropped, pushed, cut_seconds, photo, reoffer)


def measure_reoffer(lab: Lab, backup: Path, log=print) -> tuple[Transfer, Transfer]:
    """The city server restored from the backup taken before pc1's edits, which pc2 (another PC of the
    village) has pulled meanwhile: pc2 offers back what it received, then pc1 re-offers its own
    accepted edits — each one ordinary sync over "weak" (docs/OPERATIONS.md)."""
    lab.transfer("sync", WEAK, client="pc2")
    log("# link: server restored from the backup taken before the edits")
    lab.restore(backup)
    received = lab.transfer("sync", WEAK, client="pc2")
    own = lab.transfer("sync", WEAK, client="pc1")
    log(f"# link: re-offer after restore: pc2 offered {received.report['pushed']} received records in "
        f"{received.seconds:.1f} s, pc1 re-offered {own.report['pushed']} own changes in {own.seconds:.1f} s")
    return received, own


def _field_floor(edits: int) -> float:
    """Bytes per field of the plainest compact message: record ids (UUIDv7, as the register's) and the
    new values, gzipped — nothing to merge by (no change id, clock or base)."""
    plain = [[new_id(), f"实验室第{n}次走访后更新"] for n in range(edits)]
    return len(gzip.compress(json.dumps(plain, ensure_ascii=False).encode())) / edits


def progress_gap(transfer: Transfer) -> float:
    """The longest time the user saw no progress during the transfer (from its start to the end)."""
    times = [0.0, *(p[0] for p in transfer.report["progress"]), transfer.seconds]
    return max(b - a for a, b in zip(times, times[1:], strict=False))


def figures(run: LinkRun) -> Iterator[Figure]:
    first, dropped, edits = run.first, run.dropped, run.edits
    yield Figure("link_weak_first_sync", first.seconds, "s", wire_seconds(first))
    yield Figure("link_weak_first_sync_records", first.report["records"], "records")
    yield Figure("link_weak_first_sync_bytes_per_record", first.down / first.report["records"], "B")
    yield Figure("link_weak_first_sync_longest_silence", progress_gap(first), "s")
    yield Figure("link_weak_push_edits", edits.seconds, "s", wire_seconds(edits))
    yield Figure("link_weak_pushed_changes", edits.report["pushed"], "changes")
    count = max(1, edits.report["edited"])
    yield Figure("link_bytes_per_changed_field_up", edits.up / count, "B", _field_floor(count))
    yield Figure("link_bytes_per_changed_field_both_ways", (edits.up + edits.down) / count, "B")
    yield Figure("link_drop_first_sync", dropped.seconds, "s", first.seconds + run.cut_seconds)
    yield Figure("link_drop_cycles", dropped.report["cycles"], "cycles")
    yield Figure("link_drop_resent", 100 * run.resent_share, "%")
    yield Figure("link_drop_bytes_whole_transfer", first.down, "B")
    if run.photo is not None:
        yield from photo_figures(run.photo)
    if run.reoffer is not None:
        yield from reoffer_figures(*run.reoffer)


def reoffer_figures(received: Transfer, own: Transfer) -> Iterator[Figure]:
    yield Figure("link_weak_restore_offer_received", received.seconds, "s", wire_seconds(received))
    yield Figure("link_weak_restore_offered_records", received.report["pushed"], "records")
    yield Figure("link_weak_restore_reoffer_own", own.seconds, "s", wire_seconds(own))
    yield Figure("link_weak_restore_reoffered_changes", own.report["pushed"], "changes")


def measure_photo(lab: Lab, cut_seconds: float, log=print) -> Transfer:
    """The photo upload on pc1 (first-synced already), cut at a third and two thirds of its bytes."""
    cuts = (PHOTO_BYTES // 3, 2 * PHOTO_BYTES // 3)
    log(f"# link: {PHOTO_BYTES / 1e6:g} MB photo over weak, cut {cut_seconds:g} s at {cuts} bytes up")
    photo = lab.transfer("photo", upload_cuts_profile(cuts, cut_seconds), client="pc1", deadline=1800,
                         photo_bytes=PHOTO_BYTES)
    log(f"# link: photo {photo.report['photo_bytes']} B, sent {photo.report['photo_sent']} B, "
        f"cuts {photo.cuts}, edits pushed per cycle {photo.report['edits_pushed']}")
    return photo


def photo_figures(photo: Transfer) -> Iterator[Figure]:
    report = photo.report
    size = report["photo_bytes"]
    yield Figure("link_weak_photo_upload_two_cuts", photo.seconds, "s", size * 8 / LINK_BITS_PER_S)
    yield Figure("link_weak_photo_bytes", size, "B")
    yield Figure("link_weak_photo_resent", 100 * max(0, report["photo_sent"] - size) / size, "%")
    during = sum(pushed for _at, pushed in report["edits_pushed"][:-1])
    yield Figure("link_weak_photo_edits_pushed_during_upload", during, "changes")
    yield Figure("link_weak_photo_sync_cycles", len(report["edits_pushed"]), "cycles")


def run(cfg: BenchConfig) -> Iterator[Figure]:
    if cfg.quick:
        print("# link: not in --quick (minutes over 64 kbit/s, needs root); CI runs tests/test_linklab.py",
              file=sys.stderr)
        return
    reason = unavailable_reason()
    if reason:
        print(f"# link: skipped: {reason}", file=sys.stderr)
        return
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    yield from figures(measure(cfg.workdir / "link", cfg.households, log=log))


def _photo_only(workdir: Path, households: int, cut_seconds: float, log) -> Transfer:
    lab = Lab(workdir, households)
    lab.seed()
    with lab.running():
        lab.transfer("first-sync", WEAK, client="pc1")
        return measure_photo(lab, cut_seconds, log)


def _restore_only(workdir: Path, households: int, edits: int, log) -> tuple[Transfer, Transfer]:
    lab = Lab(workdir, households)
    lab.seed()
    with lab.running():
        lab.transfer("first-sync", WEAK, client="pc1")
        lab.transfer("first-sync", WEAK, client="pc2")
        lab.backup(workdir / "nightly.db")
        lab.transfer("edits", WEAK, client="pc1", count=edits)
        return measure_reoffer(lab, workdir / "nightly.db", log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_link", description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=12_000, help="demo township size (default 12,000)")
    parser.add_argument("--edits", type=int, default=EDITS)
    parser.add_argument("--cut", type=float, default=CUT_SECONDS, help="seconds the drop cuts the link")
    parser.add_argument("--photo-only", action="store_true", help="only the photo upload (after a first sync)")
    parser.add_argument("--restore-only", action="store_true",
                        help="only the re-offer after a server restore (after a first sync and the edits)")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason:
        print(f"link lab unavailable: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="td-link-") as tmp:
        log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
        if args.restore_only:
            for figure in reoffer_figures(*_restore_only(Path(tmp), args.households, args.edits, log)):
                print(figure.line(), flush=True)
            return 0
        if args.photo_only:
            for figure in photo_figures(_photo_only(Path(tmp), args.households, args.cut, log)):
                print(figure.line(), flush=True)
            return 0
        for figure in figures(measure(Path(tmp), args.households, args.edits, args.cut, log)):
            print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
