"""Private Redis and PostgreSQL on free loopback ports, in temporary directories, that the crash run may stop
and restart at will. Never the machine's shared servers: those other tests (and other people) are using."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


@dataclass
class PrivateRedis:
    """`redis-server --save '' --appendonly no`: a restart loses every queued job, like a crashed Redis."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="okno-redis-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    back_at: list[float] = field(default_factory=list)  # time.time() when each restart answered again

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        command += ["--dir", str(self.root), "--logfile", str(self.root / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self._log()}")
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port}: {self._log()}")

    def stop(self) -> None:
        """SIGKILL: whatever was queued is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_s: float = 1.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()
        self.restarts += 1
        self.back_at.append(time.time())

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _log(self) -> str:
        path = self.root / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"))
    if not found:
        raise RuntimeError(f"{name} not found under {PG_BIN_GLOB}: install the postgresql server package")
    return found[-1]


def _as_owner(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the postgres OS user, who owns the directory.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PrivatePostgres:
    """A throw-away cluster: initdb into a temp dir, trust auth on loopback. fsync off (speed): a killed
    server loses nothing the OS holds, only a power cut would, and none is simulated; synchronous_commit stays
    on, as a commit must survive `restart`, which stops the server with `-m immediate`, like a crash."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="okno-pg-")))
    port: int = field(default_factory=free_port)
    restarts: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.root.chmod(0o755)
        self.data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            os.chown(self.data, owner.pw_uid, owner.pw_gid)
        command = [_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        self._run([*command, "--no-locale"])

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=400"
        )
        command = [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"), "-o", options]
        self._run([*command, "-w", "-t", str(int(START_TIMEOUT_S)), "start"])
        if not _port_open(self.port):
            raise RuntimeError(f"postgres did not open {self.port}: {self.log()}")

    def stop(self, mode: str = "immediate") -> None:
        self._run([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], check=False)

    def restart(self, down_s: float = 1.0) -> None:
        self.stop("immediate")
        time.sleep(down_s)
        self.start()
        self.restarts += 1

    def create_database(self, name: str) -> str:
        self._run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q",
                   "-c", f'CREATE DATABASE "{name}"'])  # fmt: skip
        return self.url(name)

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "pg.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def _run(self, command: list[str], *, check: bool = True) -> None:
        done = subprocess.run(_as_owner(command), capture_output=True, check=False, cwd=self.root)  # noqa: S603
        if check and done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise RuntimeError(f"{' '.join(command[:1])} failed ({done.returncode}): {output}\n{self.log()}")
