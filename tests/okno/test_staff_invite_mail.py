"""`okno staff invite-mail`: after the HR list is imported, every member with an email and no web password
gets a one-time link by mail from the company's mailbox (a real SMTP server on loopback); one the mail could
not take is printed for the admin; without the address staff open okno at, it says which setting to set."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner

from okno.cli import main
from tests.channels.email.dovecot import certificate
from tests.channels.email.smtp_server import RecordingHandler, start_smtp
from tests.okno.test_staff_import import _import, _staff, okno  # noqa: F401 (the fixture)

OFFICE, SMTP_PASSWORD = "office@zavod.test", "smtp-secret-2"
LIST = """ФИО;Роль;Почта
Елена Макарова;руководитель;makarova@zavod.ru
Иван Соколов;менеджер;sokolov@zavod.ru
Анна Волкова;менеджер;
"""


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[RecordingHandler, int]]:
    (tmp_path / "tls").mkdir()
    certificate(tmp_path / "tls")
    controller, handler = start_smtp(tmp_path / "tls", OFFICE, SMTP_PASSWORD)
    yield handler, controller.port
    controller.stop()


def test_the_imported_division_is_invited_by_mail(
    okno: tuple[CliRunner, Path],  # noqa: F811
    smtp: tuple[RecordingHandler, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner, tmp_path = okno
    handler, port = smtp
    assert _import(okno, LIST).exit_code == 0
    refused = runner.invoke(main, ["staff", "invite-mail", "--all"])
    assert refused.exit_code == 1 and "OKNO_STAFFBOT__WEB_URL" in refused.output
    monkeypatch.setenv("OKNO_STAFFBOT__WEB_URL", "https://okno.zavod.ru/")
    unmailed = runner.invoke(main, ["staff", "invite-mail", "sokolov@zavod.ru"])
    assert unmailed.exit_code == 0, unmailed.output
    assert "not mailed (no_mailbox): Иван Соколов <sokolov@zavod.ru>" in unmailed.output
    assert re.search(r"\n  https://okno\.zavod\.ru/ui/welcome/[\w-]{40,}\n", unmailed.output)
    config = [f"address={OFFICE}", "smtp_host=127.0.0.1", f"smtp_port={port}", "smtp_security=starttls"]
    config += ["verify_tls=false", "imap_host=127.0.0.1"]
    options = [part for pair in config for part in ("--config", pair)]
    added = runner.invoke(
        main, ["channel", "add", "email", "office", *options, "--secret", f"password={SMTP_PASSWORD}"]
    )
    assert added.exit_code == 0, added.output
    everyone = runner.invoke(main, ["staff", "invite-mail", "--all"])
    assert everyone.exit_code == 0, everyone.output
    # the SMTP server's own log lines share the output: the command's are those it prints
    assert [line for line in everyone.output.splitlines() if "mailed" in line] == [
        "mailed: Елена Макарова <makarova@zavod.ru>",
        "mailed: Иван Соколов <sokolov@zavod.ru>",
    ]  # Анна Волкова has no address: nobody to mail
    assert sorted(r for m in handler.received for r in m.recipients) == [
        "makarova@zavod.ru",
        "sokolov@zavod.ru",
    ]
    mail = email.message_from_bytes(handler.received[1].data, policy=default)
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert mail["Subject"] == "okno: приглашение в okno" and "https://okno.zavod.ru/ui/welcome/" in body
    assert all(s.password_hash is None for s in _staff(tmp_path).values())  # they set their own
    assert runner.invoke(main, ["staff", "invite-mail"]).exit_code == 2  # whom?
    volkova = _staff(tmp_path)["Анна Волкова"].id
    no_address = runner.invoke(main, ["staff", "invite-mail", str(volkova)])
    assert (
        no_address.exit_code == 2
        and "no email for Анна Волкова: add it to the staff list" in no_address.output
    )
