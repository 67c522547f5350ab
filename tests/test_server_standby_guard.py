"""server.standby_guard on plain sockets: a stretch that runs out shuts its connections' sockets down
(a blocked read returns), one that ends in time leaves them alone, and a connection back in the pool
is no longer the guard's. The real thing, a hung standby: tests/test_server_standby_hangs.py."""

from __future__ import annotations

import socket
import time

from server.standby_guard import StandbyGuard


class _Connection:
    """A DBAPI connection as the guard sees it: its socket's descriptor."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()


def _pair():
    ours, theirs = socket.socketpair()
    return _Connection(ours), theirs


def test_a_stretch_that_runs_out_shuts_the_socket_down_and_a_blocked_read_returns():
    conn, _peer = _pair()
    with StandbyGuard() as guard:
        started = time.monotonic()
        with guard.armed(0.2):
            guard._note(conn)
            conn.sock.settimeout(5)
            assert conn.sock.recv(1) == b""  # blocked until the watchdog shut it down
        assert 0.15 < time.monotonic() - started < 2 and guard.fired


def test_a_stretch_that_ends_in_time_and_a_connection_checked_in_are_left_alone():
    conn, peer = _pair()
    kept, kept_peer = _pair()
    with StandbyGuard() as guard:
        with guard.armed(0.2):
            guard._note(conn)
            guard._note(kept)
        with guard.armed(0.2):
            guard._forget(conn)  # back in the pool: another read's now
        time.sleep(0.2)
        with guard.armed(0.2):
            time.sleep(0.4)  # this one runs out: only the guard's own connection goes
        assert guard.fired
    peer.sendall(b"x")
    conn.sock.settimeout(1)
    assert conn.sock.recv(1) == b"x"
    kept.sock.settimeout(1)
    assert kept.sock.recv(1) == b""
