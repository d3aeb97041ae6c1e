"""The `okno` command line as a user runs it: help on every command, migrate, accounts, staff, parse."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from okno.cli import main
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "serve",
    "worker",
    "listen",
    "sandbox",
    "migrate",
    "demo",
    "channel",
    "channel add",
    "channel list",
    "channel templates",
    "staff",
    "staff add",
    "staff list",
    "staff import",
    "parse",
    "alerts",
    "alerts feedback",
    "report",
    "report requests",
    "replies",
    "replies import",
    "replies list",
]


def process_env(env_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the venv's editable install points at
        "OKNO_DATA_DIR": str(env_dir),
        "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{env_dir}/o.db",
        **(extra or {}),
    }
    env.pop("OKNO_SECRET_KEY", None)
    return env


def okno(
    *args: str, env_dir: Path, check: bool = True, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = process_env(env_dir, extra)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "okno", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=env_dir,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"okno {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0 and "Usage: " in result.output and "--help" in result.output


def test_accounts_and_staff_round_trip(tmp_path: Path) -> None:
    okno("migrate", env_dir=tmp_path)  # once as a real process; the rest in-process, for speed
    env = {"OKNO_DATA_DIR": str(tmp_path), "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/o.db"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    added = run("channel", "add", "api", "site", "--config", "webhook_url=https://crm.example/hook").output
    token = next(line.split()[1] for line in added.splitlines() if line.strip().startswith("inbound_token:"))
    listed = run("channel", "list").output
    assert "api\tsite\tactive" in listed and token not in listed  # secrets are never listed
    run("staff", "add", "Анна Петрова", "--role", "supervisor", "--telegram-id", "42")
    assert "supervisor\tАнна Петрова\t42\tactive" in run("staff", "list").output
    bad = run("channel", "add", "api", "x", "--config", "nonsense")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
    # an account that could never work is refused at once, saying what it lacks; nothing is stored
    tokenless = run("channel", "add", "telegram", "buh_bot", "--config", "mode=webhook")
    assert tokenless.exit_code == 2 and "needs --secret bot_token=…" in tokenless.output
    half = run("channel", "add", "whatsapp", "main", "--secret", "access_token=EAAG")
    assert half.exit_code == 2 and "--config phone_number_id=…, --secret app_secret=…" in half.output
    pbx = run("channel", "add", "telephony", "pbx", "--config", "provider=zadarmа")  # a Cyrillic "а"
    assert pbx.exit_code == 2 and "provider=<generic|twilio|zadarma|mango|asterisk>" in pbx.output
    assert "buh_bot" not in run("channel", "list").output and "\tmain\t" not in run("channel", "list").output
    twilio = ["--config", "provider=twilio", "--secret", "account_sid=AC1", "--secret", "auth_token=t"]
    assert run("channel", "add", "telephony", "twilio", *twilio).exit_code == 0


def test_migrate_reports_the_revision(tmp_path: Path) -> None:
    out = okno("migrate", env_dir=tmp_path).stdout
    assert out.startswith("database at revision ")
    assert okno("migrate", env_dir=tmp_path).stdout == out  # idempotent


def test_alerts_feedback_before_migrate_says_what_to_do(tmp_path: Path) -> None:
    result = okno("alerts", "feedback", "--out", str(tmp_path / "f.jsonl"), env_dir=tmp_path, check=False)
    assert result.returncode == 1 and "no such table: alert" in result.stderr
    assert "okno migrate" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "f.jsonl").exists()


def test_parse_prints_one_line_per_file_and_stores_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps({"event_id": "e1", "sender": {"id": "u1"}, "text": "Нужен счёт"}), encoding="utf-8"
    )
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = okno("parse", "api", str(good), str(bad), env_dir=tmp_path)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["messages"][0]["text"] == "Нужен счёт" and first["messages"][0]["event_id"] == "e1"
    assert second["refused"].startswith("body is not JSON")
    assert not (tmp_path / "o.db").exists()


def test_parse_refuses_an_unknown_channel(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    result = okno("parse", "vk", str(tmp_path / "x.json"), env_dir=tmp_path, check=False)
    assert result.returncode == 2 and "no parser for 'vk'" in result.stderr


def test_bad_setting_fails_at_start_with_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OKNO_COMPANY__TIMEZONE": "Nowhere/City"}
    result = subprocess.run(
        [sys.executable, "-m", "okno", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1 and "OKNO_COMPANY__TIMEZONE" in result.stderr


@pytest.mark.redis
def test_a_worker_says_at_start_whether_its_llm_jobs_will_run(tmp_path: Path) -> None:
    okno("migrate", env_dir=tmp_path)
    queue = {"OKNO_QUEUE__REDIS_URL": REDIS_URL, "OKNO_QUEUE__PREFIX": f"okno-cli-{os.getpid()}"}
    off = okno("worker", "--queues", "io,llm", "--burst", env_dir=tmp_path, extra=queue)
    assert "okno worker on queue(s) io, llm" in off.stderr
    assert "WARNING okno: assistant off (OKNO_LLM__ENABLED is not true)" in off.stderr
    missing = okno(
        "worker",
        "--queues",
        "llm",
        "--burst",
        env_dir=tmp_path,
        extra={**queue, "OKNO_LLM__ENABLED": "true", "OKNO_MODEL_CACHE": str(tmp_path / "no-models")},
    )
    assert "ERROR okno: assistant on, but model 0.5b is not prepared" in missing.stderr
    io_only = okno("worker", "--queues", "io", "--burst", env_dir=tmp_path, extra=queue)
    assert "assistant" not in io_only.stderr


@pytest.mark.redis
def test_a_worker_serves_its_own_metrics(tmp_path: Path) -> None:
    """Jobs run in the worker's process: `okno serve`'s /metrics never sees them."""
    okno("migrate", env_dir=tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = process_env(
        tmp_path, {"OKNO_QUEUE__REDIS_URL": REDIS_URL, "OKNO_QUEUE__PREFIX": f"okno-metrics-{os.getpid()}"}
    )
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "okno", "worker", "--queues", "io", "--metrics-port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    page = ""
    try:
        deadline = time.monotonic() + 60
        while 'okno_job_seconds_count{job="sweep"}' not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
                    page = resp.read().decode()
            except OSError:
                continue
    finally:
        worker.terminate()
        _out, err = worker.communicate(timeout=30)
    assert 'okno_job_seconds_count{job="sweep"} 1.0' in page, err[-2000:]
    assert f"metrics on http://127.0.0.1:{port}/metrics" in err


def test_the_compose_files_commands_are_commands_okno_takes() -> None:
    compose = (ROOT / "deploy" / "compose.yaml").read_text()
    # its commands are written as flow sequences of quoted strings, which read as JSON
    written = [json.loads(line) for line in re.findall(r"^\s+command: (\[.*\])", compose, re.MULTILINE)]
    commands = [c for c in written if c[0] != "redis-server"]
    assert ["worker", "--queues", "llm", "--metrics-port", "9100"] in commands and len(commands) == 6
    for command in commands:
        result = CliRunner().invoke(main, [*command, "--help"])
        assert result.exit_code == 0, f"{command}: {result.output}"


def test_saved_replies_come_in_from_a_spreadsheet_all_or_nothing(tmp_path: Path) -> None:
    okno("migrate", env_dir=tmp_path)
    env = {"OKNO_DATA_DIR": str(tmp_path), "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/o.db"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    sheet = tmp_path / "answers.csv"
    rows = [
        "Код;Текст",
        "Реквизиты;{имя}, реквизиты: ИНН 7707083893, р/с 40702810900000000001.",
        '"график";"Работаем с 9 до 18,\nв субботу до 14."',
        "две строки;Не код",
        "ндс;Здравствуйте, {клиент}!",
        ";",
    ]
    sheet.write_bytes("\n".join(rows).encode("cp1251"))  # as a Russian Excel saves it
    refused = run("replies", "import", str(sheet))
    assert refused.exit_code == 1 and "nothing saved (2 problem(s))" in refused.output
    assert (
        "line 4: code 'две строки'" in refused.output and "line 5: no placeholder {клиент}" in refused.output
    )
    assert run("replies", "list").stdout == ""
    sheet.write_bytes("\n".join(rows[:3]).encode("cp1251"))
    assert run("replies", "import", str(sheet), "--dry-run").stdout.startswith(
        "dry run, nothing saved: 2 added"
    )
    assert run("replies", "import", str(sheet)).stdout == "2 added, 0 rewritten\n"
    assert run("replies", "import", str(sheet)).stdout == "0 added, 2 rewritten\n"
    assert run("replies", "list").stdout.splitlines() == [
        "/график\tРаботаем с 9 до 18, в субботу до 14.",
        "/реквизиты\t{имя}, реквизиты: ИНН 7707083893, р/с 40702810900000000001.",
    ]


def test_a_members_own_replies_come_in_from_a_spreadsheet_for_them(tmp_path: Path) -> None:
    """`--for EMAIL`: into that member's «Мои быстрые ответы», the company's list untouched; a member okno
    does not know, or one who has left, is said to be so and nothing is saved."""
    okno("migrate", env_dir=tmp_path)
    env = {"OKNO_DATA_DIR": str(tmp_path), "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/o.db"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    run("staff", "add", "Анна Петрова", "--email", "anna@example.ru")
    run("staff", "add", "Борис", "--email", "boris@example.ru")
    sheet = tmp_path / "mine.csv"
    sheet.write_text('code,text\nпривет,"{имя}, добрый день! {менеджер} на связи."\n', encoding="utf-8")
    mine = "/привет\t{имя}, добрый день! {менеджер} на связи.\n"
    assert run("replies", "import", str(sheet), "--for", "Anna@Example.ru").stdout == "1 added, 0 rewritten\n"
    assert run("replies", "import", str(sheet), "--for", "anna@example.ru").stdout == "0 added, 1 rewritten\n"
    assert run("replies", "list", "--for", "anna@example.ru").stdout == mine
    assert run("replies", "list").stdout == ""  # the company's list is not touched
    assert run("replies", "list", "--for", "boris@example.ru").stdout == ""
    unknown = run("replies", "import", str(sheet), "--for", "nobody@example.ru")
    assert unknown.exit_code == 2 and "no active staff member 'nobody@example.ru'" in unknown.output
    with closing(sqlite3.connect(tmp_path / "o.db")) as db, db:
        db.execute("UPDATE staff SET active = 0 WHERE email = 'boris@example.ru'")
    for command in (["import", str(sheet)], ["list"]):
        left = run("replies", *command, "--for", "boris@example.ru")
        assert left.exit_code == 2 and "no active staff member 'boris@example.ru'" in left.output
    assert run("replies", "list").stdout == ""
