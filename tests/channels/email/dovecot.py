"""A private Dovecot for the tests: a throw-away config and mail directory, loopback ports, one passwd-file
user, plain auth allowed (loopback only). Never touches the system Dovecot config or service."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mail_location = maildir:{root}/mail/%u
mail_max_userip_connections = 200
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int
    user: str
    password: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _users() -> dict[str, str]:
    if os.geteuid() != 0:  # an unprivileged run: everything as the current user
        me = pwd.getpwuid(os.geteuid()).pw_name
        group = me
        return {
            "login_user": me,
            "internal_user": me,
            "internal_group": group,
            "mail_user": me,
            "mail_group": group,
        }
    return {
        "login_user": "dovenull",
        "internal_user": "dovecot",
        "internal_group": "dovecot",
        "mail_user": "nobody",
        "mail_group": "nogroup",
    }


def certificate(root: Path) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments, a temporary directory)
        [  # noqa: S607 (openssl from PATH, as the system has it)
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def start_dovecot(user: str = "sales@okno.test", password: str = "test-password") -> Dovecot:  # noqa: S107
    root = Path(tempfile.mkdtemp(prefix="okno-dovecot-"))
    root.chmod(0o755)  # the unprivileged mail and login users must reach the files
    (root / "mail").mkdir(mode=0o777)
    (root / "mail").chmod(0o777)
    certificate(root)
    (root / "key.pem").chmod(0o600)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}::::::\n")
    port, tls_port = free_port(), free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, tls_port=tls_port, **_users()))
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stderr=stderr)  # noqa: S603
    server = Dovecot(root, port, tls_port, user, password, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = (root / "stderr.log").read_text(errors="replace")
            raise RuntimeError(f"dovecot exited: {error}\n{server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("dovecot did not open its port in 15 s")
