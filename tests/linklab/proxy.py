"""A small asyncio TCP proxy that plays a poor mobile link between the client and the city server:
it delays every piece of data by half the round trip (order kept, throughput not), stalls all
traffic for short spells on a fixed seeded schedule (standing in for packet loss, which TCP turns
into pauses), and can cut the link once: after a given number of bytes towards the client it goes
silent in both directions for `cut_seconds` — new connections are accepted but hear nothing — and
when the cut ends every connection open during it is reset (the phone re-attached; its old flows
are gone). It counts the bytes it forwards each way and writes the totals to a JSON file, so the lab
can compare transfers byte for byte. Bandwidth itself is shaped by tbf on the veth pair.

Run inside the server's namespace: `python -m tests.linklab.proxy --listen 10.231.0.1:9000
--upstream 127.0.0.1:8765 --delay 0.4 --stall-every 4 --stall-for 0.4 --stats stats.json`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

READ_SIZE = 8192
QUEUE_PIECES = 8  # pieces held per direction while they wait out the delay (keeps back-pressure)
SEND_BUFFER = 4096  # bytes the kernel and asyncio may hold towards the client (the kernel doubles it)


@dataclass
class Profile:
    delay: float = 0.0  # one way, seconds
    stall_every: float = 0.0  # mean seconds between stalls (0: none)
    stall_for: float = 0.0
    cut_after_down: int = 0  # bytes towards the client before the cut (0: no cut)
    cut_seconds: float = 0.0
    seed: int = 10
    cut_after_up: tuple[int, ...] = ()  # cut again each time the bytes towards the server pass one of these


@dataclass
class Stats:
    up: int = 0  # client → server bytes forwarded
    down: int = 0  # server → client
    connections: int = 0
    resets: int = 0
    cut_started: float = 0.0  # monotonic seconds since the proxy started, 0 when no cut happened
    cut_ended: float = 0.0
    cuts: int = 0  # cuts made (the times above are the last one's)


class LinkProxy:
    """The proxy's state: the profile, the counters, the stall schedule and the cut."""

    def __init__(self, profile: Profile, upstream: tuple[str, int], stats_path: Path | None) -> None:
        self.profile = profile
        self.upstream = upstream
        self.stats_path = stats_path
        self.stats = Stats()
        self.started = time.monotonic()
        self._open = asyncio.Event()  # set while the link carries traffic
        self._open.set()
        self._cut_done = profile.cut_after_down <= 0
        self._up_cuts = sorted(profile.cut_after_up)
        self._in_cut: set[asyncio.StreamWriter] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._rng = random.Random(profile.seed)

    # --- the link's moods ----------------------------------------------------------------------------

    async def stalls(self) -> None:
        """Close the link for `stall_for` seconds at jittered intervals around `stall_every`."""
        if self.profile.stall_every <= 0:
            return
        while True:
            await asyncio.sleep(self.profile.stall_every * self._rng.uniform(0.5, 1.5))
            if self._cut_active():
                continue
            self._open.clear()
            await asyncio.sleep(self.profile.stall_for)
            if not self._cut_active():
                self._open.set()

    def _cut_active(self) -> bool:
        return self.stats.cut_started > 0 and self.stats.cut_ended == 0

    async def _cut(self) -> None:
        self.stats.cuts += 1
        self.stats.cut_ended = 0.0
        self.stats.cut_started = time.monotonic() - self.started
        self._open.clear()
        self._in_cut = set(self._writers)
        self.save()
        await asyncio.sleep(self.profile.cut_seconds)
        self._in_cut |= set(self._writers)
        for writer in self._in_cut:  # every flow that lived through the cut is dead now
            with contextlib.suppress(Exception):
                writer.transport.abort()
            self.stats.resets += 1
        self._in_cut.clear()
        self.stats.cut_ended = time.monotonic() - self.started
        self._open.set()
        self.save()

    def _count_down(self, size: int) -> None:
        self.stats.down += size
        if not self._cut_done and self.stats.down >= self.profile.cut_after_down:
            self._cut_done = True
            asyncio.get_running_loop().create_task(self._cut())

    def _count_up(self, size: int) -> None:
        self.stats.up += size
        if self._up_cuts and self.stats.up >= self._up_cuts[0] and not self._cut_active():
            self._up_cuts.pop(0)
            asyncio.get_running_loop().create_task(self._cut())

    # --- forwarding ------------------------------------------------------------------------------------

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        self._hold_little(client_writer)
        self._writers.add(client_writer)
        try:
            await self._open.wait()  # a connection made during a cut hears nothing until it is reset
            if client_writer.transport.is_closing():
                return
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            self._writers.discard(client_writer)
            return
        self._writers.add(server_writer)
        try:
            await asyncio.gather(self._pipe(client_reader, server_writer, up=True),
                                 self._pipe(server_reader, client_writer, up=False),
                                 return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is shutting down; the connections close below
        finally:
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                with contextlib.suppress(Exception):
                    writer.transport.abort() if self._cut_active() else writer.close()
            self.save()

    @staticmethod
    def _hold_little(writer: asyncio.StreamWriter) -> None:
        """Keep only a few kB between the proxy and the shaped link: bytes queued in large buffers
        would keep flowing through a stall or a cut and be counted as delivered when they were not."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        writer.transport.set_write_buffer_limits(high=SEND_BUFFER)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool) -> None:
        """Read pieces, let each wait out the one-way delay, then write it when the link is open."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUE_PIECES)

        async def deliver() -> None:
            while True:
                due, piece = await queue.get()
                if not piece:
                    writer.write_eof() if writer.can_write_eof() else None
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await self._open.wait()
                if writer.transport.is_closing():
                    return
                writer.write(piece)
                if up:
                    self._count_up(len(piece))
                else:
                    self._count_down(len(piece))
                await writer.drain()

        sender = asyncio.get_running_loop().create_task(deliver())
        try:
            while True:
                piece = await reader.read(READ_SIZE)
                await queue.put((time.monotonic() + self.profile.delay, piece))
                if not piece or sender.done():
                    break
            await sender
        finally:
            sender.cancel()

    def save(self) -> None:
        if self.stats_path is None:
            return
        tmp = self.stats_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.stats)))
        os.replace(tmp, self.stats_path)


async def serve(listen: tuple[str, int], proxy: LinkProxy, ready: Path | None) -> None:
    server = await asyncio.start_server(proxy.handle, *listen, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stalls = loop.create_task(proxy.stalls())
    proxy.save()
    if ready is not None:
        ready.write_text("ready")
    async with server:
        await stop.wait()
    stalls.cancel()
    proxy.save()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.linklab.proxy")
    parser.add_argument("--listen", required=True, type=_address)
    parser.add_argument("--upstream", required=True, type=_address)
    parser.add_argument("--stats", type=Path)
    parser.add_argument("--ready", type=Path, help="file written once listening")
    for name in ("delay", "stall_every", "stall_for", "cut_seconds"):
        parser.add_argument("--" + name.replace("_", "-"), type=float, default=0.0)
    parser.add_argument("--cut-after-down", type=int, default=0)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--cut-after-up", default="", help="byte counts towards the server, comma separated")
    args = parser.parse_args(argv)
    ups = tuple(int(x) for x in args.cut_after_up.split(",") if x)
    profile = Profile(args.delay, args.stall_every, args.stall_for, args.cut_after_down, args.cut_seconds,
                      args.seed, ups)
    asyncio.run(serve(args.listen, LinkProxy(profile, args.upstream, args.stats), args.ready))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
