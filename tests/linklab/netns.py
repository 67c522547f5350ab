"""Two network namespaces joined by a veth pair, for the link lab: the city server lives in one, the
client in the other, and the only addresses used are the pair's own (10.231.0.1/30 on the server
side, 10.231.0.2/30 on the client side) plus each namespace's loopback. Bandwidth is shaped with the
tbf qdisc on both ends (the kernel here has no netem; latency, stalls and cuts come from the proxy in
tests/linklab/proxy.py). Names are unique per run, and everything is removed on exit — also when the
body fails — by deleting the namespaces (which deletes the veth pair with them) after stopping every
process this lab started inside them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

SERVER_ADDRESS = "10.231.0.1"
CLIENT_ADDRESS = "10.231.0.2"


def unavailable_reason() -> str | None:
    """Why the lab cannot run here (None when it can): it needs root and iproute2's ip and tc."""
    if os.geteuid() != 0:
        return "the link lab needs root (ip netns, tc)"
    if not (shutil.which("ip") and shutil.which("tc")):
        return "the link lab needs iproute2 (ip, tc)"
    probe = f"tdl-probe-{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"network namespaces are not permitted here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "delete", probe], capture_output=True)
    return None


def _run(*args: str) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")


@dataclass
class LinkPair:
    """The two namespaces of one lab run; `spawn` starts a process inside one of them."""

    server_ns: str
    client_ns: str
    server_if: str
    client_if: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def spawn(self, namespace: str, argv: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(["ip", "netns", "exec", namespace, *argv], **kwargs)
        self.processes.append(process)
        return process

    def run(self, namespace: str, argv: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
        """Run to completion inside `namespace` (killed, and an error raised, after `timeout`)."""
        process = self.spawn(namespace, argv, **kwargs)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process)
            raise
        return subprocess.CompletedProcess(argv, process.returncode, out, err)

    def shape(self, rate: str | None) -> None:
        """tbf on both ends (`rate` like "64kbit"), or no shaping when None."""
        for namespace, interface in ((self.server_ns, self.server_if), (self.client_ns, self.client_if)):
            subprocess.run(["ip", "netns", "exec", namespace, "tc", "qdisc", "del", "dev", interface, "root"],
                           capture_output=True)
            if rate:
                _run("ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", interface, "root",
                     "tbf", "rate", rate, "burst", "4kb", "latency", "400ms")


def stop(process: subprocess.Popen) -> None:
    """Terminate one process this lab started (by its own handle), killing it if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def link_pair(rate: str | None = None) -> Iterator[LinkPair]:
    """Create the namespaces and the veth pair (shaped to `rate`), yield them, and remove them."""
    tag = uuid.uuid4().hex[:6]
    pair = LinkPair(f"tdl-{tag}-srv", f"tdl-{tag}-cli", f"tdls{tag}", f"tdlc{tag}")
    made: list[str] = []
    try:
        for namespace in (pair.server_ns, pair.client_ns):
            _run("ip", "netns", "add", namespace)
            made.append(namespace)
        _run("ip", "link", "add", pair.server_if, "type", "veth", "peer", "name", pair.client_if)
        _run("ip", "link", "set", pair.server_if, "netns", pair.server_ns)
        _run("ip", "link", "set", pair.client_if, "netns", pair.client_ns)
        for namespace, interface, address in ((pair.server_ns, pair.server_if, SERVER_ADDRESS),
                                              (pair.client_ns, pair.client_if, CLIENT_ADDRESS)):
            _run("ip", "-n", namespace, "addr", "add", f"{address}/30", "dev", interface)
            _run("ip", "-n", namespace, "link", "set", interface, "up")
            _run("ip", "-n", namespace, "link", "set", "lo", "up")
        pair.shape(rate)
        yield pair
    finally:
        for process in reversed(pair.processes):
            stop(process)
        for namespace in made:  # deleting a namespace deletes the veth end inside it, and its peer
            subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        subprocess.run(["ip", "link", "delete", pair.server_if], capture_output=True)  # if never moved
