"""A real etcd cluster on 127.0.0.1, started, faulted (pause, kill, restart) and always stopped.

The checker of :mod:`dsworkbook.checkers` judges histories from the simulator; this module runs
the real thing so that it can judge a production database too (M05). It keeps the rules of
:mod:`dsworkbook.realservers.servers`:

* every member binds 127.0.0.1 only, on free ports (one for clients, one for peers);
* each member's data lives in its own directory of one private temporary directory, removed on
  exit; mirakuru starts each member in its own process group and stops the group;
* :func:`etcd_cluster` stops every member in its ``finally``, even when the body raises, and
  resumes a paused member first (a stopped process would not act on SIGTERM until resumed).
  Members are stopped one at a time: measured here, SIGTERM to all three at once took 7 s to
  exit, one at a time 0.03 s each.

The cluster is static: every member is started with the same ``--initial-cluster`` list, the
"static" bootstrap of the etcd Clustering Guide (etcd v3.4 documentation, "Clustering Guide").
It is ready when a put through the gRPC gateway's HTTP JSON API succeeds - a TCP accept comes
before a leader is elected. A killed member is restarted on its own data directory: etcd then
recovers from its write-ahead log and rejoins with the identity stored there.

:func:`etcd_call` is the one HTTP client: a fresh connection per request (no pool to leave a
half-read answer on a connection to a paused member), no proxy, a short timeout. Its three
exceptions say what a client may conclude: :class:`EtcdUnreachable` (the connection was refused,
so the request was never sent - it did not happen), :class:`EtcdTimeout` (no answer in time - it
may still happen) and :class:`EtcdFailure` (the server answered with an error, or the connection
broke after sending). Keys and values travel base64-encoded and 64-bit integers come back as
strings (etcd v3.4 documentation, "gRPC gateway").
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirakuru import SimpleExecutor

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.servers import HOST, INSTALL, START_TIMEOUT, ServerUnavailable, free_port, install_hint

__all__ = ["ETCD_INSTALL", "etcd_available", "etcd_install_hint", "etcd_cluster", "EtcdCluster", "EtcdMember",
           "etcd_call", "encode", "decode", "EtcdUnreachable", "EtcdTimeout", "EtcdFailure"]

ETCD_INSTALL = INSTALL["etcd"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EtcdUnreachable(Exception):
    """The member refused the connection: the request was never sent, so it did not take effect."""


class EtcdTimeout(Exception):
    """No answer within the timeout: the request may have taken effect, or may still."""


class EtcdFailure(Exception):
    """The member answered with an error, or the connection broke after the request was sent."""


def etcd_available() -> bool:
    """True when the ``etcd`` server binary is on PATH."""
    return shutil.which("etcd") is not None


def etcd_install_hint() -> str:
    """One line: etcd is missing, and the command that installs it (Homebrew and conda too)."""
    return install_hint("etcd")


def encode(text: str) -> str:
    """A key or value as the gateway wants it: base64 of its UTF-8 bytes."""
    return base64.b64encode(text.encode()).decode()


def decode(text: str) -> str:
    return base64.b64decode(text).decode()


def etcd_call(url: str, path: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    """POST ``body`` as JSON to ``url + path`` and return the decoded answer (see the exceptions)."""
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:200]
        raise EtcdFailure(f"HTTP {exc.code}: {detail}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            raise EtcdUnreachable(str(exc.reason)) from None
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise EtcdTimeout(f"no answer within {timeout} s") from None
        raise EtcdFailure(str(exc.reason)) from None
    except (TimeoutError, socket.timeout):
        raise EtcdTimeout(f"no answer within {timeout} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise EtcdFailure(f"{type(exc).__name__}: {exc}") from None


@dataclass(frozen=True, slots=True)
class EtcdMember:
    """One member: its name, where clients and peers reach it, its data directory."""

    name: str
    client_port: int
    peer_port: int
    data_dir: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://{HOST}:{self.peer_port}"


class EtcdCluster:
    """A running cluster: its members, and the faults a nemesis injects (pause, resume, kill, restart).

    Built by :func:`etcd_cluster`; members are numbered 0..n-1 in every method.
    """

    def __init__(self, members: list[EtcdMember], executors: list[SimpleExecutor]) -> None:
        self.members = members
        self._executors = executors
        self._paused: set[int] = set()

    def __len__(self) -> int:
        return len(self.members)

    @property
    def urls(self) -> list[str]:
        return [m.url for m in self.members]

    def _check(self, i: int) -> None:
        if not isinstance(i, int) or not 0 <= i < len(self.members):
            raise ConfigError(f"member index must be 0..{len(self.members) - 1}, got {i!r}")

    def pid(self, i: int) -> int | None:
        """Member ``i``'s process id, None while it is killed."""
        self._check(i)
        process = self._executors[i].process
        return None if process is None else process.pid

    def running(self, i: int) -> bool:
        """True while member ``i``'s process runs (paused counts as running)."""
        self._check(i)
        return self._executors[i].running()

    def paused(self, i: int) -> bool:
        self._check(i)
        return i in self._paused

    def pause(self, i: int) -> None:
        """SIGSTOP member ``i``: frozen like a long GC pause; its sockets stay open and accept."""
        pid = self.pid(i)
        if pid is None:
            raise ConfigError(f"member {i} is killed; restart it before pausing it")
        os.kill(pid, signal.SIGSTOP)
        self._paused.add(i)

    def resume(self, i: int) -> None:
        """SIGCONT member ``i``."""
        pid = self.pid(i)
        if pid is not None:
            os.kill(pid, signal.SIGCONT)
        self._paused.discard(i)

    def kill(self, i: int) -> None:
        """SIGKILL member ``i`` (a crash: no shutdown work); its data directory stays."""
        self._check(i)
        self.resume(i)
        self._executors[i].kill(sig=signal.SIGKILL)

    def restart(self, i: int) -> None:
        """Start member ``i`` again on its data directory (a no-op while it runs)."""
        self._check(i)
        if not self._executors[i].running():
            self._executors[i].start()

    def status(self, i: int, timeout: float = 0.5) -> dict[str, Any]:
        """Member ``i``'s ``/v3/maintenance/status`` answer (its id, the leader's id, its raft index)."""
        self._check(i)
        return etcd_call(self.members[i].url, "/v3/maintenance/status", {}, timeout)

    def leader(self, timeout: float = 0.5) -> int | None:
        """The index of the member that says it leads, asked of each live member; None if none answers."""
        for i in range(len(self.members)):
            if i in self._paused or not self.running(i):
                continue
            try:
                st = self.status(i, timeout)
            except (EtcdUnreachable, EtcdTimeout, EtcdFailure):
                continue
            if st.get("leader") and st.get("leader") == st.get("header", {}).get("member_id"):
                return i
        return None

    def wait_ready(self, timeout: float = START_TIMEOUT) -> float:
        """Block until every running member answers a put; return the seconds waited."""
        began = time.monotonic()
        pending = [i for i in range(len(self.members)) if self.running(i) and i not in self._paused]
        while pending:
            i = pending[0]
            try:
                etcd_call(self.members[i].url, "/v3/kv/put", {"key": encode("dsw/ready"), "value": encode("1")}, 1.0)
                pending.pop(0)
                continue
            except (EtcdUnreachable, EtcdTimeout, EtcdFailure):
                pass
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"etcd member {self.members[i].name} did not accept a put within {timeout} s; "
                                   f"see {self.members[i].data_dir.parent / (self.members[i].name + '.log')}")
            if not self.running(i):
                raise RuntimeError(f"etcd member {self.members[i].name} exited during start-up; see its log in "
                                   f"{self.members[i].data_dir.parent}")
            time.sleep(0.05)
        return time.monotonic() - began

    def _stop_all(self) -> None:
        for i in range(len(self.members)):
            self.resume(i)
        for ex in self._executors:
            try:
                ex.stop()
            except Exception:  # noqa: BLE001 - a member that exits oddly must not keep the others running
                ex.kill()


def _command(binary: str, member: EtcdMember, cluster: str, heartbeat_ms: int, election_ms: int) -> list[str]:
    return [binary, "--name", member.name, "--data-dir", str(member.data_dir),
            "--listen-client-urls", member.url, "--advertise-client-urls", member.url,
            "--listen-peer-urls", member.peer_url, "--initial-advertise-peer-urls", member.peer_url,
            "--initial-cluster", cluster, "--initial-cluster-state", "new",
            "--initial-cluster-token", f"dsw-{member.data_dir.parent.name}",
            "--heartbeat-interval", str(heartbeat_ms), "--election-timeout", str(election_ms),
            "--logger", "zap", "--log-level", "warn"]


@contextmanager
def etcd_cluster(n: int = 3, *, heartbeat_ms: int = 100, election_ms: int = 1000) -> Iterator[EtcdCluster]:
    """Run an ``n``-member etcd cluster on loopback ports; stop every member on exit.

    ``heartbeat_ms`` and ``election_ms`` default to etcd's own defaults (100 and 1000 ms, ``etcd
    --help``); etcd refuses an election timeout below five heartbeats, and so does this function.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"etcd_cluster(n) needs a whole number of members n >= 1 (3 in the lesson), got {n!r}")
    if not (isinstance(heartbeat_ms, int) and isinstance(election_ms, int) and 0 < heartbeat_ms
            and election_ms >= 5 * heartbeat_ms):
        raise ConfigError(f"need heartbeat_ms > 0 and election_ms >= 5 x heartbeat_ms (etcd refuses less), got "
                          f"heartbeat_ms={heartbeat_ms!r}, election_ms={election_ms!r}")
    binary = shutil.which("etcd")
    if binary is None:
        raise ServerUnavailable(etcd_install_hint())
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dsw-etcd-")))
        members = [EtcdMember(f"m{i}", free_port(), free_port(), root / f"m{i}") for i in range(n)]
        cluster = ",".join(f"{m.name}={m.peer_url}" for m in members)
        executors: list[SimpleExecutor] = []
        running = EtcdCluster(members, executors)
        stack.callback(running._stop_all)   # registered before the first start: a failed start still stops
        for m in members:
            log = stack.enter_context(open(root / f"{m.name}.log", "w"))  # noqa: SIM115 - closed by the stack
            ex = SimpleExecutor(_command(binary, m, cluster, heartbeat_ms, election_ms), timeout=START_TIMEOUT,
                                stdin=None, stdout=log, stderr=log)
            executors.append(ex)
            ex.start()
        running.wait_ready()
        yield running
