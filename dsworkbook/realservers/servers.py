"""Real Redis and ZooKeeper servers on 127.0.0.1, started and always stopped.

The simulation teaches with virtual time; these servers show the same lessons on software people
run in production. Process management is left to mirakuru (an ``Executor`` starts a process in its
own process group, waits until a check answers, and stops the whole group), so this module only
says *what* to run and *when it is ready*:

* every server binds 127.0.0.1 only, on a free port found by binding port 0;
* its data and log live in a private temporary directory, removed when the server stops;
* Redis runs with persistence off (``--save '' --appendonly no``) and is ready when it accepts
  a TCP connection; ZooKeeper runs standalone from a private ``zoo.cfg`` with the admin server off
  and is ready when the four-letter command ``ruok`` answers ``imok`` (ZooKeeper Administrator's
  Guide, "The Four Letter Words");
* the context managers stop the servers in their ``finally`` even when the body raises.

ZooKeeper's session timeout is clamped by the server to [minSessionTimeout, 20 x tickTime]
(ZooKeeper Programmer's Guide, "ZooKeeper Sessions"); with ``tickTime=200`` and
``minSessionTimeout=1000`` a client asking for 1 s gets 1 s, which keeps expiry experiments short.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from mirakuru import Executor, TCPExecutor

from dsworkbook.errors import ConfigError

__all__ = [
    "INSTALL", "ServerUnavailable", "RedisServer", "ZooKeeperServer",
    "redis_available", "zookeeper_available", "install_hint", "free_port",
    "redis_servers", "zookeeper_server", "four_letter_word",
]

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
DEBIAN_ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")

INSTALL = {
    "redis": ("sudo apt-get install redis-server",
              "macOS: brew install redis; conda: conda install -c conda-forge redis-server"),
    "zookeeper": ("sudo apt-get install zookeeper",
                  "macOS: brew install zookeeper; conda: conda install -c conda-forge zookeeper "
                  "(both need Java on PATH)"),
}


class ServerUnavailable(ConfigError):
    """The server's program is not installed; the message gives the command that installs it."""


def install_hint(server: str) -> str:
    """One line: what is missing and the one command to run (with Homebrew and conda alternatives)."""
    if server not in INSTALL:
        raise ConfigError(f"unknown server {server!r}; choose one of {sorted(INSTALL)}")
    command, others = INSTALL[server]
    program = "redis-server" if server == "redis" else "ZooKeeper (and java)"
    return f"{program} is not installed. Install it with: {command}   ({others})"


def redis_available() -> bool:
    """True when ``redis-server`` is on PATH."""
    return shutil.which("redis-server") is not None


def _zookeeper_command(config: Path) -> list[str] | None:
    """The command that runs ZooKeeper in the foreground with ``config``, or None when absent.

    Debian's package ships jars (the server's own manifest names its dependencies); Homebrew and
    conda ship a ``zkServer`` script, run with JMX off so no port opens beyond the loopback one.
    """
    java = shutil.which("java")
    if java and all(Path(jar).exists() for jar in DEBIAN_ZOOKEEPER_JARS):
        return [java, "-Xmx256m", "-Djava.net.preferIPv4Stack=true", "-cp", ":".join(DEBIAN_ZOOKEEPER_JARS),
                "org.apache.zookeeper.server.ZooKeeperServerMain", str(config)]
    for script in ("zkServer.sh", "zkServer"):
        if java and (path := shutil.which(script)):
            return [path, "start-foreground", str(config)]
    return None


def zookeeper_available() -> bool:
    """True when a ZooKeeper server (Debian jars or a ``zkServer`` script) and ``java`` are found."""
    return _zookeeper_command(Path("zoo.cfg")) is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago (the kernel picks it)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True, slots=True)
class RedisServer:
    """A running redis-server: where it listens, its process id, its private directory."""

    host: str
    port: int
    pid: int
    data_dir: Path

    def client(self, **options: object):  # -> redis.Redis
        """A redis-py client for this server (``decode_responses=True`` unless given)."""
        import redis

        options.setdefault("decode_responses", True)
        options.setdefault("socket_timeout", 2.0)
        return redis.Redis(host=self.host, port=self.port, **options)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ZooKeeperServer:
    """A running standalone ZooKeeper: connect with ``KazooClient(hosts=server.hosts)``."""

    host: str
    port: int
    pid: int
    data_dir: Path

    @property
    def hosts(self) -> str:
        return f"{self.host}:{self.port}"


def four_letter_word(host: str, port: int, word: str, timeout: float = 1.0) -> str:
    """Send a ZooKeeper four-letter command over a plain socket and return the whole answer."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(word.encode())
        chunks = []
        while chunk := s.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


class _ZooKeeperExecutor(Executor):
    """Ready when ``ruok`` is answered by ``imok`` and ``srvr`` reports a serving server.

    A TCP accept alone comes too early, and so does ``imok``: measured here, ``srvr`` still said
    "This ZooKeeper instance is not currently serving requests" right after the first ``imok``.
    """

    def __init__(self, command: list[str], port: int, **kwargs: object) -> None:
        super().__init__(command, **kwargs)  # type: ignore[arg-type]
        self.port = port

    def pre_start_check(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def after_start_check(self) -> bool:
        try:
            if four_letter_word(HOST, self.port, "ruok", timeout=0.5).strip() != "imok":
                return False
            return "not currently serving" not in four_letter_word(HOST, self.port, "srvr", timeout=0.5)
        except OSError:
            return False


def _check_count(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"redis_servers(n) needs a whole number n >= 1, got {n!r}")


def _log_file(directory: Path):
    return open(directory / "server.log", "w")  # noqa: SIM115 - closed by the ExitStack


def _start(stack: ExitStack, executor: Executor) -> Executor:
    """Start and register the stop at once, so a failure later in the setup still stops it."""
    stack.callback(executor.kill)         # last resort: SIGKILL to the group if stop() raised
    stack.callback(executor.stop)
    executor.start()
    return executor


@contextmanager
def redis_servers(n: int) -> Iterator[list[RedisServer]]:
    """Run ``n`` redis-server processes on free loopback ports; stop them all on exit."""
    _check_count(n)
    if not redis_available():
        raise ServerUnavailable(install_hint("redis"))
    binary = shutil.which("redis-server")
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dsw-redis-")))
        servers = []
        for i in range(n):
            data = root / f"r{i}"
            data.mkdir()
            port = free_port()
            log = stack.enter_context(_log_file(data))
            command = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
                       "--dir", str(data), "--protected-mode", "yes"]
            ex = _start(stack, TCPExecutor(command, host=HOST, port=port, timeout=START_TIMEOUT, sleep=0.02,
                                           stdin=None, stdout=log, stderr=log, expected_returncode=0))
            servers.append(RedisServer(HOST, port, ex.process.pid, data))
        yield servers


_ZOO_CFG = """\
tickTime=200
initLimit=10
syncLimit=5
minSessionTimeout=1000
maxSessionTimeout=4000
dataDir={data}
clientPort={port}
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,cons,stat
"""


@contextmanager
def zookeeper_server() -> Iterator[ZooKeeperServer]:
    """Run a standalone ZooKeeper from a private zoo.cfg and data directory; stop it on exit."""
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dsw-zookeeper-")))
        (root / "data").mkdir()
        port = free_port()
        config = root / "zoo.cfg"
        config.write_text(_ZOO_CFG.format(data=root / "data", port=port))
        command = _zookeeper_command(config)
        if command is None:
            raise ServerUnavailable(install_hint("zookeeper"))
        log = stack.enter_context(_log_file(root))
        env = {"JMXDISABLE": "true", "ZOO_LOG_DIR": str(root), "ZOOCFGDIR": str(root)}
        ex = _start(stack, _ZooKeeperExecutor(command, port, timeout=START_TIMEOUT, sleep=0.05, envvars=env,
                                              stdin=None, stdout=log, stderr=log, expected_returncode=143))
        yield ZooKeeperServer(HOST, port, ex.process.pid, root)

