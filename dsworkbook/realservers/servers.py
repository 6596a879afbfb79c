"""Real Redis, ZooKeeper and PostgreSQL servers on 127.0.0.1, started and always stopped.

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

PostgreSQL gets a fresh cluster per server: ``initdb`` into the private directory (trust
authentication, loopback TCP only, no Unix socket), then ``postgres`` in the foreground with
``max_prepared_transactions`` above zero, because PREPARE TRANSACTION is refused when it is 0
(PostgreSQL documentation, 20.4.2 "Resource Consumption: Memory", ``max_prepared_transactions``).
Durability settings are off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the cluster
is thrown away, and the lessons it shows are about concurrency, not crash recovery of the disk.
``initdb`` and ``postgres`` refuse to run as root (PostgreSQL documentation, 19.1 "The PostgreSQL
User Account"); under root both run as the ``postgres`` system user that the distribution package
creates, and every directory they touch is handed to that user. The server stops on SIGINT, the
"fast shutdown" (19.5 "Shutting Down the Server"), which does not wait for clients to disconnect.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
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
    "PostgresServer", "postgres_available", "postgres_server",
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
    "postgresql": ("sudo apt-get install postgresql",
                   "macOS: brew install postgresql@15; conda: conda install -c conda-forge postgresql"),
    "etcd": ("sudo apt-get install etcd-server",
             "macOS: brew install etcd; conda: conda install -c conda-forge etcd"),
}

_PROGRAM = {"redis": "redis-server", "zookeeper": "ZooKeeper (and java)",
            "postgresql": "PostgreSQL (initdb and postgres)", "etcd": "etcd"}


class ServerUnavailable(ConfigError):
    """The server's program is not installed; the message gives the command that installs it."""


def install_hint(server: str) -> str:
    """One line: what is missing and the one command to run (with Homebrew and conda alternatives)."""
    if server not in INSTALL:
        raise ConfigError(f"unknown server {server!r}; choose one of {sorted(INSTALL)}")
    command, others = INSTALL[server]
    hint = f"{_PROGRAM[server]} is not installed. Install it with: {command}   ({others})"
    if server == "postgresql" and _postgres_bin() is not None and _postgres_account() is None:
        hint = ("PostgreSQL is installed but refuses to run as root, and there is no 'postgres' system user "
                f"to run it as. Create it with: sudo adduser --system --group postgres   ({hint})")
    return hint


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



# -- PostgreSQL ---------------------------------------------------------------------------------

def _postgres_bin() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``: on PATH, else Debian's newest version."""
    on_path = [shutil.which("initdb"), shutil.which("postgres")]
    if all(on_path):
        return Path(on_path[0]).parent  # type: ignore[arg-type]
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for directory in versions:
        if (directory / "initdb").exists() and (directory / "postgres").exists():
            return directory
    return None


def _postgres_account() -> dict[str, object] | None:
    """``Popen`` keywords that run a child as the server's user: {} unless root, None if impossible."""
    if os.geteuid() != 0:
        return {}
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def postgres_available() -> bool:
    """True when ``initdb`` and ``postgres`` are found and can run (as root: a ``postgres`` user exists)."""
    return _postgres_bin() is not None and _postgres_account() is not None


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running PostgreSQL cluster on 127.0.0.1; superuser ``postgres``, trust authentication."""

    host: str
    port: int
    pid: int
    data_dir: Path

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for database ``dbname`` of this cluster."""
        return f"host={self.host} port={self.port} user=postgres dbname={dbname} connect_timeout=5"

    def connect(self, dbname: str = "postgres", *, autocommit: bool = True, **options: object):
        """A psycopg 3 connection (``autocommit=True`` unless given, so BEGIN/COMMIT are explicit)."""
        import psycopg

        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit, **options)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name`` unless it exists; returns the name."""
        from psycopg import sql

        with self.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name


class _PostgresExecutor(Executor):
    """Ready when a real client connection succeeds (a TCP accept comes before recovery ends)."""

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
        import psycopg

        try:
            with psycopg.connect(f"host={HOST} port={self.port} user=postgres dbname=postgres connect_timeout=1"):
                return True
        except psycopg.OperationalError:
            return False


@contextmanager
def postgres_server(max_prepared_transactions: int = 10) -> Iterator[PostgresServer]:
    """initdb a private cluster, run ``postgres`` on a free loopback port; stop it and remove it on exit."""
    if not isinstance(max_prepared_transactions, int) or isinstance(max_prepared_transactions, bool) \
            or max_prepared_transactions < 0:
        raise ConfigError(f"max_prepared_transactions must be a whole number >= 0, got {max_prepared_transactions!r}")
    binaries, account = _postgres_bin(), _postgres_account()
    if binaries is None or account is None:
        raise ServerUnavailable(install_hint("postgresql"))
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dsw-postgres-")))
        if account:                        # root: the server's user must own (and traverse) its directory
            os.chown(root, account["user"], account["group"])  # type: ignore[arg-type]
        data = root / "data"
        subprocess.run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                        "--no-sync", "--no-instructions"], check=True, cwd=root, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **account)  # type: ignore[arg-type]
        port = free_port()
        settings = {"listen_addresses": HOST, "port": str(port), "unix_socket_directories": "",
                    "max_prepared_transactions": str(max_prepared_transactions), "fsync": "off",
                    "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "40"}
        command = [str(binaries / "postgres"), "-D", str(data)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        log = stack.enter_context(_log_file(root))
        ex = _start(stack, _PostgresExecutor(command, port, timeout=START_TIMEOUT, sleep=0.05, cwd=str(root),
                                             stop_signal=signal.SIGINT, stdin=None, stdout=log, stderr=log,
                                             expected_returncode=0, popen_kwargs=dict(account)))
        yield PostgresServer(HOST, port, ex.process.pid, root)
