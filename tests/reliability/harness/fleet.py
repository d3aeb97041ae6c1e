"""The okno processes under test (`okno serve`, `okno worker`, `okno listen`), started as real OS processes
with the run's environment, SIGKILLed and started again; each appends its output to its own log file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability.harness.infra import free_port

ROOT = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S = 90.0  # a cold start imports a lot; on a busy 2-core box that takes a while


@dataclass
class OknoProcess:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None  # serve only
    ready_line: str = ""  # what a started worker or listener logs once it runs
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    killed_at: list[float] = field(default_factory=list)  # time.time() of each SIGKILL
    _log_offset: int = 0

    @property
    def url(self) -> str:
        assert self.port is not None
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"=== harness: start #{self.starts} of {self.name}\n".encode())
            self._log_offset = log.tell()
            self.process = subprocess.Popen(  # noqa: S603 (our own CLI, fixed arguments)
                [sys.executable, "-m", "okno", *self.args],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or released, as in a power cut of that process."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.killed_at.append(time.time())
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM and wait (the end of a run): a worker then logs its counts."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def ready(self) -> bool:
        """Serve: /healthz answers (even 503 proves the process is up). Others: their start line is logged."""
        if not self.alive:
            return False
        if self.port is None:
            with self.log_path.open("rb") as log:
                log.seek(self._log_offset)
                return self.ready_line.encode() in log.read()
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):  # noqa: S310 (loopback)
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.tail()}")
            if self.ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {timeout:.0f}s:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@dataclass
class Fleet:
    """N serve, M worker (io queue) and one listen process sharing one environment."""

    env: dict[str, str]
    logs: Path
    serves: list[OknoProcess] = field(default_factory=list)
    workers: list[OknoProcess] = field(default_factory=list)
    listeners: list[OknoProcess] = field(default_factory=list)

    @classmethod
    def build(cls, env: dict[str, str], logs: Path, *, serves: int, workers: int, listen: bool) -> Fleet:
        fleet = cls(env, logs)
        for n in range(serves):
            port = free_port()
            fleet.serves.append(
                OknoProcess(
                    f"serve-{n + 1}", ["serve", "--port", str(port)], env, logs / f"serve-{n + 1}.log", port
                )
            )
        for n in range(workers):
            fleet.workers.append(
                OknoProcess(
                    f"worker-{n + 1}", ["worker", "--queues", "io"], env, logs / f"worker-{n + 1}.log"
                )
            )
        if listen:
            listener = OknoProcess("listen", ["listen"], env, logs / "listen.log")
            listener.ready_line = "inbound loop(s)"  # the leader runs its loops (a standby never would)
            fleet.listeners.append(listener)
        return fleet

    @property
    def all(self) -> list[OknoProcess]:
        return [*self.serves, *self.workers, *self.listeners]

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.serves]

    def start(self) -> None:
        for process in self.all:
            process.start()
        for process in self.all:
            process.wait_ready()

    def stop(self) -> None:
        for process in self.all:
            process.stop()

    def kill_all(self) -> None:
        for process in self.all:
            process.kill()
