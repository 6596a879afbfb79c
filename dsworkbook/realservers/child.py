"""A client in a child process, driven by the events it prints and by signals (SIGSTOP, SIGKILL).

The real-server experiments need a client that can be frozen or killed at an exact point of its
work: the child reports each step on stdout and the parent acts on the report, so no experiment
depends on timing races.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

__all__ = ["ChildProcess"]


class ChildProcess:
    """A client in a child process (``python -m MODULE ARG... CONFIG_JSON``) that reports events.

    The child prints one line per event, ``name {json}``; a thread reads them into a queue so
    :meth:`expect` can wait for one with a timeout. The parent freezes, resumes or kills the
    child with signals, and :meth:`close` always reaps it (resuming it first: a stopped
    process would not die of SIGTERM handlers, and SIGKILL needs no cooperation anyway).
    """

    def __init__(self, module: str, *args: str | dict) -> None:
        self.events: list[tuple[str, dict]] = []
        self._queue: queue.Queue = queue.Queue()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        argv = [a if isinstance(a, str) else json.dumps(a) for a in args]
        self.proc = subprocess.Popen([sys.executable, "-m", module, *argv], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            name, _, data = line.strip().partition(" ")
            self._queue.put((name, json.loads(data or "{}")))
        self._queue.put(("eof", {}))

    def expect(self, name: str, timeout: float = 15.0) -> dict:
        """Wait for event ``name`` (collecting the others); raise if the child ends or stalls first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                ev, data = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"the child did not report {name!r} within {timeout} s") from None
            self.events.append((ev, data))
            if ev == name:
                return data
            if ev in ("eof", "failed"):
                raise RuntimeError(f"the child ended before {name!r}: {self.events}")

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
        self.proc.wait(timeout=10)
